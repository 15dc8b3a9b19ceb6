//! Logging: `tracing` to a daily rolling file (never to the terminal the TUI owns); headless
//! runs also log to stderr.

use std::path::Path;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// Starts logging. Keep the guard alive until exit so buffered lines reach the file.
pub fn init(level: &str, log_dir: &Path, to_stderr: bool) -> anyhow::Result<WorkerGuard> {
    std::fs::create_dir_all(log_dir)
        .map_err(|e| anyhow::anyhow!("cannot create log directory {}: {e}", log_dir.display()))?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("autobot")
        .filename_suffix("log")
        .max_log_files(14)
        .build(log_dir)
        .map_err(|e| anyhow::anyhow!("cannot open log file in {}: {e}", log_dir.display()))?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = || EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"));
    let file_layer = fmt::layer().with_writer(writer).with_ansi(false).with_filter(filter());
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let stderr_layer =
        to_stderr.then(|| fmt::layer().with_writer(std::io::stderr).with_ansi(ansi).with_filter(filter()));
    tracing_subscriber::registry().with(file_layer).with(stderr_layer).try_init().ok();
    Ok(guard)
}
