//! The journal's binary encoding of engine inputs: compact, exact and versioned.
//!
//! A chunk is a run of records; a record is `varint(body length)` then the body: one tag byte for
//! the `Event` variant and its fields in declaration order. Integers are LEB128 varints (signed
//! ones zigzag-mapped first), fixed-point numbers their raw `i64`, `f64` its 8 little-endian bit
//! bytes (bit-exact), text a varint length and the bytes, `Option` a 0/1 byte then the value,
//! enums a small tag. Decoding never panics and never allocates more than the input could hold:
//! every fault is a [`JournalError`] with the byte offset at fault.
//!
//! This is format 1, still read for old sessions; new sessions are written in format 2
//! ([`super::compact`]), which reuses these encodings for its rare records. Changing any layout
//! here therefore changes both formats: it needs a new format number.

use crate::domain::{
    Balance, BookUpdate, BookUpdateKind, Candle, ClientOrderId, Command, Event, ExecId, Fill, Instrument, Interval,
    Level, Liquidation, ManualOrder, Money, OrderId, OrderStatus, OrderType, OrderUpdate, Position, PositionIdx, Price,
    Qty, Rate, RejectReason, Side, Symbol, Ticker, TimeInForce, Trade,
};

/// Version of this record layout, stored with every chunk written in it.
pub const FORMAT: u32 = 1;

/// Longest text field accepted when decoding (mode names, order ids).
const MAX_TEXT: usize = 1024;

/// Why a journal payload cannot be decoded. Offsets count bytes from the start of the chunk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JournalError {
    #[error("journal truncated: {what} at byte {at} needs {need} more byte(s)")]
    Truncated { what: &'static str, at: usize, need: usize },
    #[error("journal: malformed varint at byte {at}")]
    BadVarint { at: usize },
    #[error("journal: unknown {what} tag {tag} at byte {at}")]
    BadTag { what: &'static str, tag: u64, at: usize },
    #[error("journal: bad {what} `{value}` at byte {at}: {reason}")]
    BadText { what: &'static str, value: String, at: usize, reason: String },
    #[error("journal: {what} {value} at byte {at} is out of range")]
    OutOfRange { what: &'static str, value: u64, at: usize },
    #[error("journal: record at byte {at} declares {declared} byte(s) but its fields take {used}")]
    LengthMismatch { at: usize, declared: usize, used: usize },
    #[error("journal format {found} is not supported (this build reads formats 1 and 2)")]
    Format { found: i64 },
    #[error("journal chunk damaged (cut short or overwritten): its checksum is {computed:016x}, the stored one {stored:016x}")]
    Checksum { stored: u64, computed: u64 },
}

/// Reads values from a payload, tracking the offset for error messages.
pub struct Dec<'a> {
    data: &'a [u8],
    pos: usize,
    /// Offset of `data[0]` in the chunk (records are decoded from sub-slices).
    base: usize,
}

impl<'a> Dec<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0, base: 0 }
    }

    pub(super) fn at(&self) -> usize {
        self.base + self.pos
    }

    pub(super) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], JournalError> {
        let left = self.data.len() - self.pos;
        if n > left {
            return Err(JournalError::Truncated { what, at: self.at(), need: n - left });
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub(super) fn byte(&mut self, what: &'static str) -> Result<u8, JournalError> {
        Ok(self.take(1, what)?[0])
    }

    pub(super) fn varint(&mut self, what: &'static str) -> Result<u64, JournalError> {
        let start = self.at();
        let mut v = 0u64;
        for i in 0..10 {
            let b = self.byte(what)?;
            // The tenth byte may only carry the top bit of a u64.
            if i == 9 && b > 1 {
                return Err(JournalError::BadVarint { at: start });
            }
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(JournalError::BadVarint { at: start })
    }

    pub(super) fn tag(&mut self, what: &'static str) -> Result<(u8, usize), JournalError> {
        let at = self.at();
        Ok((self.byte(what)?, at))
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.pos == self.data.len()
    }

    /// The next byte, not consumed.
    pub(super) fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// Bytes not read yet.
    pub(super) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// A reader of `data`, whose first byte is at `base` in the chunk.
    pub(super) fn with_base(data: &'a [u8], base: usize) -> Self {
        Self { data, pos: 0, base }
    }
}

pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(super) fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

pub(super) fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// A value the journal can write and read back exactly.
pub trait Codec: Sized {
    fn enc(&self, out: &mut Vec<u8>);
    fn dec(d: &mut Dec<'_>) -> Result<Self, JournalError>;
}

impl Codec for u64 {
    fn enc(&self, out: &mut Vec<u8>) {
        put_varint(out, *self);
    }
    fn dec(d: &mut Dec<'_>) -> Result<Self, JournalError> {
        d.varint("integer")
    }
}

impl Codec for i64 {
    fn enc(&self, out: &mut Vec<u8>) {
        put_varint(out, zigzag(*self));
    }
    fn dec(d: &mut Dec<'_>) -> Result<Self, JournalError> {
        Ok(unzigzag(d.varint("integer")?))
    }
}

impl Codec for u8 {
    fn enc(&self, out: &mut Vec<u8>) {
        out.push(*self);
    }
    fn dec(d: &mut Dec<'_>) -> Result<Self, JournalError> {
        d.byte("byte")
    }
}

impl Codec for bool {
    fn enc(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn dec(d: &mut Dec<'_>) -> Result<Self, JournalError> {
        match d.tag("bool")? {
            (0, _) => Ok(false),
            (1, _) => Ok(true),
            (t, at) => Err(JournalError::BadTag { what: "bool", tag: t.into(), at }),
        }
    }
}

impl Codec for f64 {
    fn enc(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_bits().to_le_bytes());
    }
    fn dec(d: &mut Dec<'_>) -> Result<Self, JournalError> {
        let b = d.take(8, "float")?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(f64::from_bits(u64::from_le_bytes(a)))
    }
}

impl Codec for String {
    fn enc(&self, out: &mut Vec<u8>) {
        put_varint(out, self.len() as u64);
        out.extend_from_slice(self.as_bytes());
    }
    fn dec(d: &mut Dec<'_>) -> Result<Self, JournalError> {
        let at = d.at();
        let n = d.varint("text length")?;
        if n > MAX_TEXT as u64 {
            return Err(JournalError::OutOfRange { what: "text length", value: n, at });
        }
        let bytes = d.take(n as usize, "text")?;
        String::from_utf8(bytes.to_vec()).map_err(|e| JournalError::BadText {
            what: "text",
            value: String::from_utf8_lossy(bytes).into_owned(),
            at,
            reason: e.to_string(),
        })
    }
}

impl<T: Codec> Codec for Option<T> {
    fn enc(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.enc(out);
            }
        }
    }
    fn dec(d: &mut Dec<'_>) -> Result<Self, JournalError> {
        match d.tag("option")? {
            (0, _) => Ok(None),
            (1, _) => Ok(Some(T::dec(d)?)),
            (t, at) => Err(JournalError::BadTag { what: "option", tag: t.into(), at }),
        }
    }
}

impl Codec for Vec<Level> {
    fn enc(&self, out: &mut Vec<u8>) {
        put_varint(out, self.len() as u64);
        for l in self {
            l.enc(out);
        }
    }
    fn dec(d: &mut Dec<'_>) -> Result<Self, JournalError> {
        let at = d.at();
        let n = d.varint("level count")?;
        // A level takes at least two bytes: a count beyond that is a lie, not an allocation.
        if n > ((d.data.len() - d.pos) / 2) as u64 {
            return Err(JournalError::OutOfRange { what: "level count", value: n, at });
        }
        (0..n).map(|_| Level::dec(d)).collect()
    }
}

macro_rules! fixed_point {
    ($($t:ty),*) => {$(
        impl Codec for $t {
            fn enc(&self, out: &mut Vec<u8>) {
                put_varint(out, zigzag(self.raw()));
            }
            fn dec(d: &mut Dec<'_>) -> Result<Self, JournalError> {
                Ok(<$t>::from_raw(unzigzag(d.varint(stringify!($t))?)))
            }
        }
    )*};
}
fixed_point!(Price, Qty, Money, Rate);

macro_rules! inline_text {
    ($($t:ident),*) => {$(
        impl Codec for $t {
            fn enc(&self, out: &mut Vec<u8>) {
                let s = self.as_str();
                put_varint(out, s.len() as u64);
                out.extend_from_slice(s.as_bytes());
            }
            fn dec(d: &mut Dec<'_>) -> Result<Self, JournalError> {
                let at = d.at();
                let n = d.varint(stringify!($t))?;
                if n > $t::CAPACITY as u64 {
                    return Err(JournalError::OutOfRange { what: stringify!($t), value: n, at });
                }
                let bytes = d.take(n as usize, stringify!($t))?;
                let text = String::from_utf8_lossy(bytes);
                $t::new(&text).map_err(|e| JournalError::BadText {
                    what: stringify!($t),
                    value: text.into_owned(),
                    at,
                    reason: e.to_string(),
                })
            }
        }
    )*};
}
inline_text!(Symbol, ClientOrderId, OrderId, ExecId);

/// Fieldless enums as one tag byte.
macro_rules! unit_enum {
    ($t:ident { $($v:ident = $n:literal),* $(,)? }) => {
        impl Codec for $t {
            fn enc(&self, out: &mut Vec<u8>) {
                out.push(match self { $($t::$v => $n),* });
            }
            fn dec(d: &mut Dec<'_>) -> Result<Self, JournalError> {
                match d.tag(stringify!($t))? {
                    $(($n, _) => Ok($t::$v),)*
                    (t, at) => Err(JournalError::BadTag { what: stringify!($t), tag: t.into(), at }),
                }
            }
        }
    };
}
unit_enum!(Side { Buy = 0, Sell = 1 });
unit_enum!(OrderType { Market = 0, Limit = 1 });
unit_enum!(TimeInForce { Gtc = 0, Ioc = 1, Fok = 2, PostOnly = 3 });
unit_enum!(BookUpdateKind { Snapshot = 0, Delta = 1 });
unit_enum!(RejectReason {
    InsufficientBalance = 0,
    PostOnlyWouldTake = 1,
    ReduceOnlyWouldIncrease = 2,
    InvalidPrice = 3,
    InvalidQty = 4,
    UnknownOrder = 5,
    DuplicateClientId = 6,
    NoLiquidity = 7,
    Liquidation = 8,
    Other = 9,
});
unit_enum!(OrderStatus {
    PendingNew = 0,
    New = 1,
    PartiallyFilled = 2,
    Filled = 3,
    Cancelled = 4,
    PartiallyFilledCanceled = 5,
    Rejected = 6,
    Untriggered = 7,
    Triggered = 8,
    Deactivated = 9,
});
unit_enum!(Interval {
    M1 = 0,
    M3 = 1,
    M5 = 2,
    M15 = 3,
    M30 = 4,
    H1 = 5,
    H2 = 6,
    H4 = 7,
    H6 = 8,
    H12 = 9,
    D1 = 10,
    W1 = 11,
    Month = 12,
});

/// Structs as their fields in declaration order (the struct literal makes a new field a compile
/// error here, so the encoding cannot silently skip it).
macro_rules! record {
    ($t:ident { $($f:ident),* $(,)? }) => {
        impl Codec for $t {
            fn enc(&self, out: &mut Vec<u8>) {
                $(self.$f.enc(out);)*
            }
            fn dec(d: &mut Dec<'_>) -> Result<Self, JournalError> {
                Ok($t { $($f: Codec::dec(d)?),* })
            }
        }
    };
}
record!(Level { price, qty });
record!(Instrument {
    symbol,
    tick_size,
    qty_step,
    min_qty,
    max_qty,
    max_market_qty,
    min_notional,
    min_leverage,
    max_leverage
});
record!(Candle { symbol, interval, ts_ms, open, high, low, close, volume, turnover, closed });
record!(Trade { symbol, ts_ms, price, qty, taker_side, trade_id });
record!(BookUpdate { symbol, ts_ms, kind, update_id, seq, bids, asks });
record!(Ticker {
    symbol,
    ts_ms,
    last_price,
    mark_price,
    index_price,
    bid1,
    ask1,
    funding_rate,
    next_funding_ms,
    open_interest,
    volume_24h,
    turnover_24h,
    price_24h_pct
});
record!(Liquidation { symbol, ts_ms, side, price, qty });
record!(OrderUpdate {
    client_order_id,
    order_id,
    symbol,
    status,
    qty,
    price,
    trigger_price,
    filled_qty,
    ts_ms,
    reason
});
record!(Fill { symbol, client_order_id, order_id, exec_id, side, price, qty, fee, fee_rate, is_maker, ts_ms });
/// A position's fields in the original order; its `position_idx` is carried by the event tag
/// (8: one-way, 13: hedge mode with the idx after the fields), so journals written before hedge
/// mode existed decode unchanged.
impl Codec for Position {
    fn enc(&self, out: &mut Vec<u8>) {
        self.symbol.enc(out);
        self.size.enc(out);
        self.entry_value.enc(out);
        self.leverage.enc(out);
        self.mark_price.enc(out);
        self.unrealised_pnl.enc(out);
        self.realised_pnl.enc(out);
        self.margin.enc(out);
        self.liq_price.enc(out);
        self.ts_ms.enc(out);
    }
    fn dec(d: &mut Dec<'_>) -> Result<Self, JournalError> {
        Ok(Position {
            symbol: Codec::dec(d)?,
            size: Codec::dec(d)?,
            entry_value: Codec::dec(d)?,
            leverage: Codec::dec(d)?,
            mark_price: Codec::dec(d)?,
            unrealised_pnl: Codec::dec(d)?,
            realised_pnl: Codec::dec(d)?,
            margin: Codec::dec(d)?,
            liq_price: Codec::dec(d)?,
            ts_ms: Codec::dec(d)?,
            position_idx: PositionIdx::OneWay,
        })
    }
}
record!(Balance { wallet_balance, equity, available, used_margin, unrealised_pnl, ts_ms });
record!(ManualOrder { symbol, side, order_type, qty, price, trigger_price, time_in_force, reduce_only });

impl Codec for Command {
    fn enc(&self, out: &mut Vec<u8>) {
        match self {
            Command::PauseAutomation => out.push(0),
            Command::ResumeAutomation => out.push(1),
            Command::SetModeEnabled { mode, enabled } => {
                out.push(2);
                mode.enc(out);
                enabled.enc(out);
            }
            Command::LockMode { mode } => {
                out.push(3);
                mode.enc(out);
            }
            Command::SetAutoSwitch { enabled } => {
                out.push(4);
                enabled.enc(out);
            }
            Command::PlaceOrder(m) => {
                out.push(5);
                m.enc(out);
            }
            Command::CancelOrder { client_order_id } => {
                out.push(6);
                client_order_id.enc(out);
            }
            Command::CancelAll { symbol } => {
                out.push(7);
                symbol.enc(out);
            }
            Command::Flatten { symbol } => {
                out.push(8);
                symbol.enc(out);
            }
            Command::KillSwitch { engage } => {
                out.push(9);
                engage.enc(out);
            }
            Command::SetModeParams { mode, params } => {
                out.push(10);
                mode.enc(out);
                params.to_string().enc(out);
            }
            Command::SaveConfig => out.push(11),
            Command::Rebalance { targets } => {
                out.push(12);
                put_varint(out, targets.len() as u64);
                for (symbol, weight) in targets {
                    symbol.enc(out);
                    weight.enc(out);
                }
            }
        }
    }
    fn dec(d: &mut Dec<'_>) -> Result<Self, JournalError> {
        Ok(match d.tag("command")? {
            (0, _) => Command::PauseAutomation,
            (1, _) => Command::ResumeAutomation,
            (2, _) => Command::SetModeEnabled { mode: Codec::dec(d)?, enabled: Codec::dec(d)? },
            (3, _) => Command::LockMode { mode: Codec::dec(d)? },
            (4, _) => Command::SetAutoSwitch { enabled: Codec::dec(d)? },
            (5, _) => Command::PlaceOrder(Codec::dec(d)?),
            (6, _) => Command::CancelOrder { client_order_id: Codec::dec(d)? },
            (7, _) => Command::CancelAll { symbol: Codec::dec(d)? },
            (8, _) => Command::Flatten { symbol: Codec::dec(d)? },
            (9, _) => Command::KillSwitch { engage: Codec::dec(d)? },
            (10, at) => {
                let mode = Codec::dec(d)?;
                let text: String = Codec::dec(d)?;
                let params = serde_json::from_str(&text).map_err(|e| JournalError::BadText {
                    what: "mode parameters",
                    value: text.chars().take(80).collect(),
                    at,
                    reason: e.to_string(),
                })?;
                Command::SetModeParams { mode, params }
            }
            (11, _) => Command::SaveConfig,
            (12, _) => {
                let at = d.at();
                let n = d.varint("target count")?;
                // A target takes at least two bytes: a count beyond that is a lie, not an allocation.
                if n > (d.remaining() / 2) as u64 {
                    return Err(JournalError::OutOfRange { what: "target count", value: n, at });
                }
                let targets = (0..n).map(|_| Ok((Codec::dec(d)?, Codec::dec(d)?))).collect::<Result<_, _>>()?;
                Command::Rebalance { targets }
            }
            (t, at) => return Err(JournalError::BadTag { what: "command", tag: t.into(), at }),
        })
    }
}

impl Codec for Event {
    fn enc(&self, out: &mut Vec<u8>) {
        macro_rules! tagged {
            ($tag:literal, $v:expr) => {{
                out.push($tag);
                $v.enc(out);
            }};
        }
        match self {
            Event::Instrument(v) => tagged!(0, v),
            Event::Candle(v) => tagged!(1, v),
            Event::Trade(v) => tagged!(2, v),
            Event::Book(v) => tagged!(3, v),
            Event::Ticker(v) => tagged!(4, v),
            Event::Liquidation(v) => tagged!(5, v),
            Event::Order(v) => tagged!(6, v),
            Event::Fill(v) => tagged!(7, v),
            Event::Position(v) if v.position_idx == PositionIdx::OneWay => tagged!(8, v),
            Event::Position(v) => {
                out.push(13);
                v.enc(out);
                v.position_idx.code().enc(out);
            }
            Event::Balance(v) => tagged!(9, v),
            Event::Timer { ts_ms } => tagged!(10, ts_ms),
            Event::Command(v) => tagged!(11, v),
            // Rare (start-up and reconnects): the account snapshot is kept as JSON.
            Event::Reconcile(v) => tagged!(12, serde_json::to_string(v).unwrap_or_default()),
        }
    }
    fn dec(d: &mut Dec<'_>) -> Result<Self, JournalError> {
        Ok(match d.tag("event")? {
            (0, _) => Event::Instrument(Codec::dec(d)?),
            (1, _) => Event::Candle(Codec::dec(d)?),
            (2, _) => Event::Trade(Codec::dec(d)?),
            (3, _) => Event::Book(Codec::dec(d)?),
            (4, _) => Event::Ticker(Codec::dec(d)?),
            (5, _) => Event::Liquidation(Codec::dec(d)?),
            (6, _) => Event::Order(Codec::dec(d)?),
            (7, _) => Event::Fill(Codec::dec(d)?),
            (8, _) => Event::Position(Codec::dec(d)?),
            (13, at) => {
                let mut p: Position = Codec::dec(d)?;
                let code: u8 = Codec::dec(d)?;
                p.position_idx = PositionIdx::from_code(code.into()).ok_or(JournalError::BadTag {
                    what: "position idx",
                    tag: code.into(),
                    at,
                })?;
                Event::Position(p)
            }
            (9, _) => Event::Balance(Codec::dec(d)?),
            (10, _) => Event::Timer { ts_ms: Codec::dec(d)? },
            (11, _) => Event::Command(Codec::dec(d)?),
            (12, at) => {
                let text: String = Codec::dec(d)?;
                let account = serde_json::from_str(&text).map_err(|e| JournalError::BadText {
                    what: "account snapshot",
                    value: text.chars().take(80).collect(),
                    at,
                    reason: e.to_string(),
                })?;
                Event::Reconcile(Box::new(account))
            }
            (t, at) => return Err(JournalError::BadTag { what: "event", tag: t.into(), at }),
        })
    }
}

/// Appends one framed record (`varint(length)` + encoded event) to `out`.
pub fn append_event(out: &mut Vec<u8>, event: &Event) {
    // Encode in place after a one-byte length guess; move the body if the length needs more.
    let start = out.len();
    out.push(0);
    event.enc(out);
    let len = out.len() - start - 1;
    if len < 0x80 {
        out[start] = len as u8;
    } else {
        let mut prefix = Vec::with_capacity(3);
        put_varint(&mut prefix, len as u64);
        out.splice(start..start + 1, prefix);
    }
}

/// Decodes every record of a chunk, appending the events to `out`.
pub fn decode_chunk(data: &[u8], out: &mut Vec<Event>) -> Result<(), JournalError> {
    let mut d = Dec::new(data);
    while !d.is_empty() {
        let at = d.at();
        let len = d.varint("record length")?;
        if len > (data.len() - d.pos) as u64 {
            return Err(JournalError::Truncated { what: "record", at, need: len as usize - (data.len() - d.pos) });
        }
        let body_at = d.at();
        let body = d.take(len as usize, "record")?;
        let mut rd = Dec { data: body, pos: 0, base: body_at };
        out.push(Event::dec(&mut rd)?);
        if !rd.is_empty() {
            return Err(JournalError::LengthMismatch { at, declared: body.len(), used: rd.pos });
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "codec_tests.rs"]
pub(crate) mod tests;
