//! Plain types shared by every part of Auto-Bot. Depends on nothing else of ours.

mod account;
mod event;
mod hash;
mod instrument;
mod interval;
mod market;
mod num;
mod order;
pub mod reason;
mod text;

pub use account::{Balance, ClosedTrade, Fill, Position};
pub use event::{
    Action, Alert, AlertLevel, Command, EquityPoint, Event, ManualOrder, ModeSwitch, OrderUpdate, RejectReason,
    SignalRecord, VenueAccount,
};
pub use hash::{FastHasher, FastMap, FastSet};
pub use instrument::{Instrument, RuleViolation};
pub use interval::{civil_from_days, days_from_civil, Interval, UnknownInterval};
pub use market::{BookError, BookUpdate, BookUpdateKind, Candle, Level, Liquidation, OrderBook, Ticker, Trade};
pub use num::{div_round_half_even, Money, ParseDecimalError, Price, Qty, Rate, Rounding, DECIMALS, SCALE};
pub use order::{
    next_status, InvalidTransition, Order, OrderEvent, OrderOrigin, OrderRequest, OrderStatus, OrderType, PositionIdx,
    PositionMode, Side, TimeInForce, TriggerDirection,
};
pub use reason::Reason;
pub use text::{ClientOrderId, ExecId, InlineStrError, OrderId, Symbol};
