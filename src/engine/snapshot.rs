//! `Snapshot`: an immutable picture of the engine that the UI renders (via a watch channel).

use crate::domain::{Alert, Balance, Candle, Fill, Interval, Level, Money, Order, Position, Price, Qty, Rate, Symbol};
use serde::Serialize;

/// Everything the UI shows, built by the engine at most a few times a second.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Snapshot {
    /// Event time of the last processed event (UTC ms).
    pub ts_ms: i64,
    /// `demo`, `paper`, `mock`, `testnet`, `demo-trading`, `mainnet`.
    pub venue: String,
    /// True when orders reach a real-money venue.
    pub live: bool,
    /// Why no order is sent (read-only key, unconfirmed mainnet), when the run is watch-only.
    pub watch_only: Option<String>,
    pub connection: ConnectionState,
    pub markets: Vec<MarketView>,
    pub positions: Vec<PositionView>,
    /// Working orders (not terminal).
    pub open_orders: Vec<Order>,
    /// Most recent fills, newest first.
    pub recent_fills: Vec<Fill>,
    pub account: AccountView,
    pub strategy: StrategyView,
    pub risk: RiskView,
    /// Most recent alerts, newest first.
    pub alerts: Vec<Alert>,
    pub stats: EngineStats,
    /// The configured `[execution.rebalance]` and what it would do now (`None`: no targets).
    pub rebalance: Option<RebalanceView>,
}

/// The configured rebalance targets and the orders they would produce at the snapshot's prices.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RebalanceView {
    /// Symbol → signed weight of equity, as `Command::Rebalance` carries them.
    pub targets: Vec<(Symbol, Rate)>,
    /// The schedule (`1h`, `1d`, ...), if any.
    pub every: Option<String>,
    pub band: Rate,
    /// Time of the next scheduled run (UTC ms), once known.
    pub next_ms: Option<i64>,
    /// One line per order, reducing orders first: `buy 0.012 BTCUSDT  0.0% → 30.0%`.
    pub orders: Vec<String>,
    /// Symbols left out and why, or why the whole rebalance would be refused.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum ConnectionState {
    #[default]
    Connecting,
    Connected,
    Reconnecting,
    /// A replay or generator finished; no more data will come.
    Ended,
}

/// One symbol's market: prices, book top, recent candles and the strategy's indicator values.
#[derive(Debug, Clone, Serialize)]
pub struct MarketView {
    pub symbol: Symbol,
    pub interval: Interval,
    /// The instrument's price tick and quantity step: prices and sizes show with their decimals.
    pub tick_size: Price,
    pub qty_step: Qty,
    pub last_price: Price,
    pub mark_price: Price,
    pub bid: Option<Level>,
    pub ask: Option<Level>,
    /// Best levels of each book side, best first (up to 10).
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
    pub funding_rate: Rate,
    pub open_interest: f64,
    /// Change over the candles held, in percent.
    pub change_pct: f64,
    /// Closed candles, oldest first (up to a few hundred), then the live partial candle if any.
    pub candles: Vec<Candle>,
    pub partial: Option<Candle>,
    /// Indicator overlays aligned with `candles` (NaN before warm-up): name -> values.
    pub overlays: Vec<(String, Vec<f64>)>,
    /// Latest indicator readings (`EMA fast`, `ATR`, ...).
    pub indicators: Vec<(String, f64)>,
    /// Current regime label and confidence (0..1). Confidence 0 means no regime estimate yet
    /// (the analysis module has not landed or is warming up): the UI shows `n/a`, not `0%`.
    pub regime: String,
    pub regime_confidence: f64,
    /// Support / resistance levels near the price: (label such as `S1` or `R1`, price).
    pub levels: Vec<(String, f64)>,
    /// Candlestick patterns found on recent candles, oldest first.
    pub patterns: Vec<PatternMark>,
}

/// A candlestick pattern on one candle, for a chart marker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatternMark {
    /// Open time of the candle the pattern completes on.
    pub ts_ms: i64,
    /// Short name (`Engulfing`, `Hammer`).
    pub name: String,
    /// `Some(true)` bullish, `Some(false)` bearish, `None` indecision.
    pub bullish: Option<bool>,
}

/// A position with what the trader needs beside it.
#[derive(Debug, Clone, Serialize)]
pub struct PositionView {
    pub position: Position,
    pub stop_price: Option<Price>,
    pub target_price: Option<Price>,
    /// Trading mode that owns it.
    pub mode: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AccountView {
    pub balance: Option<Balance>,
    pub starting_equity: Money,
    /// PnL since the UTC day started.
    pub day_pnl: Money,
    pub total_pnl: Money,
    pub fees_paid: Money,
    pub funding_paid: Money,
    /// Equity curve samples (ts_ms, equity), oldest first.
    pub equity_curve: Vec<(i64, f64)>,
    /// Current drawdown from the equity peak, as a fraction (0.05 = 5 %).
    pub drawdown: f64,
    pub max_drawdown: f64,
}

/// One trading mode's state for the Strategies tab.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ModeView {
    pub name: String,
    pub enabled: bool,
    pub locked: bool,
    pub active: bool,
    pub last_signal: Option<String>,
    pub last_reason: Option<String>,
    pub trades: u32,
    pub wins: u32,
    pub pnl: Money,
    /// Milliseconds this mode has been the active one.
    pub active_ms: i64,
    /// Parameters as (name, value) for display and editing.
    pub params: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct StrategyView {
    pub modes: Vec<ModeView>,
    pub automation_paused: bool,
    pub auto_switch: bool,
    /// Recent mode switches, newest first: (ts_ms, symbol, from, to, reason).
    pub switches: Vec<(i64, String, String, String, String)>,
}

/// A risk limit and how much of it is used.
#[derive(Debug, Clone, Serialize)]
pub struct LimitGauge {
    pub name: String,
    pub used: f64,
    pub limit: f64,
    /// Unit label for display (`USDT`, `x`, `%`, `positions`).
    pub unit: String,
}

impl LimitGauge {
    /// Fraction of the limit in use (0 when the limit is 0).
    pub fn utilisation(&self) -> f64 {
        if self.limit > 0.0 {
            self.used / self.limit
        } else {
            0.0
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RiskView {
    pub limits: Vec<LimitGauge>,
    /// `Active`, `Reducing` or `Halted`.
    pub trading_state: String,
    pub kill_switch: bool,
    /// Exposure by symbol (notional at mark, signed: short < 0).
    pub exposure: Vec<(Symbol, f64)>,
    /// Drawdown curve samples (ts_ms, drawdown fraction), oldest first.
    pub drawdown_curve: Vec<(i64, f64)>,
    /// Last orders the risk stage refused, newest first: (ts_ms, why).
    pub rejections: Vec<(i64, String)>,
    /// Correlation of 1-candle returns between symbol pairs over the candles held (-1..1).
    pub correlation: Vec<(Symbol, Symbol, f64)>,
    /// Loss today against the daily loss limit, both positive USDT; `None` when no limit is set.
    pub daily_loss: Option<(f64, f64)>,
}

/// Counters about the engine itself.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EngineStats {
    pub events: u64,
    pub candles: u64,
    pub orders_placed: u64,
    pub fills: u64,
    /// Wall-clock processing time per event (runtime measured), p50 / p99 in microseconds.
    pub event_latency_p50_us: f64,
    pub event_latency_p99_us: f64,
    /// Age of the newest market data when it was processed (ms), live venues only.
    pub stream_lag_ms: f64,
    /// Replay speed (x real time), `None` for max.
    pub speed: Option<f64>,
}
