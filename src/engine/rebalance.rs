//! Portfolio rebalancing to target weights, as the operator runs it (`Command::Rebalance`, the
//! UI's `R`) and on the `[execution.rebalance] every` schedule.
//!
//! The plan is worked out from the engine's own state: equity (wallet balance + unrealised PnL at
//! our last prices), each named symbol's position and last price. `execution::rebalance` turns
//! the targets into orders on the instrument's step, minimum quantity and minimum value grid
//! (exact fixed point; a flip is a reduce-only close plus an opening order; reducing orders
//! first). Every order is a market order with origin `Manual` and a client id ending in `-rb`,
//! submitted through the same risk checks as any order, so a refusal is alerted with the limit
//! and the excess. Only the symbols named are traded.
//!
//! Refused as a whole (a warning alert): the kill switch is engaged, the |weights| add up to more
//! than `risk.max_leverage`, the account balance is not known yet. Skipped with a warning: a
//! symbol this engine does not trade, one without a price yet, one with a hedge leg (a same-symbol
//! leg in hedge position mode, or a correlated-symbol leg of the volatility hedge: the hedge owns
//! those sizes). A symbol whose weight is within `band` of its target is left as it is.
//!
//! The schedule runs on the engine's event clock (`now_ms`, the market's time, so a backtest or a
//! replay reproduces it): once the balance and a market time are known it is armed for the first
//! boundary (a multiple of the interval since the UTC epoch) after that time, runs on the first
//! event at or after it and is then set for the next boundary after that event (missed
//! boundaries are not caught up). A paused engine skips the scheduled run (an operator's `R`
//! still runs). The per-event cost is one comparison (`Engine::on_event_into`).

use super::core::Engine;
use super::snapshot::RebalanceView;
use crate::domain::{Action, AlertLevel, Money, OrderOrigin, Qty, Rate, Side, Symbol};
use crate::execution::{rebalance, Holding, RebalanceOrder};
use crate::risk::{LimitBreach, LimitKind, TradingState, Unit};

/// `rebalance_next_ms` when no run is scheduled (no schedule, or the balance is not known yet).
pub(super) const NOT_SCHEDULED: i64 = i64::MAX;
/// `rebalance_next_ms` once the balance is known: the boundary is set on the next event that
/// has a market time.
pub(super) const ARMED: i64 = i64::MIN;

/// One order of a rebalance, with the symbol's weight now and its target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Planned {
    pub order: RebalanceOrder,
    pub from: Rate,
    pub to: Rate,
}

/// What a rebalance would do now.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RebalancePlan {
    /// Reducing orders first, each group by symbol.
    pub orders: Vec<Planned>,
    /// Symbols left out, and why.
    pub skipped: Vec<String>,
    /// Symbols already within the band of their target.
    pub within_band: usize,
    /// Symbols outside the band whose target is their position to the quantity step (or whose
    /// order would be under the minimum size or value).
    pub on_step: usize,
}

/// A weight as a percentage with one decimal (display only; `-0.0%` shows as `0.0%`).
fn pct(r: Rate) -> String {
    let v = r.to_f64() * 100.0;
    format!("{:.1}%", if v.abs() < 0.05 { 0.0 } else { v })
}

fn side_word(side: Side) -> &'static str {
    match side {
        Side::Buy => "buy",
        Side::Sell => "sell",
    }
}

impl RebalancePlan {
    /// ` (1 within the band of its target, 1 on target to the quantity step)`, or nothing.
    fn why_nothing(&self) -> String {
        let mut parts = Vec::new();
        if self.within_band > 0 {
            parts.push(format!("{} within the band of its target", self.within_band));
        }
        if self.on_step > 0 {
            parts.push(format!("{} on target to the quantity step", self.on_step));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        }
    }
}

impl Planned {
    /// `buy 0.012 BTCUSDT  0.0% → 30.0%` (the UI's preview line).
    fn preview(&self) -> String {
        let o = &self.order;
        let ro = if o.reduce_only { " reduce-only" } else { "" };
        format!("{} {} {}{ro}  {} → {}", side_word(o.side), o.qty, o.symbol, pct(self.from), pct(self.to))
    }
}

impl Engine {
    /// The orders `targets` would produce now, or why the whole rebalance is refused. No side
    /// effects: the command, the schedule and the UI's preview all use it.
    pub(crate) fn rebalance_plan(&self, targets: &[(Symbol, Rate)]) -> Result<RebalancePlan, String> {
        if self.risk.state() == TradingState::Halted {
            return Err("the kill switch is engaged (trading halted)".into());
        }
        let sum = targets.iter().map(|t| t.1.abs()).sum::<Rate>();
        let as_money = |r: Rate| Money::from_raw(r.raw());
        let cap = self.risk.limits().max_leverage;
        if let Err(b) = LimitBreach::check(LimitKind::Leverage, as_money(sum), as_money(cap), Unit::Multiple) {
            return Err(format!("target weights: {b}"));
        }
        if self.balance.is_none() {
            return Err("the account balance is not known yet".into());
        }
        let equity = self.equity();
        if !equity.is_positive() {
            return Err(format!("equity is {equity} USDT"));
        }
        let band = self.config.rebalance.band;
        let mut plan = RebalancePlan::default();
        let mut holdings = Vec::with_capacity(targets.len());
        let mut weights: Vec<(Symbol, Rate, Rate)> = Vec::with_capacity(targets.len());
        for (i, &(symbol, target)) in targets.iter().enumerate() {
            if targets[..i].iter().any(|t| t.0 == symbol) {
                plan.skipped.push(format!("{symbol} is named twice; the first weight counts"));
                continue;
            }
            let Some(s) = self.slot(symbol) else {
                plan.skipped.push(format!("unknown symbol {symbol} skipped"));
                continue;
            };
            let st = &self.symbols[s];
            let price = st.price();
            if !price.is_positive() {
                plan.skipped.push(format!("no price for {symbol} yet; skipped"));
                continue;
            }
            if self.same_leg(s).is_some() {
                plan.skipped.push(format!("{symbol} skipped: a same-symbol hedge leg is open"));
                continue;
            }
            if let Some(h) = self.hedging(s) {
                let msg = format!("{symbol} skipped: it carries a hedge leg for {}", self.symbols[h].instrument.symbol);
                plan.skipped.push(msg);
                continue;
            }
            if let Some(l) = self.leg_for(s) {
                let msg =
                    format!("{symbol} skipped: it is hedged by a leg in {}", self.symbols[l.leg].instrument.symbol);
                plan.skipped.push(msg);
                continue;
            }
            let size = st.position.size();
            let notional = price * size.abs();
            let now = notional.ratio(equity).unwrap_or(Rate::ZERO);
            let now = if size.is_negative() { -now } else { now };
            if (now - target).abs() <= band {
                plan.within_band += 1;
                continue;
            }
            holdings.push(Holding { instrument: &st.instrument, position: size, price });
            weights.push((symbol, now, target));
        }
        let orders = rebalance(equity, &holdings, targets);
        plan.on_step = weights.iter().filter(|w| !orders.iter().any(|o| o.symbol == w.0)).count();
        for order in orders {
            let (_, from, to) =
                weights.iter().copied().find(|w| w.0 == order.symbol).unwrap_or((order.symbol, Rate::ZERO, Rate::ZERO));
            plan.orders.push(Planned { order, from, to });
        }
        Ok(plan)
    }

    /// Runs a rebalance to `targets` now: alerts, then each order through the risk checks.
    /// `what` names the run in the alerts (`rebalance`, `scheduled rebalance`).
    pub(super) fn run_rebalance(&mut self, targets: &[(Symbol, Rate)], what: &str, out: &mut Vec<Action>) {
        let ts = self.now_ms;
        let plan = match self.rebalance_plan(targets) {
            Ok(plan) => plan,
            Err(why) => {
                self.alert(ts, AlertLevel::Warning, "rebalance", format!("{what} refused: {why}"), out);
                return;
            }
        };
        for note in &plan.skipped {
            self.alert(ts, AlertLevel::Warning, "rebalance", format!("{what}: {note}"), out);
        }
        if plan.orders.is_empty() {
            let msg = format!("{what}: nothing to trade{}", plan.why_nothing());
            self.alert(ts, AlertLevel::Info, "rebalance", msg, out);
            return;
        }
        // A flip's opening order counts as opening from flat (its reduce-only close goes first);
        // it is not sent when that close was refused.
        let mut refused_close: Vec<Symbol> = Vec::new();
        for p in &plan.orders {
            let o = p.order;
            let Some(s) = self.slot(o.symbol) else { continue };
            let (position, price) = (self.symbols[s].position.size(), self.symbols[s].price());
            if !o.reduce_only && refused_close.contains(&o.symbol) {
                let msg = format!("{what}: {} {} {} not sent: its reducing order was refused", o.side, o.qty, o.symbol);
                self.alert(ts, AlertLevel::Warning, "rebalance", msg, out);
                continue;
            }
            let crosses = !position.is_zero() && (position.is_positive() != (o.side == Side::Buy));
            let as_if = if !o.reduce_only && crosses { Qty::ZERO } else { position };
            let request =
                self.market_request(o.symbol, o.side, o.qty, o.reduce_only, OrderOrigin::Manual, price, ts, "rb");
            if self.submit_checked(request, as_if, out) {
                let ro = if o.reduce_only { " reduce-only" } else { "" };
                let msg = format!(
                    "rebalance: {} {} {}{ro} ({} → {} of equity)",
                    side_word(o.side),
                    o.qty,
                    o.symbol,
                    pct(p.from),
                    pct(p.to)
                );
                self.alert(ts, AlertLevel::Info, "rebalance", msg, out);
            } else if o.reduce_only {
                refused_close.push(o.symbol);
            }
        }
    }

    /// The schedule's boundary came (or the schedule is armed and waits for a market time).
    /// Called by `on_event_into` only when `now_ms >= rebalance_next_ms`.
    #[cold]
    #[inline(never)]
    pub(super) fn rebalance_due(&mut self, out: &mut Vec<Action>) {
        let Some(every) = self.config.rebalance.every.map(|e| e.ms()) else {
            self.rebalance_next_ms = NOT_SCHEDULED;
            return;
        };
        // The first boundary after the time, never this one again: no catch-up.
        let next = self.now_ms.div_euclid(every).saturating_add(1).saturating_mul(every);
        if self.rebalance_next_ms == ARMED {
            // Armed once the balance is known; the first run waits for the next boundary.
            if self.now_ms > 0 {
                self.rebalance_next_ms = next;
            }
            return;
        }
        self.rebalance_next_ms = next;
        if self.paused {
            let msg = "scheduled rebalance skipped: paused".to_string();
            self.alert(self.now_ms, AlertLevel::Info, "rebalance", msg, out);
            return;
        }
        let targets = self.config.rebalance.target_list();
        self.run_rebalance(&targets, "scheduled rebalance", out);
    }

    /// Arms the schedule the first time the balance is known.
    pub(super) fn arm_rebalance(&mut self) {
        if self.rebalance_next_ms == NOT_SCHEDULED
            && self.config.rebalance.every.is_some()
            && !self.config.rebalance.targets.is_empty()
        {
            self.rebalance_next_ms = ARMED;
        }
    }

    /// Time of the next scheduled rebalance (UTC ms), once it is known.
    pub fn next_rebalance_ms(&self) -> Option<i64> {
        (self.rebalance_next_ms != NOT_SCHEDULED && self.rebalance_next_ms != ARMED).then_some(self.rebalance_next_ms)
    }

    /// The configured rebalance as it would run now, for the UI (`None` without targets). Built
    /// with the snapshot, not per event.
    pub(super) fn rebalance_view(&self) -> Option<RebalanceView> {
        let config = &self.config.rebalance;
        if config.targets.is_empty() {
            return None;
        }
        let targets = config.target_list();
        let (orders, notes) = match self.rebalance_plan(&targets) {
            Ok(plan) => {
                let mut notes = plan.skipped.clone();
                let why = plan.why_nothing();
                if !why.is_empty() {
                    notes.push(why.trim().trim_start_matches('(').trim_end_matches(')').to_string());
                }
                (plan.orders.iter().map(Planned::preview).collect(), notes)
            }
            Err(why) => (Vec::new(), vec![format!("refused: {why}")]),
        };
        Some(RebalanceView {
            targets,
            every: config.every.map(|e| e.as_str().to_string()),
            band: config.band,
            next_ms: self.next_rebalance_ms(),
            orders,
            notes,
        })
    }
}
