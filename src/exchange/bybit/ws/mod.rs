//! Bybit WebSocket streams (tokio-tungstenite over rustls/ring): one connection loop that
//! sends the opening frames (auth, subscriptions), pings every 20 s, treats a silent
//! connection as dead, and reconnects with jittered backoff, resubscribing everything. The
//! public and private handlers turn frames into engine `Event`s.

mod private;
mod public;

pub use private::{PrivateStream, PrivateStreamConfig};
pub use public::{PublicStream, PublicStreamConfig};

use futures_util::{SinkExt, StreamExt};
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// Connection settings shared by every stream.
#[derive(Debug, Clone)]
pub struct WsConfig {
    /// e.g. `wss://stream.bybit.com/v5/public/linear` or `ws://127.0.0.1:PORT/v5/private`.
    pub url: String,
    /// JSON `ping` cadence (Bybit: 20 s).
    pub ping_interval: Duration,
    /// No frame at all for `ping_interval + pong_timeout`: the connection is dead.
    pub pong_timeout: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// Give up after this many consecutive failed connects (`None`: never).
    pub max_reconnects: Option<u32>,
}

impl WsConfig {
    pub fn new(url: impl Into<String>) -> Self {
        WsConfig {
            url: url.into(),
            ping_interval: Duration::from_secs(20),
            pong_timeout: Duration::from_secs(10),
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            max_reconnects: None,
        }
    }
}

/// Connection-level happenings, for the status bar and the logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsNotice {
    Connected {
        url: String,
        reconnect: bool,
    },
    Disconnected {
        url: String,
        reason: String,
    },
    /// A book lost continuity; a fresh snapshot was requested.
    BookResync {
        topic: String,
        reason: String,
    },
    /// Candles fetched over REST to close a hole (after a reconnect or a missed bar).
    Backfilled {
        topic: String,
        candles: usize,
    },
    BackfillFailed {
        topic: String,
        reason: String,
    },
    /// Private auth refused: the stream stops.
    AuthFailed {
        reason: String,
    },
    /// A subscribe/unsubscribe was refused.
    Refused {
        op: String,
        reason: String,
    },
    /// The stream has ended (receiver dropped, auth failure, reconnects exhausted).
    Stopped {
        url: String,
        reason: String,
    },
}

/// Sends a notice if anyone listens.
pub(crate) fn notify(tx: &Option<mpsc::UnboundedSender<WsNotice>>, n: WsNotice) {
    if let Some(t) = tx {
        let _ = t.send(n);
    }
}

/// Why a handler wants the connection loop to end for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The event receiver is gone.
    Closed,
    Fatal(String),
}

/// What a stream does with its connection.
pub(crate) trait Handler: Send {
    /// Frames to send right after (re)connecting: auth and subscriptions.
    fn opening_frames(&mut self) -> Vec<String>;
    /// Runs after the opening frames went out; `reconnect` is false the first time.
    fn on_open(&mut self, reconnect: bool) -> impl Future<Output = Result<(), Stop>> + Send;
    /// One text frame; returns frames to send back (resubscriptions).
    fn on_text(&mut self, text: &str) -> impl Future<Output = Result<Vec<String>, Stop>> + Send;
}

fn backoff(cfg: &WsConfig, attempt: u32, seed: &mut u64) -> Duration {
    let d = cfg.backoff_min.saturating_mul(1u32 << attempt.min(16)).min(cfg.backoff_max);
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    let half = d / 2;
    let span = u64::try_from(half.as_micros()).unwrap_or(u64::MAX).max(1);
    half + Duration::from_micros(*seed % (span + 1))
}

/// The connect / read / ping / reconnect loop. Returns when the handler stops it or the
/// reconnect budget is spent.
pub(crate) async fn run<H: Handler>(cfg: WsConfig, mut h: H, notices: Option<mpsc::UnboundedSender<WsNotice>>) {
    crate::exchange::bybit::rest::install_crypto_provider();
    let mut failures: u32 = 0;
    let mut connected_before = false;
    let mut seed = (crate::exchange::bybit::rest::local_now_ms() as u64) | 1;
    let mut ping_id: u64 = 0;
    let stop_reason = loop {
        match tokio_tungstenite::connect_async(cfg.url.as_str()).await {
            Ok((ws, _resp)) => {
                failures = 0;
                let (mut write, mut read) = ws.split();
                let mut reason = String::new();
                let mut stop: Option<Stop> = None;
                for f in h.opening_frames() {
                    if let Err(e) = write.send(Message::text(f)).await {
                        reason = format!("send failed: {e}");
                    }
                }
                if reason.is_empty() {
                    notify(&notices, WsNotice::Connected { url: cfg.url.clone(), reconnect: connected_before });
                    if let Err(s) = h.on_open(connected_before).await {
                        stop = Some(s);
                    }
                }
                connected_before = true;
                let mut ticker = tokio::time::interval(cfg.ping_interval);
                ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                ticker.tick().await;
                let mut last_rx = Instant::now();
                while reason.is_empty() && stop.is_none() {
                    tokio::select! {
                        msg = read.next() => match msg {
                            Some(Ok(Message::Text(t))) => {
                                last_rx = Instant::now();
                                match h.on_text(t.as_str()).await {
                                    Ok(replies) => {
                                        for f in replies {
                                            if let Err(e) = write.send(Message::text(f)).await {
                                                reason = format!("send failed: {e}");
                                            }
                                        }
                                    }
                                    Err(s) => stop = Some(s),
                                }
                            }
                            Some(Ok(Message::Close(c))) => reason = format!("closed by server: {c:?}"),
                            Some(Ok(_)) => last_rx = Instant::now(),
                            Some(Err(e)) => reason = format!("read error: {e}"),
                            None => reason = "connection ended".into(),
                        },
                        _ = ticker.tick() => {
                            if last_rx.elapsed() > cfg.ping_interval + cfg.pong_timeout {
                                reason = "no pong or data: connection presumed dead".into();
                            } else {
                                ping_id += 1;
                                let ping = format!("{{\"req_id\":\"ping-{ping_id}\",\"op\":\"ping\"}}");
                                if let Err(e) = write.send(Message::text(ping)).await {
                                    reason = format!("ping failed: {e}");
                                }
                            }
                        }
                    }
                }
                if let Some(s) = stop {
                    let _ = write.send(Message::Close(None)).await;
                    break s;
                }
                tracing::warn!(url = %cfg.url, %reason, "bybit websocket disconnected");
                notify(&notices, WsNotice::Disconnected { url: cfg.url.clone(), reason });
            }
            Err(e) => {
                failures += 1;
                tracing::warn!(url = %cfg.url, error = %e, failures, "bybit websocket connect failed");
                notify(&notices, WsNotice::Disconnected { url: cfg.url.clone(), reason: format!("connect: {e}") });
                if cfg.max_reconnects.is_some_and(|m| failures > m) {
                    break Stop::Fatal(format!("{failures} failed connects in a row"));
                }
            }
        }
        tokio::time::sleep(backoff(&cfg, failures, &mut seed)).await;
    };
    let reason = match stop_reason {
        Stop::Closed => "event receiver closed".to_string(),
        Stop::Fatal(r) => r,
    };
    tracing::info!(url = %cfg.url, %reason, "bybit websocket stream stopped");
    notify(&notices, WsNotice::Stopped { url: cfg.url.clone(), reason });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let mut cfg = WsConfig::new("ws://x");
        cfg.backoff_min = Duration::from_millis(100);
        cfg.backoff_max = Duration::from_millis(1000);
        let mut seed = 42;
        for (attempt, full) in [(0u32, 100u64), (1, 200), (2, 400), (3, 800), (4, 1000), (9, 1000)] {
            let d = backoff(&cfg, attempt, &mut seed).as_millis() as u64;
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d} not in [{}, {full}]", full / 2);
        }
    }
}
