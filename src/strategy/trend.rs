//! Trend following: a fast/slow EMA cross enters, the opposite cross exits, and an ATR stop
//! (initial and trailing) limits the loss.

use super::{Direction, Signal};
use crate::domain::reason::fx;
use crate::domain::Candle;
use crate::indicators::{Atr, Ema};
use crate::reason;
use serde::{Deserialize, Serialize};

/// Parameters of the trend mode (`[strategy.trend]` in the config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrendConfig {
    pub enabled: bool,
    /// Timeframe the mode trades on, built locally from the 1-minute candles (`1m`, `15m`, `1h` ...).
    pub timeframe: crate::domain::Interval,
    pub fast_period: usize,
    pub slow_period: usize,
    pub atr_period: usize,
    /// Initial stop distance in ATRs.
    pub atr_stop_mult: f64,
    /// Trailing stop distance in ATRs (stops only ever move in the position's favour).
    pub trail_atr_mult: f64,
    /// Ignore crosses when the EMA gap is below this many ATRs (filters chop).
    pub min_gap_atr: f64,
}

impl Default for TrendConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            timeframe: crate::domain::Interval::M15,
            fast_period: 20,
            slow_period: 60,
            atr_period: 14,
            atr_stop_mult: 3.0,
            trail_atr_mult: 4.0,
            min_gap_atr: 0.05,
        }
    }
}

impl TrendConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.fast_period == 0 || self.slow_period <= self.fast_period {
            return Err(format!(
                "strategy.trend: need 0 < fast_period < slow_period, got {} and {}",
                self.fast_period, self.slow_period
            ));
        }
        if self.atr_period == 0 {
            return Err("strategy.trend.atr_period must be at least 1".into());
        }
        for (name, v) in [
            ("atr_stop_mult", self.atr_stop_mult),
            ("trail_atr_mult", self.trail_atr_mult),
            ("min_gap_atr", self.min_gap_atr),
        ] {
            if !v.is_finite() || v < 0.0 || (name != "min_gap_atr" && v == 0.0) {
                return Err(format!("strategy.trend.{name} must be positive, got {v}"));
            }
        }
        Ok(())
    }
}

/// State of the trend mode for one symbol.
#[derive(Debug, Clone)]
pub struct TrendFollower {
    config: TrendConfig,
    fast: Ema,
    slow: Ema,
    atr: Atr,
    /// Which side of the slow EMA the fast one was on after the last candle (+1 / −1 / 0).
    side: i8,
}

impl TrendFollower {
    pub fn new(config: TrendConfig) -> Self {
        Self {
            fast: Ema::new(config.fast_period),
            slow: Ema::new(config.slow_period),
            atr: Atr::new(config.atr_period),
            config,
            side: 0,
        }
    }
    pub fn config(&self) -> &TrendConfig {
        &self.config
    }
    pub fn fast(&self) -> Option<f64> {
        self.fast.value()
    }
    pub fn slow(&self) -> Option<f64> {
        self.slow.value()
    }
    pub fn atr(&self) -> Option<f64> {
        self.atr.value()
    }
    /// Trailing stop distance for the current ATR.
    pub fn trail_distance(&self) -> Option<f64> {
        self.atr.value().map(|a| a * self.config.trail_atr_mult)
    }

    /// Feeds a closed candle; returns a signal on a confirmed cross.
    #[inline]
    pub fn on_candle(&mut self, candle: &Candle) -> Option<Signal> {
        let close = candle.close.to_f64();
        let fast = self.fast.next(close);
        let slow = self.slow.next(close);
        let atr = self.atr.next(candle.high.to_f64(), candle.low.to_f64(), close);
        let (fast, slow, atr) = (fast?, slow?, atr?);
        let gap = fast - slow;
        let threshold = self.config.min_gap_atr * atr;
        let new_side = if gap > threshold {
            1
        } else if gap < -threshold {
            -1
        } else {
            return None;
        };
        let previous = std::mem::replace(&mut self.side, new_side);
        if previous == new_side || atr <= 0.0 {
            return None;
        }
        let (direction, word) = if new_side > 0 { (Direction::Long, "above") } else { (Direction::Short, "below") };
        Some(Signal {
            direction,
            stop_distance: atr * self.config.atr_stop_mult,
            reason: reason!(
                "EMA{} {} crossed {} EMA{} {}; ATR{} {}",
                self.config.fast_period,
                fx(fast, 2),
                word,
                self.config.slow_period,
                fx(slow, 2),
                self.config.atr_period,
                fx(atr, 2)
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Interval, Price, Symbol};

    fn candle(i: i64, close: f64) -> Candle {
        let p = |v: f64| Price::from_f64(v).unwrap();
        Candle {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            interval: Interval::M1,
            ts_ms: i * 60_000,
            open: p(close),
            high: p(close + 1.0),
            low: p(close - 1.0),
            close: p(close),
            volume: 1.0,
            turnover: 0.0,
            closed: true,
        }
    }

    #[test]
    fn crosses_give_one_signal_each_with_atr_stop() {
        let cfg = TrendConfig { fast_period: 2, slow_period: 4, atr_period: 2, min_gap_atr: 0.0, ..Default::default() };
        let mut t = TrendFollower::new(cfg);
        let mut signals = Vec::new();
        // Falling, then rising, then falling again.
        let closes = [100.0, 99.0, 98.0, 97.0, 96.0, 95.0, 97.0, 100.0, 104.0, 108.0, 109.0, 104.0, 98.0, 92.0];
        for (i, c) in closes.iter().enumerate() {
            if let Some(s) = t.on_candle(&candle(i as i64, *c)) {
                signals.push((i, s));
            }
        }
        let dirs: Vec<_> = signals.iter().map(|(i, s)| (*i, s.direction)).collect();
        // Index 3: EMA2 = 97.44 < SMA4 seed 98.5 -> first side is short.
        // Index 7: fast EMA2 rises above slow EMA4 -> long. Index 12: back below -> short.
        assert_eq!(dirs, vec![(3, Direction::Short), (7, Direction::Long), (12, Direction::Short)]);
        // Every bar has TR = 2 when closes move by <= 1, larger on jumps; stop = 3 ATR.
        let (_, first) = &signals[0];
        assert!((first.stop_distance - 3.0 * 2.0).abs() < 1e-12, "{}", first.stop_distance);
        assert!(first.reason.starts_with("EMA2 "), "{}", first.reason);
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(TrendConfig { fast_period: 50, slow_period: 20, ..Default::default() }.validate().is_err());
        assert!(TrendConfig { atr_stop_mult: f64::NAN, ..Default::default() }.validate().is_err());
        assert!(TrendConfig::default().validate().is_ok());
    }
}
