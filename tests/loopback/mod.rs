//! Helpers shared by the tests that run the real Bybit client against the in-process mock
//! exchange on loopback.

#![allow(dead_code)]

use autobot::exchange::bybit::rest::{RestClient, RestConfig};
use autobot::exchange::bybit::sign::Credentials;
use autobot::mock::{self, MockConfig, MockHandle};
use std::time::Duration;

/// The mock with 200 ms minutes, `history_minutes` of history and its rate limits on.
pub async fn start_mock(history_minutes: usize) -> MockHandle {
    let cfg = MockConfig { minute_ms: 200, history_minutes, rate_limits: true, ..MockConfig::default() };
    mock::start(cfg).await.expect("mock starts")
}

/// A signed REST client for the mock's default key, with short timeouts and backoff.
pub fn client(m: &MockHandle) -> RestClient {
    let mut cfg = RestConfig::new(m.rest_url());
    cfg.timeout = Duration::from_secs(2);
    cfg.backoff_base = Duration::from_millis(10);
    cfg.backoff_max = Duration::from_millis(50);
    RestClient::new(cfg, Some(Credentials::new("MOCKKEY", "MOCKSECRET"))).expect("client")
}
