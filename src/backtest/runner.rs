//! Backtest runner: the same pipeline as a live run, fed from memory in a plain loop. The loop
//! hands the engine's actions to a [`Sink`]; `run_events` uses [`SwitchLog`], which keeps the
//! mode switches for the timeline and ignores everything else.

use super::timeline::SwitchLog;
use crate::domain::{ClosedTrade, EquityPoint, Event, ModeSwitch, Money};
use crate::runtime::pipeline::{NoSink, Pipeline, Sink};
use crate::runtime::RunOptions;

/// What a backtest produced.
#[derive(Debug, Clone)]
pub struct BacktestOutcome {
    pub equity: Vec<EquityPoint>,
    pub trades: Vec<ClosedTrade>,
    pub fees: Money,
    pub funding: Money,
    pub candles: u64,
    pub orders: u64,
    pub fills: u64,
    /// Time with an open position (ms), summed over symbols.
    pub exposure_ms: i64,
    /// Length of one bar (ms).
    pub bar_ms: i64,
    /// First close to last close of the first symbol, for comparison.
    pub buy_and_hold_return: f64,
    /// Per-mode statistics at the end.
    pub modes: Vec<crate::engine::ModeView>,
    /// Every mode switch the engine made, in order (empty for a sink that keeps none).
    pub switches: Vec<ModeSwitch>,
}

/// Loads the data (CSV or generator), then runs it through a pipeline built from the options.
pub fn run(opts: &RunOptions) -> anyhow::Result<BacktestOutcome> {
    let data = super::data::prepare(opts)?;
    Ok(super::data::run_slice(&opts.config, &data, &data.events))
}

/// [`run_events_with`] keeping the mode-switch timeline.
pub fn run_events(pipeline: &mut Pipeline, events: &[Event]) -> BacktestOutcome {
    let mut log = SwitchLog::default();
    let mut out = run_events_with(pipeline, events, &mut log);
    out.switches = log.switches;
    out
}

/// [`run_events_with`] recording nothing (`switches` stays empty).
pub fn run_events_plain(pipeline: &mut Pipeline, events: &[Event]) -> BacktestOutcome {
    run_events_with(pipeline, events, &mut NoSink)
}

/// The hot loop: no channels, no sleeps, no allocation per event beyond the equity curve; the
/// engine's actions and the venue's reports also go to `sink`.
pub fn run_events_with<S: Sink>(pipeline: &mut Pipeline, events: &[Event], sink: &mut S) -> BacktestOutcome {
    // One point per closed candle of the first symbol at most: reserved once (pages that a
    // multi-symbol run leaves unused are never touched), so the curve is never copied to grow.
    let mut equity = Vec::with_capacity(events.len() + 1);
    let first = events.iter().find_map(|e| match e {
        Event::Candle(c) => Some(c.symbol),
        _ => None,
    });
    let mut bar_ms = 60_000;
    let mut candles = 0u64;
    let mut exposure_ms = 0i64;
    let start_balance = pipeline.venue.balance();
    if let Some(Event::Candle(c)) = events.iter().find(|e| matches!(e, Event::Candle(_))) {
        equity.push(EquityPoint {
            ts_ms: c.ts_ms,
            equity: start_balance.equity,
            wallet_balance: start_balance.wallet_balance,
            unrealised_pnl: Money::ZERO,
        });
    }
    for event in events {
        pipeline.feed(event, sink);
        if let Event::Candle(c) = event {
            if !c.closed {
                continue;
            }
            candles += 1;
            let d = c.interval.duration_ms().unwrap_or(60_000);
            bar_ms = d;
            if !pipeline.engine.position(c.symbol).is_zero() {
                exposure_ms += d;
            }
            if Some(c.symbol) == first {
                // The engine's equity: the venue's wallet plus unrealised PnL at the last close.
                let (wallet, equity_now) = (pipeline.engine.wallet_balance(), pipeline.engine.equity());
                equity.push(EquityPoint {
                    ts_ms: c.close_ms(),
                    equity: equity_now,
                    wallet_balance: wallet,
                    unrealised_pnl: equity_now - wallet,
                });
            }
        }
    }
    let snapshot = pipeline.engine.snapshot();
    let closes: Vec<f64> = events
        .iter()
        .filter_map(|e| match e {
            Event::Candle(c) if c.closed && Some(c.symbol) == first => Some(c.close.to_f64()),
            _ => None,
        })
        .take(1)
        .chain(events.iter().rev().find_map(|e| match e {
            Event::Candle(c) if c.closed && Some(c.symbol) == first => Some(c.close.to_f64()),
            _ => None,
        }))
        .collect();
    let buy_and_hold_return = match closes.as_slice() {
        [a, b] if *a > 0.0 => b / a - 1.0,
        _ => 0.0,
    };
    BacktestOutcome {
        equity,
        trades: pipeline.engine.closed_trades().to_vec(),
        fees: pipeline.venue.fees_paid(),
        funding: pipeline.venue.funding_paid(),
        candles,
        orders: snapshot.stats.orders_placed,
        fills: snapshot.stats.fills,
        exposure_ms,
        bar_ms,
        buy_and_hold_return,
        modes: snapshot.strategy.modes,
        switches: Vec::new(),
    }
}
