//! Position modes of the simulated venue: the per-symbol switch (Bybit's
//! `/v5/position/switch-mode` and its refusals), which of a market's two positions an order or
//! report is about, and which orders close their position whatever their reduce-only flag.

use super::account::PosState;
use super::{Market, SimExchange};
use crate::domain::{OrderRequest, Position, PositionIdx, PositionMode, Side, Symbol};

impl SimExchange {
    /// The symbol's position with `idx` (0 in one-way mode, 1 long / 2 short in hedge mode);
    /// `None` for an unknown symbol or an idx of the other mode.
    pub fn position_of(&self, symbol: Symbol, idx: PositionIdx) -> Option<Position> {
        let m = self.markets.iter().position(|mk| mk.inst.symbol == symbol)?;
        (idx.mode() == self.markets[m].mode()).then(|| self.position_at(m, idx, self.now_ms))
    }

    /// The symbol's position mode (one-way for an unknown symbol).
    pub fn position_mode(&self, symbol: Symbol) -> PositionMode {
        self.markets.iter().find(|mk| mk.inst.symbol == symbol).map_or(PositionMode::OneWay, Market::mode)
    }

    /// Switches `symbol` to `mode`, as Bybit's `/v5/position/switch-mode`: refused while the
    /// symbol has a position (110024) or working orders (110028), or when it is already in
    /// that mode (110025).
    pub fn switch_position_mode(&mut self, symbol: Symbol, mode: PositionMode) -> Result<(), SwitchRefused> {
        let m = self.markets.iter().position(|mk| mk.inst.symbol == symbol).ok_or(SwitchRefused::UnknownSymbol)?;
        let mk = &self.markets[m];
        if mk.mode() == mode {
            return Err(SwitchRefused::NotModified);
        }
        if !mk.pos.is_flat() || !mk.short.is_flat() {
            return Err(SwitchRefused::HasPosition);
        }
        if self.orders.iter().any(|o| o.market == m && o.order.status.is_open()) {
            return Err(SwitchRefused::HasOrders);
        }
        let mk = &mut self.markets[m];
        mk.hedge = mode == PositionMode::Hedge;
        mk.pos = PosState::default();
        mk.short = PosState::default();
        mk.watch_stale = true;
        Ok(())
    }
}

/// Why `switch_position_mode` refused (Bybit's codes in the names' docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SwitchRefused {
    #[error("unknown symbol")]
    UnknownSymbol,
    /// 110025.
    #[error("position mode not modified")]
    NotModified,
    /// 110024.
    #[error("cannot switch position mode: a position exists")]
    HasPosition,
    /// 110028.
    #[error("cannot switch position mode: open orders exist")]
    HasOrders,
}

impl Market {
    pub(super) fn mode(&self) -> PositionMode {
        if self.hedge {
            PositionMode::Hedge
        } else {
            PositionMode::OneWay
        }
    }
    /// The idx of the position `position()` reports: 0, or the long side in hedge mode.
    pub(super) fn first_idx(&self) -> PositionIdx {
        if self.hedge {
            PositionIdx::Long
        } else {
            PositionIdx::OneWay
        }
    }
    /// The position an order or report with `idx` is about (the short side only for idx 2).
    #[inline]
    pub(super) fn side(&self, idx: PositionIdx) -> &PosState {
        if idx == PositionIdx::Short {
            &self.short
        } else {
            &self.pos
        }
    }
    #[inline]
    pub(super) fn side_mut(&mut self, idx: PositionIdx) -> &mut PosState {
        if idx == PositionIdx::Short {
            &mut self.short
        } else {
            &mut self.pos
        }
    }
}

/// Whether an order closes its position whatever its reduce-only flag: in hedge mode a Sell on
/// the long (idx 1) or a Buy on the short (idx 2).
#[inline]
pub(super) fn closes(req: &OrderRequest) -> bool {
    req.reduce_only
        || matches!((req.position_idx, req.side), (PositionIdx::Long, Side::Sell) | (PositionIdx::Short, Side::Buy))
}
