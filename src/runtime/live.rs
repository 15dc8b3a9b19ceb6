//! A run on a Bybit venue, the mock, or paper: a tokio runtime (its own worker threads) runs
//! the public and private streams, the Bybit venue task and the clock sync; their events and
//! notices reach the engine thread over one channel; the engine thread ([`LiveCore`]) feeds the
//! engine, sends order actions to the venue, records to SQLite and publishes snapshots. The
//! main thread runs the TUI, or waits (headless).
//!
//! Start-up order (nothing is traded before the last step): keys and permissions, instrument
//! rules, the private stream, the warm-up candles and the account reconciliation (balance,
//! positions, open orders), then the public stream, resuming after the last warm-up bar.

use super::live_core::{Exec, LiveCore, LiveInput};
use super::live_start::{self, Connected, CATEGORY, SETTLE_COIN};
use super::recorder::StoreSink;
use super::venue::VenueKind;
use super::{engine_config, sim_config, spawn_signal_watcher, RunOptions, RunSummary};
use crate::data::store::{Store, StoreWriter};
use crate::domain::{Command, Event, Interval, Money, Symbol};
use crate::engine::{Engine, Snapshot};
use crate::exchange::bybit::keys::AccessMode;
use crate::exchange::bybit::venue::{BybitVenue, BybitVenueConfig};
use crate::exchange::bybit::wire::Topic;
use crate::exchange::bybit::ws::{PrivateStream, PrivateStreamConfig, PublicStream, PublicStreamConfig, WsConfig};
use crate::exchange::sim::SimExchange;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// The candles the engine trades on a live venue (strategies build longer timeframes locally).
pub const LIVE_INTERVAL: Interval = Interval::M1;

/// Public topics for one symbol: klines, trades, the 50-level book, the ticker, liquidations.
pub fn public_topics(symbols: &[Symbol], interval: Interval) -> Vec<Topic> {
    let mut t = Vec::new();
    for s in symbols {
        t.push(Topic::Kline { interval, symbol: *s });
        t.push(Topic::PublicTrade(*s));
        t.push(Topic::OrderBook { depth: 50, symbol: *s });
        t.push(Topic::Tickers(*s));
        t.push(Topic::AllLiquidation(*s));
    }
    t
}

/// Runs a live venue until the user quits, a signal arrives, or `--max-candles` is reached.
pub fn run(opts: RunOptions) -> anyhow::Result<RunSummary> {
    let venue = opts.venue.clone();
    let symbols: Vec<Symbol> = opts
        .config
        .demo
        .symbols
        .iter()
        .map(|s| Symbol::new(s).map_err(|e| anyhow::anyhow!("bad symbol `{s}`: {e}")))
        .collect::<anyhow::Result<_>>()?;
    if opts.data.is_some() {
        anyhow::bail!("--data replays a file on the demo venue; it cannot be used with --venue {}", venue.kind.name());
    }
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("live-io").enable_all().build()?;
    let (in_tx, in_rx) = mpsc::channel::<LiveInput>();
    let (ev_tx, mut ev_rx) = tokio::sync::mpsc::channel::<Event>(8192);
    let (ws_tx, mut ws_rx) = tokio::sync::mpsc::unbounded_channel();
    let (vn_tx, mut vn_rx) = tokio::sync::mpsc::unbounded_channel();
    {
        // Forwarders into the engine thread's one channel.
        let t = in_tx.clone();
        rt.spawn(async move {
            while let Some(e) = ev_rx.recv().await {
                if t.send(LiveInput::Event(e)).is_err() {
                    break;
                }
            }
        });
        let t = in_tx.clone();
        rt.spawn(async move {
            while let Some(n) = ws_rx.recv().await {
                if t.send(LiveInput::Stream(n)).is_err() {
                    break;
                }
            }
        });
        let t = in_tx;
        rt.spawn(async move {
            while let Some(n) = vn_rx.recv().await {
                if t.send(LiveInput::Venue(n)).is_err() {
                    break;
                }
            }
        });
    }

    // Keys, permissions, rules; then the private stream before the account is read, so no
    // report between the read and the subscription is lost.
    let conn: Connected =
        rt.block_on(live_start::connect(&venue, &symbols, |n| std::env::var(n).ok())).map_err(anyhow::Error::from)?;
    for a in &conn.alerts {
        tracing::warn!(kind = %a.kind, "{}", a.message);
    }
    let private = conn.credentials.clone().map(|creds| {
        let _guard = rt.enter();
        let cfg = PrivateStreamConfig::new(WsConfig::new(conn.env.private_ws_url()), creds, CATEGORY);
        PrivateStream::spawn(cfg, Some(conn.rest.clone()), ev_tx.clone(), Some(ws_tx.clone()))
    });
    let bars = live_start::warmup_bars(&opts.config, LIVE_INTERVAL);
    let (warmup, account) = rt.block_on(async {
        let warmup = live_start::warmup(&conn.rest, &symbols, LIVE_INTERVAL, bars).await?;
        let account = match &conn.credentials {
            Some(_) => {
                let mode = opts.config.strategy.modes.hedge.position_mode;
                if conn.access == crate::exchange::bybit::keys::AccessMode::Trade {
                    let switched = live_start::position_mode(&conn.rest, &symbols, mode).await?;
                    if mode == crate::domain::PositionMode::Hedge {
                        let switched: Vec<&str> = switched.iter().map(|s| s.as_str()).collect();
                        tracing::info!(
                            mode = "hedge",
                            switched = switched.join(",").as_str(),
                            "position mode: every traded symbol runs hedge mode (switched now: the listed ones)"
                        );
                    }
                }
                live_start::account(&conn.rest, &symbols).await?
            }
            None => Vec::new(),
        };
        Ok::<_, live_start::StartError>((warmup, account))
    })?;
    tracing::info!(venue = venue.kind.name(), candles = warmup.len(), account_events = account.len(), "start-up read");

    let exec = if venue.kind.sends_orders() {
        let _guard = rt.enter();
        let cfg = BybitVenueConfig { category: CATEGORY, settle_coin: SETTLE_COIN.into(), mode: conn.access };
        Exec::Bybit(BybitVenue::spawn(conn.rest.clone(), conn.rules.clone(), cfg, ev_tx.clone(), Some(vn_tx)))
    } else {
        let balance = Money::from_f64(opts.config.demo.initial_balance).unwrap_or(Money::from_int(10_000));
        Exec::Paper(Box::new(SimExchange::new(sim_config(&opts.config), &conn.instruments, balance)))
    };
    let mut opening: Vec<Event> = conn.instruments.iter().map(|i| Event::Instrument(*i)).collect();
    if let Exec::Paper(sim) = &exec {
        opening.push(Event::Balance(sim.balance()));
    }

    let resume: Vec<(Symbol, Interval, i64)> = symbols
        .iter()
        .filter_map(|s| warmup.iter().rev().find(|c| c.symbol == *s).map(|c| (*s, LIVE_INTERVAL, c.ts_ms)))
        .collect();
    let public = {
        let _guard = rt.enter();
        let cfg = PublicStreamConfig {
            ws: WsConfig::new(conn.env.public_ws_url(CATEGORY)),
            category: CATEGORY,
            topics: public_topics(&symbols, LIVE_INTERVAL),
            emit_partial_candles: false,
        };
        PublicStream::spawn_resuming(cfg, Some(conn.rest.clone()), ev_tx.clone(), Some(ws_tx.clone()), &resume)
    };
    drop(ev_tx);
    drop(ws_tx);
    // Keep the clock offset fresh (signatures, backfill windows).
    let clock = conn.rest.clone();
    rt.spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(30)).await;
            if let Err(e) = clock.sync_time().await {
                tracing::warn!(error = %e, "server time sync failed");
            }
        }
    });

    let store = Store::open(&opts.db_path)?;
    let session =
        store.new_session(venue.kind.name(), None, &serde_json::to_string(&opts.config).unwrap_or_default())?;
    let mut ecfg = engine_config(&opts.config, LIVE_INTERVAL);
    ecfg.venue = venue.kind.name().to_string();
    ecfg.live = venue.real_money() && conn.access == AccessMode::Trade;
    // The session journal replays through an engine built from exactly these settings.
    super::journal::record_engine_config(&store, session, &ecfg)?;
    let writer = StoreWriter::spawn(store, session);
    let sink = StoreSink::new(writer.sender());
    let expected_streams = 1 + usize::from(private.is_some());
    let mut core = LiveCore::new(
        Engine::new(ecfg),
        exec,
        sink,
        symbols.clone(),
        LIVE_INTERVAL,
        conn.watch_only.clone(),
        expected_streams,
    );
    for a in conn.alerts {
        core.push_alert(a);
    }
    for e in &opening {
        core.process(e);
    }
    core.warm_up(&warmup);
    for e in &account {
        core.process(e);
    }

    let stop = Arc::new(AtomicBool::new(false));
    spawn_signal_watcher(stop.clone());
    let (snap_tx, snap_rx) = tokio::sync::watch::channel(Arc::new(core.snapshot()));
    let (cmd_tx, cmd_rx) = mpsc::channel::<Command>();
    let engine_stop = stop.clone();
    let max_candles = opts.max_candles;
    let server_clock = conn.rest.clone();
    let engine_thread = std::thread::Builder::new().name("engine".into()).spawn(move || {
        drive(core, in_rx, cmd_rx, snap_tx, engine_stop, max_candles, move || server_clock.server_now_ms())
    })?;
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
    let summary = engine_thread.join();
    public.abort();
    if let Some(p) = &private {
        p.abort();
    }
    rt.shutdown_timeout(Duration::from_secs(2));
    let mut summary = summary.map_err(|_| anyhow::anyhow!("the engine thread panicked; see the log"))?;
    let stats = writer.finish()?;
    summary.rows_written = stats.total_rows();
    if let Some(Err(e)) = ui_result {
        return Err(anyhow::anyhow!("terminal UI failed: {e}"));
    }
    Ok(summary)
}

/// What the status line shows of the live loop: how long each input takes through the engine,
/// and how far market data lags the exchange's clock.
#[derive(Default)]
struct LiveStats {
    latency: super::LatencyWindow,
    /// Exponentially smoothed `server now − event timestamp` of market data, in ms.
    lag_ms: Option<f64>,
}

impl LiveStats {
    fn feed(&mut self, core: &mut LiveCore, input: LiveInput, server_now: &impl Fn() -> i64) {
        if let LiveInput::Event(e @ (Event::Trade(_) | Event::Book(_) | Event::Ticker(_) | Event::Liquidation(_))) =
            &input
        {
            if let Some(ts) = e.ts_ms() {
                let lag = (server_now() - ts).max(0) as f64;
                self.lag_ms = Some(self.lag_ms.map_or(lag, |l| l + 0.1 * (lag - l)));
            }
        }
        let started = Instant::now();
        core.on_input(input);
        self.latency.push(started.elapsed());
    }

    fn snapshot(&self, core: &LiveCore) -> Snapshot {
        let mut snap = core.snapshot();
        let (p50, p99) = self.latency.percentiles();
        snap.stats.event_latency_p50_us = p50;
        snap.stats.event_latency_p99_us = p99;
        snap.stats.stream_lag_ms = self.lag_ms.unwrap_or(0.0);
        snap
    }
}

/// The engine thread: inputs, commands, the 1-second timer and snapshots until stopped.
fn drive(
    mut core: LiveCore,
    inputs: mpsc::Receiver<LiveInput>,
    commands: mpsc::Receiver<Command>,
    snapshots: tokio::sync::watch::Sender<Arc<Snapshot>>,
    stop: Arc<AtomicBool>,
    max_candles: Option<u64>,
    server_now: impl Fn() -> i64,
) -> RunSummary {
    let mut last_tick = Instant::now();
    let mut last_publish = Instant::now();
    let mut stats = LiveStats::default();
    while !stop.load(Ordering::SeqCst) {
        while let Ok(cmd) = commands.try_recv() {
            tracing::info!(?cmd, "operator command");
            core.command(cmd);
        }
        // Whether the queue is empty now (the engine would wait).
        let mut idle = true;
        match inputs.recv_timeout(Duration::from_millis(50)) {
            Ok(first) => {
                stats.feed(&mut core, first, &server_now);
                // Drain what is queued, but come up for air (timer, commands, stop).
                idle = false;
                for _ in 0..4096 {
                    match inputs.try_recv() {
                        Ok(i) => stats.feed(&mut core, i, &server_now),
                        Err(_) => {
                            idle = true;
                            break;
                        }
                    }
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                core.alert(crate::domain::AlertLevel::Critical, "disconnect", "every stream has ended".into());
                break;
            }
        }
        if idle {
            core.idle(server_now());
        }
        if last_tick.elapsed() >= Duration::from_secs(1) {
            core.tick(server_now());
            last_tick = Instant::now();
        }
        if max_candles.is_some_and(|n| core.min_live_candles() >= n) {
            tracing::info!(candles = core.total_live_candles(), "max candles reached");
            break;
        }
        if last_publish.elapsed() >= Duration::from_millis(100) {
            snapshots.send_replace(Arc::new(stats.snapshot(&core)));
            last_publish = Instant::now();
        }
    }
    let mut last = stats.snapshot(&core);
    last.connection = crate::engine::ConnectionState::Ended;
    snapshots.send_replace(Arc::new(last));
    stop.store(true, Ordering::SeqCst);
    // Everything the engine saw is queued for the journal before the writer drains.
    core.sink.journal.finish();
    if core.candle_gaps > 0 {
        tracing::warn!(gaps = core.candle_gaps, "the engine saw holes in the candle series");
    }
    tracing::info!(rehearsals = core.rehearsals(), "pre-close rehearsals run while idle");
    RunSummary {
        candles: core.total_live_candles(),
        orders: core.sink.orders,
        fills: core.sink.fills,
        closed_trades: core.engine.closed_trades().len(),
        final_equity: core.equity(),
        rows_written: 0,
        candle_gaps: core.candle_gaps,
        duplicate_candles: core.duplicate_candles,
    }
}

/// Whether the run uses a live venue (anything but `demo`).
pub fn is_live(opts: &RunOptions) -> bool {
    opts.venue.kind != VenueKind::Demo
}
