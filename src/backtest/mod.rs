//! Backtest runner and report (metrics, trades CSV, equity plot).

pub mod metrics;
pub mod plot;
pub mod report;

pub use metrics::{compute as compute_metrics, Metrics, MetricsInput};
pub use plot::plot_equity;
pub use report::{write_report, ReportError, ReportFiles};
mod output;
pub mod replay;
pub mod runner;

pub use output::write_outcome;
