//! Instrument rules: tick size, quantity step, limits. Every outgoing order is checked here.

use super::{Money, Price, Qty, Rate, Rounding, Symbol};
use serde::{Deserialize, Serialize};

/// Trading rules of one instrument (Bybit `instruments-info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instrument {
    pub symbol: Symbol,
    pub tick_size: Price,
    pub qty_step: Qty,
    pub min_qty: Qty,
    pub max_qty: Qty,
    /// Max quantity of a market order (Bybit `maxMktOrderQty`).
    pub max_market_qty: Qty,
    pub min_notional: Money,
    pub min_leverage: Rate,
    pub max_leverage: Rate,
}

/// Why an order breaks an instrument rule, with the offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleViolation {
    #[error("{symbol}: price {price} is not a multiple of the tick size {tick}")]
    OffTick { symbol: Symbol, price: Price, tick: Price },
    #[error("{symbol}: price must be positive, got {0}", price)]
    NonPositivePrice { symbol: Symbol, price: Price },
    #[error("{symbol}: quantity {qty} is not a multiple of the step {step}")]
    OffStep { symbol: Symbol, qty: Qty, step: Qty },
    #[error("{symbol}: quantity {qty} is below the minimum {min}")]
    BelowMinQty { symbol: Symbol, qty: Qty, min: Qty },
    #[error("{symbol}: quantity {qty} is above the maximum {max}")]
    AboveMaxQty { symbol: Symbol, qty: Qty, max: Qty },
    #[error("{symbol}: order value {notional} is below the minimum {min}")]
    BelowMinNotional { symbol: Symbol, notional: Money, min: Money },
    #[error("{symbol}: leverage {leverage} is outside {min}..={max}")]
    LeverageOutOfRange { symbol: Symbol, leverage: Rate, min: Rate, max: Rate },
}

impl RuleViolation {
    /// The same text as `Display`, kept as its parts until read (a refused order formats
    /// nothing).
    pub fn reason(&self) -> super::Reason {
        use crate::reason;
        match *self {
            RuleViolation::OffTick { symbol, price, tick } => {
                reason!("{}: price {} is not a multiple of the tick size {}", symbol, price, tick)
            }
            RuleViolation::NonPositivePrice { symbol, price } => {
                reason!("{}: price must be positive, got {}", symbol, price)
            }
            RuleViolation::OffStep { symbol, qty, step } => {
                reason!("{}: quantity {} is not a multiple of the step {}", symbol, qty, step)
            }
            RuleViolation::BelowMinQty { symbol, qty, min } => {
                reason!("{}: quantity {} is below the minimum {}", symbol, qty, min)
            }
            RuleViolation::AboveMaxQty { symbol, qty, max } => {
                reason!("{}: quantity {} is above the maximum {}", symbol, qty, max)
            }
            RuleViolation::BelowMinNotional { symbol, notional, min } => {
                reason!("{}: order value {} is below the minimum {}", symbol, notional, min)
            }
            RuleViolation::LeverageOutOfRange { symbol, leverage, min, max } => {
                reason!("{}: leverage {} is outside {}..={}", symbol, leverage, min, max)
            }
        }
    }
}

impl Instrument {
    /// Typical Bybit linear perpetual rules for a symbol the demo venue trades.
    pub fn demo(symbol: Symbol, tick: &str, step: &str, min_qty: &str, max_qty: &str) -> Self {
        let p = |s: &str| s.parse::<Price>().unwrap_or(Price::ONE);
        let q = |s: &str| s.parse::<Qty>().unwrap_or(Qty::ONE);
        Self {
            symbol,
            tick_size: p(tick),
            qty_step: q(step),
            min_qty: q(min_qty),
            max_qty: q(max_qty),
            max_market_qty: q(max_qty),
            min_notional: Money::from_int(5),
            min_leverage: Rate::ONE,
            max_leverage: Rate::from_int(100),
        }
    }

    pub fn round_price(&self, price: Price, mode: Rounding) -> Price {
        price.round_to(self.tick_size, mode)
    }

    /// Quantities are always rounded down: never trade more than asked.
    pub fn round_qty(&self, qty: Qty) -> Qty {
        qty.round_to(self.qty_step, Rounding::Down)
    }

    /// Checks a price against the tick grid.
    pub fn check_price(&self, price: Price) -> Result<(), RuleViolation> {
        if !price.is_positive() {
            return Err(RuleViolation::NonPositivePrice { symbol: self.symbol, price });
        }
        if !price.is_multiple_of(self.tick_size) {
            return Err(RuleViolation::OffTick { symbol: self.symbol, price, tick: self.tick_size });
        }
        Ok(())
    }

    /// Checks a quantity (and its value at `ref_price`) against step, min/max and min notional.
    pub fn check_qty(
        &self,
        qty: Qty,
        ref_price: Price,
        is_market: bool,
        reduce_only: bool,
    ) -> Result<(), RuleViolation> {
        if !qty.is_multiple_of(self.qty_step) {
            return Err(RuleViolation::OffStep { symbol: self.symbol, qty, step: self.qty_step });
        }
        if qty < self.min_qty {
            return Err(RuleViolation::BelowMinQty { symbol: self.symbol, qty, min: self.min_qty });
        }
        let max = if is_market { self.max_market_qty } else { self.max_qty };
        if qty > max {
            return Err(RuleViolation::AboveMaxQty { symbol: self.symbol, qty, max });
        }
        // Bybit waives the minimum order value for reduce-only orders.
        let notional = ref_price * qty;
        if !reduce_only && notional < self.min_notional {
            return Err(RuleViolation::BelowMinNotional { symbol: self.symbol, notional, min: self.min_notional });
        }
        Ok(())
    }

    pub fn check_leverage(&self, leverage: Rate) -> Result<(), RuleViolation> {
        if leverage < self.min_leverage || leverage > self.max_leverage {
            return Err(RuleViolation::LeverageOutOfRange {
                symbol: self.symbol,
                leverage,
                min: self.min_leverage,
                max: self.max_leverage,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_and_validates() {
        let i = Instrument::demo(Symbol::new("BTCUSDT").unwrap(), "0.1", "0.001", "0.001", "100");
        assert_eq!(i.round_price("100.26".parse().unwrap(), Rounding::Down).to_string(), "100.2");
        assert_eq!(i.round_qty("0.0019".parse().unwrap()).to_string(), "0.001");
        assert!(i.check_price("100.25".parse().unwrap()).is_err());
        assert!(i.check_price("100.2".parse().unwrap()).is_ok());
        let price: Price = "30000".parse().unwrap();
        assert!(matches!(
            i.check_qty("0.0001".parse().unwrap(), price, false, false),
            Err(RuleViolation::OffStep { .. })
        ));
        assert!(matches!(
            i.check_qty("101".parse().unwrap(), price, false, false),
            Err(RuleViolation::AboveMaxQty { .. })
        ));
        // 0.001 BTC at 3000 = 3 USDT < 5 USDT minimum, but fine when reduce-only.
        let cheap: Price = "3000".parse().unwrap();
        let e = i.check_qty("0.001".parse().unwrap(), cheap, false, false).unwrap_err();
        assert_eq!(e.to_string(), "BTCUSDT: order value 3 is below the minimum 5");
        assert!(i.check_qty("0.001".parse().unwrap(), cheap, false, true).is_ok());
        assert!(i.check_leverage(Rate::from_int(101)).is_err());
    }
}
