//! Fills into the engine: the position book, per-mode statistics, closed trades, entry/exit
//! alerts, and keeping the protective stop in step with the position.

use super::core::{side_of, Engine, RECENT, TREND_MODE};
use crate::domain::{Action, AlertLevel, Fill, OrderOrigin, Qty, Side};

impl Engine {
    pub(super) fn on_fill(&mut self, fill: &Fill, out: &mut Vec<Action>) {
        if self.orders.has_seen_fill(&fill.exec_id) {
            // A replay (after a reconnect): already in the position.
            return;
        }
        self.fills += 1;
        let known = self.orders.on_fill(fill, out);
        // Unknown or refused (overfill) by the order's state machine: the venue's fill still
        // moves the position, and a replay of it must be recognised.
        self.orders.mark_fill_seen(fill.exec_id);
        let order = self.orders.get(&fill.client_order_id).map(|o| (o.request.origin, o.request.position_idx));
        let Some(s) = self.slot(fill.symbol) else { return };
        if !known {
            let msg = format!("fill {} for unknown order {}", fill.exec_id, fill.client_order_id);
            self.alert(fill.ts_ms, AlertLevel::Warning, "order", msg, out);
        }
        // Hedge position mode: an order on a same-symbol leg's idx fills the leg's book.
        if !self.same_legs.is_empty() && self.leg_fill(s, fill, order.map(|o| o.1), out) {
            return;
        }
        self.apply_fill(s, fill, order.map(|o| o.0), true, out);
    }

    /// A fill into slot `s`'s position book, the mode statistics, closed trades, and the stop.
    /// `manage`: also move the stop manager and the stop order (not while reconciling).
    pub(super) fn apply_fill(
        &mut self,
        s: usize,
        fill: &Fill,
        origin: Option<OrderOrigin>,
        manage: bool,
        out: &mut Vec<Action>,
    ) {
        if self.recent_fills.len() == RECENT {
            self.recent_fills.pop_back();
        }
        self.recent_fills.push_front(*fill);
        let mode = match origin {
            Some(OrderOrigin::Strategy(m)) => Some(m),
            _ => None,
        };
        let before = self.symbols[s].position.size();
        let closed = self.symbols[s].position.apply(fill, mode);
        let after = self.symbols[s].position.size();
        if let Some(trade) = closed {
            self.book_closed_trade(trade, fill.ts_ms, out);
        }
        if manage {
            self.follow_position(s, before, after, fill, out);
            if !self.hedge_legs.is_empty() || !self.same_legs.is_empty() {
                self.follow_hedges(s, after, fill.ts_ms, out);
            }
        }
    }

    /// A completed round trip: the mode's statistics, the trade list and the exit alert.
    pub(super) fn book_closed_trade(&mut self, trade: crate::domain::ClosedTrade, ts_ms: i64, out: &mut Vec<Action>) {
        let idx = trade.mode.unwrap_or(TREND_MODE) as usize;
        if let Some(m) = self.modes.get_mut(idx) {
            m.trades += 1;
            m.pnl += trade.net_pnl();
            if trade.net_pnl().is_positive() {
                m.wins += 1;
            }
        }
        let tick =
            self.slot(trade.symbol).map_or(crate::domain::Price::from_raw(1), |s| self.symbols[s].instrument.tick_size);
        let msg = format!(
            "{} {} {} closed @ {} net {:+.2} USDT",
            trade.symbol,
            if trade.side == Side::Buy { "long" } else { "short" },
            trade.qty,
            trade.exit_price.round_to(tick, crate::domain::Rounding::Nearest),
            trade.net_pnl().to_f64()
        );
        self.closed_trades.push(trade);
        self.alert(ts_ms, AlertLevel::Info, "exit", msg, out);
    }

    /// Keeps the stop manager and the resting stop order in step with a position that went
    /// from `before` to `after` by `fill`.
    fn follow_position(&mut self, s: usize, before: Qty, after: Qty, fill: &Fill, out: &mut Vec<Action>) {
        let st = &mut self.symbols[s];
        let symbol = st.instrument.symbol;
        match side_of(after) {
            None => {
                st.pending_stop = None;
                st.stops = None;
                if let Some(stop) = st.stop.take() {
                    if stop.client_order_id != fill.client_order_id {
                        out.push(Action::CancelOrder { symbol, client_order_id: stop.client_order_id });
                    }
                }
            }
            Some(side) if after.abs() > before.abs() || side_of(before) != Some(side) => {
                let flipped = side_of(before).is_some_and(|b| b != side);
                if before.is_zero() {
                    let msg = format!(
                        "{symbol} {} {} @ {}",
                        if side == Side::Buy { "long" } else { "short" },
                        fill.qty,
                        fill.price
                    );
                    self.alert(fill.ts_ms, AlertLevel::Info, "entry", msg, out);
                }
                if flipped {
                    // The old stop protects the other side: replace it.
                    if let Some(stop) = self.symbols[s].stop.take() {
                        out.push(Action::CancelOrder { symbol, client_order_id: stop.client_order_id });
                    }
                }
                let st = &mut self.symbols[s];
                match st.stops.as_mut() {
                    // A scale-in: the stop and targets stay; an entry still filling restarts them.
                    Some(m) if !flipped && !m.is_fresh() => m.grow(after.abs() - before.abs()),
                    _ => self.start_stop_manager(s),
                }
                self.protect(s, fill.ts_ms, out);
            }
            Some(_) => {
                // Partly reduced: the manager and the stop order follow the remaining size.
                if let Some(m) = st.stops.as_mut() {
                    m.sync_open(after);
                }
                // A partial fill of the stop order itself already left it at the right size.
                if st.stop.is_some_and(|w| w.client_order_id != fill.client_order_id) {
                    self.amend_stop(s, Some(after.abs()), None, fill.ts_ms, out);
                }
            }
        }
    }
}
