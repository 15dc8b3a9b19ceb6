//! Trading modes. Each mode turns closed candles into `Signal`s; the engine sizes, checks and
//! executes them. The mode switcher and the other modes (issue 6) plug in here.

mod trend;

pub use trend::{TrendConfig, TrendFollower};

use serde::Serialize;

/// Where a mode wants the position to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Direction {
    Long,
    Short,
    Flat,
}

/// A mode's decision on a closed candle.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub direction: Direction,
    /// Distance from the entry to the initial stop, in price units (e.g. k × ATR).
    pub stop_distance: f64,
    pub reason: String,
}
