//! Simulated exchange for linear perpetuals: matching against the book, fees, slippage,
//! funding, margin and liquidation; the paper account of the `demo` venue and of backtests.
//!
//! Bybit USDT perpetuals in one-way mode (or hedge mode per symbol, see below), deterministic (ids come from counters) and cheap per
//! market event: markets and orders live in small vectors found by `Symbol`, and an event that
//! touches no order allocates nothing.
//!
//! # Model
//! - **Arrival.** `execute` validates and acknowledges at once (`New`/`Untriggered`, or
//!   `Rejected` with a reason) but an order reaches the matching engine only with the first
//!   market event of its symbol at or after `ts + latency_ms` (latency 0: the next event). For a
//!   closed candle, orders due by its open time arrive at the open; orders due inside the bar
//!   arrive at its close (after the bar's range was matched). Events caused by a closed candle are
//!   stamped with its open time, those of late arrivals with its close time.
//! - **Taker fills with a synced book** walk the opposite levels (one fill per level, so the
//!   average is the VWAP) and consume what they take from the local copy; market/IOC remainders
//!   are cancelled (`PartiallyFilledCanceled`, or `Cancelled` + `NoLiquidity` with no fill),
//!   GTC limit remainders rest; FOK fills nothing unless the depth within its price covers it.
//! - **Taker fills without a book** happen at `last × (1 ± slippage_bps/10⁴)` rounded to the tick
//!   against the trader, capped at the limit price; they fill completely. With `synthetic_depth`
//!   (and a known candle volume) the order instead walks a ladder starting at that price, one
//!   tick per level, each level holding 1 % of the last closed candle's volume (raised so at most
//!   20 levels are used), so large orders pay more.
//! - **Marketable** means: with a book, a buy limit ≥ best ask (sell ≤ best bid); without one, a
//!   buy limit strictly above the last price (sell strictly below). Post-only orders that are
//!   marketable are cancelled with `PostOnlyWouldTake`.
//! - **Maker fills** of resting limits: a trade printing strictly through the price fills up to
//!   the traded qty (shared between our orders by price, then time priority); a closed candle
//!   whose range goes strictly through the price fills the order completely. Fills are at the
//!   limit price with the maker fee.
//! - **Stops** trigger on the last price (trades, tickers) or on a candle's range (touching the
//!   trigger is enough); in a candle the fill base is the trigger, or the worse of trigger and open
//!   when the bar opened through it; with a trade it is the trade price. The triggered order then
//!   trades as a taker from that base (book walk, or slippage without a book).
//! - **Inside a candle** events are ordered along the path open → low → high → close (rising bar)
//!   or open → high → low → close (falling bar): stops, limit fills and the liquidation price are
//!   processed in the order the path reaches them.
//! - **Fees** are `price × qty × rate` per fill, half-even at 1e-8 (maker rate may be negative).
//! - **Margin.** Position margin = entry value / leverage. Order margin = for each working,
//!   non-reduce-only, triggered-or-plain order: (the part that would open or grow a position) ×
//!   (limit price, or last price for market orders) / leverage. Untriggered stops hold no margin.
//!   `available = max(0, wallet + min(0, unrealised) − position margin − order margin)`; unrealised
//!   profit is not spendable, unrealised loss is. `equity = wallet + unrealised`.
//!   A new non-reduce-only order needs `opening qty × reference price / leverage ≤ available`.
//! - **Liquidation** at `entry × (1 − 1/lev + mmr)` (long, rounded up to the tick) or
//!   `entry × (1 + 1/lev − mmr)` (short, rounded down), when the mark (or the candle path) reaches
//!   it: the symbol's orders are cancelled with `Liquidation` and the position is closed at the
//!   liquidation price by a generated `sim-liq-…` order, with the taker fee.
//! - **Speed.** Each market keeps a watch band (the nearest stop, limit and liquidation levels
//!   above and below) refreshed only when its orders or position change; a candle or trade inside
//!   the band costs a few comparisons.
//! - **Not modelled:** queue position (a print at our price does not fill us), fills from a book
//!   update that crosses a resting order (only trades and candles fill resting orders), mark
//!   price on the candle path (candles move last and mark together unless tickers supply a mark),
//!   per-instrument leverage limits (`leverage` applies to every symbol), liquidation fees beyond
//!   the taker fee. Feed one candle interval per symbol: a bar that overlaps the previous one
//!   (say a 5m bar after its 1m bars) is ignored rather than matched twice.
//! - **Hedge position mode** (`switch_position_mode`, per symbol, only while it is flat with no
//!   working orders): the symbol holds a long (`positionIdx` 1) and a short (2) with their own
//!   entry, PnL, margin and liquidation price. An order must carry the idx of the mode (else it is
//!   rejected like Bybit's 10001 "position idx not match position mode"); a Buy on idx 1 or a Sell
//!   on idx 2 opens or adds, the opposite side closes that position (clipped to it, reduce-only or
//!   not), and a reduce-only order of the opening side is rejected. Both sides are reported after
//!   every change. Liquidating one side cancels only that side's orders.
//! - **Funding** at every multiple of `funding_interval_ms` since the epoch (00:00/08:00/16:00 UTC)
//!   crossed by event time: `mark × |size| × rate` paid by longs when the rate is positive
//!   (received by shorts), rate from the latest ticker (default 0.0001).

mod account;
mod fills;
mod funding;
mod hedge;
mod market;
mod matching;
mod orders;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_account;
#[cfg(test)]
mod tests_hedge;
#[cfg(test)]
mod tests_props;
#[cfg(test)]
mod tests_replay;

use super::ExecutionVenue;
use crate::domain::{
    Action, Balance, ClientOrderId, Event, Instrument, Money, Order, OrderBook, OrderStatus, OrderUpdate, Position,
    Price, Qty, Rate, RejectReason, Symbol, TriggerDirection,
};
use crate::domain::{PositionIdx, PositionMode};
use account::PosState;
pub use hedge::SwitchRefused;
use std::collections::HashSet;

/// Fees, slippage, leverage and timing of the simulated venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimConfig {
    pub maker_fee: Rate,
    pub taker_fee: Rate,
    /// Extra adverse slippage for taker fills when no real book is known.
    pub slippage_bps: u32,
    pub leverage: Rate,
    pub maintenance_margin_rate: Rate,
    pub funding_interval_ms: i64,
    /// Delay before an order reaches the matching engine (0: the next market event).
    pub latency_ms: i64,
    /// Without a real book, walk a synthetic ladder sized from candle volume (see module docs).
    pub synthetic_depth: bool,
    /// The position mode every symbol starts in (`switch_position_mode` changes one while flat).
    pub position_mode: PositionMode,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            maker_fee: Rate::from_raw(20_000), // 0.0002
            taker_fee: Rate::from_raw(55_000), // 0.00055
            slippage_bps: 0,
            leverage: Rate::from_int(10),
            maintenance_margin_rate: Rate::from_raw(500_000), // 0.005
            funding_interval_ms: 8 * 3_600_000,
            latency_ms: 0,
            synthetic_depth: false,
            position_mode: PositionMode::OneWay,
        }
    }
}

/// Default funding rate per interval until a ticker says otherwise.
const DEFAULT_FUNDING_RATE: Rate = Rate::from_raw(10_000); // 0.0001

/// Everything the venue knows about one symbol.
#[derive(Debug, Clone)]
struct Market {
    inst: Instrument,
    book: OrderBook,
    /// Zero until the first price arrives.
    last_price: Price,
    mark_price: Price,
    /// Once a ticker carries a mark price, only tickers move the mark.
    mark_from_ticker: bool,
    funding_rate: Rate,
    /// The one-way position, or in hedge mode the long side (idx 1, size >= 0).
    pos: PosState,
    /// Hedge mode: the short side (idx 2, size <= 0). Flat in one-way mode.
    short: PosState,
    hedge: bool,
    /// Watch band: no active order or liquidation can be hit while prices stay strictly between
    /// `watch_down` and `watch_up` (raw units), so most events skip the order scan.
    watch_up: i64,
    watch_down: i64,
    /// Orders of this symbol still on their way to the matching engine.
    pending: u32,
    /// Orders or the position changed since the band was computed.
    watch_stale: bool,
    /// End of the last closed candle matched, so overlapping bars are not matched twice.
    candle_end_ms: i64,
    last_volume: f64,
}

/// An order held by the venue.
#[derive(Debug, Clone)]
struct SimOrder {
    order: Order,
    market: usize,
    seq: u64,
    /// Acknowledged but not yet at the matching engine.
    pending: bool,
    due_ms: i64,
    direction: TriggerDirection,
}

/// The simulated venue and its paper account (see the module docs for the model).
#[derive(Debug, Clone)]
pub struct SimExchange {
    config: SimConfig,
    markets: Vec<Market>,
    orders: Vec<SimOrder>,
    seen_ids: HashSet<ClientOrderId>,
    wallet: Money,
    fees_paid: Money,
    funding_paid: Money,
    next_funding_ms: Option<i64>,
    order_seq: u64,
    exec_seq: u64,
    liq_seq: u64,
    now_ms: i64,
    /// Some order became terminal and must be dropped from `orders`.
    dirty: bool,
    last_market: usize,
    scratch_fills: Vec<(Price, Qty)>,
    scratch_hits: Vec<(i64, u64, usize)>,
}

impl SimExchange {
    pub fn new(config: SimConfig, instruments: &[Instrument], initial_balance: Money) -> Self {
        let mut sim = Self {
            config,
            markets: Vec::with_capacity(instruments.len()),
            orders: Vec::with_capacity(16),
            seen_ids: HashSet::new(),
            wallet: initial_balance,
            fees_paid: Money::ZERO,
            funding_paid: Money::ZERO,
            next_funding_ms: None,
            order_seq: 0,
            exec_seq: 0,
            liq_seq: 0,
            now_ms: 0,
            dirty: false,
            last_market: 0,
            scratch_fills: Vec::with_capacity(16),
            scratch_hits: Vec::with_capacity(16),
        };
        for inst in instruments {
            sim.add_instrument(*inst);
        }
        sim
    }

    /// Registers an instrument, or updates its rules if already known.
    fn add_instrument(&mut self, inst: Instrument) {
        if let Some(m) = self.markets.iter().position(|mk| mk.inst.symbol == inst.symbol) {
            self.markets[m].inst = inst;
            return;
        }
        self.markets.push(Market {
            inst,
            book: OrderBook::new(inst.symbol),
            last_price: Price::ZERO,
            mark_price: Price::ZERO,
            mark_from_ticker: false,
            funding_rate: DEFAULT_FUNDING_RATE,
            pos: PosState::default(),
            short: PosState::default(),
            hedge: self.config.position_mode == PositionMode::Hedge,
            watch_up: i64::MAX,
            watch_down: i64::MIN,
            pending: 0,
            watch_stale: false,
            candle_end_ms: i64::MIN,
            last_volume: 0.0,
        });
    }

    #[inline]
    fn market_index(&mut self, symbol: Symbol) -> Option<usize> {
        if let Some(mk) = self.markets.get(self.last_market) {
            if mk.inst.symbol == symbol {
                return Some(self.last_market);
            }
        }
        let m = self.markets.iter().position(|mk| mk.inst.symbol == symbol)?;
        self.last_market = m;
        Some(m)
    }

    /// Market data in: moves prices and the book, charges funding, triggers stops, fills resting
    /// orders and liquidates; pushes the resulting order, fill, position and balance events.
    pub fn on_market(&mut self, event: &Event, out: &mut Vec<Event>) {
        match event {
            Event::Instrument(inst) => self.add_instrument(*inst),
            Event::Candle(c) => self.on_candle(c, out),
            Event::Trade(t) => self.on_trade(t, out),
            Event::Book(b) => self.on_book(b, out),
            Event::Ticker(t) => self.on_ticker(t, out),
            Event::Timer { ts_ms } => {
                self.now_ms = self.now_ms.max(*ts_ms);
                self.charge_funding(*ts_ms, out);
            }
            _ => {}
        }
        self.clean_up();
    }

    /// Drops terminal orders.
    fn clean_up(&mut self) {
        if self.dirty {
            self.dirty = false;
            self.orders.retain(|o| o.order.status.is_open());
        }
    }

    pub fn balance(&self) -> Balance {
        let lev = self.config.leverage;
        let mut unrealised = Money::ZERO;
        let mut used = Money::ZERO;
        for mk in &self.markets {
            unrealised += mk.pos.unrealised(mk.mark_price) + mk.short.unrealised(mk.mark_price);
            used += mk.pos.margin(lev) + mk.short.margin(lev);
        }
        used += self.order_margin();
        let available = (self.wallet + unrealised.min(Money::ZERO) - used).max(Money::ZERO);
        Balance {
            wallet_balance: self.wallet,
            equity: self.wallet + unrealised,
            available,
            used_margin: used,
            unrealised_pnl: unrealised,
            ts_ms: self.now_ms,
        }
    }

    /// The symbol's position (in hedge mode the long side; see `position_of`).
    pub fn position(&self, symbol: Symbol) -> Position {
        match self.markets.iter().position(|mk| mk.inst.symbol == symbol) {
            Some(m) => self.position_at(m, self.markets[m].first_idx(), self.now_ms),
            None => Position::flat(symbol),
        }
    }

    fn position_at(&self, m: usize, idx: PositionIdx, ts_ms: i64) -> Position {
        let mk = &self.markets[m];
        let lev = self.config.leverage;
        let pos = mk.side(idx);
        Position {
            position_idx: idx,
            symbol: mk.inst.symbol,
            size: pos.size,
            entry_value: pos.entry_value,
            leverage: lev,
            mark_price: mk.mark_price,
            unrealised_pnl: pos.unrealised(mk.mark_price),
            realised_pnl: pos.realised,
            margin: pos.margin(lev),
            liq_price: pos.liq_price,
            ts_ms,
        }
    }

    /// Orders still working (untriggered stops included).
    pub fn open_orders(&self) -> impl Iterator<Item = &Order> {
        self.orders.iter().map(|o| &o.order).filter(|o| o.status.is_open())
    }

    /// Net funding paid since the start (negative when more was received).
    pub fn funding_paid(&self) -> Money {
        self.funding_paid
    }

    /// Trading fees paid since the start (maker rebates reduce it).
    pub fn fees_paid(&self) -> Money {
        self.fees_paid
    }

    /// Reports market `m`'s position (both sides in hedge mode).
    fn push_position(&self, m: usize, ts_ms: i64, out: &mut Vec<Event>) {
        if self.markets[m].hedge {
            out.push(Event::Position(self.position_at(m, PositionIdx::Long, ts_ms)));
            out.push(Event::Position(self.position_at(m, PositionIdx::Short, ts_ms)));
        } else {
            out.push(Event::Position(self.position_at(m, PositionIdx::OneWay, ts_ms)));
        }
    }

    fn push_balance(&self, ts_ms: i64, out: &mut Vec<Event>) {
        let mut b = self.balance();
        b.ts_ms = ts_ms;
        out.push(Event::Balance(b));
    }
}

impl ExecutionVenue for SimExchange {
    fn execute(&mut self, action: &Action, ts_ms: i64, out: &mut Vec<Event>) {
        self.now_ms = self.now_ms.max(ts_ms);
        match action {
            Action::PlaceOrder(req) => self.place(req, ts_ms, out),
            Action::AmendOrder { symbol, client_order_id, qty, price, trigger_price } => {
                self.amend(*symbol, *client_order_id, *qty, *price, *trigger_price, ts_ms, out)
            }
            Action::CancelOrder { symbol, client_order_id } => self.cancel_by_id(*symbol, *client_order_id, ts_ms, out),
            Action::CancelAll { symbol } => self.cancel_all(*symbol, ts_ms, out),
            _ => {}
        }
        self.clean_up();
    }
}

/// The venue's report of an order's current state.
fn update_of(o: &Order, reason: Option<RejectReason>) -> OrderUpdate {
    OrderUpdate {
        client_order_id: o.client_order_id(),
        order_id: o.order_id,
        symbol: o.symbol(),
        status: o.status,
        qty: o.qty,
        price: o.price,
        trigger_price: o.trigger_price,
        filled_qty: o.filled_qty,
        ts_ms: o.updated_ms,
        reason,
    }
}

/// `prefix` followed by `n` zero-padded to six digits (`sim-o-000042`), without allocating.
fn seq_text<'a>(buf: &'a mut [u8; 32], prefix: &str, n: u64) -> &'a str {
    let p = prefix.len().min(12);
    buf[..p].copy_from_slice(&prefix.as_bytes()[..p]);
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut v = n;
    while v > 0 || len < 6 {
        digits[len] = b'0' + (v % 10) as u8;
        v /= 10;
        len += 1;
    }
    for i in 0..len {
        buf[p + i] = digits[len - 1 - i];
    }
    std::str::from_utf8(&buf[..p + len]).unwrap_or("sim")
}

/// Whether `status` means the order is resting in (or headed for) the book rather than waiting
/// for a trigger.
fn is_working(status: OrderStatus) -> bool {
    matches!(status, OrderStatus::New | OrderStatus::PartiallyFilled | OrderStatus::Triggered)
}
