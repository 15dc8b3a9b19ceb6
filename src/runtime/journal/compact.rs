//! Journal format 2: the compact chunk layout new sessions are written in.
//!
//! A chunk is `[2][checksum: u64 LE][records...]`; the checksum ([`checksum`]) covers the
//! records, so a torn or overwritten chunk is refused as a whole rather than misread. Records are
//! not length-framed: one tag byte (the format-1 event tags) then the fields. Every chunk decodes
//! on its own: the coding state below starts empty in each chunk.
//!
//! The frequent market events are coded against that state:
//! - symbols as a small id; a symbol's first use in a chunk writes its text and its tick and
//!   step (from the `Instrument` events seen so far; 1 raw unit when none came yet),
//! - times as the difference from the previous record's time,
//! - prices as whole ticks from a reference price (the symbol's previous price; a book level's
//!   from the level before it), quantities as whole steps (see [`put_value`]; values off the
//!   grid fall back to raw units, so every value is kept exactly),
//! - update ids, sequence numbers and trade ids as differences from the symbol's previous ones,
//! - a book side as its count and mode, then per level the size in steps and one bit for "one
//!   tick from the previous level" (one or two bytes a level; other distances follow); a side
//!   with a value off the grid is written raw instead.
//!
//! The other events (orders, fills, positions, commands, ...) are rare and use the format-1
//! encoding of [`super::codec`] after their tag.

use super::codec::{put_varint, unzigzag, zigzag, Codec, Dec, JournalError};
use super::scaled::{checksum, get_delta, get_value, put_delta, put_value, Unit};
use crate::domain::{
    BookUpdate, Candle, Event, Instrument, Level, Liquidation, Price, Qty, Side, Symbol, Ticker, Trade,
};

/// The record layout version new chunks are written in (stored with each chunk).
pub const FORMAT: u32 = 2;
/// First byte of a format-2 payload.
const VERSION: u8 = 2;
/// Version byte and checksum.
pub const HEADER: usize = 9;

const T_CANDLE: u8 = 1;
const T_TRADE: u8 = 2;
const T_BOOK: u8 = 3;
const T_TICKER: u8 = 4;
const T_LIQUIDATION: u8 = 5;
const T_TIMER: u8 = 10;

/// What a chunk knows about one of its symbols.
#[derive(Debug, Clone, Copy)]
struct SymState {
    symbol: Symbol,
    tick: Unit,
    step: Unit,
    /// The last price coded for the symbol (the reference of the next).
    price: i64,
    update_id: u64,
    seq: u64,
    trade_id: u64,
}

impl SymState {
    fn new(symbol: Symbol, tick: Unit, step: Unit) -> Self {
        Self { symbol, tick, step, price: 0, update_id: 0, seq: 0, trade_id: 0 }
    }
}

/// The coding state of one chunk, the same on both sides.
#[derive(Debug, Default)]
struct ChunkState {
    symbols: Vec<SymState>,
    last_ts: u64,
}

/// Encodes events into format-2 chunks. Keeps the tick and step of every instrument it has seen
/// over the session; everything else restarts with each chunk.
#[derive(Debug, Default)]
pub struct Encoder {
    units: Vec<(Symbol, Unit, Unit)>,
    st: ChunkState,
}

impl Encoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a chunk in `out` (cleared first): the header, to be completed by [`Encoder::seal`].
    pub fn begin(&mut self, out: &mut Vec<u8>) {
        out.clear();
        out.push(VERSION);
        out.extend_from_slice(&[0; 8]);
        self.st = ChunkState::default();
    }

    /// Writes the checksum into a chunk started by [`Encoder::begin`].
    pub fn seal(out: &mut [u8]) {
        if out.len() >= HEADER {
            let sum = checksum(&out[HEADER..]);
            out[1..HEADER].copy_from_slice(&sum.to_le_bytes());
        }
    }

    fn symbol(&mut self, out: &mut Vec<u8>, symbol: Symbol) -> usize {
        if let Some(i) = self.st.symbols.iter().position(|s| s.symbol == symbol) {
            put_varint(out, i as u64);
            return i;
        }
        let i = self.st.symbols.len();
        put_varint(out, i as u64);
        symbol.enc(out);
        let (tick, step) =
            self.units.iter().find(|u| u.0 == symbol).map_or((Unit::ONE, Unit::ONE), |&(_, t, s)| (t, s));
        put_varint(out, tick.raw() as u64);
        put_varint(out, step.raw() as u64);
        self.st.symbols.push(SymState::new(symbol, tick, step));
        i
    }

    fn ts(&mut self, out: &mut Vec<u8>, ts_ms: i64) {
        put_delta(out, ts_ms as u64, &mut self.st.last_ts);
    }

    /// Appends one event to the chunk.
    pub fn append(&mut self, out: &mut Vec<u8>, event: &Event) {
        match event {
            Event::Book(b) => self.book(out, b),
            Event::Trade(t) => {
                out.push(T_TRADE);
                let i = self.symbol(out, t.symbol);
                self.ts(out, t.ts_ms);
                let s = &mut self.st.symbols[i];
                put_value(out, t.price.raw(), s.price, s.tick);
                s.price = t.price.raw();
                put_value(out, t.qty.raw(), 0, s.step);
                t.taker_side.enc(out);
                put_delta(out, t.trade_id, &mut s.trade_id);
            }
            Event::Candle(c) => {
                out.push(T_CANDLE);
                let i = self.symbol(out, c.symbol);
                c.interval.enc(out);
                self.ts(out, c.ts_ms);
                let s = &mut self.st.symbols[i];
                let open = c.open.raw();
                put_value(out, open, s.price, s.tick);
                for p in [c.high, c.low, c.close] {
                    put_value(out, p.raw(), open, s.tick);
                }
                s.price = c.close.raw();
                c.volume.enc(out);
                c.turnover.enc(out);
                c.closed.enc(out);
            }
            Event::Ticker(t) => {
                out.push(T_TICKER);
                let i = self.symbol(out, t.symbol);
                self.ts(out, t.ts_ms);
                let s = &mut self.st.symbols[i];
                let last = t.last_price.raw();
                put_value(out, last, s.price, s.tick);
                s.price = last;
                for p in [t.mark_price, t.index_price, t.bid1, t.ask1] {
                    put_value(out, p.raw(), last, s.tick);
                }
                t.funding_rate.enc(out);
                t.next_funding_ms.enc(out);
                for v in [t.open_interest, t.volume_24h, t.turnover_24h, t.price_24h_pct] {
                    v.enc(out);
                }
            }
            Event::Liquidation(l) => {
                out.push(T_LIQUIDATION);
                let i = self.symbol(out, l.symbol);
                self.ts(out, l.ts_ms);
                l.side.enc(out);
                let s = &mut self.st.symbols[i];
                put_value(out, l.price.raw(), s.price, s.tick);
                put_value(out, l.qty.raw(), 0, s.step);
            }
            Event::Timer { ts_ms } => {
                out.push(T_TIMER);
                self.ts(out, *ts_ms);
            }
            other => {
                if let Event::Instrument(i) = other {
                    self.learn(i);
                }
                // Format 1's tag and fields.
                other.enc(out);
            }
        }
    }

    /// Remembers an instrument's tick and step for its symbol's next first use in a chunk.
    fn learn(&mut self, i: &Instrument) {
        let units = (i.symbol, Unit::new(i.tick_size.raw()), Unit::new(i.qty_step.raw()));
        match self.units.iter_mut().find(|u| u.0 == i.symbol) {
            Some(u) => *u = units,
            None => self.units.push(units),
        }
    }

    fn book(&mut self, out: &mut Vec<u8>, b: &BookUpdate) {
        out.push(T_BOOK);
        let i = self.symbol(out, b.symbol);
        self.ts(out, b.ts_ms);
        b.kind.enc(out);
        let s = &mut self.st.symbols[i];
        put_delta(out, b.update_id, &mut s.update_id);
        put_delta(out, b.seq, &mut s.seq);
        put_side(out, &b.bids, s, true);
        put_side(out, &b.asks, s, false);
    }
}

/// Writes one side of a book: `varint(count << 1 | mode)`, then per level in mode 0 the size
/// in steps `q` and the tick distance `d` from the previous level (bids counted downwards, the
/// first level from the symbol's reference price) as `varint(q << 1)` when `d` is 1 (nineteen
/// levels in twenty on the demo market: a level costs one or two bytes), else `varint(q << 1 | 1)`
/// and `zigzag(d)`. Mode 1 (some value off the grid, a negative or huge size) holds the raw price
/// and size of each level, zigzagged.
fn put_side(out: &mut Vec<u8>, levels: &[Level], s: &mut SymState, descending: bool) {
    let start = out.len();
    let n = levels.len() as u64;
    put_varint(out, n << 1);
    if put_levels_on_grid(out, levels, s, descending).is_none() {
        out.truncate(start);
        put_varint(out, (n << 1) | 1);
        for l in levels {
            put_varint(out, zigzag(l.price.raw()));
            put_varint(out, zigzag(l.qty.raw()));
        }
    }
    if let Some(first) = levels.first() {
        s.price = first.price.raw();
    }
}

#[inline]
fn put_levels_on_grid(out: &mut Vec<u8>, levels: &[Level], s: &SymState, descending: bool) -> Option<()> {
    let mut prev = s.price;
    for l in levels {
        let p = l.price.raw();
        let d = s.tick.exact(if descending { prev.checked_sub(p)? } else { p.checked_sub(prev)? })?;
        // A size of at most i64::MAX steps: `q << 1` fits a u64.
        let q = u64::try_from(s.step.exact(l.qty.raw())?).ok()?;
        if d == 1 {
            put_varint(out, q << 1);
        } else {
            put_varint(out, (q << 1) | 1);
            put_varint(out, zigzag(d));
        }
        prev = p;
    }
    Some(())
}

/// Decodes a format-2 chunk, appending its events to `out`. Checks the version byte and the
/// checksum first: a damaged chunk yields no events.
pub fn decode_chunk(data: &[u8], out: &mut Vec<Event>) -> Result<(), JournalError> {
    if data.len() < HEADER {
        return Err(JournalError::Truncated { what: "chunk header", at: 0, need: HEADER - data.len() });
    }
    if data[0] != VERSION {
        return Err(JournalError::BadTag { what: "chunk version", tag: data[0].into(), at: 0 });
    }
    let mut stored = [0u8; 8];
    stored.copy_from_slice(&data[1..HEADER]);
    let stored = u64::from_le_bytes(stored);
    let body = &data[HEADER..];
    let computed = checksum(body);
    if stored != computed {
        return Err(JournalError::Checksum { stored, computed });
    }
    let mut d = Dec::with_base(body, HEADER);
    let mut st = ChunkState::default();
    while !d.is_empty() {
        out.push(st.event(&mut d)?);
    }
    Ok(())
}

impl ChunkState {
    fn symbol(&mut self, d: &mut Dec<'_>) -> Result<usize, JournalError> {
        let at = d.at();
        let id = d.varint("symbol id")?;
        let n = self.symbols.len() as u64;
        if id < n {
            return Ok(id as usize);
        }
        if id > n {
            return Err(JournalError::OutOfRange { what: "symbol id", value: id, at });
        }
        let symbol = Symbol::dec(d)?;
        let mut unit = |what| {
            let at = d.at();
            match d.varint(what)? {
                v @ 1..=0x7fff_ffff_ffff_ffff => Ok(Unit::new(v as i64)),
                v => Err(JournalError::OutOfRange { what, value: v, at }),
            }
        };
        let tick = unit("tick size")?;
        let step = unit("qty step")?;
        self.symbols.push(SymState::new(symbol, tick, step));
        Ok(id as usize)
    }

    fn ts(&mut self, d: &mut Dec<'_>) -> Result<i64, JournalError> {
        Ok(get_delta(d, &mut self.last_ts, "time")? as i64)
    }

    fn event(&mut self, d: &mut Dec<'_>) -> Result<Event, JournalError> {
        let at = d.at();
        let Some(tag) = d.peek() else {
            return Err(JournalError::Truncated { what: "event", at, need: 1 });
        };
        if ![T_CANDLE, T_TRADE, T_BOOK, T_TICKER, T_LIQUIDATION, T_TIMER].contains(&tag) {
            return Event::dec(d);
        }
        d.byte("event")?;
        if tag == T_TIMER {
            return Ok(Event::Timer { ts_ms: self.ts(d)? });
        }
        let i = self.symbol(d)?;
        Ok(match tag {
            T_TRADE => {
                let ts_ms = self.ts(d)?;
                let s = &mut self.symbols[i];
                let price = get_value(d, s.price, s.tick, "price")?;
                s.price = price;
                let qty = get_value(d, 0, s.step, "qty")?;
                let taker_side = Side::dec(d)?;
                let trade_id = get_delta(d, &mut s.trade_id, "trade id")?;
                Event::Trade(Trade {
                    symbol: s.symbol,
                    ts_ms,
                    price: Price::from_raw(price),
                    qty: Qty::from_raw(qty),
                    taker_side,
                    trade_id,
                })
            }
            T_CANDLE => {
                let interval = Codec::dec(d)?;
                let ts_ms = self.ts(d)?;
                let s = &mut self.symbols[i];
                let open = get_value(d, s.price, s.tick, "price")?;
                let mut hlc = [0i64; 3];
                for v in &mut hlc {
                    *v = get_value(d, open, s.tick, "price")?;
                }
                s.price = hlc[2];
                Event::Candle(Candle {
                    symbol: s.symbol,
                    interval,
                    ts_ms,
                    open: Price::from_raw(open),
                    high: Price::from_raw(hlc[0]),
                    low: Price::from_raw(hlc[1]),
                    close: Price::from_raw(hlc[2]),
                    volume: Codec::dec(d)?,
                    turnover: Codec::dec(d)?,
                    closed: Codec::dec(d)?,
                })
            }
            T_TICKER => {
                let ts_ms = self.ts(d)?;
                let s = &mut self.symbols[i];
                let last = get_value(d, s.price, s.tick, "price")?;
                s.price = last;
                let mut p = [Price::ZERO; 4];
                for v in &mut p {
                    *v = Price::from_raw(get_value(d, last, s.tick, "price")?);
                }
                Event::Ticker(Ticker {
                    symbol: s.symbol,
                    ts_ms,
                    last_price: Price::from_raw(last),
                    mark_price: p[0],
                    index_price: p[1],
                    bid1: p[2],
                    ask1: p[3],
                    funding_rate: Codec::dec(d)?,
                    next_funding_ms: Codec::dec(d)?,
                    open_interest: Codec::dec(d)?,
                    volume_24h: Codec::dec(d)?,
                    turnover_24h: Codec::dec(d)?,
                    price_24h_pct: Codec::dec(d)?,
                })
            }
            T_LIQUIDATION => {
                let ts_ms = self.ts(d)?;
                let side = Side::dec(d)?;
                let s = &mut self.symbols[i];
                let price = get_value(d, s.price, s.tick, "price")?;
                let qty = get_value(d, 0, s.step, "qty")?;
                Event::Liquidation(Liquidation {
                    symbol: s.symbol,
                    ts_ms,
                    side,
                    price: Price::from_raw(price),
                    qty: Qty::from_raw(qty),
                })
            }
            _ => {
                let ts_ms = self.ts(d)?;
                let kind = Codec::dec(d)?;
                let s = &mut self.symbols[i];
                let update_id = get_delta(d, &mut s.update_id, "update id")?;
                let seq = get_delta(d, &mut s.seq, "sequence")?;
                let bids = get_side(d, s, true)?;
                let asks = get_side(d, s, false)?;
                Event::Book(BookUpdate { symbol: s.symbol, ts_ms, kind, update_id, seq, bids, asks })
            }
        })
    }
}

/// Reads a side written by [`put_side`].
fn get_side(d: &mut Dec<'_>, s: &mut SymState, descending: bool) -> Result<Vec<Level>, JournalError> {
    let at = d.at();
    let head = d.varint("level count")?;
    let (n, raw) = (head >> 1, head & 1 == 1);
    // A level takes at least one byte (two when raw): a count beyond that is a lie, not an
    // allocation.
    if n > (d.remaining() / if raw { 2 } else { 1 }) as u64 {
        return Err(JournalError::OutOfRange { what: "level count", value: n, at });
    }
    let mut levels = Vec::with_capacity(n as usize);
    if raw {
        for _ in 0..n {
            let price = Price::from_raw(unzigzag(d.varint("price")?));
            let qty = Qty::from_raw(unzigzag(d.varint("qty")?));
            levels.push(Level { price, qty });
        }
    } else {
        let mut prev = s.price;
        for _ in 0..n {
            let at = d.at();
            let x = d.varint("level")?;
            let distance = if x & 1 == 1 { unzigzag(d.varint("tick distance")?) } else { 1 };
            let p = distance
                .checked_mul(s.tick.raw())
                .and_then(|x| if descending { prev.checked_sub(x) } else { prev.checked_add(x) })
                .ok_or(JournalError::OutOfRange { what: "price", value: x, at })?;
            // x >> 1 < 2^63: it fits an i64.
            let qty = ((x >> 1) as i64).checked_mul(s.step.raw()).ok_or(JournalError::OutOfRange {
                what: "qty",
                value: x >> 1,
                at,
            })?;
            levels.push(Level { price: Price::from_raw(p), qty: Qty::from_raw(qty) });
            prev = p;
        }
    }
    if let Some(first) = levels.first() {
        s.price = first.price.raw();
    }
    Ok(levels)
}

#[cfg(test)]
#[path = "compact_tests.rs"]
mod tests;
