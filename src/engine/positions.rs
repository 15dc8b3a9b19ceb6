//! Positions from the sum of fills, with exact realised PnL and round-trip (closed trade) records.

use crate::domain::{div_round_half_even, ClosedTrade, Fill, Money, Price, Qty, Side, Symbol};

/// One symbol's position as our fills built it, plus the round trip in progress.
#[derive(Debug, Clone)]
pub struct PositionBook {
    symbol: Symbol,
    /// Signed size: long > 0.
    size: Qty,
    /// |size| × average entry, exact.
    entry_value: Money,
    /// Realised gross PnL over the book's life.
    realised: Money,
    fees: Money,
    open: Option<OpenTrade>,
}

#[derive(Debug, Clone, Copy)]
struct OpenTrade {
    side: Side,
    mode: Option<u8>,
    entry_ts_ms: i64,
    max_qty: Qty,
    entry_value_total: Money,
    entry_qty_total: Qty,
    exit_value: Money,
    exit_qty: Qty,
    gross: Money,
    fees: Money,
}

impl PositionBook {
    pub fn new(symbol: Symbol) -> Self {
        Self { symbol, size: Qty::ZERO, entry_value: Money::ZERO, realised: Money::ZERO, fees: Money::ZERO, open: None }
    }
    pub fn size(&self) -> Qty {
        self.size
    }
    pub fn entry_value(&self) -> Money {
        self.entry_value
    }
    pub fn entry_price(&self) -> Option<Price> {
        Price::average(self.entry_value, self.size.abs())
    }
    pub fn realised(&self) -> Money {
        self.realised
    }
    pub fn fees(&self) -> Money {
        self.fees
    }
    /// Fees paid over the current round trip so far (zero when flat).
    pub fn trip_fees(&self) -> Money {
        self.open.map(|o| o.fees).unwrap_or(Money::ZERO)
    }
    /// Mode that opened the current round trip.
    pub fn mode(&self) -> Option<u8> {
        self.open.and_then(|o| o.mode)
    }
    pub fn entry_ts_ms(&self) -> Option<i64> {
        self.open.map(|o| o.entry_ts_ms)
    }
    /// Unrealised PnL at `price`, exact.
    pub fn unrealised(&self, price: Price) -> Money {
        if self.size.is_zero() {
            return Money::ZERO;
        }
        let value = price * self.size.abs();
        if self.size.is_positive() {
            value - self.entry_value
        } else {
            self.entry_value - value
        }
    }

    /// Replaces the state with the venue's view (reconciliation: the venue wins).
    pub fn adopt(&mut self, size: Qty, entry_value: Money, ts_ms: i64) {
        self.size = size;
        self.entry_value = entry_value;
        if size.is_zero() {
            self.open = None;
        } else if self.open.is_none() {
            let side = if size.is_positive() { Side::Buy } else { Side::Sell };
            self.open = Some(OpenTrade::new(side, None, ts_ms, size.abs(), entry_value));
        }
    }

    /// Applies a fill; returns the round trip it completed, if any. `mode` tags a new trip.
    pub fn apply(&mut self, fill: &Fill, mode: Option<u8>) -> Option<ClosedTrade> {
        self.fees += fill.fee;
        let signed = fill.qty.signed(fill.side);
        let same_way = self.size.is_zero() || self.size.is_positive() == signed.is_positive();
        if same_way {
            self.add(fill, fill.qty, fill.fee, mode);
            return None;
        }
        let closing = fill.qty.min(self.size.abs());
        let opening = fill.qty - closing;
        // Split the fee between the closing and the opening part by quantity.
        let close_fee = if opening.is_zero() {
            fill.fee
        } else {
            Money::from_raw(
                div_round_half_even(fill.fee.raw() as i128 * closing.raw() as i128, fill.qty.raw() as i128) as i64
            )
        };
        let portion = Money::from_raw(div_round_half_even(
            self.entry_value.raw() as i128 * closing.raw() as i128,
            self.size.abs().raw() as i128,
        ) as i64);
        let exit_value = fill.price * closing;
        let gross = if self.size.is_positive() { exit_value - portion } else { portion - exit_value };
        self.realised += gross;
        self.entry_value -= portion;
        self.size = self.size + closing.signed(fill.side);
        let mut closed = None;
        if let Some(open) = self.open.as_mut() {
            open.exit_value += exit_value;
            open.exit_qty += closing;
            open.gross += gross;
            open.fees += close_fee;
        }
        if self.size.is_zero() {
            self.entry_value = Money::ZERO;
            closed = self.open.take().map(|o| o.finish(self.symbol, fill.ts_ms));
        }
        if opening.is_positive() {
            self.add(fill, opening, fill.fee - close_fee, mode);
        }
        closed
    }

    fn add(&mut self, fill: &Fill, qty: Qty, fee: Money, mode: Option<u8>) {
        let value = fill.price * qty;
        self.size = self.size + qty.signed(fill.side);
        self.entry_value += value;
        match self.open.as_mut() {
            Some(open) => {
                open.max_qty = open.max_qty.max(self.size.abs());
                open.entry_value_total += value;
                open.entry_qty_total += qty;
                open.fees += fee;
            }
            None => {
                let mut o = OpenTrade::new(fill.side, mode, fill.ts_ms, qty, value);
                o.fees = fee;
                self.open = Some(o);
            }
        }
    }
}

impl OpenTrade {
    fn new(side: Side, mode: Option<u8>, ts_ms: i64, qty: Qty, value: Money) -> Self {
        Self {
            side,
            mode,
            entry_ts_ms: ts_ms,
            max_qty: qty,
            entry_value_total: value,
            entry_qty_total: qty,
            exit_value: Money::ZERO,
            exit_qty: Qty::ZERO,
            gross: Money::ZERO,
            fees: Money::ZERO,
        }
    }
    fn finish(self, symbol: Symbol, exit_ts_ms: i64) -> ClosedTrade {
        ClosedTrade {
            symbol,
            side: self.side,
            mode: self.mode,
            entry_ts_ms: self.entry_ts_ms,
            exit_ts_ms,
            qty: self.max_qty,
            entry_price: Price::average(self.entry_value_total, self.entry_qty_total).unwrap_or(Price::ZERO),
            exit_price: Price::average(self.exit_value, self.exit_qty).unwrap_or(Price::ZERO),
            gross_pnl: self.gross,
            fees: self.fees,
            funding: Money::ZERO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ClientOrderId, ExecId, OrderId, Rate};

    fn fill(side: Side, price: &str, qty: &str, fee: &str, ts: i64) -> Fill {
        Fill {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            client_order_id: ClientOrderId::new("c").unwrap(),
            order_id: OrderId::new("o").unwrap(),
            exec_id: ExecId::new("e").unwrap(),
            side,
            price: price.parse().unwrap(),
            qty: qty.parse().unwrap(),
            fee: fee.parse().unwrap(),
            fee_rate: Rate::ZERO,
            is_maker: false,
            ts_ms: ts,
        }
    }

    #[test]
    fn long_round_trip_with_scale_in() {
        let mut b = PositionBook::new(Symbol::new("BTCUSDT").unwrap());
        assert!(b.apply(&fill(Side::Buy, "100", "1", "0.055", 1), Some(0)).is_none());
        assert!(b.apply(&fill(Side::Buy, "110", "1", "0.0605", 2), Some(1)).is_none());
        assert_eq!(b.entry_price().unwrap().to_string(), "105");
        assert_eq!(b.unrealised("120".parse().unwrap()).to_string(), "30");
        // Sell 0.5 at 120: realised (120 - 105) * 0.5 = 7.5.
        assert!(b.apply(&fill(Side::Sell, "120", "0.5", "0.033", 3), None).is_none());
        assert_eq!(b.realised().to_string(), "7.5");
        assert_eq!(b.size().to_string(), "1.5");
        let t = b.apply(&fill(Side::Sell, "100", "1.5", "0.0825", 4), None).unwrap();
        // (100 - 105) * 1.5 = -7.5 -> gross 0 over the trip.
        assert_eq!(t.gross_pnl, Money::ZERO);
        assert_eq!(t.fees.to_string(), "0.231");
        assert_eq!(t.net_pnl().to_string(), "-0.231");
        assert_eq!((t.side, t.mode, t.entry_ts_ms, t.exit_ts_ms), (Side::Buy, Some(0), 1, 4));
        assert_eq!(t.qty.to_string(), "2");
        // Exit average: (120*0.5 + 100*1.5) / 2 = 105.
        assert_eq!(t.exit_price.to_string(), "105");
        assert!(b.size().is_zero());
        assert_eq!(b.entry_value(), Money::ZERO);
    }

    #[test]
    fn flip_splits_fee_and_opens_the_other_way() {
        let mut b = PositionBook::new(Symbol::new("BTCUSDT").unwrap());
        b.apply(&fill(Side::Sell, "200", "1", "0.1", 1), Some(2));
        // Buy 3 at 190: closes 1 short (+10), opens 2 long; fee 0.3 split 0.1 / 0.2.
        let t = b.apply(&fill(Side::Buy, "190", "3", "0.3", 2), Some(0)).unwrap();
        assert_eq!(t.gross_pnl.to_string(), "10");
        assert_eq!(t.fees.to_string(), "0.2");
        assert_eq!(t.side, Side::Sell);
        assert_eq!(b.size().to_string(), "2");
        assert_eq!(b.entry_price().unwrap().to_string(), "190");
        assert_eq!(b.mode(), Some(0));
        let t2 = b.apply(&fill(Side::Sell, "191", "2", "0", 3), None).unwrap();
        assert_eq!(t2.gross_pnl.to_string(), "2");
        assert_eq!(t2.fees.to_string(), "0.2");
    }
}
