use super::*;
use crate::domain::{
    ClientOrderId, ExecId, Instrument, Money, OrderId, OrderOrigin, OrderType, Position, Price, Qty, Rate, Side,
    Symbol, TimeInForce,
};
use crate::risk::{RiskConfig, RiskContext, RiskEngine, TradingState};

fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap()
}
fn q(s: &str) -> Qty {
    s.parse().unwrap()
}
fn btc() -> Instrument {
    Instrument::demo(sym("BTCUSDT"), "0.1", "0.001", "0.001", "100")
}

fn ctx(inst: &Instrument) -> RiskContext<'_> {
    RiskContext {
        instrument: inst,
        position: Qty::ZERO,
        last_price: Price::from_int(50_000),
        mark_price: Price::ZERO,
        equity: Money::from_int(100_000),
        total_exposure: Money::ZERO,
        open_positions: 0,
        open_buy: Qty::ZERO,
        open_sell: Qty::ZERO,
        others: &[],
    }
}

fn limit(m: &mut OrderManager, qty: &str, ts: i64) -> OrderRequest {
    OrderRequest {
        position_idx: Default::default(),
        client_order_id: m.next_client_id(ts, "t"),
        symbol: sym("BTCUSDT"),
        side: Side::Buy,
        order_type: OrderType::Limit,
        qty: q(qty),
        price: Some(Price::from_int(50_000)),
        trigger_price: None,
        trigger_direction: None,
        time_in_force: TimeInForce::Gtc,
        reduce_only: false,
        origin: OrderOrigin::Strategy(0),
        decision_price: Price::from_int(50_000),
        ts_ms: ts,
    }
}

fn up(id: ClientOrderId, status: OrderStatus, qty: &str, price: i64, ts: i64) -> OrderUpdate {
    OrderUpdate {
        client_order_id: id,
        order_id: Some(OrderId::new("x-1").unwrap()),
        symbol: sym("BTCUSDT"),
        status,
        qty: q(qty),
        price: Some(Price::from_int(price)),
        trigger_price: None,
        filled_qty: Qty::ZERO,
        ts_ms: ts,
        reason: None,
    }
}

fn fill(id: ClientOrderId, side: Side, price: &str, qty: &str, exec: &str) -> Fill {
    Fill {
        symbol: sym("BTCUSDT"),
        client_order_id: id,
        order_id: OrderId::new("x-1").unwrap(),
        exec_id: ExecId::new(exec).unwrap(),
        side,
        price: price.parse().unwrap(),
        qty: q(qty),
        fee: "0.1".parse().unwrap(),
        fee_rate: Rate::ZERO,
        is_maker: false,
        ts_ms: 5,
    }
}

#[test]
fn amend_and_cancel_go_through_risk_and_idempotent_ids() {
    let risk = RiskEngine::new(RiskConfig::default());
    let inst = btc();
    let mut m = OrderManager::new("ab");
    let mut out = Vec::new();
    let r = limit(&mut m, "0.2", 1);
    let id = r.client_order_id;
    m.submit(risk.check(r, &ctx(&inst)).unwrap(), &mut out);
    assert_eq!(m.try_submit(risk.check(r, &ctx(&inst)).unwrap(), &mut out), Err(ExecError::DuplicateId(id)));
    assert_eq!(m.working_qty(sym("BTCUSDT")), (q("0.2"), Qty::ZERO));
    m.on_update(&up(id, OrderStatus::New, "0.2", 50_000, 2), &mut out);
    out.clear();
    let amended = m.amended_request(id, Some(q("0.3")), Some(Price::from_int(49_900)), None, 3).unwrap();
    let mut c = ctx(&inst);
    (c.open_buy, c.open_sell) = m.working_qty_except(sym("BTCUSDT"), Some(id));
    assert_eq!(c.open_buy, Qty::ZERO);
    m.amend(risk.check(amended, &c).unwrap(), &mut out).unwrap();
    assert_eq!(
        out,
        [Action::AmendOrder {
            symbol: sym("BTCUSDT"),
            client_order_id: id,
            qty: Some(q("0.3")),
            price: Some(Price::from_int(49_900)),
            trigger_price: None
        }]
    );
    assert_eq!(m.inflight_count(), 1);
    m.on_update(&up(id, OrderStatus::New, "0.3", 49_900, 4), &mut out);
    assert_eq!((m.get(&id).unwrap().qty, m.inflight_count()), (q("0.3"), 0));
    out.clear();
    m.cancel(id, &mut out).unwrap();
    assert_eq!(out, [Action::CancelOrder { symbol: sym("BTCUSDT"), client_order_id: id }]);
    m.on_update(&up(id, OrderStatus::Cancelled, "0.3", 49_900, 6), &mut out);
    assert_eq!(m.cancel(id, &mut out), Err(ExecError::NotWorking { id, status: OrderStatus::Cancelled }));
    let ghost = ClientOrderId::new("ghost").unwrap();
    assert_eq!(m.cancel(ghost, &mut out), Err(ExecError::UnknownOrder(ghost)));
}

#[test]
fn unanswered_requests_are_requeried_then_lost() {
    let risk = RiskEngine::new(RiskConfig::default());
    let inst = btc();
    let mut m = OrderManager::with_config("ab", ExecConfig { ack_timeout_ms: 1_000, max_requeries: 2 });
    let mut out = Vec::new();
    let r = limit(&mut m, "0.1", 1);
    let id = r.client_order_id;
    m.submit(risk.check(r, &ctx(&inst)).unwrap(), &mut out);
    // The first tick after sending stamps the request: its age counts from there.
    assert!(m.on_time(500).is_empty());
    assert!(m.on_time(1_499).is_empty());
    let requery = |attempt| TimeoutAction::Requery {
        symbol: sym("BTCUSDT"),
        client_order_id: id,
        kind: RequestKind::Place,
        attempt,
    };
    assert_eq!(m.on_time(1_500), [requery(1)]);
    assert!(m.on_time(2_499).is_empty());
    assert_eq!(m.on_time(2_501), [requery(2)]);
    let lost = m.on_time(3_501);
    assert_eq!(lost, [TimeoutAction::Lost { symbol: sym("BTCUSDT"), client_order_id: id, kind: RequestKind::Place }]);
    assert!(lost[0].alert(3_501).unwrap().message.contains("order marked lost"));
    assert_eq!(m.lost().count(), 1);
    assert!(m.on_time(10_000).is_empty());
    // A late acknowledgement settles it.
    m.on_update(&up(id, OrderStatus::New, "0.1", 50_000, 10_001), &mut out);
    assert_eq!(m.lost().count(), 0);
}

#[test]
fn fills_carry_slippage_and_fees_and_are_deduplicated() {
    let risk = RiskEngine::new(RiskConfig::default());
    let inst = btc();
    let mut m = OrderManager::new("ab");
    let mut out = Vec::new();
    let r = limit(&mut m, "0.3", 1);
    let id = r.client_order_id;
    m.submit(risk.check(r, &ctx(&inst)).unwrap(), &mut out);
    // Bought 0.2 at 50,010 against a decision at 50,000: 10 x 0.2 = 2 USDT, 2 bps.
    let c = m.on_fill_costed(&fill(id, Side::Buy, "50010", "0.2", "e1"), &mut out).unwrap();
    assert_eq!((c.slippage, c.fee, c.total()), (Money::from_int(2), "0.1".parse().unwrap(), "2.1".parse().unwrap()));
    assert!((c.slippage_bps - 2.0).abs() < 1e-9);
    // The same fill again (a replay after reconnect) is ignored.
    assert!(m.on_fill_costed(&fill(id, Side::Buy, "50010", "0.2", "e1"), &mut out).is_none());
    assert_eq!(m.get(&id).unwrap().filled_qty, q("0.2"));
    // A buy below the decision price is negative slippage (an improvement).
    let c = m.on_fill_costed(&fill(id, Side::Buy, "49990", "0.1", "e2"), &mut out).unwrap();
    assert_eq!(c.slippage, Money::from_int(-1));
    let t = m.costs();
    assert_eq!((t.fills, t.fees, t.slippage), (2, "0.2".parse().unwrap(), Money::from_int(1)));
    assert_eq!(t.notional, "15001".parse().unwrap());
}

#[test]
fn rebalance_to_weights_respects_steps_and_minimums() {
    let btc = btc();
    let mut eth = Instrument::demo(sym("ETHUSDT"), "0.01", "0.01", "0.01", "1000");
    eth.min_notional = Money::from_int(50);
    let sol = Instrument::demo(sym("SOLUSDT"), "0.01", "0.1", "0.1", "10000");
    let h = [
        Holding { instrument: &btc, position: q("0.1"), price: Price::from_int(50_000) },
        Holding { instrument: &eth, position: Qty::ZERO, price: Price::from_int(2_000) },
        Holding { instrument: &sol, position: q("-5"), price: Price::from_int(100) },
    ];
    let w = |s: &str, r: &str| (sym(s), r.parse::<Rate>().unwrap());
    let o = |s: &str, side, qty: &str, reduce_only| RebalanceOrder { symbol: sym(s), side, qty: q(qty), reduce_only };
    // BTC 30 % of 10,000 = 3,000 -> 0.06 (sell 0.04); ETH -25 % -> -1.25; SOL has no target:
    // left alone (its short of 5 stays).
    let got = rebalance(Money::from_int(10_000), &h, &[w("BTCUSDT", "0.3"), w("ETHUSDT", "-0.25")]);
    assert_eq!(got, [o("BTCUSDT", Side::Sell, "0.04", true), o("ETHUSDT", Side::Sell, "1.25", false)]);
    // A weight of 0 closes the named holding (reduce-only), still leaving SOL alone.
    let got = rebalance(Money::from_int(10_000), &h, &[w("BTCUSDT", "0")]);
    assert_eq!(got, [o("BTCUSDT", Side::Sell, "0.1", true)]);
    // SOL named: -10 % of 10,000 at 100 = -10, from -5: sell 5 more (an opening order).
    let got = rebalance(Money::from_int(10_000), &h, &[w("SOLUSDT", "-0.1")]);
    assert_eq!(got, [o("SOLUSDT", Side::Sell, "5", false)]);
    // 0.0337 of 10,000 = 337 USDT at 2,000 = 0.1685 ETH, rounded toward zero on the 0.01 step.
    assert_eq!(target_qty(Money::from_int(10_000), "-0.0337".parse().unwrap(), &h[1]), q("-0.16"));
    // A flip is split; an ETH target worth 40 USDT is under the 50 minimum value.
    let got = rebalance(Money::from_int(10_000), &h[..2], &[w("BTCUSDT", "-0.1"), w("ETHUSDT", "0.004")]);
    assert_eq!(got, [o("BTCUSDT", Side::Sell, "0.1", true), o("BTCUSDT", Side::Sell, "0.02", false)]);
}

#[test]
fn hedge_offsets_exposure_times_ratio() {
    let eth = Instrument::demo(sym("ETHUSDT"), "0.01", "0.01", "0.01", "1000");
    let hedge = |pos: &str| Holding { instrument: &eth, position: q(pos), price: Price::from_int(2_000) };
    let ratio: Rate = "0.8".parse().unwrap();
    let o = |side, qty: &str, reduce_only| RebalanceOrder { symbol: sym("ETHUSDT"), side, qty: q(qty), reduce_only };
    // 10,000 long x 0.8 = 8,000 -> 4 ETH short.
    assert_eq!(hedge_order(Money::from_int(10_000), &hedge("0"), ratio), [o(Side::Sell, "4", false)]);
    assert_eq!(hedge_order(Money::from_int(10_000), &hedge("-3"), ratio), [o(Side::Sell, "1", false)]);
    assert_eq!(hedge_order(Money::from_int(10_000), &hedge("-5"), ratio), [o(Side::Buy, "1", true)]);
    assert!(hedge_order(Money::from_int(10_000), &hedge("-4"), ratio).is_empty());
}

#[test]
fn kill_switch_cancels_everything_and_flattens_in_chunks() {
    let mut risk = RiskEngine::new(RiskConfig::default());
    let mut b = btc();
    b.max_market_qty = q("0.2");
    let eth = Instrument::demo(sym("ETHUSDT"), "0.01", "0.01", "0.01", "1000");
    let mut m = OrderManager::new("ab");
    let mut out = Vec::new();
    let r = limit(&mut m, "0.1", 1);
    m.submit(risk.check(r, &ctx(&b)).unwrap(), &mut out);
    out.clear();
    let h = [
        Holding { instrument: &b, position: q("0.3"), price: Price::from_int(50_000) },
        Holding { instrument: &eth, position: q("-2"), price: Price::from_int(2_000) },
    ];
    let refused = kill_switch(&mut risk, &mut m, &h, Money::from_int(100_000), 10, &mut out);
    assert!(refused.is_empty(), "{refused:?}");
    assert_eq!(risk.state(), TradingState::Halted);
    assert_eq!(out[0], Action::CancelAll { symbol: None });
    let placed: Vec<_> = out
        .iter()
        .filter_map(|a| match a {
            Action::PlaceOrder(r) => Some((r.symbol.to_string(), r.side, r.qty.to_string(), r.reduce_only, r.origin)),
            _ => None,
        })
        .collect();
    let f = OrderOrigin::Flatten;
    assert_eq!(
        placed,
        [
            ("BTCUSDT".to_string(), Side::Sell, "0.2".to_string(), true, f),
            ("BTCUSDT".into(), Side::Sell, "0.1".into(), true, f),
            ("ETHUSDT".into(), Side::Buy, "2".into(), true, f),
        ]
    );
    // New risk is refused while halted.
    assert!(risk.check(limit(&mut m, "0.1", 11), &ctx(&b)).is_err());
}

#[test]
fn reconcile_adopts_the_venue_state() {
    let risk = RiskEngine::new(RiskConfig::default());
    let inst = btc();
    let mut m = OrderManager::new("ab");
    let mut out = Vec::new();
    let ids: Vec<_> = (0..3)
        .map(|k| {
            let r = limit(&mut m, "0.2", k);
            m.submit(risk.check(r, &ctx(&inst)).unwrap(), &mut out);
            m.on_update(&up(r.client_order_id, OrderStatus::New, "0.2", 50_000, k), &mut out);
            r.client_order_id
        })
        .collect();
    // While away: order 0 filled (fill seen in history), order 1 cancelled, order 2 still working
    // but amended to 0.25 at the venue; plus an order we never knew.
    let mut still = m.get(&ids[2]).unwrap().clone();
    still.qty = q("0.25");
    let mut stranger = still.clone();
    stranger.request.client_order_id = ClientOrderId::new("web-1").unwrap();
    let venue_orders = [still, stranger];
    let fills = [fill(ids[0], Side::Buy, "50000", "0.2", "e9")];
    let mut pos = Position::flat(sym("BTCUSDT"));
    pos.size = q("0.2");
    let snap = VenueSnapshot { open_orders: &venue_orders, positions: &[pos], fills: &fills };
    out.clear();
    let d = m.reconcile(&snap, &[(sym("BTCUSDT"), Qty::ZERO)], 100, &mut out);
    let text: Vec<String> = d.iter().map(|x| x.to_string()).collect();
    assert_eq!(d.len(), 5, "{text:#?}");
    assert!(matches!(d[0], Discrepancy::MissedFill(_)));
    assert_eq!(
        d[1],
        Discrepancy::OrderClosed {
            client_order_id: ids[1],
            symbol: sym("BTCUSDT"),
            was: OrderStatus::New,
            now: OrderStatus::Cancelled
        }
    );
    assert!(matches!(d[2], Discrepancy::OrderChanged { now: OrderStatus::New, .. }));
    assert!(matches!(d[3], Discrepancy::UnknownVenueOrder { .. }));
    assert_eq!(d[4], Discrepancy::PositionMismatch { symbol: sym("BTCUSDT"), local: Qty::ZERO, venue: q("0.2") });
    assert_eq!(m.get(&ids[0]).unwrap().status, OrderStatus::Filled);
    assert_eq!(m.get(&ids[2]).unwrap().qty, q("0.25"));
    assert_eq!(m.open_count(), 2);
    // Reconciling again changes nothing but the position the caller has not adopted yet.
    let d = m.reconcile(&snap, &[(sym("BTCUSDT"), q("0.2"))], 101, &mut out);
    assert!(d.is_empty(), "{d:?}");
}
