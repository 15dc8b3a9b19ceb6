//! The market driver: pulls minutes from the generator (or candles from a CSV replay), releases
//! each event when the market clock reaches its time, applies it to the public state and the
//! simulator, and turns it into public stream frames. Also pushes the open klines once a second.

use super::faults::Faults;
use super::public::{self, bar_end, merge};
use super::state::{wall_ms, BookView, Inner, MarketState, PublicMsg, Shared, CANDLES_KEPT, TRADES_KEPT};
use super::MockConfig;
use crate::data::csv::{infer_interval, read_candles, symbol_from_file_name};
use crate::data::generator::{demo_instruments, GeneratorConfig, MarketGenerator};
use crate::domain::{BookUpdate, BookUpdateKind, Candle, Event, Instrument, Interval, Level, Qty, Side, Symbol, Trade};
use crate::runtime::source::instrument_for_series;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

const MINUTE_MS: i64 = 60_000;

enum Source {
    Generator(Box<MarketGenerator>),
    Replay { candles: Vec<Candle>, next: usize, inst: Instrument, trade_id: u64 },
}

/// Market events waiting for their time.
pub(crate) struct Feed {
    source: Source,
    /// `(release time, event)` in release order.
    queue: VecDeque<(i64, Event)>,
}

impl Feed {
    pub fn new(config: &MockConfig) -> anyhow::Result<(Feed, Vec<Instrument>)> {
        if let Some(path) = &config.data {
            let fallback = config.symbols.first().copied().map_or_else(|| Symbol::new("BTCUSDT"), Ok)?;
            let symbol = symbol_from_file_name(path).unwrap_or(fallback);
            let candles = read_candles(path, symbol, Interval::M1)?;
            let interval = infer_interval(&candles).unwrap_or(Interval::M1);
            let candles: Vec<Candle> = candles.into_iter().map(|c| Candle { interval, ..c }).collect();
            if candles.is_empty() {
                anyhow::bail!("{}: no candles to replay", path.display());
            }
            let inst = instrument_for_series(symbol, &candles);
            let feed = Feed { source: Source::Replay { candles, next: 0, inst, trade_id: 0 }, queue: VecDeque::new() };
            return Ok((feed, vec![inst]));
        }
        let defaults = GeneratorConfig::default();
        let known = demo_instruments();
        let mut chosen = Vec::new();
        for (i, s) in config.symbols.iter().enumerate() {
            let start =
                defaults.symbols.iter().find(|(d, _)| d == s).map(|(_, p)| *p).unwrap_or(100.0 * (i as f64 + 1.0));
            chosen.push((*s, start));
        }
        let now_minute = wall_ms().div_euclid(MINUTE_MS) * MINUTE_MS;
        let start_ms = now_minute - config.history_minutes as i64 * MINUTE_MS;
        let gen = MarketGenerator::new(GeneratorConfig { seed: config.seed, symbols: chosen, start_ms, ..defaults });
        let instruments: Vec<Instrument> = gen
            .instruments()
            .into_iter()
            .map(|i| known.iter().find(|k| k.symbol == i.symbol).copied().unwrap_or(i))
            .collect();
        Ok((Feed { source: Source::Generator(Box::new(gen)), queue: VecDeque::new() }, instruments))
    }

    /// Generates `minutes` of history straight into the state (nothing is broadcast) and returns
    /// the market time the live clock starts at.
    pub fn warm_up(&mut self, inner: &mut Inner, minutes: usize) -> i64 {
        for _ in 0..minutes {
            if !self.refill() {
                break;
            }
            while let Some((_, e)) = self.queue.pop_front() {
                let _ = apply_public(inner, &e, None);
                let mut sink = Vec::new();
                inner.sim.on_market(&e, &mut sink);
            }
        }
        match &self.source {
            // The live minute starts now on the wall clock: market time = wall time at speed 1.
            Source::Generator(g) => wall_ms().max(g.next_minute_ts()),
            Source::Replay { candles, next, .. } => candles.get(*next).map(|c| c.ts_ms).unwrap_or(0),
        }
    }

    /// Queues the next minute (or candle); false when a replay is over.
    fn refill(&mut self) -> bool {
        let mut out = Vec::new();
        match &mut self.source {
            Source::Generator(g) => {
                g.next_minute(&mut out);
            }
            Source::Replay { candles, next, inst, trade_id } => {
                let Some(c) = candles.get(*next).copied() else { return false };
                *next += 1;
                synth_from_candle(inst, &c, trade_id, &mut out);
            }
        }
        for e in out {
            let at = match &e {
                Event::Candle(c) => bar_end(c.interval, c.ts_ms) - 1,
                other => other.ts_ms().unwrap_or(0),
            };
            self.queue.push_back((at, e));
        }
        true
    }

    /// Events due by market time `now`, refilling as needed.
    fn take_due(&mut self, now: i64, out: &mut Vec<Event>) {
        loop {
            if self.queue.is_empty() && !self.refill() {
                return;
            }
            while let Some((at, _)) = self.queue.front() {
                if *at > now {
                    return;
                }
                if let Some((_, e)) = self.queue.pop_front() {
                    out.push(e);
                }
            }
        }
    }

    fn next_due(&self) -> Option<i64> {
        self.queue.front().map(|(at, _)| *at)
    }
}

/// Trades at open, high/low and close, and a book around the close, for a replayed candle.
fn synth_from_candle(inst: &Instrument, c: &Candle, trade_id: &mut u64, out: &mut Vec<Event>) {
    let span = (bar_end(c.interval, c.ts_ms) - c.ts_ms).max(4);
    let up = c.close >= c.open;
    let path = if up { [c.open, c.low, c.high, c.close] } else { [c.open, c.high, c.low, c.close] };
    let step = inst.qty_step;
    let each = Qty::from_f64(c.volume / 4.0).map(|q| inst.round_qty(q)).filter(|q| q.is_positive()).unwrap_or(step);
    let mut prev = c.open;
    for (k, p) in path.iter().enumerate() {
        *trade_id += 1;
        let side = if *p >= prev { Side::Buy } else { Side::Sell };
        prev = *p;
        out.push(Event::Trade(Trade {
            symbol: c.symbol,
            ts_ms: c.ts_ms + span * k as i64 / 4,
            price: *p,
            qty: each,
            taker_side: side,
            trade_id: *trade_id,
        }));
    }
    let tick = inst.tick_size;
    let depth = step.times(10);
    let bids = (0..25).map(|i| Level { price: c.close - tick.times(i + 1), qty: depth }).collect();
    let asks = (0..25).map(|i| Level { price: c.close + tick.times(i), qty: depth }).collect();
    out.push(Event::Book(BookUpdate {
        symbol: c.symbol,
        ts_ms: c.ts_ms + span - 2,
        kind: BookUpdateKind::Snapshot,
        update_id: *trade_id,
        seq: *trade_id,
        bids,
        asks,
    }));
    out.push(Event::Candle(Candle { closed: true, ..*c }));
}

/// Applies one market event to the public state; returns the frames to publish.
pub(crate) fn apply_public(inner: &mut Inner, e: &Event, faults: Option<&Faults>) -> Vec<PublicMsg> {
    let mut msgs = Vec::new();
    let now = e.ts_ms().unwrap_or(inner.now_ms);
    inner.now_ms = inner.now_ms.max(now);
    let symbol = match e {
        Event::Book(b) => b.symbol,
        Event::Trade(t) => t.symbol,
        Event::Ticker(t) => t.symbol,
        Event::Liquidation(l) => l.symbol,
        Event::Candle(c) => c.symbol,
        _ => return msgs,
    };
    let Some(ms) = inner.market_mut(symbol) else { return msgs };
    match e {
        Event::Book(b) => on_book(ms, b, faults, &mut msgs),
        Event::Trade(t) => on_trade(ms, t, &mut msgs),
        Event::Ticker(t) => {
            if let Some(prev) = &ms.ticker {
                if prev.next_funding_ms != t.next_funding_ms && prev.next_funding_ms <= t.ts_ms {
                    ms.funding.push((prev.next_funding_ms, prev.funding_rate));
                }
            }
            ms.open_interest.push_back((t.ts_ms, t.open_interest));
            if ms.open_interest.len() > CANDLES_KEPT {
                ms.open_interest.pop_front();
            }
            ms.ticker = Some(*t);
            let fields = public::ticker_fields(ms, t);
            let topic = format!("tickers.{}", symbol);
            let (kind, data) = match &ms.ticker_sent {
                None => ("snapshot", fields.clone()),
                Some(old) => {
                    let mut d = serde_json::Map::new();
                    for (k, v) in &fields {
                        if k == "symbol" || old.get(k) != Some(v) {
                            d.insert(k.clone(), v.clone());
                        }
                    }
                    ("delta", d)
                }
            };
            ms.ticker_sent = Some(fields);
            let text = json!({"topic": topic, "type": kind, "data": Value::Object(data), "cs": ms.seq, "ts": t.ts_ms})
                .to_string();
            msgs.push(PublicMsg { topic, book_u: None, text });
        }
        Event::Liquidation(l) => {
            for (topic, text) in public::liquidation_frames(&ms.inst, l, l.ts_ms) {
                msgs.push(PublicMsg { topic, book_u: None, text });
            }
        }
        Event::Candle(c) if c.closed => on_candle(ms, c, &mut msgs),
        _ => {}
    }
    msgs
}

fn on_book(ms: &mut MarketState, b: &BookUpdate, faults: Option<&Faults>, msgs: &mut Vec<PublicMsg>) {
    if ms.book.apply(b).is_err() {
        return;
    }
    ms.seq += 1;
    ms.book_ts = b.ts_ms;
    for vi in 0..ms.views.len() {
        let depth = ms.views[vi].depth;
        let bids: Vec<Level> = ms.book.bids.iter().take(depth).copied().collect();
        let asks: Vec<Level> = ms.book.asks.iter().take(depth).copied().collect();
        let view = &ms.views[vi];
        let (db, da) =
            (public::level_diff(&ms.inst, &view.bids, &bids), public::level_diff(&ms.inst, &view.asks, &asks));
        if view.u > 0 && db.is_empty() && da.is_empty() {
            continue;
        }
        let skip = if view.u > 0 { faults.map_or(0, |f| f.seq_skip()) } else { 0 };
        let u = view.u + 1 + skip;
        ms.views[vi] = BookView { depth, u, bids, asks };
        let view = &ms.views[vi];
        let topic = format!("orderbook.{}.{}", depth, ms.inst.symbol);
        // Level 1 is snapshot-only on Bybit.
        let text = if depth == 1 || u == 1 {
            public::book_snapshot(ms, view, b.ts_ms)
        } else {
            json!({"topic": topic, "type": "delta", "ts": b.ts_ms,
                   "data": {"s": ms.inst.symbol.as_str(), "b": db, "a": da, "u": u, "seq": ms.seq}, "cts": b.ts_ms})
            .to_string()
        };
        msgs.push(PublicMsg { topic, book_u: Some(u), text });
    }
}

fn on_trade(ms: &mut MarketState, t: &Trade, msgs: &mut Vec<PublicMsg>) {
    let prev = if ms.last_price.is_positive() { ms.last_price } else { t.price };
    ms.prev_price = prev;
    ms.last_price = t.price;
    if ms.trades.len() >= TRADES_KEPT {
        ms.trades.pop_front();
    }
    ms.trades.push_back(*t);
    let minute = t.ts_ms.div_euclid(MINUTE_MS) * MINUTE_MS;
    let vol = t.qty.to_f64();
    match &mut ms.open_minute {
        Some(c) if c.ts_ms == minute => merge(c, &Candle { volume: vol, turnover: vol * t.price.to_f64(), ..bar(t) }),
        slot => *slot = Some(Candle { ts_ms: minute, volume: vol, turnover: vol * t.price.to_f64(), ..bar(t) }),
    }
    let tick = public::tick_direction(prev, t.price);
    let topic = format!("publicTrade.{}", ms.inst.symbol);
    let item = public::ws_trade(&ms.inst, t, tick, ms.seq);
    let text = json!({"topic": topic, "type": "snapshot", "ts": t.ts_ms, "data": [item]}).to_string();
    msgs.push(PublicMsg { topic, book_u: None, text });
}

fn bar(t: &Trade) -> Candle {
    Candle {
        symbol: t.symbol,
        interval: Interval::M1,
        ts_ms: t.ts_ms,
        open: t.price,
        high: t.price,
        low: t.price,
        close: t.price,
        volume: 0.0,
        turnover: 0.0,
        closed: false,
    }
}

fn on_candle(ms: &mut MarketState, c: &Candle, msgs: &mut Vec<PublicMsg>) {
    if ms.candles.back().is_some_and(|last| last.ts_ms >= c.ts_ms) {
        return;
    }
    if ms.candles.len() >= CANDLES_KEPT {
        ms.candles.pop_front();
    }
    ms.candles.push_back(*c);
    if ms.open_minute.is_some_and(|o| o.ts_ms <= c.ts_ms) {
        ms.open_minute = None;
    }
    if !ms.last_price.is_positive() {
        ms.last_price = c.close;
    }
    let close_ms = bar_end(c.interval, c.ts_ms);
    for iv in Interval::ALL {
        if iv.duration_ms().is_some_and(|d| d < bar_end(c.interval, 0)) {
            continue;
        }
        let agg = aggregate(ms, iv, c.ts_ms).unwrap_or(*c);
        let confirm = bar_end(iv, agg.ts_ms) == close_ms;
        let (topic, text) = public::kline_frame(&ms.inst, iv, &agg, confirm, close_ms - 1);
        msgs.push(PublicMsg { topic, book_u: None, text });
    }
}

/// The bar of `iv` containing `ts`, from closed candles plus the running minute.
pub(crate) fn aggregate(ms: &MarketState, iv: Interval, ts: i64) -> Option<Candle> {
    let start = iv.bar_open(ts);
    let mut parts: Vec<&Candle> = ms.candles.iter().rev().take_while(|c| c.ts_ms >= start).collect();
    parts.reverse();
    let open = ms.open_minute.as_ref().filter(|o| o.ts_ms >= start && parts.last().is_none_or(|l| l.ts_ms < o.ts_ms));
    let mut iter = parts.into_iter().chain(open);
    let first = iter.next()?;
    let mut agg = Candle { ts_ms: start, interval: iv, closed: false, ..*first };
    for c in iter {
        merge(&mut agg, c);
    }
    Some(agg)
}

/// Runs the market until `stop` turns true.
pub(crate) async fn drive(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut last_push = Instant::now();
    let mut due = Vec::new();
    loop {
        let now = shared.clock.market_now();
        due.clear();
        let next = {
            let mut feed = shared.feed.lock().unwrap_or_else(|p| p.into_inner());
            feed.take_due(now, &mut due);
            feed.next_due()
        };
        if !due.is_empty() {
            let mut inner = shared.lock();
            shared.apply_market(&mut inner, &due, true);
        }
        if last_push.elapsed() >= Duration::from_secs(1) {
            last_push = Instant::now();
            push_open_klines(&shared, now);
        }
        let wait = next
            .map_or(Duration::from_millis(200), |t| shared.clock.until(t))
            .clamp(Duration::from_millis(2), Duration::from_millis(200));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// The running bar of every subscribed kline topic, `confirm:false`.
fn push_open_klines(shared: &Shared, now: i64) {
    let topics: Vec<String> = shared.kline_topics.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect();
    if topics.is_empty() {
        return;
    }
    let inner = shared.lock();
    for topic in topics {
        let mut parts = topic.split('.');
        let (Some(_), Some(iv), Some(sym)) = (parts.next(), parts.next(), parts.next()) else { continue };
        let (Some(iv), Some(ms)) = (public::parse_interval(iv), inner.market(sym)) else { continue };
        if let Some(agg) = aggregate(ms, iv, now) {
            let (topic, text) = public::kline_frame(&ms.inst, iv, &agg, false, now);
            let _ = shared.public_tx.send(Arc::new(PublicMsg { topic, book_u: None, text }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_candle_becomes_four_trades_a_book_and_the_candle() {
        let s = Symbol::new("BTCUSDT").unwrap();
        let inst = Instrument::demo(s, "0.1", "0.001", "0.001", "100");
        let c = Candle {
            symbol: s,
            interval: Interval::M1,
            ts_ms: 60_000,
            open: "100.0".parse().unwrap(),
            high: "101.0".parse().unwrap(),
            low: "99.0".parse().unwrap(),
            close: "100.5".parse().unwrap(),
            volume: 0.02,
            turnover: 2.0,
            closed: true,
        };
        let mut out = Vec::new();
        let mut id = 0;
        synth_from_candle(&inst, &c, &mut id, &mut out);
        assert_eq!(out.len(), 6);
        // Rising bar: open, low, high, close; 0.02 / 4 = 0.005 each.
        let prices: Vec<String> = out[..4]
            .iter()
            .filter_map(|e| if let Event::Trade(t) = e { Some(t.price.to_string()) } else { None })
            .collect();
        assert_eq!(prices, vec!["100", "99", "101", "100.5"]);
        assert!(matches!(&out[0], Event::Trade(t) if t.qty.to_string() == "0.005" && t.ts_ms == 60_000));
        assert!(
            matches!(&out[4], Event::Book(b) if b.asks[0].price.to_string() == "100.5" && b.bids[0].price.to_string() == "100.4")
        );
    }
}
