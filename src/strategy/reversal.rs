//! Reversal mode: scores exhaustion at an extreme (RSI divergence, stretched RSI, a reversal
//! candlestick pattern at a key level, crowded funding, a liquidation cascade), waits for a close
//! through the setup bar as confirmation, then enters with a tight stop beyond the extreme.

use super::{check_positive, check_range, Direction, Intent, IntentKind, Mode, ModeContext, ModeId, Role};
use crate::domain::reason::{fx, Arg};
use crate::domain::Reason;
use crate::patterns::PatternKind;
use crate::reason;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Parameters of the reversal mode (`[strategy.modes.reversal]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReversalConfig {
    pub enabled: bool,
    /// Bars looked back for the prior extreme (divergence, key level).
    pub lookback: usize,
    /// Bearish divergence: a new high with RSI at least this much below the RSI at the old high.
    pub divergence_rsi: f64,
    /// RSI(14) at or above this is stretched up (at or below 100 − it, down).
    pub rsi_extreme: f64,
    /// A pattern counts within this many ATRs of a level (or of the lookback extreme).
    pub level_atr: f64,
    pub min_pattern_quality: f64,
    /// Exhaustion score needed: divergence 1, pattern at a level 1, stretched RSI 0.5, extreme
    /// funding 1, liquidation cascade 1.
    pub min_score: f64,
    /// Bars to wait for the confirming close through the setup bar.
    pub confirm_bars: u32,
    /// Stop this many ATRs beyond the extreme (tight invalidation).
    pub stop_atr: f64,
    /// Skip an entry whose stop lies more than this many ATRs away (a late or wild entry).
    pub max_risk_atr: f64,
    /// Target in R multiples of the initial risk.
    pub target_r: f64,
    /// Stop to break-even at this many R (0: never); exit after `max_hold_bars` bars.
    pub breakeven_r: f64,
    pub max_hold_bars: u32,
}

impl Default for ReversalConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            lookback: 30,
            divergence_rsi: 3.0,
            rsi_extreme: 70.0,
            level_atr: 0.5,
            min_pattern_quality: 0.0,
            min_score: 1.5,
            confirm_bars: 3,
            stop_atr: 0.25,
            max_risk_atr: 4.0,
            target_r: 2.0,
            breakeven_r: 1.0,
            max_hold_bars: 120,
        }
    }
}

impl ReversalConfig {
    pub fn validate(&self) -> Result<(), String> {
        const M: &str = "reversal";
        if !(3..=1000).contains(&self.lookback) {
            return Err(format!("strategy.modes.{M}.lookback must be within [3, 1000], got {}", self.lookback));
        }
        if self.confirm_bars == 0 || self.max_hold_bars == 0 {
            return Err(format!("strategy.modes.{M}: confirm_bars and max_hold_bars must be at least 1"));
        }
        check_range(M, "rsi_extreme", self.rsi_extreme, 50.0, 100.0)?;
        check_range(M, "min_pattern_quality", self.min_pattern_quality, 0.0, 1.0)?;
        check_positive(M, "min_score", self.min_score, false)?;
        check_positive(M, "stop_atr", self.stop_atr, true)?;
        check_positive(M, "max_risk_atr", self.max_risk_atr, false)?;
        check_positive(M, "target_r", self.target_r, false)?;
        check_positive(M, "divergence_rsi", self.divergence_rsi, true)?;
        check_positive(M, "level_atr", self.level_atr, true)?;
        check_positive(M, "breakeven_r", self.breakeven_r, true)?;
        Ok(())
    }
}

/// An exhaustion waiting for confirmation.
#[derive(Debug, Clone)]
struct Setup {
    /// Direction of the trade to come (−1: short after a top).
    side: f64,
    extreme: f64,
    /// Close beyond this confirms (the setup bar's low for a short).
    trigger: f64,
    bars_left: u32,
    score: f64,
    why: Why,
}

#[derive(Debug, Clone, Copy)]
struct Trade {
    side: f64,
    entry: f64,
    risk: f64,
    bars: u32,
}

/// The reasons behind an exhaustion score, kept as values until a setup needs their text.
#[derive(Debug, Clone, Copy, Default)]
struct Why {
    up: bool,
    /// (RSI now, RSI at the prior extreme, the prior extreme).
    divergence: Option<(f64, f64, f64)>,
    /// The stretched RSI.
    stretched: Option<f64>,
    /// The reversal pattern's name, at a key level.
    pattern: Option<&'static str>,
    funding: bool,
    cascade: bool,
}

impl Why {
    /// `top exhaustion (score 3.5): ` and the reasons, separated by `"; "` (kept as values:
    /// the text is made when the record is read).
    fn reason(&self, score: f64) -> Reason {
        let mut r = reason!("{} exhaustion (score {}): ", if self.up { "top" } else { "bottom" }, fx(score, 1));
        // Each part's template comes in two forms: the first, and one led by the separator.
        let mut first = true;
        let mut lead = |a: &'static str, b: &'static str| if std::mem::take(&mut first) { a } else { b };
        if let Some((rsi, prsi, p)) = self.divergence {
            let t = lead("RSI divergence ({} vs {} at {})", "; RSI divergence ({} vs {} at {})");
            r.push(t, &[fx(rsi, 0), fx(prsi, 0), fx(p, 2)]);
        }
        if let Some(rsi) = self.stretched {
            r.push(lead("RSI {} stretched", "; RSI {} stretched"), &[fx(rsi, 0)]);
        }
        if let Some(name) = self.pattern {
            r.push(lead("{} at a key level", "; {} at a key level"), &[Arg::Str(name)]);
        }
        if self.funding {
            r.push(lead("funding extreme", "; funding extreme"), &[]);
        }
        if self.cascade {
            let t = match (self.up, lead("", "; ")) {
                (true, "") => "short squeeze cascade",
                (true, _) => "; short squeeze cascade",
                (false, "") => "long liquidation cascade",
                (false, _) => "; long liquidation cascade",
            };
            r.push(t, &[]);
        }
        r
    }
}

/// State of the reversal mode for one symbol.
#[derive(Debug, Clone)]
pub struct ReversalMode {
    cfg: ReversalConfig,
    /// (high, low, rsi) of the last `lookback` bars, this one excluded.
    window: VecDeque<(f64, f64, f64)>,
    setup: Option<Setup>,
    /// A confirmed setup not yet taken, and its age in bars (the switcher may activate the
    /// mode a few bars after the confirmation).
    confirmed: Option<(Setup, u32)>,
    trade: Option<Trade>,
}

impl ReversalMode {
    pub fn new(cfg: ReversalConfig) -> Self {
        Self { window: VecDeque::with_capacity(cfg.lookback + 1), cfg, setup: None, confirmed: None, trade: None }
    }
    pub fn config(&self) -> &ReversalConfig {
        &self.cfg
    }

    /// Exhaustion score against a move up (`up` = true: a top) on this bar, with its reasons
    /// (as values: the text is only written for a score that makes a setup).
    fn score(&self, ctx: &ModeContext<'_>, atr: f64, rsi: f64, up: bool) -> (f64, Why) {
        let s = if up { 1.0 } else { -1.0 };
        let extreme = if up { ctx.high() } else { ctx.low() };
        let mut score = 0.0;
        let mut why = Why { up, ..Why::default() };
        // The prior extreme of the window and the RSI there.
        let prior = self.window.iter().fold(None::<(f64, f64)>, |best, &(h, l, r)| {
            let x = if up { h } else { l };
            match best {
                Some((b, _)) if s * (x - b) <= 0.0 => best,
                _ => Some((x, r)),
            }
        });
        let new_extreme = prior.is_some_and(|(p, _)| s * (extreme - p) >= 0.0);
        if let Some((p, prsi)) = prior {
            if new_extreme && s * (prsi - rsi) >= self.cfg.divergence_rsi {
                score += 1.0;
                why.divergence = Some((rsi, prsi, p));
            }
        }
        if s * (rsi - 50.0) >= self.cfg.rsi_extreme - 50.0 {
            score += 0.5;
            why.stretched = Some(rsi);
        }
        let level = if up { ctx.analysis.resistance } else { ctx.analysis.support };
        let near_level = level
            .is_some_and(|l| (extreme - l.price).abs() <= self.cfg.level_atr * atr || s * (extreme - l.price) > 0.0);
        let near_prior = prior.is_some_and(|(p, _)| s * (extreme - p) >= -self.cfg.level_atr * atr);
        if near_level || near_prior {
            let pattern = ctx.patterns.iter().find(|d| {
                d.pattern.info().kind == PatternKind::Reversal
                    && (d.signal as f64) * s < 0.0
                    && d.quality >= self.cfg.min_pattern_quality
            });
            if let Some(d) = pattern {
                score += 1.0;
                why.pattern = Some(d.pattern.info().name);
            }
        }
        if ctx.ind.funding_extreme.is_some_and(|f| f * s >= 1.0) {
            score += 1.0;
            why.funding = true;
        }
        if ctx.ind.liq_cascade.is_some_and(|c| c * s >= 1.0) {
            score += 1.0;
            why.cascade = true;
        }
        (score, why)
    }

    fn remember(&mut self, ctx: &ModeContext<'_>, rsi: f64) {
        if self.window.len() == self.cfg.lookback {
            self.window.pop_front();
        }
        self.window.push_back((ctx.high(), ctx.low(), rsi));
    }
}

impl Mode for ReversalMode {
    fn id(&self) -> ModeId {
        ModeId::Reversal
    }

    fn reset_position(&mut self) {
        self.trade = None;
    }

    fn on_bar(&mut self, ctx: &ModeContext<'_>, role: Role) -> Option<Intent> {
        let (Some(atr), Some(rsi)) = (ctx.atr(), ctx.ind.rsi_14) else { return None };
        let close = ctx.close();
        // A confirmed setup stays valid while the price stays beyond its trigger, inside its
        // extreme, for `confirm_bars` bars.
        if let Some((s, age)) = self.confirmed.take() {
            let beyond = if s.side < 0.0 { ctx.high() > s.extreme } else { ctx.low() < s.extreme };
            if !beyond && s.side * (close - s.trigger) > 0.0 && age < self.cfg.confirm_bars {
                self.confirmed = Some((s, age + 1));
            }
        }
        // Confirmation (or invalidation) of a waiting setup.
        if let Some(s) = self.setup.take() {
            let beyond = if s.side < 0.0 { ctx.high() > s.extreme } else { ctx.low() < s.extreme };
            if !beyond && s.side * (close - s.trigger) > 0.0 {
                self.confirmed = Some((s, 0));
            } else if !beyond && s.bars_left > 1 {
                self.setup = Some(Setup { bars_left: s.bars_left - 1, ..s });
            }
        }
        if self.setup.is_none() {
            for up in [true, false] {
                let (score, why) = self.score(ctx, atr, rsi, up);
                if score >= self.cfg.min_score {
                    let side = if up { -1.0 } else { 1.0 };
                    let extreme = if up { ctx.high() } else { ctx.low() };
                    let trigger = if up { ctx.low() } else { ctx.high() };
                    let bars_left = self.cfg.confirm_bars;
                    self.setup = Some(Setup { side, extreme, trigger, bars_left, score, why });
                    break;
                }
            }
        }
        self.remember(ctx, rsi);
        let intent = |kind, reason| Some(Intent { mode: ModeId::Reversal, kind, reason });
        match role {
            Role::Observe => None,
            Role::Seek => {
                let (s, _) = self.confirmed.as_ref()?;
                let stop = s.extreme - s.side * self.cfg.stop_atr * atr;
                let risk = (close - stop).abs();
                if risk > self.cfg.max_risk_atr * atr || !(risk > 0.0) {
                    return None;
                }
                let (s, _) = self.confirmed.take()?;
                let target = close + s.side * self.cfg.target_r * risk;
                self.trade = Some(Trade { side: s.side, entry: close, risk, bars: 0 });
                let reason = s.why.reason(s.score).then(reason!(
                    "; confirmed by a close through {}; stop {}",
                    fx(s.trigger, 2),
                    fx(stop, 2)
                ));
                intent(
                    IntentKind::Enter { direction: Direction::from_sign(s.side), stop, target: Some(target) },
                    reason,
                )
            }
            Role::Manage => {
                let pos = ctx.position;
                let side = pos.sign();
                let t = match self.trade {
                    Some(t) if t.side == side => t,
                    _ => {
                        Trade { side, entry: pos.entry, risk: pos.stop.map_or(atr, |s| (pos.entry - s).abs()), bars: 0 }
                    }
                };
                let t = Trade { bars: t.bars + 1, ..t };
                self.trade = Some(t);
                let r = if t.risk > 0.0 { side * (close - t.entry) / t.risk } else { 0.0 };
                if r >= self.cfg.target_r {
                    return intent(IntentKind::Exit, reason!("reversal target {}R reached", fx(self.cfg.target_r, 1)));
                }
                if t.bars >= self.cfg.max_hold_bars {
                    return intent(IntentKind::Exit, reason!("time stop after {} bars at {}R", t.bars, fx(r, 1)));
                }
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_checks() {
        assert!(ReversalConfig::default().validate().is_ok());
        assert!(ReversalConfig { confirm_bars: 0, ..Default::default() }.validate().is_err());
        assert!(ReversalConfig { rsi_extreme: 40.0, ..Default::default() }.validate().is_err());
        assert!(ReversalConfig { target_r: 0.0, ..Default::default() }.validate().is_err());
    }
}
