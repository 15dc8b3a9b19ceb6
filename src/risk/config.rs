//! `[risk]` settings: the keys, their defaults and validation, and the exact (fixed-point) form
//! the checks use so no limit is compared in floating point on the order path.

use crate::domain::{Money, Rate};
use serde::{Deserialize, Serialize};

/// Risk settings (`[risk]` in the config). Every key has a default; unknown keys are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskConfig {
    /// Fraction of equity lost if a new position's stop is hit (0.005 = 0.5 %).
    pub risk_per_trade: f64,
    /// Volatility target: a one-ATR move may change equity by at most this fraction.
    pub vol_target: f64,
    /// Largest position per symbol, as notional in USDT (working orders counted in).
    pub max_position_notional: f64,
    /// Largest total exposure across symbols, as notional in USDT.
    pub max_total_notional: f64,
    /// Largest total exposure across symbols as a multiple of equity.
    pub max_leverage: f64,
    /// Most symbols with an open position at once.
    pub max_open_positions: usize,
    /// Largest single order, automatic or manual, as notional in USDT.
    pub max_order_notional: f64,
    /// Manual limit/stop orders further than this fraction from the mark price are refused.
    pub fat_finger_pct: f64,
    /// Largest manual order, as notional in USDT.
    pub max_manual_notional: f64,
    /// Loss since the start of the UTC day, as a fraction of that day's starting equity, after
    /// which only reducing orders pass until the next day.
    pub max_daily_loss_pct: f64,
    /// Fall from the equity peak, as a fraction of the peak, that engages the kill switch
    /// (orders cancelled, positions flattened, trading halted).
    pub max_drawdown_pct: f64,
    /// Rolling return correlation at or above which two symbols count as one exposure.
    pub correlation_threshold: f64,
    /// Returns (closed candles) in the rolling correlation window.
    pub correlation_window: usize,
    /// Largest same-direction exposure of a group of highly correlated symbols, USDT notional.
    pub max_correlated_notional: f64,
    /// Initial stop distance in ATRs.
    pub stop_atr_multiple: f64,
    /// Trailing stop distance from the best price since entry, in ATRs (0 = no trailing).
    pub trail_atr_multiple: f64,
    /// Gain, in multiples of the initial risk (R), after which the stop moves to entry (0 = never).
    pub break_even_r: f64,
    /// Partial-exit targets, in R from entry (ascending).
    pub target_r: Vec<f64>,
    /// Fraction of the initial quantity closed at each target (same length as `target_r`).
    pub target_fraction: Vec<f64>,
    /// An order request (place, amend, cancel) the venue has not answered in this many
    /// milliseconds is re-queried (an unacknowledged order is cancelled) and alerted.
    pub order_ack_timeout_ms: i64,
    /// Re-queries before a request is given up on: the order is marked lost (critical alert)
    /// until a report or reconciliation settles it.
    pub order_max_requeries: u32,
}

impl Default for RiskConfig {
    fn default() -> Self {
        Self {
            risk_per_trade: 0.005,
            vol_target: 0.02,
            max_position_notional: 50_000.0,
            max_total_notional: 100_000.0,
            max_leverage: 3.0,
            max_open_positions: 2,
            max_order_notional: 50_000.0,
            fat_finger_pct: 0.05,
            max_manual_notional: 25_000.0,
            max_daily_loss_pct: 0.03,
            max_drawdown_pct: 0.10,
            correlation_threshold: 0.8,
            correlation_window: 60,
            max_correlated_notional: 60_000.0,
            stop_atr_multiple: 2.0,
            trail_atr_multiple: 3.0,
            break_even_r: 1.0,
            target_r: vec![1.5, 3.0],
            target_fraction: vec![0.5, 0.25],
            order_ack_timeout_ms: 5_000,
            order_max_requeries: 3,
        }
    }
}

impl RiskConfig {
    /// Checks the values make sense; the message names the key and the offending value.
    pub fn validate(&self) -> Result<(), String> {
        let in_range = |v: f64, lo: f64, hi: f64| v.is_finite() && v > lo && v <= hi;
        let fractions = [
            ("risk_per_trade", self.risk_per_trade, 0.2),
            ("vol_target", self.vol_target, 1.0),
            ("fat_finger_pct", self.fat_finger_pct, 1.0),
            ("max_daily_loss_pct", self.max_daily_loss_pct, 1.0),
            ("max_drawdown_pct", self.max_drawdown_pct, 1.0),
            ("correlation_threshold", self.correlation_threshold, 1.0),
        ];
        for (key, v, hi) in fractions {
            if !in_range(v, 0.0, hi) {
                return Err(format!("risk.{key} must be in (0, {hi}], got {v}"));
            }
        }
        let notionals = [
            ("max_position_notional", self.max_position_notional),
            ("max_total_notional", self.max_total_notional),
            ("max_order_notional", self.max_order_notional),
            ("max_manual_notional", self.max_manual_notional),
            ("max_correlated_notional", self.max_correlated_notional),
        ];
        for (key, v) in notionals {
            if !in_range(v, 0.0, 1e12) {
                return Err(format!("risk.{key} must be positive (at most 1e12), got {v}"));
            }
        }
        if !in_range(self.max_leverage, 0.0, 100.0) {
            return Err(format!("risk.max_leverage must be in (0, 100], got {}", self.max_leverage));
        }
        if self.max_open_positions == 0 {
            return Err("risk.max_open_positions must be at least 1".into());
        }
        if self.correlation_window < 3 {
            return Err(format!("risk.correlation_window must be at least 3, got {}", self.correlation_window));
        }
        if !in_range(self.stop_atr_multiple, 0.0, 100.0) {
            return Err(format!("risk.stop_atr_multiple must be in (0, 100], got {}", self.stop_atr_multiple));
        }
        for (key, v) in [("trail_atr_multiple", self.trail_atr_multiple), ("break_even_r", self.break_even_r)] {
            if !(v.is_finite() && (0.0..=100.0).contains(&v)) {
                return Err(format!("risk.{key} must be in [0, 100], got {v}"));
            }
        }
        if !(100..=600_000).contains(&self.order_ack_timeout_ms) {
            return Err(format!(
                "risk.order_ack_timeout_ms must be in [100, 600000], got {}",
                self.order_ack_timeout_ms
            ));
        }
        if self.order_max_requeries > 20 {
            return Err(format!("risk.order_max_requeries must be at most 20, got {}", self.order_max_requeries));
        }
        if self.target_r.len() != self.target_fraction.len() {
            return Err(format!(
                "risk.target_r has {} entries but risk.target_fraction has {}",
                self.target_r.len(),
                self.target_fraction.len()
            ));
        }
        let mut prev = 0.0;
        for &r in &self.target_r {
            if !(r.is_finite() && r > prev) {
                return Err(format!("risk.target_r must be positive and ascending, got {:?}", self.target_r));
            }
            prev = r;
        }
        let total: f64 = self.target_fraction.iter().sum();
        if self.target_fraction.iter().any(|f| !in_range(*f, 0.0, 1.0)) || total > 1.0 + 1e-9 {
            return Err(format!(
                "risk.target_fraction entries must be in (0, 1] and sum to at most 1, got {:?}",
                self.target_fraction
            ));
        }
        Ok(())
    }
}

/// The limits as exact fixed-point values, computed once from the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_position_notional: Money,
    pub max_total_notional: Money,
    pub max_leverage: Rate,
    pub max_open_positions: usize,
    pub max_order_notional: Money,
    pub fat_finger: Rate,
    pub max_manual_notional: Money,
    pub max_daily_loss: Rate,
    pub max_drawdown: Rate,
    pub max_correlated_notional: Money,
}

impl Limits {
    /// Converts a validated config (values that do not convert become zero, refusing everything).
    pub fn from_config(c: &RiskConfig) -> Self {
        let m = |v: f64| Money::from_f64(v).unwrap_or(Money::ZERO);
        let r = |v: f64| Rate::from_f64(v).unwrap_or(Rate::ZERO);
        Self {
            max_position_notional: m(c.max_position_notional),
            max_total_notional: m(c.max_total_notional),
            max_leverage: r(c.max_leverage),
            max_open_positions: c.max_open_positions,
            max_order_notional: m(c.max_order_notional),
            fat_finger: r(c.fat_finger_pct),
            max_manual_notional: m(c.max_manual_notional),
            max_daily_loss: r(c.max_daily_loss_pct),
            max_drawdown: r(c.max_drawdown_pct),
            max_correlated_notional: m(c.max_correlated_notional),
        }
    }
}
