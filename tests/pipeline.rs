//! The engine wired to the simulated exchange on generated markets: invariants that must hold
//! over long runs (stops, positions, rules, limits, kill switch, determinism).

use autobot::data::generator::{demo_instruments, GeneratorConfig, MarketGenerator};
use autobot::domain::{Action, Command, Event, Money, OrderOrigin, Qty, Side, Symbol};
use autobot::engine::{Engine, EngineConfig};
use autobot::exchange::sim::{SimConfig, SimExchange};
use autobot::risk::RiskConfig;
use autobot::runtime::pipeline::{Pipeline, Sink};
use std::collections::HashMap;

#[derive(Default)]
struct Recorder {
    fills: Vec<autobot::domain::Fill>,
    placed: Vec<autobot::domain::OrderRequest>,
    /// Stop id -> (side of the stop order, trigger prices in order).
    stops: HashMap<String, (Side, Vec<i64>)>,
    switches: Vec<autobot::domain::ModeSwitch>,
    /// (mode, action) of every recorded strategy signal.
    signals: Vec<(String, String)>,
}

impl Sink for Recorder {
    fn on_account_event(&mut self, e: &Event) {
        if let Event::Fill(f) = e {
            self.fills.push(*f);
        }
    }
    fn on_action(&mut self, a: &Action) {
        match a {
            Action::PlaceOrder(r) => {
                self.placed.push(*r);
                if let (Some(t), OrderOrigin::Protective(_)) = (r.trigger_price, r.origin) {
                    self.stops.insert(r.client_order_id.to_string(), (r.side, vec![t.raw()]));
                }
            }
            Action::AmendOrder { client_order_id, trigger_price: Some(t), .. } => {
                if let Some((_, v)) = self.stops.get_mut(client_order_id.as_str()) {
                    v.push(t.raw());
                }
            }
            Action::RecordModeSwitch(m) => self.switches.push(m.clone()),
            Action::RecordSignal(s) => self.signals.push((s.mode.to_string(), s.action.to_string())),
            _ => {}
        }
    }
}

fn setup(seed: u64, steps: u32, risk: RiskConfig) -> (MarketGenerator, Pipeline, Recorder) {
    setup_with(seed, steps, EngineConfig { risk, ..EngineConfig::default() })
}

fn setup_with(seed: u64, steps: u32, config: EngineConfig) -> (MarketGenerator, Pipeline, Recorder) {
    let instruments = demo_instruments();
    let gen = MarketGenerator::new(GeneratorConfig { seed, intra_minute_steps: steps, ..GeneratorConfig::default() });
    let venue = SimExchange::new(SimConfig::default(), &instruments, Money::from_int(10_000));
    let engine = Engine::new(config);
    let mut p = Pipeline::new(engine, venue);
    let mut rec = Recorder::default();
    for i in &instruments {
        p.inform(&Event::Instrument(*i), &mut rec);
    }
    let b = p.venue.balance();
    p.inform(&Event::Balance(b), &mut rec);
    (gen, p, rec)
}

fn run(gen: &mut MarketGenerator, p: &mut Pipeline, rec: &mut Recorder, minutes: usize) {
    let mut buf = Vec::new();
    for _ in 0..minutes {
        buf.clear();
        gen.next_minute(&mut buf);
        for e in &buf {
            p.feed(e, rec);
        }
    }
}

#[test]
fn long_run_keeps_every_invariant() {
    let risk = RiskConfig::default();
    let (mut gen, mut p, mut rec) = setup(11, 2, risk.clone());
    run(&mut gen, &mut p, &mut rec, 15_000);
    assert!(rec.fills.len() > 20, "the strategy hardly traded: {} fills", rec.fills.len());

    // Positions in the engine and at the venue equal the sum of fills.
    for inst in demo_instruments() {
        let sum: Qty = rec.fills.iter().filter(|f| f.symbol == inst.symbol).map(|f| f.qty.signed(f.side)).sum();
        assert_eq!(p.engine.position(inst.symbol), sum, "{}", inst.symbol);
        assert_eq!(p.venue.position(inst.symbol).size, sum, "{}", inst.symbol);
    }

    // Every order on the tick and step grid; entries within the per-symbol notional limit.
    let rules: HashMap<Symbol, _> = demo_instruments().into_iter().map(|i| (i.symbol, i)).collect();
    for r in &rec.placed {
        let i = &rules[&r.symbol];
        assert!(r.qty.is_multiple_of(i.qty_step), "{r:?}");
        for px in [r.price, r.trigger_price].into_iter().flatten() {
            assert!(px.is_multiple_of(i.tick_size), "{r:?}");
        }
        if matches!(r.origin, OrderOrigin::Strategy(_)) && !r.reduce_only {
            let notional = (r.decision_price * r.qty).to_f64();
            assert!(notional <= risk.max_position_notional + 1e-6, "{notional} over the limit: {r:?}");
        }
    }

    // Stops only ever move in the position's favour.
    assert!(!rec.stops.is_empty());
    let mut moved = 0;
    for (id, (side, triggers)) in &rec.stops {
        moved += triggers.len() - 1;
        for w in triggers.windows(2) {
            match side {
                // A sell stop protects a long: it may only rise.
                Side::Sell => assert!(w[1] > w[0], "stop {id} moved down: {triggers:?}"),
                Side::Buy => assert!(w[1] < w[0], "stop {id} moved up: {triggers:?}"),
            }
        }
    }
    assert!(moved > 0, "no stop ever trailed");
}

#[test]
fn kill_switch_leaves_no_open_order_or_position() {
    let (mut gen, mut p, mut rec) = setup(5, 0, RiskConfig::default());
    // Run until a position is open, then pull the switch.
    let mut minutes = 0;
    while demo_instruments().iter().all(|i| p.engine.position(i.symbol).is_zero()) && minutes < 20_000 {
        run(&mut gen, &mut p, &mut rec, 1);
        minutes += 1;
    }
    assert!(minutes < 20_000, "never entered a position");
    p.command(Command::KillSwitch { engage: true }, &mut rec);
    // Stops are cancelled at once; the flattening market orders fill on the next market event.
    assert!(p.venue.open_orders().all(|o| o.request.origin == OrderOrigin::Flatten));
    run(&mut gen, &mut p, &mut rec, 1);
    assert_eq!(p.venue.open_orders().count(), 0);
    for i in demo_instruments() {
        assert!(p.venue.position(i.symbol).size.is_zero(), "{} still open", i.symbol);
        assert!(p.engine.position(i.symbol).is_zero());
    }
    // Halted: the strategy may not open anything while the switch is engaged.
    let before = rec.placed.len();
    run(&mut gen, &mut p, &mut rec, 3_000);
    let opened = rec.placed[before..].iter().filter(|r| !r.reduce_only).count();
    assert_eq!(opened, 0);
    assert_eq!(p.engine.snapshot().risk.trading_state, "Halted");
}

#[test]
fn same_seed_same_fills() {
    let go = |seed| {
        let (mut gen, mut p, mut rec) = setup(seed, 1, RiskConfig::default());
        run(&mut gen, &mut p, &mut rec, 4_000);
        rec.fills
    };
    let a = go(3);
    assert!(!a.is_empty());
    assert_eq!(a, go(3));
    assert_ne!(a, go(4));
}

#[test]
fn regime_modes_switch_trade_and_keep_the_invariants() {
    let config = EngineConfig { modes: Some(autobot::strategy::ModesConfig::default()), ..EngineConfig::default() };
    let (mut gen, mut p, mut rec) = setup_with(11, 2, config);
    run(&mut gen, &mut p, &mut rec, 30_000);
    // The switcher picked modes from the regime, with a reason, never twice on the same bar.
    assert!(rec.switches.len() >= 4, "only {} mode switches", rec.switches.len());
    assert!(rec
        .switches
        .iter()
        .all(|s| s.from != s.to && s.reason.contains("regime") || s.reason.contains("operator")));
    let mut modes: Vec<&str> = rec.signals.iter().map(|(m, _)| m.as_str()).collect();
    modes.sort();
    modes.dedup();
    assert!(modes.len() >= 2, "signals from only {modes:?}");
    assert!(rec.fills.len() > 10, "the modes hardly traded: {} fills", rec.fills.len());
    for inst in demo_instruments() {
        let sum: Qty = rec.fills.iter().filter(|f| f.symbol == inst.symbol).map(|f| f.qty.signed(f.side)).sum();
        assert_eq!(p.engine.position(inst.symbol), sum, "{}", inst.symbol);
        assert_eq!(p.venue.position(inst.symbol).size, sum, "{}", inst.symbol);
    }
    for (id, (side, triggers)) in &rec.stops {
        for w in triggers.windows(2) {
            match side {
                Side::Sell => assert!(w[1] > w[0], "stop {id} moved down: {triggers:?}"),
                Side::Buy => assert!(w[1] < w[0], "stop {id} moved up: {triggers:?}"),
            }
        }
    }
    // The operator locks one mode: the switcher obeys at once and records why.
    let before = rec.switches.len();
    p.command(Command::LockMode { mode: Some("range".into()) }, &mut rec);
    run(&mut gen, &mut p, &mut rec, 1_000);
    let snap = p.engine.snapshot();
    let range = snap.strategy.modes.iter().find(|m| m.name == "range").expect("range mode listed");
    assert!(range.locked);
    // The UI sees the switch timeline, newest first, and only switcher-chosen modes as active.
    assert!(!snap.strategy.switches.is_empty());
    assert!(snap.strategy.switches.windows(2).all(|w| w[0].0 >= w[1].0));
    assert!(snap.strategy.modes.iter().filter(|m| m.active).all(|m| m.name == "range"), "{:?}", snap.strategy.modes);
    assert!(rec.switches[before..].iter().all(|s| s.to == "range" || s.to == "none"), "{:?}", &rec.switches[before..]);
}

#[test]
fn drawdown_limit_engages_the_kill_switch() {
    // A 0.2 % drawdown limit: the first losing stretch must halt trading and flatten everything.
    let risk = RiskConfig { max_drawdown_pct: 0.002, ..RiskConfig::default() };
    let (mut gen, mut p, mut rec) = setup(3, 0, risk);
    let mut minutes = 0;
    while p.engine.snapshot().risk.trading_state != "Halted" && minutes < 30_000 {
        run(&mut gen, &mut p, &mut rec, 1);
        minutes += 1;
    }
    assert!(minutes < 30_000, "the drawdown limit never fired");
    run(&mut gen, &mut p, &mut rec, 1);
    assert_eq!(p.venue.open_orders().count(), 0);
    for i in demo_instruments() {
        assert!(p.venue.position(i.symbol).size.is_zero(), "{} still open", i.symbol);
    }
    let before = rec.placed.len();
    run(&mut gen, &mut p, &mut rec, 2_000);
    assert_eq!(rec.placed[before..].iter().filter(|r| !r.reduce_only).count(), 0, "opened while halted");
    let snap = p.engine.snapshot();
    assert!(snap.alerts.iter().any(|a| a.message.contains("drawdown")), "no drawdown alert");
}
