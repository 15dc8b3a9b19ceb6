//! Incremental technical indicators: O(1) per new value, matching TA-Lib's definitions.
//! `base` holds the chart indicators, `window` the rolling buffers they share.

mod base;
mod window;

pub use base::*;
pub use window::{Extremum, Ring};
