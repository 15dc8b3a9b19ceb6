//! Auto-Bot: a terminal trading workstation for Bybit.
//!
//! The trading logic is a deterministic, synchronous core (`engine`) fed typed events; I/O lives
//! at the edges (`exchange`, `data`, `ui`, `runtime`). See `ARCHITECTURE.md` in the design folder.

pub mod analysis;
pub mod analyze;
pub mod backtest;
pub mod cli;
pub mod config;
pub mod data;
pub mod domain;
pub mod engine;
pub mod exchange;
pub mod execution;
pub mod indicators;
pub mod logging;
pub mod mock;
pub mod patterns;
pub mod risk;
pub mod runtime;
pub mod strategy;
pub mod ui;
