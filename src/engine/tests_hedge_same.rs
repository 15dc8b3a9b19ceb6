//! Same-symbol hedge legs in hedge position mode: the BTC long of `tests_hedge`'s scenario, a
//! volatility spike against it, and the leg opened as a BTC short on positionIdx 2; it closes on
//! calm, with the hedged position, and on the kill switch. The venue double fills at the last
//! close; the last test runs against the simulator in hedge mode, which rejects a wrong idx.

use super::tests_hedge::{candle, intent, market, records, Run, ENTRY, SPIKE};
use super::tests_support::{inst, p, q, sym, T0};
use crate::domain::{
    Action, Balance, Command, Event, Money, OrderStatus, OrderUpdate, Position, PositionIdx, PositionMode, Side, Trade,
};
use crate::exchange::sim::{SimConfig, SimExchange};
use crate::exchange::ExecutionVenue;
use crate::risk::RiskConfig;
use crate::strategy::{IntentKind, ModeId};

fn btc() -> crate::domain::Symbol {
    sym("BTCUSDT")
}

/// The long of 0.1 (idx 1), then the spike bar: the leg is a short of 0.05 on idx 2.
pub(super) fn hedged() -> Run {
    let mut r = Run::hedge_mode(RiskConfig::default());
    r.run_to_spike();
    let rec = records(&r.bar(SPIKE));
    assert_eq!(rec.len(), 1, "{rec:?}");
    // Half of 0.1 BTC: 0.05, the same instrument at the same price.
    assert_eq!((rec[0].0.as_str(), rec[0].1.as_str()), ("BTCUSDT", "hedge"));
    assert!(rec[0].2.contains("short 0.05 BTCUSDT @ 29400 (positionIdx 2)"), "{}", rec[0].2);
    r
}

#[test]
fn a_spike_opens_the_opposite_side_of_the_same_symbol_until_calm() {
    let mut r = hedged();
    // Every order carries its side's idx: the entry and its stop idx 1, the leg and its stop
    // (at the long's trigger, see hedge_stop) idx 2.
    let placed: Vec<(Side, bool, bool, PositionIdx)> =
        r.desk.placed.iter().map(|o| (o.side, o.reduce_only, o.trigger_price.is_some(), o.position_idx)).collect();
    assert_eq!(
        placed,
        vec![
            (Side::Buy, false, false, PositionIdx::Long),
            (Side::Sell, true, true, PositionIdx::Long),
            (Side::Sell, false, false, PositionIdx::Short),
            (Side::Buy, true, true, PositionIdx::Short),
        ]
    );
    assert_eq!((r.pos("BTCUSDT"), r.e.leg_position(btc())), ("0.1".to_string(), q("-0.05")));
    assert_eq!(r.e.hedge_legs(), vec![(btc(), btc())]);
    assert_eq!(r.e.hedge_qty(0), 0.05);
    // Two lines for BTCUSDT: the long and its hedge on idx 2.
    let snap = r.e.snapshot();
    let rows: Vec<(PositionIdx, String, Option<String>)> =
        snap.positions.iter().map(|v| (v.position.position_idx, v.position.size.to_string(), v.mode.clone())).collect();
    assert_eq!(rows[1], (PositionIdx::Short, "-0.05".to_string(), Some("hedge for BTCUSDT".to_string())), "{rows:?}");
    assert_eq!(rows.len(), 2);
    // Exposure counts both sides: (0.1 + 0.05) × 29,400 = 4,410.
    assert_eq!(r.e.exposure(), Money::from_int(4_410));
    // Calm bars unwind it: a reduce-only Buy of 0.05 on idx 2; the long stays.
    let later = r.bars(SPIKE + 1, 400);
    let unwind = later.iter().find_map(|(_, a)| records(a).into_iter().find(|x| x.1 == "unwind")).expect("unwound");
    assert!(unwind.2.contains("close BTCUSDT hedge -0.05 (positionIdx 2)"), "{unwind:?}");
    let close = r.desk.placed.iter().rev().find(|o| o.position_idx == PositionIdx::Short).unwrap();
    assert_eq!((close.side, close.qty, close.reduce_only), (Side::Buy, q("0.05"), true));
    assert_eq!((r.pos("BTCUSDT"), r.e.leg_position(btc())), ("0.1".to_string(), q("0")));
    assert!(r.e.hedge_legs().is_empty());
    // The leg's round trip counts for the hedge mode, not the long's.
    let hedge = &r.e.modes[ModeId::Hedge.index()];
    let trade = r.e.closed_trades().iter().find(|t| t.side == Side::Sell).expect("the leg's round trip");
    assert_eq!((hedge.trades, trade.mode, trade.qty), (1, Some(4), q("0.05")));
    assert_eq!(hedge.pnl, trade.net_pnl());
}

#[test]
fn the_leg_closes_when_the_hedged_long_is_stopped_out() {
    let mut r = hedged();
    let stop = r.e.symbols[0].stop.expect("the long's stop");
    let ts = T0 + (SPIKE + 1) * 60_000;
    let f = r.desk.fill(stop.client_order_id, btc(), Side::Sell, q("0.1"), p("29300"), ts);
    let mut acts = r.e.on_event(&Event::Fill(f));
    let up = OrderUpdate {
        client_order_id: stop.client_order_id,
        order_id: None,
        symbol: btc(),
        status: OrderStatus::Filled,
        qty: q("0.1"),
        price: None,
        trigger_price: Some(stop.price),
        filled_qty: q("0.1"),
        ts_ms: ts,
        reason: None,
    };
    acts.extend(r.e.on_event(&Event::Order(up)));
    let acts = r.desk.settle(&mut r.e, acts, ts);
    // The stop fill went to the long (idx 1), not the leg; the leg then closed on idx 2.
    assert_eq!((r.pos("BTCUSDT"), r.e.leg_position(btc())), ("0".to_string(), q("0")));
    let rec = records(&acts);
    assert!(rec.iter().any(|x| x.1 == "unwind" && x.2.contains("BTCUSDT position closed: close BTCUSDT hedge -0.05")));
    assert!(r.e.hedge_legs().is_empty());
    assert!(r.e.orders.open_orders().is_empty(), "{:?}", r.e.orders.open_orders());
}

#[test]
fn the_kill_switch_closes_both_sides() {
    let mut r = hedged();
    r.feed(&Event::Command(Command::KillSwitch { engage: true }));
    assert_eq!((r.pos("BTCUSDT"), r.e.leg_position(btc())), ("0".to_string(), q("0")));
    let closes: Vec<(Side, String, PositionIdx)> = r
        .desk
        .placed
        .iter()
        .filter(|o| o.reduce_only && o.trigger_price.is_none())
        .map(|o| (o.side, o.qty.to_string(), o.position_idx))
        .collect();
    assert_eq!(
        closes,
        vec![(Side::Sell, "0.1".to_string(), PositionIdx::Long), (Side::Buy, "0.05".to_string(), PositionIdx::Short)]
    );
    assert!(r.e.hedge_legs().is_empty());
    assert!(r.e.orders.open_orders().is_empty(), "{:?}", r.e.orders.open_orders());
}

#[test]
fn venue_reports_go_by_idx_and_a_restart_recognises_the_leg() {
    let mut r = Run::hedge_mode(RiskConfig::default());
    r.bars(0, ENTRY + 1);
    let ts = T0 + ENTRY * 60_000;
    let report = |idx: PositionIdx, size: &str, entry: i64| Position {
        position_idx: idx,
        size: q(size),
        entry_value: Money::from_int(entry),
        ts_ms: ts,
        ..Position::flat(btc())
    };
    // The venue's two-sided list after a restart: a long of 0.1 and a short of 0.05.
    r.feed(&Event::Position(report(PositionIdx::Long, "0.1", 2_970)));
    r.feed(&Event::Position(report(PositionIdx::Short, "-0.05", 1_485)));
    assert_eq!((r.pos("BTCUSDT"), r.e.leg_position(btc())), ("0.1".to_string(), q("-0.05")));
    assert_eq!(r.e.hedge_legs(), vec![(btc(), btc())]);
    // A later report of the same sizes changes nothing; a flat leg report is adopted.
    r.feed(&Event::Position(report(PositionIdx::Long, "0.1", 2_970)));
    assert_eq!(r.e.leg_position(btc()), q("-0.05"));
    r.feed(&Event::Position(report(PositionIdx::Short, "0", 0)));
    assert_eq!((r.pos("BTCUSDT"), r.e.leg_position(btc())), ("0.1".to_string(), q("0")));
    // The flat other side of a long, with no leg, is not the long's report.
    let (b0, b1) = (r.closes[ENTRY as usize].0, r.closes[ENTRY as usize + 1].0);
    r.feed(&candle("BTCUSDT", ENTRY + 1, b0, b1));
    assert!(r.e.hedge_legs().is_empty(), "a flat leg is forgotten on the next bar");
    r.feed(&Event::Position(report(PositionIdx::Short, "0", 0)));
    assert_eq!(r.pos("BTCUSDT"), "0.1");
}

/// The simulator in hedge position mode as the venue: orders are executed and a trade at
/// `price` brings them in (and triggers stops).
pub(super) struct SimVenue {
    pub sim: SimExchange,
    pub price: crate::domain::Price,
    pub ts: i64,
}

impl SimVenue {
    /// Runs `first` through the simulator, then the engine's answers, until quiet (at least one
    /// trade at `price` goes in).
    pub(super) fn pump(&mut self, r: &mut Run, first: Vec<Action>, k: i64) {
        let mut todo = first;
        for round in 0..8 {
            if todo.is_empty() && round > 0 {
                break;
            }
            let at = self.ts + k * 10 + round;
            let mut events = Vec::new();
            for a in &todo {
                self.sim.execute(a, at, &mut events);
            }
            let t =
                Trade { symbol: btc(), ts_ms: at, price: self.price, qty: q("5"), taker_side: Side::Buy, trade_id: 1 };
            self.sim.on_market(&Event::Trade(t), &mut events);
            todo = events.iter().flat_map(|e| r.e.on_event(e)).collect();
        }
    }

    pub(super) fn sides(&self) -> (crate::domain::Qty, crate::domain::Qty) {
        let size = |idx| self.sim.position_of(btc(), idx).map_or(crate::domain::Qty::ZERO, |p| p.size);
        (size(PositionIdx::Long), size(PositionIdx::Short))
    }
}

/// A BTC long of 0.1 (idx 1) and its leg of 0.05 (idx 2), traded on the simulator.
pub(super) fn sim_hedged() -> (Run, SimVenue) {
    let mut r = Run::hedge_mode(RiskConfig::default());
    let cfg = SimConfig { position_mode: PositionMode::Hedge, ..SimConfig::default() };
    let sim = SimExchange::new(cfg, &[inst("BTCUSDT"), inst("ETHUSDT")], Money::from_int(10_000));
    r.bars(0, ENTRY + 1);
    let ts = T0 + (ENTRY + 1) * 60_000;
    let price = p(&format!("{:.2}", r.closes[ENTRY as usize].0));
    let mut v = SimVenue { sim, price, ts };
    let t0 = Trade { symbol: btc(), ts_ms: ts - 1, price, qty: q("5"), taker_side: Side::Buy, trade_id: 0 };
    v.sim.on_market(&Event::Trade(t0), &mut Vec::new());
    let b = v.sim.balance();
    r.e.on_event(&Event::Balance(Balance { ts_ms: ts, ..b }));
    let first = r.e.on_event(&market("BTCUSDT", Side::Buy, "0.1"));
    v.pump(&mut r, first, 0);
    let mut out = Vec::new();
    let kind = IntentKind::Hedge { fraction: 0.5, symbol: None };
    r.e.carry_out(0, intent(ModeId::Hedge, kind), ts, &mut out);
    v.pump(&mut r, out, 1);
    assert_eq!(v.sides(), (q("0.1"), q("-0.05")));
    assert_eq!((r.e.position(btc()), r.e.leg_position(btc())), v.sides());
    (r, v)
}

#[test]
fn against_the_simulator_in_hedge_mode_both_sides_match_and_the_kill_switch_empties_them() {
    let (mut r, mut v) = sim_hedged();
    // The long's stop on idx 1, the leg's on idx 2 at the same trigger.
    let stops: Vec<(PositionIdx, Side, Option<crate::domain::Price>)> =
        v.sim.open_orders().map(|o| (o.request.position_idx, o.request.side, o.request.trigger_price)).collect();
    assert_eq!(stops.len(), 2, "{stops:?}");
    assert_eq!(
        (stops[0].0, stops[0].1, stops[1].0, stops[1].1),
        (PositionIdx::Long, Side::Sell, PositionIdx::Short, Side::Buy)
    );
    assert_eq!(stops[0].2, stops[1].2);
    let first = r.e.on_event(&Event::Command(Command::KillSwitch { engage: true }));
    v.pump(&mut r, first, 2);
    assert_eq!(v.sides(), (q("0"), q("0")));
    assert_eq!(v.sim.open_orders().count(), 0);
    assert_eq!((r.e.position(btc()), r.e.leg_position(btc())), (q("0"), q("0")));
    assert!(r.e.hedge_legs().is_empty());
}

#[test]
fn reconciling_a_two_sided_list_keeps_the_main_position_and_the_leg_apart() {
    let side = |idx: PositionIdx, size: &str, entry: i64| Position {
        position_idx: idx,
        size: q(size),
        entry_value: Money::from_int(entry),
        ..Position::flat(btc())
    };
    let account = |positions: Vec<Position>| crate::domain::VenueAccount {
        ts_ms: T0 + (SPIKE + 1) * 60_000,
        open_orders: Vec::new(),
        positions,
        fills: Vec::new(),
        balance: None,
    };
    // A restart: nothing known; the venue lists a short of 0.2 (idx 2) and a long of 0.1 (idx 1).
    let mut r = Run::hedge_mode(RiskConfig::default());
    r.bars(0, ENTRY + 1);
    let list = vec![side(PositionIdx::Long, "0.1", 2_970), side(PositionIdx::Short, "-0.2", 5_940)];
    r.feed(&Event::Reconcile(Box::new(account(list))));
    // The first side not flat is the main position, the other its leg.
    assert_eq!((r.pos("BTCUSDT"), r.e.leg_position(btc())), ("0.1".to_string(), q("-0.2")));
    // A reconnect of a running hedge (long 0.1 on idx 1, leg −0.05 on idx 2): the short side
    // listed first is still the leg's, the long the main position's.
    let mut r = hedged();
    let list = vec![side(PositionIdx::Short, "-0.05", 1_470), side(PositionIdx::Long, "0.1", 2_970)];
    r.feed(&Event::Reconcile(Box::new(account(list))));
    assert_eq!((r.pos("BTCUSDT"), r.e.leg_position(btc())), ("0.1".to_string(), q("-0.05")));
}
