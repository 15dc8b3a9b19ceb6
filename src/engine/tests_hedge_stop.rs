//! The same-symbol leg's own stop (`hedge_stop`): placed at the hedged long's trigger, moved
//! with it, cancelled with the leg, replaced when the venue drops it, recognised after a
//! restart, and, on the simulator, closing the leg together with the long when the price falls
//! through the trigger with no engine action needed.

use super::tests_hedge::{records, SPIKE};
use super::tests_hedge_same::{hedged, sim_hedged};
use super::tests_support::{p, q, sym, T0};
use crate::domain::{Action, Event, OrderOrigin, OrderStatus, OrderUpdate, PositionIdx, Side, TriggerDirection};

/// The leg's stop order: (client id, request) from the orders the engine placed.
fn leg_stop(r: &super::tests_hedge::Run) -> crate::domain::OrderRequest {
    *r.desk
        .placed
        .iter()
        .rev()
        .find(|o| o.position_idx == PositionIdx::Short && o.trigger_price.is_some())
        .expect("the leg's stop")
}

#[test]
fn the_leg_stop_mirrors_the_hedged_trigger_and_follows_it() {
    let mut r = hedged();
    let main = r.e.symbols[0].stop.expect("the long's stop");
    let s = leg_stop(&r);
    // A Buy of the leg's 0.05 on idx 2, reduce-only, crossed falling at the long's trigger.
    assert_eq!((s.side, s.qty, s.reduce_only), (Side::Buy, q("0.05"), true));
    assert_eq!((s.trigger_price, s.trigger_direction), (Some(main.price), Some(TriggerDirection::Falling)));
    assert_eq!(s.origin, OrderOrigin::Protective(4));
    // The positions table shows the leg's stop.
    let snap = r.e.snapshot();
    let leg_row = snap.positions.iter().find(|v| v.position.position_idx == PositionIdx::Short).unwrap();
    assert_eq!(leg_row.stop_price, Some(main.price));
    // The long's stop order tightens by 25: the leg's stop is amended to the same trigger.
    let to = main.price + p("25");
    let ts = T0 + (SPIKE + 1) * 60_000;
    let mut out = Vec::new();
    assert!(r.e.amend_stop(0, None, Some(to), ts, &mut out));
    let amended: Vec<_> = out
        .iter()
        .filter_map(|a| match a {
            Action::AmendOrder { client_order_id, trigger_price, .. } => Some((*client_order_id, *trigger_price)),
            _ => None,
        })
        .collect();
    assert_eq!(amended, vec![(main.client_order_id, Some(to)), (s.client_order_id, Some(to))]);
    r.desk.settle(&mut r.e, out, ts);
    // A looser move is refused for the long, and so the leg's stays.
    let mut out = Vec::new();
    assert!(!r.e.amend_stop(0, None, Some(main.price), ts, &mut out));
    assert!(out.is_empty(), "{out:?}");
    // Calm bars unwind the leg by a market order: its stop is cancelled, the leg forgotten.
    let later = r.bars(SPIKE + 1, 400);
    assert!(later.iter().any(|(_, a)| records(a).iter().any(|x| x.1 == "unwind")));
    assert_eq!(r.desk.orders[&s.client_order_id].status, OrderStatus::Cancelled);
    assert_eq!(r.desk.amends.iter().filter(|a| a.0 == s.client_order_id).count(), 1);
    assert!(r.e.hedge_legs().is_empty());
    assert!(r.e.orders.open_orders().iter().all(|o| o.request.position_idx == PositionIdx::Long));
}

#[test]
fn a_dropped_leg_stop_is_replaced_and_a_resting_one_is_recognised() {
    let mut r = hedged();
    let s = leg_stop(&r);
    let placed = r.desk.placed.len();
    // After a restart the engine knows the leg but not its stop: the next bar recognises the
    // resting order instead of placing a second one.
    r.e.same_legs[0].stop = None;
    r.bar(SPIKE + 1);
    assert_eq!(r.e.same_legs[0].stop.map(|w| w.client_order_id), Some(s.client_order_id));
    assert!(!r.desk.placed[placed..].iter().any(|o| o.position_idx == PositionIdx::Short), "no second stop");
    // The venue deactivates it: forgotten, and the next bar places a new one.
    let ts = T0 + (SPIKE + 2) * 60_000;
    let up = OrderUpdate {
        client_order_id: s.client_order_id,
        order_id: None,
        symbol: sym("BTCUSDT"),
        status: OrderStatus::Deactivated,
        qty: s.qty,
        price: None,
        trigger_price: s.trigger_price,
        filled_qty: q("0"),
        ts_ms: ts,
        reason: Some(crate::domain::RejectReason::Other),
    };
    r.feed(&Event::Order(up));
    assert!(r.e.same_legs[0].stop.is_none());
    r.bar(SPIKE + 2);
    let again = leg_stop(&r);
    assert_ne!(again.client_order_id, s.client_order_id);
    assert_eq!((again.qty, again.trigger_price), (q("0.05"), r.e.symbols[0].stop.map(|w| w.price)));
}

#[test]
fn on_the_simulator_both_sides_close_together_at_the_trigger() {
    let (mut r, mut v) = sim_hedged();
    let trigger = r.e.symbols[0].stop.expect("the long's stop").price;
    // The price falls through the trigger: the venue fires both stops; the engine sends nothing
    // to close either side.
    v.price = trigger - p("5");
    let sent_before = r.e.orders.open_orders().len();
    assert_eq!(sent_before, 2);
    v.pump(&mut r, Vec::new(), 3);
    assert_eq!(v.sides(), (q("0"), q("0")));
    assert_eq!(v.sim.open_orders().count(), 0);
    assert_eq!((r.e.position(sym("BTCUSDT")), r.e.leg_position(sym("BTCUSDT"))), (q("0"), q("0")));
    assert!(r.e.hedge_legs().is_empty());
    assert!(r.e.orders.open_orders().is_empty(), "{:?}", r.e.orders.open_orders());
    // Both closed at the trigger's crossing: the long lost, the leg gained.
    let trades = r.e.closed_trades();
    let leg = trades.iter().find(|t| t.side == Side::Sell).expect("the leg's round trip");
    let long = trades.iter().find(|t| t.side == Side::Buy).expect("the long's round trip");
    assert_eq!((leg.qty, long.qty), (q("0.05"), q("0.1")));
    assert!(leg.gross_pnl.is_positive() && long.gross_pnl.is_negative(), "{leg:?} {long:?}");
}
