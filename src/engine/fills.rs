//! Fills into the engine: the position book, per-mode statistics, closed trades, entry/exit
//! alerts, and keeping the protective stop in step with the position.

use super::core::{side_of, Engine, RECENT, TREND_MODE};
use crate::domain::{Action, AlertLevel, Fill, OrderOrigin, Side};

impl Engine {
    pub(super) fn on_fill(&mut self, fill: &Fill, out: &mut Vec<Action>) {
        self.fills += 1;
        let known = self.orders.on_fill(fill, out);
        let origin = self.orders.get(&fill.client_order_id).map(|o| o.request.origin);
        let Some(s) = self.slot(fill.symbol) else { return };
        if !known {
            let msg = format!("fill {} for unknown order {}", fill.exec_id, fill.client_order_id);
            self.alert(fill.ts_ms, AlertLevel::Warning, "order", msg, out);
        }
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
            let idx = trade.mode.unwrap_or(TREND_MODE) as usize;
            if let Some(m) = self.modes.get_mut(idx) {
                m.trades += 1;
                m.pnl += trade.net_pnl();
                if trade.net_pnl().is_positive() {
                    m.wins += 1;
                }
            }
            let tick = self.symbols[s].instrument.tick_size;
            let msg = format!(
                "{} {} {} closed @ {} net {:+.2} USDT",
                trade.symbol,
                if trade.side == Side::Buy { "long" } else { "short" },
                trade.qty,
                trade.exit_price.round_to(tick, crate::domain::Rounding::Nearest),
                trade.net_pnl().to_f64()
            );
            self.closed_trades.push(trade);
            self.alert(fill.ts_ms, AlertLevel::Info, "exit", msg, out);
        }
        let st = &mut self.symbols[s];
        let symbol = st.instrument.symbol;
        match side_of(after) {
            None => {
                st.pending_stop = None;
                if let Some(stop) = st.stop.take() {
                    if stop.client_order_id != fill.client_order_id {
                        out.push(Action::CancelOrder { symbol, client_order_id: stop.client_order_id });
                    }
                }
            }
            Some(side) if after.abs() > before.abs() || side_of(before) != Some(side) => {
                if before.is_zero() {
                    let msg = format!(
                        "{symbol} {} {} @ {}",
                        if side == Side::Buy { "long" } else { "short" },
                        fill.qty,
                        fill.price
                    );
                    self.alert(fill.ts_ms, AlertLevel::Info, "entry", msg, out);
                }
                self.protect(s, fill.ts_ms, out);
            }
            Some(_) => {
                // Partly reduced: shrink the stop to the remaining size.
                if let Some(stop) = self.symbols[s].stop {
                    out.push(Action::AmendOrder {
                        symbol,
                        client_order_id: stop.client_order_id,
                        qty: Some(after.abs()),
                        price: None,
                        trigger_price: None,
                    });
                }
            }
        }
    }
}
