//! Market data into the engine: a closed candle feeds the aggregator and the strategy, moves the
//! equity/drawdown tracking, the correlations and the position's stop manager, and a signal becomes
//! an entry or an exit.

use super::core::{side_of, Engine, EQUITY_SAMPLES, MODE_NAMES, TREND_MODE};
use crate::domain::{Action, AlertLevel, Candle, OrderOrigin, Qty, Reason, Side, SignalRecord};
use crate::reason;
use crate::risk::stop_price;
use crate::strategy::{Direction, Signal};

impl Engine {
    pub(super) fn on_candle(&mut self, candle: &Candle, out: &mut Vec<Action>) {
        let Some(s) = self.slot(candle.symbol) else { return };
        if !candle.closed {
            self.symbols[s].partial = Some(*candle);
            return;
        }
        if candle.interval != self.config.interval {
            return;
        }
        self.candles += 1;
        let cap = self.config.history_len;
        let st = &mut self.symbols[s];
        st.partial = None;
        st.last_price = candle.close;
        st.closed_candles += 1;
        // The strategy acts when a bar of its own timeframe completes.
        let bar = st.aggregator.push(candle);
        // Indicators and the regime run on the bars the strategies trade (see `SymbolState::new`).
        if self.config.analysis {
            if let Some(b) = &bar {
                let values = st.indicators.update(b);
                st.analyzer.update(b, values);
            }
        }
        let signal = bar.and_then(|b| st.trend.on_candle(&b));
        st.remember(*candle, cap);
        if let Some(b) = &bar {
            // Closed-bar returns per symbol, for the correlation-aware exposure limit.
            self.risk.on_close(b.symbol, b.ts_ms, b.close);
        }
        let close_ts = candle.close_ms();
        self.roll_day(close_ts);
        self.track_equity(close_ts);
        self.guard_equity(close_ts, out);
        if self.symbols[s].mode_set.is_some() {
            if bar.is_some() {
                self.manage_stop(s, None, close_ts, out);
            }
            // The regime modes trade the strategy timeframe's bars; the EMA follower only feeds the chart.
            if let (true, Some(b)) = (self.config.analysis, bar) {
                self.run_modes(s, &b, close_ts, out);
            }
            return;
        }
        let trend_on = self.modes[TREND_MODE as usize].enabled && self.locked_mode.is_none_or(|m| m == TREND_MODE);
        if trend_on && !self.paused {
            self.modes[TREND_MODE as usize].active_ms += candle.interval.duration_ms().unwrap_or(60_000);
        }
        if bar.is_some() {
            let trail = self.symbols[s].trend.trail_distance();
            self.manage_stop(s, trail, close_ts, out);
        }
        if let Some(signal) = signal {
            self.act_on_signal(s, signal, trend_on, close_ts, out);
        }
    }

    /// Daily loss and maximum drawdown: a daily-loss breach leaves only reducing orders until
    /// the next UTC day; a drawdown breach engages the kill switch (cancel all, flatten, halt).
    pub(super) fn guard_equity(&mut self, ts_ms: i64, out: &mut Vec<Action>) {
        if self.balance.is_none() {
            return;
        }
        let equity = self.equity();
        match self.risk.on_equity(ts_ms, equity) {
            None => {}
            Some(crate::risk::EquityBreach::DailyLoss(b)) => {
                let msg = b.reason().then(reason!(": only reducing orders until the next UTC day"));
                self.alert(ts_ms, AlertLevel::Critical, "risk", msg, out);
            }
            Some(crate::risk::EquityBreach::Drawdown(b)) => {
                self.alert(ts_ms, AlertLevel::Critical, "risk", b.reason().then(reason!(": kill switch")), out);
                self.on_command(&crate::domain::Command::KillSwitch { engage: true }, out);
            }
        }
    }

    /// Peak equity, maximum drawdown and the UI's equity samples after a closed candle.
    ///
    /// The drawdown `1 − equity / peak` (in `f64`) only needs working out when it could set a new
    /// maximum: for a fixed peak it never grows as equity grows, so any equity at or above
    /// `dd_clear_above` (one whose drawdown was already within the maximum) is skipped. The values
    /// recorded are exactly those of computing it on every candle.
    pub(super) fn track_equity(&mut self, ts_ms: i64) {
        if self.balance.is_none() {
            return;
        }
        let equity = self.equity_memoized();
        if equity > self.peak_equity {
            self.peak_equity = equity;
            // A drawdown of zero at the new peak.
            self.dd_clear_above = equity;
        }
        // Keep a bounded curve for the UI: one sample per closed candle of the first symbol.
        let sample = self.symbols.first().is_some_and(|f| f.candles.back().is_some_and(|c| c.close_ms() == ts_ms));
        if !sample && equity >= self.dd_clear_above {
            return;
        }
        let dd = if self.peak_equity.is_positive() { 1.0 - equity.to_f64() / self.peak_equity.to_f64() } else { 0.0 };
        if dd > self.max_drawdown {
            self.max_drawdown = dd;
        }
        self.dd_clear_above = self.dd_clear_above.min(equity);
        if sample {
            if self.equity_samples.len() == EQUITY_SAMPLES {
                self.equity_samples.pop_front();
            }
            self.equity_samples.push_back((ts_ms, equity.to_f64(), dd));
        }
    }

    pub(super) fn act_on_signal(&mut self, s: usize, signal: Signal, mode_on: bool, ts_ms: i64, out: &mut Vec<Action>) {
        self.act_on_signal_for(TREND_MODE, s, signal, mode_on, ts_ms, out)
    }

    /// Enters (or leaves) on a mode's signal: sized by fixed-fraction risk to the stop, risk-checked.
    pub(super) fn act_on_signal_for(
        &mut self,
        mode_ix: u8,
        s: usize,
        signal: Signal,
        mode_on: bool,
        ts_ms: i64,
        out: &mut Vec<Action>,
    ) {
        let symbol = self.symbols[s].instrument.symbol;
        let price = self.symbols[s].last_price;
        let position = self.symbols[s].position.size();
        let mode = &mut self.modes[mode_ix as usize];
        let word = match signal.direction {
            Direction::Long => "enter_long",
            Direction::Short => "enter_short",
            Direction::Flat => "exit",
        };
        mode.last_signal = Some(word);
        mode.last_reason = Some(signal.reason.clone());
        let record = |action: &'static str, reason: Reason, out: &mut Vec<Action>| {
            out.push(Action::RecordSignal(SignalRecord {
                ts_ms,
                symbol,
                mode: MODE_NAMES[mode_ix as usize].into(),
                action: action.into(),
                price,
                reason,
            }))
        };
        if !mode_on {
            record(word, reason!("ignored (mode disabled or another mode locked): ").then(signal.reason), out);
            return;
        }
        // Leave a position that points the other way (exits happen even when paused).
        let wanted = match signal.direction {
            Direction::Long => Some(Side::Buy),
            Direction::Short => Some(Side::Sell),
            Direction::Flat => None,
        };
        let held = side_of(position);
        if held.is_some() && held != wanted {
            self.close_position(s, OrderOrigin::Strategy(mode_ix), ts_ms, out);
        } else if held.is_some() {
            record(word, reason!("already positioned: ").then(signal.reason), out);
            return;
        }
        let Some(side) = wanted else {
            record(word, signal.reason, out);
            return;
        };
        if self.paused {
            record(word, reason!("automation paused: ").then(signal.reason), out);
            return;
        }
        let st = &self.symbols[s];
        let Some(stop) = stop_price(side, price, signal.stop_distance, &st.instrument) else {
            record("rejected", reason!("no valid stop {} from {}", signal.stop_distance, price), out);
            return;
        };
        let exposure_elsewhere = self.exposure() - price * position.abs();
        let qty = self.risk.size_for_stop(self.equity(), price, stop, &st.instrument, exposure_elsewhere);
        if qty < st.instrument.min_qty || qty.is_zero() {
            let msg = reason!("size {} below the minimum {} (risk budget too small)", qty, st.instrument.min_qty);
            record("rejected", msg, out);
            return;
        }
        let request = self.market_request(symbol, side, qty, false, OrderOrigin::Strategy(mode_ix), price, ts_ms, "t");
        if self.submit_checked(request, Qty::ZERO, out) {
            self.symbols[s].pending_stop = Some(stop);
            record(word, signal.reason.then(reason!(" qty {} stop {}", qty, stop)), out);
        } else {
            record("rejected", reason!("risk refused: ").then(signal.reason), out);
        }
    }
}
