//! Position sizing: fixed-fraction risk to the stop, a volatility target, and the notional,
//! order-size and leverage caps; exact on the instrument's quantity grid.

use super::RiskEngine;
use crate::domain::{Instrument, Money, Price, Qty, Rate};

/// What sizing needs to know about a prospective entry.
#[derive(Debug, Clone, Copy)]
pub struct SizingInput<'a> {
    pub instrument: &'a Instrument,
    pub equity: Money,
    pub entry: Price,
    pub stop: Price,
    /// Average true range in price units; when known, the volatility target also caps the size.
    pub atr: Option<f64>,
    /// Exposure already held elsewhere (sum of |notional| of other positions).
    pub exposure: Money,
}

/// Which rule set the size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeCap {
    RiskToStop,
    Volatility,
    PositionNotional,
    OrderNotional,
    TotalNotional,
    Leverage,
    /// Nothing can be bought (no equity, no stop distance, no headroom).
    Nothing,
}

/// A size and the rule that bound it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizing {
    pub qty: Qty,
    pub bound_by: SizeCap,
}

impl RiskEngine {
    /// The smallest of: risk `risk_per_trade` of equity to the stop; a one-ATR move costing at most
    /// `vol_target` of equity; the per-symbol, single-order and total notional limits; the leverage
    /// headroom. Rounded down to the quantity step (never more than any rule allows).
    pub fn size_position(&self, s: &SizingInput<'_>) -> Sizing {
        let none = Sizing { qty: Qty::ZERO, bound_by: SizeCap::Nothing };
        let step = s.instrument.qty_step;
        let distance = (s.entry - s.stop).abs();
        if !distance.is_positive() || !s.entry.is_positive() || !s.equity.is_positive() {
            return none;
        }
        let rate = |v: f64| Rate::from_f64(v).unwrap_or(Rate::ZERO);
        let l = &self.limits;
        let mut best = Sizing {
            qty: s.equity.mul_rate(rate(self.config.risk_per_trade)).qty_at(distance, step),
            bound_by: SizeCap::RiskToStop,
        };
        let mut cap = |qty: Qty, by: SizeCap| {
            if qty < best.qty {
                best = Sizing { qty, bound_by: by };
            }
        };
        if let Some(atr) = s.atr.filter(|a| a.is_finite() && *a > 0.0).and_then(Price::from_f64) {
            if atr.is_positive() {
                cap(s.equity.mul_rate(rate(self.config.vol_target)).qty_at(atr, step), SizeCap::Volatility);
            }
        }
        cap(l.max_position_notional.qty_at(s.entry, step), SizeCap::PositionNotional);
        cap(l.max_order_notional.qty_at(s.entry, step), SizeCap::OrderNotional);
        cap((l.max_total_notional - s.exposure).max(Money::ZERO).qty_at(s.entry, step), SizeCap::TotalNotional);
        let headroom = (s.equity.mul_rate(l.max_leverage) - s.exposure).max(Money::ZERO);
        cap(headroom.qty_at(s.entry, step), SizeCap::Leverage);
        if best.qty.is_positive() {
            best
        } else {
            Sizing { qty: Qty::ZERO, bound_by: best.bound_by }
        }
    }

    /// Fixed-fractional sizing without a volatility input (see [`RiskEngine::size_position`]).
    pub fn size_for_stop(
        &self,
        equity: Money,
        entry: Price,
        stop: Price,
        instrument: &Instrument,
        exposure: Money,
    ) -> Qty {
        self.size_position(&SizingInput { instrument, equity, entry, stop, atr: None, exposure }).qty
    }
}
