//! Typed risk rejections: which limit, the value, the limit and the excess, so the operator (and
//! the logs) see exactly why an order was refused.

use super::TradingState;
use crate::domain::reason::{write_cents, Arg};
use crate::domain::{Money, OrderRequest, Qty, Reason, RuleViolation, Side};
use crate::reason;
use std::fmt;

/// The limits an order can break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitKind {
    OrderSize,
    ManualOrderSize,
    PerSymbolExposure,
    TotalExposure,
    Leverage,
    OpenPositions,
    CorrelatedExposure,
    /// Manual price too far from the mark.
    FatFinger,
    DailyLoss,
    Drawdown,
}

impl LimitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::OrderSize => "order size",
            LimitKind::ManualOrderSize => "manual order size",
            LimitKind::PerSymbolExposure => "per-symbol exposure",
            LimitKind::TotalExposure => "total exposure",
            LimitKind::Leverage => "leverage",
            LimitKind::OpenPositions => "open positions",
            LimitKind::CorrelatedExposure => "correlated exposure",
            LimitKind::FatFinger => "price distance from mark",
            LimitKind::DailyLoss => "daily loss",
            LimitKind::Drawdown => "drawdown",
        }
    }
}

/// How a limit's numbers are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Usdt,
    Count,
    /// Values are percentages (12.5 means 12.5 %).
    Percent,
    /// A multiple of equity (leverage).
    Multiple,
}

/// A numeric limit broken: `value` is over `limit` by `excess` (all in `unit`, exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitBreach {
    pub kind: LimitKind,
    pub value: Money,
    pub limit: Money,
    pub excess: Money,
    pub unit: Unit,
}

impl LimitBreach {
    /// `Some` when `value > limit`.
    pub fn check(kind: LimitKind, value: Money, limit: Money, unit: Unit) -> Result<(), LimitBreach> {
        if value > limit {
            Err(LimitBreach { kind, value, limit, excess: value - limit, unit })
        } else {
            Ok(())
        }
    }
}

impl LimitBreach {
    /// `per-symbol exposure 25,000.00 USDT exceeds limit 20,000.00 by 5,000.00`, kept as its
    /// parts until read.
    pub fn reason(&self) -> Reason {
        let n = |m: Money| if self.unit == Unit::Count { Arg::Count(m) } else { Arg::Cents(m) };
        let (v, l, e) = (n(self.value), n(self.limit), n(self.excess));
        let name = Arg::Str(self.kind.as_str());
        match self.unit {
            Unit::Usdt => Reason::template("{} {} USDT exceeds limit {} by {}", &[name, v, l, e]),
            Unit::Count => Reason::template("{} {} exceeds limit {} by {}", &[name, v, l, e]),
            Unit::Percent => Reason::template("{} {}% exceeds limit {}% by {}%", &[name, v, l, e]),
            Unit::Multiple => Reason::template("{} {}x exceeds limit {}x by {}x", &[name, v, l, e]),
        }
    }
}

impl fmt::Display for LimitBreach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.reason().fmt(f)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RiskRejection {
    Limit(LimitBreach),
    /// The trading state does not allow the order (kill switch, daily loss, reducing-only).
    State {
        state: TradingState,
        cause: Option<LimitKind>,
    },
    /// A reduce-only order that would not reduce the position.
    ReduceOnly {
        side: Side,
        qty: Qty,
        position: Qty,
    },
    /// The order breaks the instrument's rules (tick, step, min/max).
    Instrument(RuleViolation),
}

impl RiskRejection {
    /// Why, kept as its parts until read (no formatting when an order is refused).
    pub fn reason(&self) -> Reason {
        match self {
            RiskRejection::Limit(b) => b.reason(),
            RiskRejection::State { state, cause } => {
                let mut r = match state {
                    TradingState::Halted => {
                        reason!("trading is halted (kill switch): only flattening orders pass")
                    }
                    _ => reason!("trading is reducing-only: the order would not reduce the position"),
                };
                if let Some(c) = cause {
                    r.push(" ({} limit hit)", &[Arg::Str(c.as_str())]);
                }
                r
            }
            RiskRejection::ReduceOnly { side, qty, position } => {
                reason!("reduce-only {} {} would not reduce the position {}", *side, *qty, *position)
            }
            RiskRejection::Instrument(v) => v.reason(),
        }
    }
}

impl fmt::Display for RiskRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.reason().fmt(f)
    }
}

impl From<LimitBreach> for RiskRejection {
    fn from(b: LimitBreach) -> Self {
        RiskRejection::Limit(b)
    }
}

impl From<RuleViolation> for RiskRejection {
    fn from(v: RuleViolation) -> Self {
        RiskRejection::Instrument(v)
    }
}

/// An order the risk stage refused: the request, the typed rejection and its text.
/// An order the risk checks refused, and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskRefusal {
    pub request: OrderRequest,
    pub rejection: RiskRejection,
}

impl RiskRefusal {
    pub fn new(request: OrderRequest, rejection: RiskRejection) -> Self {
        Self { request, rejection }
    }
    /// Why, as the operator reads it (`RiskRejection::reason`).
    pub fn reason(&self) -> Reason {
        self.rejection.reason()
    }
    pub fn breach(&self) -> Option<&LimitBreach> {
        match &self.rejection {
            RiskRejection::Limit(b) => Some(b),
            _ => None,
        }
    }
}

/// `m` rounded to cents with thousands separators (`25,000.00`).
pub fn two_decimals(m: Money) -> String {
    let mut s = String::new();
    let _ = write_cents(&mut s, m);
    s
}
