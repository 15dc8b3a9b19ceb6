//! Operator commands: pause/resume, mode switches, manual orders, cancels, flatten, kill switch,
//! and live changes to a mode's parameters (the UI's editor).

use super::aggregate::CandleAggregator;
use super::core::{mode_index, Engine, MODE_NAMES, RECENT, TREND_MODE};
use crate::config::params as edit;
use crate::domain::{Action, AlertLevel, Command, ManualOrder, OrderOrigin, OrderRequest, OrderType, TriggerDirection};
use crate::risk::TradingState;
use crate::strategy::{ModesConfig, TrendConfig, TrendFollower};

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
                    self.close_same_leg(s, OrderOrigin::Flatten, true, ts, out);
                    self.alert(ts, AlertLevel::Warning, "command", format!("flatten {symbol}"), out);
                }
            }
            Command::KillSwitch { engage: true } => {
                self.risk.set_state(TradingState::Halted);
                out.push(Action::CancelAll { symbol: None });
                for s in 0..self.symbols.len() {
                    self.symbols[s].stop = None;
                    self.close_position(s, OrderOrigin::Flatten, ts, out);
                    self.close_same_leg(s, OrderOrigin::Flatten, true, ts, out);
                }
                let msg = "kill switch engaged: orders cancelled, positions flattened, trading halted".to_string();
                self.alert(ts, AlertLevel::Critical, "risk", msg, out);
            }
            Command::KillSwitch { engage: false } => {
                self.risk.set_state(TradingState::Active);
                self.alert(ts, AlertLevel::Warning, "risk", "kill switch released: trading active", out);
            }
            Command::SetModeParams { mode, params } => self.set_mode_params(mode, params, ts, out),
            // The runtime writes the file (the engine does no I/O) and reports where.
            Command::SaveConfig => {}
            // Pause does not block it: the operator asked (`super::rebalance`).
            Command::Rebalance { targets } => self.run_rebalance(targets, "rebalance", out),
        }
    }

    /// The regime modes' settings as the engine runs them now (`None`: the EMA follower runs).
    pub fn modes_config(&self) -> Option<&ModesConfig> {
        self.config.modes.as_ref()
    }

    /// The EMA-cross trend follower's settings as the engine runs them now.
    pub fn trend_config(&self) -> &TrendConfig {
        &self.config.trend
    }

    /// An alert from outside the engine (the runtime saying where it wrote the config).
    pub fn notify(
        &mut self,
        level: AlertLevel,
        kind: impl Into<std::borrow::Cow<'static, str>>,
        message: String,
    ) -> Vec<Action> {
        let mut out = Vec::new();
        self.alert(self.now_ms, level, kind, message, &mut out);
        out
    }

    /// Validates and applies new parameters to a running mode: every symbol's mode set takes the
    /// new settings (only the changed mode starts afresh; positions, stops and the switcher's
    /// state stay). With the EMA follower, the follower is rebuilt and warmed up again on the
    /// candles held. Info alert with the changes, or a Warning with why nothing changed.
    fn set_mode_params(&mut self, mode: &str, params: &serde_json::Value, ts: i64, out: &mut Vec<Action>) {
        let name = mode_index(mode).map(|i| MODE_NAMES[i as usize]).unwrap_or(mode);
        let result = match &self.config.modes {
            Some(modes) => edit::set_mode_params(modes, mode, params).map(|(m, ch)| (Some(m), None, ch)),
            None if mode_index(mode) == Some(TREND_MODE) => {
                edit::set_trend_params(&self.config.trend, params).map(|(t, ch)| (None, Some(t), ch))
            }
            None => Err(format!("mode {name} is not running (strategy.engine = \"ema\" runs the trend follower only)")),
        };
        let (modes, trend, changes) = match result {
            Ok(r) => r,
            Err(e) => {
                self.alert(ts, AlertLevel::Warning, "params", format!("{name}: {e}"), out);
                return;
            }
        };
        if changes.is_empty() {
            self.alert(ts, AlertLevel::Info, "params", format!("{name}: no change"), out);
            return;
        }
        if let Some(modes) = modes {
            let mut switches = Vec::new();
            let mut refused = None;
            for st in &mut self.symbols {
                let symbol = st.instrument.symbol;
                if let Some(set) = st.mode_set.as_deref_mut() {
                    // Checked above with the same validation, so this does not fail in practice.
                    match set.set_config(modes.clone(), ts) {
                        Ok(events) => switches.extend(events.into_iter().map(|e| e.into_record(symbol))),
                        Err(e) => refused = Some(e),
                    }
                }
            }
            if let Some(e) = refused {
                self.alert(ts, AlertLevel::Warning, "params", format!("{name}: {e}"), out);
                return;
            }
            for sw in switches {
                if self.recent_switches.len() == RECENT {
                    self.recent_switches.pop_front();
                }
                self.recent_switches.push_back(sw.clone());
                out.push(Action::RecordModeSwitch(sw));
            }
            self.config.modes = Some(modes);
        }
        if let Some(trend) = trend {
            for st in &mut self.symbols {
                // Warm the new follower up on the closed candles held, through its own timeframe.
                let mut follower = TrendFollower::new(trend.clone());
                let mut agg = CandleAggregator::new(trend.timeframe);
                for c in &st.candles {
                    if let Some(bar) = agg.push(c) {
                        let _ = follower.on_candle(&bar);
                    }
                }
                st.trend = follower;
            }
            self.config.trend = trend;
        }
        let list: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
        self.alert(ts, AlertLevel::Info, "params", format!("{name}: {}", list.join(", ")), out);
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
            position_idx: Default::default(),
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
            self.alert(ts, AlertLevel::Warning, "command", "a limit order needs a price", out);
            return;
        }
        self.submit_checked(request, position, out);
    }
}
