//! Portfolio rebalancing to target weights and hedge sizing: pure functions from positions and
//! prices to order requests that respect the quantity step, minimum quantity and minimum order
//! value. The caller builds `OrderRequest`s from them and runs them through risk.

use crate::domain::{Instrument, Money, Price, Qty, Rate, Side, Symbol};

/// A symbol's current position and price.
#[derive(Debug, Clone, Copy)]
pub struct Holding<'a> {
    pub instrument: &'a Instrument,
    /// Signed position.
    pub position: Qty,
    pub price: Price,
}

/// One order of a rebalance or hedge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebalanceOrder {
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Qty,
    /// The order only shrinks (or closes) a position.
    pub reduce_only: bool,
}

/// Orders that move each holding to `equity × weight` of notional (negative weight: short).
/// Holdings without a target go flat; targets without a holding (no instrument or price) are
/// skipped. Target quantities are rounded toward zero on the step; orders under the minimum
/// quantity, or opening orders under the minimum value, are left out. A flip is split into a
/// reduce-only close and an opening order. Reducing orders come first (they free margin), each
/// group sorted by symbol.
pub fn rebalance(equity: Money, holdings: &[Holding<'_>], targets: &[(Symbol, Rate)]) -> Vec<RebalanceOrder> {
    let mut out = Vec::new();
    for h in holdings {
        let weight = targets.iter().find(|t| t.0 == h.instrument.symbol).map(|t| t.1).unwrap_or(Rate::ZERO);
        let target = equity.mul_rate(weight.abs()).qty_at(h.price, h.instrument.qty_step);
        let target = if weight.is_negative() { -target } else { target };
        orders_towards(h, target, &mut out);
    }
    out.sort_by(|a, b| (!a.reduce_only, a.symbol.as_str()).cmp(&(!b.reduce_only, b.symbol.as_str())));
    out
}

/// The order that brings the `hedge` holding to offset `exposure` (signed notional of what is
/// hedged) times `ratio` (a hedge ratio or beta): target = −exposure × ratio / hedge price.
pub fn hedge_order(exposure: Money, hedge: &Holding<'_>, ratio: Rate) -> Vec<RebalanceOrder> {
    let target = exposure.mul_rate(ratio).abs().qty_at(hedge.price, hedge.instrument.qty_step);
    let target = if exposure.mul_rate(ratio).is_positive() { -target } else { target };
    let mut out = Vec::new();
    orders_towards(hedge, target, &mut out);
    out
}

fn orders_towards(h: &Holding<'_>, target: Qty, out: &mut Vec<RebalanceOrder>) {
    let inst = h.instrument;
    let symbol = inst.symbol;
    let current = h.position;
    if target == current || !h.price.is_positive() {
        return;
    }
    let side_to = |delta: Qty| if delta.is_positive() { Side::Buy } else { Side::Sell };
    let flips = !current.is_zero() && !target.is_zero() && current.is_positive() != target.is_positive();
    let (close, open) = if flips {
        (-current, target)
    } else if current.is_zero() || (target.abs() > current.abs()) {
        (Qty::ZERO, target - current)
    } else {
        (target - current, Qty::ZERO)
    };
    if !close.is_zero() && close.abs() >= inst.min_qty {
        out.push(RebalanceOrder { symbol, side: side_to(close), qty: close.abs(), reduce_only: true });
    }
    let qty = open.abs();
    if !qty.is_zero() && qty >= inst.min_qty && h.price * qty >= inst.min_notional && qty <= inst.max_qty {
        out.push(RebalanceOrder { symbol, side: side_to(open), qty, reduce_only: false });
    }
}
