//! `Engine`: events in, actions out. Market data → strategy → risk → order manager.

use super::config::EngineConfig;
use super::symbol::SymbolState;
use crate::domain::{
    Action, Alert, AlertLevel, Balance, ClosedTrade, Event, Fill, Money, OrderStatus, Qty, Reason, Side, Symbol,
};
use crate::execution::{ExecConfig, OrderManager};
use crate::risk::{RiskEngine, StopConfig, StopEvent, TradingState};
use std::collections::VecDeque;

/// Index of the trend mode in the mode list.
pub const TREND_MODE: u8 = 0;
/// The modes, in `strategy::ModeId::ALL` order (`ModeId::index` is the position here).
pub(crate) const MODE_NAMES: [&str; 5] = ["trend", "range", "breakout", "reversal", "hedge"];

/// Per-mode statistics and operator state.
#[derive(Debug, Clone, Default)]
pub(crate) struct ModeState {
    pub enabled: bool,
    pub trades: u32,
    pub wins: u32,
    pub pnl: Money,
    pub active_ms: i64,
    pub last_signal: Option<&'static str>,
    /// Kept as its parts (copied, not formatted, on the decision path); the snapshot renders it.
    pub last_reason: Option<Reason>,
}

/// The deterministic trading core. No I/O, no clocks: time comes from events.
#[derive(Clone)]
pub struct Engine {
    pub(crate) config: EngineConfig,
    pub(crate) symbols: Vec<SymbolState>,
    pub(crate) orders: OrderManager,
    pub(crate) risk: RiskEngine,
    pub(crate) modes: Vec<ModeState>,
    /// Reused buffer for the mode set's intents.
    pub(crate) intent_buf: Vec<crate::strategy::Intent>,
    /// Recent mode switches for the UI, oldest first.
    pub(crate) recent_switches: VecDeque<crate::domain::ModeSwitch>,
    pub(crate) locked_mode: Option<u8>,
    pub(crate) paused: bool,
    pub(crate) auto_switch: bool,
    pub(crate) balance: Option<Balance>,
    pub(crate) starting_equity: Option<Money>,
    pub(crate) peak_equity: Money,
    pub(crate) max_drawdown: f64,
    pub(crate) day_start: (i64, Money),
    pub(crate) now_ms: i64,
    pub(crate) closed_trades: Vec<ClosedTrade>,
    pub(crate) recent_fills: VecDeque<Fill>,
    pub(crate) alerts: VecDeque<Alert>,
    pub(crate) rejections: VecDeque<(i64, Reason)>,
    pub(crate) equity_samples: VecDeque<(i64, f64, f64)>,
    pub(crate) events: u64,
    pub(crate) candles: u64,
    pub(crate) orders_placed: u64,
    pub(crate) fills: u64,
    /// `(events seen, equity)` when equity was last worked out: valid while no event has come
    /// since (every change to balance, positions or prices arrives as an event).
    pub(crate) equity_memo: Option<(u64, Money)>,
    /// At the current peak, an equity at or above this has a drawdown within `max_drawdown`.
    pub(crate) dd_clear_above: Money,
    /// `[start, end)` of the current day (UTC ms), so most events skip the day arithmetic.
    pub(crate) day_span: (i64, i64),
    /// `[risk]` stop and target settings, for every new position's stop manager.
    pub(crate) stop_config: StopConfig,
    /// Reused buffer for the stop managers' events.
    pub(crate) stop_events: Vec<StopEvent>,
    /// Open hedge legs (`super::hedge`).
    pub(crate) hedge_legs: Vec<super::hedge::HedgeLeg>,
    /// Same-symbol hedge legs in hedge position mode (`super::hedge_same`).
    pub(crate) same_legs: Vec<super::hedge_same::SameLeg>,
    /// Event time at or after which the scheduled rebalance runs (`super::rebalance`):
    /// `NOT_SCHEDULED` without a schedule or before the balance is known, `ARMED` until the
    /// first market time sets the first boundary.
    pub(crate) rebalance_next_ms: i64,
}

pub(super) const RECENT: usize = 100;
pub(super) const EQUITY_SAMPLES: usize = 600;

impl Engine {
    pub fn new(config: EngineConfig) -> Self {
        let enabled: [bool; 5] = match &config.modes {
            Some(m) => m.enabled(),
            None => [config.trend.enabled, false, false, false, false],
        };
        Self {
            orders: OrderManager::with_config(
                &config.order_prefix,
                ExecConfig {
                    ack_timeout_ms: config.risk.order_ack_timeout_ms,
                    max_requeries: config.risk.order_max_requeries,
                },
            ),
            risk: RiskEngine::new(config.risk.clone()),
            stop_config: StopConfig::from(&config.risk),
            stop_events: Vec::new(),
            hedge_legs: Vec::new(),
            same_legs: Vec::new(),
            rebalance_next_ms: super::rebalance::NOT_SCHEDULED,
            modes: enabled.iter().map(|&e| ModeState { enabled: e, ..Default::default() }).collect(),
            intent_buf: Vec::new(),
            recent_switches: VecDeque::new(),
            config,
            symbols: Vec::new(),
            locked_mode: None,
            paused: false,
            auto_switch: true,
            balance: None,
            starting_equity: None,
            peak_equity: Money::ZERO,
            max_drawdown: 0.0,
            day_start: (i64::MIN, Money::ZERO),
            now_ms: 0,
            closed_trades: Vec::new(),
            recent_fills: VecDeque::new(),
            alerts: VecDeque::new(),
            rejections: VecDeque::new(),
            equity_samples: VecDeque::new(),
            events: 0,
            candles: 0,
            orders_placed: 0,
            fills: 0,
            equity_memo: None,
            dd_clear_above: Money::from_raw(i64::MAX),
            day_span: (0, 0),
        }
    }

    /// Feeds one event and returns what should happen.
    pub fn on_event(&mut self, event: &Event) -> Vec<Action> {
        let mut out = Vec::new();
        self.on_event_into(event, &mut out);
        out
    }

    /// Like `on_event`, appending to a reused buffer (the backtest hot path allocates nothing).
    pub fn on_event_into(&mut self, event: &Event, out: &mut Vec<Action>) {
        self.events += 1;
        if let Some(ts) = event.ts_ms() {
            if ts > self.now_ms {
                self.now_ms = ts;
            }
        }
        match event {
            Event::Instrument(i) => match self.slot(i.symbol) {
                Some(s) => self.symbols[s].instrument = *i,
                None => {
                    let mut st = SymbolState::new(
                        *i,
                        self.config.trend.clone(),
                        self.config.interval,
                        self.config.indicator_set,
                    );
                    if let Some(m) = &self.config.modes {
                        match crate::strategy::ModeSet::new(m.clone()) {
                            Ok(set) => st.mode_set = Some(Box::new(set)),
                            Err(e) => {
                                let msg = format!("{}: trading modes off, bad settings: {e}", i.symbol);
                                self.alert(self.now_ms, AlertLevel::Critical, "config", msg, out);
                            }
                        }
                    }
                    self.symbols.push(st)
                }
            },
            Event::Candle(c) => self.on_candle(c, out),
            Event::Trade(t) => {
                if let Some(s) = self.slot(t.symbol) {
                    let st = &mut self.symbols[s];
                    st.last_price = t.price;
                    if self.config.analysis {
                        st.indicators.on_trade(t);
                    }
                }
            }
            Event::Book(b) => {
                if let Some(s) = self.slot(b.symbol) {
                    if let Err(e) = self.symbols[s].book.apply(b) {
                        self.alert(b.ts_ms, AlertLevel::Warning, "book", e.to_string(), out);
                    }
                }
            }
            Event::Ticker(t) => {
                if let Some(s) = self.slot(t.symbol) {
                    let st = &mut self.symbols[s];
                    st.mark_price = t.mark_price;
                    if !st.last_price.is_positive() {
                        st.last_price = t.last_price;
                    }
                    st.ticker = Some(*t);
                    if self.config.analysis {
                        st.indicators.on_ticker(t);
                    }
                }
            }
            Event::Liquidation(l) => {
                if let Some(s) = self.slot(l.symbol) {
                    if self.config.analysis {
                        self.symbols[s].indicators.on_liquidation(l);
                    }
                }
            }
            Event::Order(up) => {
                self.orders.on_update(up, out);
                if let Some(s) = self.slot(up.symbol) {
                    if !self.same_legs.is_empty() {
                        self.leg_order_report(s, up);
                    }
                    self.resync_stop(s, up, out);
                    let st = &mut self.symbols[s];
                    if st.stop.is_some_and(|stop| stop.client_order_id == up.client_order_id)
                        && up.status.is_terminal()
                        && up.status != OrderStatus::Filled
                    {
                        st.stop = None;
                        if !st.position.size().is_zero() {
                            let msg = format!("{}: protective stop {} is {}", up.symbol, up.client_order_id, up.status);
                            self.alert(up.ts_ms, AlertLevel::Critical, "risk", msg, out);
                        }
                    }
                }
            }
            Event::Fill(f) => self.on_fill(f, out),
            Event::Position(p) => {
                if let Some(s) = self.slot(p.symbol) {
                    // Hedge position mode: the leg's side (or the flat other side) is not the main book's.
                    let leg = p.position_idx != crate::domain::PositionIdx::OneWay && self.leg_report(s, p, out);
                    let st = &mut self.symbols[s];
                    if !leg && p.size != st.position.size() {
                        let msg = format!(
                            "{}: venue reports position {} but our fills sum to {}; adopting the venue's",
                            p.symbol,
                            p.size,
                            st.position.size()
                        );
                        st.position.adopt(p.size, p.entry_value, p.ts_ms);
                        self.alert(p.ts_ms, AlertLevel::Warning, "reconcile", msg, out);
                    }
                    let st = &mut self.symbols[s];
                    if p.mark_price.is_positive() {
                        st.mark_price = p.mark_price;
                    }
                    if !leg {
                        st.venue_position = Some(*p);
                    }
                }
            }
            Event::Balance(b) => self.on_balance(b),
            Event::Timer { ts_ms } => {
                // The day follows market time; the timer's own time is the runtime's clock, which
                // alone ages the requests the venue has not answered (see execution::timeouts).
                self.roll_day(self.now_ms);
                if self.orders.inflight_count() > 0 {
                    self.check_timeouts(*ts_ms, out);
                }
            }
            Event::Command(c) => self.on_command(c, out),
            Event::Reconcile(account) => self.reconcile(account, out),
        }
        // The scheduled rebalance: one comparison per event (`NOT_SCHEDULED` is never reached).
        if self.now_ms >= self.rebalance_next_ms {
            self.rebalance_due(out);
        }
    }

    pub(super) fn on_balance(&mut self, b: &Balance) {
        self.balance = Some(*b);
        self.arm_rebalance();
        if self.starting_equity.is_none() {
            self.starting_equity = Some(b.equity);
            self.peak_equity = b.equity;
            self.dd_clear_above = Money::from_raw(i64::MAX);
        }
        // The day began before the account was known (a live run warms up on history first):
        // the day's PnL counts from the first known equity, not from zero.
        if !self.day_start.1.is_positive() {
            self.day_start.1 = self.compute_equity();
        }
    }

    #[inline]
    pub(crate) fn slot(&self, symbol: Symbol) -> Option<usize> {
        self.symbols.iter().position(|s| s.instrument.symbol == symbol)
    }

    /// Equity: wallet balance plus unrealised PnL at our last prices.
    pub fn equity(&self) -> Money {
        match self.equity_memo {
            Some((seen, equity)) if seen == self.events => equity,
            _ => self.compute_equity(),
        }
    }

    fn compute_equity(&self) -> Money {
        let wallet = self.balance.map(|b| b.wallet_balance).unwrap_or(Money::ZERO);
        let legs = self.same_legs.iter().map(|l| l.book.unrealised(self.symbols[l.slot].price())).sum::<Money>();
        wallet + self.symbols.iter().map(|s| s.position.unrealised(s.price())).sum::<Money>() + legs
    }

    /// `equity()`, remembered until the next event.
    pub(super) fn equity_memoized(&mut self) -> Money {
        let equity = self.equity();
        self.equity_memo = Some((self.events, equity));
        equity
    }

    /// Sum of |position notional| at last prices.
    pub fn exposure(&self) -> Money {
        let legs = self.same_legs.iter().map(|l| self.symbols[l.slot].price() * l.book.size().abs()).sum::<Money>();
        self.symbols.iter().map(|s| s.price() * s.position.size().abs()).sum::<Money>() + legs
    }

    pub fn closed_trades(&self) -> &[ClosedTrade] {
        &self.closed_trades
    }

    pub fn position(&self, symbol: Symbol) -> Qty {
        self.slot(symbol).map(|s| self.symbols[s].position.size()).unwrap_or(Qty::ZERO)
    }

    /// Wallet balance as the venue last reported it.
    pub fn wallet_balance(&self) -> Money {
        self.balance.map(|b| b.wallet_balance).unwrap_or(Money::ZERO)
    }

    /// How many closed candles per symbol are kept for the UI (0 = none, for backtests).
    pub fn set_history_len(&mut self, len: usize) {
        self.config.history_len = len;
        for s in &mut self.symbols {
            s.candles.truncate(len);
        }
    }

    /// Time of the newest event seen (UTC ms).
    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    pub fn trading_state(&self) -> TradingState {
        self.risk.state()
    }

    pub(super) fn roll_day(&mut self, ts_ms: i64) {
        const DAY: i64 = 86_400_000;
        if ts_ms >= self.day_span.0 && ts_ms < self.day_span.1 {
            return;
        }
        let day = ts_ms.div_euclid(DAY);
        self.day_span = (day.saturating_mul(DAY), day.saturating_mul(DAY).saturating_add(DAY));
        if day != self.day_start.0 {
            self.day_start = (day, self.equity());
        }
    }

    pub(crate) fn alert(
        &mut self,
        ts_ms: i64,
        level: AlertLevel,
        kind: impl Into<std::borrow::Cow<'static, str>>,
        message: impl Into<Reason>,
        out: &mut Vec<Action>,
    ) {
        let alert = Alert { ts_ms, level, kind: kind.into(), message: message.into() };
        if self.alerts.len() == RECENT {
            self.alerts.pop_back();
        }
        self.alerts.push_front(alert.clone());
        out.push(Action::Alert(alert));
    }
}

pub(super) fn side_of(size: Qty) -> Option<Side> {
    if size.is_positive() {
        Some(Side::Buy)
    } else if size.is_negative() {
        Some(Side::Sell)
    } else {
        None
    }
}

pub(super) fn mode_index(name: &str) -> Option<u8> {
    MODE_NAMES.iter().position(|m| m.eq_ignore_ascii_case(name)).map(|i| i as u8)
}
