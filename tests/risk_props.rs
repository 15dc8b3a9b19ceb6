//! Acceptance properties of risk + execution, driven against the simulated exchange: under
//! random streams of prices, strategy and manual orders (fills, partial fills and rejections come
//! from the simulator) no limit is exceeded when an order is approved, positions equal the sum of
//! fills, stops only move in the position's favour, and the kill switch leaves no open order or
//! position. The same for the whole engine in front of the simulator, where the protective stops
//! must also always be reduce-only and sized to the position.

mod common_risk;

use autobot::domain::{Command, OrderOrigin, Price, Qty, Side};
use autobot::risk::{RiskConfig, StopConfig, StopEvent, StopManager, TradingState};
use common_risk::engine_harness::{EngineHarness, Seen, SimConfig};
use common_risk::{inst, Harness};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{FileFailurePersistence, TestRunner};

#[derive(Debug, Clone)]
enum Op {
    /// Move a symbol's price by `bps` basis points.
    Price {
        s: usize,
        bps: i64,
    },
    /// An automatic (strategy) order.
    Auto {
        s: usize,
        buy: bool,
        milli: i64,
        limit_bps: Option<i64>,
    },
    /// A manual order, possibly far from the mark.
    Manual {
        s: usize,
        buy: bool,
        milli: i64,
        limit_bps: Option<i64>,
        reduce: bool,
    },
    Cancel {
        nth: usize,
    },
    Kill,
    Release,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0usize..3, -300i64..300).prop_map(|(s, bps)| Op::Price { s, bps }),
        5 => (0usize..3, any::<bool>(), 1i64..400, prop::option::of(-300i64..300))
            .prop_map(|(s, buy, milli, limit_bps)| Op::Auto { s, buy, milli, limit_bps }),
        3 => (0usize..3, any::<bool>(), 1i64..600, prop::option::of(-1500i64..1500), any::<bool>())
            .prop_map(|(s, buy, milli, limit_bps, reduce)| Op::Manual { s, buy, milli, limit_bps, reduce }),
        1 => (0usize..8).prop_map(|nth| Op::Cancel { nth }),
        1 => Just(Op::Kill),
        1 => Just(Op::Release),
    ]
}

fn config() -> RiskConfig {
    RiskConfig {
        max_position_notional: 12_000.0,
        max_total_notional: 25_000.0,
        max_leverage: 2.0,
        max_open_positions: 2,
        max_order_notional: 8_000.0,
        max_manual_notional: 5_000.0,
        max_correlated_notional: 15_000.0,
        max_daily_loss_pct: 0.02,
        max_drawdown_pct: 0.04,
        ..RiskConfig::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn limits_hold_positions_match_fills_and_kill_switch_flattens(ops in prop::collection::vec(op(), 1..120)) {
        let mut h = Harness::new(config());
        for (k, op) in ops.into_iter().enumerate() {
            match op {
                Op::Price { s, bps } => h.move_price(s, bps),
                Op::Auto { s, buy, milli, limit_bps } => {
                    let side = if buy { Side::Buy } else { Side::Sell };
                    let _ = h.order(s, side, milli, limit_bps, OrderOrigin::Strategy(0), false);
                }
                Op::Manual { s, buy, milli, limit_bps, reduce } => {
                    let side = if buy { Side::Buy } else { Side::Sell };
                    let _ = h.order(s, side, milli, limit_bps, OrderOrigin::Manual, reduce);
                }
                Op::Cancel { nth } => h.cancel(nth),
                Op::Kill => {
                    h.kill();
                    h.assert_flat();
                }
                Op::Release => {
                    if h.risk.state() == TradingState::Halted && k % 2 == 0 {
                        h.risk.set_state(TradingState::Active);
                    }
                }
            }
            h.assert_positions_match_fills();
            prop_assert!(h.violations.is_empty(), "{:#?}", h.violations);
        }
        h.kill();
        h.assert_flat();
        h.assert_positions_match_fills();
        prop_assert!(h.violations.is_empty(), "{:#?}", h.violations);
    }

    #[test]
    fn stops_only_move_in_the_positions_favour(
        long in any::<bool>(),
        atr in 20.0f64..400.0,
        steps in prop::collection::vec((-200i64..200, 10.0f64..500.0), 1..200),
    ) {
        let i = inst(0);
        let side = if long { Side::Buy } else { Side::Sell };
        let cfg = StopConfig::from(&RiskConfig::default());
        let entry = Price::from_int(50_000);
        let mut s = StopManager::new(side, entry, "1".parse::<Qty>().unwrap(), atr, None, &cfg, &i).unwrap();
        let mut price = entry;
        let mut events = Vec::new();
        let mut exited = Qty::ZERO;
        for (ticks, atr) in steps {
            price = (price + Price::from_raw(ticks * i.tick_size.raw())).max(i.tick_size);
            let before = s.stop();
            events.clear();
            s.on_price(price, Some(atr), &mut events);
            let after = s.stop();
            if long { prop_assert!(after >= before) } else { prop_assert!(after <= before) }
            prop_assert!(after.is_multiple_of(i.tick_size));
            for e in &events {
                match *e {
                    StopEvent::Moved { to, .. } => {
                        if long { prop_assert!(to < price) } else { prop_assert!(to > price) }
                    }
                    StopEvent::PartialExit { qty, .. } | StopEvent::StopHit { qty, .. } => exited += qty,
                }
            }
            prop_assert_eq!(exited + s.open_qty(), "1".parse::<Qty>().unwrap());
            if s.is_closed() { break; }
        }
    }
}

/// What happens to the whole engine (strategy, stop managers, risk, order manager) in front of
/// the simulated exchange: bars and trade prints, manual orders (fills over several price levels,
/// partial maker fills, rejections and refusals follow), cancels, flattens, timers and the kill
/// switch.
#[derive(Debug, Clone)]
enum EngineOp {
    Bar { s: usize, bps: i64 },
    Print { s: usize, bps: i64, milli: i64 },
    Manual { s: usize, buy: bool, milli: i64, limit_bps: Option<i64>, reduce: bool },
    CancelNth { nth: usize },
    CancelAll,
    Flatten { s: usize },
    Timer { ms: i64 },
    Kill,
    Release,
}

fn engine_op() -> impl Strategy<Value = EngineOp> {
    prop_oneof![
        10 => (0usize..3, -150i64..160).prop_map(|(s, bps)| EngineOp::Bar { s, bps }),
        3 => (0usize..3, -120i64..120, 1i64..400).prop_map(|(s, bps, milli)| EngineOp::Print { s, bps, milli }),
        4 => (0usize..3, any::<bool>(), 1i64..1500, prop::option::of(-200i64..200), any::<bool>())
            .prop_map(|(s, buy, milli, limit_bps, reduce)| EngineOp::Manual { s, buy, milli, limit_bps, reduce }),
        1 => (0usize..8).prop_map(|nth| EngineOp::CancelNth { nth }),
        1 => Just(EngineOp::CancelAll),
        1 => (0usize..3).prop_map(|s| EngineOp::Flatten { s }),
        1 => (0i64..30_000).prop_map(|ms| EngineOp::Timer { ms }),
        1 => Just(EngineOp::Kill),
        1 => Just(EngineOp::Release),
    ]
}

/// Checks every promise after every step; the broken ones, or what the stream exercised.
fn run_engine_stream(ops: &[EngineOp]) -> Result<Seen, Vec<String>> {
    let mut h = EngineHarness::new(RiskConfig { max_correlated_notional: 15_000.0, ..config() });
    for op in ops {
        match *op {
            EngineOp::Bar { s, bps } => {
                h.bar(s, bps);
                if s == 2 {
                    h.next_minute();
                }
            }
            EngineOp::Print { s, bps, milli } => h.trade(s, bps, milli),
            EngineOp::Manual { s, buy, milli, limit_bps, reduce } => h.manual(s, buy, milli, limit_bps, reduce),
            EngineOp::CancelNth { nth } => {
                let open: Vec<_> = h.p.venue.open_orders().map(|o| o.client_order_id()).collect();
                if !open.is_empty() {
                    h.command(Command::CancelOrder { client_order_id: open[nth % open.len()] });
                }
            }
            EngineOp::CancelAll => h.command(Command::CancelAll { symbol: None }),
            EngineOp::Flatten { s } => h.command(Command::Flatten { symbol: h.symbol(s) }),
            EngineOp::Timer { ms } => h.timer(ms),
            EngineOp::Kill => {
                h.kill();
                h.check_flat();
            }
            EngineOp::Release => h.command(Command::KillSwitch { engage: false }),
        }
        h.check_positions();
        h.check_stops();
        if !h.watch.violations.is_empty() {
            return Err(std::mem::take(&mut h.watch.violations));
        }
    }
    h.kill();
    h.check_flat();
    h.check_positions();
    h.check_stops();
    if h.watch.violations.is_empty() {
        Ok(h.watch.seen)
    } else {
        Err(h.watch.violations)
    }
}

fn engine_streams() -> impl Strategy<Value = Vec<EngineOp>> {
    prop::collection::vec(engine_op(), 1..250)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        // Integration tests have no lib.rs beside them: keep the seeds next to this file.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    /// Issue 6: under random streams no limit is exceeded at approval, stops only tighten and
    /// are always sized to the position, the engine's and the venue's positions equal the sum of
    /// the fills, and the kill switch leaves nothing working or held.
    ///
    /// It found (third seed in risk_props.proptest-regressions): three fills of one market event
    /// (buy 0.05 + buy 0.015, then sell 0.015) left the stop at 0.065 for a position of 0.05 —
    /// the resize back to 0.05 was diffed against the venue's last confirmed size (0.05, the
    /// amend to 0.065 still in flight) and dropped. The engine now re-checks the stop's size on
    /// every confirmation (`Engine::resync_stop`).
    #[test]
    fn engine_keeps_limits_stops_and_positions_under_random_streams(ops in engine_streams()) {
        if let Err(v) = run_engine_stream(&ops) {
            prop_assert!(false, "{:#?}", v);
        }
    }
}

/// The streams the property draws do exercise what issue 6 lists: on 64 streams from a fixed
/// seed there are fills over several levels, partial fills, venue rejections, risk refusals,
/// stops placed, trailed and filled, flips and kill switches with something held.
#[test]
fn engine_streams_exercise_fills_rejections_stops_and_kills() {
    let mut runner = TestRunner::deterministic();
    let strategy = engine_streams();
    let mut total = Seen::default();
    for _ in 0..64 {
        let ops = strategy.new_tree(&mut runner).unwrap().current();
        match run_engine_stream(&ops) {
            Ok(seen) => total.add(&seen),
            Err(v) => panic!("{v:#?}\n{ops:?}"),
        }
    }
    eprintln!("{total:?}");
    assert!(total.fills > 500, "{total:?}");
    assert!(total.partial_fills > 100, "{total:?}");
    assert!(total.venue_rejects > 10, "{total:?}");
    assert!(total.refusals > 100, "{total:?}");
    assert!(total.stops_placed > 50 && total.stop_moves > 50 && total.stops_filled > 20, "{total:?}");
    assert!(total.flips >= 1, "{total:?}");
    assert!(total.kills_holding > 20, "{total:?}");
}

/// The case the property once shrank to (seed in risk_props.proptest-regressions; the venue
/// without synthetic depth, as then): after a falling bar the trend follower sells 0.16 BTC and
/// a manual buy of 0.001 goes in; the next bar fills both. The engine places the stop for the -0.16 it holds after the first fill, then
/// resizes it to 0.159 on the second, in the same round: the venue only ever matches a stop
/// of the position's size. (The sink, which had summed both fills before it saw the placement,
/// used to flag it as a reduce-only order larger than the position.)
#[test]
fn a_stop_placed_between_two_fills_of_one_bar_is_resized_before_it_can_trigger() {
    let risk = RiskConfig { max_correlated_notional: 15_000.0, ..config() };
    let mut h = EngineHarness::with_sim(risk, SimConfig::default());
    h.bar(0, -1);
    h.manual(0, true, 5, None, false);
    let before = h.watch.fills.len();
    h.bar(0, 0);
    let fills: Vec<(Side, Qty)> = h.watch.fills[before..].iter().map(|f| (f.side, f.qty)).collect();
    let q = |v: &str| v.parse::<Qty>().unwrap();
    assert_eq!(fills, [(Side::Sell, q("0.16")), (Side::Buy, q("0.001"))]);
    assert_eq!(h.p.engine.position(h.symbol(0)), q("-0.159"));
    let log = &h.watch.stop_log;
    assert!(log.len() >= 2, "{log:?}");
    assert!(log[0].starts_with("place BTCUSDT Buy 0.16 @"), "{log:?}");
    // The resize in the same round; the venue's acknowledgement of the 0.16 placement may be
    // answered with the same resize again (it re-checks the confirmed size).
    assert!(log[1..].iter().all(|l| l == "resize 0.159"), "{log:?}");
    let stops: Vec<(Side, Qty, bool)> =
        h.p.venue.open_orders().map(|o| (o.side(), o.remaining(), o.request.reduce_only)).collect();
    assert_eq!(stops, [(Side::Buy, q("0.159"), true)]);
    h.check_positions();
    h.check_stops();
    assert!(h.watch.violations.is_empty(), "{:#?}", h.watch.violations);
}

#[test]
fn engine_harness_trades_and_trails() {
    // A steady climb with a long open: the stop trails, and the run keeps every promise.
    let mut h = EngineHarness::new(config());
    h.manual(0, true, 500, None, false);
    for _ in 0..40 {
        h.bar(0, 40);
        h.bar(1, 0);
        h.bar(2, 0);
        h.next_minute();
        h.check_positions();
    }
    assert!(h.watch.placed >= 2, "{}", h.watch.placed);
    assert!(h.watch.stop_moves > 0, "the stop never moved");
    assert!(h.watch.violations.is_empty(), "{:#?}", h.watch.violations);
}

#[test]
fn drawdown_engages_the_kill_switch_and_it_flattens() {
    let mut h = Harness::new(config());
    // 0.15 BTC long (7,500) then a 6 % fall: 450 on 10,000 equity is over the 4 % drawdown.
    h.order(0, Side::Buy, 150, None, OrderOrigin::Strategy(0), false).unwrap();
    h.move_price(0, 0);
    assert_eq!(h.book.get(h.symbol(0)), "0.15".parse().unwrap());
    h.move_price(0, -600);
    assert_eq!(h.risk.state(), TradingState::Halted);
    h.move_price(0, 0);
    h.assert_flat();
    assert!(h.violations.is_empty(), "{:#?}", h.violations);
    // Halted: a new entry is refused with the cause.
    let refused = h.order(1, Side::Buy, 10, None, OrderOrigin::Strategy(0), false).unwrap_err();
    assert!(refused.contains("halted") && refused.contains("drawdown"), "{refused}");
}

/// Each check of the engine harness fails when its promise is broken (so the property above
/// asserts something): a loosened stop, an approval past the per-symbol worst case, a stop
/// larger than the position, a position that is not the sum of the fills, and anything left
/// working or held where the kill switch should have left nothing.
#[test]
fn the_engine_harness_catches_each_broken_promise() {
    use autobot::domain::{Action, ClientOrderId, OrderRequest, OrderType, TimeInForce};
    use autobot::exchange::ExecutionVenue;
    use autobot::runtime::pipeline::Sink;
    let mut h = EngineHarness::new(config());
    let sym = h.symbol(0);
    h.manual(0, true, 500, None, false);
    h.bar(0, 0);
    let q = |v: &str| v.parse::<Qty>().unwrap();
    assert_eq!(h.p.engine.position(sym), q("0.1"));
    let checks = |h: &mut EngineHarness| {
        h.check_positions();
        h.check_stops();
        std::mem::take(&mut h.watch.violations)
    };
    assert_eq!(checks(&mut h), Vec::<String>::new());
    let (id, (side, trigger)) = h.watch.stops.iter().map(|(k, v)| (k.clone(), *v)).next().expect("a stop");
    assert_eq!(side, Side::Sell);
    let id = ClientOrderId::new(&id).unwrap();

    // A sell stop moved down.
    let lower = trigger - inst(0).tick_size;
    h.watch.on_action(&Action::AmendOrder {
        symbol: sym,
        client_order_id: id,
        qty: None,
        price: None,
        trigger_price: Some(lower),
    });
    assert!(h.watch.violations.iter().any(|v| v.contains("loosened")), "{:?}", h.watch.violations);
    h.watch.violations.clear();

    // A buy of 0.15 at 50,000 on top of the 0.1 held: worst case 0.25 = 12,500 > 12,000.
    let request = OrderRequest {
        position_idx: Default::default(),
        client_order_id: ClientOrderId::new("x-1").unwrap(),
        symbol: sym,
        side: Side::Buy,
        order_type: OrderType::Limit,
        qty: q("0.15"),
        price: Some(Price::from_int(50_000)),
        trigger_price: None,
        trigger_direction: None,
        time_in_force: TimeInForce::Gtc,
        reduce_only: false,
        origin: OrderOrigin::Strategy(0),
        decision_price: Price::from_int(50_000),
        ts_ms: h.now,
    };
    h.watch.on_action(&Action::PlaceOrder(request));
    assert!(h.watch.violations.iter().any(|v| v.contains("worst case 0.25")), "{:?}", h.watch.violations);
    h.watch.violations.clear();
    h.watch.working.clear();

    // The stop grown past the position at the venue.
    let mut events = Vec::new();
    let grow =
        Action::AmendOrder { symbol: sym, client_order_id: id, qty: Some(q("0.2")), price: None, trigger_price: None };
    h.p.venue.execute(&grow, h.now, &mut events);
    let v = checks(&mut h);
    assert!(v.iter().any(|v| v.contains("Sell 0.2") && v.contains("position of 0.1")), "{v:?}");
    let back =
        Action::AmendOrder { symbol: sym, client_order_id: id, qty: Some(q("0.1")), price: None, trigger_price: None };
    h.p.venue.execute(&back, h.now, &mut events);
    assert_eq!(checks(&mut h), Vec::<String>::new());

    // A fill the engine never had.
    *h.watch.sum.get_mut(&sym).unwrap() += q("0.001");
    let v = checks(&mut h);
    assert!(v.iter().any(|v| v.contains("engine 0.1, venue 0.1, fills 0.101")), "{v:?}");
    *h.watch.sum.get_mut(&sym).unwrap() -= q("0.001");

    // Held and working without a kill switch.
    h.check_flat();
    let v = std::mem::take(&mut h.watch.violations);
    assert!(
        v.iter().any(|v| v.contains("still working")) && v.iter().any(|v| v.contains("BTCUSDT still held")),
        "{v:?}"
    );
    // And nothing after it.
    h.kill();
    h.check_flat();
    assert_eq!(checks(&mut h), Vec::<String>::new());
}
