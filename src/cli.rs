//! Command-line definitions (clap).

use crate::config::Speed;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Auto-Bot: a terminal trading workstation for Bybit.
#[derive(Debug, Parser)]
#[command(name = "autobot", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(subcommand)]
    pub command: Option<CommandKind>,
}

/// Flags every command understands.
#[derive(Debug, Args, Clone, Default)]
pub struct CommonArgs {
    /// Configuration file (TOML). Default: the platform config directory's config.toml.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// SQLite database file.
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Venue: demo.
    #[arg(long, global = true, value_name = "NAME")]
    pub venue: Option<String>,
    /// Symbols to trade, comma separated (BTCUSDT,ETHUSDT).
    #[arg(long, global = true, value_name = "A,B", value_delimiter = ',')]
    pub symbols: Option<Vec<String>>,
    /// Log level: error, warn, info, debug, trace.
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
}

/// Flags of a trading run (the TUI or `--headless`) and of `backtest`.
#[derive(Debug, Args, Clone, Default)]
pub struct RunArgs {
    /// Run without the UI: logs to stderr and the rolling log file.
    #[arg(long)]
    pub headless: bool,
    /// Replay this CSV (`ts_ms,open,high,low,close,volume`) instead of the generator.
    #[arg(long, global = true, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Replay speed as a multiple of real time, or `max`.
    #[arg(long, value_name = "X|max")]
    pub speed: Option<Speed>,
    /// Stop after N closed candles per symbol.
    #[arg(long, global = true, value_name = "N")]
    pub max_candles: Option<u64>,
    /// Stop when the replay file ends (otherwise the UI stays open on the final state).
    #[arg(long)]
    pub exit_at_end: bool,
    /// Seed of the market generator.
    #[arg(long, global = true, value_name = "N")]
    pub seed: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum CommandKind {
    /// Replay history through the engine as fast as the CPU allows and write a report.
    Backtest(BacktestArgs),
    /// Indicators (and candlestick patterns) for a candle CSV, as CSV.
    Analyze(AnalyzeArgs),
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Output CSV.
    #[arg(long, value_name = "OUT.csv")]
    pub out: PathBuf,
    /// Indicator set: default or advanced.
    #[arg(long, value_name = "SET", default_value = "default")]
    pub set: crate::indicators::SetKind,
    /// Add one column per candlestick pattern (TA-Lib convention).
    #[arg(long)]
    pub patterns: bool,
}

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// Folder for report.json, trades.csv and equity.png.
    #[arg(long, value_name = "DIR", default_value = "backtest-report")]
    pub report: PathBuf,
}
