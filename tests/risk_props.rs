//! Acceptance properties of risk + execution, driven against the simulated exchange: under
//! random streams of prices, strategy and manual orders (fills, partial fills and rejections come
//! from the simulator) no limit is exceeded when an order is approved, positions equal the sum of
//! fills, stops only move in the position's favour, and the kill switch leaves no open order or
//! position.

mod common_risk;

use autobot::domain::{OrderOrigin, Price, Qty, Side};
use autobot::risk::{RiskConfig, StopConfig, StopEvent, StopManager, TradingState};
use common_risk::{inst, Harness};
use proptest::prelude::*;

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
