//! Trend mode: trades with the multi-timeframe trend (the analyzer's alignment and ADX) on
//! pullbacks to the 20-EMA confirmed by momentum, scales in on later pullbacks while in profit,
//! and trails a chandelier stop; leaves when the timeframes stop agreeing.

use super::{check_positive, check_range, Direction, Intent, IntentKind, Mode, ModeContext, ModeId, Role};
use crate::domain::reason::fx;
use crate::reason;
use serde::{Deserialize, Serialize};

/// Parameters of the trend mode (`[strategy.modes.trend]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PullbackConfig {
    pub enabled: bool,
    /// |alignment| of the higher timeframes needed to call a trend (sign gives the side).
    pub min_alignment: f64,
    /// ADX(14) needed to call a trend.
    pub min_adx: f64,
    /// A bar whose low (long) comes within this many ATRs of the 20-EMA is a pullback.
    pub pullback_atr: f64,
    /// A pullback that closes this many ATRs through the EMA is no longer a pullback.
    pub max_depth_atr: f64,
    /// Momentum confirmation: RSI(14) at or above this for a long (100 − it for a short).
    pub momentum_rsi: f64,
    /// Initial stop: this many ATRs beyond the pullback's extreme ...
    pub stop_atr: f64,
    /// ... and at least this many ATRs from the entry.
    pub min_stop_atr: f64,
    /// Chandelier trail: this many ATRs from the best close since entry.
    pub trail_atr: f64,
    /// Scale-ins allowed per position, each after a new pullback with the trade this many ATRs in
    /// profit, risking `add_risk_fraction` of a full entry's risk.
    pub max_adds: u32,
    pub add_profit_atr: f64,
    pub add_risk_fraction: f64,
    /// Exit when the alignment (signed in the trade's direction) falls to or below this.
    pub exit_alignment: f64,
}

impl Default for PullbackConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            min_alignment: 0.5,
            min_adx: 20.0,
            pullback_atr: 0.5,
            max_depth_atr: 2.0,
            momentum_rsi: 50.0,
            stop_atr: 0.5,
            min_stop_atr: 1.0,
            trail_atr: 3.0,
            max_adds: 2,
            add_profit_atr: 1.0,
            add_risk_fraction: 0.5,
            exit_alignment: 0.0,
        }
    }
}

impl PullbackConfig {
    pub fn validate(&self) -> Result<(), String> {
        const M: &str = "trend";
        check_range(M, "min_alignment", self.min_alignment, 0.0, 1.0)?;
        check_range(M, "min_adx", self.min_adx, 0.0, 100.0)?;
        check_range(M, "momentum_rsi", self.momentum_rsi, 0.0, 100.0)?;
        check_range(M, "exit_alignment", self.exit_alignment, -1.0, self.min_alignment)?;
        check_range(M, "add_risk_fraction", self.add_risk_fraction, 0.0, 1.0)?;
        for (n, v) in
            [("pullback_atr", self.pullback_atr), ("stop_atr", self.stop_atr), ("add_profit_atr", self.add_profit_atr)]
        {
            check_positive(M, n, v, true)?;
        }
        for (n, v) in
            [("max_depth_atr", self.max_depth_atr), ("min_stop_atr", self.min_stop_atr), ("trail_atr", self.trail_atr)]
        {
            check_positive(M, n, v, false)?;
        }
        Ok(())
    }
}

/// Per-position memory.
#[derive(Debug, Clone, Copy)]
struct Trade {
    side: f64,
    best: f64,
    adds: u32,
}

/// State of the trend mode for one symbol.
#[derive(Debug, Clone)]
pub struct TrendPullback {
    cfg: PullbackConfig,
    /// Trend side seen on the last bar: +1, −1 or 0.
    side: f64,
    /// Extreme of the pullback in progress (low for an uptrend), if one is.
    pullback: Option<f64>,
    prev_high: f64,
    prev_low: f64,
    trade: Option<Trade>,
}

impl TrendPullback {
    pub fn new(cfg: PullbackConfig) -> Self {
        Self { cfg, side: 0.0, pullback: None, prev_high: f64::NAN, prev_low: f64::NAN, trade: None }
    }
    pub fn config(&self) -> &PullbackConfig {
        &self.cfg
    }

    /// Updates the trend/pullback state; returns the pullback extreme when this bar resumes the
    /// trend with momentum (the entry trigger).
    fn trigger(&mut self, ctx: &ModeContext<'_>, atr: f64) -> Option<f64> {
        let cfg = &self.cfg;
        let (high, low, close) = (ctx.high(), ctx.low(), ctx.close());
        let (prev_high, prev_low) =
            (std::mem::replace(&mut self.prev_high, high), std::mem::replace(&mut self.prev_low, low));
        let ema = ctx.ind.ema_20?;
        let a = ctx.analysis.alignment;
        let strong = ctx.ind.adx_14.is_some_and(|x| x >= cfg.min_adx);
        let side = if strong && a >= cfg.min_alignment {
            1.0
        } else if strong && a <= -cfg.min_alignment {
            -1.0
        } else {
            0.0
        };
        if side != self.side {
            self.side = side;
            self.pullback = None;
        }
        if side == 0.0 {
            return None;
        }
        // Distance of the bar's extreme toward the EMA, in the trend's frame (long: low − ema).
        let (toward, extreme) = if side > 0.0 { (low - ema, low) } else { (ema - high, high) };
        if toward <= cfg.pullback_atr * atr {
            let e = self.pullback.map_or(extreme, |p| if side > 0.0 { p.min(extreme) } else { p.max(extreme) });
            self.pullback = Some(e);
        }
        if side * (ema - close) > cfg.max_depth_atr * atr {
            self.pullback = None;
            return None;
        }
        let pb = self.pullback?;
        let rsi = ctx.ind.rsi_14?;
        let momentum = if side > 0.0 { rsi >= cfg.momentum_rsi } else { rsi <= 100.0 - cfg.momentum_rsi };
        let resumed = side * (close - ema) > 0.0 && if side > 0.0 { close > prev_high } else { close < prev_low };
        if momentum && resumed {
            self.pullback = None;
            return Some(pb);
        }
        None
    }
}

impl Mode for TrendPullback {
    fn id(&self) -> ModeId {
        ModeId::Trend
    }

    fn reset_position(&mut self) {
        self.trade = None;
    }

    fn on_bar(&mut self, ctx: &ModeContext<'_>, role: Role) -> Option<Intent> {
        let atr = ctx.atr()?;
        let trigger = self.trigger(ctx, atr);
        let close = ctx.close();
        let intent = |kind, reason| Some(Intent { mode: ModeId::Trend, kind, reason });
        match role {
            Role::Observe => None,
            Role::Seek => {
                let pb = trigger?;
                let side = self.side;
                let stop = if side > 0.0 {
                    (pb - self.cfg.stop_atr * atr).min(close - self.cfg.min_stop_atr * atr)
                } else {
                    (pb + self.cfg.stop_atr * atr).max(close + self.cfg.min_stop_atr * atr)
                };
                self.trade = Some(Trade { side, best: close, adds: 0 });
                let direction = Direction::from_sign(side);
                let reason = reason!(
                    "trend {} (alignment {}): pullback to {} resumed with momentum; stop {}",
                    if side > 0.0 { "up" } else { "down" },
                    fx(ctx.analysis.alignment, 2),
                    fx(pb, 2),
                    fx(stop, 2)
                );
                intent(IntentKind::Enter { direction, stop, target: None }, reason)
            }
            Role::Manage => {
                let pos = ctx.position;
                let side = pos.sign();
                let t = self.trade.get_or_insert(Trade { side, best: close, adds: 0 });
                if t.side != side {
                    *t = Trade { side, best: close, adds: 0 };
                }
                t.best = if side > 0.0 { t.best.max(close) } else { t.best.min(close) };
                let a = side * ctx.analysis.alignment;
                if a <= self.cfg.exit_alignment {
                    return intent(
                        IntentKind::Exit,
                        reason!("trend over: alignment {} against the position", fx(ctx.analysis.alignment, 2)),
                    );
                }
                let trail = t.best - side * self.cfg.trail_atr * atr;
                let stop = match pos.stop {
                    Some(s) if side * (s - trail) >= 0.0 => s,
                    _ => trail,
                };
                let in_profit = side * (close - pos.entry) >= self.cfg.add_profit_atr * atr;
                if trigger.is_some() && side == self.side && t.adds < self.cfg.max_adds && in_profit {
                    t.adds += 1;
                    let reason = reason!(
                        "scale-in {} on a new pullback, {} ATR in profit",
                        t.adds,
                        fx(side * (close - pos.entry) / atr, 1)
                    );
                    return intent(IntentKind::ScaleIn { stop, risk_fraction: self.cfg.add_risk_fraction }, reason);
                }
                if pos.stop.is_none_or(|s| side * (trail - s) > 0.0) {
                    let reason =
                        reason!("trail {} ATR from the best close {}", fx(self.cfg.trail_atr, 1), fx(t.best, 2));
                    return intent(IntentKind::MoveStop { stop: trail }, reason);
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_checks() {
        assert!(PullbackConfig::default().validate().is_ok());
        assert!(PullbackConfig { min_alignment: 1.5, ..Default::default() }.validate().is_err());
        assert!(PullbackConfig { trail_atr: 0.0, ..Default::default() }.validate().is_err());
        assert!(PullbackConfig { exit_alignment: 0.9, ..Default::default() }.validate().is_err());
        let e = toml::from_str::<PullbackConfig>("trail_atr = 2.5\nbogus = 1").unwrap_err().to_string();
        assert!(e.contains("bogus"), "{e}");
        let c: PullbackConfig = toml::from_str("trail_atr = 2.5").unwrap();
        assert_eq!((c.trail_atr, c.max_adds), (2.5, 2));
    }
}
