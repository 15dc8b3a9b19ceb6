//! Backtests: the runner (the live pipeline fed from memory), the report (metrics, trades CSV,
//! equity plot, per-mode attribution, the mode-switch timeline), windows and the
//! in-sample/out-of-sample split, the `--compare` table and the `--sweep` grid, run in parallel.

pub mod buyhold;
pub mod command;
pub mod compare;
pub mod data;
pub mod metrics;
mod output;
pub mod parallel;
pub mod plot;
pub mod replay;
pub mod report;
pub mod runner;
pub mod sweep;
pub mod sweep_run;
pub mod timeline;

#[cfg(test)]
mod tests;

pub use metrics::{compute as compute_metrics, Metrics, MetricsInput};
pub use output::{buy_and_hold_json, outcome_metrics, per_mode_json, write_outcome, ReportContext};
pub use plot::plot_equity;
pub use report::{write_report, ReportError, ReportFiles};
