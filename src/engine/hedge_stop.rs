//! The same-symbol leg's own protective order. A leg (hedge position mode, `hedge_same`) exists
//! only while the position it hedges is open; the engine closes it when that position closes.
//! But the hedged position's stop rests on the venue and fires without the engine: with the
//! engine away (a disconnect, a crash, a restart) the stop would leave the leg as a naked
//! position until the engine is back. So the leg carries a reduce-only stop-market order on its
//! own idx at the SAME trigger as the hedged position's stop (the same direction of crossing):
//! when the price reaches it, the venue closes both sides together and nothing is left open.
//!
//! It follows the hedged stop's trigger (a trailing move, a break-even) and the leg's size,
//! by amendment; it is cancelled when the leg closes by a market order; a stop the venue
//! reports cancelled, rejected or deactivated is forgotten and placed again on the next bar.
//! After a restart a resting reduce-only conditional order on the leg's idx is recognised as
//! its stop rather than doubled.

use super::core::{side_of, Engine};
use super::hedge::HEDGE_MODE;
use super::symbol::StopState;
use crate::domain::{Action, OrderOrigin, OrderStatus, OrderUpdate, Side, TimeInForce, TriggerDirection};

impl Engine {
    /// Places, re-sizes or re-prices slot `s`'s leg stop to the leg's size and the hedged
    /// position's stop trigger. Nothing to do without a leg, or while the hedged position has no
    /// stop (its stop is being replaced, or the position is closing and the leg with it).
    pub(super) fn guard_same_leg(&mut self, s: usize, ts_ms: i64, out: &mut Vec<Action>) {
        let Some(i) = self.same_legs.iter().position(|l| l.slot == s) else { return };
        let (idx, size) = (self.same_legs[i].idx, self.same_legs[i].book.size());
        let Some(held) = side_of(size) else { return };
        let st = &self.symbols[s];
        let symbol = st.instrument.symbol;
        let Some(main_side) = side_of(st.position.size()) else { return };
        let Some(trigger) = st.stop.map(|w| w.price) else { return };
        if self.same_legs[i].stop.is_none() {
            // A restart: the stop may already rest on the venue (adopted among the open orders).
            let resting = self
                .orders
                .open_orders_for(symbol)
                .find(|o| o.request.position_idx == idx && o.request.reduce_only && o.request.trigger_price.is_some())
                .and_then(|o| Some(StopState { client_order_id: o.client_order_id(), price: o.trigger_price? }));
            self.same_legs[i].stop = resting;
        }
        match self.same_legs[i].stop {
            None => {
                let price = st.price();
                let mut request = self.market_request(
                    symbol,
                    held.opposite(),
                    size.abs(),
                    true,
                    OrderOrigin::Protective(HEDGE_MODE),
                    trigger,
                    ts_ms,
                    "hs",
                );
                request.decision_price = if price.is_positive() { price } else { trigger };
                request.position_idx = idx;
                request.trigger_price = Some(trigger);
                // Crossed the way the hedged position's stop is: a long's stop falls to it.
                request.trigger_direction =
                    Some(if main_side == Side::Buy { TriggerDirection::Falling } else { TriggerDirection::Rising });
                request.time_in_force = TimeInForce::Gtc;
                let id = request.client_order_id;
                if self.submit_checked(request, size, out) {
                    if let Some(l) = self.same_legs.get_mut(i) {
                        l.stop = Some(StopState { client_order_id: id, price: trigger });
                    }
                }
            }
            Some(working) => {
                let Some(order) = self.orders.get(&working.client_order_id) else { return };
                let qty = (order.qty != size.abs()).then_some(size.abs());
                let new_trigger = (working.price != trigger).then_some(trigger);
                if qty.is_none() && new_trigger.is_none() {
                    return;
                }
                let id = working.client_order_id;
                let Ok(request) = self.orders.amended_request(id, qty, None, new_trigger, ts_ms) else { return };
                match self.check_risk(request, size, Some(id)) {
                    Some(Ok(approved)) => {
                        if self.orders.amend(approved, out).is_ok() {
                            if let Some(l) = self.same_legs.get_mut(i) {
                                l.stop = Some(StopState { client_order_id: id, price: trigger });
                            }
                        }
                    }
                    Some(Err(refusal)) => self.note_refusal(&refusal, out),
                    None => {}
                }
            }
        }
    }

    /// Cancels slot `s`'s leg stop (the leg closed another way), unless `filled_by` is that stop.
    pub(super) fn drop_leg_stop(&mut self, s: usize, filled_by: crate::domain::ClientOrderId, out: &mut Vec<Action>) {
        let symbol = self.symbols[s].instrument.symbol;
        let Some(l) = self.same_legs.iter_mut().find(|l| l.slot == s) else { return };
        if let Some(stop) = l.stop.take() {
            if stop.client_order_id != filled_by {
                out.push(Action::CancelOrder { symbol, client_order_id: stop.client_order_id });
            }
        }
    }

    /// A venue report of an order of slot `s`: the leg's stop in a terminal state other than
    /// filled is forgotten (placed again on the next bar while the leg is open), and a flat leg
    /// with nothing left working on its idx is done.
    pub(super) fn leg_order_report(&mut self, s: usize, up: &OrderUpdate) {
        if !up.status.is_terminal() {
            return;
        }
        let Some(i) = self.same_legs.iter().position(|l| l.slot == s) else { return };
        let l = &mut self.same_legs[i];
        if up.status != OrderStatus::Filled && l.stop.is_some_and(|w| w.client_order_id == up.client_order_id) {
            l.stop = None;
        }
        let (idx, flat) = (l.idx, l.book.size().is_zero());
        if flat && !self.leg_working(s, idx) {
            self.same_legs.remove(i);
        }
    }
}
