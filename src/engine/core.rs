//! `Engine`: events in, actions out. Market data → strategy → risk → order manager.

use super::config::EngineConfig;
use super::symbol::{StopState, SymbolState};
use crate::domain::{
    Action, Alert, AlertLevel, Balance, Candle, ClosedTrade, Command, Event, Fill, ManualOrder, Money, OrderOrigin,
    OrderRequest, OrderStatus, OrderType, Price, Qty, Side, SignalRecord, Symbol, TimeInForce, TriggerDirection,
};
use crate::execution::OrderManager;
use crate::risk::{stop_price, RiskContext, RiskEngine, TradingState};
use crate::strategy::{Direction, Signal};
use std::collections::VecDeque;

/// Index of the trend mode in the mode list (the only mode until the switcher lands).
pub const TREND_MODE: u8 = 0;
pub(crate) const MODE_NAMES: [&str; 1] = ["trend"];

/// Per-mode statistics and operator state.
#[derive(Debug, Clone, Default)]
pub(crate) struct ModeState {
    pub enabled: bool,
    pub trades: u32,
    pub wins: u32,
    pub pnl: Money,
    pub active_ms: i64,
    pub last_signal: Option<String>,
    pub last_reason: Option<String>,
}

/// The deterministic trading core. No I/O, no clocks: time comes from events.
pub struct Engine {
    pub(crate) config: EngineConfig,
    pub(crate) symbols: Vec<SymbolState>,
    pub(crate) orders: OrderManager,
    pub(crate) risk: RiskEngine,
    pub(crate) modes: Vec<ModeState>,
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
    pub(crate) rejections: VecDeque<(i64, String)>,
    pub(crate) equity_samples: VecDeque<(i64, f64, f64)>,
    pub(crate) events: u64,
    pub(crate) candles: u64,
    pub(crate) orders_placed: u64,
    pub(crate) fills: u64,
}

const RECENT: usize = 100;
const EQUITY_SAMPLES: usize = 600;

impl Engine {
    pub fn new(config: EngineConfig) -> Self {
        let trend_enabled = config.trend.enabled;
        Self {
            orders: OrderManager::new(&config.order_prefix),
            risk: RiskEngine::new(config.risk.clone()),
            modes: vec![ModeState { enabled: trend_enabled, ..Default::default() }],
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
                None => self.symbols.push(SymbolState::new(*i, self.config.trend.clone())),
            },
            Event::Candle(c) => self.on_candle(c, out),
            Event::Trade(t) => {
                if let Some(s) = self.slot(t.symbol) {
                    self.symbols[s].last_price = t.price;
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
                }
            }
            Event::Liquidation(_) => {}
            Event::Order(up) => {
                self.orders.on_update(up, out);
                if let Some(s) = self.slot(up.symbol) {
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
                    let st = &mut self.symbols[s];
                    if p.size != st.position.size() {
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
                    st.venue_position = Some(*p);
                }
            }
            Event::Balance(b) => {
                self.balance = Some(*b);
                if self.starting_equity.is_none() {
                    self.starting_equity = Some(b.equity);
                    self.peak_equity = b.equity;
                }
            }
            Event::Timer { ts_ms } => self.roll_day(*ts_ms),
            Event::Command(c) => self.on_command(c, out),
        }
    }

    #[inline]
    pub(crate) fn slot(&self, symbol: Symbol) -> Option<usize> {
        self.symbols.iter().position(|s| s.instrument.symbol == symbol)
    }

    /// Equity: wallet balance plus unrealised PnL at our last prices.
    pub fn equity(&self) -> Money {
        let wallet = self.balance.map(|b| b.wallet_balance).unwrap_or(Money::ZERO);
        wallet + self.symbols.iter().map(|s| s.position.unrealised(s.price())).sum::<Money>()
    }

    /// Sum of |position notional| at last prices.
    pub fn exposure(&self) -> Money {
        self.symbols.iter().map(|s| s.price() * s.position.size().abs()).sum()
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

    fn roll_day(&mut self, ts_ms: i64) {
        let day = ts_ms.div_euclid(86_400_000);
        if day != self.day_start.0 {
            self.day_start = (day, self.equity());
        }
    }

    fn on_candle(&mut self, candle: &Candle, out: &mut Vec<Action>) {
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
        let signal = bar.and_then(|b| st.trend.on_candle(&b));
        st.remember(*candle, cap);
        let close_ts = candle.close_ms();
        self.roll_day(close_ts);
        self.track_equity(close_ts);
        let trend_on = self.modes[TREND_MODE as usize].enabled && self.locked_mode.is_none_or(|m| m == TREND_MODE);
        if trend_on && !self.paused {
            self.modes[TREND_MODE as usize].active_ms += candle.interval.duration_ms().unwrap_or(60_000);
        }
        if bar.is_some() {
            self.trail_stop(s, close_ts, out);
        }
        if let Some(signal) = signal {
            self.act_on_signal(s, signal, trend_on, close_ts, out);
        }
    }

    fn track_equity(&mut self, ts_ms: i64) {
        if self.balance.is_none() {
            return;
        }
        let equity = self.equity();
        if equity > self.peak_equity {
            self.peak_equity = equity;
        }
        let dd = if self.peak_equity.is_positive() { 1.0 - equity.to_f64() / self.peak_equity.to_f64() } else { 0.0 };
        if dd > self.max_drawdown {
            self.max_drawdown = dd;
        }
        // Keep a bounded curve for the UI: one sample per closed candle of the first symbol.
        if self.symbols.first().is_some_and(|f| f.candles.back().is_some_and(|c| c.close_ms() == ts_ms)) {
            if self.equity_samples.len() == EQUITY_SAMPLES {
                self.equity_samples.pop_front();
            }
            self.equity_samples.push_back((ts_ms, equity.to_f64(), dd));
        }
    }

    /// Moves the protective stop toward the price by the trailing distance, never away.
    fn trail_stop(&mut self, s: usize, ts_ms: i64, out: &mut Vec<Action>) {
        let st = &self.symbols[s];
        let (Some(stop), Some(side), Some(dist)) = (st.stop, side_of(st.position.size()), st.trend.trail_distance())
        else {
            return;
        };
        let Some(candidate) = stop_price(side, st.last_price, dist, &st.instrument) else { return };
        let better = match side {
            Side::Buy => candidate > stop.price,
            Side::Sell => candidate < stop.price,
        };
        if !better {
            return;
        }
        let symbol = st.instrument.symbol;
        out.push(Action::AmendOrder {
            symbol,
            client_order_id: stop.client_order_id,
            qty: None,
            price: None,
            trigger_price: Some(candidate),
        });
        self.symbols[s].stop = Some(StopState { client_order_id: stop.client_order_id, price: candidate });
        let _ = ts_ms;
    }

    fn act_on_signal(&mut self, s: usize, signal: Signal, mode_on: bool, ts_ms: i64, out: &mut Vec<Action>) {
        let symbol = self.symbols[s].instrument.symbol;
        let price = self.symbols[s].last_price;
        let position = self.symbols[s].position.size();
        let mode = &mut self.modes[TREND_MODE as usize];
        let word = match signal.direction {
            Direction::Long => "enter_long",
            Direction::Short => "enter_short",
            Direction::Flat => "exit",
        };
        mode.last_signal = Some(word.to_string());
        mode.last_reason = Some(signal.reason.clone());
        let record = |action: &str, reason: String, out: &mut Vec<Action>| {
            out.push(Action::RecordSignal(SignalRecord {
                ts_ms,
                symbol,
                mode: MODE_NAMES[TREND_MODE as usize].to_string(),
                action: action.to_string(),
                price,
                reason,
            }))
        };
        if !mode_on {
            record(word, format!("ignored (mode disabled or another mode locked): {}", signal.reason), out);
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
            self.close_position(s, OrderOrigin::Strategy(TREND_MODE), ts_ms, out);
        } else if held.is_some() {
            record(word, format!("already positioned: {}", signal.reason), out);
            return;
        }
        let Some(side) = wanted else {
            record(word, signal.reason, out);
            return;
        };
        if self.paused {
            record(word, format!("automation paused: {}", signal.reason), out);
            return;
        }
        let st = &self.symbols[s];
        let Some(stop) = stop_price(side, price, signal.stop_distance, &st.instrument) else {
            record("rejected", format!("no valid stop {} from {price}", signal.stop_distance), out);
            return;
        };
        let exposure_elsewhere = self.exposure() - price * position.abs();
        let qty = self.risk.size_for_stop(self.equity(), price, stop, &st.instrument, exposure_elsewhere);
        if qty < st.instrument.min_qty || qty.is_zero() {
            let msg = format!("size {qty} below the minimum {} (risk budget too small)", st.instrument.min_qty);
            record("rejected", msg, out);
            return;
        }
        let request =
            self.market_request(symbol, side, qty, false, OrderOrigin::Strategy(TREND_MODE), price, ts_ms, "t");
        if self.submit_checked(request, Qty::ZERO, out) {
            self.symbols[s].pending_stop = Some(stop);
            record(word, format!("{} qty {qty} stop {stop}", signal.reason), out);
        } else {
            record("rejected", format!("risk refused: {}", signal.reason), out);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn market_request(
        &mut self,
        symbol: Symbol,
        side: Side,
        qty: Qty,
        reduce_only: bool,
        origin: OrderOrigin,
        price: Price,
        ts_ms: i64,
        tag: &str,
    ) -> OrderRequest {
        OrderRequest {
            client_order_id: self.orders.next_client_id(ts_ms, tag),
            symbol,
            side,
            order_type: OrderType::Market,
            qty,
            price: None,
            trigger_price: None,
            trigger_direction: None,
            time_in_force: TimeInForce::Ioc,
            reduce_only,
            origin,
            decision_price: price,
            ts_ms,
        }
    }

    /// Runs the risk checks with `position_override` (or the book's position) and submits.
    fn submit_checked(&mut self, request: OrderRequest, position_override: Qty, out: &mut Vec<Action>) -> bool {
        let Some(s) = self.slot(request.symbol) else { return false };
        let st = &self.symbols[s];
        let position = if request.reduce_only { st.position.size() } else { position_override };
        let ctx = RiskContext {
            instrument: &st.instrument,
            position,
            last_price: st.price(),
            equity: self.equity(),
            total_exposure: self.exposure() - st.price() * st.position.size().abs() + st.price() * position.abs(),
            // Other symbols' positions, plus this one as it will stand when the order goes in.
            open_positions: self
                .symbols
                .iter()
                .filter(|x| x.instrument.symbol != request.symbol && !x.position.size().is_zero())
                .count()
                + usize::from(!position.is_zero()),
        };
        match self.risk.check(request, &ctx) {
            Ok(approved) => {
                self.orders.submit(approved, out);
                self.orders_placed += 1;
                true
            }
            Err(refusal) => {
                let msg = format!("{} {} {} refused: {}", request.symbol, request.side, request.qty, refusal.reason);
                if self.rejections.len() == RECENT {
                    self.rejections.pop_back();
                }
                self.rejections.push_front((request.ts_ms, refusal.reason));
                self.alert(request.ts_ms, AlertLevel::Warning, "risk", msg, out);
                false
            }
        }
    }

    /// Market reduce-only order for the whole position, and the stop cancelled.
    pub(crate) fn close_position(&mut self, s: usize, origin: OrderOrigin, ts_ms: i64, out: &mut Vec<Action>) {
        let st = &self.symbols[s];
        let size = st.position.size();
        let Some(held) = side_of(size) else { return };
        let (symbol, price) = (st.instrument.symbol, st.price());
        if let Some(stop) = self.symbols[s].stop.take() {
            out.push(Action::CancelOrder { symbol, client_order_id: stop.client_order_id });
        }
        let request = self.market_request(symbol, held.opposite(), size.abs(), true, origin, price, ts_ms, "x");
        self.submit_checked(request, size, out);
    }

    fn on_fill(&mut self, fill: &Fill, out: &mut Vec<Action>) {
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

    /// Places (or resizes) the reduce-only stop covering the whole position.
    fn protect(&mut self, s: usize, ts_ms: i64, out: &mut Vec<Action>) {
        let st = &self.symbols[s];
        let size = st.position.size();
        let Some(side) = side_of(size) else { return };
        let symbol = st.instrument.symbol;
        if let Some(stop) = st.stop {
            out.push(Action::AmendOrder {
                symbol,
                client_order_id: stop.client_order_id,
                qty: Some(size.abs()),
                price: None,
                trigger_price: None,
            });
            return;
        }
        let stop_px = match st.pending_stop {
            Some(p) => p,
            None => {
                // A position without a planned stop (manual entry, adoption): ATR-based if known.
                let Some(atr) = st.trend.atr() else { return };
                let Some(p) = stop_price(side, st.price(), atr * st.trend.config().atr_stop_mult, &st.instrument)
                else {
                    return;
                };
                p
            }
        };
        let mut request = self.market_request(
            symbol,
            side.opposite(),
            size.abs(),
            true,
            OrderOrigin::Protective(TREND_MODE),
            stop_px,
            ts_ms,
            "s",
        );
        request.trigger_price = Some(stop_px);
        request.trigger_direction =
            Some(if side == Side::Buy { TriggerDirection::Falling } else { TriggerDirection::Rising });
        request.time_in_force = TimeInForce::Gtc;
        let id = request.client_order_id;
        if self.submit_checked(request, size, out) {
            self.symbols[s].stop = Some(StopState { client_order_id: id, price: stop_px });
        }
    }

    fn on_command(&mut self, command: &Command, out: &mut Vec<Action>) {
        let ts = self.now_ms;
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

    fn manual_order(&mut self, m: &ManualOrder, ts: i64, out: &mut Vec<Action>) {
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

    pub(crate) fn alert(&mut self, ts_ms: i64, level: AlertLevel, kind: &str, message: String, out: &mut Vec<Action>) {
        let alert = Alert { ts_ms, level, kind: kind.to_string(), message };
        if self.alerts.len() == RECENT {
            self.alerts.pop_back();
        }
        self.alerts.push_front(alert.clone());
        out.push(Action::Alert(alert));
    }
}

fn side_of(size: Qty) -> Option<Side> {
    if size.is_positive() {
        Some(Side::Buy)
    } else if size.is_negative() {
        Some(Side::Sell)
    } else {
        None
    }
}

fn mode_index(name: &str) -> Option<u8> {
    MODE_NAMES.iter().position(|m| m.eq_ignore_ascii_case(name)).map(|i| i as u8)
}
