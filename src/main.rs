//! `autobot`: parse flags, load the config, pick the command, run it.

use anyhow::Context;
use autobot::cli::{AnalyzeArgs, BacktestArgs, Cli, CommandKind, MockExchangeArgs};
use autobot::config::{default_db_path, default_log_dir, Config, Speed};
use autobot::runtime::RunOptions;
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match real_main(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("autobot: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn real_main(cli: Cli) -> anyhow::Result<()> {
    let (mut config, config_path) = Config::load(cli.common.config.as_deref())?;
    if let Some(v) = &cli.common.venue {
        config.general.venue = v.clone();
    }
    if let Some(s) = &cli.common.symbols {
        config.demo.symbols = s.clone();
    }
    if let Some(l) = &cli.common.log_level {
        config.general.log_level = l.clone();
    }
    config.validate().map_err(|m| anyhow::anyhow!("invalid settings: {m}"))?;

    let db_path = cli
        .common
        .db
        .clone()
        .or_else(|| (!config.general.db.is_empty()).then(|| PathBuf::from(&config.general.db)))
        .unwrap_or_else(default_db_path);
    let log_dir =
        if config.general.log_dir.is_empty() { default_log_dir() } else { PathBuf::from(&config.general.log_dir) };
    let headless = cli.run.headless || cli.command.is_some();
    let _log_guard = autobot::logging::init(&config.general.log_level, &log_dir, headless)?;

    let opts = RunOptions {
        seed: cli.run.seed.unwrap_or(config.demo.seed),
        speed: cli.run.speed.unwrap_or(config.demo.speed),
        db_path,
        data: cli.run.data.clone(),
        max_candles: cli.run.max_candles,
        exit_at_end: cli.run.exit_at_end,
        headless,
        config,
        config_path,
    };
    match cli.command {
        Some(CommandKind::Backtest(args)) => backtest(opts, args),
        Some(CommandKind::Analyze(args)) => analyze(opts, args),
        Some(CommandKind::MockExchange(args)) => mock_exchange(opts, args),
        None => run(opts),
    }
}

fn run(opts: RunOptions) -> anyhow::Result<()> {
    if let Some(parent) = opts.db_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.exists() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the folder of the database {}", opts.db_path.display()))?;
        }
    }
    let headless = opts.headless;
    let db = opts.db_path.display().to_string();
    tracing::info!(db = %db, seed = opts.seed, speed = ?opts.speed, "starting");
    let summary = autobot::runtime::run(opts)?;
    let line = format!(
        "summary: candles={} orders={} fills={} closed_trades={} final_equity={:.2} rows_written={} db={}",
        summary.candles,
        summary.orders,
        summary.fills,
        summary.closed_trades,
        summary.final_equity,
        summary.rows_written,
        db
    );
    tracing::info!("{line}");
    if headless {
        eprintln!("{line}");
    }
    Ok(())
}

fn backtest(mut opts: RunOptions, args: BacktestArgs) -> anyhow::Result<()> {
    opts.speed = Speed::Max;
    let started = std::time::Instant::now();
    let outcome = autobot::backtest::runner::run(&opts)?;
    let elapsed = started.elapsed();
    let files = autobot::backtest::write_outcome(&args.report, &outcome)?;
    eprintln!(
        "backtest: {} candles in {:.3} s ({:.0} candles/s), {} trades; report in {}",
        outcome.candles,
        elapsed.as_secs_f64(),
        outcome.candles as f64 / elapsed.as_secs_f64().max(1e-9),
        outcome.trades.len(),
        files.display()
    );
    Ok(())
}

fn analyze(opts: RunOptions, args: AnalyzeArgs) -> anyhow::Result<()> {
    let Some(input) = opts.data.as_deref() else {
        anyhow::bail!("analyze needs --data FILE (a candle CSV: ts_ms,open,high,low,close,volume)");
    };
    let started = std::time::Instant::now();
    let rows = autobot::analyze::analyze_file(
        input,
        &args.out,
        autobot::analyze::AnalyzeOptions { set: args.set, patterns: args.patterns },
    )?;
    eprintln!("analyze: {rows} rows in {:.3} s -> {}", started.elapsed().as_secs_f64(), args.out.display());
    Ok(())
}

fn mock_exchange(opts: RunOptions, args: MockExchangeArgs) -> anyhow::Result<()> {
    use autobot::domain::{Money, Symbol};
    use std::time::Duration;
    let symbols = opts
        .config
        .demo
        .symbols
        .iter()
        .map(|s| Symbol::new(s).map_err(|e| anyhow::anyhow!("bad symbol `{s}`: {e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let balance: Money = args.balance.parse().map_err(|e| anyhow::anyhow!("bad --balance `{}`: {e}", args.balance))?;
    if !(0.0..=1.0).contains(&args.fail_rate) {
        anyhow::bail!("--fail-rate must be between 0 and 1, got {}", args.fail_rate);
    }
    let faults = autobot::mock::FaultConfig {
        drop_every: args.drop_every.filter(|s| *s > 0.0).map(Duration::from_secs_f64),
        delay: args.delay_ms.map(Duration::from_millis),
        malformed_every: args.malformed_every,
        skip_seq_every: args.skip_seq_every,
        fail_rate: args.fail_rate,
    };
    let config = autobot::mock::MockConfig {
        listen: args.listen,
        data: opts.data.clone(),
        credentials: autobot::exchange::bybit::Credentials::new(args.api_key, args.api_secret),
        minute_ms: args.minute_ms.max(1),
        seed: opts.seed,
        symbols,
        history_minutes: args.history_minutes,
        initial_balance: balance,
        rate_limits: !args.no_rate_limits,
        faults,
    };
    autobot::mock::run_blocking(config)
}
