//! The whole engine in front of the simulated exchange (the pipeline every run uses), with a
//! sink that re-checks at each approval what the limits promise, and tracks every stop's
//! trigger prices and the fills; after each step the harness checks the state the venue holds
//! (positions against the fills, protective stops against the positions, flat after a kill).
//!
//! Why the protective stops are judged on the venue's state and not per action: the pipeline
//! hands the engine every report of a market event (several fills of one bar) before it carries
//! out the actions they caused, so the sink sees a stop placed for the position after the first
//! fill only once it has already summed the second. The engine answers the second fill with an
//! amend in the same round, and the venue matches nothing between the two (orders reach matching
//! on the next market event), so what a stop can ever trigger with is the state after the round.

use autobot::domain::{
    Action, Candle, Command, Event, Fill, Interval, ManualOrder, Money, OrderOrigin, OrderStatus, OrderType, Price,
    Qty, Rounding, Side, Symbol, TimeInForce, Trade,
};
use autobot::engine::{Engine, EngineConfig};
pub use autobot::exchange::sim::SimConfig;
use autobot::exchange::sim::SimExchange;
use autobot::risk::{worst_case, RiskConfig};
use autobot::runtime::pipeline::{Pipeline, Sink};
use autobot::strategy::TrendConfig;
use std::collections::HashMap;

use super::{inst, SYMBOLS};

const START: [i64; 3] = [50_000, 2_500, 100];
/// Reference order size per symbol (a manual order of 1,000 milli).
const REFERENCE: [f64; 3] = [0.2, 4.0, 100.0];
/// Candle volume per symbol: the venue's synthetic depth puts 1 % of it on each price level, so
/// an order of a quarter of the reference size or more fills over several levels (partial fills).
const VOLUME: [f64; 3] = [5.0, 100.0, 2_500.0];

/// What the streams exercised (to show a run was meaningful).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen {
    pub fills: usize,
    /// Order reports `PartiallyFilled` / `PartiallyFilledCanceled`.
    pub partial_fills: usize,
    /// Orders the venue rejected.
    pub venue_rejects: usize,
    /// Orders the risk layer refused (its alerts).
    pub refusals: usize,
    pub stops_placed: usize,
    pub stop_moves: usize,
    /// Stop orders that filled.
    pub stops_filled: usize,
    /// Positions that went from long to short or back in one fill.
    pub flips: usize,
    /// Kill switches engaged while something was held.
    pub kills_holding: usize,
}

impl Seen {
    pub fn add(&mut self, o: &Seen) {
        self.fills += o.fills;
        self.partial_fills += o.partial_fills;
        self.venue_rejects += o.venue_rejects;
        self.refusals += o.refusals;
        self.stops_placed += o.stops_placed;
        self.stop_moves += o.stop_moves;
        self.stops_filled += o.stops_filled;
        self.flips += o.flips;
        self.kills_holding += o.kills_holding;
    }
}

/// What the sink saw, and every broken promise.
pub struct Watch {
    pub risk: RiskConfig,
    pub fills: Vec<Fill>,
    /// Signed position per symbol from the fills the engine was given.
    pub sum: HashMap<Symbol, Qty>,
    /// Stop id -> (side of the stop order, last trigger).
    pub stops: HashMap<String, (Side, Price)>,
    /// Working orders that can open or grow a position (not reduce-only): id -> (symbol, side,
    /// remaining), from the placements and the venue's order reports.
    pub working: HashMap<String, (Symbol, Side, Qty)>,
    pub stop_moves: usize,
    pub placed: usize,
    pub seen: Seen,
    /// Every protective stop placement and resize, in order (`place SIDE QTY @ TRIGGER`,
    /// `resize QTY`).
    pub stop_log: Vec<String>,
    pub violations: Vec<String>,
}

impl Sink for Watch {
    fn on_account_event(&mut self, e: &Event) {
        match e {
            Event::Fill(f) => {
                self.fills.push(*f);
                self.seen.fills += 1;
                let pos = self.sum.entry(f.symbol).or_insert(Qty::ZERO);
                let before = *pos;
                *pos += f.qty.signed(f.side);
                if !before.is_zero() && !pos.is_zero() && before.is_positive() != pos.is_positive() {
                    self.seen.flips += 1;
                }
                if self.stops.contains_key(f.client_order_id.as_str()) {
                    self.seen.stops_filled += 1;
                }
            }
            Event::Order(u) => {
                match u.status {
                    OrderStatus::PartiallyFilled | OrderStatus::PartiallyFilledCanceled => self.seen.partial_fills += 1,
                    OrderStatus::Rejected => self.seen.venue_rejects += 1,
                    _ => {}
                }
                let id = u.client_order_id.as_str();
                if !u.status.is_open() {
                    self.working.remove(id);
                } else if let Some(w) = self.working.get_mut(id) {
                    w.2 = u.qty - u.filled_qty;
                }
            }
            _ => {}
        }
    }

    fn on_action(&mut self, a: &Action) {
        match a {
            Action::PlaceOrder(r) => {
                self.placed += 1;
                if let Some(t) = r.trigger_price.filter(|_| matches!(r.origin, OrderOrigin::Protective(_))) {
                    self.stops.insert(r.client_order_id.to_string(), (r.side, t));
                    self.seen.stops_placed += 1;
                    self.stop_log.push(format!("place {} {} {} @ {t}", r.symbol, r.side, r.qty));
                    if !r.reduce_only {
                        self.violations.push(format!("protective stop not reduce-only: {r:?}"));
                    }
                }
                // Reduce-only orders cannot grow a position (the venue clips or rejects them); how
                // the protective stops stand against the positions is checked on the venue's state
                // after each step (`check_stops`, see the module docs).
                if r.reduce_only {
                    return;
                }
                let price = r.price.or(r.trigger_price).unwrap_or(r.decision_price);
                let m = |v: f64| Money::from_f64(v * 1.000_001).unwrap_or(Money::ZERO);
                let notional = price * r.qty;
                if r.origin == OrderOrigin::Manual && notional > m(self.risk.max_manual_notional) {
                    self.violations.push(format!("manual notional {notional}: {r:?}"));
                }
                // As the risk layer counts it: the position if every working order on one side
                // filled, with this one. An order that only shrinks the position is always allowed.
                let pos = self.sum.get(&r.symbol).copied().unwrap_or(Qty::ZERO);
                let (mut buys, mut sells) = (Qty::ZERO, Qty::ZERO);
                for (sym, side, left) in self.working.values() {
                    if *sym == r.symbol {
                        match side {
                            Side::Buy => buys += *left,
                            Side::Sell => sells += *left,
                        }
                    }
                }
                self.working.insert(r.client_order_id.to_string(), (r.symbol, r.side, r.qty));
                let after = pos + r.qty.signed(r.side);
                let same_side = if r.side == Side::Buy { buys } else { sells };
                let shrinks = !pos.is_zero()
                    && after.abs() <= pos.abs()
                    && (after.is_zero() || after.is_positive() == pos.is_positive())
                    && same_side + r.qty <= pos.abs();
                if shrinks {
                    return;
                }
                if notional > m(self.risk.max_order_notional) {
                    self.violations.push(format!("order notional {notional}: {r:?}"));
                }
                let worst = match r.side {
                    Side::Buy => worst_case(pos, buys + r.qty, sells),
                    Side::Sell => worst_case(pos, buys, sells + r.qty),
                };
                if price * worst.abs() > m(self.risk.max_position_notional) {
                    self.violations.push(format!(
                        "worst case {worst} (position {pos}, working buys {buys} sells {sells}) at {price} over the \
                         per-symbol limit: {r:?}"
                    ));
                }
            }
            Action::AmendOrder { client_order_id, qty: Some(q), trigger_price: None, .. } => {
                if self.stops.contains_key(client_order_id.as_str()) {
                    self.stop_log.push(format!("resize {q}"));
                }
            }
            Action::AmendOrder { client_order_id, trigger_price: Some(t), .. } => {
                if let Some((side, last)) = self.stops.get_mut(client_order_id.as_str()) {
                    // A sell stop protects a long: it may only rise; a buy stop only fall.
                    let loosens = match side {
                        Side::Sell => *t < *last,
                        Side::Buy => *t > *last,
                    };
                    if loosens {
                        self.violations.push(format!("stop {client_order_id} loosened {last} -> {t}"));
                    }
                    *last = *t;
                    self.stop_moves += 1;
                    self.seen.stop_moves += 1;
                }
            }
            Action::Alert(a) if a.kind == "risk" && a.message.contains("refused") => self.seen.refusals += 1,
            _ => {}
        }
    }
}

/// Engine (trend follower on one-minute bars, no analysis) + simulated exchange + watch.
pub struct EngineHarness {
    pub p: Pipeline,
    pub watch: Watch,
    pub prices: Vec<Price>,
    pub now: i64,
    k: i64,
    trade_id: u64,
}

impl EngineHarness {
    /// With the venue's synthetic depth on (orders fill over several price levels).
    pub fn new(risk: RiskConfig) -> Self {
        Self::with_sim(risk, SimConfig { synthetic_depth: true, ..SimConfig::default() })
    }

    pub fn with_sim(risk: RiskConfig, sim: SimConfig) -> Self {
        let insts: Vec<_> = (0..3).map(inst).collect();
        let venue = SimExchange::new(sim, &insts, Money::from_int(10_000));
        let config = EngineConfig {
            interval: Interval::M1,
            trend: TrendConfig { timeframe: Interval::M1, fast_period: 3, slow_period: 8, ..TrendConfig::default() },
            analysis: false,
            history_len: 0,
            risk: risk.clone(),
            ..EngineConfig::default()
        };
        let mut watch = Watch {
            risk,
            fills: Vec::new(),
            sum: HashMap::new(),
            stops: HashMap::new(),
            working: HashMap::new(),
            stop_moves: 0,
            placed: 0,
            seen: Seen::default(),
            stop_log: Vec::new(),
            violations: Vec::new(),
        };
        let mut p = Pipeline::new(Engine::new(config), venue);
        for i in &insts {
            p.inform(&Event::Instrument(*i), &mut watch);
        }
        let b = p.venue.balance();
        p.inform(&Event::Balance(b), &mut watch);
        let mut h = Self {
            p,
            watch,
            prices: START.iter().map(|v| Price::from_int(*v)).collect(),
            now: 1_700_000_000_000 - 1_700_000_000_000 % 60_000,
            k: 0,
            trade_id: 0,
        };
        // Warm the ATR up.
        for _ in 0..16 {
            for s in 0..3 {
                h.bar(s, 0);
            }
            h.now += 60_000;
        }
        h
    }

    pub fn symbol(&self, s: usize) -> Symbol {
        Symbol::new(SYMBOLS[s]).unwrap()
    }

    /// A closed one-minute bar of symbol `s` moving the price by `bps`, a minute after the last
    /// bar of any symbol (the venue ignores a bar of a minute it has already seen).
    pub fn bar(&mut self, s: usize, bps: i64) {
        self.now += 60_000;
        let i = inst(s);
        let open = self.prices[s];
        let close = Price::from_f64(open.to_f64() * (1.0 + bps as f64 / 10_000.0))
            .unwrap()
            .round_to(i.tick_size, Rounding::Nearest)
            .max(i.tick_size);
        let wick = Price::from_raw(i.tick_size.raw() * 5);
        self.prices[s] = close;
        self.k += 1;
        let c = Candle {
            symbol: self.symbol(s),
            interval: Interval::M1,
            ts_ms: self.now,
            open,
            high: open.max(close) + wick,
            low: (open.min(close) - wick).max(i.tick_size),
            close,
            volume: VOLUME[s],
            turnover: 0.0,
            closed: true,
        };
        self.p.feed(&Event::Candle(c), &mut self.watch);
    }

    pub fn next_minute(&mut self) {
        self.now += 60_000;
    }

    /// One trade print of symbol `s`, `bps` from the last price, of `milli` thousandths of the
    /// reference size, a second after the last event: it triggers stops and fills resting limits
    /// it prints through up to its quantity (partial maker fills).
    pub fn trade(&mut self, s: usize, bps: i64, milli: i64) {
        self.now += 1_000;
        let i = inst(s);
        let price = Price::from_f64(self.prices[s].to_f64() * (1.0 + bps as f64 / 10_000.0))
            .unwrap()
            .round_to(i.tick_size, Rounding::Nearest)
            .max(i.tick_size);
        let qty = Qty::from_f64(REFERENCE[s] * milli as f64 / 1_000.0).unwrap().round_to(i.qty_step, Rounding::Up);
        self.prices[s] = price;
        self.trade_id += 1;
        let t = Trade {
            symbol: self.symbol(s),
            ts_ms: self.now,
            price,
            qty: qty.max(i.qty_step),
            taker_side: if bps >= 0 { Side::Buy } else { Side::Sell },
            trade_id: self.trade_id,
        };
        self.p.feed(&Event::Trade(t), &mut self.watch);
    }

    /// The kill switch, then one flat bar per symbol so its flattening market orders fill.
    pub fn kill(&mut self) {
        if (0..3).any(|s| !self.p.venue.position(self.symbol(s)).size.is_zero()) {
            self.watch.seen.kills_holding += 1;
        }
        self.command(Command::KillSwitch { engage: true });
        for s in 0..3 {
            self.bar(s, 0);
        }
        self.next_minute();
    }

    pub fn timer(&mut self, after_ms: i64) {
        self.p.feed(&Event::Timer { ts_ms: self.now + after_ms }, &mut self.watch);
    }

    pub fn command(&mut self, c: Command) {
        self.p.command(c, &mut self.watch);
    }

    /// A manual order of `milli` thousandths of a reference size; `limit_bps` away for a limit.
    pub fn manual(&mut self, s: usize, buy: bool, milli: i64, limit_bps: Option<i64>, reduce_only: bool) {
        let i = inst(s);
        let qty = Qty::from_f64(REFERENCE[s] * milli as f64 / 1_000.0).unwrap().round_to(i.qty_step, Rounding::Down);
        let price = limit_bps.map(|b| {
            Price::from_f64(self.prices[s].to_f64() * (1.0 + b as f64 / 10_000.0))
                .unwrap()
                .round_to(i.tick_size, Rounding::Nearest)
                .max(i.tick_size)
        });
        self.command(Command::PlaceOrder(ManualOrder {
            symbol: self.symbol(s),
            side: if buy { Side::Buy } else { Side::Sell },
            order_type: if price.is_some() { OrderType::Limit } else { OrderType::Market },
            qty,
            price,
            trigger_price: None,
            time_in_force: if price.is_some() { TimeInForce::Gtc } else { TimeInForce::Ioc },
            reduce_only,
        }));
    }

    /// Engine, venue and the sum of fills agree on every position.
    pub fn check_positions(&mut self) {
        for s in 0..3 {
            let sym = self.symbol(s);
            let sum = self.watch.sum.get(&sym).copied().unwrap_or(Qty::ZERO);
            let (engine, venue) = (self.p.engine.position(sym), self.p.venue.position(sym).size);
            if engine != sum || venue != sum {
                self.watch.violations.push(format!("{sym}: engine {engine}, venue {venue}, fills {sum}"));
            }
        }
    }

    /// The protective stops working at the venue stand for the positions: at most one per symbol,
    /// reduce-only, on the closing side and sized to the whole position (never larger, never
    /// smaller), and none left on a flat symbol.
    pub fn check_stops(&mut self) {
        for s in 0..3 {
            let sym = self.symbol(s);
            let pos = self.p.venue.position(sym).size;
            let stops: Vec<_> = self
                .p
                .venue
                .open_orders()
                .filter(|o| {
                    o.symbol() == sym
                        && o.trigger_price.is_some()
                        && matches!(o.request.origin, OrderOrigin::Protective(_))
                })
                .map(|o| (o.client_order_id(), o.side(), o.remaining(), o.request.reduce_only))
                .collect();
            if stops.len() > 1 {
                self.watch.violations.push(format!("{sym}: {} protective stops working: {stops:?}", stops.len()));
            }
            for (id, side, qty, reduce_only) in stops {
                let closing = (pos.is_positive() && side == Side::Sell) || (pos.is_negative() && side == Side::Buy);
                if !reduce_only || !closing || qty != pos.abs() {
                    self.watch.violations.push(format!(
                        "{sym}: stop {id} {side} {qty} (reduce-only {reduce_only}) for a position of {pos}"
                    ));
                }
            }
        }
    }

    /// Nothing working and nothing held, at the venue and in the engine.
    pub fn check_flat(&mut self) {
        let open = self.p.venue.open_orders().count();
        if open > 0 {
            self.watch.violations.push(format!("{open} orders still working after the kill switch"));
        }
        for s in 0..3 {
            let sym = self.symbol(s);
            if !self.p.venue.position(sym).size.is_zero() || !self.p.engine.position(sym).is_zero() {
                self.watch.violations.push(format!("{sym} still held after the kill switch"));
            }
        }
    }
}
