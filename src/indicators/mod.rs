//! Incremental technical indicators: O(1) per new candle, matching TA-Lib's definitions.
//! `base` holds the chart indicators, `advanced` order flow and the volume profile, `set` the
//! per-symbol `IndicatorSet` the engine drives (its default columns computed by `fused`, all in
//! one pass with shared state), and `analyze` the CSV rows of `autobot analyze`.

pub mod advanced;
mod analyze;
mod base;
mod fused;
mod set;
mod window;

pub use analyze::{analyze_columns, analyze_columns_for, write_analyze_csv, write_analyze_header, write_analyze_row};
pub use base::*;
pub use set::{IndicatorSet, IndicatorValues, SetKind, UnknownSetKind, ADVANCED_COLUMNS, DEFAULT_COLUMNS};
pub use window::{Extremum, Ring};
