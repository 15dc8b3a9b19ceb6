//! The order manager converges to the exchange's state after a simulated restart during which
//! orders were filled or cancelled (and one was placed by someone else): the simulated exchange
//! is "the exchange", the manager restarts from its recorded orders and reconciles.

mod common_risk;

use autobot::domain::{
    Action, ClientOrderId, Event, Order, OrderOrigin, OrderRequest, OrderType, Qty, Side, TimeInForce,
};
use autobot::exchange::ExecutionVenue;
use autobot::execution::{Discrepancy, ExecConfig, OrderManager, VenueSnapshot};
use autobot::risk::RiskConfig;
use common_risk::Harness;
use proptest::prelude::*;
use std::collections::HashMap;

fn loose() -> RiskConfig {
    RiskConfig {
        max_open_positions: 3,
        max_leverage: 10.0,
        max_correlated_notional: 1e9,
        max_daily_loss_pct: 1.0,
        max_drawdown_pct: 1.0,
        ..RiskConfig::default()
    }
}

#[derive(Debug, Clone)]
enum Down {
    Trade { s: usize, bps: i64 },
    Cancel { nth: usize },
    Stranger { s: usize, buy: bool },
}

fn down() -> impl Strategy<Value = Down> {
    prop_oneof![
        4 => (0usize..3, -250i64..250).prop_map(|(s, bps)| Down::Trade { s, bps }),
        1 => (0usize..8).prop_map(|nth| Down::Cancel { nth }),
        1 => (0usize..3, any::<bool>()).prop_map(|(s, buy)| Down::Stranger { s, buy }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn manager_converges_to_the_exchange_after_a_restart(
        orders in prop::collection::vec((0usize..3, any::<bool>(), 1i64..60, 20i64..250), 1..8),
        while_down in prop::collection::vec(down(), 1..25),
    ) {
        let mut h = Harness::new(loose());
        // Resting limits on both sides of the market, and a market order for a position.
        for (s, buy, steps, bps) in orders {
            let side = if buy { Side::Buy } else { Side::Sell };
            let off = if buy { -bps } else { bps };
            let _ = h.order(s, side, steps, Some(off), OrderOrigin::Strategy(0), false);
        }
        let _ = h.order(0, Side::Buy, 20, None, OrderOrigin::Strategy(0), false);
        h.move_price(0, 0);
        // Crash: what storage holds is the last recorded state of each order and the fills seen.
        let mut stored: HashMap<ClientOrderId, Order> = HashMap::new();
        for o in &h.recorded {
            stored.insert(o.client_order_id(), o.clone());
        }
        let seen: Vec<_> = h.history.iter().map(|f| f.exec_id).collect();
        let positions_before: Vec<_> = (0..3).map(|s| (h.symbol(s), h.book.get(h.symbol(s)))).collect();
        // While down: the exchange moves on without us.
        let mut strangers = 0;
        for d in while_down {
            let events = match d {
                Down::Trade { s, bps } => h.venue_trade(s, bps),
                Down::Cancel { nth } => {
                    let open: Vec<_> = h.sim.open_orders().map(|o| (o.symbol(), o.client_order_id())).collect();
                    let mut ev = Vec::new();
                    if !open.is_empty() {
                        let (symbol, client_order_id) = open[nth % open.len()];
                        h.sim.execute(&Action::CancelOrder { symbol, client_order_id }, h.now, &mut ev);
                    }
                    ev
                }
                Down::Stranger { s, buy } => {
                    strangers += 1;
                    let i = h.insts[s];
                    let p = h.prices[s];
                    let tick = i.tick_size;
                    let price = if buy { p - tick.times(50) } else { p + tick.times(50) };
                    let req = OrderRequest {
                        position_idx: Default::default(),
                        client_order_id: ClientOrderId::new(&format!("web-{strangers}")).unwrap(),
                        symbol: i.symbol,
                        side: if buy { Side::Buy } else { Side::Sell },
                        order_type: OrderType::Limit,
                        qty: i.min_qty,
                        price: Some(price),
                        trigger_price: None,
                        trigger_direction: None,
                        time_in_force: TimeInForce::Gtc,
                        reduce_only: false,
                        origin: OrderOrigin::Manual,
                        decision_price: p,
                        ts_ms: h.now,
                    };
                    let mut ev = Vec::new();
                    h.sim.execute(&Action::PlaceOrder(req), h.now, &mut ev);
                    ev
                }
            };
            for e in events {
                if let Event::Fill(f) = e {
                    h.history.push(f);
                }
            }
        }
        // Restart and reconcile against what the exchange says.
        let mut m = OrderManager::restore("pt", ExecConfig::default(), stored.into_values(), seen);
        let venue_orders: Vec<Order> = h.sim.open_orders().cloned().collect();
        let venue_positions: Vec<_> = (0..3).map(|s| h.sim.position(h.symbol(s))).collect();
        let snap = VenueSnapshot { open_orders: &venue_orders, positions: &venue_positions, fills: &h.history };
        let mut out = Vec::new();
        let diffs = m.reconcile(&snap, &positions_before, h.now, &mut out);
        for d in &diffs {
            if let Discrepancy::PositionMismatch { symbol, venue, .. } = d {
                h.book.set(*symbol, *venue);
            }
        }
        // Every order the exchange holds, we hold in the same state; nothing else is open here.
        for v in &venue_orders {
            let o = m.get(&v.client_order_id()).expect("venue order known after reconcile");
            prop_assert_eq!((o.status, o.qty, o.filled_qty), (v.status, v.qty, v.filled_qty));
        }
        prop_assert_eq!(m.open_count(), venue_orders.len());
        // Filled quantities equal the exchange's fills for every order we remember.
        for o in m.open_orders() {
            let filled: Qty = h.history.iter().filter(|f| f.client_order_id == o.client_order_id()).map(|f| f.qty).sum();
            prop_assert_eq!(o.filled_qty, filled);
        }
        for s in 0..3 {
            prop_assert_eq!(h.book.get(h.symbol(s)), h.sim.position(h.symbol(s)).size);
        }
        // A second reconcile finds nothing new.
        let again = m.reconcile(&snap, h.book.as_slice(), h.now, &mut out);
        prop_assert!(again.is_empty(), "{:?}", again);
        // And the restarted manager follows the exchange from here on.
        h.orders = m;
        for s in 0..3 {
            h.move_price(s, -300);
            h.move_price(s, 600);
        }
        h.assert_positions_match_fills();
        let venue_open: Vec<_> = h.sim.open_orders().map(|o| o.client_order_id()).collect();
        prop_assert_eq!(h.orders.open_count(), venue_open.len());
    }
}

/// A fixed outage: one resting buy fills, one resting sell is cancelled by someone else, and a
/// stranger's order appears; reconciliation reports each and adopts the position.
#[test]
fn a_fixed_outage_is_reported_difference_by_difference() {
    let mut h = Harness::new(loose());
    h.order(0, Side::Buy, 10, Some(-100), OrderOrigin::Strategy(0), false).unwrap();
    h.order(0, Side::Sell, 10, Some(100), OrderOrigin::Strategy(0), false).unwrap();
    let stored: Vec<Order> = h.orders.open_orders().into_iter().cloned().collect();
    assert_eq!(stored.len(), 2);
    let (buy, sell) = (stored[0].client_order_id(), stored[1].client_order_id());
    // Down: the price falls 2 % through the buy; the sell is cancelled on the website.
    for e in h.venue_trade(0, -200) {
        if let Event::Fill(f) = e {
            h.history.push(f);
        }
    }
    let mut ev = Vec::new();
    h.sim.execute(&Action::CancelOrder { symbol: h.symbol(0), client_order_id: sell }, h.now, &mut ev);
    let mut m = OrderManager::restore("pt", ExecConfig::default(), stored, Vec::new());
    let venue_positions: Vec<_> = (0..3).map(|s| h.sim.position(h.symbol(s))).collect();
    let snap = VenueSnapshot { open_orders: &[], positions: &venue_positions, fills: &h.history };
    let mut out = Vec::new();
    let d = m.reconcile(&snap, &[(h.symbol(0), Qty::ZERO)], h.now, &mut out);
    let text: Vec<String> = d.iter().map(|x| x.to_string()).collect();
    assert_eq!(d.len(), 3, "{text:#?}");
    assert!(matches!(d[0], Discrepancy::MissedFill(f) if f.client_order_id == buy));
    assert!(
        matches!(d[1], Discrepancy::OrderClosed { client_order_id, now: autobot::domain::OrderStatus::Cancelled, .. } if client_order_id == sell)
    );
    assert_eq!(
        d[2],
        Discrepancy::PositionMismatch { symbol: h.symbol(0), local: Qty::ZERO, venue: "0.01".parse().unwrap() }
    );
    assert_eq!(m.get(&buy).unwrap().status, autobot::domain::OrderStatus::Filled);
    assert_eq!(m.open_count(), 0);
}
