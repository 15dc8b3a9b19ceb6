//! `autobot mock-exchange`: a loopback server that speaks the Bybit V5 REST and WebSocket
//! protocol, backed by the simulated exchange (`exchange::sim`) and the market generator (or a
//! candle CSV replay).
//!
//! One port serves REST (`/v5/...`) and the WebSocket upgrades on `/v5/public/linear`,
//! `/v5/public/spot` and `/v5/private`. The market advances in real time: one generated minute
//! every `minute_ms` milliseconds of wall time (60 000 = real time), its events released at the
//! matching moment inside the minute, so clients see live trades, book deltas, tickers and open
//! klines, with the confirmed kline at the minute's close.
//!
//! Files: `state` (shared state, clock, the order registry), `feed` (market driver), `views`
//! (Bybit JSON objects), `rest` / `rest_trade` / `rest_account` (HTTP handlers), `auth` (signatures, rate
//! limits), `ws_public` / `ws_private` (streams), `faults` (fault injection).

mod auth;
mod faults;
mod feed;
mod public;
mod rest;
mod rest_account;
mod rest_trade;
mod state;
mod views;
mod ws;
mod ws_private;
mod ws_public;

pub use faults::FaultConfig;

use crate::domain::{Money, Symbol};
use crate::exchange::bybit::Credentials;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Everything the mock needs to start.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Address to bind (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// Candle CSV to replay instead of the generator.
    pub data: Option<PathBuf>,
    /// The one API key the mock accepts.
    pub credentials: Credentials,
    /// Wall-clock milliseconds per generated minute (60 000 = real time).
    pub minute_ms: u64,
    pub seed: u64,
    /// Generator symbols (ignored with `data`).
    pub symbols: Vec<Symbol>,
    /// Minutes of history generated before the server opens (REST kline/trade history).
    pub history_minutes: usize,
    /// Starting USDT wallet balance.
    pub initial_balance: Money,
    /// Per-endpoint rate limits are enforced (10006) unless this is false.
    pub rate_limits: bool,
    /// The key is read-only: `/v5/user/query-api` says so and order/position writes are
    /// refused with 10005 (for watch-only tests).
    pub read_only: bool,
    pub faults: FaultConfig,
}

impl Default for MockConfig {
    fn default() -> Self {
        let sym = |s: &str| Symbol::new(s).unwrap_or_else(|_| unreachable!("valid literal symbol"));
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data: None,
            credentials: Credentials::new("MOCKKEY", "MOCKSECRET"),
            minute_ms: 60_000,
            seed: 42,
            symbols: vec![sym("BTCUSDT"), sym("ETHUSDT")],
            history_minutes: 600,
            initial_balance: Money::from_int(100_000),
            rate_limits: true,
            read_only: false,
            faults: FaultConfig::default(),
        }
    }
}

/// A running mock exchange; dropping it (or [`MockHandle::shutdown`]) stops the server tasks.
pub struct MockHandle {
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
}

impl MockHandle {
    /// `http://127.0.0.1:PORT`
    pub fn rest_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://127.0.0.1:PORT/v5/public/linear`
    pub fn ws_public_url(&self) -> String {
        format!("ws://{}/v5/public/linear", self.addr)
    }

    /// `ws://127.0.0.1:PORT/v5/private`
    pub fn ws_private_url(&self) -> String {
        format!("ws://{}/v5/private", self.addr)
    }

    /// Stops accepting, closes every connection and the market driver.
    pub fn shutdown(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for MockHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Builds the market (generating the warm-up history), binds `config.listen` and starts serving
/// on the current tokio runtime.
pub async fn start(config: MockConfig) -> anyhow::Result<MockHandle> {
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr()?;
    let (stop, stop_rx) = watch::channel(false);
    let shared = Arc::new(state::Shared::build(config)?);
    tokio::spawn(feed::drive(shared.clone(), stop_rx.clone()));
    tokio::spawn(rest::accept_loop(listener, shared, stop_rx));
    Ok(MockHandle { addr, stop })
}

/// The CLI entry: starts the mock, prints its URLs and serves until Ctrl-C.
pub fn run_blocking(config: MockConfig) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(async move {
        let handle = start(config).await?;
        println!("mock-exchange listening on {}", handle.addr);
        println!("  REST        {}", handle.rest_url());
        println!("  public WS   {}", handle.ws_public_url());
        println!("  private WS  {}", handle.ws_private_url());
        tokio::signal::ctrl_c().await?;
        handle.shutdown();
        Ok(())
    })
}
