//! The engine's risk wiring, by hand-fed events: the stop manager (trailing, break-even, partial
//! targets, strategy moves), correlation-aware exposure, request timeouts and reconciliation.

use super::tests_support::*;
use crate::domain::{
    Action, Balance, Command, Event, ManualOrder, Money, Order, OrderOrigin, OrderRequest, OrderStatus, OrderType,
    Position, Qty, Rate, Side, TimeInForce, VenueAccount,
};
use crate::risk::RiskConfig;

fn manual(symbol: &str, side: Side, qty: &str, price: Option<&str>) -> Event {
    Event::Command(Command::PlaceOrder(ManualOrder {
        symbol: sym(symbol),
        side,
        order_type: if price.is_some() { OrderType::Limit } else { OrderType::Market },
        qty: q(qty),
        price: price.map(p),
        trigger_price: None,
        time_in_force: if price.is_some() { TimeInForce::Gtc } else { TimeInForce::Ioc },
        reduce_only: false,
    }))
}

fn placed(actions: &[Action]) -> Vec<OrderRequest> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::PlaceOrder(r) => Some(*r),
            _ => None,
        })
        .collect()
}

/// 20 flat bars at 100 (ATR 2), then a market buy of 1 filled at 100.
fn long_at_100(desk: &mut Desk, e: &mut super::Engine) -> Vec<Action> {
    for k in 0..20 {
        desk.feed(e, &bar("BTCUSDT", k, p("100")));
    }
    desk.feed(e, &manual("BTCUSDT", Side::Buy, "1", None))
}

#[test]
fn up_trend_ratchets_the_stop_break_even_covers_fees_and_targets_sell_their_fraction() {
    let mut e = engine(RiskConfig::default(), &["BTCUSDT"]);
    let mut desk = Desk::default();
    let acts = long_at_100(&mut desk, &mut e);
    // ATR 2 × stop_atr_multiple 2 = 4 below the 100 entry: R = 4.
    let stop = placed(&acts).into_iter().find(|r| r.trigger_price.is_some()).expect("a protective stop");
    assert_eq!((stop.side, stop.qty, stop.trigger_price, stop.reduce_only), (Side::Sell, q("1"), Some(p("96")), true));
    // One point a bar up to 120.
    let mut exits = Vec::new();
    for k in 20..40 {
        let close = crate::domain::Price::from_int(100 + k - 19);
        let acts = desk.feed(&mut e, &bar("BTCUSDT", k, close));
        exits.extend(placed(&acts).into_iter().filter(|r| r.origin == OrderOrigin::Protective(0)));
    }
    let moves: Vec<String> = desk.amends.iter().map(|(_, t)| t.to_string()).collect();
    // 103: trail 103 − 3 ATR = 97. 104 (+1R): break-even = 100 + 2 × 0.055 fee per unit.
    // 105, 106: the trail (99, 100) is under break-even. Then 101 at 107, ... 114 at 120.
    let mut want = vec!["97".to_string(), "100.11".to_string()];
    want.extend((101..=114).map(|v| v.to_string()));
    assert_eq!(moves, want);
    // Targets: 1.5R = 106 sells half, 3R = 112 a quarter of the initial quantity.
    let sizes: Vec<(Side, Qty, bool)> = exits.iter().map(|r| (r.side, r.qty, r.reduce_only)).collect();
    assert_eq!(sizes, [(Side::Sell, q("0.5"), true), (Side::Sell, q("0.25"), true)]);
    assert_eq!(e.position(sym("BTCUSDT")), q("0.25"));
    // The stop order follows the remaining size.
    assert_eq!(desk.orders[&stop.client_order_id].qty, q("0.25"));
    // A fall: the stop never moves down (the double does not trigger it).
    let n = desk.amends.len();
    for k in 40..50 {
        desk.feed(&mut e, &bar("BTCUSDT", k, crate::domain::Price::from_int(120 - (k - 39))));
    }
    assert_eq!(desk.amends.len(), n, "{:?}", &desk.amends[n..]);
}

#[test]
fn strategy_stop_requests_go_through_the_manager_and_only_tighten() {
    let mut e =
        engine(RiskConfig { trail_atr_multiple: 0.0, break_even_r: 0.0, ..RiskConfig::default() }, &["BTCUSDT"]);
    let mut desk = Desk::default();
    long_at_100(&mut desk, &mut e);
    let mut out = Vec::new();
    let ts = e.now_ms();
    // Looser than 96, and through the price: refused.
    assert_eq!(e.request_stop(0, p("95"), ts, &mut out), None);
    assert_eq!(e.request_stop(0, p("100.5"), ts, &mut out), None);
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(e.request_stop(0, p("98.5"), ts, &mut out), Some((p("96"), p("98.5"))));
    assert!(matches!(out[..], [Action::AmendOrder { trigger_price: Some(t), qty: None, .. }] if t == p("98.5")));
    assert_eq!(e.request_stop(0, p("98"), ts, &mut out), None);
}

#[test]
fn correlated_exposure_is_capped_across_symbols() {
    let risk = RiskConfig { max_correlated_notional: 1_000.0, correlation_window: 10, ..RiskConfig::default() };
    let mut e = engine(risk, &["BTCUSDT", "ETHUSDT"]);
    let mut desk = Desk::default();
    // Two series with the same returns: correlation 1.
    for k in 0..13 {
        let close = crate::domain::Price::from_int([100, 101, 102][k as usize % 3]);
        desk.feed(&mut e, &bar("BTCUSDT", k, close));
        desk.feed(&mut e, &bar("ETHUSDT", k, close));
    }
    let c = e.risk.correlations().correlation(sym("BTCUSDT"), sym("ETHUSDT")).unwrap();
    assert!((c - 1.0).abs() < 1e-9, "{c}");
    desk.feed(&mut e, &manual("BTCUSDT", Side::Buy, "8", None));
    assert_eq!(e.position(sym("BTCUSDT")), q("8"));
    // 400 more long in ETH: 800 + 400 = 1,200 correlated, 200 over.
    let acts = desk.feed(&mut e, &manual("ETHUSDT", Side::Buy, "4", None));
    assert!(placed(&acts).is_empty());
    let a = alerts(&acts);
    assert!(
        a.iter().any(|m| m.contains("correlated exposure 1,200.00 USDT exceeds limit 1,000.00 by 200.00")),
        "{a:?}"
    );
    // The other direction is not the same exposure.
    let acts = desk.feed(&mut e, &manual("ETHUSDT", Side::Sell, "4", None));
    assert_eq!(placed(&acts).iter().filter(|r| r.trigger_price.is_none()).count(), 1, "{:?}", alerts(&acts));
    assert_eq!(e.position(sym("ETHUSDT")), q("-4"));
}

#[test]
fn an_unacknowledged_order_is_cancelled_then_marked_lost_with_alerts() {
    let mut e = engine(RiskConfig::default(), &["BTCUSDT"]);
    let mut desk = Desk { silent: true, ..Desk::default() };
    desk.feed(&mut e, &bar("BTCUSDT", 0, p("100")));
    let t = e.now_ms();
    let acts = desk.feed(&mut e, &manual("BTCUSDT", Side::Buy, "1", Some("99")));
    let id = placed(&acts)[0].client_order_id;
    // The runtime's first tick after sending stamps the request.
    assert!(e.on_event(&Event::Timer { ts_ms: t }).is_empty());
    assert!(e.on_event(&Event::Timer { ts_ms: t + 4_999 }).is_empty());
    for attempt in 1..=3 {
        let acts = e.on_event(&Event::Timer { ts_ms: t + 5_000 * attempt });
        assert!(matches!(acts[0], Action::CancelOrder { client_order_id, .. } if client_order_id == id), "{acts:?}");
        let a = alerts(&acts);
        assert_eq!(a.len(), 1);
        assert!(a[0].starts_with("Warning order") && a[0].contains(&format!("(try {attempt}): cancel sent")), "{a:?}");
    }
    let a = alerts(&e.on_event(&Event::Timer { ts_ms: t + 20_000 }));
    assert!(a.len() == 1 && a[0].starts_with("Critical order") && a[0].contains("marked lost"), "{a:?}");
    assert!(e.on_event(&Event::Timer { ts_ms: t + 60_000 }).is_empty());
    assert_eq!(e.orders.lost().count(), 1);
    // An answering venue: nothing times out.
    let mut e = engine(RiskConfig::default(), &["BTCUSDT"]);
    let mut desk = Desk::default();
    desk.feed(&mut e, &bar("BTCUSDT", 0, p("100")));
    desk.feed(&mut e, &manual("BTCUSDT", Side::Buy, "1", Some("99")));
    assert!(e.on_event(&Event::Timer { ts_ms: t + 60_000 }).is_empty());
}

/// An accelerated venue (`mock-exchange --speed 50`): market time runs hours ahead while the
/// venue takes a wall-clock moment to answer. Market data never ages a request; only the
/// runtime's timer does.
#[test]
fn market_time_racing_ahead_does_not_time_out_requests() {
    let mut e = engine(RiskConfig::default(), &["BTCUSDT"]);
    let mut desk = Desk { silent: true, ..Desk::default() };
    desk.feed(&mut e, &bar("BTCUSDT", 0, p("100")));
    let wall = 1_000_000;
    assert!(e.on_event(&Event::Timer { ts_ms: wall }).is_empty());
    let acts = desk.feed(&mut e, &manual("BTCUSDT", Side::Buy, "1", Some("99")));
    let id = placed(&acts)[0].client_order_id;
    // Three hours of market time go by in a wall-clock second.
    for k in 1..=180 {
        let acts = e.on_event(&bar("BTCUSDT", k, p("100")));
        assert!(!acts.iter().any(|a| matches!(a, Action::CancelOrder { .. })), "minute {k}: {acts:?}");
    }
    assert!(e.on_event(&Event::Timer { ts_ms: wall + 1_000 }).is_empty());
    assert!(e.on_event(&Event::Timer { ts_ms: wall + 5_999 }).is_empty());
    // Five seconds on the runtime's clock after the first tick that saw it: re-queried.
    let acts = e.on_event(&Event::Timer { ts_ms: wall + 6_000 });
    assert!(matches!(acts[0], Action::CancelOrder { client_order_id, .. } if client_order_id == id), "{acts:?}");
    // The day still follows market time, not the timer.
    assert_eq!(e.now_ms(), super::tests_support::T0 + 180 * 60_000);
}

fn stranger(symbol: &str) -> Order {
    let mut o = Order::new(OrderRequest {
        position_idx: Default::default(),
        client_order_id: crate::domain::ClientOrderId::new("web-1").unwrap(),
        symbol: sym(symbol),
        side: Side::Buy,
        order_type: OrderType::Limit,
        qty: q("0.5"),
        price: Some(p("90")),
        trigger_price: None,
        trigger_direction: None,
        time_in_force: TimeInForce::Gtc,
        reduce_only: false,
        origin: OrderOrigin::Manual,
        decision_price: p("90"),
        ts_ms: T0,
    });
    o.status = OrderStatus::New;
    o
}

fn venue_position(symbol: &str, size: &str, entry: &str) -> Position {
    let size = q(size);
    Position {
        position_idx: Default::default(),
        symbol: sym(symbol),
        size,
        entry_value: p(entry) * size.abs(),
        leverage: Rate::ONE,
        mark_price: p(entry),
        unrealised_pnl: crate::domain::Money::ZERO,
        realised_pnl: crate::domain::Money::ZERO,
        margin: crate::domain::Money::ZERO,
        liq_price: None,
        ts_ms: T0,
    }
}

#[test]
fn reconcile_adopts_the_venue_orders_and_positions_and_re_protects() {
    let mut e = engine(RiskConfig::default(), &["BTCUSDT", "ETHUSDT"]);
    let mut desk = Desk::default();
    let acts = long_at_100(&mut desk, &mut e);
    let old_stop = placed(&acts).into_iter().find(|r| r.trigger_price.is_some()).unwrap().client_order_id;
    // While away: the stop went, someone placed an order, the position doubled.
    let ts = e.now_ms() + 60_000;
    let account = VenueAccount {
        ts_ms: ts,
        open_orders: vec![stranger("BTCUSDT")],
        positions: vec![venue_position("BTCUSDT", "2", "100")],
        fills: vec![],
        balance: None,
    };
    let acts = e.on_event(&Event::Reconcile(Box::new(account)));
    let a = alerts(&acts);
    assert!(a.iter().any(|m| m.contains(&format!("order {old_stop} was Untriggered here"))), "{a:?}");
    assert!(a.iter().any(|m| m.starts_with("Critical reconcile") && m.contains("web-1")), "{a:?}");
    assert!(
        a.iter().any(|m| m.starts_with("Critical reconcile") && m.contains("position 1 here, 2 at the venue")),
        "{a:?}"
    );
    assert_eq!(e.position(sym("BTCUSDT")), q("2"));
    assert!(e.orders.get(&crate::domain::ClientOrderId::new("web-1").unwrap()).is_some_and(|o| o.status.is_open()));
    assert_eq!(e.orders.get(&old_stop).map(|o| o.status), Some(OrderStatus::Deactivated));
    // Unprotected now: a new stop for the whole (venue) position.
    let stops: Vec<_> = placed(&acts).into_iter().filter(|r| r.trigger_price.is_some()).collect();
    assert_eq!(stops.len(), 1, "{acts:?}");
    assert_eq!((stops[0].side, stops[0].qty, stops[0].trigger_price), (Side::Sell, q("2"), Some(p("96"))));
}

#[test]
fn reconcile_applies_missed_fills_and_a_replayed_fill_counts_once() {
    let mut e = engine(RiskConfig::default(), &["BTCUSDT"]);
    let mut desk = Desk::default();
    desk.feed(&mut e, &bar("BTCUSDT", 0, p("100")));
    let acts = desk.feed(&mut e, &manual("BTCUSDT", Side::Buy, "1", Some("99")));
    let limit = placed(&acts)[0].client_order_id;
    // It filled while we were away.
    let ts = e.now_ms() + 60_000;
    let fill = desk.fill(limit, sym("BTCUSDT"), Side::Buy, q("1"), p("99"), ts - 1);
    let account = VenueAccount {
        ts_ms: ts,
        open_orders: vec![],
        positions: vec![venue_position("BTCUSDT", "1", "99")],
        fills: vec![fill],
        balance: None,
    };
    let acts = e.on_event(&Event::Reconcile(Box::new(account)));
    let a = alerts(&acts);
    assert!(a.iter().any(|m| m.contains("missed fill")), "{a:?}");
    assert!(!a.iter().any(|m| m.contains("at the venue (venue's adopted)")), "{a:?}");
    assert_eq!(e.position(sym("BTCUSDT")), q("1"));
    assert_eq!(e.orders.get(&limit).map(|o| o.status), Some(OrderStatus::Filled));
    // The replay of that fill on the stream changes nothing.
    e.on_event(&Event::Fill(fill));
    assert_eq!(e.position(sym("BTCUSDT")), q("1"));
    assert_eq!(e.symbols[0].position.entry_price(), Some(p("99")));
}

#[test]
fn day_pnl_counts_from_the_first_known_equity_when_the_balance_arrives_late() {
    // A live run: instruments, then warm-up candles, then the account snapshot.
    let mut e = super::Engine::new(config(crate::risk::RiskConfig::default()));
    e.on_event(&Event::Instrument(inst("BTCUSDT")));
    for k in 0..3 {
        e.on_event(&bar("BTCUSDT", k, p("100")));
    }
    let m = Money::from_int(100_000);
    let b = Balance {
        wallet_balance: m,
        equity: m,
        available: m,
        used_margin: Money::ZERO,
        unrealised_pnl: Money::ZERO,
        ts_ms: T0 + 180_000,
    };
    e.on_event(&Event::Balance(b));
    e.on_event(&bar("BTCUSDT", 3, p("100")));
    let account = e.snapshot().account;
    assert_eq!(account.balance.map(|b| b.equity), Some(m));
    assert_eq!(account.day_pnl, Money::ZERO, "not +100,000 counted from the zero before the balance");
}
