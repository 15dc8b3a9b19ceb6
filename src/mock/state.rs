//! The mock's shared state: the market clock, each symbol's public market data, the simulated
//! account (`SimExchange`), the Bybit-shaped order and execution registry, and the broadcast
//! channels that feed the WebSocket connections.

use super::auth::RateLimiter;
use super::faults::Faults;
use super::feed::Feed;
use super::MockConfig;
use crate::domain::{
    Candle, ClientOrderId, Event, Instrument, Level, OrderBook, OrderType, Price, Rate, Side, Symbol, Ticker,
    TimeInForce, Trade,
};
use crate::exchange::sim::{SimConfig, SimExchange};
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::broadcast;

/// Order-book depths served on `orderbook.{depth}.{symbol}`.
pub(crate) const DEPTHS: [usize; 5] = [1, 50, 200, 500, 1000];
/// Recent public trades kept per symbol.
pub(crate) const TRADES_KEPT: usize = 1000;
/// 1-minute candles kept per symbol (about two weeks).
pub(crate) const CANDLES_KEPT: usize = 20_000;

/// Wall-clock milliseconds since the epoch.
pub(crate) fn wall_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Maps wall time to market time: `minute_ms` of wall time is one market minute.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    start: Instant,
    market_start_ms: i64,
    minute_ms: u64,
}

impl Clock {
    pub fn new(market_start_ms: i64, minute_ms: u64) -> Self {
        Self { start: Instant::now(), market_start_ms, minute_ms: minute_ms.max(1) }
    }

    pub fn market_now(&self) -> i64 {
        let real = self.start.elapsed().as_micros() as i128;
        let market = real * 60_000 / i128::from(self.minute_ms) / 1000;
        self.market_start_ms + market as i64
    }

    /// Wall-clock duration until market time `ts` (zero if already past).
    pub fn until(&self, ts: i64) -> std::time::Duration {
        let ahead = (ts - self.market_now()).max(0) as u128;
        std::time::Duration::from_micros((ahead * u128::from(self.minute_ms) * 1000 / 60_000) as u64)
    }
}

/// A message for public stream subscribers; `text` is the complete frame.
#[derive(Debug)]
pub(crate) struct PublicMsg {
    pub topic: String,
    /// Order-book `u` (deltas older than a connection's snapshot are skipped).
    pub book_u: Option<u64>,
    pub text: String,
}

/// Private topic families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrivateKind {
    Order,
    Execution,
    Position,
    Wallet,
}

impl PrivateKind {
    pub fn base(self) -> &'static str {
        match self {
            PrivateKind::Order => "order",
            PrivateKind::Execution => "execution",
            PrivateKind::Position => "position",
            PrivateKind::Wallet => "wallet",
        }
    }
}

/// A private push (data items only; each connection wraps it with its own topic name).
#[derive(Debug)]
pub(crate) struct PrivateMsg {
    pub kind: PrivateKind,
    pub id: String,
    pub creation_ms: i64,
    pub data: Vec<Value>,
}

/// One depth view of a symbol's book as last published.
#[derive(Debug, Clone, Default)]
pub(crate) struct BookView {
    pub depth: usize,
    pub u: u64,
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
}

/// Public market data of one symbol.
#[derive(Debug, Clone)]
pub(crate) struct MarketState {
    pub inst: Instrument,
    pub book: OrderBook,
    pub views: Vec<BookView>,
    pub seq: u64,
    pub book_ts: i64,
    pub trades: VecDeque<Trade>,
    /// Closed 1-minute candles, oldest first.
    pub candles: VecDeque<Candle>,
    /// The running minute, built from trades.
    pub open_minute: Option<Candle>,
    pub ticker: Option<Ticker>,
    /// Ticker fields as last pushed (for deltas).
    pub ticker_sent: Option<serde_json::Map<String, Value>>,
    /// `(funding time, rate)`, oldest first.
    pub funding: Vec<(i64, Rate)>,
    /// `(ts, open interest)` once per minute, oldest first.
    pub open_interest: VecDeque<(i64, f64)>,
    pub last_price: Price,
    pub prev_price: Price,
    pub leverage: Rate,
    pub take_profit: Option<Price>,
    pub stop_loss: Option<Price>,
    pub pos_created_ms: i64,
}

impl MarketState {
    pub fn new(inst: Instrument) -> Self {
        Self {
            inst,
            book: OrderBook::new(inst.symbol),
            views: DEPTHS.iter().map(|&depth| BookView { depth, ..Default::default() }).collect(),
            seq: 0,
            book_ts: 0,
            trades: VecDeque::with_capacity(TRADES_KEPT),
            candles: VecDeque::new(),
            open_minute: None,
            ticker: None,
            ticker_sent: None,
            funding: Vec::new(),
            open_interest: VecDeque::new(),
            last_price: Price::ZERO,
            prev_price: Price::ZERO,
            leverage: Rate::from_int(10),
            take_profit: None,
            stop_loss: None,
            pos_created_ms: 0,
        }
    }
}

/// An order as Bybit reports it; `sim_id` is the key the simulator knows it by.
#[derive(Debug, Clone)]
pub(crate) struct MockOrder {
    pub order_id: String,
    /// What the client sent as `orderLinkId` (empty when none).
    pub link_id: String,
    pub sim_id: ClientOrderId,
    pub symbol: Symbol,
    pub side: Side,
    pub order_type: OrderType,
    pub tif: TimeInForce,
    pub qty: crate::domain::Qty,
    /// Limit price, or the protective price of a market order.
    pub price: Price,
    pub trigger_price: Option<Price>,
    pub trigger_direction: u8,
    pub take_profit: Option<Price>,
    pub stop_loss: Option<Price>,
    pub reduce_only: bool,
    pub close_on_trigger: bool,
    /// Bybit `positionIdx`: 0 one-way, 1/2 the hedge-mode long/short.
    pub position_idx: crate::domain::PositionIdx,
    pub status: crate::domain::OrderStatus,
    pub cancel_type: &'static str,
    pub reject_reason: &'static str,
    pub cum_qty: crate::domain::Qty,
    pub cum_value: crate::domain::Money,
    pub cum_fee: crate::domain::Money,
    pub last_price_on_created: Price,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// Mutable state behind the lock.
pub(crate) struct Inner {
    pub sim: SimExchange,
    pub markets: Vec<MarketState>,
    pub orders: Vec<MockOrder>,
    pub by_sim_id: HashMap<ClientOrderId, usize>,
    pub link_ids: HashMap<String, usize>,
    /// Execution objects, oldest first.
    pub executions: Vec<Value>,
    pub id_seq: u64,
    pub msg_seq: u64,
    pub exec_seq: u64,
    /// Market time of the latest event applied.
    pub now_ms: i64,
}

impl Inner {
    pub fn market(&self, symbol: &str) -> Option<&MarketState> {
        self.markets.iter().find(|m| m.inst.symbol.as_str() == symbol)
    }

    pub fn market_mut(&mut self, symbol: Symbol) -> Option<&mut MarketState> {
        self.markets.iter_mut().find(|m| m.inst.symbol == symbol)
    }

    /// A fresh UUID-shaped id (deterministic: a hashed counter).
    pub fn next_uuid(&mut self) -> String {
        self.id_seq += 1;
        let a = mix(self.id_seq);
        let b = mix(a ^ 0x5bd1_e995);
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            (a >> 32) as u32,
            (a >> 16) as u16,
            (a & 0xfff) as u16,
            0x8000 | ((b >> 48) as u16 & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    /// The symbol's positions as the venue lists them: one in one-way mode, the long (idx 1)
    /// and the short (idx 2) in hedge mode.
    pub fn positions_of(&self, symbol: Symbol) -> Vec<crate::domain::Position> {
        use crate::domain::{PositionIdx, PositionMode};
        match self.sim.position_mode(symbol) {
            PositionMode::OneWay => vec![self.sim.position(symbol)],
            PositionMode::Hedge => [PositionIdx::Long, PositionIdx::Short]
                .iter()
                .filter_map(|&idx| self.sim.position_of(symbol, idx))
                .collect(),
        }
    }

    pub fn next_msg_id(&mut self) -> String {
        self.msg_seq += 1;
        format!("{}-mock-{}", self.msg_seq, self.now_ms)
    }
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// State shared by every task of one mock server.
pub(crate) struct Shared {
    pub config: MockConfig,
    pub clock: Clock,
    inner: Mutex<Inner>,
    pub feed: Mutex<Feed>,
    pub public_tx: broadcast::Sender<Arc<PublicMsg>>,
    pub private_tx: broadcast::Sender<Arc<PrivateMsg>>,
    pub limiter: Mutex<RateLimiter>,
    pub faults: Faults,
    pub conn_seq: AtomicU64,
    /// Kline topics some connection subscribed to (their open bar is pushed every second).
    pub kline_topics: Mutex<HashSet<String>>,
}

impl Shared {
    /// Builds the feed, generates the warm-up history into the state and starts the clock at
    /// the first live event.
    pub fn build(config: MockConfig) -> anyhow::Result<Shared> {
        let (mut feed, instruments) = Feed::new(&config)?;
        let sim_config = SimConfig::default();
        let sim = SimExchange::new(sim_config, &instruments, config.initial_balance);
        let mut inner = Inner {
            sim,
            markets: instruments.iter().map(|i| MarketState::new(*i)).collect(),
            orders: Vec::new(),
            by_sim_id: HashMap::new(),
            link_ids: HashMap::new(),
            executions: Vec::new(),
            id_seq: config.seed,
            msg_seq: 0,
            exec_seq: 0,
            now_ms: 0,
        };
        let (public_tx, _) = broadcast::channel(8192);
        let (private_tx, _) = broadcast::channel(1024);
        let faults = Faults::new(config.faults.clone(), config.seed);
        let live_start = feed.warm_up(&mut inner, config.history_minutes);
        let clock = Clock::new(live_start, config.minute_ms);
        Ok(Shared {
            clock,
            inner: Mutex::new(inner),
            feed: Mutex::new(feed),
            public_tx,
            private_tx,
            limiter: Mutex::new(RateLimiter::default()),
            faults,
            conn_seq: AtomicU64::new(1),
            kline_topics: Mutex::new(HashSet::new()),
            config,
        })
    }

    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent-enough data for a test server.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn next_conn_id(&self) -> String {
        let n = self.conn_seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("mock{:08x}-{n}", mix(n) as u32)
    }

    /// Market events (from the feed) into the state, the simulator and the streams.
    pub fn apply_market(&self, inner: &mut Inner, events: &[Event], live: bool) {
        let mut private = Vec::new();
        for e in events {
            let msgs = super::feed::apply_public(inner, e, Some(&self.faults));
            if live {
                for m in msgs {
                    let _ = self.public_tx.send(Arc::new(m));
                }
            }
            inner.sim.on_market(e, &mut private);
        }
        if !private.is_empty() {
            let msgs = super::views::private_messages(inner, &private);
            if live {
                for m in msgs {
                    let _ = self.private_tx.send(Arc::new(m));
                }
            }
        }
    }

    /// Broadcasts private pushes built from simulator events.
    pub fn push_private(&self, inner: &mut Inner, events: &[Event]) {
        for m in super::views::private_messages(inner, events) {
            let _ = self.private_tx.send(Arc::new(m));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_runs_minute_ms_per_market_minute() {
        let c = Clock::new(1_000_000, 600);
        // 600 ms of wall time per 60 000 ms of market time: 100x.
        let ahead = c.until(1_000_000 + 60_000);
        assert!(ahead <= std::time::Duration::from_millis(600) && ahead > std::time::Duration::from_millis(500));
        assert!(c.market_now() >= 1_000_000);
    }

    #[test]
    fn uuids_are_uuid_shaped_and_distinct() {
        let cfg = MockConfig { history_minutes: 1, ..Default::default() };
        let shared = Shared::build(cfg).unwrap();
        let mut inner = shared.lock();
        let a = inner.next_uuid();
        let b = inner.next_uuid();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.as_bytes()[14], b'4');
        assert_eq!(a.split('-').map(str::len).collect::<Vec<_>>(), vec![8, 4, 4, 4, 12]);
    }
}
