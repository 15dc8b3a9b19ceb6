//! Breakout mode: a close beyond a level (a support/resistance level with enough touches, or the
//! edge of a tight consolidation, which covers flags and triangles) confirmed by volume and a
//! volatility expansion; enters on the close or on a retest of the level; exits a breakout that
//! fails back inside, at the measured move, or on its stop (moved to break-even at 1R).

use super::{check_positive, check_range, Direction, Intent, IntentKind, Mode, ModeContext, ModeId, Role};
use crate::domain::{reason::fx, Reason};
use crate::reason;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// When a breakout is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BreakoutEntry {
    /// On the close beyond the level.
    Close,
    /// On a later bar that comes back to the level and closes beyond it again.
    Retest,
}

/// Parameters of the breakout mode (`[strategy.modes.breakout]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BreakoutConfig {
    pub enabled: bool,
    /// Touches a support/resistance level needs to count.
    pub min_touches: u32,
    /// Bars of the consolidation box, and its largest height in ATRs.
    pub box_bars: usize,
    pub box_max_atr: f64,
    /// The close must clear the level by this many ATRs.
    pub margin_atr: f64,
    /// Volume at least this multiple of its 20-bar mean.
    pub min_volume_ratio: f64,
    /// The bar's true range at least this multiple of the previous ATR.
    pub min_expansion: f64,
    pub entry: BreakoutEntry,
    /// Close entry: bars after the break it may still be taken (the switcher confirms a regime
    /// over a few bars), while the close stays beyond the level and within `max_chase_atr` ATRs
    /// of the breakout bar's close.
    pub late_bars: u32,
    pub max_chase_atr: f64,
    /// Retest: the bar must come within this many ATRs of the level, within `retest_bars`.
    pub retest_atr: f64,
    pub retest_bars: u32,
    /// Stop this many ATRs on the other side of the level.
    pub stop_atr: f64,
    /// Target the measured move (level ± the pattern height).
    pub measured_move: bool,
    /// Failed breakout: a close back inside by `fail_atr` ATRs within `fail_bars` bars exits.
    pub fail_bars: u32,
    pub fail_atr: f64,
    /// Stop to break-even once the trade is this many R in profit (0: never).
    pub breakeven_r: f64,
}

impl Default for BreakoutConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            min_touches: 2,
            box_bars: 20,
            box_max_atr: 4.0,
            margin_atr: 0.1,
            min_volume_ratio: 1.5,
            min_expansion: 1.2,
            entry: BreakoutEntry::Close,
            late_bars: 5,
            max_chase_atr: 1.5,
            retest_atr: 0.3,
            retest_bars: 10,
            stop_atr: 1.0,
            measured_move: true,
            fail_bars: 5,
            fail_atr: 0.2,
            breakeven_r: 1.0,
        }
    }
}

impl BreakoutConfig {
    pub fn validate(&self) -> Result<(), String> {
        const M: &str = "breakout";
        if !(3..=500).contains(&self.box_bars) {
            return Err(format!("strategy.modes.{M}.box_bars must be within [3, 500], got {}", self.box_bars));
        }
        check_positive(M, "box_max_atr", self.box_max_atr, false)?;
        check_positive(M, "stop_atr", self.stop_atr, false)?;
        check_positive(M, "max_chase_atr", self.max_chase_atr, false)?;
        for (n, v) in [("margin_atr", self.margin_atr), ("retest_atr", self.retest_atr), ("fail_atr", self.fail_atr)] {
            check_positive(M, n, v, true)?;
        }
        check_range(M, "min_volume_ratio", self.min_volume_ratio, 0.0, 100.0)?;
        check_range(M, "min_expansion", self.min_expansion, 0.0, 100.0)?;
        check_range(M, "breakeven_r", self.breakeven_r, 0.0, 100.0)?;
        Ok(())
    }
}

/// A confirmed breakout waiting for its retest.
#[derive(Debug, Clone, Copy)]
struct Setup {
    side: f64,
    level: f64,
    /// Close of the breakout bar.
    close: f64,
    height: f64,
    bars_left: u32,
}

#[derive(Debug, Clone, Copy)]
struct Trade {
    side: f64,
    level: f64,
    entry: f64,
    risk: f64,
    target: Option<f64>,
    bars: u32,
}

/// State of the breakout mode for one symbol.
#[derive(Debug, Clone)]
pub struct BreakoutMode {
    cfg: BreakoutConfig,
    /// (high, low) of the last `box_bars` bars, this one excluded.
    bars: VecDeque<(f64, f64)>,
    prev_close: Option<f64>,
    prev_atr: Option<f64>,
    /// Well-touched levels around the previous close, as they stood after the previous bar.
    prev_resistance: Option<f64>,
    prev_support: Option<f64>,
    /// A waiting retest.
    setup: Option<Setup>,
    /// The latest confirmed break and its age in bars.
    recent: Option<(Setup, u32)>,
    trade: Option<Trade>,
}

impl BreakoutMode {
    pub fn new(cfg: BreakoutConfig) -> Self {
        Self {
            bars: VecDeque::with_capacity(cfg.box_bars + 1),
            cfg,
            prev_close: None,
            prev_atr: None,
            prev_resistance: None,
            prev_support: None,
            setup: None,
            recent: None,
            trade: None,
        }
    }
    pub fn config(&self) -> &BreakoutConfig {
        &self.cfg
    }

    /// The levels a breakout is judged against: (upper, lower, height of the pattern).
    fn levels(&self, atr: f64) -> (Option<f64>, Option<f64>, f64) {
        let mut upper = self.prev_resistance;
        let mut lower = self.prev_support;
        let mut height = match (upper, lower) {
            (Some(u), Some(l)) => u - l,
            _ => 3.0 * atr,
        };
        if self.bars.len() >= self.cfg.box_bars {
            let hi = self.bars.iter().fold(f64::MIN, |m, b| m.max(b.0));
            let lo = self.bars.iter().fold(f64::MAX, |m, b| m.min(b.1));
            if hi - lo <= self.cfg.box_max_atr * atr {
                // The tighter of the two: the nearer edge is the one price must clear first.
                upper = Some(upper.map_or(hi, |u| u.min(hi)));
                lower = Some(lower.map_or(lo, |l| l.max(lo)));
                height = hi - lo;
            }
        }
        (upper, lower, height)
    }

    /// Detects a confirmed break on this bar: (side, level, height).
    fn detect(&self, ctx: &ModeContext<'_>) -> Option<(f64, f64, f64)> {
        let (prev_close, atr) = (self.prev_close?, self.prev_atr?);
        let close = ctx.close();
        let tr = ctx.high().max(prev_close) - ctx.low().min(prev_close);
        let volume_ok = ctx.analysis.volume_ratio.is_some_and(|v| v >= self.cfg.min_volume_ratio);
        if !volume_ok || tr < self.cfg.min_expansion * atr {
            return None;
        }
        let (upper, lower, height) = self.levels(atr);
        let margin = self.cfg.margin_atr * atr;
        if let Some(u) = upper.filter(|u| prev_close <= *u && close > u + margin) {
            return Some((1.0, u, height));
        }
        if let Some(l) = lower.filter(|l| prev_close >= *l && close < l - margin) {
            return Some((-1.0, l, height));
        }
        None
    }

    fn remember(&mut self, ctx: &ModeContext<'_>) {
        if self.bars.len() == self.cfg.box_bars {
            self.bars.pop_front();
        }
        self.bars.push_back((ctx.high(), ctx.low()));
        self.prev_close = Some(ctx.close());
        self.prev_atr = ctx.atr().or(self.prev_atr);
        let (support, resistance) = ctx.levels_around(ctx.close(), self.cfg.min_touches);
        self.prev_resistance = resistance.map(|l| l.price);
        self.prev_support = support.map(|l| l.price);
    }

    fn enter(&mut self, ctx: &ModeContext<'_>, s: Setup, atr: f64, how: Reason) -> Option<Intent> {
        let close = ctx.close();
        let stop = s.level - s.side * self.cfg.stop_atr * atr;
        let target = self.cfg.measured_move.then_some(s.level + s.side * s.height);
        self.trade =
            Some(Trade { side: s.side, level: s.level, entry: close, risk: (close - stop).abs(), target, bars: 0 });
        let vr = ctx.analysis.volume_ratio.unwrap_or(0.0);
        let reason = reason!("breakout {} through {} ", if s.side > 0.0 { "up" } else { "down" }, fx(s.level, 2))
            .then(how)
            .then(reason!(" (volume {}x); stop {}", fx(vr, 1), fx(stop, 2)));
        Some(Intent {
            mode: ModeId::Breakout,
            kind: IntentKind::Enter { direction: Direction::from_sign(s.side), stop, target },
            reason,
        })
    }
}

impl Mode for BreakoutMode {
    fn id(&self) -> ModeId {
        ModeId::Breakout
    }

    fn reset_position(&mut self) {
        self.trade = None;
    }

    fn on_bar(&mut self, ctx: &ModeContext<'_>, role: Role) -> Option<Intent> {
        let Some(atr) = ctx.atr() else {
            self.remember(ctx);
            return None;
        };
        let broke = self.detect(ctx);
        let close = ctx.close();
        if let Some((s, age)) = self.recent.take() {
            if s.side * (close - s.level) > 0.0 && age < self.cfg.late_bars {
                self.recent = Some((s, age + 1));
            }
        }
        // A waiting retest: fails on a close back inside, expires after `retest_bars`.
        let mut retested = None;
        if let Some(s) = self.setup.take() {
            let back_inside = s.side * (s.level - close) > self.cfg.fail_atr * atr;
            let touched = if s.side > 0.0 {
                ctx.low() <= s.level + self.cfg.retest_atr * atr
            } else {
                ctx.high() >= s.level - self.cfg.retest_atr * atr
            };
            if !back_inside && touched && s.side * (close - s.level) > 0.0 {
                retested = Some(s);
            } else if !back_inside && s.bars_left > 1 {
                self.setup = Some(Setup { bars_left: s.bars_left - 1, ..s });
            }
        }
        if let Some((side, level, height)) = broke {
            let s = Setup { side, level, close, height, bars_left: self.cfg.retest_bars.max(1) };
            self.recent = Some((s, 0));
            if self.cfg.entry == BreakoutEntry::Retest {
                self.setup = Some(s);
            }
        }
        let out = match role {
            Role::Observe => None,
            Role::Seek => match self.cfg.entry {
                BreakoutEntry::Close => match self.recent {
                    Some((s, age))
                        if s.side * (close - s.level) > self.cfg.margin_atr * atr
                            && s.side * (close - s.close) <= self.cfg.max_chase_atr * atr =>
                    {
                        self.recent = None;
                        let how = if age == 0 {
                            reason!("on the close")
                        } else {
                            reason!("on the close, {} bars after the break", age)
                        };
                        self.enter(ctx, s, atr, how)
                    }
                    _ => None,
                },
                BreakoutEntry::Retest => retested.and_then(|s| self.enter(ctx, s, atr, reason!("on the retest"))),
            },
            Role::Manage => self.manage(ctx, atr),
        };
        self.remember(ctx);
        out
    }
}

impl BreakoutMode {
    fn manage(&mut self, ctx: &ModeContext<'_>, atr: f64) -> Option<Intent> {
        let pos = ctx.position;
        let side = pos.sign();
        let close = ctx.close();
        let t = match self.trade {
            Some(t) if t.side == side => t,
            _ => {
                // Adopted position: treat its entry as the level.
                let risk = pos.stop.map_or(self.cfg.stop_atr * atr, |s| (pos.entry - s).abs());
                Trade { side, level: pos.entry, entry: pos.entry, risk, target: None, bars: 0 }
            }
        };
        let t = Trade { bars: t.bars + 1, ..t };
        self.trade = Some(t);
        let intent = |kind, reason| Some(Intent { mode: ModeId::Breakout, kind, reason });
        if t.bars <= self.cfg.fail_bars && side * (t.level - close) > self.cfg.fail_atr * atr {
            return intent(
                IntentKind::Exit,
                reason!("failed breakout: closed back through {} at {}", fx(t.level, 2), fx(close, 2)),
            );
        }
        if let Some(target) = t.target.filter(|x| side * (close - x) >= 0.0) {
            return intent(IntentKind::Exit, reason!("measured move {} reached", fx(target, 2)));
        }
        let r = if t.risk > 0.0 { side * (close - t.entry) / t.risk } else { 0.0 };
        if self.cfg.breakeven_r > 0.0
            && r >= self.cfg.breakeven_r
            && pos.stop.is_none_or(|s| side * (t.entry - s) > 0.0)
        {
            return intent(
                IntentKind::MoveStop { stop: t.entry },
                reason!("{}R in profit: stop to break-even", fx(r, 1)),
            );
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_checks() {
        assert!(BreakoutConfig::default().validate().is_ok());
        assert!(BreakoutConfig { box_bars: 1, ..Default::default() }.validate().is_err());
        assert!(BreakoutConfig { stop_atr: -1.0, ..Default::default() }.validate().is_err());
        let c: BreakoutConfig = toml::from_str("entry = \"retest\"").unwrap();
        assert_eq!(c.entry, BreakoutEntry::Retest);
        assert!(toml::from_str::<BreakoutConfig>("entry = \"later\"").is_err());
    }
}
