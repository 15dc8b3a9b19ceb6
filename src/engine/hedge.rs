//! Hedge legs: the volatility-hedging mode's `Hedge` intent carried out as an opposite position
//! in a correlated symbol this engine also trades, and that leg's life until it is closed.
//!
//! In one-way position mode (Bybit `positionIdx` 0, the default) a position cannot hold both
//! sides of one symbol: the engine hedges in a correlated symbol or reduces. In hedge position
//! mode (`positionIdx` 1/2) the leg is the opposite side of the same symbol (`super::hedge_same`).
//!
//! A `Hedge { fraction, symbol: Some(other) }` on symbol A opens the opposite side on `other`
//! when `other` is a different symbol the engine trades, `other` is flat with no entry working,
//! and the rolling return correlation of the two (the risk engine's `CorrelationTracker`, the one
//! the correlated-exposure limit uses) is known and at least `min_correlation`. The leg's
//! notional is `fraction × |A's notional|` at the last prices, rounded DOWN to `other`'s quantity
//! step with the exact fixed-point types (`execution::hedge_order`), and the order goes through
//! the same pre-trade risk checks as every order (origin: the hedge mode, so the leg's round
//! trip and its PnL count for the hedge mode). Any other case reduces A by the fraction, and the
//! recorded reason says why it fell back.
//!
//! The leg is sized notional-for-notional, not beta-adjusted: a beta estimated over the short
//! correlation window is noisy (a calm window can double it), and a notional match bounds the
//! leg by the exposure it offsets, so the hedge never adds more gross exposure than it covers.
//!
//! While a symbol carries a leg its own modes may not open, add to or exit it (refused with a
//! recorded reason); the leg closes (reduce-only market) on `Unwind`, as soon as the hedged
//! position is closed (stop, exit, flatten), and with every position on the kill switch or a
//! flatten. The hedged position's `PositionView::hedge_qty` is the leg's size.

use super::core::{Engine, MODE_NAMES};
use crate::domain::{Action, Instrument, OrderOrigin, Price, Qty, Rate, Side, Symbol};
use crate::execution::{hedge_order, Holding, RebalanceOrder};
use std::fmt;

/// Index of the volatility-hedging mode in the mode list.
pub(crate) const HEDGE_MODE: u8 = 4;

/// An open (or opening) hedge leg: slot `leg` carries a hedge for the position of slot `hedged`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HedgeLeg {
    pub hedged: usize,
    pub leg: usize,
}

/// Why a hedge was not placed (the position is reduced instead).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NoHedge {
    NoSymbol,
    SameSymbol(Symbol),
    NotTraded(Symbol),
    NotFlat(Symbol, Qty),
    EntryWorking(Symbol),
    CarryingHedge(Symbol, Symbol),
    CorrelationUnknown(Symbol, Symbol),
    CorrelationLow(Symbol, Symbol, f64, f64),
    NoPrice(Symbol),
    TooSmall(Symbol),
    Refused(Symbol, String),
}

impl fmt::Display for NoHedge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoHedge::NoSymbol => write!(f, "no hedge symbol configured (strategy.modes.hedge.symbol)"),
            NoHedge::SameSymbol(s) => {
                write!(f, "hedge symbol {s} is the position's own (one-way mode holds one side per symbol)")
            }
            NoHedge::NotTraded(s) => write!(f, "hedge symbol {s} is not traded by this run"),
            NoHedge::NotFlat(s, q) => write!(f, "hedge symbol {s} is not flat (position {q})"),
            NoHedge::EntryWorking(s) => write!(f, "hedge symbol {s} has an entry order working"),
            NoHedge::CarryingHedge(s, h) => write!(f, "hedge symbol {s} is already carrying a hedge for {h}"),
            NoHedge::CorrelationUnknown(a, b) => write!(f, "correlation of {a} and {b} not known yet"),
            NoHedge::CorrelationLow(a, b, c, min) => {
                write!(f, "correlation of {a} and {b} is {c:.2}, below min_correlation {min}")
            }
            NoHedge::NoPrice(s) => write!(f, "no price for {s} yet"),
            NoHedge::TooSmall(s) => write!(f, "the {s} hedge would be below its minimum size or value"),
            NoHedge::Refused(s, why) => write!(f, "risk refused the {s} hedge: {why}"),
        }
    }
}

/// The opening order of a leg that offsets `fraction` of a position of `size` at `price`, in a
/// flat `leg` instrument at `leg_price`: the opposite side, `|fraction × price × size| /
/// leg_price` rounded down to the leg's quantity step. `None` when that is below the leg's
/// minimum quantity or order value (or above its maximum), or the inputs are not usable.
pub(crate) fn leg_order(
    size: Qty,
    price: Price,
    fraction: f64,
    leg: &Instrument,
    leg_price: Price,
) -> Option<RebalanceOrder> {
    let ratio = Rate::from_f64(fraction.clamp(0.0, 1.0))?;
    let notional = price * size.abs();
    let exposure = if size.is_negative() { -notional } else { notional };
    let holding = Holding { instrument: leg, position: Qty::ZERO, price: leg_price };
    hedge_order(exposure, &holding, ratio).into_iter().find(|o| !o.reduce_only)
}

impl Engine {
    /// The leg that hedges slot `s`'s position, if any.
    pub(crate) fn leg_for(&self, s: usize) -> Option<HedgeLeg> {
        self.hedge_legs.iter().copied().find(|l| l.hedged == s)
    }

    /// The slot whose position slot `s` carries a hedge for, if `s` is a hedge leg.
    pub(crate) fn hedging(&self, s: usize) -> Option<usize> {
        self.hedge_legs.iter().find(|l| l.leg == s).map(|l| l.hedged)
    }

    /// |size| of the leg hedging slot `s` (0 when none), for the modes' `PositionView`.
    pub(super) fn hedge_qty(&self, s: usize) -> f64 {
        if let Some(l) = self.same_leg(s) {
            return l.book.size().abs().to_f64();
        }
        if self.hedge_legs.is_empty() {
            return 0.0;
        }
        self.leg_for(s).map_or(0.0, |l| self.symbols[l.leg].position.size().abs().to_f64())
    }

    /// `(leg symbol, hedged symbol)` of every hedge leg, for the screens and tests (a
    /// same-symbol leg in hedge position mode names its symbol twice).
    pub fn hedge_legs(&self) -> Vec<(Symbol, Symbol)> {
        let same = self
            .same_legs
            .iter()
            .map(|l| (self.symbols[l.slot].instrument.symbol, self.symbols[l.slot].instrument.symbol));
        self.hedge_legs
            .iter()
            .map(|l| (self.symbols[l.leg].instrument.symbol, self.symbols[l.hedged].instrument.symbol))
            .chain(same)
            .collect()
    }

    /// Tries to open a leg against slot `s`'s position; `Err` says why not (nothing was sent).
    pub(super) fn open_hedge(
        &mut self,
        s: usize,
        fraction: f64,
        symbol: Option<Symbol>,
        ts_ms: i64,
        out: &mut Vec<Action>,
    ) -> Result<String, NoHedge> {
        if self.hedge_mode() {
            return self.open_same_leg(s, fraction, ts_ms, out);
        }
        let own = self.symbols[s].instrument.symbol;
        let other = symbol.ok_or(NoHedge::NoSymbol)?;
        if other == own {
            return Err(NoHedge::SameSymbol(other));
        }
        let o = self.slot(other).ok_or(NoHedge::NotTraded(other))?;
        if let Some(h) = self.hedging(o) {
            return Err(NoHedge::CarryingHedge(other, self.symbols[h].instrument.symbol));
        }
        let held = self.symbols[o].position.size();
        if !held.is_zero() {
            return Err(NoHedge::NotFlat(other, held));
        }
        if self.orders.working_qty(other) != (Qty::ZERO, Qty::ZERO) {
            return Err(NoHedge::EntryWorking(other));
        }
        let min = self.config.modes.as_ref().map_or(0.5, |m| m.hedge.min_correlation);
        let corr = self.risk.correlations().correlation(own, other).ok_or(NoHedge::CorrelationUnknown(own, other))?;
        if corr < min {
            return Err(NoHedge::CorrelationLow(own, other, corr, min));
        }
        let (size, price) = (self.symbols[s].position.size(), self.symbols[s].price());
        let (inst, leg_price) = (self.symbols[o].instrument, self.symbols[o].price());
        if !leg_price.is_positive() {
            return Err(NoHedge::NoPrice(other));
        }
        let order = leg_order(size, price, fraction, &inst, leg_price).ok_or(NoHedge::TooSmall(other))?;
        let origin = OrderOrigin::Strategy(HEDGE_MODE);
        let request = self.market_request(other, order.side, order.qty, false, origin, leg_price, ts_ms, "h");
        match self.check_risk(request, Qty::ZERO, None) {
            None => Err(NoHedge::NotTraded(other)),
            Some(Err(refusal)) => {
                self.note_refusal(&refusal, out);
                Err(NoHedge::Refused(other, refusal.reason().to_string()))
            }
            Some(Ok(approved)) => {
                self.orders.submit(approved, out);
                self.orders_placed += 1;
                self.hedge_legs.push(HedgeLeg { hedged: s, leg: o });
                let side = if order.side == Side::Buy { "long" } else { "short" };
                Ok(format!("{side} {} {other} @ {leg_price} (correlation {corr:.2})", order.qty))
            }
        }
    }

    /// Closes the leg hedging slot `s` (reduce-only market); `None` when `s` has no leg.
    pub(super) fn close_leg(&mut self, s: usize, ts_ms: i64, out: &mut Vec<Action>) -> Option<String> {
        if self.same_leg(s).is_some() {
            return self.close_same_leg(s, OrderOrigin::Strategy(HEDGE_MODE), false, ts_ms, out);
        }
        let leg = self.leg_for(s)?;
        let st = &self.symbols[leg.leg];
        let (symbol, size) = (st.instrument.symbol, st.position.size());
        if size.is_zero() || self.closing(leg.leg) {
            // Not filled yet (closed when it fills) or already being closed.
            return Some(format!("{symbol} hedge closing"));
        }
        self.close_position(leg.leg, OrderOrigin::Strategy(HEDGE_MODE), ts_ms, out);
        Some(format!("close {symbol} hedge {size}"))
    }

    /// Whether a reduce-only market order (not a resting stop) is working on slot `s`.
    fn closing(&self, s: usize) -> bool {
        let symbol = self.symbols[s].instrument.symbol;
        self.orders.open_orders_for(symbol).any(|o| o.request.reduce_only && o.request.trigger_price.is_none())
    }

    /// After a fill into slot `s` left its position at `after`: a hedged position that closed
    /// takes its leg with it, a leg that closed is forgotten, and a leg that filled after its
    /// hedged position closed is closed.
    pub(super) fn follow_hedges(&mut self, s: usize, after: Qty, ts_ms: i64, out: &mut Vec<Action>) {
        if after.is_zero() && self.same_leg(s).is_some() {
            if let Some(what) = self.close_same_leg(s, OrderOrigin::Strategy(HEDGE_MODE), false, ts_ms, out) {
                let hedged = self.symbols[s].instrument.symbol;
                self.hedge_record(s, "unwind", format!("{hedged} position closed: {what}"), ts_ms, out);
            }
            return;
        }
        if let Some(h) = self.hedging(s) {
            if after.is_zero() {
                self.hedge_legs.retain(|l| l.leg != s);
            } else if self.symbols[h].position.size().is_zero() {
                self.close_leg(h, ts_ms, out);
            }
        }
        if after.is_zero() && self.leg_for(s).is_some() {
            if let Some(what) = self.close_leg(s, ts_ms, out) {
                let hedged = self.symbols[s].instrument.symbol;
                self.hedge_record(s, "unwind", format!("{hedged} position closed: {what}"), ts_ms, out);
            }
        }
    }

    /// Once a bar: forgets legs whose entry never filled (refused or cancelled by the venue) and
    /// closes legs whose hedged position went flat without a fill of ours (adopted from the
    /// venue's report).
    pub(super) fn tend_legs(&mut self, ts_ms: i64, out: &mut Vec<Action>) {
        if !self.same_legs.is_empty() {
            self.tend_same_legs(ts_ms, out);
        }
        let mut i = 0;
        while i < self.hedge_legs.len() {
            let l = self.hedge_legs[i];
            let symbol = self.symbols[l.leg].instrument.symbol;
            let leg_flat = self.symbols[l.leg].position.size().is_zero();
            if leg_flat && self.orders.working_qty(symbol) == (Qty::ZERO, Qty::ZERO) {
                self.hedge_legs.remove(i);
                continue;
            }
            if !leg_flat && self.symbols[l.hedged].position.size().is_zero() {
                self.close_leg(l.hedged, ts_ms, out);
            }
            i += 1;
        }
    }

    /// A signal record of the hedge mode on slot `s`.
    pub(super) fn hedge_record(
        &mut self,
        s: usize,
        action: &'static str,
        reason: impl Into<crate::domain::Reason>,
        ts_ms: i64,
        out: &mut Vec<Action>,
    ) {
        let st = &self.symbols[s];
        out.push(Action::RecordSignal(crate::domain::SignalRecord {
            ts_ms,
            symbol: st.instrument.symbol,
            mode: MODE_NAMES[HEDGE_MODE as usize].into(),
            action: action.into(),
            price: st.last_price,
            reason: reason.into(),
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Money;

    fn eth() -> Instrument {
        Instrument::demo(Symbol::new("ETHUSDT").unwrap(), "0.01", "0.001", "0.001", "1000")
    }

    #[test]
    fn leg_is_the_opposite_side_rounded_down_to_the_step() {
        let (q, p) = (|v: &str| v.parse::<Qty>().unwrap(), |v: &str| v.parse::<Price>().unwrap());
        // Long 0.1 at 29,400: half is 1,470 USDT; at 1,961 that is 0.74961... ETH, down to 0.749.
        let o = leg_order(q("0.1"), p("29400"), 0.5, &eth(), p("1961")).unwrap();
        assert_eq!((o.side, o.qty.to_string(), o.reduce_only), (Side::Sell, "0.749".to_string(), false));
        // Short 0.3 at 30,000, a quarter: 2,250 USDT at 2,000 = 1.125 ETH exactly, bought.
        let o = leg_order(q("-0.3"), p("30000"), 0.25, &eth(), p("2000")).unwrap();
        assert_eq!((o.side, o.qty.to_string()), (Side::Buy, "1.125".to_string()));
        // 0.0001 BTC at 30,000, half: 1.5 USDT, under the 5 USDT minimum order value.
        assert_eq!(leg_order(q("0.0001"), p("30000"), 0.5, &eth(), p("2000")), None);
        // 0.001 ETH is 2 USDT: rounded to 0.001 but still under the minimum value.
        assert_eq!(leg_order(q("0.0002"), p("20000"), 0.5, &eth(), p("2000")), None);
        // Above the leg's maximum quantity (1,000 ETH): refused, not clipped.
        assert_eq!(leg_order(q("200"), p("30000"), 1.0, &eth(), p("2000")), None);
        assert_eq!(leg_order(q("0.1"), p("30000"), 0.5, &eth(), Price::ZERO), None);
        assert_eq!(p("29400") * q("0.1"), Money::from_int(2940));
    }

    #[test]
    fn fallback_reasons_name_the_cause() {
        let (a, b) = (Symbol::new("BTCUSDT").unwrap(), Symbol::new("ETHUSDT").unwrap());
        assert_eq!(
            NoHedge::CorrelationLow(a, b, 0.3149, 0.5).to_string(),
            "correlation of BTCUSDT and ETHUSDT is 0.31, below min_correlation 0.5"
        );
        assert_eq!(
            NoHedge::NotFlat(b, "-0.5".parse().unwrap()).to_string(),
            "hedge symbol ETHUSDT is not flat (position -0.5)"
        );
        assert!(NoHedge::NoSymbol.to_string().starts_with("no hedge symbol configured"));
    }
}
