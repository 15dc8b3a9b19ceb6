//! Account state: fills, positions and balances as the venue reports them.

use super::{ClientOrderId, ExecId, Money, OrderId, PositionIdx, Price, Qty, Rate, Side, Symbol};
use serde::{Deserialize, Serialize};

/// One execution of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    pub symbol: Symbol,
    pub client_order_id: ClientOrderId,
    pub order_id: OrderId,
    pub exec_id: ExecId,
    pub side: Side,
    pub price: Price,
    pub qty: Qty,
    /// Fee paid (positive) or rebate received (negative), in settlement currency.
    pub fee: Money,
    pub fee_rate: Rate,
    pub is_maker: bool,
    pub ts_ms: i64,
}

impl Fill {
    pub fn notional(&self) -> Money {
        self.price * self.qty
    }
}

/// A linear-perpetual position in one-way mode. `size` is signed: long > 0, short < 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub symbol: Symbol,
    pub size: Qty,
    /// Entry value (|size| × average entry price), exact.
    pub entry_value: Money,
    pub leverage: Rate,
    pub mark_price: Price,
    pub unrealised_pnl: Money,
    /// Realised PnL since the position opened (fees and funding included).
    pub realised_pnl: Money,
    /// Initial margin held for the position.
    pub margin: Money,
    pub liq_price: Option<Price>,
    pub ts_ms: i64,
    /// Which of the symbol's positions this is (0 one-way; hedge mode 1 long, 2 short).
    #[serde(default)]
    pub position_idx: PositionIdx,
}

impl Position {
    pub fn flat(symbol: Symbol) -> Self {
        Self {
            symbol,
            size: Qty::ZERO,
            entry_value: Money::ZERO,
            leverage: Rate::ONE,
            mark_price: Price::ZERO,
            unrealised_pnl: Money::ZERO,
            realised_pnl: Money::ZERO,
            margin: Money::ZERO,
            liq_price: None,
            ts_ms: 0,
            position_idx: PositionIdx::OneWay,
        }
    }
    pub fn is_flat(&self) -> bool {
        self.size.is_zero()
    }
    pub fn side(&self) -> Option<Side> {
        if self.size.is_positive() {
            Some(Side::Buy)
        } else if self.size.is_negative() {
            Some(Side::Sell)
        } else {
            None
        }
    }
    /// Average entry price.
    pub fn entry_price(&self) -> Option<Price> {
        Price::average(self.entry_value, self.size.abs())
    }
    /// Notional at the mark price.
    pub fn notional(&self) -> Money {
        self.mark_price * self.size.abs()
    }
}

/// Wallet state of the settlement coin (USDT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    /// Deposits plus realised PnL, fees and funding.
    pub wallet_balance: Money,
    /// Wallet balance plus unrealised PnL.
    pub equity: Money,
    /// What new orders may still use.
    pub available: Money,
    pub used_margin: Money,
    pub unrealised_pnl: Money,
    pub ts_ms: i64,
}

/// A finished round trip (entry to flat), for reports and per-mode attribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedTrade {
    pub symbol: Symbol,
    /// Side of the position (Buy = long).
    pub side: Side,
    /// Trading mode that opened it (index into the engine's mode list), if any.
    pub mode: Option<u8>,
    pub entry_ts_ms: i64,
    pub exit_ts_ms: i64,
    /// Largest absolute size the position reached.
    pub qty: Qty,
    pub entry_price: Price,
    pub exit_price: Price,
    /// PnL from price moves alone.
    pub gross_pnl: Money,
    pub fees: Money,
    /// Funding paid (positive) or received (negative) while open.
    pub funding: Money,
}

impl ClosedTrade {
    /// Gross PnL minus fees and funding.
    pub fn net_pnl(&self) -> Money {
        self.gross_pnl - self.fees - self.funding
    }
}
