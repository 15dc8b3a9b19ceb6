//! Order-flow pieces fed by trades, tickers and liquidations: cumulative volume delta, the
//! open-interest tracker, the funding-rate analyzer and the liquidation tracker.

use std::collections::VecDeque;

use crate::domain::{Liquidation, Side, Ticker, Trade};
use crate::indicators::window::Ring;

/// Cumulative volume delta: taker buys add their quantity, taker sells subtract it.
#[derive(Debug, Clone, Default)]
pub struct Cvd {
    total: f64,
    at_last_candle: f64,
}

impl Cvd {
    #[inline]
    pub fn on_trade(&mut self, t: &Trade) {
        let q = t.qty.to_f64();
        match t.taker_side {
            Side::Buy => self.total += q,
            Side::Sell => self.total -= q,
        }
    }
    /// Running total since the tracker started.
    pub fn total(&self) -> f64 {
        self.total
    }
    /// Closes a candle: returns the delta traded during it and starts the next one.
    #[inline]
    pub fn close_candle(&mut self) -> f64 {
        let d = self.total - self.at_last_candle;
        self.at_last_candle = self.total;
        d
    }
}

/// Open interest at candle closes: level, change since the previous candle and price/OI
/// divergence, `+1` when price rose while OI fell (short covering), `−1` when price fell while OI
/// rose (fresh shorts), `0` when they moved together or either stood still.
#[derive(Debug, Clone, Default)]
pub struct OpenInterestTracker {
    level: Option<f64>,
    prev_level: Option<f64>,
    prev_close: Option<f64>,
}

/// What the open-interest tracker reports at a candle close.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct OiValue {
    pub level: Option<f64>,
    pub change: Option<f64>,
    pub divergence: Option<f64>,
}

impl OpenInterestTracker {
    #[inline]
    pub fn on_ticker(&mut self, t: &Ticker) {
        if t.open_interest.is_finite() && t.open_interest > 0.0 {
            self.level = Some(t.open_interest);
        }
    }
    #[inline]
    pub fn close_candle(&mut self, close: f64) -> OiValue {
        let prev_close = self.prev_close.replace(close);
        let Some(level) = self.level else {
            return OiValue::default();
        };
        let change = self.prev_level.replace(level).map(|p| level - p);
        let divergence = match (change, prev_close) {
            (Some(d_oi), Some(pc)) => {
                let d_px = close - pc;
                Some(if d_px > 0.0 && d_oi < 0.0 {
                    1.0
                } else if d_px < 0.0 && d_oi > 0.0 {
                    -1.0
                } else {
                    0.0
                })
            }
            _ => None,
        };
        OiValue { level: Some(level), change, divergence }
    }
}

/// Settings of the funding-rate analyzer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FundingConfig {
    /// Hours between fundings (8 on Bybit for most contracts).
    pub interval_hours: f64,
    /// How many settled rates the z-score looks back on (90 = 30 days of 8-hour fundings).
    pub history: usize,
    /// |z| at or above which the rate is extreme.
    pub z_extreme: f64,
    /// |rate| per interval at or above which the rate is extreme whatever its history (0.1 %).
    pub rate_extreme: f64,
}

impl Default for FundingConfig {
    fn default() -> Self {
        Self { interval_hours: 8.0, history: 90, z_extreme: 2.0, rate_extreme: 0.001 }
    }
}

/// What the funding analyzer reports.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FundingValue {
    pub rate: Option<f64>,
    pub annualized: Option<f64>,
    pub z_score: Option<f64>,
    /// `+1` extreme positive (longs crowded), `−1` extreme negative, `0` normal.
    pub extreme: Option<f64>,
}

/// Funding rate: the current rate, annualised, its z-score against the settled rates before it
/// and whether it is extreme. A rate is recorded as settled when the ticker's next funding time
/// moves on.
#[derive(Debug, Clone)]
pub struct FundingAnalyzer {
    cfg: FundingConfig,
    history: Ring,
    sum: f64,
    sum_sq: f64,
    current: Option<f64>,
    next_funding_ms: i64,
    value: FundingValue,
}

impl FundingAnalyzer {
    pub fn new(cfg: FundingConfig) -> Self {
        Self {
            cfg,
            history: Ring::new(cfg.history.max(2)),
            sum: 0.0,
            sum_sq: 0.0,
            current: None,
            next_funding_ms: i64::MIN,
            value: FundingValue::default(),
        }
    }
    #[inline]
    pub fn on_ticker(&mut self, t: &Ticker) {
        let rate = t.funding_rate.to_f64();
        if t.next_funding_ms != self.next_funding_ms {
            if let (Some(settled), true) = (self.current, self.next_funding_ms != i64::MIN) {
                if let Some(old) = self.history.push(settled) {
                    self.sum -= old;
                    self.sum_sq -= old * old;
                }
                self.sum += settled;
                self.sum_sq += settled * settled;
            }
            self.next_funding_ms = t.next_funding_ms;
        }
        self.current = Some(rate);
        self.value = self.evaluate(rate);
    }
    fn evaluate(&self, rate: f64) -> FundingValue {
        let per_year = 365.0 * 24.0 / self.cfg.interval_hours;
        let n = self.history.len() as f64;
        let z_score = (n >= 2.0)
            .then(|| {
                let mean = self.sum / n;
                let var = (self.sum_sq / n - mean * mean).max(0.0);
                let sd = var.sqrt();
                (sd > 1e-12).then(|| (rate - mean) / sd)
            })
            .flatten();
        let z = z_score.unwrap_or(0.0);
        let extreme = if rate >= self.cfg.rate_extreme || z >= self.cfg.z_extreme {
            1.0
        } else if rate <= -self.cfg.rate_extreme || z <= -self.cfg.z_extreme {
            -1.0
        } else {
            0.0
        };
        FundingValue { rate: Some(rate), annualized: Some(rate * per_year), z_score, extreme: Some(extreme) }
    }
    pub fn value(&self) -> FundingValue {
        self.value
    }
}

/// Settings of the liquidation tracker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiquidationConfig {
    /// Rolling window for the long/short notional sums.
    pub window_ms: i64,
    /// A cascade needs at least this many liquidations in the window...
    pub cascade_min_count: usize,
    /// ...and a window notional at least this many times its usual level (an EMA sampled at
    /// candle closes).
    pub cascade_multiple: f64,
    /// Candles in the EMA of the usual window notional.
    pub baseline_candles: usize,
}

impl Default for LiquidationConfig {
    fn default() -> Self {
        Self { window_ms: 300_000, cascade_min_count: 5, cascade_multiple: 3.0, baseline_candles: 60 }
    }
}

/// What the liquidation tracker reports at a candle close.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LiquidationValue {
    pub long_notional: f64,
    pub short_notional: f64,
    /// `−1` a cascade of long liquidations (forced selling), `+1` of shorts, `0` none.
    pub cascade: f64,
}

/// Rolling long vs short liquidated notional over a time window, and cascade detection.
#[derive(Debug, Clone)]
pub struct LiquidationTracker {
    cfg: LiquidationConfig,
    events: VecDeque<(i64, bool, f64)>,
    long_sum: f64,
    short_sum: f64,
    baseline: Option<f64>,
}

impl LiquidationTracker {
    pub fn new(cfg: LiquidationConfig) -> Self {
        Self { cfg, events: VecDeque::with_capacity(1024), long_sum: 0.0, short_sum: 0.0, baseline: None }
    }
    #[inline]
    pub fn on_liquidation(&mut self, l: &Liquidation) {
        let notional = l.price.to_f64() * l.qty.to_f64();
        if !notional.is_finite() || notional <= 0.0 {
            return;
        }
        // Bybit: `Buy` means a long position was liquidated.
        let long = l.side == Side::Buy;
        if long {
            self.long_sum += notional;
        } else {
            self.short_sum += notional;
        }
        self.events.push_back((l.ts_ms, long, notional));
        self.evict(l.ts_ms);
    }
    fn evict(&mut self, now_ms: i64) {
        while let Some(&(ts, long, n)) = self.events.front() {
            if ts > now_ms - self.cfg.window_ms {
                break;
            }
            self.events.pop_front();
            if long {
                self.long_sum -= n;
            } else {
                self.short_sum -= n;
            }
        }
        if self.events.is_empty() {
            // Start from exact zeros so subtraction drift cannot build up.
            self.long_sum = 0.0;
            self.short_sum = 0.0;
        }
    }
    /// Closes a candle at `now_ms` (its close time).
    #[inline]
    pub fn close_candle(&mut self, now_ms: i64) -> LiquidationValue {
        self.evict(now_ms);
        let total = self.long_sum + self.short_sum;
        let cascade = match self.baseline {
            Some(b) if self.events.len() >= self.cfg.cascade_min_count && total >= self.cfg.cascade_multiple * b => {
                if self.long_sum >= self.short_sum {
                    -1.0
                } else {
                    1.0
                }
            }
            _ => 0.0,
        };
        let alpha = 2.0 / (self.cfg.baseline_candles.max(1) as f64 + 1.0);
        self.baseline = Some(match self.baseline {
            None => total,
            Some(b) => b + alpha * (total - b),
        });
        LiquidationValue { long_notional: self.long_sum.max(0.0), short_notional: self.short_sum.max(0.0), cascade }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Price, Qty, Rate, Symbol};

    fn sym() -> Symbol {
        Symbol::new("BTCUSDT").unwrap()
    }

    fn trade(qty: &str, side: Side) -> Trade {
        Trade {
            symbol: sym(),
            ts_ms: 0,
            price: Price::from_int(100),
            qty: qty.parse().unwrap(),
            taker_side: side,
            trade_id: 1,
        }
    }

    fn ticker(ts_ms: i64, oi: f64, funding: &str, next_funding_ms: i64) -> Ticker {
        let p = Price::from_int(100);
        Ticker {
            symbol: sym(),
            ts_ms,
            last_price: p,
            mark_price: p,
            index_price: p,
            bid1: p,
            ask1: p,
            funding_rate: funding.parse::<Rate>().unwrap(),
            next_funding_ms,
            open_interest: oi,
            volume_24h: 0.0,
            turnover_24h: 0.0,
            price_24h_pct: 0.0,
        }
    }

    fn liq(ts_ms: i64, side: Side, qty: i64) -> Liquidation {
        Liquidation { symbol: sym(), ts_ms, side, price: Price::from_int(100), qty: Qty::from_int(qty) }
    }

    #[test]
    fn cvd_signs_by_aggressor_and_splits_per_candle() {
        let mut c = Cvd::default();
        c.on_trade(&trade("1.5", Side::Buy));
        c.on_trade(&trade("0.5", Side::Sell));
        assert_eq!(c.total(), 1.0);
        assert_eq!(c.close_candle(), 1.0);
        c.on_trade(&trade("3", Side::Sell));
        assert_eq!(c.close_candle(), -3.0);
        assert_eq!(c.total(), -2.0);
    }

    #[test]
    fn open_interest_change_and_divergence() {
        let mut t = OpenInterestTracker::default();
        assert_eq!(t.close_candle(100.0), OiValue::default());
        t.on_ticker(&ticker(0, 1000.0, "0.0001", 1));
        assert_eq!(t.close_candle(101.0), OiValue { level: Some(1000.0), change: None, divergence: None });
        // price up, OI down: short covering
        t.on_ticker(&ticker(1, 900.0, "0.0001", 1));
        assert_eq!(t.close_candle(102.0), OiValue { level: Some(900.0), change: Some(-100.0), divergence: Some(1.0) });
        // price down, OI up
        t.on_ticker(&ticker(2, 950.0, "0.0001", 1));
        assert_eq!(t.close_candle(99.0).divergence, Some(-1.0));
        // both up: no divergence
        t.on_ticker(&ticker(3, 960.0, "0.0001", 1));
        assert_eq!(t.close_candle(100.0).divergence, Some(0.0));
    }

    #[test]
    fn funding_annualises_scores_and_flags_extremes() {
        let mut f = FundingAnalyzer::new(FundingConfig::default());
        // Settled history: 0.0001, 0.0003 (mean 0.0002, population sd 0.0001).
        f.on_ticker(&ticker(0, 1.0, "0.0001", 1_000));
        f.on_ticker(&ticker(1, 1.0, "0.0003", 2_000));
        assert_eq!(f.value().z_score, None, "one settled rate is no history");
        f.on_ticker(&ticker(2, 1.0, "0.0005", 3_000));
        let v = f.value();
        assert_eq!(v.rate, Some(0.0005));
        assert!((v.annualized.unwrap() - 0.0005 * 1095.0).abs() < 1e-15);
        // z = (0.0005 − 0.0002) / 0.0001 = 3 -> extreme positive
        assert!((v.z_score.unwrap() - 3.0).abs() < 1e-9, "{v:?}");
        assert_eq!(v.extreme, Some(1.0));
        // A rate at the absolute threshold is extreme whatever its z-score.
        f.on_ticker(&ticker(3, 1.0, "-0.001", 3_000));
        assert_eq!(f.value().extreme, Some(-1.0));
    }

    #[test]
    fn liquidations_roll_over_the_window_and_detect_a_cascade() {
        let cfg =
            LiquidationConfig { window_ms: 60_000, cascade_min_count: 3, cascade_multiple: 3.0, baseline_candles: 1 };
        let mut t = LiquidationTracker::new(cfg);
        t.on_liquidation(&liq(0, Side::Buy, 1)); // long, 100 notional
        t.on_liquidation(&liq(10_000, Side::Sell, 2)); // short, 200
        let v = t.close_candle(30_000);
        assert_eq!((v.long_notional, v.short_notional, v.cascade), (100.0, 200.0, 0.0));
        // 60 s later the first two have left; baseline (EMA over 1 candle) is 300.
        for k in 0..4 {
            t.on_liquidation(&liq(61_000 + k, Side::Buy, 5)); // 4 × 500 long
        }
        let v = t.close_candle(70_000);
        assert_eq!((v.long_notional, v.short_notional), (2000.0, 0.0));
        // 2000 ≥ 3 × 300 with 4 events: a long-liquidation cascade.
        assert_eq!(v.cascade, -1.0);
        let v = t.close_candle(200_000);
        assert_eq!((v.long_notional, v.short_notional, v.cascade), (0.0, 0.0, 0.0));
    }
}
