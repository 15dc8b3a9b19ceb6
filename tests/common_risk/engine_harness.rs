//! The whole engine in front of the simulated exchange (the pipeline every run uses), with a
//! sink that re-checks at each approval what the limits promise, and tracks every stop's
//! trigger prices and the fills.

use autobot::domain::{
    Action, Candle, Command, Event, Fill, Interval, ManualOrder, Money, OrderOrigin, OrderType, Price, Qty, Rounding,
    Side, Symbol, TimeInForce,
};
use autobot::engine::{Engine, EngineConfig};
use autobot::exchange::sim::{SimConfig, SimExchange};
use autobot::risk::RiskConfig;
use autobot::runtime::pipeline::{Pipeline, Sink};
use autobot::strategy::TrendConfig;
use std::collections::HashMap;

use super::{inst, SYMBOLS};

const START: [i64; 3] = [50_000, 2_500, 100];

/// What the sink saw, and every broken promise.
pub struct Watch {
    pub risk: RiskConfig,
    pub fills: Vec<Fill>,
    /// Signed position per symbol from the fills the engine was given.
    pub sum: HashMap<Symbol, Qty>,
    /// Stop id -> (side of the stop order, last trigger).
    pub stops: HashMap<String, (Side, Price)>,
    pub stop_moves: usize,
    pub placed: usize,
    pub violations: Vec<String>,
}

impl Sink for Watch {
    fn on_account_event(&mut self, e: &Event) {
        if let Event::Fill(f) = e {
            self.fills.push(*f);
            *self.sum.entry(f.symbol).or_insert(Qty::ZERO) += f.qty.signed(f.side);
        }
    }

    fn on_action(&mut self, a: &Action) {
        match a {
            Action::PlaceOrder(r) => {
                self.placed += 1;
                if let Some(t) = r.trigger_price.filter(|_| matches!(r.origin, OrderOrigin::Protective(_))) {
                    self.stops.insert(r.client_order_id.to_string(), (r.side, t));
                }
                let pos = self.sum.get(&r.symbol).copied().unwrap_or(Qty::ZERO);
                let after = pos + r.qty.signed(r.side);
                if r.reduce_only {
                    if after.abs() > pos.abs() || (!after.is_zero() && after.is_positive() != pos.is_positive()) {
                        self.violations.push(format!("reduce-only order grows {pos}: {r:?}"));
                    }
                    return;
                }
                let price = r.price.or(r.trigger_price).unwrap_or(r.decision_price);
                let m = |v: f64| Money::from_f64(v * 1.000_001).unwrap_or(Money::ZERO);
                let notional = price * r.qty;
                if notional > m(self.risk.max_order_notional) {
                    self.violations.push(format!("order notional {notional}: {r:?}"));
                }
                if r.origin == OrderOrigin::Manual && notional > m(self.risk.max_manual_notional) {
                    self.violations.push(format!("manual notional {notional}: {r:?}"));
                }
                if price * after.abs() > m(self.risk.max_position_notional) && after.abs() > pos.abs() {
                    self.violations.push(format!("position {after} at {price} over the per-symbol limit: {r:?}"));
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
                }
            }
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
}

impl EngineHarness {
    pub fn new(risk: RiskConfig) -> Self {
        let insts: Vec<_> = (0..3).map(inst).collect();
        let venue = SimExchange::new(SimConfig::default(), &insts, Money::from_int(10_000));
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
            stop_moves: 0,
            placed: 0,
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
            volume: 1_000.0,
            turnover: 0.0,
            closed: true,
        };
        self.p.feed(&Event::Candle(c), &mut self.watch);
    }

    pub fn next_minute(&mut self) {
        self.now += 60_000;
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
        let reference = [0.2, 4.0, 100.0][s];
        let qty = Qty::from_f64(reference * milli as f64 / 1_000.0).unwrap().round_to(i.qty_step, Rounding::Down);
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
