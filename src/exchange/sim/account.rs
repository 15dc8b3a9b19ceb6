//! Position and margin arithmetic of the paper account: one-way positions with an exact entry
//! value, realised PnL on reduce/close/flip, the isolated-style liquidation price, funding.

use crate::domain::{div_round_half_even, Money, Price, Qty, Rate, Rounding, Side, SCALE};

/// One symbol's one-way position. `size` is signed (long > 0); `entry_value` is |size| × average
/// entry, kept exact as the sum of the opening fills' notionals (less the parts closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct PosState {
    pub size: Qty,
    pub entry_value: Money,
    /// Realised PnL since the position last left flat: gross PnL less fees and funding.
    pub realised: Money,
    pub liq_price: Option<Price>,
}

impl PosState {
    pub fn is_flat(&self) -> bool {
        self.size.is_zero()
    }

    /// Average entry price (`Price::average` of the entry value over |size|).
    pub fn entry_price(&self) -> Option<Price> {
        Price::average(self.entry_value, self.size.abs())
    }

    /// Applies a fill and returns the gross PnL it realised (before fees).
    ///
    /// Closing `c` of |size| removes `entry_value × c / |size|` (all of it on a full close), so the
    /// realised PnL is `(exit value − removed entry value) × sign`, which equals
    /// `(exit − entry) × c × sign` without rounding the average entry first. What is left of the
    /// fill after the close opens a new position at the fill price (a flip).
    pub fn apply_fill(&mut self, side: Side, price: Price, qty: Qty) -> Money {
        let signed = qty.signed(side);
        if self.size.is_zero() || self.size.is_positive() == signed.is_positive() {
            self.size += signed;
            self.entry_value += price * qty;
            return Money::ZERO;
        }
        let held = self.size.abs();
        let closed = qty.min(held);
        let removed = if closed == held {
            self.entry_value
        } else {
            Money::from_raw(div_round_half_even(
                self.entry_value.raw() as i128 * closed.raw() as i128,
                held.raw() as i128,
            ) as i64)
        };
        let exit_value = price * closed;
        let gross = if self.size.is_positive() { exit_value - removed } else { removed - exit_value };
        self.entry_value -= removed;
        self.size += signed;
        let opened = qty - closed;
        if opened.is_positive() {
            self.entry_value = price * opened;
        }
        if self.size.is_zero() {
            self.entry_value = Money::ZERO;
        }
        gross
    }

    /// Unrealised PnL at `mark`: (mark value − entry value) × sign.
    pub fn unrealised(&self, mark: Price) -> Money {
        if self.size.is_zero() || !mark.is_positive() {
            return Money::ZERO;
        }
        let value = mark * self.size.abs();
        if self.size.is_positive() {
            value - self.entry_value
        } else {
            self.entry_value - value
        }
    }

    /// Initial margin held for the position: entry value / leverage (Bybit's position margin).
    pub fn margin(&self, leverage: Rate) -> Money {
        self.entry_value.div_rate(leverage).unwrap_or(self.entry_value)
    }

    /// Recomputes the liquidation price after a change of size or entry.
    pub fn refresh_liq(&mut self, leverage: Rate, mmr: Rate, tick: Price) {
        self.liq_price = match (self.entry_price(), self.size.is_positive()) {
            (Some(entry), long) => liquidation_price(entry, long, leverage, mmr, tick),
            (None, _) => None,
        };
    }
}

/// Isolated-style liquidation price of a one-way linear position:
/// long `entry × (1 − 1/leverage + mmr)` rounded up to the tick, short
/// `entry × (1 + 1/leverage − mmr)` rounded down (both round towards the entry, so the
/// simulator liquidates no later than the exact formula). `None` when the long formula
/// reaches zero (leverage 1 with no maintenance margin cannot be liquidated).
pub(super) fn liquidation_price(entry: Price, long: bool, leverage: Rate, mmr: Rate, tick: Price) -> Option<Price> {
    let inv = Rate::ONE.div_rate(leverage)?;
    let factor = if long { Rate::ONE - inv + mmr } else { Rate::ONE + inv - mmr };
    if !factor.is_positive() {
        return None;
    }
    let raw = entry.mul_rate(factor);
    let liq = raw.round_to(tick, if long { Rounding::Up } else { Rounding::Down });
    liq.is_positive().then_some(liq)
}

/// Funding one position pays at a funding time: notional at mark × rate, signed so that a
/// positive result is paid (longs when the rate is positive) and a negative one received.
pub(super) fn funding_payment(size: Qty, mark: Price, rate: Rate) -> Money {
    let paid = (mark * size.abs()).mul_rate(rate);
    if size.is_negative() {
        -paid
    } else {
        paid
    }
}

/// `base × (1 ± bps/10 000)`, rounded to the tick against the trader (up for buys, down for sells).
pub(super) fn slipped_price(side: Side, base: Price, bps: u32, tick: Price) -> Price {
    let delta = bps as i64 * (SCALE / 10_000);
    let rate = match side {
        Side::Buy => Rate::from_raw(SCALE + delta),
        Side::Sell => Rate::from_raw((SCALE - delta).max(0)),
    };
    let mode = match side {
        Side::Buy => Rounding::Up,
        Side::Sell => Rounding::Down,
    };
    let p = base.mul_rate(rate).round_to(tick, mode);
    if p.is_positive() {
        p
    } else {
        tick
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Price {
        s.parse().unwrap()
    }
    fn q(s: &str) -> Qty {
        s.parse().unwrap()
    }

    #[test]
    fn realised_pnl_on_partial_close_full_close_and_flip() {
        let mut pos = PosState::default();
        // Long 0.3 @ 100 then 0.1 @ 103: entry value 30 + 10.3 = 40.3, average 100.75.
        assert_eq!(pos.apply_fill(Side::Buy, p("100"), q("0.3")), Money::ZERO);
        assert_eq!(pos.apply_fill(Side::Buy, p("103"), q("0.1")), Money::ZERO);
        assert_eq!(pos.entry_value.to_string(), "40.3");
        assert_eq!(pos.entry_price().unwrap().to_string(), "100.75");
        // Sell 0.1 @ 110: removes 40.3 × 0.1/0.4 = 10.075; exit 11 -> +0.925 = (110-100.75)*0.1.
        assert_eq!(pos.apply_fill(Side::Sell, p("110"), q("0.1")).to_string(), "0.925");
        assert_eq!(pos.entry_value.to_string(), "30.225");
        // Sell 0.5 @ 90: closes 0.3 (removes 30.225, exit 27 -> -3.225), opens short 0.2 @ 90.
        assert_eq!(pos.apply_fill(Side::Sell, p("90"), q("0.5")).to_string(), "-3.225");
        assert_eq!(pos.size.to_string(), "-0.2");
        assert_eq!(pos.entry_value.to_string(), "18");
        // Short 0.2 @ 90 at mark 85: +1.
        assert_eq!(pos.unrealised(p("85")).to_string(), "1");
        // Buy 0.2 @ 95 closes: (90 - 95) * 0.2 = -1.
        assert_eq!(pos.apply_fill(Side::Buy, p("95"), q("0.2")).to_string(), "-1");
        assert!(pos.is_flat());
        assert_eq!(pos.entry_value, Money::ZERO);
    }

    #[test]
    fn liquidation_price_formula() {
        let tick = p("0.1");
        let lev = Rate::from_int(10);
        let mmr: Rate = "0.005".parse().unwrap();
        // Long: 100 × (1 − 0.1 + 0.005) = 90.5; short: 100 × (1 + 0.1 − 0.005) = 109.5.
        assert_eq!(liquidation_price(p("100"), true, lev, mmr, tick), Some(p("90.5")));
        assert_eq!(liquidation_price(p("100"), false, lev, mmr, tick), Some(p("109.5")));
        // 30001 × 0.905 = 27150.905 -> up to 27151.0; × 1.095 = 32851.095 -> down to 32851.0.
        assert_eq!(liquidation_price(p("30001"), true, lev, mmr, tick), Some(p("27151")));
        assert_eq!(liquidation_price(p("30001"), false, lev, mmr, tick), Some(p("32851")));
        // 1x with no maintenance margin: a long can never be liquidated.
        assert_eq!(liquidation_price(p("100"), true, Rate::ONE, Rate::ZERO, tick), None);
    }

    #[test]
    fn funding_sign_and_slippage_rounding() {
        let rate: Rate = "0.0001".parse().unwrap();
        // 2 × 30000 = 60000 notional × 0.0001 = 6.
        assert_eq!(funding_payment(q("2"), p("30000"), rate).to_string(), "6");
        assert_eq!(funding_payment(q("-2"), p("30000"), rate).to_string(), "-6");
        // 100.05 × 1.0005 = 100.100025 -> up to 100.2 (buy); × 0.9995 = 99.999975 -> down to 99.9.
        let tick = p("0.1");
        assert_eq!(slipped_price(Side::Buy, p("100.05"), 5, tick), p("100.2"));
        assert_eq!(slipped_price(Side::Sell, p("100.05"), 5, tick), p("99.9"));
        assert_eq!(slipped_price(Side::Buy, p("100"), 0, tick), p("100"));
    }
}
