//! Typed risk rejections: which limit, the value, the limit and the excess, so the operator (and
//! the logs) see exactly why an order was refused.

use super::TradingState;
use crate::domain::{Money, OrderRequest, Qty, RuleViolation, Side};
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

impl fmt::Display for LimitBreach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = |m: Money| match self.unit {
            Unit::Count => Amount::Count(m.raw() / crate::domain::SCALE),
            _ => Amount::Cents(m),
        };
        let (v, l, e) = (n(self.value), n(self.limit), n(self.excess));
        let name = self.kind.as_str();
        match self.unit {
            Unit::Usdt => write!(f, "{name} {v} USDT exceeds limit {l} by {e}"),
            Unit::Count => write!(f, "{name} {v} exceeds limit {l} by {e}"),
            Unit::Percent => write!(f, "{name} {v}% exceeds limit {l}% by {e}%"),
            Unit::Multiple => write!(f, "{name} {v}x exceeds limit {l}x by {e}x"),
        }
    }
}

/// Why the risk stage refused an order.
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

impl fmt::Display for RiskRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RiskRejection::Limit(b) => fmt::Display::fmt(b, f),
            RiskRejection::State { state, cause } => {
                match state {
                    TradingState::Halted => {
                        f.write_str("trading is halted (kill switch): only flattening orders pass")?
                    }
                    _ => f.write_str("trading is reducing-only: the order would not reduce the position")?,
                }
                match cause {
                    Some(c) => write!(f, " ({} limit hit)", c.as_str()),
                    None => Ok(()),
                }
            }
            RiskRejection::ReduceOnly { side, qty, position } => {
                write!(f, "reduce-only {side} {qty} would not reduce the position {position}")
            }
            RiskRejection::Instrument(v) => fmt::Display::fmt(v, f),
        }
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskRefusal {
    pub request: OrderRequest,
    pub rejection: RiskRejection,
    /// `rejection` as text (what the engine logs and shows).
    pub reason: String,
}

impl RiskRefusal {
    pub fn new(request: OrderRequest, rejection: RiskRejection) -> Self {
        Self { request, reason: rejection.to_string(), rejection }
    }
    /// The broken numeric limit, if that is why.
    pub fn breach(&self) -> Option<&LimitBreach> {
        match &self.rejection {
            RiskRejection::Limit(b) => Some(b),
            _ => None,
        }
    }
}

/// `12400.5` -> `12,400.50` (half away from zero at the cent).
pub fn two_decimals(m: Money) -> String {
    Cents(m).to_string()
}

/// A money amount to the cent with thousands separators (`12,400.50`), written straight to the
/// formatter: a refusal's text is built without allocating for its numbers.
struct Cents(Money);

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let raw = self.0.raw() as i128;
        let unit = (crate::domain::SCALE / 100) as i128;
        let cents = if raw >= 0 { (raw + unit / 2) / unit } else { (raw - unit / 2) / unit };
        if cents < 0 {
            f.write_str("-")?;
        }
        let cents = cents.unsigned_abs();
        Grouped((cents / 100) as u64).fmt(f)?;
        write!(f, ".{:02}", cents % 100)
    }
}

/// A whole number with thousands separators (`1,234,567`).
struct Grouped(u64);

impl fmt::Display for Grouped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut digits = [0u8; 20];
        let mut v = self.0;
        let mut n = 0;
        loop {
            digits[n] = b'0' + (v % 10) as u8;
            v /= 10;
            n += 1;
            if v == 0 {
                break;
            }
        }
        // Digits were written last first: emit them in order, a comma before each group of three.
        let mut text = [0u8; 26];
        let mut len = 0;
        for i in (0..n).rev() {
            text[len] = digits[i];
            len += 1;
            if i > 0 && i % 3 == 0 {
                text[len] = b',';
                len += 1;
            }
        }
        f.write_str(std::str::from_utf8(&text[..len]).unwrap_or_default())
    }
}

/// A number of a breach message, in its unit's style.
enum Amount {
    Count(i64),
    Cents(Money),
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Amount::Count(v) => {
                if v < 0 {
                    f.write_str("-")?;
                }
                Grouped(v.unsigned_abs()).fmt(f)
            }
            Amount::Cents(m) => Cents(m).fmt(f),
        }
    }
}
