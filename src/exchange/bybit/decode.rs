//! Decoders for WebSocket text frames: route by topic, parse into domain events. The public
//! decoder keeps reusable trade/book buffers (no allocation per hot message) and the merged
//! ticker state per symbol (linear ticker deltas are partial).

use super::wire::public::{parse_book_into, parse_trades_into};
use super::wire::ws::{peek_topic, PrivateKind, Topic};
use super::wire::{
    ExecutionItem, KlineItem, LiquidationItem, OrderItem, PositionItem, PrivateMsg, PublicMsg, TickerData,
    WalletAccount, WireError, WsResponse,
};
use crate::domain::{
    Balance, BookError, BookUpdate, BookUpdateKind, Candle, FastMap, Fill, Interval, Liquidation, OrderBook,
    OrderUpdate, Position, Price, Qty, Side, Symbol, Ticker, Trade,
};
use serde::Deserialize;

/// One decoded public frame. Slices borrow the decoder's buffers until the next call.
#[derive(Debug, Clone, PartialEq)]
pub enum PublicEvent<'d> {
    Trades(&'d [Trade]),
    Book(&'d BookUpdate),
    /// Usually one candle; `closed` is Bybit's `confirm`.
    Candles(&'d [Candle]),
    /// The full ticker after merging a delta into the last snapshot.
    Ticker(Ticker),
    Liquidations(Vec<Liquidation>),
    /// Ack, pong or error reply to one of our requests.
    Control(WsResponse),
}

/// Routes and parses public frames (`/v5/public/linear`, `/v5/public/spot`).
#[derive(Debug)]
pub struct PublicDecoder {
    trades: Vec<Trade>,
    book: BookUpdate,
    candles: Vec<Candle>,
    tickers: FastMap<Symbol, TickerData>,
}

impl Default for PublicDecoder {
    fn default() -> Self {
        Self::new()
    }
}

fn empty_book_update() -> BookUpdate {
    BookUpdate {
        symbol: Symbol::new("NONE").unwrap_or_else(|_| unreachable!("constant symbol is valid")),
        ts_ms: 0,
        kind: BookUpdateKind::Delta,
        update_id: 0,
        seq: 0,
        bids: Vec::with_capacity(64),
        asks: Vec::with_capacity(64),
    }
}

/// Deprecated `liquidation.{symbol}` data (one object).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LegacyLiquidation {
    updated_time: i64,
    #[serde(deserialize_with = "super::wire::public::de_symbol")]
    symbol: Symbol,
    side: Side,
    size: Qty,
    price: Price,
}

/// `kline.{interval}.{symbol}` in Bybit's exact spelling, read without the general topic
/// parser (`None`: let `Topic::parse` decide).
fn kline_topic(topic: &str) -> Option<Topic> {
    let (i, s) = topic.strip_prefix("kline.")?.split_once('.')?;
    if s.contains('.') {
        return None;
    }
    Some(Topic::Kline { interval: Interval::from_bybit(i)?, symbol: Symbol::new(s).ok()? })
}

fn json_err<'t>(what: &'static str, text: &'t str) -> impl FnOnce(serde_json::Error) -> WireError + 't {
    move |e| WireError::json(what, &e, text)
}

impl PublicDecoder {
    pub fn new() -> Self {
        PublicDecoder {
            trades: Vec::with_capacity(64),
            book: empty_book_update(),
            candles: Vec::with_capacity(4),
            tickers: FastMap::default(),
        }
    }

    /// Decodes one text frame.
    pub fn decode<'d>(&'d mut self, text: &str) -> Result<PublicEvent<'d>, WireError> {
        let Some(topic) = peek_topic(text) else {
            return serde_json::from_str(text).map(PublicEvent::Control).map_err(json_err("control frame", text));
        };
        if topic.starts_with("publicTrade.") {
            self.trades.clear();
            parse_trades_into(text, &mut self.trades).map_err(json_err("publicTrade", text))?;
            return Ok(PublicEvent::Trades(&self.trades));
        }
        if topic.starts_with("orderbook.") {
            parse_book_into(text, &mut self.book).map_err(json_err("orderbook", text))?;
            return Ok(PublicEvent::Book(&self.book));
        }
        match kline_topic(topic).or_else(|| Topic::parse(topic)) {
            Some(Topic::Kline { symbol, .. }) => {
                self.candles.clear();
                if super::wire::fast::kline(text, symbol, &mut self.candles).is_some() {
                    return Ok(PublicEvent::Candles(&self.candles));
                }
                let m: PublicMsg<Vec<KlineItem>> = serde_json::from_str(text).map_err(json_err("kline", text))?;
                self.candles.clear();
                self.candles.extend(m.data.iter().map(|k| k.to_candle(symbol)));
                Ok(PublicEvent::Candles(&self.candles))
            }
            Some(Topic::Tickers(symbol)) => {
                let m: PublicMsg<TickerData> = serde_json::from_str(text).map_err(json_err("tickers", text))?;
                let state = if m.kind == "delta" {
                    let state = self
                        .tickers
                        .get_mut(&symbol)
                        .ok_or_else(|| WireError::value("tickers", format!("{symbol}: delta before snapshot")))?;
                    state.merge(&m.data);
                    state
                } else {
                    let mut data = m.data;
                    data.symbol.get_or_insert(symbol);
                    self.tickers.insert(symbol, data);
                    self.tickers.get_mut(&symbol).ok_or_else(|| WireError::value("tickers", "lost state"))?
                };
                state.to_ticker(m.ts).map(PublicEvent::Ticker).ok_or_else(|| WireError::value("tickers", "no symbol"))
            }
            Some(Topic::AllLiquidation(_)) => {
                let m: PublicMsg<Vec<LiquidationItem>> =
                    serde_json::from_str(text).map_err(json_err("allLiquidation", text))?;
                Ok(PublicEvent::Liquidations(m.data.iter().map(LiquidationItem::to_liquidation).collect()))
            }
            Some(Topic::Liquidation(_)) => {
                let m: PublicMsg<LegacyLiquidation> =
                    serde_json::from_str(text).map_err(json_err("liquidation", text))?;
                let d = m.data;
                Ok(PublicEvent::Liquidations(vec![Liquidation {
                    symbol: d.symbol,
                    ts_ms: d.updated_time,
                    side: d.side,
                    price: d.price,
                    qty: d.size,
                }]))
            }
            _ => Err(WireError::UnknownTopic(topic.to_string())),
        }
    }

    /// Forgets ticker state (after a reconnect the next snapshot rebuilds it).
    pub fn reset(&mut self) {
        self.tickers.clear();
    }
}

/// Hot path: parses an `orderbook.*` frame into `scratch` and applies it to `book`.
pub fn apply_book_frame(text: &str, scratch: &mut BookUpdate, book: &mut OrderBook) -> Result<(), BookFrameError> {
    parse_book_into(text, scratch).map_err(|e| BookFrameError::Wire(WireError::json("orderbook", &e, text)))?;
    book.apply(scratch).map_err(BookFrameError::Book)
}

/// A book frame that did not parse, or did not apply (gap, no snapshot, crossed: resync).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookFrameError {
    #[error(transparent)]
    Wire(WireError),
    #[error(transparent)]
    Book(BookError),
}

/// A fresh scratch update for [`apply_book_frame`].
pub fn book_scratch() -> BookUpdate {
    empty_book_update()
}

/// One decoded private frame.
#[derive(Debug, Clone, PartialEq)]
pub enum PrivateEvent {
    Orders(Vec<OrderUpdate>),
    /// Trade executions only; funding and settlement rows are left out.
    Fills(Vec<Fill>),
    Positions(Vec<Position>),
    Balance(Balance),
    Control(WsResponse),
}

/// Routes and parses private frames (`/v5/private`).
#[derive(Debug, Clone)]
pub struct PrivateDecoder {
    /// The settlement coin whose wallet entry becomes the `Balance` (`USDT`).
    pub settle_coin: String,
}

impl PrivateDecoder {
    pub fn new(settle_coin: &str) -> Self {
        PrivateDecoder { settle_coin: settle_coin.to_string() }
    }

    pub fn decode(&self, text: &str) -> Result<PrivateEvent, WireError> {
        let Some(topic) = peek_topic(text) else {
            return serde_json::from_str(text).map(PrivateEvent::Control).map_err(json_err("control frame", text));
        };
        let kind = match Topic::parse(topic) {
            Some(Topic::Private { kind, .. }) => kind,
            _ => return Err(WireError::UnknownTopic(topic.to_string())),
        };
        match kind {
            PrivateKind::Order => {
                let m: PrivateMsg<OrderItem> = serde_json::from_str(text).map_err(json_err("order", text))?;
                m.data.iter().map(OrderItem::to_update).collect::<Result<_, _>>().map(PrivateEvent::Orders)
            }
            PrivateKind::Execution | PrivateKind::ExecutionFast => {
                let m: PrivateMsg<ExecutionItem> = serde_json::from_str(text).map_err(json_err("execution", text))?;
                let mut fills = Vec::with_capacity(m.data.len());
                for e in &m.data {
                    if let Some(f) = e.to_fill()? {
                        fills.push(f);
                    }
                }
                Ok(PrivateEvent::Fills(fills))
            }
            PrivateKind::Position => {
                let m: PrivateMsg<PositionItem> = serde_json::from_str(text).map_err(json_err("position", text))?;
                m.data.iter().map(PositionItem::to_position).collect::<Result<_, _>>().map(PrivateEvent::Positions)
            }
            PrivateKind::Wallet => {
                let m: PrivateMsg<WalletAccount> = serde_json::from_str(text).map_err(json_err("wallet", text))?;
                let acct = m.data.first().ok_or_else(|| WireError::value("wallet", "empty data"))?;
                acct.to_balance(&self.settle_coin, m.creation_time).map(PrivateEvent::Balance)
            }
        }
    }
}
