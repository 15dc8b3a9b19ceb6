//! Public WebSocket topics: `publicTrade`, `orderbook.{depth}`, `kline`, `allLiquidation`, plus
//! topic names. The hot streams (trades, book) parse straight into reusable buffers through
//! serde seeds: no `String` or `Vec` is allocated per message once the buffers are warm.

use super::num::text;
use super::rest::WireLevel;
use crate::domain::{
    BookUpdate, BookUpdateKind, Candle, Interval, Level, Liquidation, Price, Qty, Side, Symbol, Trade,
};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::borrow::Cow;
use std::fmt;

/// A public push: `{"topic","type","ts","data","cts"|"cs"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicMsg<'a, T> {
    #[serde(borrow)]
    pub topic: Cow<'a, str>,
    /// `snapshot` or `delta`.
    #[serde(rename = "type", default, borrow)]
    pub kind: Cow<'a, str>,
    pub ts: i64,
    pub data: T,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cts: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cs: Option<u64>,
}

/// Reads a `Symbol` from a borrowed string without allocating.
pub(crate) fn de_symbol<'de, D: Deserializer<'de>>(d: D) -> Result<Symbol, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = Symbol;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a symbol")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Symbol, E> {
            Symbol::new(v).map_err(E::custom)
        }
    }
    d.deserialize_str(V)
}

/// One public trade (`data[]` of `publicTrade.{symbol}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TradeItem<'a> {
    #[serde(rename = "T")]
    pub time: i64,
    #[serde(rename = "s", deserialize_with = "de_symbol")]
    pub symbol: Symbol,
    #[serde(rename = "S")]
    pub side: Side,
    #[serde(rename = "v")]
    pub qty: Qty,
    #[serde(rename = "p")]
    pub price: Price,
    #[serde(rename = "L", default, borrow, skip_serializing_if = "Option::is_none")]
    pub tick_direction: Option<Cow<'a, str>>,
    #[serde(rename = "i", borrow)]
    pub id: Cow<'a, str>,
    #[serde(rename = "BT", default)]
    pub block_trade: bool,
    #[serde(rename = "RPI", default)]
    pub rpi: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

/// Our numeric trade id for Bybit's trade id: decimal ids (spot) as they are, anything else
/// (linear UUIDs) hashed FNV-1a style over 8-byte words, which is stable across runs.
pub fn trade_id_of(id: &str) -> u64 {
    if !id.is_empty() && id.len() <= 19 && id.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(v) = id.parse() {
            return v;
        }
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut chunks = id.as_bytes().chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(0x0100_0000_01b3);
    }
    for &b in chunks.remainder() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    h ^ (h >> 29)
}

impl TradeItem<'_> {
    pub fn to_trade(&self) -> Trade {
        Trade {
            symbol: self.symbol,
            ts_ms: self.time,
            price: self.price,
            qty: self.qty,
            taker_side: self.side,
            trade_id: trade_id_of(&self.id),
        }
    }
}

/// Wire trade for a domain trade (the mock's push); the id is the decimal trade id.
pub fn trade_item(t: &Trade, seq: u64) -> TradeItem<'static> {
    TradeItem {
        time: t.ts_ms,
        symbol: t.symbol,
        side: t.taker_side,
        qty: t.qty,
        price: t.price,
        tick_direction: None,
        id: Cow::Owned(t.trade_id.to_string()),
        block_trade: false,
        rpi: false,
        seq: Some(seq),
    }
}

/// `data` of `orderbook.{depth}.{symbol}` (and the REST orderbook minus `ts`/`cts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookData {
    #[serde(deserialize_with = "de_symbol")]
    pub s: Symbol,
    pub b: Vec<WireLevel>,
    pub a: Vec<WireLevel>,
    pub u: u64,
    #[serde(default)]
    pub seq: u64,
}

impl BookData {
    /// Bybit's rule: `type: snapshot`, or `u == 1` (service restart), replaces the book.
    pub fn to_update(&self, kind: &str, ts_ms: i64) -> BookUpdate {
        let lv = |v: &Vec<WireLevel>| v.iter().map(|l| Level { price: l.0, qty: l.1 }).collect();
        BookUpdate {
            symbol: self.s,
            ts_ms,
            kind: book_kind(kind, self.u),
            update_id: self.u,
            seq: self.seq,
            bids: lv(&self.b),
            asks: lv(&self.a),
        }
    }

    pub fn from_update(up: &BookUpdate) -> BookData {
        let lv = |v: &Vec<Level>| v.iter().map(|l| WireLevel(l.price, l.qty)).collect();
        BookData { s: up.symbol, b: lv(&up.bids), a: lv(&up.asks), u: up.update_id, seq: up.seq }
    }
}

/// `snapshot` (or `u == 1`) → snapshot, otherwise delta.
#[inline]
pub fn book_kind(kind: &str, u: u64) -> BookUpdateKind {
    if kind == "snapshot" || u == 1 {
        BookUpdateKind::Snapshot
    } else {
        BookUpdateKind::Delta
    }
}

/// One candle of `kline.{interval}.{symbol}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KlineItem {
    pub start: i64,
    pub end: i64,
    pub interval: Interval,
    pub open: Price,
    pub close: Price,
    pub high: Price,
    pub low: Price,
    #[serde(with = "text")]
    pub volume: f64,
    #[serde(with = "text")]
    pub turnover: f64,
    pub confirm: bool,
    pub timestamp: i64,
}

impl KlineItem {
    pub fn to_candle(&self, symbol: Symbol) -> Candle {
        Candle {
            symbol,
            interval: self.interval,
            ts_ms: self.start,
            open: self.open,
            high: self.high,
            low: self.low,
            close: self.close,
            volume: self.volume,
            turnover: self.turnover,
            closed: self.confirm,
        }
    }

    /// Wire candle for a domain candle; `timestamp` is the last trade time the mock knows.
    pub fn from_candle(c: &Candle, timestamp: i64) -> KlineItem {
        KlineItem {
            start: c.ts_ms,
            end: c.close_ms() - 1,
            interval: c.interval,
            open: c.open,
            close: c.close,
            high: c.high,
            low: c.low,
            volume: c.volume,
            turnover: c.turnover,
            confirm: c.closed,
            timestamp,
        }
    }
}

/// One liquidation of `allLiquidation.{symbol}`; `S` is the liquidated position's side.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LiquidationItem {
    #[serde(rename = "T")]
    pub time: i64,
    #[serde(rename = "s", deserialize_with = "de_symbol")]
    pub symbol: Symbol,
    #[serde(rename = "S")]
    pub side: Side,
    #[serde(rename = "v")]
    pub qty: Qty,
    #[serde(rename = "p")]
    pub price: Price,
}

impl LiquidationItem {
    pub fn to_liquidation(&self) -> Liquidation {
        Liquidation { symbol: self.symbol, ts_ms: self.time, side: self.side, price: self.price, qty: self.qty }
    }
    pub fn from_liquidation(l: &Liquidation) -> LiquidationItem {
        LiquidationItem { time: l.ts_ms, symbol: l.symbol, side: l.side, qty: l.qty, price: l.price }
    }
}

/// Envelope fields read while the `data` part streams into a buffer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MsgHead<'a> {
    pub topic: &'a str,
    pub kind: &'a str,
    pub ts: i64,
    pub cts: Option<i64>,
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum EnvField {
    Topic,
    Type,
    Ts,
    Data,
    Cts,
    #[serde(other)]
    Other,
}

struct Envelope<S>(Option<S>);

impl<'de, S: DeserializeSeed<'de, Value = ()>> Visitor<'de> for Envelope<S> {
    type Value = MsgHead<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Bybit public message object")
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut m: A) -> Result<MsgHead<'de>, A::Error> {
        let mut head = MsgHead::default();
        let (mut topic, mut ts) = (false, false);
        while let Some(k) = m.next_key::<EnvField>()? {
            match k {
                EnvField::Topic => {
                    head.topic = m.next_value()?;
                    topic = true;
                }
                EnvField::Type => head.kind = m.next_value()?,
                EnvField::Ts => {
                    head.ts = m.next_value()?;
                    ts = true;
                }
                EnvField::Cts => head.cts = m.next_value()?,
                EnvField::Data => match self.0.take() {
                    Some(seed) => m.next_value_seed(seed)?,
                    None => return Err(de::Error::duplicate_field("data")),
                },
                EnvField::Other => {
                    m.next_value::<IgnoredAny>()?;
                }
            }
        }
        if self.0.is_some() {
            return Err(de::Error::missing_field("data"));
        }
        if !topic {
            return Err(de::Error::missing_field("topic"));
        }
        if !ts {
            return Err(de::Error::missing_field("ts"));
        }
        Ok(head)
    }
}

/// Parses a public message, streaming `data` into `seed`; returns the envelope fields.
pub fn parse_with_seed<'de, S>(text: &'de str, seed: S) -> Result<MsgHead<'de>, serde_json::Error>
where
    S: DeserializeSeed<'de, Value = ()>,
{
    let mut de = serde_json::Deserializer::from_str(text);
    let head = de::Deserializer::deserialize_map(&mut de, Envelope(Some(seed)))?;
    de.end()?;
    Ok(head)
}

/// Seed appending the trades of a `publicTrade` `data` array to a vector.
pub struct TradesSeed<'o>(pub &'o mut Vec<Trade>);

impl<'de> DeserializeSeed<'de> for TradesSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for TradesSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of trades")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<(), A::Error> {
        while let Some(item) = s.next_element::<TradeItem<'de>>()? {
            self.0.push(item.to_trade());
        }
        Ok(())
    }
}

/// Seed filling a reusable `BookUpdate` from an orderbook `data` object (kind set by caller).
pub struct BookSeed<'o>(pub &'o mut BookUpdate);

#[derive(Deserialize)]
#[serde(field_identifier)]
enum BookField {
    #[serde(rename = "s")]
    S,
    #[serde(rename = "b")]
    B,
    #[serde(rename = "a")]
    A,
    #[serde(rename = "u")]
    U,
    #[serde(rename = "seq")]
    Seq,
    #[serde(other)]
    Other,
}

impl<'de> DeserializeSeed<'de> for BookSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for BookSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an orderbook data object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        let up = self.0;
        up.bids.clear();
        up.asks.clear();
        let (mut s, mut u) = (false, false);
        while let Some(k) = m.next_key::<BookField>()? {
            match k {
                BookField::S => {
                    up.symbol = m.next_value_seed(SymbolSeed)?;
                    s = true;
                }
                BookField::B => m.next_value_seed(LevelsSeed(&mut up.bids))?,
                BookField::A => m.next_value_seed(LevelsSeed(&mut up.asks))?,
                BookField::U => {
                    up.update_id = m.next_value()?;
                    u = true;
                }
                BookField::Seq => up.seq = m.next_value()?,
                BookField::Other => {
                    m.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !s {
            return Err(de::Error::missing_field("s"));
        }
        if !u {
            return Err(de::Error::missing_field("u"));
        }
        Ok(())
    }
}

struct SymbolSeed;

impl<'de> DeserializeSeed<'de> for SymbolSeed {
    type Value = Symbol;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Symbol, D::Error> {
        de_symbol(d)
    }
}

struct LevelsSeed<'o>(&'o mut Vec<Level>);

impl<'de> DeserializeSeed<'de> for LevelsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for LevelsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of [price, size]")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<(), A::Error> {
        while let Some(WireLevel(price, qty)) = s.next_element()? {
            self.0.push(Level { price, qty });
        }
        Ok(())
    }
}

/// Parses a `publicTrade` message, appending its trades to `out`.
pub fn parse_trades_into<'a>(text: &'a str, out: &mut Vec<Trade>) -> Result<MsgHead<'a>, serde_json::Error> {
    if let Some(head) = super::fast::trades(text, out) {
        return Ok(head);
    }
    let len = out.len();
    parse_with_seed(text, TradesSeed(out)).inspect_err(|_| out.truncate(len))
}

/// Largest book update id accepted (Bybit's are far below; the book adds 1 to it).
pub const MAX_UPDATE_ID: u64 = i64::MAX as u64;

/// Parses an `orderbook.*` message into `out` (reusing its vectors), applying Bybit's snapshot
/// rule (`type: snapshot` or `u == 1`).
pub fn parse_book_into<'a>(text: &'a str, out: &mut BookUpdate) -> Result<MsgHead<'a>, serde_json::Error> {
    let head = match super::fast::book(text, out) {
        Some(head) => head,
        None => parse_with_seed(text, BookSeed(out))?,
    };
    if out.update_id > MAX_UPDATE_ID {
        return Err(de::Error::custom(format_args!("update id {} out of range", out.update_id)));
    }
    out.kind = book_kind(head.kind, out.update_id);
    out.ts_ms = head.ts;
    Ok(head)
}
