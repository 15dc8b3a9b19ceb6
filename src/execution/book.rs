//! A small position book: signed position per symbol as the sum of fills (the venue's report
//! wins after reconciliation through `set`).

use crate::domain::{Fill, Qty, Symbol};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PositionBook {
    positions: Vec<(Symbol, Qty)>,
}

impl PositionBook {
    pub fn apply_fill(&mut self, fill: &Fill) {
        let q = fill.qty.signed(fill.side);
        match self.positions.iter_mut().find(|p| p.0 == fill.symbol) {
            Some(p) => p.1 += q,
            None => self.positions.push((fill.symbol, q)),
        }
    }
    pub fn get(&self, symbol: Symbol) -> Qty {
        self.positions.iter().find(|p| p.0 == symbol).map(|p| p.1).unwrap_or(Qty::ZERO)
    }
    /// Adopts a position (the venue's, after reconciliation).
    pub fn set(&mut self, symbol: Symbol, qty: Qty) {
        match self.positions.iter_mut().find(|p| p.0 == symbol) {
            Some(p) => p.1 = qty,
            None => self.positions.push((symbol, qty)),
        }
    }
    /// Every symbol seen, flat ones included.
    pub fn as_slice(&self) -> &[(Symbol, Qty)] {
        &self.positions
    }
    pub fn open_count(&self) -> usize {
        self.positions.iter().filter(|p| !p.1.is_zero()).count()
    }
}
