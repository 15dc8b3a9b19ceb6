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
    /// Venue: demo, paper, testnet, demo-trading, mainnet or mock.
    #[arg(long, global = true, value_name = "NAME")]
    pub venue: Option<String>,
    /// Bybit REST base URL (`http://127.0.0.1:PORT` for `--venue mock`, or a custom endpoint);
    /// the WebSockets are on the same host.
    #[arg(long, global = true, value_name = "URL")]
    pub exchange_url: Option<String>,
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
    /// File with BYBIT_API_KEY=... and BYBIT_API_SECRET=... lines (must not be readable by others).
    /// The environment variables of the same names win.
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// Mainnet: send real-money orders (the TUI asks you to type LIVE first).
    #[arg(long)]
    pub live: bool,
    /// Mainnet with --live and --headless: the confirmation, given up front.
    #[arg(long)]
    pub yes_i_know_this_is_real_money: bool,
}

#[derive(Debug, Subcommand)]
pub enum CommandKind {
    /// Replay history through the engine as fast as the CPU allows and write a report.
    Backtest(BacktestArgs),
    /// Indicators (and candlestick patterns) for a candle CSV, as CSV.
    Analyze(AnalyzeArgs),
    /// Serve a Bybit V5 compatible mock exchange (REST + WebSocket) backed by the simulator.
    MockExchange(MockExchangeArgs),
    /// List the recorded sessions of the database (ids for `backtest --replay`).
    Sessions,
    /// Download Bybit klines into the database (`--db`): resumable, fills gaps, idempotent.
    Download(DownloadArgs),
}

/// `autobot download` (also uses the global `--db`, and `--venue mainnet|testnet` or
/// `--exchange-url URL`; mainnet when neither is given).
#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// Symbol, e.g. BTCUSDT.
    #[arg(long, value_name = "SYMBOL")]
    pub symbol: String,
    /// Bar interval: 1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 1w 1M, or Bybit's 1 5 60 240 D W M.
    #[arg(long, value_name = "I", default_value = "1m")]
    pub interval: String,
    /// Window start (inclusive): YYYY-MM-DD, YYYY-MM-DDTHH:MM (UTC) or epoch ms.
    #[arg(long, value_name = "DATE")]
    pub from: String,
    /// Window end (exclusive), same forms; default: now.
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Product category: linear, inverse or spot.
    #[arg(long, value_name = "NAME", default_value = "linear")]
    pub category: String,
}

/// `autobot mock-exchange` (also uses the global `--data`, `--seed` and `--symbols`).
#[derive(Debug, Args)]
pub struct MockExchangeArgs {
    /// Address to serve REST and WebSocket on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8099")]
    pub listen: std::net::SocketAddr,
    /// The API key the mock accepts.
    #[arg(long, value_name = "KEY", default_value = "MOCKKEY")]
    pub api_key: String,
    /// The secret of that key.
    #[arg(long, value_name = "SECRET", default_value = "MOCKSECRET")]
    pub api_secret: String,
    /// Wall-clock milliseconds per generated minute (60000 = real time).
    #[arg(long = "speed", id = "mock_minute_ms", value_name = "MS", default_value_t = 60_000)]
    pub minute_ms: u64,
    /// Minutes of history generated before serving.
    #[arg(long, value_name = "N", default_value_t = 600)]
    pub history_minutes: usize,
    /// Starting USDT balance.
    #[arg(long, value_name = "USDT", default_value = "100000")]
    pub balance: String,
    /// Do not enforce the per-endpoint rate limits (10006).
    #[arg(long)]
    pub no_rate_limits: bool,
    /// Serve the key as read-only (query-api says so; order writes get 10005).
    #[arg(long)]
    pub read_only: bool,
    /// Fault: close every WebSocket this many seconds after it opened.
    #[arg(long, value_name = "SECS")]
    pub drop_every: Option<f64>,
    /// Fault: delay every WebSocket data frame by this many milliseconds.
    #[arg(long, value_name = "MS")]
    pub delay_ms: Option<u64>,
    /// Fault: send every Nth WebSocket data frame of a connection as invalid JSON.
    #[arg(long, value_name = "N")]
    pub malformed_every: Option<u32>,
    /// Fault: skip one order-book `u` every N deltas.
    #[arg(long, value_name = "N")]
    pub skip_seq_every: Option<u32>,
    /// Fault: answer this fraction (0..1) of REST calls with HTTP 503.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.0)]
    pub fail_rate: f64,
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

#[derive(Debug, Args, Default)]
pub struct BacktestArgs {
    /// Folder for report.json, trades.csv, equity.png and mode_switches.csv (and compare.* / sweep.csv).
    #[arg(long, value_name = "DIR", default_value = "backtest-report")]
    pub report: PathBuf,
    /// Enable only these modes, the others off: trend,range,breakout,reversal,hedge.
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub modes: Option<Vec<String>>,
    /// Strategy engine: `modes` (the five regime modes) or `ema` (default: the config's).
    #[arg(long, value_name = "modes|ema")]
    pub engine: Option<String>,
    /// Start of the window: candles opening at or after this time (YYYY-MM-DD[THH:MM], UTC, or epoch ms).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// End of the window: candles opening before this time.
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// In-sample = the first FRACTION of the candles, out-of-sample = the rest; reported separately.
    #[arg(long, value_name = "FRACTION")]
    pub split: Option<f64>,
    /// All modes, each mode alone, the EMA engine and buy-and-hold, in and out of sample, in
    /// parallel; writes compare.csv and compare.md.
    #[arg(long)]
    pub compare: bool,
    /// Sweep a parameter: SECTION.PARAM=a,b,c or SECTION.PARAM=lo:hi:step (repeat for a grid).
    #[arg(long, value_name = "SECTION.PARAM=VALUES")]
    pub sweep: Vec<String>,
    /// Parallel runs for --compare and --sweep (default: all cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Sweep ranking: sharpe, sortino, return, calmar, profit_factor, win_rate, expectancy, max_drawdown.
    #[arg(long, value_name = "METRIC", default_value = "sharpe")]
    pub rank: String,
    /// Sweep points re-run out of sample (the best by --rank).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub top: usize,
    /// Replay recorded session SESSION of the database (`autobot sessions` lists them) through a
    /// fresh engine, write its decisions to DIR/decisions.csv and check that its orders are
    /// identical to the recorded ones (exit status 1 when not).
    #[arg(long, value_name = "SESSION")]
    pub replay: Option<i64>,
}
