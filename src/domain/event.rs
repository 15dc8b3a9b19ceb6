//! What flows into the engine (`Event`, `Command`) and what comes out (`Action`).

use super::{
    Balance, BookUpdate, Candle, ClientOrderId, Fill, Instrument, Liquidation, Money, Order, OrderId, OrderRequest,
    OrderStatus, OrderType, Position, Price, Qty, Rate, Reason, Side, Symbol, Ticker, TimeInForce, Trade,
};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The venue's report of an order's state (Bybit `order` stream / REST order objects).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderUpdate {
    pub client_order_id: ClientOrderId,
    pub order_id: Option<OrderId>,
    pub symbol: Symbol,
    pub status: OrderStatus,
    pub qty: Qty,
    pub price: Option<Price>,
    pub trigger_price: Option<Price>,
    pub filled_qty: Qty,
    pub ts_ms: i64,
    /// Why the venue rejected or cancelled it, when it says.
    pub reason: Option<RejectReason>,
}

/// Compact reasons a venue gives for refusing or killing an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RejectReason {
    InsufficientBalance,
    PostOnlyWouldTake,
    ReduceOnlyWouldIncrease,
    InvalidPrice,
    InvalidQty,
    UnknownOrder,
    DuplicateClientId,
    NoLiquidity,
    Liquidation,
    Other,
}

/// Everything the engine reacts to. Time always comes from the event, never a clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// Instrument rules (sent once per symbol before trading starts).
    Instrument(Instrument),
    /// A candle; strategies act on closed ones, the UI shows partial ones.
    Candle(Candle),
    Trade(Trade),
    Book(BookUpdate),
    Ticker(Ticker),
    Liquidation(Liquidation),
    Order(OrderUpdate),
    Fill(Fill),
    Position(Position),
    Balance(Balance),
    /// A heartbeat carrying the current time (timeouts, daily resets).
    Timer {
        ts_ms: i64,
    },
    Command(Command),
    /// The venue's account, fetched at start or after a reconnect: the engine reconciles its
    /// orders and positions to it (the venue wins; every difference is alerted).
    Reconcile(Box<VenueAccount>),
}

/// What the venue reports about the account at one moment (open orders, positions, recent
/// fills, balance), for reconciliation. A symbol missing from `positions` is flat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenueAccount {
    pub ts_ms: i64,
    /// Every order working at the venue.
    pub open_orders: Vec<Order>,
    pub positions: Vec<Position>,
    /// Execution history since before the outage (fills already seen are skipped).
    pub fills: Vec<Fill>,
    pub balance: Option<Balance>,
}

impl Event {
    /// The event's timestamp, when it carries one.
    pub fn ts_ms(&self) -> Option<i64> {
        Some(match self {
            Event::Instrument(_) | Event::Command(_) => return None,
            Event::Candle(c) => c.ts_ms,
            Event::Trade(t) => t.ts_ms,
            Event::Book(b) => b.ts_ms,
            Event::Ticker(t) => t.ts_ms,
            Event::Liquidation(l) => l.ts_ms,
            Event::Order(o) => o.ts_ms,
            Event::Fill(f) => f.ts_ms,
            Event::Position(p) => p.ts_ms,
            Event::Balance(b) => b.ts_ms,
            Event::Timer { ts_ms } => *ts_ms,
            Event::Reconcile(a) => a.ts_ms,
        })
    }
}

/// A manual order as typed in the ticket; it passes the same risk checks as any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualOrder {
    pub symbol: Symbol,
    pub side: Side,
    pub order_type: OrderType,
    pub qty: Qty,
    pub price: Option<Price>,
    /// Present for a stop (conditional) order.
    pub trigger_price: Option<Price>,
    pub time_in_force: TimeInForce,
    pub reduce_only: bool,
}

/// What the operator asks for, from the UI or the CLI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// Stop opening new positions (protective orders keep working).
    PauseAutomation,
    ResumeAutomation,
    SetModeEnabled {
        mode: String,
        enabled: bool,
    },
    /// Lock one mode active (manual override of the switcher); `None` unlocks.
    LockMode {
        mode: Option<String>,
    },
    SetAutoSwitch {
        enabled: bool,
    },
    PlaceOrder(ManualOrder),
    CancelOrder {
        client_order_id: ClientOrderId,
    },
    CancelAll {
        symbol: Option<Symbol>,
    },
    Flatten {
        symbol: Symbol,
    },
    /// Engage (cancel everything, flatten, halt) or release the kill switch.
    KillSwitch {
        engage: bool,
    },
    /// Change parameters of a running mode (the UI's editor): `params` is a JSON object of
    /// parameter name (the serde key of the mode's config) → new value; a value may also be text,
    /// read as the type of the current value. Validated like the config; applied live.
    SetModeParams {
        mode: String,
        params: serde_json::Value,
    },
    /// Write the config file with the engine's current mode parameters (done by the runtime).
    SaveConfig,
    /// Rebalance the named symbols to signed weights of equity (negative: short) with market
    /// orders through the risk checks; symbols not named are left alone.
    Rebalance {
        targets: Vec<(Symbol, Rate)>,
    },
}

/// Severity of an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AlertLevel {
    Info,
    Warning,
    Critical,
}

impl AlertLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertLevel::Info => "info",
            AlertLevel::Warning => "warning",
            AlertLevel::Critical => "critical",
        }
    }
}

/// Something the operator should know about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub ts_ms: i64,
    pub level: AlertLevel,
    /// Short machine-friendly kind (`entry`, `exit`, `risk`, `order`, `disconnect`, ...): a
    /// static word when raised, owned text when read back from the database.
    pub kind: Cow<'static, str>,
    /// What happened, kept as its parts until read (see `Reason`).
    pub message: Reason,
}

/// A strategy decision, recorded whether or not it led to an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalRecord {
    pub ts_ms: i64,
    pub symbol: Symbol,
    /// The mode's name: a static word when the engine records it (no allocation on the
    /// decision path), owned text when read back from the database.
    pub mode: Cow<'static, str>,
    /// `enter_long`, `enter_short`, `exit`, `stop_moved`, `rejected`, ... (as `mode`)
    pub action: Cow<'static, str>,
    pub price: Price,
    pub reason: Reason,
}

/// A change of the active trading mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModeSwitch {
    pub ts_ms: i64,
    pub symbol: Symbol,
    /// Mode names: static words from the engine, owned text from the database.
    pub from: Cow<'static, str>,
    pub to: Cow<'static, str>,
    pub reason: Reason,
}

/// A point of the equity curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EquityPoint {
    pub ts_ms: i64,
    pub equity: Money,
    pub wallet_balance: Money,
    pub unrealised_pnl: Money,
}

/// What the engine wants done; the adapters carry it out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Action {
    /// Only the order manager emits this, and only for a risk-approved request.
    PlaceOrder(OrderRequest),
    AmendOrder {
        symbol: Symbol,
        client_order_id: ClientOrderId,
        qty: Option<Qty>,
        price: Option<Price>,
        trigger_price: Option<Price>,
    },
    CancelOrder {
        symbol: Symbol,
        client_order_id: ClientOrderId,
    },
    CancelAll {
        symbol: Option<Symbol>,
    },
    /// Store an order's new state (after every status change). Held inline: the decision that
    /// places an order does not allocate for its record.
    RecordOrder(Order),
    RecordSignal(SignalRecord),
    RecordModeSwitch(ModeSwitch),
    Alert(Alert),
}
