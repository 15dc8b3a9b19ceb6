//! Client-side rate limiting for Bybit REST: a rolling one-second window per endpoint at the
//! documented per-UID limits (market data shares the per-IP budget, 600 per 5 s), tightened by
//! what the server reports in `X-Bapi-Limit`, `X-Bapi-Limit-Status` and
//! `X-Bapi-Limit-Reset-Timestamp`.
//!
//! `acquire` returns how long the caller must wait before sending; the caller sleeps and asks
//! again, so waiting never holds the lock.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// The rate-limit headers of one response (all optional: public endpoints may lack them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LimitHeaders {
    /// `X-Bapi-Limit`: requests allowed per window for this endpoint.
    pub limit: Option<u32>,
    /// `X-Bapi-Limit-Status`: requests left in the current window.
    pub remaining: Option<u32>,
    /// `X-Bapi-Limit-Reset-Timestamp`: when the window resets (ms, server clock).
    pub reset_ms: Option<i64>,
}

impl LimitHeaders {
    /// Reads the three headers from a header lookup (case-insensitive names handled by caller).
    pub fn parse(get: impl Fn(&str) -> Option<String>) -> LimitHeaders {
        LimitHeaders {
            limit: get("x-bapi-limit").and_then(|v| v.trim().parse().ok()),
            remaining: get("x-bapi-limit-status").and_then(|v| v.trim().parse().ok()),
            reset_ms: get("x-bapi-limit-reset-timestamp").and_then(|v| v.trim().parse().ok()),
        }
    }
}

/// Bybit's default per-UID limit (requests per second) for a path; `None` for market data,
/// which counts against the per-IP budget instead.
pub fn default_limit(path: &str, spot: bool) -> Option<u32> {
    Some(match path {
        "/v5/order/create" | "/v5/order/cancel" | "/v5/order/cancel-all" => {
            if spot {
                20
            } else {
                10
            }
        }
        "/v5/order/amend" => 10,
        "/v5/position/set-leverage" | "/v5/position/trading-stop" | "/v5/position/switch-mode" => 10,
        "/v5/order/realtime" | "/v5/order/history" | "/v5/execution/list" | "/v5/position/list" => 50,
        "/v5/account/wallet-balance" => 50,
        "/v5/user/query-api" => 10,
        _ if path.starts_with("/v5/market/") => return None,
        _ => 10,
    })
}

/// Per-IP budget shared by all requests: 600 per 5 s. We keep a margin of 10%.
pub const IP_LIMIT: u32 = 540;
pub const IP_WINDOW_MS: i64 = 5_000;

#[derive(Debug)]
struct Bucket {
    limit: u32,
    window_ms: i64,
    sent: VecDeque<i64>,
    /// Server-reported remaining count and the reset time it is valid until.
    server_remaining: Option<u32>,
    server_reset_ms: i64,
}

impl Bucket {
    fn new(limit: u32, window_ms: i64) -> Self {
        Bucket { limit: limit.max(1), window_ms, sent: VecDeque::new(), server_remaining: None, server_reset_ms: 0 }
    }

    /// Milliseconds to wait before one more request may go (0 = now).
    fn wait_ms(&mut self, now_ms: i64) -> i64 {
        while self.sent.front().is_some_and(|&t| t + self.window_ms <= now_ms) {
            self.sent.pop_front();
        }
        let mut wait = 0;
        if self.sent.len() >= self.limit as usize {
            if let Some(&oldest) = self.sent.front() {
                wait = oldest + self.window_ms - now_ms;
            }
        }
        if self.server_remaining == Some(0) && self.server_reset_ms > now_ms {
            wait = wait.max(self.server_reset_ms - now_ms);
        }
        wait.max(0)
    }

    fn take(&mut self, now_ms: i64) {
        self.sent.push_back(now_ms);
        if let Some(r) = self.server_remaining.as_mut() {
            *r = r.saturating_sub(1);
        }
    }
}

/// Rolling-window limiter keyed by endpoint path, plus the shared per-IP window.
#[derive(Debug)]
pub struct RateLimiter {
    spot: bool,
    inner: Mutex<Limits>,
}

#[derive(Debug)]
struct Limits {
    paths: HashMap<String, Bucket>,
    ip: Bucket,
}

impl RateLimiter {
    /// `spot` picks the spot column of the limits table.
    pub fn new(spot: bool) -> Self {
        RateLimiter {
            spot,
            inner: Mutex::new(Limits { paths: HashMap::new(), ip: Bucket::new(IP_LIMIT, IP_WINDOW_MS) }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Limits> {
        // A poisoned lock only means another task panicked mid-update; the counters stay usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reserves a slot for `path` at `now_ms` (local clock for the window, server clock for the
    /// reset timestamp: the caller passes server-adjusted time). Returns 0 when the request may
    /// go now (the slot is taken), else the milliseconds to wait before asking again.
    pub fn try_acquire(&self, path: &str, now_ms: i64) -> i64 {
        let spot = self.spot;
        let mut g = self.lock();
        let limits = &mut *g;
        let ip_wait = limits.ip.wait_ms(now_ms);
        let path_wait = match default_limit(path, spot) {
            Some(lim) => limits.paths.entry(path.to_string()).or_insert_with(|| Bucket::new(lim, 1000)).wait_ms(now_ms),
            None => 0,
        };
        let wait = ip_wait.max(path_wait);
        if wait == 0 {
            limits.ip.take(now_ms);
            if let Some(b) = limits.paths.get_mut(path) {
                b.take(now_ms);
            }
        }
        wait
    }

    /// Takes the server's view into account after a response.
    pub fn observe(&self, path: &str, h: &LimitHeaders, now_ms: i64) {
        if h.limit.is_none() && h.remaining.is_none() {
            return;
        }
        let spot = self.spot;
        let mut g = self.lock();
        let b = g
            .paths
            .entry(path.to_string())
            .or_insert_with(|| Bucket::new(default_limit(path, spot).unwrap_or(IP_LIMIT), 1000));
        if let Some(l) = h.limit {
            b.limit = l.max(1);
        }
        b.server_remaining = h.remaining;
        b.server_reset_ms = h.reset_ms.unwrap_or(now_ms + 1000);
    }

    /// After a 10006: nothing more on `path` until `reset_ms` (server clock).
    pub fn block_until(&self, path: &str, reset_ms: i64) {
        let spot = self.spot;
        let mut g = self.lock();
        let b = g
            .paths
            .entry(path.to_string())
            .or_insert_with(|| Bucket::new(default_limit(path, spot).unwrap_or(IP_LIMIT), 1000));
        b.server_remaining = Some(0);
        b.server_reset_ms = b.server_reset_ms.max(reset_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_allows_limit_per_second_then_waits_for_oldest() {
        let l = RateLimiter::new(false);
        // Linear order create: 10 per second.
        for i in 0..10 {
            assert_eq!(l.try_acquire("/v5/order/create", 1000 + i * 10), 0, "request {i}");
        }
        // 11th at t=1100: the oldest (t=1000) leaves the window at 2000.
        assert_eq!(l.try_acquire("/v5/order/create", 1100), 900);
        assert_eq!(l.try_acquire("/v5/order/create", 2000), 0);
        // Another endpoint has its own window.
        assert_eq!(l.try_acquire("/v5/order/cancel", 2000), 0);
        // Spot create allows 20.
        let s = RateLimiter::new(true);
        for _ in 0..20 {
            assert_eq!(s.try_acquire("/v5/order/create", 0), 0);
        }
        assert_eq!(s.try_acquire("/v5/order/create", 0), 1000);
    }

    #[test]
    fn server_headers_tighten_the_window() {
        let l = RateLimiter::new(false);
        let h = LimitHeaders::parse(|n| match n {
            "x-bapi-limit" => Some("10".into()),
            "x-bapi-limit-status" => Some("1".into()),
            "x-bapi-limit-reset-timestamp" => Some("5300".into()),
            _ => None,
        });
        assert_eq!(h, LimitHeaders { limit: Some(10), remaining: Some(1), reset_ms: Some(5300) });
        l.observe("/v5/order/amend", &h, 5000);
        // One left: the next goes, the one after waits for the reset at 5300.
        assert_eq!(l.try_acquire("/v5/order/amend", 5000), 0);
        assert_eq!(l.try_acquire("/v5/order/amend", 5010), 290);
        assert_eq!(l.try_acquire("/v5/order/amend", 5300), 0);
        // A lower X-Bapi-Limit replaces the default of 10.
        let h2 = LimitHeaders { limit: Some(2), remaining: None, reset_ms: None };
        l.observe("/v5/position/list", &h2, 0);
        assert_eq!(l.try_acquire("/v5/position/list", 0), 0);
        assert_eq!(l.try_acquire("/v5/position/list", 1), 0);
        assert_eq!(l.try_acquire("/v5/position/list", 2), 998);
    }

    #[test]
    fn block_until_after_rate_limit_error() {
        let l = RateLimiter::new(false);
        l.block_until("/v5/order/create", 7000);
        assert_eq!(l.try_acquire("/v5/order/create", 6500), 500);
        assert_eq!(l.try_acquire("/v5/order/create", 7000), 0);
        // Market data only counts against the per-IP window.
        let l = RateLimiter::new(false);
        for _ in 0..IP_LIMIT {
            assert_eq!(l.try_acquire("/v5/market/kline", 10_000), 0);
        }
        assert_eq!(l.try_acquire("/v5/market/kline", 10_001), 4999);
    }
}
