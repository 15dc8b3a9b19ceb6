//! Trading modes. Each mode turns closed candles into decisions; the engine sizes, checks and
//! executes them. `TrendFollower` is the EMA-cross strategy the engine runs today (`Signal`);
//! the five regime modes (trend pullback, range, breakout, reversal, volatility hedge) return
//! `Intent`s and run together in a per-symbol [`ModeSet`] whose [`ModeSwitcher`] picks the
//! active mode from the regime.

mod bank;
mod breakout;
mod hedge;
mod intent;
mod pullback;
mod range;
mod reversal;
mod switcher;
mod trend;

pub use bank::{BarInput, ModeSet, ModesConfig};
pub use breakout::{BreakoutConfig, BreakoutEntry, BreakoutMode};
pub use hedge::{HedgeAction, HedgeConfig, VolHedge};
pub use intent::{
    levels_around, stop_is_protective, tighter_stop, Intent, IntentKind, ModeContext, ModeId, PositionView, UnknownMode,
};
pub use pullback::{PullbackConfig, TrendPullback};
pub use range::{RangeConfig, RangeReversion};
pub use reversal::{ReversalConfig, ReversalMode};
pub use switcher::{mode_for, ModeCommandError, ModeSwitcher, SwitchEvent, SwitcherConfig};
pub use trend::{TrendConfig, TrendFollower};

use crate::domain::Reason;
use serde::Serialize;

/// Where a mode wants the position to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Direction {
    Long,
    Short,
    Flat,
}

impl Direction {
    /// +1 long, −1 short, 0 flat.
    pub fn sign(self) -> f64 {
        match self {
            Direction::Long => 1.0,
            Direction::Short => -1.0,
            Direction::Flat => 0.0,
        }
    }
    pub fn from_sign(s: f64) -> Direction {
        if s > 0.0 {
            Direction::Long
        } else if s < 0.0 {
            Direction::Short
        } else {
            Direction::Flat
        }
    }
}

/// A mode's decision on a closed candle.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub direction: Direction,
    /// Distance from the entry to the initial stop, in price units (e.g. k × ATR).
    pub stop_distance: f64,
    pub reason: Reason,
}

/// What a mode may do on this bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Update state only (keeps the mode warm while another is active).
    Observe,
    /// Active and flat: may enter.
    Seek,
    /// Owns the open position: manage stops, scale-ins and exits.
    Manage,
}

/// One trading mode: fed every closed bar, whatever its role.
pub trait Mode {
    fn id(&self) -> ModeId;
    fn on_bar(&mut self, ctx: &ModeContext<'_>, role: Role) -> Option<Intent>;
    /// The position this mode managed is closed (or never opened): forget its trade plan.
    fn reset_position(&mut self);
}

/// Checks that `v` is finite and > 0 (or ≥ 0 with `allow_zero`), naming it in the error.
pub(crate) fn check_positive(mode: &str, name: &str, v: f64, allow_zero: bool) -> Result<(), String> {
    if !v.is_finite() || v < 0.0 || (!allow_zero && v == 0.0) {
        let what = if allow_zero { "zero or positive" } else { "positive" };
        return Err(format!("strategy.modes.{mode}.{name} must be {what}, got {v}"));
    }
    Ok(())
}

/// Checks that `v` lies in [lo, hi].
pub(crate) fn check_range(mode: &str, name: &str, v: f64, lo: f64, hi: f64) -> Result<(), String> {
    if !(v.is_finite() && v >= lo && v <= hi) {
        return Err(format!("strategy.modes.{mode}.{name} must be within [{lo}, {hi}], got {v}"));
    }
    Ok(())
}
