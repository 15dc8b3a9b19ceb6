//! Test harness: RiskEngine + OrderManager + PositionBook in front of the simulated exchange, with
//! an independent re-computation of every limit at each approval.
#![allow(dead_code)]

pub mod engine_harness;

use autobot::domain::{
    Action, Event, Instrument, Money, OrderOrigin, OrderRequest, OrderType, Price, Qty, Rounding, Side, Symbol,
    TimeInForce, Trade,
};
use autobot::exchange::sim::{SimConfig, SimExchange};
use autobot::exchange::ExecutionVenue;
use autobot::execution::{kill_switch, Holding, OrderManager, PositionBook};
use autobot::risk::{worst_case, EquityBreach, RiskConfig, RiskContext, RiskEngine, TradingState};

pub const SYMBOLS: [&str; 3] = ["BTCUSDT", "ETHUSDT", "SOLUSDT"];
const START: [i64; 3] = [50_000, 2_500, 100];

pub fn inst(s: usize) -> Instrument {
    let sym = Symbol::new(SYMBOLS[s]).unwrap();
    match s {
        0 => Instrument::demo(sym, "0.1", "0.001", "0.001", "100"),
        1 => Instrument::demo(sym, "0.01", "0.01", "0.01", "1000"),
        _ => Instrument::demo(sym, "0.01", "0.1", "0.1", "100000"),
    }
}

pub struct Harness {
    pub risk: RiskEngine,
    pub orders: OrderManager,
    pub book: PositionBook,
    pub sim: SimExchange,
    pub insts: Vec<Instrument>,
    pub prices: Vec<Price>,
    pub now: i64,
    trade_id: u64,
    kill_pending: bool,
    pub violations: Vec<String>,
    /// Every order state the manager asked to record, for a restart.
    pub recorded: Vec<autobot::domain::Order>,
    /// Fills the exchange reported (its execution history).
    pub history: Vec<autobot::domain::Fill>,
}

impl Harness {
    pub fn new(config: RiskConfig) -> Self {
        let insts: Vec<Instrument> = (0..3).map(inst).collect();
        let mut risk = RiskEngine::new(config);
        risk.correlations_mut().set_correlation(insts[0].symbol, insts[1].symbol, 0.9);
        let sim = SimExchange::new(SimConfig::default(), &insts, Money::from_int(10_000));
        let mut h = Self {
            risk,
            orders: OrderManager::new("pt"),
            book: PositionBook::default(),
            sim,
            insts,
            prices: START.iter().map(|p| Price::from_int(*p)).collect(),
            now: 1_700_000_000_000,
            trade_id: 0,
            kill_pending: false,
            violations: Vec::new(),
            recorded: Vec::new(),
            history: Vec::new(),
        };
        for s in 0..3 {
            h.move_price(s, 0);
        }
        h
    }

    pub fn symbol(&self, s: usize) -> Symbol {
        self.insts[s].symbol
    }

    pub fn equity(&self) -> Money {
        self.sim.balance().equity
    }

    /// Venue events into the manager and the book; a drawdown breach runs the kill switch.
    pub fn handle(&mut self, events: Vec<Event>) {
        let mut acts = Vec::new();
        for e in events {
            match e {
                Event::Order(u) => self.orders.on_update(&u, &mut acts),
                Event::Fill(f) => {
                    self.orders.on_fill(&f, &mut acts);
                    self.book.apply_fill(&f);
                    self.history.push(f);
                }
                _ => {}
            }
        }
        self.keep_records(&acts);
        assert!(!acts.iter().any(|a| matches!(a, Action::PlaceOrder(_))), "reports never place orders");
    }

    fn keep_records(&mut self, acts: &[Action]) {
        for a in acts {
            if let Action::RecordOrder(o) = a {
                self.recorded.push(o.clone());
            }
        }
    }

    /// Carries actions out at the venue.
    pub fn exec(&mut self, acts: Vec<Action>) {
        self.keep_records(&acts);
        for a in acts {
            let mut ev = Vec::new();
            self.sim.execute(&a, self.now, &mut ev);
            self.handle(ev);
        }
        self.run_pending_kill();
    }

    /// Feeds the equity to the risk engine; a drawdown breach runs the kill switch.
    fn run_pending_kill(&mut self) {
        let equity = self.equity();
        if let Some(EquityBreach::Drawdown(_)) = self.risk.on_equity(self.now, equity) {
            self.kill_pending = true;
        }
        if std::mem::take(&mut self.kill_pending) {
            self.kill();
        }
    }

    /// One trade moving symbol `s` by `bps` basis points (0: a print at the same price).
    pub fn move_price(&mut self, s: usize, bps: i64) {
        let ev = self.venue_trade(s, bps);
        self.handle(ev);
        self.run_pending_kill();
    }

    /// The trade at the venue only; its events are returned, not handled (we are "down").
    pub fn venue_trade(&mut self, s: usize, bps: i64) -> Vec<Event> {
        self.now += 1_000;
        let p = self.prices[s].to_f64() * (1.0 + bps as f64 / 10_000.0);
        let p = Price::from_f64(p)
            .unwrap()
            .round_to(self.insts[s].tick_size, Rounding::Nearest)
            .max(self.insts[s].tick_size);
        self.prices[s] = p;
        self.trade_id += 1;
        let qty = Qty::from_raw(self.insts[s].qty_step.raw() * ((bps.abs() * 7) % 300 + 1));
        let t = Trade {
            symbol: self.symbol(s),
            ts_ms: self.now,
            price: p,
            qty,
            taker_side: Side::Buy,
            trade_id: self.trade_id,
        };
        let mut ev = Vec::new();
        self.sim.on_market(&Event::Trade(t), &mut ev);
        ev
    }

    fn signed_worst(&self, o: usize) -> Qty {
        let (b, s) = self.orders.working_qty(self.symbol(o));
        worst_case(self.book.get(self.symbol(o)), b, s)
    }

    /// Builds an order, runs the risk check, re-verifies every limit on approval and submits.
    pub fn order(
        &mut self,
        s: usize,
        side: Side,
        steps: i64,
        limit_bps: Option<i64>,
        origin: OrderOrigin,
        reduce_only: bool,
    ) -> Result<(), String> {
        let inst = self.insts[s];
        let last = self.prices[s];
        let qty = Qty::from_raw(inst.qty_step.raw() * steps);
        let price = limit_bps.map(|b| {
            let p = Price::from_f64(last.to_f64() * (1.0 + b as f64 / 10_000.0)).unwrap();
            p.round_to(inst.tick_size, Rounding::Nearest).max(inst.tick_size)
        });
        let request = OrderRequest {
            position_idx: Default::default(),
            client_order_id: self.orders.next_client_id(self.now, "p"),
            symbol: inst.symbol,
            side,
            order_type: if price.is_some() { OrderType::Limit } else { OrderType::Market },
            qty,
            price,
            trigger_price: None,
            trigger_direction: None,
            time_in_force: if price.is_some() { TimeInForce::Gtc } else { TimeInForce::Ioc },
            reduce_only,
            origin,
            decision_price: last,
            ts_ms: self.now,
        };
        let reference = price.unwrap_or(last);
        let position = self.book.get(inst.symbol);
        let (open_buy, open_sell) = self.orders.working_qty(inst.symbol);
        let others: Vec<(Symbol, Money)> = (0..3)
            .filter(|o| *o != s)
            .map(|o| {
                let w = self.signed_worst(o);
                let n = self.prices[o] * w.abs();
                (self.symbol(o), if w.is_negative() { -n } else { n })
            })
            .collect();
        let elsewhere: Money = others.iter().map(|o| o.1.abs()).sum();
        let equity = self.equity();
        let ctx = RiskContext {
            instrument: &inst,
            position,
            last_price: last,
            mark_price: last,
            equity,
            total_exposure: elsewhere + reference * position.abs(),
            open_positions: others.iter().filter(|o| !o.1.is_zero()).count() + usize::from(!position.is_zero()),
            open_buy,
            open_sell,
            others: &others,
        };
        let state = self.risk.state();
        let approved = self.risk.check(request, &ctx).map_err(|r| r.reason().to_string())?;
        // Independent re-computation of the limits.
        let cfg = self.risk.config().clone();
        let m = |v: f64| Money::from_f64(v).unwrap();
        let before = worst_case(position, open_buy, open_sell);
        let after = if reduce_only {
            before
        } else {
            match side {
                Side::Buy => worst_case(position, open_buy + qty, open_sell),
                Side::Sell => worst_case(position, open_buy, open_sell + qty),
            }
        };
        let mut bad = |what: &str, ok: bool| {
            if !ok {
                self.violations.push(format!("{what}: {request:?} ctx pos {position} buy {open_buy} sell {open_sell}"));
            }
        };
        let grows = after.abs() > before.abs();
        if origin == OrderOrigin::Manual {
            if let Some(p) = price {
                let dev = (p.to_f64() - last.to_f64()).abs() / last.to_f64();
                bad("fat finger", dev <= cfg.fat_finger_pct + 1e-8);
            }
            bad("manual size", reference * qty <= m(cfg.max_manual_notional));
        }
        match state {
            TradingState::Active => {}
            TradingState::Reducing => bad("reducing state let exposure grow", !grows),
            TradingState::Halted => bad("halted state let exposure grow", !grows),
        }
        if grows {
            let own = reference * after.abs();
            bad("order size", reference * qty <= m(cfg.max_order_notional));
            bad("per-symbol exposure", own <= m(cfg.max_position_notional));
            bad("total exposure", elsewhere + own <= m(cfg.max_total_notional));
            bad(
                "leverage",
                elsewhere + own <= equity.mul_rate(autobot::domain::Rate::from_f64(cfg.max_leverage).unwrap()),
            );
            let open = others.iter().filter(|o| !o.1.is_zero()).count() + 1;
            bad("open positions", open <= cfg.max_open_positions || !position.is_zero());
            let corr = self.risk.correlations();
            let grouped: Money = own
                + others
                    .iter()
                    .filter(|o| {
                        !o.1.is_zero()
                            && o.1.is_positive() == after.is_positive()
                            && corr.correlation(inst.symbol, o.0).is_some_and(|c| c >= cfg.correlation_threshold)
                    })
                    .map(|o| o.1.abs())
                    .sum();
            bad("correlated exposure", grouped <= m(cfg.max_correlated_notional));
        }
        let mut acts = Vec::new();
        self.orders.submit(approved, &mut acts);
        self.exec(acts);
        Ok(())
    }

    pub fn cancel(&mut self, nth: usize) {
        let open: Vec<_> = self.orders.open_orders().iter().map(|o| o.client_order_id()).collect();
        if open.is_empty() {
            return;
        }
        let mut acts = Vec::new();
        self.orders.cancel(open[nth % open.len()], &mut acts).unwrap();
        self.exec(acts);
    }

    /// Kill switch, then one print per symbol so the flattening market orders fill.
    pub fn kill(&mut self) {
        let insts = self.insts.clone();
        let holdings: Vec<Holding<'_>> = insts
            .iter()
            .zip(&self.prices)
            .map(|(i, p)| Holding { instrument: i, position: self.book.get(i.symbol), price: *p })
            .collect();
        let mut acts = Vec::new();
        let equity = self.equity();
        let refused = kill_switch(&mut self.risk, &mut self.orders, &holdings, equity, self.now, &mut acts);
        assert!(refused.is_empty(), "{refused:?}");
        self.exec(acts);
        for s in 0..3 {
            self.move_price(s, 0);
        }
    }

    pub fn assert_flat(&self) {
        assert_eq!(
            self.sim.open_orders().count(),
            0,
            "venue orders left: {:?}",
            self.sim.open_orders().collect::<Vec<_>>()
        );
        assert_eq!(self.orders.open_count(), 0, "{:?}", self.orders.open_orders());
        for s in 0..3 {
            assert!(self.sim.position(self.symbol(s)).size.is_zero(), "{} not flat", SYMBOLS[s]);
            assert!(self.book.get(self.symbol(s)).is_zero());
        }
    }

    pub fn assert_positions_match_fills(&self) {
        for s in 0..3 {
            let sym = self.symbol(s);
            let from_fills: Qty = self.history.iter().filter(|f| f.symbol == sym).map(|f| f.qty.signed(f.side)).sum();
            assert_eq!(self.book.get(sym), from_fills);
            assert_eq!(self.sim.position(sym).size, from_fills, "{sym}: venue position vs fills");
        }
    }
}
