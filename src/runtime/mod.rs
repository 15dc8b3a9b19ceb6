//! Wiring of a trading run: the engine thread (market source → pipeline), the storage writer
//! thread, signal handling, and the TUI or headless main thread. `EngineHandle`-style access is
//! a `watch` channel of snapshots out and an mpsc channel of commands in. The demo venue runs
//! here; Bybit venues, the mock and paper run in `live`.

pub mod journal;
pub mod live;
pub mod live_core;
pub mod live_start;
#[cfg(test)]
mod live_tests;
pub mod pipeline;
mod recorder;
pub mod source;
pub mod venue;

use crate::config::{Config, Speed};
use crate::data::store::{Store, StoreMsg, StoreWriter};
use crate::domain::{Command, EquityPoint, Event, Money, Rate, Symbol};
use crate::engine::{ConnectionState, Engine, EngineConfig, Snapshot};
use crate::exchange::sim::{SimConfig, SimExchange};
use pipeline::Pipeline;
pub use recorder::StoreSink;
use source::MarketSource;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// Everything a run needs, resolved from the config file and the flags.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub config: Config,
    pub db_path: PathBuf,
    pub data: Option<PathBuf>,
    pub speed: Speed,
    pub max_candles: Option<u64>,
    pub exit_at_end: bool,
    pub seed: u64,
    pub headless: bool,
    /// `--venue` and its flags (demo by default).
    pub venue: venue::VenueOptions,
    /// The config file the run was started with (`Command::SaveConfig` writes there; `None`: the
    /// platform default path).
    pub config_path: Option<PathBuf>,
}

/// What a run did, printed at exit.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub candles: u64,
    pub orders: u64,
    pub fills: u64,
    pub closed_trades: usize,
    pub final_equity: f64,
    pub rows_written: u64,
    /// Live venues: holes the engine saw in a candle series (0 when the streams backfill).
    pub candle_gaps: u64,
    /// Live venues: confirmed candles dropped as already seen.
    pub duplicate_candles: u64,
}

/// Builds the simulator's settings from the config.
pub fn sim_config(config: &Config) -> SimConfig {
    let r = |v: f64| Rate::from_f64(v).unwrap_or(Rate::ZERO);
    SimConfig {
        maker_fee: r(config.sim.maker_fee),
        taker_fee: r(config.sim.taker_fee),
        slippage_bps: config.sim.slippage_bps,
        leverage: r(config.sim.leverage),
        maintenance_margin_rate: r(config.sim.maintenance_margin_rate),
        latency_ms: config.sim.latency_ms,
        position_mode: config.strategy.modes.hedge.position_mode,
        ..SimConfig::default()
    }
}

/// Builds the engine's settings from the config.
pub fn engine_config(config: &Config, interval: crate::domain::Interval) -> EngineConfig {
    EngineConfig {
        venue: config.general.venue.clone(),
        live: false,
        interval,
        trend: config.strategy.trend.clone(),
        modes: match config.strategy.engine {
            crate::config::StrategyEngine::Modes => Some(config.strategy.modes.clone()),
            crate::config::StrategyEngine::Ema => None,
        },
        analysis: config.analysis.enabled,
        indicator_set: config.analysis.indicator_set,
        risk: config.risk.clone(),
        rebalance: config.execution.rebalance.clone(),
        ..EngineConfig::default()
    }
}

/// The market source and the pipeline for the options.
pub fn build(opts: &RunOptions) -> anyhow::Result<(MarketSource, Pipeline, Vec<Event>)> {
    let symbols: Vec<Symbol> = opts.config.demo.symbols.iter().filter_map(|s| Symbol::new(s).ok()).collect();
    let fallback = symbols.first().copied().unwrap_or(Symbol::new("BTCUSDT")?);
    let (source, instruments) = match &opts.data {
        Some(path) => MarketSource::replay(path, fallback)?,
        None => MarketSource::generator(opts.seed, &symbols, opts.config.demo.intra_minute_steps),
    };
    // A replay trades the file's symbols: a configured hedge symbol must be among them.
    if opts.config.strategy.engine == crate::config::StrategyEngine::Modes {
        let traded: Vec<&str> = instruments.iter().map(|i| i.symbol.as_str()).collect();
        opts.config.strategy.modes.hedge.check_symbol(&traded).map_err(|e| anyhow::anyhow!(e))?;
    }
    // ...and so must every rebalance target.
    let traded: Vec<String> = instruments.iter().map(|i| i.symbol.to_string()).collect();
    opts.config.execution.rebalance.validate(&traded, opts.config.risk.max_leverage).map_err(|e| anyhow::anyhow!(e))?;
    let balance = Money::from_f64(opts.config.demo.initial_balance).unwrap_or(Money::from_int(10_000));
    let venue = SimExchange::new(sim_config(&opts.config), &instruments, balance);
    let engine = Engine::new(engine_config(&opts.config, source.interval()));
    let mut opening: Vec<Event> = instruments.iter().map(|i| Event::Instrument(*i)).collect();
    opening.push(Event::Balance(venue.balance()));
    Ok((source, Pipeline::new(engine, venue), opening))
}

/// Runs the workstation (or headless) until the user quits, a signal arrives, or the data ends.
pub fn run(opts: RunOptions) -> anyhow::Result<RunSummary> {
    if live::is_live(&opts) {
        return live::run(opts);
    }
    // Read and check the market data before anything is written.
    let (source, pipeline, opening) = build(&opts)?;
    let store = Store::open(&opts.db_path)?;
    let session = store.new_session(
        &opts.config.general.venue,
        opts.data.is_none().then_some(opts.seed),
        &serde_json::to_string(&opts.config).unwrap_or_default(),
    )?;
    journal::record_engine_config(&store, session, &pipeline.engine.config)?;
    let writer = StoreWriter::spawn(store, session);

    let stop = Arc::new(AtomicBool::new(false));
    spawn_signal_watcher(stop.clone());
    let (snap_tx, snap_rx) = tokio::sync::watch::channel(Arc::new(Snapshot::default()));
    let (cmd_tx, cmd_rx) = mpsc::channel::<Command>();

    let engine_stop = stop.clone();
    let sink = StoreSink::new(writer.sender());
    let loop_opts = opts.clone();
    let engine_thread = std::thread::Builder::new()
        .name("engine".into())
        .spawn(move || drive(loop_opts, source, pipeline, opening, sink, snap_tx, cmd_rx, engine_stop))?;

    let ui_result = if opts.headless {
        None
    } else {
        let ui_config = crate::ui::UiConfig {
            keymap_overrides: opts.config.ui.keys.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            max_fps: opts.config.ui.max_fps,
        };
        let r = crate::ui::run(snap_rx, cmd_tx.clone(), stop.clone(), ui_config);
        stop.store(true, Ordering::SeqCst);
        Some(r)
    };
    drop(cmd_tx);
    let mut summary = match engine_thread.join() {
        Ok(s) => s,
        Err(_) => {
            stop.store(true, Ordering::SeqCst);
            anyhow::bail!("the engine thread panicked; see the log")
        }
    };
    // Everything the engine produced is queued; this drains and commits it all.
    let stats = writer.finish()?;
    summary.rows_written = stats.total_rows();
    if let Some(Err(e)) = ui_result {
        return Err(anyhow::anyhow!("terminal UI failed: {e}"));
    }
    Ok(summary)
}

/// Sets `stop` on SIGINT or SIGTERM.
fn spawn_signal_watcher(stop: Arc<AtomicBool>) {
    let spawned = std::thread::Builder::new().name("signals".into()).spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            tracing::error!("cannot start the signal watcher");
            return;
        };
        rt.block_on(async move {
            #[cfg(unix)]
            {
                use tokio::signal::unix::{signal, SignalKind};
                let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
                else {
                    tracing::error!("cannot install signal handlers");
                    return;
                };
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
                    _ = int.recv() => tracing::info!("SIGINT: shutting down"),
                }
            }
            #[cfg(not(unix))]
            {
                let _ = tokio::signal::ctrl_c().await;
            }
            stop.store(true, Ordering::SeqCst);
        });
    });
    if spawned.is_err() {
        tracing::error!("cannot spawn the signal watcher thread");
    }
}

/// `Command::SaveConfig` (the engine does no I/O): writes the config with the engine's current
/// mode parameters to `path` (or the platform default file), over what the file holds now (so
/// flags given for this run are not saved) or over `config` when there is no file yet. Returns
/// the engine's alert actions saying where it was written, or why not.
pub fn save_config(config: &Config, path: Option<&std::path::Path>, engine: &mut Engine) -> Vec<crate::domain::Action> {
    use crate::domain::AlertLevel;
    let Some(path) = path.map(PathBuf::from).or_else(crate::config::default_config_path) else {
        return engine.notify(AlertLevel::Warning, "config", "not saved: no config path on this platform".into());
    };
    let mut out = match Config::load(Some(&path)) {
        Ok((c, _)) => c,
        Err(crate::config::ConfigError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            config.clone()
        }
        Err(e) => return engine.notify(AlertLevel::Warning, "config", format!("not saved: {e}")),
    };
    if let Some(m) = engine.modes_config() {
        out.strategy.modes = m.clone();
    }
    out.strategy.trend = engine.trend_config().clone();
    match out.save(&path) {
        Ok(bak) => {
            let bak = bak.map(|b| format!(" (previous file kept as {})", b.display())).unwrap_or_default();
            engine.notify(AlertLevel::Info, "config", format!("config saved to {}{bak}", path.display()))
        }
        Err(e) => engine.notify(AlertLevel::Warning, "config", format!("not saved: {e}")),
    }
}

/// An operator command into the pipeline; `SaveConfig` is written here first.
fn operator_command(opts: &RunOptions, pipeline: &mut Pipeline, cmd: Command, sink: &mut StoreSink) {
    if cmd == Command::SaveConfig {
        for a in save_config(&opts.config, opts.config_path.as_deref(), &mut pipeline.engine) {
            pipeline::Sink::on_action(sink, &a);
        }
    }
    pipeline.command(cmd, sink);
}

/// Latencies of the last events, for the status line.
/// The last 1,024 event-processing times, for the status line's percentiles.
#[derive(Default)]
pub(crate) struct LatencyWindow {
    samples: Vec<u32>,
    next: usize,
}

impl LatencyWindow {
    pub(crate) fn push(&mut self, d: Duration) {
        let ns = d.as_nanos().min(u32::MAX as u128) as u32;
        if self.samples.len() < 1024 {
            self.samples.push(ns);
        } else {
            self.samples[self.next] = ns;
            self.next = (self.next + 1) % 1024;
        }
    }
    /// (p50, p99) in microseconds.
    pub(crate) fn percentiles(&self) -> (f64, f64) {
        if self.samples.is_empty() {
            return (0.0, 0.0);
        }
        let mut v = self.samples.clone();
        v.sort_unstable();
        let at = |q: f64| v[((v.len() - 1) as f64 * q) as usize] as f64 / 1000.0;
        (at(0.5), at(0.99))
    }
}

#[allow(clippy::too_many_arguments)]
fn drive(
    opts: RunOptions,
    mut source: MarketSource,
    mut pipeline: Pipeline,
    opening: Vec<Event>,
    mut sink: StoreSink,
    snapshots: tokio::sync::watch::Sender<Arc<Snapshot>>,
    commands: mpsc::Receiver<Command>,
    stop: Arc<AtomicBool>,
) -> RunSummary {
    for e in &opening {
        pipeline.inform(e, &mut sink);
    }
    let symbols = pipeline.engine.snapshot().markets.len().max(1) as u64;
    let mut batch = Vec::new();
    let mut candles_seen = 0u64;
    let mut latency = LatencyWindow { samples: Vec::new(), next: 0 };
    let mut last_publish = Instant::now() - Duration::from_secs(1);
    let wall_start = Instant::now();
    let mut market_start: Option<i64> = None;
    let fast_forward_ms = (opts.config.demo.fast_forward_hours * 3_600_000.0) as i64;
    let mut ended = false;
    let first_symbol = pipeline.engine.snapshot().markets.first().map(|m| m.symbol);
    let mut rehearsal = crate::engine::Rehearsal::new();

    let publish = |pipeline: &Pipeline, latency: &LatencyWindow, ended: bool| {
        let mut snap = pipeline.engine.snapshot();
        let (p50, p99) = latency.percentiles();
        snap.stats.event_latency_p50_us = p50;
        snap.stats.event_latency_p99_us = p99;
        snap.stats.speed = match opts.speed {
            Speed::Times(x) => Some(x),
            Speed::Max => None,
        };
        snap.account.funding_paid = pipeline.venue.funding_paid();
        if ended {
            snap.connection = ConnectionState::Ended;
        }
        snapshots.send_replace(Arc::new(snap));
    };

    while !stop.load(Ordering::SeqCst) {
        while let Ok(cmd) = commands.try_recv() {
            tracing::info!(?cmd, "operator command");
            operator_command(&opts, &mut pipeline, cmd, &mut sink);
            last_publish = Instant::now() - Duration::from_secs(1);
        }
        if ended {
            if opts.headless && (opts.exit_at_end || opts.max_candles.is_some()) {
                break;
            }
            if opts.exit_at_end {
                break;
            }
            if last_publish.elapsed() >= Duration::from_millis(100) {
                publish(&pipeline, &latency, true);
                last_publish = Instant::now();
            }
            std::thread::sleep(Duration::from_millis(20));
            continue;
        }
        batch.clear();
        if !source.next_batch(&mut batch) {
            tracing::info!("market data ended");
            ended = true;
            continue;
        }
        for event in &batch {
            if let Speed::Times(x) = opts.speed {
                if let Some(ts) = event.ts_ms() {
                    // Pacing starts after the fast-forward: earlier events are due at once.
                    let start = *market_start.get_or_insert(ts + fast_forward_ms);
                    let due = wall_start + Duration::from_secs_f64(((ts - start).max(0) as f64 / 1000.0) / x);
                    while Instant::now() < due && !stop.load(Ordering::SeqCst) {
                        if let Ok(cmd) = commands.try_recv() {
                            operator_command(&opts, &mut pipeline, cmd, &mut sink);
                            publish(&pipeline, &latency, false);
                        }
                        // Waiting for the event's time: near a bar's end, rehearse its close.
                        rehearsal.on_idle(&mut pipeline.engine, ts);
                        std::thread::sleep((due - Instant::now()).min(Duration::from_millis(20)));
                    }
                }
            }
            let t0 = Instant::now();
            pipeline.feed(event, &mut sink);
            latency.push(t0.elapsed());
            match event {
                Event::Candle(c) if c.closed => {
                    candles_seen += 1;
                    sink.record(StoreMsg::Candle(*c));
                    if Some(c.symbol) == first_symbol {
                        let b = pipeline.venue.balance();
                        sink.record(StoreMsg::Equity(EquityPoint {
                            ts_ms: c.close_ms(),
                            equity: b.equity,
                            wallet_balance: b.wallet_balance,
                            unrealised_pnl: b.unrealised_pnl,
                        }));
                    }
                }
                Event::Trade(t) => sink.record(StoreMsg::Trade(*t)),
                _ => {}
            }
        }
        if opts.max_candles.is_some_and(|n| candles_seen >= n * symbols) {
            tracing::info!(candles = candles_seen, "max candles reached");
            ended = true;
        }
        if last_publish.elapsed() >= Duration::from_millis(100) {
            publish(&pipeline, &latency, false);
            last_publish = Instant::now();
        }
    }
    publish(&pipeline, &latency, ended);
    // Everything the engine saw is queued before the writer is told to finish.
    sink.journal.finish();
    // Tell the UI (if any) that the run is over.
    stop.store(true, Ordering::SeqCst);
    RunSummary {
        candles: candles_seen,
        orders: sink.orders,
        fills: sink.fills,
        closed_trades: pipeline.engine.closed_trades().len(),
        final_equity: pipeline.venue.balance().equity.to_f64(),
        rows_written: 0,
        ..RunSummary::default()
    }
}
