//! Start-up of a run on a Bybit venue (or the mock, or paper), before the engine may trade:
//! the keys, the key's permissions (`/v5/user/query-api`), the instrument rules, then — once the
//! private stream is listening — the warm-up candles over REST and the account reconciliation.
//!
//! Everything here is async and runs on the live runtime; failures are typed and name what was
//! being done. The API secret never reaches a message (`Credentials` redacts it).

use super::venue::{OrderGate, VenueKind, VenueOptions};
use crate::domain::{Alert, AlertLevel, Candle, Event, Instrument, Interval, PositionMode, Symbol};
use crate::exchange::bybit::env::Environment;
use crate::exchange::bybit::keys::{check_permissions, load_credentials, AccessMode, KeyError};
use crate::exchange::bybit::rest::{RestClient, RestConfig, RestError};
use crate::exchange::bybit::rules::{fetch_rules, Rules, RulesFetchError};
use crate::exchange::bybit::venue::{reconcile, ReconcileError};
use crate::exchange::bybit::wire::Category;
use crate::exchange::bybit::Credentials;

/// Linear USDT perpetuals: what the workstation trades.
pub const CATEGORY: Category = Category::Linear;
pub const SETTLE_COIN: &str = "USDT";

/// Why a live run could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Venue(String),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error("{what} at {url} failed: {source}")]
    Rest { what: &'static str, url: String, source: RestError },
    #[error("loading the instrument rules: {0}")]
    Rules(#[from] RulesFetchError),
    #[error("reading the account before trading: {0}")]
    Reconcile(#[from] ReconcileError),
    #[error(
        "cannot switch {symbol} to {mode} position mode (strategy.modes.hedge.position_mode): {reason}; \
         close its position and orders first, or set position_mode = \"one-way\""
    )]
    PositionMode { symbol: Symbol, mode: PositionMode, reason: String },
}

/// What `connect` learnt: where to talk, with which key, and whether orders may go out.
pub struct Connected {
    pub env: Environment,
    /// Signed when there is a key; market data only otherwise.
    pub rest: RestClient,
    pub credentials: Option<Credentials>,
    pub rules: Rules,
    /// Instruments in the order of the symbols asked for.
    pub instruments: Vec<Instrument>,
    /// `WatchOnly` for a read-only key or an unconfirmed mainnet run.
    pub access: AccessMode,
    /// Why the run is watch-only, when it is.
    pub watch_only: Option<String>,
    /// Warnings and notes for the operator (shown as alerts).
    pub alerts: Vec<Alert>,
}

fn alert(level: AlertLevel, kind: &'static str, message: String) -> Alert {
    Alert { ts_ms: crate::exchange::bybit::rest::local_now_ms(), level, kind: kind.into(), message: message.into() }
}

/// Keys, clock, permissions and instrument rules. `env_var` reads the environment (tests pass
/// their own).
pub async fn connect(
    venue: &VenueOptions,
    symbols: &[Symbol],
    env_var: impl Fn(&str) -> Option<String>,
) -> Result<Connected, StartError> {
    let env = venue
        .kind
        .environment(venue.exchange_url.as_deref())
        .map_err(StartError::Venue)?
        .ok_or_else(|| StartError::Venue(format!("venue `{}` has no exchange to connect to", venue.kind.name())))?;
    let gate = venue.gate();
    let mut alerts = Vec::new();
    let mut watch_only = match &gate {
        OrderGate::WatchOnly(why) => {
            alerts.push(alert(AlertLevel::Warning, "watch-only", why.clone()));
            Some(why.clone())
        }
        OrderGate::Trade => None,
    };
    // Paper trades in process: no key needed. Mainnet watch-only runs on public data without one.
    let credentials = if venue.kind == VenueKind::Paper {
        None
    } else {
        match load_credentials(&env_var, venue.key_file.as_deref()) {
            Ok(c) => Some(c),
            Err(KeyError::Missing) if watch_only.is_some() => {
                alerts.push(alert(AlertLevel::Info, "keys", "no API key: market data only, no account view".into()));
                None
            }
            Err(e) => return Err(e.into()),
        }
    };
    let url = env.rest_url();
    let rest_err = |what: &'static str| {
        let url = url.clone();
        move |source| StartError::Rest { what, url, source }
    };
    let rest = RestClient::new(RestConfig::new(url.clone()), credentials.clone()).map_err(rest_err("client setup"))?;
    rest.sync_time().await.map_err(rest_err("reading the server time"))?;

    let mut access = if watch_only.is_some() { AccessMode::WatchOnly } else { AccessMode::Trade };
    if credentials.is_some() {
        let info = rest.query_api().await.map_err(rest_err("reading the API key's permissions"))?;
        match check_permissions(&info, CATEGORY) {
            Ok(verdict) => {
                for w in verdict.warnings {
                    alerts.push(alert(AlertLevel::Warning, "keys", w));
                }
                if verdict.mode == AccessMode::WatchOnly {
                    let why = "the API key is read-only: watch-only, no order is sent".to_string();
                    alerts.push(alert(AlertLevel::Warning, "watch-only", why.clone()));
                    watch_only.get_or_insert(why);
                    access = AccessMode::WatchOnly;
                }
            }
            // Not trading anyway: the missing permission is only worth a note.
            Err(e @ KeyError::NoTradePermission { .. }) if access == AccessMode::WatchOnly => {
                alerts.push(alert(AlertLevel::Warning, "keys", e.to_string()));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let rules = fetch_rules(&rest, CATEGORY, symbols).await?;
    let instruments = symbols.iter().filter_map(|s| rules.get(*s).copied()).collect();
    Ok(Connected { env, rest, credentials, rules, instruments, access, watch_only, alerts })
}

/// Strategy bars the market analysis needs before its regime is ready (ATR and ADX, the
/// 60-bar realised-volatility window, a higher timeframe's trend average): 80 on the default
/// configuration, measured with `autobot analyze`; 100 leaves a margin. The mode switcher does
/// not act on a regime that is not ready.
pub const ANALYSIS_WARMUP_BARS: usize = 100;

/// Closed candles before trading starts: enough for the indicators and the regime analysis to
/// warm up (paged from REST, at most 3,000).
pub fn warmup_bars(config: &crate::config::Config, interval: Interval) -> usize {
    let per_bar = |iv: Interval| iv.duration_ms().unwrap_or(60_000);
    let ratio = (per_bar(config.strategy.trend.timeframe) / per_bar(interval).max(1)).max(1) as usize;
    let trend = &config.strategy.trend;
    let mut bars = trend.slow_period.max(trend.atr_period);
    if config.analysis.enabled {
        bars = bars.max(ANALYSIS_WARMUP_BARS);
    }
    (ratio * (bars + 2)).clamp(300, 3000)
}

/// The last `bars` closed candles of each symbol (oldest first per symbol), by REST.
pub async fn warmup(
    rest: &RestClient,
    symbols: &[Symbol],
    interval: Interval,
    bars: usize,
) -> Result<Vec<Candle>, StartError> {
    let span = interval.duration_ms().unwrap_or(60_000);
    let mut out = Vec::new();
    for s in symbols {
        let now = rest.server_now_ms();
        let start = now - span * bars as i64;
        let mut got = rest.closed_candles(CATEGORY, *s, interval, start, now).await.map_err(|source| {
            StartError::Rest { what: "loading the warm-up candles", url: rest.config().base_url.clone(), source }
        })?;
        let skip = got.len().saturating_sub(bars);
        out.extend(got.drain(skip..));
    }
    Ok(out)
}

/// Puts every traded symbol in `mode` at the venue, before the account is read. One-way (the
/// venue's default) sends nothing. Hedge mode switches each symbol (`/v5/position/switch-mode`);
/// a symbol already in it (110025) is fine. A symbol that cannot switch (110024: it has a
/// position; 110028: it has open orders) stops the start-up with an error naming it rather than
/// trading on in a mode the engine does not expect. Returns the symbols switched.
pub async fn position_mode(
    rest: &RestClient,
    symbols: &[Symbol],
    mode: PositionMode,
) -> Result<Vec<Symbol>, StartError> {
    let mut switched = Vec::new();
    if mode == PositionMode::OneWay {
        return Ok(switched);
    }
    for &symbol in symbols {
        match rest.switch_position_mode(symbol, mode).await {
            Ok(true) => switched.push(symbol),
            Ok(false) => {}
            Err(e) => {
                let reason = match e.api().map(|a| a.code) {
                    Some(110024) => "it has an open position".to_string(),
                    Some(110028) => "it has open orders".to_string(),
                    _ => e.to_string(),
                };
                return Err(StartError::PositionMode { symbol, mode, reason });
            }
        }
    }
    Ok(switched)
}

/// Balance, positions and open orders as events, read before the engine may trade.
pub async fn account(rest: &RestClient, symbols: &[Symbol]) -> Result<Vec<Event>, StartError> {
    Ok(reconcile(rest, CATEGORY, SETTLE_COIN, symbols).await?.events())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmup_covers_the_slow_average_and_the_analysis_within_bounds() {
        let mut c = crate::config::Config::default();
        c.analysis.enabled = false;
        c.strategy.trend.timeframe = Interval::M1;
        c.strategy.trend.slow_period = 20;
        assert_eq!(warmup_bars(&c, Interval::M1), 300);
        c.strategy.trend.timeframe = Interval::M5;
        c.strategy.trend.slow_period = 78;
        assert_eq!(warmup_bars(&c, Interval::M1), 400); // 5 * (78 + 2)
        c.strategy.trend.timeframe = Interval::H1;
        assert_eq!(warmup_bars(&c, Interval::M1), 3000);
        // With the analysis on (the default), 100 strategy bars at least: 15m bars → 1,530.
        let d = crate::config::Config::default();
        assert!(d.analysis.enabled);
        assert_eq!(d.strategy.trend.timeframe, Interval::M15);
        assert_eq!(warmup_bars(&d, Interval::M1), 15 * 102);
    }

    #[tokio::test]
    async fn mock_needs_a_url_and_keys_are_required_before_any_network() {
        let s = [Symbol::new("BTCUSDT").unwrap()];
        let mock = VenueOptions { kind: VenueKind::Mock, ..Default::default() };
        let e = connect(&mock, &s, |_| None).await.err().unwrap().to_string();
        assert!(e.contains("--exchange-url"), "{e}");
        // A trading venue without keys stops before it talks to anyone (the port is closed).
        let testnet = VenueOptions {
            kind: VenueKind::Testnet,
            exchange_url: Some("http://127.0.0.1:9".into()),
            ..Default::default()
        };
        let e = connect(&testnet, &s, |_| None).await.err().unwrap().to_string();
        assert!(e.starts_with("no Bybit API key"), "{e}");
    }
}
