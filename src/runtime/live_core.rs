//! The engine side of a live run (paper, testnet, demo-trading, mainnet, mock): events from the
//! streams and the venue go into the engine through one door ([`LiveCore::feed`]), the engine's
//! order actions go to the venue (Bybit over REST, or the in-process simulator for paper), and
//! everything is recorded like the demo run records it.
//!
//! Candles: only confirmed bars of the engine interval are engine events, once each and in
//! order (deduplicated by symbol and open time; a hole is counted and raised as an alert — the
//! stream layer backfills holes, so none should be seen). While warming up (REST history) and
//! in watch-only mode, orders are answered `Rejected` locally and nothing reaches the venue.

use super::pipeline::Sink;
use super::recorder::StoreSink;
use crate::data::store::StoreMsg;
use crate::domain::{
    Action, Alert, AlertLevel, Candle, Command, EquityPoint, Event, Interval, OrderRequest, OrderStatus, OrderUpdate,
    Qty, RejectReason, Symbol,
};
use crate::engine::{ConnectionState, Engine, Rehearsal, Snapshot};
use crate::exchange::bybit::venue::{BybitVenue, VenueNotice};
use crate::exchange::bybit::ws::WsNotice;
use crate::exchange::sim::SimExchange;
use crate::exchange::ExecutionVenue;
use std::collections::{HashMap, VecDeque};

/// Everything that reaches the engine thread of a live run, over one channel.
#[derive(Debug)]
pub enum LiveInput {
    /// Market data (public stream) or account reports (private stream, venue rejections).
    Event(Event),
    Stream(WsNotice),
    Venue(VenueNotice),
}

/// Where orders go.
pub enum Exec {
    Bybit(BybitVenue),
    /// Paper: simulated fills on live prices.
    Paper(Box<SimExchange>),
    /// Any other venue (tests use a recording stub).
    Other(Box<dyn ExecutionVenue + Send>),
}

/// Rounds of action → venue → event before giving up (a runaway feedback guard).
const MAX_ROUNDS: usize = 64;
/// Runtime alerts kept for the snapshot.
const ALERTS_KEPT: usize = 50;

/// The engine, its venue and the recorder, driven one input at a time.
pub struct LiveCore {
    pub engine: Engine,
    exec: Exec,
    pub sink: StoreSink,
    /// Why orders are not sent (read-only key, unconfirmed mainnet), if they are not.
    watch_only: Option<String>,
    warming: bool,
    interval: Interval,
    last_closed: HashMap<Symbol, i64>,
    /// Confirmed live (not warm-up) candles per symbol.
    live_candles: HashMap<Symbol, u64>,
    symbols: Vec<Symbol>,
    pub candle_gaps: u64,
    pub duplicate_candles: u64,
    alerts: VecDeque<Alert>,
    /// Per stream URL: connected now?
    streams: HashMap<String, bool>,
    expected_streams: usize,
    actions: Vec<Action>,
    pending: Vec<Action>,
    /// Pre-close rehearsals while the engine thread waits (`idle`).
    rehearsal: Rehearsal,
}

impl LiveCore {
    /// `symbols` in display order (the first one's candles time the equity samples);
    /// `interval`: the candles the engine trades; `expected_streams`: how many WebSocket
    /// streams must be up to call the run connected.
    pub fn new(
        engine: Engine,
        exec: Exec,
        sink: StoreSink,
        symbols: Vec<Symbol>,
        interval: Interval,
        watch_only: Option<String>,
        expected_streams: usize,
    ) -> Self {
        LiveCore {
            engine,
            exec,
            sink,
            watch_only,
            warming: false,
            interval,
            last_closed: HashMap::new(),
            live_candles: HashMap::new(),
            symbols,
            candle_gaps: 0,
            duplicate_candles: 0,
            alerts: VecDeque::new(),
            streams: HashMap::new(),
            expected_streams,
            actions: Vec::new(),
            pending: Vec::new(),
            rehearsal: Rehearsal::new(),
        }
    }

    /// The engine thread has nothing to read: near a bar's end, rehearse its close on a scratch
    /// copy so the real decision finds its code and state in the CPU caches
    /// (`crate::engine::Rehearsal`). `now_ms` is the runtime's clock; an accelerated venue's
    /// market time, when ahead of it, is used instead.
    pub fn idle(&mut self, now_ms: i64) {
        let now = now_ms.max(self.engine.now_ms());
        self.rehearsal.on_idle(&mut self.engine, now);
    }

    /// Pre-close rehearsals run so far.
    pub fn rehearsals(&self) -> u64 {
        self.rehearsal.runs()
    }

    /// THE entry point of every event into the engine: market data, account reports (from
    /// Bybit or the paper simulator), timers and operator commands all pass here, after
    /// filtering (duplicate candles never arrive). A session recorder hooks in here.
    pub fn feed(&mut self, event: &Event) {
        self.sink.journal.record(event);
        self.engine.on_event_into(event, &mut self.actions);
        match event {
            Event::Candle(c) => {
                self.sink.record(StoreMsg::Candle(*c));
                if !self.warming && self.symbols.first() == Some(&c.symbol) {
                    let (equity, wallet) = match &self.exec {
                        Exec::Paper(sim) => (sim.balance().equity, sim.balance().wallet_balance),
                        _ => (self.engine.equity(), self.engine.wallet_balance()),
                    };
                    let point = EquityPoint {
                        ts_ms: c.close_ms(),
                        equity,
                        wallet_balance: wallet,
                        unrealised_pnl: equity - wallet,
                    };
                    self.sink.record(StoreMsg::Equity(point));
                }
            }
            Event::Trade(t) => self.sink.record(StoreMsg::Trade(*t)),
            Event::Order(_) | Event::Fill(_) | Event::Position(_) | Event::Balance(_) => {
                self.sink.on_account_event(event)
            }
            _ => {}
        }
    }

    /// One event from outside (stream, venue, start-up), with all its consequences.
    pub fn process(&mut self, event: &Event) {
        if let Event::Candle(c) = event {
            if !self.admit(c) {
                return;
            }
        }
        let market = matches!(
            event,
            Event::Candle(_) | Event::Trade(_) | Event::Book(_) | Event::Ticker(_) | Event::Liquidation(_)
        );
        if market {
            if let Exec::Paper(sim) = &mut self.exec {
                let mut fills = Vec::new();
                sim.on_market(event, &mut fills);
                for e in &fills {
                    self.feed(e);
                }
            }
        }
        self.feed(event);
        self.settle();
    }

    /// History before trading: candles fed with every order refused locally.
    pub fn warm_up(&mut self, candles: &[Candle]) {
        self.warming = true;
        for c in candles {
            self.process(&Event::Candle(*c));
        }
        self.warming = false;
    }

    /// One input from the channel.
    pub fn on_input(&mut self, input: LiveInput) {
        match input {
            LiveInput::Event(e) => self.process(&e),
            LiveInput::Stream(n) => self.on_stream_notice(n),
            LiveInput::Venue(n) => {
                let id = n.client_order_id.map(|c| format!(" {c}")).unwrap_or_default();
                self.alert(AlertLevel::Warning, "order", format!("{}{id} failed: {}", n.action, n.message));
            }
        }
    }

    /// The once-a-second timer (order timeouts, day roll). `now_ms` is the runtime's clock (the
    /// venue's server time): request timeouts are measured on it, never on market-data time, which
    /// an accelerated venue runs far ahead (the engine's day still follows market time).
    pub fn tick(&mut self, now_ms: i64) {
        self.process(&Event::Timer { ts_ms: now_ms });
    }

    pub fn command(&mut self, cmd: Command) {
        self.process(&Event::Command(cmd));
    }

    /// A runtime alert (connection, venue, start-up), logged, recorded and shown.
    pub fn alert(&mut self, level: AlertLevel, kind: impl Into<std::borrow::Cow<'static, str>>, message: String) {
        let a = Alert { ts_ms: self.engine.now_ms(), level, kind: kind.into(), message: message.into() };
        self.push_alert(a);
    }

    pub fn push_alert(&mut self, a: Alert) {
        self.sink.on_action(&Action::Alert(a.clone()));
        if self.alerts.len() == ALERTS_KEPT {
            self.alerts.pop_back();
        }
        self.alerts.push_front(a);
    }

    /// Confirmed live candles of the symbol that has the fewest.
    pub fn min_live_candles(&self) -> u64 {
        self.symbols.iter().map(|s| self.live_candles.get(s).copied().unwrap_or(0)).min().unwrap_or(0)
    }

    pub fn total_live_candles(&self) -> u64 {
        self.live_candles.values().sum()
    }

    pub fn connection(&self) -> ConnectionState {
        let up = self.streams.values().filter(|v| **v).count();
        if self.streams.len() < self.expected_streams && up == self.streams.len() {
            ConnectionState::Connecting
        } else if up >= self.expected_streams {
            ConnectionState::Connected
        } else {
            ConnectionState::Reconnecting
        }
    }

    /// The engine's snapshot with the run's connection state and alerts.
    pub fn snapshot(&self) -> Snapshot {
        let mut snap = self.engine.snapshot();
        snap.connection = self.connection();
        snap.watch_only = self.watch_only.clone();
        if let Exec::Paper(sim) = &self.exec {
            snap.account.funding_paid = sim.funding_paid();
        }
        snap.alerts.extend(self.alerts.iter().cloned());
        snap.alerts.sort_by_key(|a| std::cmp::Reverse(a.ts_ms));
        snap.alerts.truncate(ALERTS_KEPT);
        snap
    }

    /// Equity as the venue (paper) or the engine (Bybit) sees it.
    pub fn equity(&self) -> f64 {
        match &self.exec {
            Exec::Paper(sim) => sim.balance().equity.to_f64(),
            _ => self.engine.equity().to_f64(),
        }
    }

    /// Whether a candle becomes an engine event: confirmed, of the traded interval, newer than
    /// the last one of its symbol. Counts duplicates and holes.
    fn admit(&mut self, c: &Candle) -> bool {
        if !c.closed || c.interval != self.interval {
            return false;
        }
        let last = self.last_closed.get(&c.symbol).copied();
        if last.is_some_and(|l| c.ts_ms <= l) {
            self.duplicate_candles += 1;
            return false;
        }
        if let (Some(l), Some(d)) = (last, c.interval.duration_ms()) {
            if c.ts_ms > l + d {
                self.candle_gaps += 1;
                let missing = (c.ts_ms - l) / d - 1;
                self.alert(
                    AlertLevel::Warning,
                    "data",
                    format!("{}: {missing} candle(s) missing before {}", c.symbol, c.ts_ms),
                );
            }
        }
        self.last_closed.insert(c.symbol, c.ts_ms);
        if !self.warming {
            *self.live_candles.entry(c.symbol).or_default() += 1;
        }
        true
    }

    fn on_stream_notice(&mut self, n: WsNotice) {
        match n {
            WsNotice::Connected { url, reconnect } => {
                self.streams.insert(url.clone(), true);
                let what = if reconnect { "reconnected" } else { "connected" };
                tracing::info!(%url, "stream {what}");
                if reconnect {
                    self.alert(AlertLevel::Info, "connection", format!("{url}: {what}"));
                }
            }
            WsNotice::Disconnected { url, reason } => {
                self.streams.insert(url.clone(), false);
                self.alert(AlertLevel::Warning, "disconnect", format!("{url}: {reason}"));
            }
            WsNotice::Stopped { url, reason } => {
                self.streams.insert(url.clone(), false);
                self.alert(AlertLevel::Critical, "disconnect", format!("{url} stopped: {reason}"));
            }
            WsNotice::AuthFailed { reason } => {
                self.alert(AlertLevel::Critical, "auth", format!("private stream refused the key: {reason}"))
            }
            WsNotice::Refused { op, reason } => {
                self.alert(AlertLevel::Warning, "connection", format!("{op} refused: {reason}"))
            }
            WsNotice::BackfillFailed { topic, reason } => {
                self.alert(AlertLevel::Warning, "data", format!("{topic}: backfill failed: {reason}"))
            }
            WsNotice::BookResync { topic, reason } => tracing::info!(%topic, %reason, "order book resync"),
            WsNotice::Backfilled { topic, candles } => tracing::info!(%topic, candles, "candles backfilled"),
        }
    }

    /// Engine actions to the venue, venue answers back to the engine, until quiet.
    fn settle(&mut self) {
        let mut rounds = 0;
        let mut answers = Vec::new();
        while !self.actions.is_empty() {
            rounds += 1;
            if rounds > MAX_ROUNDS {
                tracing::error!(left = self.actions.len(), "action loop did not settle; dropping the rest");
                self.actions.clear();
                break;
            }
            std::mem::swap(&mut self.actions, &mut self.pending);
            let now = self.engine.now_ms();
            let pending = std::mem::take(&mut self.pending);
            for a in &pending {
                self.sink.on_action(a);
                self.route(a, now, &mut answers);
            }
            self.pending = pending;
            self.pending.clear();
            for e in std::mem::take(&mut answers) {
                self.feed(&e);
            }
        }
    }

    fn route(&mut self, action: &Action, now: i64, out: &mut Vec<Event>) {
        let for_venue = matches!(
            action,
            Action::PlaceOrder(_) | Action::AmendOrder { .. } | Action::CancelOrder { .. } | Action::CancelAll { .. }
        );
        if !for_venue {
            return;
        }
        let refusal = if self.warming { Some("warming up on history") } else { self.watch_only.as_deref() };
        if let Some(why) = refusal {
            match action {
                Action::PlaceOrder(r) => {
                    tracing::info!(client_order_id = %r.client_order_id, why, "order not sent");
                    out.push(Event::Order(refused(r, now)));
                }
                other => tracing::info!(?other, why, "order action not sent"),
            }
            return;
        }
        match &mut self.exec {
            Exec::Bybit(v) => v.execute(action, now, out),
            Exec::Paper(sim) => sim.execute(action, now, out),
            Exec::Other(v) => v.execute(action, now, out),
        }
    }
}

/// The local answer to an order that is not sent.
fn refused(r: &OrderRequest, ts_ms: i64) -> OrderUpdate {
    OrderUpdate {
        client_order_id: r.client_order_id,
        order_id: None,
        symbol: r.symbol,
        status: OrderStatus::Rejected,
        qty: r.qty,
        price: r.price,
        trigger_price: r.trigger_price,
        filled_qty: Qty::ZERO,
        ts_ms,
        reason: Some(RejectReason::Other),
    }
}
