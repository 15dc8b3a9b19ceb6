//! Request authentication (Bybit's HMAC scheme over the raw query or body, via
//! `exchange::bybit::sign::verify`) and the per-key, per-endpoint 1-second rolling rate limits
//! with Bybit's `X-Bapi-Limit*` headers.

use crate::exchange::bybit::sign::{self, SignError, SignedRequest};
use crate::exchange::bybit::Credentials;
use std::collections::{HashMap, VecDeque};

/// Verifies the `X-BAPI-*` headers of a signed request against the mock's one key. Returns
/// Bybit's `(retCode, retMsg)` on failure.
pub(crate) fn check_signed(
    creds: &Credentials,
    header: impl Fn(&str) -> Option<String>,
    payload: &str,
    server_ms: i64,
) -> Result<String, (i64, String)> {
    let key = header(sign::HEADER_API_KEY).unwrap_or_default();
    let Some(ts) = header(sign::HEADER_TIMESTAMP) else {
        return Err((10002, "invalid request, please check your timestamp and recv_window param".to_string()));
    };
    let window = header(sign::HEADER_RECV_WINDOW);
    let Some(signature) = header(sign::HEADER_SIGN) else {
        return Err((10004, "error sign! missing X-BAPI-SIGN".to_string()));
    };
    let req =
        SignedRequest { api_key: &key, timestamp: &ts, recv_window: window.as_deref(), sign: &signature, payload };
    let secret_for = |k: &str| if k == creds.api_key { Some(creds.expose_secret()) } else { None };
    match sign::verify(&req, server_ms, secret_for) {
        Ok(()) => Ok(key),
        Err(e) => Err((code_of(&e), e.to_string())),
    }
}

fn code_of(e: &SignError) -> i64 {
    match e {
        SignError::BadHeader { header, .. } if *header == sign::HEADER_RECV_WINDOW => 10001,
        other => other.ret_code(),
    }
}

/// Bybit's default per-UID limit (requests per second) of an endpoint.
pub(crate) fn limit_of(path: &str) -> u32 {
    match path {
        "/v5/order/create" | "/v5/order/amend" | "/v5/order/cancel" | "/v5/order/cancel-all" => 10,
        "/v5/position/set-leverage" | "/v5/position/trading-stop" => 10,
        "/v5/user/query-api" => 10,
        _ => 50,
    }
}

/// What the limiter decided, with the header values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LimitStatus {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// ms; when the window frees a slot if exceeded, else now.
    pub reset_ms: i64,
}

/// Rolling one-second windows per `(key, path)`.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    windows: HashMap<(String, String), VecDeque<i64>>,
}

impl RateLimiter {
    /// Counts one request at `now_ms` (refused requests are not counted).
    pub fn hit(&mut self, key: &str, path: &str, limit: u32, now_ms: i64) -> LimitStatus {
        let w = self.windows.entry((key.to_string(), path.to_string())).or_default();
        while w.front().is_some_and(|t| *t <= now_ms - 1000) {
            w.pop_front();
        }
        if w.len() as u32 >= limit {
            let reset = w.front().map_or(now_ms, |t| t + 1000).max(now_ms);
            return LimitStatus { allowed: false, limit, remaining: 0, reset_ms: reset };
        }
        w.push_back(now_ms);
        LimitStatus { allowed: true, limit, remaining: limit - w.len() as u32, reset_ms: now_ms }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eleventh_create_in_a_second_is_refused_until_the_first_expires() {
        let mut r = RateLimiter::default();
        for i in 0..10 {
            let s = r.hit("k", "/v5/order/create", 10, 1_000 + i * 10);
            assert!(s.allowed);
            assert_eq!(s.remaining, 9 - i as u32);
        }
        let s = r.hit("k", "/v5/order/create", 10, 1_100);
        assert_eq!(s, LimitStatus { allowed: false, limit: 10, remaining: 0, reset_ms: 2_000 });
        // Another endpoint and another key have their own windows.
        assert!(r.hit("k", "/v5/order/amend", 10, 1_100).allowed);
        assert!(r.hit("j", "/v5/order/create", 10, 1_100).allowed);
        // At 2000 the first hit (1000) has left the window.
        let s = r.hit("k", "/v5/order/create", 10, 2_000);
        assert!(s.allowed && s.remaining == 0);
    }

    #[test]
    fn signed_request_checks_window_key_signature() {
        let creds = Credentials::new("TESTKEY123", "TESTSECRET456");
        let headers = |ts: &'static str, key: &'static str, sig: &'static str| {
            move |h: &str| match h {
                "X-BAPI-API-KEY" => Some(key.to_string()),
                "X-BAPI-TIMESTAMP" => Some(ts.to_string()),
                "X-BAPI-RECV-WINDOW" => Some("5000".to_string()),
                "X-BAPI-SIGN" => Some(sig.to_string()),
                _ => None,
            }
        };
        let good = "97ef232703cf2832582c7db8df84cbb7fe75977e4f2e1f14d00f10601521c8b9";
        let q = "category=linear&symbol=BTCUSDT";
        let now = 1_700_000_000_500;
        assert_eq!(check_signed(&creds, headers("1700000000000", "TESTKEY123", good), q, now), Ok("TESTKEY123".into()));
        assert_eq!(
            check_signed(&creds, headers("1700000000000", "TESTKEY123", good), q, now + 6000).unwrap_err().0,
            10002
        );
        assert_eq!(check_signed(&creds, headers("1700000000000", "OTHER", good), q, now).unwrap_err().0, 10003);
        assert_eq!(check_signed(&creds, headers("1700000000000", "TESTKEY123", "00"), q, now).unwrap_err().0, 10004);
    }
}
