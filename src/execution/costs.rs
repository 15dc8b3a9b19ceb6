//! Execution costs per fill: slippage against the price the decision was made at, and fees.

use crate::domain::{ExecId, Fill, Money, Price, Qty, Side, Symbol};

/// What one fill cost beyond the decision price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FillCost {
    pub exec_id: ExecId,
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Qty,
    pub decision_price: Price,
    pub fill_price: Price,
    /// (fill − decision) × qty for a buy, (decision − fill) × qty for a sell: positive is a cost.
    pub slippage: Money,
    /// Slippage in basis points of the decision price (positive is a cost; analytics only).
    pub slippage_bps: f64,
    /// Fee paid (negative: rebate).
    pub fee: Money,
}

impl FillCost {
    pub fn of(fill: &Fill, decision_price: Price) -> Self {
        let against = match fill.side {
            Side::Buy => fill.price - decision_price,
            Side::Sell => decision_price - fill.price,
        };
        let bps =
            if decision_price.is_positive() { against.to_f64() / decision_price.to_f64() * 10_000.0 } else { 0.0 };
        let slippage = if decision_price.is_positive() { against * fill.qty } else { Money::ZERO };
        Self {
            exec_id: fill.exec_id,
            symbol: fill.symbol,
            side: fill.side,
            qty: fill.qty,
            decision_price,
            fill_price: fill.price,
            slippage,
            slippage_bps: bps,
            fee: fill.fee,
        }
    }

    /// Slippage plus fee.
    pub fn total(&self) -> Money {
        self.slippage + self.fee
    }
}

/// Running totals of execution costs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExecCosts {
    pub fills: u64,
    pub fees: Money,
    pub slippage: Money,
    /// Notional traded (Σ price × qty), to express costs in basis points.
    pub notional: Money,
}

impl ExecCosts {
    pub fn add(&mut self, c: &FillCost) {
        self.fills += 1;
        self.fees += c.fee;
        self.slippage += c.slippage;
        self.notional += c.fill_price * c.qty;
    }
}
