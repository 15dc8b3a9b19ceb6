//! What the venue leaves unsaid and what it says all at once: timeouts of requests it has not
//! answered (an unacknowledged order is cancelled, which also asks for its state; after the
//! re-queries it is marked lost and alerted), and reconciliation with the venue's account at
//! start or after a reconnect: missed fills are applied, orders it does not list are closed,
//! orders we did not know are adopted, positions are overwritten by the venue's, and every
//! difference is alerted. The protective stops then follow the reconciled positions.

use super::core::{side_of, Engine};
use super::symbol::StopState;
use crate::domain::{Action, AlertLevel, Qty, Symbol, VenueAccount};
use crate::execution::{Discrepancy, RequestKind, TimeoutAction, VenueSnapshot};

impl Engine {
    /// Requests unanswered past the order manager's `ack_timeout_ms`, on the runtime's clock
    /// (`clock_ms`, a timer event's time); alerts carry market time.
    pub(super) fn check_timeouts(&mut self, clock_ms: i64, out: &mut Vec<Action>) {
        let now = self.now_ms;
        for t in self.orders.on_time(clock_ms) {
            match t {
                TimeoutAction::Requery { symbol, client_order_id, kind, attempt } => {
                    let what = match kind {
                        // Cancel-by-id also answers with the order's state (or "unknown order").
                        RequestKind::Place | RequestKind::Cancel => {
                            out.push(Action::CancelOrder { symbol, client_order_id });
                            "cancel sent"
                        }
                        RequestKind::Amend => "still waiting",
                    };
                    let msg = format!("{symbol}: no answer to {kind:?} of {client_order_id} (try {attempt}): {what}");
                    self.alert(now, AlertLevel::Warning, "order", msg, out);
                }
                TimeoutAction::Lost { .. } => {
                    if let Some(a) = t.alert(now) {
                        self.alert(a.ts_ms, a.level, a.kind, a.message, out);
                    }
                }
            }
        }
    }

    /// Brings orders and positions to the venue's account (the venue wins).
    pub(super) fn reconcile(&mut self, account: &VenueAccount, out: &mut Vec<Action>) {
        let ts = account.ts_ms;
        if let Some(b) = &account.balance {
            self.on_balance(b);
        }
        let before: Vec<(Symbol, Qty)> =
            self.symbols.iter().map(|s| (s.instrument.symbol, s.position.size())).collect();
        let snapshot =
            VenueSnapshot { open_orders: &account.open_orders, positions: &account.positions, fills: &account.fills };
        let diffs = self.orders.reconcile(&snapshot, &before, ts, out);
        for d in diffs {
            match &d {
                // Judged below, once the missed fills are in the books.
                Discrepancy::PositionMismatch { .. } => continue,
                Discrepancy::MissedFill(f) => {
                    if let Some(s) = self.slot(f.symbol) {
                        self.fills += 1;
                        let order =
                            self.orders.get(&f.client_order_id).map(|o| (o.request.origin, o.request.position_idx));
                        if !self.same_legs.is_empty() && self.leg_fill(s, f, order.map(|o| o.1), out) {
                            continue;
                        }
                        self.apply_fill(s, f, order.map(|o| o.0), false, out);
                    }
                }
                _ => {}
            }
            let a = d.alert(ts);
            self.alert(ts, a.level, a.kind, a.message, out);
        }
        for s in 0..self.symbols.len() {
            let symbol = self.symbols[s].instrument.symbol;
            // Hedge position mode lists both sides: the main position's is the one on its side
            // (or the first one not flat); the other goes to the leg (`leg_report`) below.
            let venue = if self.hedge_mode() {
                self.main_report(s, &account.positions)
            } else {
                account.positions.iter().find(|p| p.symbol == symbol)
            };
            let venue_size = venue.map(|p| p.size).unwrap_or(Qty::ZERO);
            let local = self.symbols[s].position.size();
            if local != venue_size {
                let d = Discrepancy::PositionMismatch { symbol, local, venue: venue_size };
                let st = &mut self.symbols[s];
                match venue {
                    Some(p) => {
                        st.position.adopt(p.size, p.entry_value, ts);
                        st.venue_position = Some(*p);
                    }
                    None => st.position.adopt(Qty::ZERO, crate::domain::Money::ZERO, ts),
                }
                let a = d.alert(ts);
                self.alert(ts, a.level, a.kind, a.message, out);
            }
            if self.hedge_mode() {
                let others: Vec<_> = account
                    .positions
                    .iter()
                    .filter(|p| p.symbol == symbol && venue.is_none_or(|v| !std::ptr::eq(v, *p)))
                    .collect();
                for p in others {
                    self.leg_report(s, p, out);
                }
            }
            self.restore_stop(s, ts, out);
        }
        self.equity_memo = None;
    }

    /// After reconciliation: the stop order still working (ours, or one adopted from the venue)
    /// is kept, the stop manager follows the position, and an unprotected position gets a stop.
    fn restore_stop(&mut self, s: usize, ts_ms: i64, out: &mut Vec<Action>) {
        let st = &self.symbols[s];
        let size = st.position.size();
        let symbol = st.instrument.symbol;
        let ours_open = st.stop.and_then(|w| self.orders.get(&w.client_order_id)).is_some_and(|o| o.status.is_open());
        let adopted = match (ours_open, side_of(size)) {
            (true, _) | (_, None) => None,
            (false, Some(side)) => self
                .orders
                .open_orders_for(symbol)
                .filter(|o| o.request.reduce_only && o.side() == side.opposite())
                .find_map(|o| o.trigger_price.map(|p| StopState { client_order_id: o.client_order_id(), price: p })),
        };
        let st = &mut self.symbols[s];
        if !ours_open {
            st.stop = adopted;
        }
        let Some(side) = side_of(size) else {
            st.stops = None;
            st.pending_stop = None;
            if let Some(w) = st.stop.take() {
                out.push(Action::CancelOrder { symbol, client_order_id: w.client_order_id });
            }
            return;
        };
        match st.stops.as_mut() {
            Some(m) if m.side() == side => {
                let open = m.open_qty();
                if size.abs() > open {
                    m.grow(size.abs() - open);
                } else {
                    m.sync_open(size);
                }
            }
            _ => {
                // A new or changed position: its working stop (if any) is the plan.
                if let Some(w) = st.stop {
                    st.pending_stop = Some(w.price);
                }
                self.start_stop_manager(s);
            }
        }
        self.protect(s, ts_ms, out);
    }
}
