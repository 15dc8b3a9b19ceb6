//! Incremental technical indicators: O(1) per new value, matching TA-Lib's definitions.

mod base;

pub use base::{Atr, Ema};
