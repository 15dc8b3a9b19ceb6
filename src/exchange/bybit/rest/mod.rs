//! Bybit V5 REST client: signed and public requests over reqwest (rustls with the ring
//! provider), the server-time offset used for signing, client-side rate limiting that obeys
//! Bybit's limit headers, and retries with jittered exponential backoff.
//!
//! Retry rule: timeouts, connection errors, HTTP 429/5xx and retCodes 10000, 10006, 10016 and
//! 110079 are retried; 10002 (recv window) resyncs the server time and widens the window once.
//! An order create is retried only when its body carries an `orderLinkId`, and the retry sends
//! the very same body (re-signed with a fresh timestamp), so Bybit answers a create that had
//! already landed with 110072 instead of placing a second order (see `endpoints.rs`).

mod endpoints;
pub mod limit;
mod query;

pub use endpoints::{KlineQuery, OrderListQuery};
pub use limit::{LimitHeaders, RateLimiter};
pub use query::Query;

use super::error::{is_retryable_http_status, ApiError, ErrorKind};
use super::sign::{Credentials, HEADER_SIGN_TYPE, SIGN_TYPE_HMAC};
use super::wire::rest::parse_response;
use super::wire::{ResponseError, ServerTime, WireError};
use serde::de::DeserializeOwned;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Where and how the client talks to Bybit.
#[derive(Debug, Clone)]
pub struct RestConfig {
    /// `https://api.bybit.com`, `https://api-testnet.bybit.com`, `https://api-demo.bybit.com`,
    /// or a mock's `http://127.0.0.1:PORT` (no trailing slash needed).
    pub base_url: String,
    pub recv_window_ms: u64,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retries after the first attempt.
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Spot limits instead of linear ones.
    pub spot: bool,
}

impl RestConfig {
    pub fn new(base_url: impl Into<String>) -> Self {
        RestConfig {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            recv_window_ms: super::sign::DEFAULT_RECV_WINDOW_MS,
            timeout: Duration::from_secs(10),
            max_retries: 3,
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(5),
            spot: false,
        }
    }
}

/// Why a REST call failed.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    #[error("bybit {path}: HTTP {status}: {body}")]
    Http { path: &'static str, status: u16, body: String },
    #[error("bybit {path}: timed out ({attempts} attempt(s))")]
    Timeout { path: &'static str, attempts: u32 },
    #[error("bybit {path}: transport error after {attempts} attempt(s): {msg}")]
    Transport { path: &'static str, attempts: u32, msg: String },
    #[error("bybit {path}: {source} ({attempts} attempt(s))")]
    Api { path: &'static str, attempts: u32, source: ApiError },
    #[error("bybit {path}: {source}")]
    Wire { path: &'static str, source: WireError },
    #[error("bybit {path}: a signed endpoint needs API credentials")]
    NoCredentials { path: &'static str },
    #[error("bybit client setup: {0}")]
    Setup(String),
}

impl RestError {
    /// The Bybit error, when Bybit answered with a non-zero retCode.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            RestError::Api { source, .. } => Some(source),
            _ => None,
        }
    }
    pub fn kind(&self) -> Option<ErrorKind> {
        self.api().map(|e| e.kind)
    }
}

/// Whether a request may be sent again after a failure that left its fate unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Reads, cancels, amends: sending again is harmless.
    Safe,
    /// An order create: only with an `orderLinkId` in the (unchanged) body.
    Create { has_link_id: bool },
}

impl Retry {
    fn allowed(self) -> bool {
        match self {
            Retry::Safe => true,
            Retry::Create { has_link_id } => has_link_id,
        }
    }
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    cfg: RestConfig,
    creds: Option<Credentials>,
    /// Server clock minus local clock (ms), from `/v5/market/time`.
    offset_ms: AtomicI64,
    limiter: RateLimiter,
    rng: AtomicU64,
}

/// A cheap-to-clone handle on one REST session (shared HTTP pool, clock offset, limiter).
#[derive(Debug, Clone)]
pub struct RestClient {
    inner: Arc<Inner>,
}

/// Local wall-clock time in ms.
pub fn local_now_ms() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

/// Makes sure rustls has its process-wide crypto provider (ring) before any TLS use.
pub fn install_crypto_provider() {
    // Fails only when a provider is already installed, which is what we want anyway.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl RestClient {
    /// A client; `creds` is `None` for market data only.
    pub fn new(cfg: RestConfig, creds: Option<Credentials>) -> Result<Self, RestError> {
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout)
            .pool_idle_timeout(Duration::from_secs(50))
            .user_agent(concat!("autobot/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| RestError::Setup(e.to_string()))?;
        let seed = (local_now_ms() as u64) ^ 0x9E37_79B9_7F4A_7C15;
        let limiter = RateLimiter::new(cfg.spot);
        Ok(RestClient {
            inner: Arc::new(Inner {
                http,
                cfg,
                creds,
                offset_ms: AtomicI64::new(0),
                limiter,
                rng: AtomicU64::new(seed | 1),
            }),
        })
    }

    pub fn config(&self) -> &RestConfig {
        &self.inner.cfg
    }

    pub fn has_credentials(&self) -> bool {
        self.inner.creds.is_some()
    }

    /// Server clock minus local clock, ms.
    pub fn clock_offset_ms(&self) -> i64 {
        self.inner.offset_ms.load(Ordering::Relaxed)
    }

    /// Our best estimate of the server's clock (ms).
    pub fn server_now_ms(&self) -> i64 {
        local_now_ms() + self.clock_offset_ms()
    }

    /// Measures the offset with `/v5/market/time` (midpoint of the round trip) and keeps it.
    pub async fn sync_time(&self) -> Result<i64, RestError> {
        let t0 = local_now_ms();
        let st = self.server_time().await?;
        let t1 = local_now_ms();
        let offset = st.ms() - (t0 + t1) / 2;
        self.inner.offset_ms.store(offset, Ordering::Relaxed);
        tracing::debug!(offset_ms = offset, rtt_ms = t1 - t0, "bybit server time offset");
        Ok(offset)
    }

    /// One unretried `/v5/market/time` read that updates the offset (used inside the retry
    /// loop, which must not recurse into itself).
    async fn resync_raw(&self) -> bool {
        let t0 = local_now_ms();
        let Ok((200, _, body)) = self.send_once(&reqwest::Method::GET, "/v5/market/time", "", false, 0).await else {
            return false;
        };
        let Ok(env) = parse_response::<ServerTime>(&body) else { return false };
        let t1 = local_now_ms();
        self.inner.offset_ms.store(env.result.ms() - (t0 + t1) / 2, Ordering::Relaxed);
        true
    }

    /// The limiter (for inspection and tests).
    pub fn limiter(&self) -> &RateLimiter {
        &self.inner.limiter
    }

    /// Jittered exponential backoff for `attempt` (0-based): a uniform pick in
    /// `[d/2, d]` where `d = min(max, base * 2^attempt)`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let cfg = &self.inner.cfg;
        let d = cfg.backoff_base.saturating_mul(1u32 << attempt.min(16)).min(cfg.backoff_max);
        let half = d / 2;
        let span = u64::try_from(half.as_micros()).unwrap_or(u64::MAX).max(1);
        half + Duration::from_micros(self.next_random() % (span + 1))
    }

    fn next_random(&self) -> u64 {
        // xorshift64*: plenty for jitter.
        let mut x = self.inner.rng.load(Ordering::Relaxed);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.inner.rng.store(x, Ordering::Relaxed);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    async fn wait_for_slot(&self, path: &'static str) {
        loop {
            let wait = self.inner.limiter.try_acquire(path, self.server_now_ms());
            if wait <= 0 {
                return;
            }
            tracing::debug!(path, wait_ms = wait, "bybit rate limit: waiting");
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        }
    }

    /// GET `path?query`; signed when `signed`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &'static str,
        query: &Query,
        signed: bool,
    ) -> Result<T, RestError> {
        self.request(reqwest::Method::GET, path, &query.encode(), signed, Retry::Safe).await
    }

    /// Signed POST of a JSON body (sent and signed byte for byte as given).
    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &'static str,
        body: &str,
        retry: Retry,
    ) -> Result<T, RestError> {
        self.request(reqwest::Method::POST, path, body, true, retry).await
    }

    async fn request<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &'static str,
        payload: &str,
        signed: bool,
        retry: Retry,
    ) -> Result<T, RestError> {
        let cfg = &self.inner.cfg;
        if signed && self.inner.creds.is_none() {
            return Err(RestError::NoCredentials { path });
        }
        let mut recv_window = cfg.recv_window_ms;
        let mut resynced = false;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let may_retry = retry.allowed() && attempt <= cfg.max_retries;
            self.wait_for_slot(path).await;
            let sent = self.send_once(&method, path, payload, signed, recv_window).await;
            let (status, headers, body) = match sent {
                Ok(r) => r,
                Err(e) => {
                    let timeout = e.is_timeout();
                    if may_retry {
                        tracing::warn!(path, attempt, error = %e, "bybit request failed, retrying");
                        tokio::time::sleep(self.backoff(attempt - 1)).await;
                        continue;
                    }
                    return Err(if timeout {
                        RestError::Timeout { path, attempts: attempt }
                    } else {
                        RestError::Transport { path, attempts: attempt, msg: e.to_string() }
                    });
                }
            };
            let now = self.server_now_ms();
            self.inner.limiter.observe(path, &headers, now);
            if status != 200 {
                if is_retryable_http_status(status) && may_retry {
                    tracing::warn!(path, attempt, status, "bybit HTTP error, retrying");
                    tokio::time::sleep(self.backoff(attempt - 1)).await;
                    continue;
                }
                let body: String = body.chars().take(200).collect();
                return Err(RestError::Http { path, status, body });
            }
            match parse_response::<T>(&body) {
                Ok(env) => return Ok(env.result),
                Err(ResponseError::Wire(source)) => return Err(RestError::Wire { path, source }),
                Err(ResponseError::Api(e)) => {
                    let retry_now = may_retry && e.is_retryable();
                    if !retry_now {
                        return Err(RestError::Api { path, attempts: attempt, source: e });
                    }
                    match e.kind {
                        ErrorKind::RateLimited => {
                            let reset = headers.reset_ms.unwrap_or(now + 1000).max(now);
                            self.inner.limiter.block_until(path, reset);
                            tracing::warn!(path, attempt, reset_ms = reset, "bybit 10006 rate limited, waiting");
                        }
                        ErrorKind::RecvWindow => {
                            if resynced {
                                return Err(RestError::Api { path, attempts: attempt, source: e });
                            }
                            resynced = true;
                            recv_window = (recv_window + 2500).min(20_000);
                            // A failed resync keeps the old offset; the retry may still pass.
                            if !self.resync_raw().await {
                                tracing::warn!("bybit time resync failed");
                            }
                        }
                        _ => {
                            tracing::warn!(path, attempt, code = e.code, "bybit retryable error, retrying");
                            tokio::time::sleep(self.backoff(attempt - 1)).await;
                        }
                    }
                }
            }
        }
    }

    async fn send_once(
        &self,
        method: &reqwest::Method,
        path: &'static str,
        payload: &str,
        signed: bool,
        recv_window: u64,
    ) -> Result<(u16, LimitHeaders, String), reqwest::Error> {
        let cfg = &self.inner.cfg;
        let is_get = *method == reqwest::Method::GET;
        let url = if is_get && !payload.is_empty() {
            format!("{}{}?{}", cfg.base_url, path, payload)
        } else {
            format!("{}{}", cfg.base_url, path)
        };
        let mut rb = self.inner.http.request(method.clone(), url);
        if signed {
            if let Some(c) = &self.inner.creds {
                let h = c.rest_headers(self.server_now_ms(), recv_window, payload);
                for (name, value) in h.pairs() {
                    if name != HEADER_SIGN_TYPE {
                        rb = rb.header(name, value);
                    }
                }
                rb = rb.header(HEADER_SIGN_TYPE, SIGN_TYPE_HMAC);
            }
        }
        if !is_get {
            rb = rb.header(reqwest::header::CONTENT_TYPE, "application/json").body(payload.to_string());
        }
        let resp = rb.send().await?;
        let status = resp.status().as_u16();
        let hm = resp.headers();
        let headers = LimitHeaders::parse(|n| hm.get(n).and_then(|v| v.to_str().ok()).map(str::to_string));
        let body = resp.text().await?;
        Ok((status, headers, body))
    }
}
