//! Same-symbol hedge legs in hedge position mode (`[strategy.modes.hedge] position_mode =
//! "hedge"`, Bybit `positionIdx` 1 long / 2 short): the volatility-hedging mode's `Hedge` intent
//! opens the opposite side of the position's OWN symbol, on the other idx.
//!
//! The slot's `position` book stays the main position; a leg has its own book (`SameLeg`), so
//! the engine's positions equal the sum of fills per (symbol, idx). Every order the engine sends
//! in hedge mode carries an idx: the main position's orders the idx of its side (entries on the
//! side they open, exits and stops reduce-only on the side they close, `main_idx`); the leg's
//! orders the leg's idx. Fills go to the book of the order's idx (execution reports carry no
//! idx: the order says). Venue position reports go by idx too; a non-flat report for the side
//! opposite the main position that no leg claims is adopted as a leg (a restart recognises the
//! leg from the venue's two-sided position list).
//!
//! The leg is `fraction × |position|` rounded down to the quantity step (the same instrument at
//! the same price: `hedge::leg_order`), checked by the same pre-trade risk checks (origin: the
//! hedge mode). It closes (reduce-only market on its idx) on `Unwind`, when the hedged position
//! closes, on flatten and on the kill switch. While a leg is open the main position cannot open
//! on the leg's idx (an entry that would is not sent: the leg is closing anyway, see `tend`).

use super::core::{side_of, Engine, RECENT};
use super::hedge::{leg_order, NoHedge, HEDGE_MODE};
use super::positions::PositionBook;
use crate::domain::{Action, AlertLevel, Fill, OrderOrigin, PositionIdx, PositionMode, Qty, Side};

/// A same-symbol leg: the side `idx` of slot `slot`'s symbol, opposite its main position.
#[derive(Debug, Clone)]
pub(crate) struct SameLeg {
    pub slot: usize,
    pub idx: PositionIdx,
    pub book: PositionBook,
    /// The leg's own stop on the venue, at the hedged position's trigger (`hedge_stop`).
    pub stop: Option<super::symbol::StopState>,
}

impl Engine {
    /// Whether the venue runs our symbols in hedge position mode.
    pub(crate) fn hedge_mode(&self) -> bool {
        self.config.modes.as_ref().is_some_and(|m| m.hedge.position_mode == PositionMode::Hedge)
    }

    /// Slot `s`'s same-symbol leg, if any.
    pub(crate) fn same_leg(&self, s: usize) -> Option<&SameLeg> {
        self.same_legs.iter().find(|l| l.slot == s)
    }

    /// Signed size of `symbol`'s same-symbol leg (zero when none).
    pub fn leg_position(&self, symbol: crate::domain::Symbol) -> Qty {
        self.slot(symbol).and_then(|s| self.same_leg(s)).map_or(Qty::ZERO, |l| l.book.size())
    }

    /// The idx of a `side` order on slot `s`'s main position in hedge mode: the side it closes
    /// when it goes against the position, else the side it opens.
    pub(super) fn main_idx(&self, s: usize, side: Side) -> PositionIdx {
        let held = side_of(self.symbols[s].position.size());
        PositionIdx::hedge(side, held.is_some_and(|h| h != side))
    }

    /// Whether an order on `idx` belongs to slot `s`'s same-symbol leg.
    pub(super) fn is_leg_idx(&self, s: usize, idx: PositionIdx) -> bool {
        idx != PositionIdx::OneWay && self.same_leg(s).is_some_and(|l| l.idx == idx)
    }

    /// Opens a leg against slot `s`'s position on the other idx of the same symbol.
    pub(super) fn open_same_leg(
        &mut self,
        s: usize,
        fraction: f64,
        ts_ms: i64,
        out: &mut Vec<Action>,
    ) -> Result<String, NoHedge> {
        let st = &self.symbols[s];
        let (symbol, inst, price, size) = (st.instrument.symbol, st.instrument, st.price(), st.position.size());
        if self.same_leg(s).is_some() {
            return Err(NoHedge::CarryingHedge(symbol, symbol));
        }
        if !price.is_positive() {
            return Err(NoHedge::NoPrice(symbol));
        }
        let order = leg_order(size, price, fraction, &inst, price).ok_or(NoHedge::TooSmall(symbol))?;
        let idx = PositionIdx::hedge(order.side, false);
        let origin = OrderOrigin::Strategy(HEDGE_MODE);
        let mut request = self.market_request(symbol, order.side, order.qty, false, origin, price, ts_ms, "h");
        request.position_idx = idx;
        // Known as a leg before the check, so the check sees the leg's (flat) book.
        self.same_legs.push(SameLeg { slot: s, idx, book: PositionBook::new(symbol), stop: None });
        match self.check_risk(request, Qty::ZERO, None) {
            Some(Ok(approved)) => {
                self.orders.submit(approved, out);
                self.orders_placed += 1;
                let side = if order.side == Side::Buy { "long" } else { "short" };
                Ok(format!("{side} {} {symbol} @ {price} (positionIdx {idx})", order.qty))
            }
            other => {
                self.same_legs.retain(|l| l.slot != s);
                match other {
                    Some(Err(refusal)) => {
                        self.note_refusal(&refusal, out);
                        Err(NoHedge::Refused(symbol, refusal.reason().to_string()))
                    }
                    _ => Err(NoHedge::NotTraded(symbol)),
                }
            }
        }
    }

    /// Closes slot `s`'s leg (reduce-only market on its idx); `None` when it has none. Unless
    /// `force`, a leg not filled yet or already being closed is left alone.
    pub(super) fn close_same_leg(
        &mut self,
        s: usize,
        origin: OrderOrigin,
        force: bool,
        ts_ms: i64,
        out: &mut Vec<Action>,
    ) -> Option<String> {
        let l = self.same_leg(s)?;
        let (idx, size) = (l.idx, l.book.size());
        let st = &self.symbols[s];
        let (symbol, price) = (st.instrument.symbol, st.price());
        let Some(held) = side_of(size) else { return Some(format!("{symbol} hedge closing")) };
        if !force && self.leg_closing(s, idx) {
            return Some(format!("{symbol} hedge closing"));
        }
        let mut request = self.market_request(symbol, held.opposite(), size.abs(), true, origin, price, ts_ms, "x");
        request.position_idx = idx;
        self.submit_checked(request, size, out);
        Some(format!("close {symbol} hedge {size} (positionIdx {idx})"))
    }

    /// Whether a reduce-only market order (not a stop) is working on slot `s`'s side `idx`.
    fn leg_closing(&self, s: usize, idx: PositionIdx) -> bool {
        let symbol = self.symbols[s].instrument.symbol;
        self.orders
            .open_orders_for(symbol)
            .any(|o| o.request.reduce_only && o.request.trigger_price.is_none() && o.request.position_idx == idx)
    }

    /// Whether any order is working on slot `s`'s side `idx`.
    pub(super) fn leg_working(&self, s: usize, idx: PositionIdx) -> bool {
        let symbol = self.symbols[s].instrument.symbol;
        self.orders.open_orders_for(symbol).any(|o| o.request.position_idx == idx)
    }

    /// A fill of an order on `idx`: into slot `s`'s leg book when `idx` is the leg's (true), and
    /// the leg followed up (forgotten once flat, closed when the hedged position is flat).
    pub(super) fn leg_fill(&mut self, s: usize, fill: &Fill, idx: Option<PositionIdx>, out: &mut Vec<Action>) -> bool {
        let Some(idx) = idx.filter(|&i| self.is_leg_idx(s, i)) else { return false };
        let Some(i) = self.same_legs.iter().position(|l| l.slot == s && l.idx == idx) else { return false };
        if self.recent_fills.len() == RECENT {
            self.recent_fills.pop_back();
        }
        self.recent_fills.push_front(*fill);
        let closed = self.same_legs[i].book.apply(fill, Some(HEDGE_MODE));
        let after = self.same_legs[i].book.size();
        if let Some(trade) = closed {
            self.book_closed_trade(trade, fill.ts_ms, out);
        }
        if after.is_zero() {
            self.drop_leg_stop(s, fill.client_order_id, out);
            if !self.leg_working(s, idx) {
                self.same_legs.retain(|l| l.slot != s);
            }
        } else if self.symbols[s].position.size().is_zero() {
            self.close_same_leg(s, OrderOrigin::Strategy(HEDGE_MODE), false, fill.ts_ms, out);
        } else {
            self.guard_same_leg(s, fill.ts_ms, out);
        }
        true
    }

    /// A venue position report on a hedge-mode idx that is not the main position's: the leg's
    /// (adopted when it differs from our fills), or an unclaimed side opposite the main position
    /// (adopted as a leg). Returns whether the report was taken here.
    pub(super) fn leg_report(&mut self, s: usize, p: &crate::domain::Position, out: &mut Vec<Action>) -> bool {
        let idx = p.position_idx;
        if idx == PositionIdx::OneWay {
            return false;
        }
        if let Some(i) = self.same_legs.iter().position(|l| l.slot == s && l.idx == idx) {
            let book = &mut self.same_legs[i].book;
            if book.size() != p.size {
                let msg = format!(
                    "{}: venue reports hedge leg (positionIdx {idx}) {} but our fills sum to {}; adopting the venue's",
                    p.symbol,
                    p.size,
                    book.size()
                );
                book.adopt(p.size, p.entry_value, p.ts_ms);
                self.alert(p.ts_ms, AlertLevel::Warning, "reconcile", msg, out);
            }
            return true;
        }
        let main = self.symbols[s].position.size();
        let main_idx = side_of(main).map(|side| PositionIdx::hedge(side, false));
        match main_idx {
            Some(m) if m != idx => {
                if !p.size.is_zero() {
                    let mut book = PositionBook::new(p.symbol);
                    book.adopt(p.size, p.entry_value, p.ts_ms);
                    self.same_legs.push(SameLeg { slot: s, idx, book, stop: None });
                    let msg =
                        format!("{}: {} on positionIdx {idx} adopted as the position's hedge leg", p.symbol, p.size);
                    self.alert(p.ts_ms, AlertLevel::Info, "reconcile", msg, out);
                }
                true
            }
            // The main position's side, or the main is flat: the main book's report.
            _ => false,
        }
    }

    /// The positions table's rows for the same-symbol legs: `hedge for BTCUSDT`, on the leg's idx.
    pub(super) fn leg_views(&self) -> impl Iterator<Item = super::PositionView> + '_ {
        self.same_legs.iter().filter(|l| !l.book.size().is_zero()).map(|l| {
            let st = &self.symbols[l.slot];
            let stop_price = l.stop.map(|w| w.price);
            let mut p = crate::domain::Position::flat(st.instrument.symbol);
            p.position_idx = l.idx;
            p.size = l.book.size();
            p.entry_value = l.book.entry_value();
            p.mark_price = st.price();
            p.unrealised_pnl = l.book.unrealised(st.price());
            super::PositionView {
                position: p,
                stop_price,
                target_price: None,
                mode: Some(format!("hedge for {}", st.instrument.symbol)),
            }
        })
    }

    /// Among a venue's two-sided position list, slot `s`'s main position: the entry on the main
    /// position's side when it is open there, else the first entry that is not flat and not a
    /// leg's, else the first entry of the symbol.
    pub(super) fn main_report<'a>(
        &self,
        s: usize,
        positions: &'a [crate::domain::Position],
    ) -> Option<&'a crate::domain::Position> {
        let symbol = self.symbols[s].instrument.symbol;
        let own = side_of(self.symbols[s].position.size()).map(|side| PositionIdx::hedge(side, false));
        let mine = || positions.iter().filter(move |p| p.symbol == symbol);
        let not_leg = |p: &&crate::domain::Position| !p.size.is_zero() && !self.is_leg_idx(s, p.position_idx);
        mine()
            .find(|p| Some(p.position_idx) == own && !p.size.is_zero())
            .or_else(|| mine().find(not_leg))
            .or_else(|| mine().next())
    }

    /// Once a bar: forgets flat legs with nothing working on their idx, and closes legs whose
    /// hedged position is flat.
    pub(super) fn tend_same_legs(&mut self, ts_ms: i64, out: &mut Vec<Action>) {
        let mut i = 0;
        while i < self.same_legs.len() {
            let (s, idx, size) = (self.same_legs[i].slot, self.same_legs[i].idx, self.same_legs[i].book.size());
            if size.is_zero() && !self.leg_working(s, idx) {
                self.same_legs.remove(i);
                continue;
            }
            if !size.is_zero() && self.symbols[s].position.size().is_zero() {
                self.close_same_leg(s, OrderOrigin::Strategy(HEDGE_MODE), false, ts_ms, out);
            } else if !size.is_zero() {
                // A stop forgotten (rejected, cancelled) or never known (a restart): guard it.
                self.guard_same_leg(s, ts_ms, out);
            }
            i += 1;
        }
    }
}
