//! Orders: what we ask for (`OrderRequest`), what the venue holds (`Order`), and the one
//! transition table every status change goes through.

use super::{ClientOrderId, Money, OrderId, Price, Qty, Symbol};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
    /// +1 for buys, -1 for sells.
    pub fn sign(self) -> i64 {
        match self {
            Side::Buy => 1,
            Side::Sell => -1,
        }
    }
    /// Bybit's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "Buy",
            Side::Sell => "Sell",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderType {
    Market,
    Limit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimeInForce {
    /// Good till cancelled.
    Gtc,
    /// Immediate or cancel.
    Ioc,
    /// Fill or kill.
    Fok,
    /// Maker only: rejected (cancelled) if it would take liquidity.
    PostOnly,
}

/// Which way the price must cross `trigger_price` for a conditional order (Bybit 1 = rise, 2 = fall).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TriggerDirection {
    Rising,
    Falling,
}

/// Who asked for an order; used for attribution and for the risk rules that differ by origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderOrigin {
    /// A trading mode's signal (index into the engine's mode list).
    Strategy(u8),
    /// A protective stop or exit managed by the risk stage.
    Protective(u8),
    /// Typed by the operator.
    Manual,
    /// The kill switch or a flatten command.
    Flatten,
}

/// Bybit's `positionIdx`: which of a symbol's positions an order, fill or position belongs to.
/// One-way mode has one position per symbol (0); hedge mode has a long (1, the Buy side) and a
/// short (2, the Sell side) that open, close and are margined separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum PositionIdx {
    /// One-way mode (0).
    #[default]
    OneWay,
    /// Hedge mode, the Buy side (1): the long position.
    Long,
    /// Hedge mode, the Sell side (2): the short position.
    Short,
}

impl PositionIdx {
    /// Bybit's number (0, 1, 2).
    pub fn code(self) -> u8 {
        match self {
            PositionIdx::OneWay => 0,
            PositionIdx::Long => 1,
            PositionIdx::Short => 2,
        }
    }
    /// From Bybit's number; `None` for anything but 0, 1, 2.
    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            0 => Some(PositionIdx::OneWay),
            1 => Some(PositionIdx::Long),
            2 => Some(PositionIdx::Short),
            _ => None,
        }
    }
    /// The hedge-mode position a `side` order acts on: an opening Buy (or closing Sell) the long,
    /// an opening Sell (or closing Buy) the short.
    pub fn hedge(side: Side, reduce_only: bool) -> Self {
        match (side, reduce_only) {
            (Side::Buy, false) | (Side::Sell, true) => PositionIdx::Long,
            (Side::Sell, false) | (Side::Buy, true) => PositionIdx::Short,
        }
    }
    /// The idx a `side` order acting on a position takes in `mode` (0 in one-way mode).
    pub fn for_order(mode: PositionMode, side: Side, reduce_only: bool) -> Self {
        match mode {
            PositionMode::OneWay => PositionIdx::OneWay,
            PositionMode::Hedge => PositionIdx::hedge(side, reduce_only),
        }
    }
    /// The mode this idx belongs to.
    pub fn mode(self) -> PositionMode {
        match self {
            PositionIdx::OneWay => PositionMode::OneWay,
            _ => PositionMode::Hedge,
        }
    }
}

impl fmt::Display for PositionIdx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

/// A symbol's position mode at the venue (Bybit `switch-mode`: 0 one-way, 3 hedge "both sides").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PositionMode {
    #[default]
    OneWay,
    Hedge,
}

impl PositionMode {
    /// Bybit's `mode` number for `/v5/position/switch-mode`.
    pub fn code(self) -> u8 {
        match self {
            PositionMode::OneWay => 0,
            PositionMode::Hedge => 3,
        }
    }
    /// From Bybit's `mode` number; `None` for anything but 0 and 3.
    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            0 => Some(PositionMode::OneWay),
            3 => Some(PositionMode::Hedge),
            _ => None,
        }
    }
    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PositionMode::OneWay => "one-way",
            PositionMode::Hedge => "hedge",
        }
    }
}

impl fmt::Display for PositionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for PositionMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "one-way" | "oneway" | "one_way" => Ok(PositionMode::OneWay),
            "hedge" => Ok(PositionMode::Hedge),
            _ => Err(format!("unknown position mode {s:?} (one-way or hedge)")),
        }
    }
}

/// A request to place an order, before the venue has seen it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRequest {
    pub client_order_id: ClientOrderId,
    pub symbol: Symbol,
    pub side: Side,
    pub order_type: OrderType,
    pub qty: Qty,
    /// Limit price (limit orders only).
    pub price: Option<Price>,
    /// Makes the order conditional (stop): it rests untriggered until the price crosses this.
    pub trigger_price: Option<Price>,
    pub trigger_direction: Option<TriggerDirection>,
    pub time_in_force: TimeInForce,
    pub reduce_only: bool,
    pub origin: OrderOrigin,
    /// The price the decision was made at, for slippage accounting.
    pub decision_price: Price,
    pub ts_ms: i64,
    /// Which position the order acts on (0 in one-way mode; hedge mode: 1 long, 2 short).
    #[serde(default)]
    pub position_idx: PositionIdx,
}

impl OrderRequest {
    pub fn is_conditional(&self) -> bool {
        self.trigger_price.is_some()
    }
}

/// The life-cycle states of an order (Bybit's `orderStatus` plus our `PendingNew`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderStatus {
    /// Sent, not yet acknowledged by the venue.
    PendingNew,
    New,
    PartiallyFilled,
    Filled,
    Cancelled,
    PartiallyFilledCanceled,
    Rejected,
    /// A conditional order waiting for its trigger.
    Untriggered,
    /// A conditional order whose trigger fired; it now works like `New`.
    Triggered,
    /// A conditional order cancelled before it triggered.
    Deactivated,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 10] = [
        OrderStatus::PendingNew,
        OrderStatus::New,
        OrderStatus::PartiallyFilled,
        OrderStatus::Filled,
        OrderStatus::Cancelled,
        OrderStatus::PartiallyFilledCanceled,
        OrderStatus::Rejected,
        OrderStatus::Untriggered,
        OrderStatus::Triggered,
        OrderStatus::Deactivated,
    ];

    /// No further change is possible.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OrderStatus::Filled
                | OrderStatus::Cancelled
                | OrderStatus::PartiallyFilledCanceled
                | OrderStatus::Rejected
                | OrderStatus::Deactivated
        )
    }
    /// Still working at the venue (or about to be).
    pub fn is_open(self) -> bool {
        !self.is_terminal()
    }
    /// Bybit's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::PendingNew => "PendingNew",
            OrderStatus::New => "New",
            OrderStatus::PartiallyFilled => "PartiallyFilled",
            OrderStatus::Filled => "Filled",
            OrderStatus::Cancelled => "Cancelled",
            OrderStatus::PartiallyFilledCanceled => "PartiallyFilledCanceled",
            OrderStatus::Rejected => "Rejected",
            OrderStatus::Untriggered => "Untriggered",
            OrderStatus::Triggered => "Triggered",
            OrderStatus::Deactivated => "Deactivated",
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that happened to an order; the transition table maps (status, event) to a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderEvent {
    /// The venue acknowledged a plain order.
    Accepted,
    /// The venue acknowledged a conditional order; it waits for its trigger.
    AcceptedConditional,
    Rejected,
    Triggered,
    /// A fill that leaves some quantity open.
    PartiallyFilled,
    /// A fill that completes the order.
    Filled,
    Cancelled,
    Amended,
}

impl OrderEvent {
    pub const ALL: [OrderEvent; 8] = [
        OrderEvent::Accepted,
        OrderEvent::AcceptedConditional,
        OrderEvent::Rejected,
        OrderEvent::Triggered,
        OrderEvent::PartiallyFilled,
        OrderEvent::Filled,
        OrderEvent::Cancelled,
        OrderEvent::Amended,
    ];
}

/// An event that the current status cannot take; logged and alerted, never applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("order {client_order_id}: {event:?} is impossible in status {from}")]
pub struct InvalidTransition {
    pub client_order_id: ClientOrderId,
    pub from: OrderStatus,
    pub event: OrderEvent,
}

/// The transition table. `filled_before` says whether the order had any fill, which decides
/// between `Cancelled` and `PartiallyFilledCanceled`.
pub fn next_status(from: OrderStatus, event: OrderEvent, filled_before: bool) -> Option<OrderStatus> {
    use OrderEvent as E;
    use OrderStatus as S;
    Some(match (from, event) {
        (S::PendingNew, E::Accepted) => S::New,
        (S::PendingNew, E::AcceptedConditional) => S::Untriggered,
        (S::PendingNew, E::Rejected) => S::Rejected,
        // A fill may overtake the acknowledgement on the wire.
        (S::PendingNew | S::New | S::Triggered | S::PartiallyFilled | S::Untriggered, E::PartiallyFilled) => {
            S::PartiallyFilled
        }
        (S::PendingNew | S::New | S::Triggered | S::PartiallyFilled | S::Untriggered, E::Filled) => S::Filled,
        // IOC/post-only orders can be cancelled straight from PendingNew.
        (S::PendingNew | S::New | S::Triggered | S::PartiallyFilled, E::Cancelled) => {
            if filled_before {
                S::PartiallyFilledCanceled
            } else {
                S::Cancelled
            }
        }
        (S::Untriggered, E::Triggered) => S::Triggered,
        (S::Untriggered, E::Cancelled) => S::Deactivated,
        (S::New | S::PartiallyFilled | S::Untriggered | S::Triggered, E::Amended) => from,
        // Duplicate acknowledgements are harmless (reconnects replay them).
        (S::New, E::Accepted) | (S::Untriggered, E::AcceptedConditional) => from,
        _ => return None,
    })
}

/// An order as we track it, kept true to the venue's reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub request: OrderRequest,
    pub order_id: Option<OrderId>,
    pub status: OrderStatus,
    /// Current order quantity (may change by amend).
    pub qty: Qty,
    pub price: Option<Price>,
    pub trigger_price: Option<Price>,
    pub filled_qty: Qty,
    /// Sum of price × qty over fills, for the average fill price.
    pub filled_value: Money,
    pub fees: Money,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub reject_reason: Option<String>,
}

impl Order {
    pub fn new(request: OrderRequest) -> Self {
        Self {
            order_id: None,
            status: OrderStatus::PendingNew,
            qty: request.qty,
            price: request.price,
            trigger_price: request.trigger_price,
            filled_qty: Qty::ZERO,
            filled_value: Money::ZERO,
            fees: Money::ZERO,
            created_ms: request.ts_ms,
            updated_ms: request.ts_ms,
            reject_reason: None,
            request,
        }
    }
    pub fn client_order_id(&self) -> ClientOrderId {
        self.request.client_order_id
    }
    pub fn symbol(&self) -> Symbol {
        self.request.symbol
    }
    pub fn side(&self) -> Side {
        self.request.side
    }
    pub fn remaining(&self) -> Qty {
        self.qty - self.filled_qty
    }
    pub fn avg_fill_price(&self) -> Option<Price> {
        Price::average(self.filled_value, self.filled_qty)
    }

    /// Applies a non-fill event through the transition table.
    pub fn apply(&mut self, event: OrderEvent, ts_ms: i64) -> Result<OrderStatus, InvalidTransition> {
        match next_status(self.status, event, self.filled_qty.is_positive()) {
            Some(s) => {
                self.status = s;
                self.updated_ms = ts_ms;
                Ok(s)
            }
            None => Err(InvalidTransition { client_order_id: self.client_order_id(), from: self.status, event }),
        }
    }

    /// Applies a fill: adds quantity and value, then moves the status through the table.
    /// An overfill is refused as an invalid transition.
    pub fn apply_fill(
        &mut self,
        price: Price,
        qty: Qty,
        fee: Money,
        ts_ms: i64,
    ) -> Result<OrderStatus, InvalidTransition> {
        let filled = self.filled_qty + qty;
        let event = if filled >= self.qty { OrderEvent::Filled } else { OrderEvent::PartiallyFilled };
        if filled > self.qty || !qty.is_positive() {
            return Err(InvalidTransition { client_order_id: self.client_order_id(), from: self.status, event });
        }
        let status = self.apply(event, ts_ms)?;
        self.filled_qty = filled;
        self.filled_value += price * qty;
        self.fees += fee;
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ClientOrderId, Symbol};

    fn request() -> OrderRequest {
        OrderRequest {
            position_idx: Default::default(),
            client_order_id: ClientOrderId::new("t-1").unwrap(),
            symbol: Symbol::new("BTCUSDT").unwrap(),
            side: Side::Buy,
            order_type: OrderType::Limit,
            qty: "0.3".parse().unwrap(),
            price: Some("100".parse().unwrap()),
            trigger_price: None,
            trigger_direction: None,
            time_in_force: TimeInForce::Gtc,
            reduce_only: false,
            origin: OrderOrigin::Manual,
            decision_price: "100".parse().unwrap(),
            ts_ms: 0,
        }
    }

    /// Walks every (status, event) pair and checks the table's answer against the rules.
    #[test]
    fn transition_table_walks_every_pair() {
        let mut allowed = 0;
        for from in OrderStatus::ALL {
            for event in OrderEvent::ALL {
                for filled in [false, true] {
                    let next = next_status(from, event, filled);
                    if from.is_terminal() {
                        assert_eq!(next, None, "{from:?} is terminal but took {event:?}");
                        continue;
                    }
                    if let Some(to) = next {
                        allowed += 1;
                        match event {
                            OrderEvent::Rejected => {
                                assert_eq!((from, to), (OrderStatus::PendingNew, OrderStatus::Rejected))
                            }
                            OrderEvent::Filled => assert_eq!(to, OrderStatus::Filled),
                            OrderEvent::PartiallyFilled => assert_eq!(to, OrderStatus::PartiallyFilled),
                            OrderEvent::Cancelled if from == OrderStatus::Untriggered => {
                                assert_eq!(to, OrderStatus::Deactivated)
                            }
                            OrderEvent::Cancelled if filled => assert_eq!(to, OrderStatus::PartiallyFilledCanceled),
                            OrderEvent::Cancelled => assert_eq!(to, OrderStatus::Cancelled),
                            OrderEvent::Triggered => {
                                assert_eq!((from, to), (OrderStatus::Untriggered, OrderStatus::Triggered))
                            }
                            OrderEvent::Amended => assert_eq!(to, from),
                            OrderEvent::Accepted | OrderEvent::AcceptedConditional => {
                                assert!(matches!(to, OrderStatus::New | OrderStatus::Untriggered))
                            }
                        }
                    } else {
                        // Spot-check what must be refused.
                        assert!(
                            !(from == OrderStatus::New && event == OrderEvent::Cancelled),
                            "a working order must be cancellable"
                        );
                    }
                }
            }
        }
        assert_eq!(allowed, 50);
    }

    #[test]
    fn fills_accumulate_and_overfill_is_refused() {
        let mut o = Order::new(request());
        o.apply(OrderEvent::Accepted, 1).unwrap();
        assert_eq!(
            o.apply_fill("100".parse().unwrap(), "0.1".parse().unwrap(), Money::ZERO, 2).unwrap(),
            OrderStatus::PartiallyFilled
        );
        assert_eq!(
            o.apply_fill("99".parse().unwrap(), "0.2".parse().unwrap(), Money::ZERO, 3).unwrap(),
            OrderStatus::Filled
        );
        // (100*0.1 + 99*0.2) / 0.3 = 29.8 / 0.3 = 99.333333333...
        assert_eq!(o.avg_fill_price().unwrap().to_string(), "99.33333333");
        assert!(o.apply_fill("99".parse().unwrap(), "0.1".parse().unwrap(), Money::ZERO, 4).is_err());
        let e = o.apply(OrderEvent::Cancelled, 5).unwrap_err();
        assert_eq!(e.from, OrderStatus::Filled);
        assert_eq!(o.status, OrderStatus::Filled);
    }

    #[test]
    fn cancel_after_partial_fill_is_partially_filled_canceled() {
        let mut o = Order::new(request());
        o.apply(OrderEvent::Accepted, 1).unwrap();
        o.apply_fill("100".parse().unwrap(), "0.1".parse().unwrap(), Money::ZERO, 2).unwrap();
        assert_eq!(o.apply(OrderEvent::Cancelled, 3).unwrap(), OrderStatus::PartiallyFilledCanceled);
    }
}
