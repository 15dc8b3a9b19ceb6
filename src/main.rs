//! `autobot`: parse flags, load the config, pick the command, run it.

use anyhow::Context;
use autobot::cli::{AnalyzeArgs, BacktestArgs, Cli, CommandKind, DownloadArgs, MockExchangeArgs};
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
    let (mut config, _path) = Config::load(cli.common.config.as_deref())?;
    // `download` reads its venue (mainnet, testnet) itself; the trading config knows only `demo`.
    let downloading = matches!(cli.command, Some(CommandKind::Download(_)));
    if let Some(v) = cli.common.venue.as_ref().filter(|_| !downloading) {
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
    };
    match cli.command {
        Some(CommandKind::Backtest(args)) => backtest(opts, args),
        Some(CommandKind::Analyze(args)) => analyze(opts, args),
        Some(CommandKind::MockExchange(args)) => mock_exchange(opts, args),
        Some(CommandKind::Download(args)) => download(&cli.common, opts, args),
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

fn download(common: &autobot::cli::CommonArgs, opts: RunOptions, args: DownloadArgs) -> anyhow::Result<()> {
    use autobot::data::download::{self, plan, DownloadSpec};
    use autobot::domain::{Interval, Symbol};
    use autobot::exchange::bybit::env::Environment;
    use autobot::exchange::bybit::rest::{local_now_ms, RestClient, RestConfig};
    use autobot::exchange::bybit::wire::Category;
    use std::io::IsTerminal;

    let base = match (&common.exchange_url, common.venue.as_deref()) {
        (Some(url), _) => url.clone(),
        (None, None | Some("mainnet")) => Environment::Mainnet.rest_url(),
        (None, Some("testnet")) => Environment::Testnet.rest_url(),
        (None, Some(other)) => {
            anyhow::bail!(
                "download: venue `{other}` has no kline source; use --venue mainnet|testnet or --exchange-url URL"
            )
        }
    };
    let symbol = Symbol::new(&args.symbol).map_err(|e| anyhow::anyhow!("bad --symbol `{}`: {e}", args.symbol))?;
    let interval: Interval = args
        .interval
        .parse()
        .map_err(|_| anyhow::anyhow!("bad --interval `{}`: use 1m 5m 15m 1h 4h 1d ...", args.interval))?;
    let category = Category::parse(&args.category)
        .filter(|c| *c != Category::Option)
        .ok_or_else(|| anyhow::anyhow!("bad --category `{}`: use linear, inverse or spot", args.category))?;
    let from_ms = plan::parse_date(&args.from).context("--from")?;
    let to_ms = match &args.to {
        Some(t) => plan::parse_date(t).context("--to")?,
        None => local_now_ms(),
    };
    if let Some(parent) = opts.db_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the folder of the database {}", opts.db_path.display()))?;
    }
    let mut store = autobot::data::store::Store::open(&opts.db_path)?;
    let mut cfg = RestConfig::new(base.clone());
    cfg.max_retries = 5;
    cfg.spot = category == Category::Spot;
    let client = RestClient::new(cfg, None)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let spec = DownloadSpec { category, symbol, interval, from_ms, to_ms };
    eprintln!(
        "download: {symbol} {} [{} .. {}) from {base} into {}",
        interval.label(),
        plan::format_ts(from_ms),
        plan::format_ts(to_ms),
        opts.db_path.display()
    );
    let started = std::time::Instant::now();
    let terminal = std::io::stderr().is_terminal();
    let result = runtime.block_on(download::download(&client, &mut store, &spec, |p| {
        let line = format!("download: request {}/{}, {}/{} bars written", p.request, p.requests, p.fetched, p.to_fetch);
        if terminal {
            eprint!("\r{line}");
        } else {
            eprintln!("{line}");
        }
    }));
    if terminal {
        eprintln!();
    }
    let s = result?;
    for (first, last, bars) in s.missing_runs.iter().take(20) {
        eprintln!(
            "download: the exchange has no data for {bars} bar(s) {} .. {}",
            plan::format_ts(*first),
            plan::format_ts(*last)
        );
    }
    if s.missing_runs.len() > 20 {
        eprintln!("download: ... and {} more gap(s) without data", s.missing_runs.len() - 20);
    }
    eprintln!(
        "download: summary: wanted={} present={} fetched={} gaps={} gaps_filled={} missing={} requests={} up_to={} in {:.1} s",
        s.wanted,
        s.already_present,
        s.fetched,
        s.gaps,
        s.gaps_filled,
        s.still_missing,
        s.requests,
        plan::format_ts(s.end_ms),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
