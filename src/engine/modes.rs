//! The five regime modes in the engine: each closed base candle goes through the symbol's
//! `ModeSet` (switcher + modes) and its intents become orders on the same sizing and risk path
//! as every other order. Mode switches are recorded with their reasons.
//!
//! One-way position mode: a `Hedge` intent opens a leg in a correlated symbol the engine trades
//! (`super::hedge`) or, when that cannot be done, reduces the position by the hedge fraction with
//! the reason recorded; `Unwind` closes the leg. A symbol carrying a leg refuses its own modes'
//! orders. Hedge position mode: the leg is the other side of the same symbol (`super::hedge_same`).

use super::core::{side_of, Engine, MODE_NAMES};
use crate::domain::{
    Action, AlertLevel, Candle, Command, OrderOrigin, Price, Qty, Reason, Rounding, Side, SignalRecord,
};
use crate::reason;
use crate::strategy::{BarInput, Direction, Intent, IntentKind, PositionView, Signal};

impl Engine {
    /// Runs the symbol's modes on a closed base candle and carries out their intents.
    pub(super) fn run_modes(&mut self, s: usize, candle: &Candle, ts_ms: i64, out: &mut Vec<Action>) {
        if !self.hedge_legs.is_empty() || !self.same_legs.is_empty() {
            self.tend_legs(ts_ms, out);
        }
        let hedge_qty = self.hedge_qty(s);
        let mut intents = std::mem::take(&mut self.intent_buf);
        intents.clear();
        let st = &mut self.symbols[s];
        let size = st.position.size();
        let position = match side_of(size) {
            None => PositionView::FLAT,
            Some(side) => PositionView {
                direction: if side == Side::Buy { Direction::Long } else { Direction::Short },
                qty: size.abs().to_f64(),
                entry: st.position.entry_price().map(|p| p.to_f64()).unwrap_or(candle.close.to_f64()),
                stop: st.stop.map(|x| x.price.to_f64()),
                hedge_qty,
            },
        };
        let Some(set) = st.mode_set.as_deref_mut() else { return };
        let input = BarInput {
            candle,
            ind: st.indicators.values(),
            analysis: st.analyzer.output(),
            levels: st.analyzer.levels(),
            position,
        };
        let switch = set.on_bar(&input, &mut intents);
        let active = set.active();
        let symbol = st.instrument.symbol;
        if let Some(sw) = switch {
            self.note_switch(sw.into_record(symbol), out);
        }
        if let Some(m) = active {
            let n = self.symbols.len().max(1) as i64;
            let dur = candle.interval.duration_ms().unwrap_or(60_000);
            if !self.paused {
                self.modes[m.index()].active_ms += dur / n;
            }
        }
        for intent in intents.drain(..) {
            self.carry_out(s, intent, ts_ms, out);
        }
        self.intent_buf = intents;
    }

    pub(super) fn carry_out(&mut self, s: usize, intent: Intent, ts_ms: i64, out: &mut Vec<Action>) {
        let ix = intent.mode.index() as u8;
        let price = self.symbols[s].last_price;
        let mode_on = self.modes[ix as usize].enabled && self.locked_mode.is_none_or(|m| m == ix);
        {
            let m = &mut self.modes[ix as usize];
            m.last_signal = Some(intent.action());
            m.last_reason = Some(intent.reason.clone());
        }
        if let Some(h) = self.hedging(s) {
            // A hedge leg: its own modes neither open, add to, nor exit it.
            match intent.kind {
                // Stop moves are left to the leg's own stop manager; an unwind has nothing to close
                // (a hedge asked for here was refused below).
                IntentKind::MoveStop { .. } | IntentKind::Unwind => return,
                _ => {
                    let hedged = self.symbols[h].instrument.symbol;
                    let why = reason!("carrying a hedge for {}: {} refused (", hedged, intent.action())
                        .then(intent.reason)
                        .then(reason!(")"));
                    self.record(s, ix, "rejected", why, ts_ms, out);
                    return;
                }
            }
        }
        match intent.kind {
            IntentKind::Enter { direction, stop, .. } => {
                let signal = Signal { direction, stop_distance: (price.to_f64() - stop).abs(), reason: intent.reason };
                self.act_on_signal_for(ix, s, signal, mode_on, ts_ms, out);
            }
            IntentKind::Exit => {
                self.record(s, ix, "exit", intent.reason, ts_ms, out);
                self.close_position(s, OrderOrigin::Strategy(ix), ts_ms, out);
            }
            IntentKind::MoveStop { stop } => self.tighten_stop(s, ix, stop, intent.reason, ts_ms, out),
            IntentKind::PartialExit { fraction } => {
                self.reduce_by(s, ix, fraction, "partial_exit", intent.reason, ts_ms, out)
            }
            IntentKind::Hedge { fraction, symbol } => match self.open_hedge(s, fraction, symbol, ts_ms, out) {
                Ok(leg) => self.record(s, ix, "hedge", intent.reason.then(reason!(": ")).then(leg), ts_ms, out),
                Err(why) => {
                    let reason = intent
                        .reason
                        .then(reason!(" (reduced instead of hedged: "))
                        .then(why.to_string())
                        .then(reason!(")"));
                    self.reduce_by(s, ix, fraction, "hedge", reason, ts_ms, out)
                }
            },
            IntentKind::Unwind => {
                let reason = match self.close_leg(s, ts_ms, out) {
                    Some(what) => intent.reason.then(reason!(": ")).then(what),
                    None => intent.reason,
                };
                self.record(s, ix, "unwind", reason, ts_ms, out)
            }
            IntentKind::ScaleIn { stop, risk_fraction } => {
                self.scale_in(s, ix, stop, risk_fraction, intent.reason, mode_on, ts_ms, out)
            }
        }
    }

    fn record(&mut self, s: usize, ix: u8, action: &'static str, reason: Reason, ts_ms: i64, out: &mut Vec<Action>) {
        let st = &self.symbols[s];
        out.push(Action::RecordSignal(SignalRecord {
            ts_ms,
            symbol: st.instrument.symbol,
            mode: MODE_NAMES[ix as usize].into(),
            action: action.into(),
            price: st.last_price,
            reason,
        }));
    }

    /// Moves the protective stop to `stop` (rounded onto the tick grid, away from the price)
    /// through the position's stop manager: only when that is tighter; never loosens it.
    fn tighten_stop(&mut self, s: usize, ix: u8, stop: f64, reason: Reason, ts_ms: i64, out: &mut Vec<Action>) {
        let st = &self.symbols[s];
        let Some(side) = side_of(st.position.size()) else { return };
        let Some(raw) = Price::from_f64(stop) else { return };
        // A long's stop rounds down, a short's up: the rounding never tightens past the intent.
        let rounding = if side == Side::Buy { Rounding::Down } else { Rounding::Up };
        let candidate = raw.round_to(st.instrument.tick_size, rounding);
        if let Some((from, to)) = self.request_stop(s, candidate, ts_ms, out) {
            self.record(s, ix, "stop_moved", reason.then(reason!(": stop {} -> {}", from, to)), ts_ms, out);
        }
    }

    /// Closes `fraction` of the position with a reduce-only market order (rounded down to the
    /// quantity step; the whole position when the rest would be below the minimum).
    #[allow(clippy::too_many_arguments)]
    fn reduce_by(
        &mut self,
        s: usize,
        ix: u8,
        fraction: f64,
        action: &'static str,
        reason: Reason,
        ts_ms: i64,
        out: &mut Vec<Action>,
    ) {
        let st = &self.symbols[s];
        let size = st.position.size();
        let Some(held) = side_of(size) else { return };
        let inst = st.instrument;
        let fraction = fraction.clamp(0.0, 1.0);
        let Some(part) = Qty::from_f64(size.abs().to_f64() * fraction) else { return };
        let mut qty = part.round_to(inst.qty_step, Rounding::Down);
        if size.abs() - qty < inst.min_qty {
            qty = size.abs();
        }
        if qty < inst.min_qty || qty.is_zero() {
            self.record(s, ix, action, reason.then(reason!(": {} is below the minimum size", qty)), ts_ms, out);
            return;
        }
        let price = st.price();
        let request =
            self.market_request(inst.symbol, held.opposite(), qty, true, OrderOrigin::Strategy(ix), price, ts_ms, "p");
        if self.submit_checked(request, size, out) {
            self.record(s, ix, action, reason.then(reason!(": reduce {}", qty)), ts_ms, out);
        } else {
            self.record(s, ix, "rejected", reason!("risk refused {}: ", action).then(reason), ts_ms, out);
        }
    }

    /// Adds to a winning position: `risk_fraction` of a full entry's risk to `stop`.
    #[allow(clippy::too_many_arguments)]
    fn scale_in(
        &mut self,
        s: usize,
        ix: u8,
        stop: f64,
        risk_fraction: f64,
        reason: Reason,
        mode_on: bool,
        ts_ms: i64,
        out: &mut Vec<Action>,
    ) {
        if !mode_on || self.paused {
            let why = reason!("ignored (mode off or automation paused): ").then(reason);
            self.record(s, ix, "scale_in", why, ts_ms, out);
            return;
        }
        let st = &self.symbols[s];
        let size = st.position.size();
        let Some(side) = side_of(size) else { return };
        let inst = st.instrument;
        let price = st.price();
        let Some(stop_px) = Price::from_f64(stop) else { return };
        let exposure_elsewhere = self.exposure() - price * size.abs();
        let full = self.risk.size_for_stop(self.equity(), price, stop_px, &inst, exposure_elsewhere);
        let Some(part) = Qty::from_f64(full.to_f64() * risk_fraction.clamp(0.0, 1.0)) else { return };
        let qty = part.round_to(inst.qty_step, Rounding::Down);
        if qty < inst.min_qty || qty.is_zero() {
            self.record(s, ix, "scale_in", reason.then(reason!(": size {} below the minimum", qty)), ts_ms, out);
            return;
        }
        let request = self.market_request(inst.symbol, side, qty, false, OrderOrigin::Strategy(ix), price, ts_ms, "a");
        if self.submit_checked(request, size, out) {
            self.record(s, ix, "scale_in", reason.then(reason!(": add {}", qty)), ts_ms, out);
        } else {
            self.record(s, ix, "rejected", reason!("risk refused scale-in: ").then(reason), ts_ms, out);
        }
    }

    /// Hands the operator's mode commands to every symbol's mode set (errors become alerts).
    pub(super) fn forward_mode_command(&mut self, command: &Command, out: &mut Vec<Action>) {
        let ts = self.now_ms;
        let mut errors = Vec::new();
        let mut switches = Vec::new();
        for st in &mut self.symbols {
            let symbol = st.instrument.symbol;
            if let Some(set) = st.mode_set.as_deref_mut() {
                match set.apply_command(command, ts) {
                    Ok(Some(sw)) => switches.push(sw.into_record(symbol)),
                    Ok(None) => {}
                    Err(e) => errors.push(e.to_string()),
                }
            }
        }
        for sw in switches {
            self.note_switch(sw, out);
        }
        errors.dedup();
        for e in errors {
            self.alert(ts, AlertLevel::Warning, "command", e, out);
        }
    }

    /// Stores a mode switch (database and the UI's recent list).
    fn note_switch(&mut self, sw: crate::domain::ModeSwitch, out: &mut Vec<Action>) {
        if self.recent_switches.len() == super::core::RECENT {
            self.recent_switches.pop_front();
        }
        self.recent_switches.push_back(sw.clone());
        out.push(Action::RecordModeSwitch(sw));
    }
}
