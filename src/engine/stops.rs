//! The protective stop of each open position: a `risk::StopManager` per position (initial stop
//! from the strategy, trailing, break-even after a set gain, partial exits at targets). Every
//! move, the manager's own and a strategy's (`MoveStop`, the trend follower's trail), goes
//! through the manager, so the stop only tightens; the resting stop order on the venue is then
//! amended through the order manager (risk-checked, tracked for timeouts).

use super::core::{side_of, Engine, MODE_NAMES, TREND_MODE};
use crate::domain::{Action, AlertLevel, OrderOrigin, OrderStatus, OrderUpdate, Price, Qty, Reason, SignalRecord};
use crate::reason;
use crate::risk::{stop_price, StopEvent, StopManager, StopReason};

impl Engine {
    /// The position of slot `s` was opened (or flipped, or rebuilt by its first fills): the
    /// manager starts from the strategy's planned stop, else an ATR stop (`[risk]
    /// stop_atr_multiple`) for a manual entry or an adopted position.
    pub(super) fn start_stop_manager(&mut self, s: usize) {
        let cfg = &self.stop_config;
        let st = &mut self.symbols[s];
        st.stops = None;
        let size = st.position.size();
        let (Some(side), Some(entry)) = (side_of(size), st.position.entry_price()) else { return };
        let fee = Price::average(st.position.trip_fees(), size.abs()).unwrap_or(Price::ZERO);
        let planned =
            st.pending_stop.and_then(|p| StopManager::from_stop(side, entry, size.abs(), p, cfg, &st.instrument));
        st.stops = planned
            .or_else(|| {
                let atr = st.trend.atr()?;
                let p = stop_price(side, entry, atr * cfg.stop_atr_multiple, &st.instrument)?;
                StopManager::from_stop(side, entry, size.abs(), p, cfg, &st.instrument)
            })
            .map(|m| m.with_entry_fee(fee));
    }

    /// A closed strategy bar: the manager's trailing, break-even and targets at the bar's close,
    /// then `strategy_trail` (a distance from the close the strategy itself trails by).
    pub(super) fn manage_stop(&mut self, s: usize, strategy_trail: Option<f64>, ts_ms: i64, out: &mut Vec<Action>) {
        let st = &mut self.symbols[s];
        let Some(m) = st.stops.as_mut() else { return };
        let price = st.last_price;
        let mut events = std::mem::take(&mut self.stop_events);
        events.clear();
        m.on_price(price, st.trend.atr(), &mut events);
        if let Some(c) = strategy_trail.and_then(|d| stop_price(m.side(), price, d, &st.instrument)) {
            events.extend(m.tighten_to(c, price));
        }
        for e in events.drain(..) {
            self.on_stop_event(s, e, ts_ms, out);
        }
        self.stop_events = events;
    }

    /// A strategy asks for the stop at `candidate` (on the tick grid): taken through the manager
    /// only when tighter. Returns the move `(from, to)`.
    pub(super) fn request_stop(
        &mut self,
        s: usize,
        candidate: Price,
        ts_ms: i64,
        out: &mut Vec<Action>,
    ) -> Option<(Price, Price)> {
        let st = &mut self.symbols[s];
        let price = st.price();
        let moved = st.stops.as_mut()?.tighten_to(candidate, price)?;
        let StopEvent::Moved { from, to, .. } = moved else { return None };
        self.amend_stop(s, None, Some(to), ts_ms, out);
        Some((from, to))
    }

    fn on_stop_event(&mut self, s: usize, e: StopEvent, ts_ms: i64, out: &mut Vec<Action>) {
        match e {
            StopEvent::Moved { from, to, reason } => {
                self.amend_stop(s, None, Some(to), ts_ms, out);
                // Trailing moves are routine (and frequent); the others are worth a record.
                if reason != StopReason::Trailing {
                    let why = if reason == StopReason::BreakEven { "break-even" } else { "strategy trail" };
                    self.stop_record(s, "stop_moved", reason!("{}: stop {} -> {}", why, from, to), ts_ms, out);
                }
            }
            StopEvent::PartialExit { target, price, qty } => {
                let st = &self.symbols[s];
                let size = st.position.size();
                let Some(held) = side_of(size) else { return };
                let qty = qty.min(size.abs());
                let (symbol, last) = (st.instrument.symbol, st.price());
                let mode = st.position.mode().unwrap_or(TREND_MODE);
                let request = self.market_request(
                    symbol,
                    held.opposite(),
                    qty,
                    true,
                    OrderOrigin::Protective(mode),
                    last,
                    ts_ms,
                    "tp",
                );
                let what = if self.submit_checked(request, size, out) { "reduce" } else { "refused" };
                let msg = reason!("target {} at {}: {} {}", target + 1, price, what, qty);
                self.stop_record(s, "partial_exit", msg, ts_ms, out);
            }
            StopEvent::StopHit { stop, .. } => {
                // The resting stop order closes the position; without one, close it here.
                if self.symbols[s].stop.is_none() {
                    let msg = format!(
                        "{}: stop {stop} crossed with no stop order working; closing",
                        self.symbols[s].instrument.symbol
                    );
                    self.alert(ts_ms, AlertLevel::Critical, "risk", msg, out);
                    let mode = self.symbols[s].position.mode().unwrap_or(TREND_MODE);
                    self.close_position(s, OrderOrigin::Protective(mode), ts_ms, out);
                }
            }
        }
    }

    fn stop_record(&mut self, s: usize, action: &'static str, reason: Reason, ts_ms: i64, out: &mut Vec<Action>) {
        let st = &self.symbols[s];
        let mode = st.position.mode().unwrap_or(TREND_MODE) as usize;
        out.push(Action::RecordSignal(SignalRecord {
            ts_ms,
            symbol: st.instrument.symbol,
            mode: MODE_NAMES.get(mode).copied().unwrap_or("trend").into(),
            action: action.into(),
            price: st.last_price,
            reason,
        }));
    }

    /// Amends the resting stop order: a new size, and/or a trigger that must be in the
    /// position's favour against the one working. Risk-checked and sent through the order
    /// manager (which tracks the request for timeouts). Returns whether it was sent.
    /// The venue confirmed the working stop at a size other than the position's: amend it.
    ///
    /// Several fills in one market event can resize the stop twice before the venue answered
    /// the first amend (0.05 → 0.065 → 0.05); the second resize compares with the last confirmed
    /// size (0.05), finds nothing to change and is dropped, so the venue would keep a 0.065
    /// stop on a 0.05 position. Each confirmation re-checks the size; a rejected amend (a report
    /// with a reason) is not retried here.
    pub(super) fn resync_stop(&mut self, s: usize, up: &OrderUpdate, out: &mut Vec<Action>) {
        let st = &self.symbols[s];
        let Some(working) = st.stop else { return };
        if working.client_order_id != up.client_order_id || up.status != OrderStatus::Untriggered || up.reason.is_some()
        {
            return;
        }
        let size = st.position.size().abs();
        let Some(order) = self.orders.get(&working.client_order_id) else { return };
        if size.is_zero() || order.qty == size {
            return;
        }
        self.amend_stop(s, Some(size), None, up.ts_ms, out);
    }

    pub(super) fn amend_stop(
        &mut self,
        s: usize,
        qty: Option<Qty>,
        trigger: Option<Price>,
        ts_ms: i64,
        out: &mut Vec<Action>,
    ) -> bool {
        let st = &self.symbols[s];
        let Some(mut working) = st.stop else { return false };
        let size = st.position.size();
        if let Some(t) = trigger {
            let favourable = match side_of(size) {
                Some(crate::domain::Side::Buy) => t > working.price,
                Some(crate::domain::Side::Sell) => t < working.price,
                None => false,
            };
            if !favourable {
                return false;
            }
        }
        let id = working.client_order_id;
        let Ok(request) = self.orders.amended_request(id, qty, None, trigger, ts_ms) else { return false };
        let Some(checked) = self.check_risk(request, size, Some(id)) else { return false };
        match checked {
            Ok(approved) => {
                if self.orders.amend(approved, out).is_err() {
                    return false;
                }
                if let Some(t) = trigger {
                    working.price = t;
                    self.symbols[s].stop = Some(working);
                    // A same-symbol leg's stop follows the hedged position's trigger.
                    if !self.same_legs.is_empty() {
                        self.guard_same_leg(s, ts_ms, out);
                    }
                }
                true
            }
            Err(refusal) => {
                self.note_refusal(&refusal, out);
                false
            }
        }
    }
}
