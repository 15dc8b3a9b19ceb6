//! Intra-minute detail of the generator: trade prints along a path that visits the candle's
//! open, high, low and close; a 25-level book that follows the prints (a snapshot first, then
//! deltas); and liquidation bursts clustered at the minute's extreme. Draws only from the
//! intra-minute RNG stream, so the candles are the same whatever the detail level.

use super::model::Regime;
use super::rng::Rng;
use crate::domain::{BookUpdate, BookUpdateKind, Event, Instrument, Level, Liquidation, Price, Qty, Side, Trade};

/// Levels per book side.
pub const BOOK_DEPTH: usize = 25;

/// One symbol's candle for the minute, with the volume in whole quantity steps.
#[derive(Debug, Clone, Copy)]
pub struct Bar {
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    /// Total volume in quantity steps (at least 4, so each trade has one step).
    pub volume_steps: i64,
    /// Expected liquidation events this minute.
    pub liquidation_rate: f64,
}

/// Per-symbol book and id state.
#[derive(Debug, Clone, Default)]
pub struct MicroState {
    bids: Vec<Level>,
    asks: Vec<Level>,
    update_id: u64,
    trade_id: u64,
    started: bool,
    path: Vec<i64>,
    sides: Vec<Side>,
    qtys: Vec<i64>,
    weights: Vec<f64>,
    ts: Vec<i64>,
    new_bids: Vec<Level>,
    new_asks: Vec<Level>,
}

impl MicroState {
    /// Best bid and ask of the generated book, once it exists.
    pub fn top(&self) -> Option<(Price, Price)> {
        Some((self.bids.first()?.price, self.asks.first()?.price))
    }
}

/// Everything `emit_minute` needs besides the state.
pub struct MinuteCtx<'a> {
    pub instrument: &'a Instrument,
    pub bar: Bar,
    pub regime: Regime,
    pub steps: u32,
    pub ts0: i64,
}

/// Appends one symbol's trades, book updates and liquidations for the minute (not yet
/// time-sorted against other symbols).
pub fn emit_minute(st: &mut MicroState, cx: &MinuteCtx<'_>, rng: &mut Rng, seq: &mut u64, out: &mut Vec<Event>) {
    let tick = cx.instrument.tick_size.raw().max(1);
    let step = cx.instrument.qty_step.raw().max(1);
    let symbol = cx.instrument.symbol;
    let b = cx.bar;
    let n = (cx.steps.max(4) as i64).min(b.volume_steps.max(4)) as usize;
    let (o, h, l, c) = (b.open.raw() / tick, b.high.raw() / tick, b.low.raw() / tick, b.close.raw() / tick);

    // Path: open first, close last, the two extremes at interior positions; the low tends to
    // come first in an up minute and the high first in a down minute.
    let ia = 1 + rng.below(n as u64 - 2) as usize;
    let mut ib = 1 + rng.below(n as u64 - 3) as usize;
    if ib >= ia {
        ib += 1;
    }
    let (ia, ib) = (ia.min(ib), ia.max(ib));
    let p_low_first = if c > o {
        0.65
    } else if c < o {
        0.35
    } else {
        0.5
    };
    let (ea, eb) = if rng.uniform() < p_low_first { (l, h) } else { (h, l) };
    let anchors = [(0usize, o), (ia, ea), (ib, eb), (n - 1, c)];
    st.path.clear();
    let span = (h - l) as f64;
    for j in 0..n {
        let k = anchors.iter().position(|a| a.0 >= j).unwrap_or(3);
        let price = if anchors[k].0 == j {
            anchors[k].1
        } else {
            let (j0, p0) = anchors[k - 1];
            let (j1, p1) = anchors[k];
            let f = (j - j0) as f64 / (j1 - j0) as f64;
            let base = p0 as f64 + f * (p1 - p0) as f64;
            ((base + (rng.uniform() - 0.5) * 0.5 * span).round() as i64).clamp(l, h)
        };
        st.path.push(price);
    }

    // Times strictly increase within the minute; sides follow the price move.
    st.ts.clear();
    st.sides.clear();
    for j in 0..n {
        let u = 0.9 * rng.uniform();
        st.ts.push(cx.ts0 + ((j as f64 + u) * 60_000.0 / n as f64) as i64);
        let prev = if j == 0 { o } else { st.path[j - 1] };
        let side = match st.path[j].cmp(&prev) {
            std::cmp::Ordering::Greater => Side::Buy,
            std::cmp::Ordering::Less => Side::Sell,
            std::cmp::Ordering::Equal if rng.uniform() < 0.5 => Side::Buy,
            std::cmp::Ordering::Equal => Side::Sell,
        };
        st.sides.push(side);
    }

    // Quantities: the candle volume split into whole steps, at least one step per trade.
    st.qtys.clear();
    st.weights.clear();
    for _ in 0..n {
        st.weights.push(-rng.uniform_open().ln());
    }
    let total_w: f64 = st.weights.iter().sum();
    let spare = (b.volume_steps - n as i64) as f64;
    let (mut allotted, mut biggest) = (0i64, 0usize);
    for j in 0..n {
        let q = 1 + (st.weights[j] / total_w * spare).floor() as i64;
        st.qtys.push(q);
        allotted += q;
        if q > st.qtys[biggest] {
            biggest = j;
        }
    }
    st.qtys[biggest] += b.volume_steps - allotted;

    // Book: a snapshot at the first minute's open (before any print), then one update per
    // slot following the last print before it. Depth per level grows with the minute's volume.
    let wide = matches!(cx.regime, Regime::HighVol | Regime::Breakout);
    let level_qty = (b.volume_steps as f64 * 0.02).max(1.0);
    let slots = cx.steps.max(1) as i64;
    if !st.started {
        let spread = 1;
        build_book(st, o - spread, o, tick, step, level_qty, rng);
        std::mem::swap(&mut st.bids, &mut st.new_bids);
        std::mem::swap(&mut st.asks, &mut st.new_asks);
        st.started = true;
        st.update_id += 1;
        *seq += 1;
        out.push(Event::Book(BookUpdate {
            symbol,
            ts_ms: cx.ts0,
            kind: BookUpdateKind::Snapshot,
            update_id: st.update_id,
            seq: *seq,
            bids: st.bids.clone(),
            asks: st.asks.clone(),
        }));
    }
    for j in 0..n {
        st.trade_id += 1;
        out.push(Event::Trade(Trade {
            symbol,
            ts_ms: st.ts[j],
            price: Price::from_raw(st.path[j] * tick),
            qty: Qty::from_raw(st.qtys[j] * step),
            taker_side: st.sides[j],
            trade_id: st.trade_id,
        }));
    }

    let mut j = 0usize;
    for s in 0..slots {
        let ts_b = cx.ts0 + (s + 1) * 60_000 / slots - 1;
        while j < n && st.ts[j] <= ts_b {
            j += 1;
        }
        if j == 0 {
            continue; // nothing printed yet: the book stands
        }
        let (p, side) = (st.path[j - 1], st.sides[j - 1]);
        let spread = if wide && rng.uniform() < 0.3 { 2 + rng.below(2) as i64 } else { 1 };
        let (bid, ask) = match side {
            Side::Buy => ((p - spread).max(1), p.max(2)),
            Side::Sell => (p.max(1), p.max(1) + spread),
        };
        build_book(st, bid, ask, tick, step, level_qty, rng);
        let mut delta_b = Vec::new();
        let mut delta_a = Vec::new();
        diff_side(&st.bids, &st.new_bids, true, &mut delta_b);
        diff_side(&st.asks, &st.new_asks, false, &mut delta_a);
        std::mem::swap(&mut st.bids, &mut st.new_bids);
        std::mem::swap(&mut st.asks, &mut st.new_asks);
        if delta_b.is_empty() && delta_a.is_empty() {
            continue;
        }
        st.update_id += 1;
        *seq += 1;
        out.push(Event::Book(BookUpdate {
            symbol,
            ts_ms: ts_b,
            kind: BookUpdateKind::Delta,
            update_id: st.update_id,
            seq: *seq,
            bids: delta_b,
            asks: delta_a,
        }));
    }

    // Liquidations: a burst right after the print at the extreme in the move's direction.
    let count = rng.poisson(b.liquidation_rate).min(50);
    if count > 0 {
        let down = c < o || (c == o && rng.uniform() < 0.5);
        let at = if (ea == l) == down { ia } else { ib };
        let (side, base) = if down { (Side::Buy, l) } else { (Side::Sell, h) };
        let px_f = (base * tick) as f64 / 1e8;
        for _ in 0..count {
            let off = rng.below(3) as i64;
            let price = if down { (base + off).min(h) } else { (base - off).max(l) };
            let notional = (20_000f64.ln() + 1.2 * rng.normal()).exp();
            let q = ((notional / px_f) / (step as f64 / 1e8)).round() as i64 * step;
            let q = q.clamp(cx.instrument.min_qty.raw(), cx.instrument.max_qty.raw());
            let ts_ms = (st.ts[at] + 1 + rng.below(400) as i64).min(cx.ts0 + 59_998);
            out.push(Event::Liquidation(Liquidation {
                symbol,
                ts_ms,
                side,
                price: Price::from_raw(price * tick),
                qty: Qty::from_raw(q),
            }));
        }
    }
}

/// Fills `new_bids`/`new_asks` with contiguous tick levels from the given best prices (in
/// ticks), keeping most of the old sizes where a level survives.
fn build_book(st: &mut MicroState, bid: i64, ask: i64, tick: i64, step: i64, level_qty: f64, rng: &mut Rng) {
    st.new_bids.clear();
    st.new_asks.clear();
    for i in 0..BOOK_DEPTH as i64 {
        let shape = 1.0 + 0.06 * i as f64;
        if bid - i > 0 {
            let price = Price::from_raw((bid - i) * tick);
            let qty = reuse_or_draw(&st.bids, price, i, true, level_qty * shape, tick, step, rng);
            st.new_bids.push(Level { price, qty });
        }
        let price = Price::from_raw((ask + i) * tick);
        let qty = reuse_or_draw(&st.asks, price, i, false, level_qty * shape, tick, step, rng);
        st.new_asks.push(Level { price, qty });
    }
}

#[allow(clippy::too_many_arguments)]
fn reuse_or_draw(
    old: &[Level],
    price: Price,
    depth: i64,
    descending: bool,
    mean_steps: f64,
    tick: i64,
    step: i64,
    rng: &mut Rng,
) -> Qty {
    // Sides are contiguous tick ladders, so a level's index follows from its distance to the
    // touch; the price check covers any other shape.
    let found = match old.first() {
        Some(top) => {
            let dist = if descending { top.price.raw() - price.raw() } else { price.raw() - top.price.raw() };
            let k = dist / tick;
            if dist >= 0 && dist % tick == 0 && (k as usize) < old.len() && old[k as usize].price == price {
                Ok(k as usize)
            } else {
                Err(())
            }
        }
        None => Err(()),
    };
    // Sizes near the touch change often, deep ones rarely.
    let keep = if depth < 5 { 0.5 } else { 0.92 };
    let u = rng.uniform();
    if let Ok(i) = found {
        if u < keep {
            return old[i].qty;
        }
    }
    // Spread the size over 0.3x..1.7x of the mean, reusing the uniform's unused range.
    let v = if found.is_ok() { (u - keep) / (1.0 - keep) } else { u };
    let steps = (mean_steps * (0.3 + 1.4 * v)).round().max(1.0) as i64;
    Qty::from_raw(steps * step)
}

/// Levels that differ between two sorted sides: changed or new levels, and removed ones with
/// quantity zero.
fn diff_side(old: &[Level], new: &[Level], descending: bool, out: &mut Vec<Level>) {
    let (mut i, mut j) = (0, 0);
    let before = |a: Price, b: Price| if descending { a > b } else { a < b };
    while i < old.len() || j < new.len() {
        match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) if a.price == b.price => {
                if a.qty != b.qty {
                    out.push(*b);
                }
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if before(a.price, b.price) => {
                out.push(Level { price: a.price, qty: Qty::ZERO });
                i += 1;
            }
            (Some(a), None) => {
                out.push(Level { price: a.price, qty: Qty::ZERO });
                i += 1;
            }
            (_, Some(b)) => {
                out.push(*b);
                j += 1;
            }
            (None, None) => break,
        }
    }
}
