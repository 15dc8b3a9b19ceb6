//! `autobot`: parse flags, load the config, pick the command, run it.

use anyhow::Context;
use autobot::cli::{AnalyzeArgs, BacktestArgs, Cli, CommandKind, DownloadArgs, MockExchangeArgs};
use autobot::config::{default_db_path, default_log_dir, Config};
use autobot::runtime::venue::{VenueKind, VenueOptions};
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
    // The venue flag is checked here (the config file's `general.venue` stays demo-only).
    let venue_kind = match &cli.common.venue {
        Some(v) => VenueKind::parse(v).map_err(|m| anyhow::anyhow!(m))?,
        None => VenueKind::parse(&config.general.venue).map_err(|m| anyhow::anyhow!(m))?,
    };
    if let Some(s) = &cli.common.symbols {
        config.demo.symbols = s.clone();
    }
    if let Some(l) = &cli.common.log_level {
        config.general.log_level = l.clone();
    }
    config.validate().map_err(|m| anyhow::anyhow!("invalid settings: {m}"))?;
    config.general.venue = venue_kind.name().to_string();

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
        venue: VenueOptions {
            kind: venue_kind,
            exchange_url: cli.common.exchange_url.clone(),
            key_file: cli.run.key_file.clone(),
            live: cli.run.live,
            confirmed: false,
        },
        config_path,
    };
    match cli.command {
        Some(CommandKind::Backtest(args)) => backtest(opts, args),
        Some(CommandKind::Analyze(args)) => analyze(opts, args),
        Some(CommandKind::MockExchange(args)) => mock_exchange(opts, args),
        Some(CommandKind::Sessions) => sessions(&opts.db_path),
        Some(CommandKind::Download(args)) => download(&cli.common, opts, args),
        None => {
            let mut opts = opts;
            confirm_real_money(&mut opts.venue, opts.headless, cli.run.yes_i_know_this_is_real_money)?;
            run(opts)
        }
    }
}

/// Mainnet with `--live`: headless needs the explicit flag; the TUI asks for `LIVE` on stdin.
fn confirm_real_money(venue: &mut VenueOptions, headless: bool, flag: bool) -> anyhow::Result<()> {
    if venue.kind != VenueKind::Mainnet || !venue.live {
        return Ok(());
    }
    if flag {
        venue.confirmed = true;
    } else if !headless {
        use std::io::{BufRead, Write};
        eprint!(
            "autobot: --live on mainnet sends REAL-MONEY orders. Type LIVE to confirm (anything else: watch-only): "
        );
        std::io::stderr().flush()?;
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        venue.confirmed = line.trim() == "LIVE";
    }
    if !venue.confirmed {
        eprintln!("autobot: real money not confirmed: running watch-only, no order will be sent");
    }
    Ok(())
}

fn run(opts: RunOptions) -> anyhow::Result<()> {
    if let Some(parent) = opts.db_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.exists() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the folder of the database {}", opts.db_path.display()))?;
        }
    }
    let headless = opts.headless;
    let venue = opts.venue.kind.name();
    let db = opts.db_path.display().to_string();
    tracing::info!(db = %db, seed = opts.seed, speed = ?opts.speed, "starting");
    let summary = autobot::runtime::run(opts)?;
    let line = format!(
        "summary: venue={} candles={} orders={} fills={} closed_trades={} final_equity={:.2} rows_written={} candle_gaps={} duplicate_candles={} db={}",
        venue,
        summary.candles,
        summary.orders,
        summary.fills,
        summary.closed_trades,
        summary.final_equity,
        summary.rows_written,
        summary.candle_gaps,
        summary.duplicate_candles,
        db
    );
    tracing::info!("{line}");
    if headless {
        eprintln!("{line}");
    }
    Ok(())
}

fn backtest(opts: RunOptions, args: BacktestArgs) -> anyhow::Result<()> {
    if let Some(session) = args.replay {
        return replay(&opts.db_path, session, &args.report);
    }
    autobot::backtest::command::execute(opts, &args)
}

fn replay(db: &std::path::Path, session: i64, dir: &std::path::Path) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let report = autobot::backtest::replay::run(db, session, dir)?;
    let r = &report.replayed;
    eprintln!(
        "replay: session {session}: {} events, {} candles, {} decisions, {} trades in {:.3} s; report and decisions.csv in {}",
        r.events,
        r.outcome.candles,
        r.decisions.len(),
        r.outcome.trades.len(),
        started.elapsed().as_secs_f64(),
        report.report_dir.display()
    );
    if !report.config_exact {
        eprintln!(
            "replay: warning: the recorded engine settings did not read back exactly (a float setting may differ)"
        );
    }
    let verdict = report.verdict();
    println!("{verdict}");
    match report.difference {
        None => Ok(()),
        Some(_) => anyhow::bail!("{verdict}"),
    }
}

fn sessions(db: &std::path::Path) -> anyhow::Result<()> {
    if !db.exists() {
        anyhow::bail!("no database at {}", db.display());
    }
    let store = autobot::data::store::Store::open(db)?;
    let list = store.session_summaries()?;
    println!(
        "{:>6}  {:<10} {:<20} {:<20} {:>10} {:>7} {:>10} {:>8}",
        "id", "venue", "start (UTC)", "end (UTC)", "events", "orders", "journal", "B/event"
    );
    for s in &list {
        let end = s.ended_ms.map(utc).unwrap_or_else(|| "-".into());
        let per_event =
            if s.events > 0 { format!("{:.1}", s.journal_bytes as f64 / s.events as f64) } else { "-".into() };
        println!(
            "{:>6}  {:<10} {:<20} {:<20} {:>10} {:>7} {:>10} {:>8}",
            s.id,
            s.venue,
            utc(s.started_ms),
            end,
            s.events,
            s.orders,
            size_text(s.journal_bytes),
            per_event
        );
    }
    if list.is_empty() {
        eprintln!("no sessions in {}", db.display());
    }
    Ok(())
}

/// A byte count in decimal units, one decimal place: `812B`, `66.6kB`, `37.8MB`, `1.2GB`
/// (one word, so the session table splits on whitespace).
fn size_text(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    match bytes {
        ..1_000 => format!("{}B", bytes.max(0)),
        1_000..1_000_000 => format!("{:.1}kB", b / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1}MB", b / 1e6),
        _ => format!("{:.1}GB", b / 1e9),
    }
}

/// `YYYY-MM-DD HH:MM:SS` of a UTC millisecond time.
fn utc(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let secs = ms.rem_euclid(86_400_000) / 1000;
    let (y, m, d) = autobot::domain::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
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
        read_only: args.read_only,
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
