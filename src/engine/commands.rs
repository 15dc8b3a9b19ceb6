//! Operator commands: pause/resume, mode switches, manual orders, cancels, flatten, kill switch.

use super::core::{mode_index, Engine};
use crate::domain::{Action, AlertLevel, Command, ManualOrder, OrderOrigin, OrderRequest, OrderType, TriggerDirection};
use crate::risk::TradingState;

impl Engine {
    pub(super) fn on_command(&mut self, command: &Command, out: &mut Vec<Action>) {
        let ts = self.now_ms;
        if matches!(
            command,
            Command::PauseAutomation
                | Command::ResumeAutomation
                | Command::SetAutoSwitch { .. }
                | Command::SetModeEnabled { .. }
                | Command::LockMode { .. }
        ) {
            self.forward_mode_command(command, out);
        }
        match command {
            Command::PauseAutomation => self.paused = true,
            Command::ResumeAutomation => self.paused = false,
            Command::SetAutoSwitch { enabled } => self.auto_switch = *enabled,
            Command::SetModeEnabled { mode, enabled } => match mode_index(mode) {
                Some(i) => self.modes[i as usize].enabled = *enabled,
                None => self.alert(ts, AlertLevel::Warning, "command", format!("unknown mode `{mode}`"), out),
            },
            Command::LockMode { mode } => match mode.as_deref().map(mode_index) {
                None => self.locked_mode = None,
                Some(Some(i)) => self.locked_mode = Some(i),
                Some(None) => {
                    let msg = format!("unknown mode `{}`", mode.as_deref().unwrap_or(""));
                    self.alert(ts, AlertLevel::Warning, "command", msg, out)
                }
            },
            Command::PlaceOrder(m) => self.manual_order(m, ts, out),
            Command::CancelOrder { client_order_id } => match self.orders.get(client_order_id) {
                Some(o) if o.status.is_open() => {
                    out.push(Action::CancelOrder { symbol: o.symbol(), client_order_id: *client_order_id })
                }
                _ => {
                    let msg = format!("no working order {client_order_id} to cancel");
                    self.alert(ts, AlertLevel::Warning, "command", msg, out)
                }
            },
            Command::CancelAll { symbol } => {
                out.push(Action::CancelAll { symbol: *symbol });
                for st in &mut self.symbols {
                    if symbol.is_none_or(|sym| sym == st.instrument.symbol) {
                        st.stop = None;
                    }
                }
            }
            Command::Flatten { symbol } => {
                if let Some(s) = self.slot(*symbol) {
                    out.push(Action::CancelAll { symbol: Some(*symbol) });
                    self.symbols[s].stop = None;
                    self.close_position(s, OrderOrigin::Flatten, ts, out);
                    self.alert(ts, AlertLevel::Warning, "command", format!("flatten {symbol}"), out);
                }
            }
            Command::KillSwitch { engage: true } => {
                self.risk.set_state(TradingState::Halted);
                out.push(Action::CancelAll { symbol: None });
                for s in 0..self.symbols.len() {
                    self.symbols[s].stop = None;
                    self.close_position(s, OrderOrigin::Flatten, ts, out);
                }
                let msg = "kill switch engaged: orders cancelled, positions flattened, trading halted".to_string();
                self.alert(ts, AlertLevel::Critical, "risk", msg, out);
            }
            Command::KillSwitch { engage: false } => {
                self.risk.set_state(TradingState::Active);
                self.alert(ts, AlertLevel::Warning, "risk", "kill switch released: trading active".into(), out);
            }
        }
    }

    pub(super) fn manual_order(&mut self, m: &ManualOrder, ts: i64, out: &mut Vec<Action>) {
        let Some(s) = self.slot(m.symbol) else {
            self.alert(ts, AlertLevel::Warning, "command", format!("unknown symbol {}", m.symbol), out);
            return;
        };
        let st = &self.symbols[s];
        let position = st.position.size();
        let price = st.price();
        let trigger_direction =
            m.trigger_price.map(|t| if t >= price { TriggerDirection::Rising } else { TriggerDirection::Falling });
        let request = OrderRequest {
            client_order_id: self.orders.next_client_id(ts, "m"),
            symbol: m.symbol,
            side: m.side,
            order_type: m.order_type,
            qty: m.qty,
            price: if m.order_type == OrderType::Limit { m.price } else { None },
            trigger_price: m.trigger_price,
            trigger_direction,
            time_in_force: m.time_in_force,
            reduce_only: m.reduce_only,
            origin: OrderOrigin::Manual,
            decision_price: price,
            ts_ms: ts,
        };
        if m.order_type == OrderType::Limit && m.price.is_none() {
            self.alert(ts, AlertLevel::Warning, "command", "a limit order needs a price".into(), out);
            return;
        }
        self.submit_checked(request, position, out);
    }
}
