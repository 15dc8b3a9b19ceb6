//! Chop/range mode: takes the range from the nearest well-touched support and resistance levels, buys
//! near support and sells near resistance (mean reversion), takes part off at the middle and the
//! rest near the opposite side, and stands aside once the range breaks until a new one forms
//! (or the price settles back inside the old one).

use super::{check_positive, check_range, Direction, Intent, IntentKind, Mode, ModeContext, ModeId, Role};
use crate::domain::reason::fx;
use crate::reason;
use serde::{Deserialize, Serialize};

/// Parameters of the range mode (`[strategy.modes.range]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RangeConfig {
    pub enabled: bool,
    /// Touches each boundary level needs.
    pub min_touches: u32,
    /// Range height allowed, in ATRs.
    pub min_width_atr: f64,
    pub max_width_atr: f64,
    /// Enter within this fraction of the height from a boundary.
    pub entry_zone: f64,
    /// RSI(14) at or below this to buy (sell at or above 100 − it).
    pub max_rsi_long: f64,
    /// Stop this many ATRs beyond the boundary.
    pub stop_atr: f64,
    /// Fraction closed at the middle of the range (0: none); the stop then goes to entry.
    pub partial_at_middle: f64,
    /// Exit the rest within this fraction of the height from the opposite boundary.
    pub exit_zone: f64,
    /// A close this many ATRs beyond a boundary breaks the range ...
    pub break_atr: f64,
    /// ... until this many closes in a row back inside it re-arm it (the break failed).
    pub rearm_bars: u32,
}

impl Default for RangeConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            min_touches: 2,
            min_width_atr: 3.0,
            max_width_atr: 25.0,
            entry_zone: 0.2,
            max_rsi_long: 45.0,
            stop_atr: 0.75,
            partial_at_middle: 0.5,
            exit_zone: 0.15,
            break_atr: 1.0,
            rearm_bars: 10,
        }
    }
}

impl RangeConfig {
    pub fn validate(&self) -> Result<(), String> {
        const M: &str = "range";
        check_positive(M, "min_width_atr", self.min_width_atr, false)?;
        check_range(M, "max_width_atr", self.max_width_atr, self.min_width_atr, 1e6)?;
        check_range(M, "entry_zone", self.entry_zone, 0.0, 0.5)?;
        check_range(M, "exit_zone", self.exit_zone, 0.0, 0.5)?;
        check_range(M, "partial_at_middle", self.partial_at_middle, 0.0, 0.99)?;
        check_range(M, "max_rsi_long", self.max_rsi_long, 0.0, 100.0)?;
        check_positive(M, "stop_atr", self.stop_atr, false)?;
        check_positive(M, "break_atr", self.break_atr, true)?;
        if self.rearm_bars == 0 {
            return Err(format!("strategy.modes.{M}.rearm_bars must be at least 1"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Box2 {
    lo: f64,
    hi: f64,
    /// Touches of the two levels when last seen.
    lo_touches: u32,
    hi_touches: u32,
}

impl Box2 {
    fn same_levels(&self, o: &Box2) -> bool {
        self.lo == o.lo && self.hi == o.hi
    }
    fn mid(&self) -> f64 {
        0.5 * (self.lo + self.hi)
    }
    fn height(&self) -> f64 {
        self.hi - self.lo
    }
}

#[derive(Debug, Clone, Copy)]
struct Trade {
    side: f64,
    range: Box2,
    took_partial: bool,
}

/// State of the range mode for one symbol.
#[derive(Debug, Clone)]
pub struct RangeReversion {
    cfg: RangeConfig,
    /// The range last seen valid.
    current: Option<Box2>,
    /// A range that broke: no entries until the levels describe another one (or the same one,
    /// re-tested: a new touch at one of its edges).
    broken: Option<Box2>,
    /// Closes in a row back inside the broken range.
    inside: u32,
    trade: Option<Trade>,
}

impl RangeReversion {
    pub fn new(cfg: RangeConfig) -> Self {
        Self { cfg, current: None, broken: None, inside: 0, trade: None }
    }
    pub fn config(&self) -> &RangeConfig {
        &self.cfg
    }
    /// The range in force (support, resistance), if any.
    pub fn range(&self) -> Option<(f64, f64)> {
        self.current.map(|b| (b.lo, b.hi))
    }
    /// Whether the mode stands aside after a break.
    pub fn standing_aside(&self) -> bool {
        self.broken.is_some()
    }

    /// Updates the range map for this bar; returns whether it broke on this bar.
    fn track(&mut self, ctx: &ModeContext<'_>, atr: f64) -> bool {
        let close = ctx.close();
        let margin = self.cfg.break_atr * atr;
        let mut broke = false;
        if let Some(b) = self.broken {
            self.inside = if close > b.lo && close < b.hi { self.inside + 1 } else { 0 };
            if self.inside >= self.cfg.rearm_bars && self.current.is_none() {
                self.current = Some(b);
                self.broken = None;
            }
        }
        if let Some(r) = self.current {
            if close > r.hi + margin || close < r.lo - margin {
                self.broken = Some(r);
                self.inside = 0;
                self.current = None;
                broke = true;
            }
        }
        let seen = match ctx.levels_around(close, self.cfg.min_touches) {
            (Some(lo), Some(hi)) if hi.price > lo.price => {
                Some(Box2 { lo: lo.price, hi: hi.price, lo_touches: lo.touches, hi_touches: hi.touches })
            }
            _ => None,
        };
        if let Some(b) = seen {
            let w = b.height() / atr;
            let ok = w >= self.cfg.min_width_atr && w <= self.cfg.max_width_atr;
            let same_as_broken =
                self.broken.is_some_and(|x| (x.lo - b.lo).abs() < 0.5 * atr || (x.hi - b.hi).abs() < 0.5 * atr);
            if ok && !same_as_broken {
                self.broken = None;
                self.current = Some(b);
            }
        }
        broke
    }
}

impl Mode for RangeReversion {
    fn id(&self) -> ModeId {
        ModeId::Range
    }

    fn reset_position(&mut self) {
        self.trade = None;
    }

    fn on_bar(&mut self, ctx: &ModeContext<'_>, role: Role) -> Option<Intent> {
        let atr = ctx.atr()?;
        let broke = self.track(ctx, atr);
        let close = ctx.close();
        let intent = |kind, reason| Some(Intent { mode: ModeId::Range, kind, reason });
        match role {
            Role::Observe => None,
            Role::Seek => {
                let r = self.current?;
                let rsi = ctx.ind.rsi_14?;
                let zone = self.cfg.entry_zone * r.height();
                let inside = close > r.lo && close < r.hi;
                let side = if inside && close <= r.lo + zone && rsi <= self.cfg.max_rsi_long && close >= ctx.open() {
                    1.0
                } else if inside && close >= r.hi - zone && rsi >= 100.0 - self.cfg.max_rsi_long && close <= ctx.open()
                {
                    -1.0
                } else {
                    return None;
                };
                let (stop, edge) = if side > 0.0 {
                    (r.lo - self.cfg.stop_atr * atr, "support")
                } else {
                    (r.hi + self.cfg.stop_atr * atr, "resistance")
                };
                let target = if side > 0.0 {
                    r.hi - self.cfg.exit_zone * r.height()
                } else {
                    r.lo + self.cfg.exit_zone * r.height()
                };
                self.trade = Some(Trade { side, range: r, took_partial: false });
                let reason = reason!(
                    "range {}–{}: fade at {} (RSI {}); stop {}",
                    fx(r.lo, 2),
                    fx(r.hi, 2),
                    edge,
                    fx(rsi, 0),
                    fx(stop, 2)
                );
                intent(IntentKind::Enter { direction: Direction::from_sign(side), stop, target: Some(target) }, reason)
            }
            Role::Manage => {
                let pos = ctx.position;
                let side = pos.sign();
                let t = match self.trade {
                    Some(t) if t.side == side => t,
                    _ => {
                        let range = self.current.or(self.broken)?;
                        let t = Trade { side, range, took_partial: false };
                        self.trade = Some(t);
                        t
                    }
                };
                let r = t.range;
                if broke || close < r.lo - self.cfg.break_atr * atr || close > r.hi + self.cfg.break_atr * atr {
                    self.broken = Some(r);
                    self.inside = 0;
                    if self.current.is_some_and(|c| c.same_levels(&r)) {
                        self.current = None;
                    }
                    return intent(
                        IntentKind::Exit,
                        reason!("range {}–{} broke at {}; standing aside", fx(r.lo, 2), fx(r.hi, 2), fx(close, 2)),
                    );
                }
                let far = if side > 0.0 {
                    r.hi - self.cfg.exit_zone * r.height()
                } else {
                    r.lo + self.cfg.exit_zone * r.height()
                };
                if side * (close - far) >= 0.0 {
                    return intent(IntentKind::Exit, reason!("reached the far side of the range at {}", fx(close, 2)));
                }
                if side * (close - r.mid()) >= 0.0 {
                    if !t.took_partial && self.cfg.partial_at_middle > 0.0 {
                        self.trade = Some(Trade { took_partial: true, ..t });
                        let reason = reason!(
                            "range middle {} reached: take {}%",
                            fx(r.mid(), 2),
                            fx(self.cfg.partial_at_middle * 100.0, 0)
                        );
                        return intent(IntentKind::PartialExit { fraction: self.cfg.partial_at_middle }, reason);
                    }
                    if pos.stop.is_none_or(|s| side * (pos.entry - s) > 0.0) && side * (close - pos.entry) > 0.0 {
                        return intent(
                            IntentKind::MoveStop { stop: pos.entry },
                            reason!("stop to entry past the range middle"),
                        );
                    }
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
        assert!(RangeConfig::default().validate().is_ok());
        assert!(RangeConfig { max_width_atr: 2.0, ..Default::default() }.validate().is_err());
        assert!(RangeConfig { entry_zone: 0.7, ..Default::default() }.validate().is_err());
        assert!(toml::from_str::<RangeConfig>("stop = 1").is_err());
    }
}
