//! The data of a backtest, loaded once and shared by every run: the market events in memory, the
//! instruments, the window (`--from`/`--to`) and the in-sample/out-of-sample split (`--split`).
//! Each run gets a fresh pipeline (engine + simulated venue) built from a config, so runs are
//! independent and can go in parallel over the same events.
//!
//! A run that does not start at the first candle of the data (the out-of-sample part, a
//! `--from` window) starts warm: its engine first sees the candles just before it
//! ([`WARMUP_STRATEGY_BARS`] strategy bars' worth) with every order it places refused locally,
//! as a live start warms up on REST history; the venue sees none of them and the metrics start
//! with the run's own first candle.

use super::runner::{run_events, BacktestOutcome};
use crate::config::Config;
use crate::domain::{
    days_from_civil, Action, Event, Instrument, Interval, Money, OrderStatus, OrderUpdate, Qty, RejectReason,
};
use crate::engine::Engine;
use crate::exchange::sim::SimExchange;
use crate::runtime::pipeline::{NoSink, Pipeline};
use crate::runtime::source::MarketSource;
use crate::runtime::{build, engine_config, sim_config, RunOptions};
use thiserror::Error;

/// A bad window, split or date given on the command line.
#[derive(Debug, Error, PartialEq)]
pub enum DataError {
    #[error("bad date `{0}`: use YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] (UTC) or epoch milliseconds")]
    BadDate(String),
    #[error("--split must be strictly between 0 and 1, got {0}")]
    BadSplit(f64),
    #[error("the window {from} .. {to} holds no candle of the data")]
    EmptyWindow { from: String, to: String },
    #[error("--split {fraction} leaves no candle in the {part} part ({candles} candles in all)")]
    EmptyPart { fraction: f64, part: &'static str, candles: usize },
}

/// Market events in memory plus what a pipeline needs to replay them.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub events: Vec<Event>,
    pub instruments: Vec<Instrument>,
    /// Interval of the source candles.
    pub interval: Interval,
}

/// Loads the data (CSV or generator, `--max-candles` per symbol) into memory.
pub fn prepare(opts: &RunOptions) -> anyhow::Result<Prepared> {
    let (mut source, _, opening) = build(opts)?;
    if matches!(source, MarketSource::Generator(_)) && opts.max_candles.is_none() {
        anyhow::bail!("a backtest on the generated market needs --max-candles N (or --data FILE)");
    }
    let instruments: Vec<Instrument> = opening
        .iter()
        .filter_map(|e| match e {
            Event::Instrument(i) => Some(*i),
            _ => None,
        })
        .collect();
    let symbols = instruments.len().max(1) as u64;
    let limit = opts.max_candles.map(|n| n * symbols).unwrap_or(u64::MAX);
    let mut events = Vec::new();
    let mut batch = Vec::new();
    let mut candles = 0u64;
    while candles < limit {
        batch.clear();
        if !source.next_batch(&mut batch) {
            break;
        }
        candles += batch.iter().filter(|e| matches!(e, Event::Candle(c) if c.closed)).count() as u64;
        events.append(&mut batch);
    }
    Ok(Prepared { events, instruments, interval: source.interval() })
}

/// A fresh pipeline for `config` over the prepared instruments, with the opening balance, as
/// `autobot backtest` runs it (no candle history kept for a UI).
pub fn new_pipeline(config: &Config, data: &Prepared) -> Pipeline {
    let balance = Money::from_f64(config.demo.initial_balance).unwrap_or(Money::from_int(10_000));
    let venue = SimExchange::new(sim_config(config), &data.instruments, balance);
    let mut engine = Engine::new(engine_config(config, data.interval));
    engine.set_history_len(0);
    let mut p = Pipeline::new(engine, venue);
    for i in &data.instruments {
        p.inform(&Event::Instrument(*i), &mut NoSink);
    }
    let b = p.venue.balance();
    p.inform(&Event::Balance(b), &mut NoSink);
    p
}

/// One independent backtest of `config` over `events` (a part of `data.events`), from cold.
pub fn run_slice(config: &Config, data: &Prepared, events: &[Event]) -> BacktestOutcome {
    run_part(config, data, Slice::cold(events))
}

/// Strategy bars of history a run that starts inside the data warms up on.
pub const WARMUP_STRATEGY_BARS: usize = 500;

/// A stretch of the events to trade on, and the events just before it to warm up on.
#[derive(Debug, Clone, Copy)]
pub struct Slice<'a> {
    pub warm: &'a [Event],
    pub events: &'a [Event],
}

impl<'a> Slice<'a> {
    /// Nothing to warm up on.
    pub fn cold(events: &'a [Event]) -> Self {
        Self { warm: &[], events }
    }

    /// `all[range]`, warmed on up to `warm_candles` closed candles (of the first symbol of `all`)
    /// before it, cut at a candle time so every symbol's candles of one time stay together.
    pub fn within(all: &'a [Event], range: std::ops::Range<usize>, warm_candles: usize) -> Self {
        let before = &all[..range.start];
        let first = first_symbol(all);
        let mut seen = 0;
        let mut cut_ts = None;
        for e in before.iter().rev() {
            if let Event::Candle(c) = e {
                if c.closed && Some(c.symbol) == first {
                    if seen == warm_candles {
                        break;
                    }
                    seen += 1;
                    cut_ts = Some(c.ts_ms);
                }
            }
        }
        let start = match cut_ts {
            Some(t) => before.iter().position(|e| candle_ts(e).is_some_and(|c| c >= t)).unwrap_or(before.len()),
            None => before.len(),
        };
        Self { warm: &before[start..], events: &all[range] }
    }
}

fn first_symbol(events: &[Event]) -> Option<crate::domain::Symbol> {
    events.iter().find_map(|e| match e {
        Event::Candle(c) => Some(c.symbol),
        _ => None,
    })
}

/// Source candles in [`WARMUP_STRATEGY_BARS`] bars of the strategy's timeframe (at least that
/// many source candles when the source bars are the longer ones).
pub fn warmup_candles(config: &Config, interval: Interval) -> usize {
    let bar = config.strategy.trend.timeframe.duration_ms().unwrap_or(60_000);
    let source = interval.duration_ms().unwrap_or(60_000).max(1);
    WARMUP_STRATEGY_BARS * (bar / source).max(1) as usize
}

/// One independent backtest of `config` over `part.events`, after warming up on `part.warm`.
pub fn run_part(config: &Config, data: &Prepared, part: Slice<'_>) -> BacktestOutcome {
    let mut p = new_pipeline(config, data);
    let warm = warm_up(&mut p, part.warm);
    let mut out = run_events(&mut p, part.events);
    out.orders = out.orders.saturating_sub(warm.refused);
    if let Some(mut initial) = warm.switches {
        initial.append(&mut out.switches);
        out.switches = initial;
    }
    out
}

/// What warming up left behind.
#[derive(Debug, Default)]
pub struct Warmed {
    /// Orders the engine placed and had refused.
    pub refused: u64,
    /// Per symbol, the last mode switch of the warm-up (the mode in force when the run starts).
    pub switches: Option<Vec<crate::domain::ModeSwitch>>,
}

/// Feeds `warm` to the engine alone, answering every order it places `Rejected` at once (as a
/// live start does with its REST history): indicators, candle aggregators and the regime
/// switcher warm up, nothing trades, and the venue sees nothing (its first event is the run's).
pub fn warm_up(p: &mut Pipeline, warm: &[Event]) -> Warmed {
    let mut out = Warmed::default();
    if warm.is_empty() {
        return out;
    }
    let mut actions = Vec::new();
    let mut answers = Vec::new();
    let mut last_switch: Vec<crate::domain::ModeSwitch> = Vec::new();
    for e in warm {
        p.engine.on_event_into(e, &mut actions);
        // Refusals can lead to more orders (a strategy retrying): answer until quiet.
        for _ in 0..16 {
            if actions.is_empty() {
                break;
            }
            let ts = p.engine.now_ms();
            for a in actions.drain(..) {
                match a {
                    Action::PlaceOrder(r) => {
                        out.refused += 1;
                        answers.push(Event::Order(OrderUpdate {
                            client_order_id: r.client_order_id,
                            order_id: None,
                            symbol: r.symbol,
                            status: OrderStatus::Rejected,
                            qty: r.qty,
                            price: r.price,
                            trigger_price: r.trigger_price,
                            filled_qty: Qty::ZERO,
                            ts_ms: ts,
                            reason: Some(RejectReason::Other),
                        }));
                    }
                    Action::RecordModeSwitch(m) => match last_switch.iter_mut().find(|s| s.symbol == m.symbol) {
                        Some(s) => *s = m,
                        None => last_switch.push(m),
                    },
                    _ => {}
                }
            }
            for ev in answers.drain(..) {
                p.engine.on_event_into(&ev, &mut actions);
            }
        }
        actions.clear();
    }
    if !last_switch.is_empty() {
        out.switches = Some(last_switch);
    }
    out
}

fn candle_ts(e: &Event) -> Option<i64> {
    match e {
        Event::Candle(c) if c.closed => Some(c.ts_ms),
        _ => None,
    }
}

/// The events whose candles open in `[from, to)` (either end open when `None`); events between
/// candles go with the candle after them.
pub fn window(events: &[Event], from: Option<i64>, to: Option<i64>) -> &[Event] {
    &events[window_range(events, from, to)]
}

/// [`window`] as a range of indices into `events`.
pub fn window_range(events: &[Event], from: Option<i64>, to: Option<i64>) -> std::ops::Range<usize> {
    let start =
        from.map_or(0, |f| events.iter().position(|e| candle_ts(e).is_some_and(|t| t >= f)).unwrap_or(events.len()));
    let end = to.map_or(events.len(), |t| {
        events.iter().position(|e| candle_ts(e).is_some_and(|c| c >= t)).unwrap_or(events.len())
    });
    start..end.max(start)
}

/// Splits at the first `fraction` of the first symbol's closed candles: (in-sample, out-of-sample),
/// disjoint and together the whole slice. The cut is a timestamp, so the candles of several
/// symbols at one time stay on the same side.
pub fn split(events: &[Event], fraction: f64) -> Result<(&[Event], &[Event]), DataError> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(DataError::BadSplit(fraction));
    }
    let first = events.iter().find_map(|e| match e {
        Event::Candle(c) => Some(c.symbol),
        _ => None,
    });
    let times: Vec<i64> = events
        .iter()
        .filter_map(|e| match e {
            Event::Candle(c) if c.closed && Some(c.symbol) == first => Some(c.ts_ms),
            _ => None,
        })
        .collect();
    let n = times.len();
    let k = (n as f64 * fraction).floor() as usize;
    if k == 0 {
        return Err(DataError::EmptyPart { fraction, part: "in-sample", candles: n });
    }
    if k >= n {
        return Err(DataError::EmptyPart { fraction, part: "out-of-sample", candles: n });
    }
    let cut_ts = times[k];
    let cut = events.iter().position(|e| candle_ts(e).is_some_and(|t| t >= cut_ts)).unwrap_or(events.len());
    Ok(events.split_at(cut))
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS]` (or with a space; UTC, an optional trailing `Z`)
/// or a plain epoch-milliseconds number.
pub fn parse_date(s: &str) -> Result<i64, DataError> {
    let bad = || DataError::BadDate(s.to_string());
    let t = s.trim().trim_end_matches('Z');
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) && t.len() > 8 {
        return t.parse::<i64>().map_err(|_| bad());
    }
    let (date, time) = match t.split_once(['T', ' ']) {
        Some((d, tm)) => (d, Some(tm)),
        None => (t, None),
    };
    let mut parts = date.split('-');
    let (Some(y), Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let num = |x: &str, lo: i64, hi: i64| -> Result<i64, DataError> {
        if x.is_empty() || !x.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        x.parse::<i64>().ok().filter(|v| (lo..=hi).contains(v)).ok_or_else(bad)
    };
    let (y, m, d) = (num(y, 1970, 9999)?, num(m, 1, 12)?, num(d, 1, 31)?);
    let days = days_from_civil(y, m as u32, d as u32);
    // Reject 2023-02-30 and the like: the day must round-trip.
    if crate::domain::civil_from_days(days) != (y, m as u32, d as u32) {
        return Err(bad());
    }
    let mut ms = days * 86_400_000;
    if let Some(tm) = time {
        let mut hms = tm.split(':');
        let h = num(hms.next().unwrap_or(""), 0, 23)?;
        let mi = num(hms.next().ok_or_else(bad)?, 0, 59)?;
        let sec = match hms.next() {
            Some(x) => num(x, 0, 59)?,
            None => 0,
        };
        if hms.next().is_some() {
            return Err(bad());
        }
        ms += (h * 3600 + mi * 60 + sec) * 1000;
    }
    Ok(ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Candle, Price, Symbol};

    fn candle(sym: &str, ts_ms: i64) -> Event {
        let p = Price::from_int(100);
        Event::Candle(Candle {
            symbol: Symbol::new(sym).unwrap(),
            interval: Interval::M1,
            ts_ms,
            open: p,
            high: p,
            low: p,
            close: p,
            volume: 1.0,
            turnover: 100.0,
            closed: true,
        })
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("2024-01-01"), Ok(1_704_067_200_000));
        assert_eq!(parse_date("2024-01-01T01:02:03Z"), Ok(1_704_067_200_000 + 3_723_000));
        assert_eq!(parse_date("2024-01-01 01:02"), Ok(1_704_067_200_000 + 3_720_000));
        assert_eq!(parse_date("1704067200000"), Ok(1_704_067_200_000));
        for bad in ["2023-02-30", "2024-13-01", "2024-1", "yesterday", "2024-01-01T25:00", "", "2024-01-01T01"] {
            assert_eq!(parse_date(bad), Err(DataError::BadDate(bad.into())), "{bad}");
        }
    }

    #[test]
    fn window_is_half_open() {
        let ev: Vec<Event> = (0..10).map(|i| candle("BTCUSDT", i * 60_000)).collect();
        let w = window(&ev, Some(120_000), Some(300_000));
        assert_eq!(w.len(), 3); // opens at 2, 3, 4 minutes
        assert_eq!(candle_ts(&w[0]), Some(120_000));
        assert_eq!(window(&ev, None, None).len(), 10);
        assert!(window(&ev, Some(10 * 60_000), None).is_empty());
        assert!(window(&ev, Some(300_000), Some(120_000)).is_empty());
    }

    #[test]
    fn split_is_disjoint_and_keeps_times_together() {
        // Two symbols at each minute; 10 minutes; 0.7 → 7 minutes in-sample.
        let ev: Vec<Event> =
            (0..10).flat_map(|i| [candle("BTCUSDT", i * 60_000), candle("ETHUSDT", i * 60_000)]).collect();
        let (a, b) = split(&ev, 0.7).unwrap();
        assert_eq!((a.len(), b.len()), (14, 6));
        let last_in = a.iter().filter_map(candle_ts).max().unwrap();
        let first_out = b.iter().filter_map(candle_ts).min().unwrap();
        assert_eq!((last_in, first_out), (6 * 60_000, 7 * 60_000));
        assert_eq!(split(&ev, 1.0), Err(DataError::BadSplit(1.0)));
        assert_eq!(split(&ev, 0.05), Err(DataError::EmptyPart { fraction: 0.05, part: "in-sample", candles: 10 }));
    }

    #[test]
    fn a_part_warms_up_on_whole_candle_times_just_before_it() {
        // Two symbols at each minute; the part starts at minute 7 (index 14).
        let ev: Vec<Event> =
            (0..10).flat_map(|i| [candle("BTCUSDT", i * 60_000), candle("ETHUSDT", i * 60_000)]).collect();
        let s = Slice::within(&ev, 14..20, 3);
        assert_eq!(s.events.len(), 6);
        // Minutes 4, 5 and 6 of both symbols: indices 8..14.
        assert_eq!(s.warm.len(), 6);
        assert_eq!(candle_ts(&s.warm[0]), Some(4 * 60_000));
        assert!(std::ptr::eq(&s.warm[5], &ev[13]));
        // More than there is: all of it; at the start: nothing.
        assert_eq!(Slice::within(&ev, 14..20, 100).warm.len(), 14);
        assert!(Slice::within(&ev, 0..20, 100).warm.is_empty());
        assert!(Slice::within(&ev, 14..20, 0).warm.is_empty());
    }

    #[test]
    fn warm_up_length_is_in_strategy_bars() {
        let c = Config::default();
        // 500 bars of the default 15-minute strategy timeframe.
        assert_eq!(warmup_candles(&c, Interval::M1), 7_500);
        assert_eq!(warmup_candles(&c, Interval::M5), 1_500);
        assert_eq!(warmup_candles(&c, Interval::H1), 500);
        assert_eq!(warmup_candles(&c, Interval::H4), 500);
    }
}
