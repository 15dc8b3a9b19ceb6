use super::*;
use crate::domain::{
    ClientOrderId, ExecId, Instrument, Money, OrderId, OrderOrigin, OrderType, Price, Qty, Rate, Side, Symbol,
    TimeInForce,
};
use crate::risk::{RiskConfig, RiskContext, RiskEngine};

fn sym() -> Symbol {
    Symbol::new("BTCUSDT").unwrap()
}

fn approved(m: &mut OrderManager, qty: &str) -> RiskApproved<OrderRequest> {
    let inst = Instrument::demo(sym(), "0.1", "0.001", "0.001", "100");
    let req = OrderRequest {
        position_idx: Default::default(),
        client_order_id: m.next_client_id(1_700_000_000_000, "t"),
        symbol: sym(),
        side: Side::Buy,
        order_type: OrderType::Limit,
        qty: qty.parse().unwrap(),
        price: Some(Price::from_int(50_000)),
        trigger_price: None,
        trigger_direction: None,
        time_in_force: TimeInForce::Gtc,
        reduce_only: false,
        origin: OrderOrigin::Strategy(0),
        decision_price: Price::from_int(50_000),
        ts_ms: 1,
    };
    let ctx = RiskContext {
        instrument: &inst,
        position: Qty::ZERO,
        last_price: Price::from_int(50_000),
        equity: Money::from_int(100_000),
        total_exposure: Money::ZERO,
        open_positions: 0,
        mark_price: Price::ZERO,
        open_buy: Qty::ZERO,
        open_sell: Qty::ZERO,
        others: &[],
    };
    RiskEngine::new(RiskConfig::default()).check(req, &ctx).unwrap()
}

fn update(id: ClientOrderId, status: OrderStatus, ts: i64) -> OrderUpdate {
    OrderUpdate {
        client_order_id: id,
        order_id: Some(OrderId::new("x-1").unwrap()),
        symbol: sym(),
        status,
        qty: "0.2".parse().unwrap(),
        price: Some(Price::from_int(50_000)),
        trigger_price: None,
        filled_qty: Qty::ZERO,
        ts_ms: ts,
        reason: None,
    }
}

fn fill(id: ClientOrderId, qty: &str, exec: &str) -> Fill {
    Fill {
        symbol: sym(),
        client_order_id: id,
        order_id: OrderId::new("x-1").unwrap(),
        exec_id: ExecId::new(exec).unwrap(),
        side: Side::Buy,
        price: Price::from_int(50_000),
        qty: qty.parse().unwrap(),
        fee: "0.1".parse().unwrap(),
        fee_rate: Rate::ZERO,
        is_maker: true,
        ts_ms: 3,
    }
}

#[test]
fn client_ids_are_unique_short_and_deterministic() {
    let mut a = OrderManager::new("ab");
    let mut b = OrderManager::new("ab");
    let ids: Vec<_> = (0..3).map(|_| a.next_client_id(1_700_000_000_000, "trend")).collect();
    assert_eq!(ids[0].as_str(), "ab-loyw3v28-1-tren");
    assert_ne!(ids[0], ids[1]);
    assert_eq!(b.next_client_id(1_700_000_000_000, "trend"), ids[0]);
    assert!(ids.iter().all(|i| i.as_str().len() <= 36));
}

#[test]
fn order_life_cycle_follows_reports_and_fills() {
    let mut m = OrderManager::new("ab");
    let mut out = Vec::new();
    let a = approved(&mut m, "0.2");
    let id = a.get().client_order_id;
    m.submit(a, &mut out);
    assert!(matches!(out[0], Action::PlaceOrder(r) if r.client_order_id == id));
    assert_eq!(m.get(&id).unwrap().status, OrderStatus::PendingNew);
    m.on_update(&update(id, OrderStatus::New, 2), &mut out);
    assert_eq!(m.get(&id).unwrap().status, OrderStatus::New);
    assert_eq!(m.get(&id).unwrap().order_id.unwrap().as_str(), "x-1");
    assert!(m.on_fill(&fill(id, "0.05", "e1"), &mut out));
    assert_eq!(m.get(&id).unwrap().status, OrderStatus::PartiallyFilled);
    // A status report that runs ahead of its fill does not move quantities.
    m.on_update(&update(id, OrderStatus::Filled, 3), &mut out);
    assert_eq!(m.get(&id).unwrap().filled_qty.to_string(), "0.05");
    m.on_fill(&fill(id, "0.15", "e2"), &mut out);
    let o = m.get(&id).unwrap();
    assert_eq!(
        (o.status, o.filled_qty.to_string(), o.fees.to_string()),
        (OrderStatus::Filled, "0.2".into(), "0.2".into())
    );
    assert_eq!(m.open_count(), 0);
    // A late cancel for a filled order is an impossible transition: alerted, not applied.
    out.clear();
    m.on_update(&update(id, OrderStatus::Cancelled, 4), &mut out);
    assert!(matches!(&out[0], Action::Alert(a) if a.message.contains("impossible in status Filled")));
    assert_eq!(m.get(&id).unwrap().status, OrderStatus::Filled);
}

#[test]
fn unknown_reports_and_overfills_are_alerted() {
    let mut m = OrderManager::new("ab");
    let mut out = Vec::new();
    let ghost = ClientOrderId::new("ghost").unwrap();
    m.on_update(&update(ghost, OrderStatus::New, 1), &mut out);
    assert!(matches!(&out[0], Action::Alert(a) if a.message.contains("unknown order ghost")));
    assert!(!m.on_fill(&fill(ghost, "0.1", "e0"), &mut out));
    let a = approved(&mut m, "0.1");
    let id = a.get().client_order_id;
    m.submit(a, &mut out);
    out.clear();
    m.on_fill(&fill(id, "0.2", "e1"), &mut out);
    assert!(matches!(&out[0], Action::Alert(a) if a.level == crate::domain::AlertLevel::Critical));
    assert_eq!(m.get(&id).unwrap().filled_qty, Qty::ZERO);
}
