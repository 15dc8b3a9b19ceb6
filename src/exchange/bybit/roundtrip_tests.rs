//! Server side: domain values written as Bybit JSON read back to the same domain values, so the
//! mock exchange and the client agree through the wire.

use super::decode::{PrivateDecoder, PrivateEvent, PublicDecoder, PublicEvent};
use super::wire::private::{parse_order_status, reject_reason_of};
use super::wire::public::{trade_id_of, trade_item, BookData};
use super::wire::trade::action_body;
use super::wire::*;
use crate::domain::*;

fn p(s: &str) -> Price {
    s.parse().unwrap()
}
fn q(s: &str) -> Qty {
    s.parse().unwrap()
}
fn m(s: &str) -> Money {
    s.parse().unwrap()
}
fn sym() -> Symbol {
    Symbol::new("BTCUSDT").unwrap()
}

fn stop_request() -> OrderRequest {
    OrderRequest {
        position_idx: Default::default(),
        client_order_id: ClientOrderId::new("ab-1-stop").unwrap(),
        symbol: sym(),
        side: Side::Sell,
        order_type: OrderType::Limit,
        qty: q("0.015"),
        price: Some(p("68000.5")),
        trigger_price: Some(p("68010")),
        trigger_direction: Some(TriggerDirection::Falling),
        time_in_force: TimeInForce::PostOnly,
        reduce_only: true,
        origin: OrderOrigin::Protective(0),
        decision_price: p("69000"),
        ts_ms: 1_000,
    }
}

#[test]
fn order_request_to_create_body_and_back() {
    let r = stop_request();
    let body = CreateOrderRequest::from_request(&r, Category::Linear);
    let json = serde_json::to_string(&body).unwrap();
    assert_eq!(
        json,
        r#"{"category":"linear","symbol":"BTCUSDT","side":"Sell","orderType":"Limit","qty":"0.015","price":"68000.5","timeInForce":"PostOnly","positionIdx":0,"orderLinkId":"ab-1-stop","reduceOnly":true,"triggerPrice":"68010","triggerDirection":2}"#
    );
    let back: CreateOrderRequest = serde_json::from_str(&json).unwrap();
    let (link, req) = back.to_order_request(1_000).unwrap();
    assert_eq!(link, Some(r.client_order_id));
    assert_eq!(req, OrderRequest { origin: OrderOrigin::Manual, decision_price: p("68000.5"), ..r });
    // Bad parameters are 10001 with the value in the message.
    let mut bad = back.clone();
    bad.trigger_direction = Some(3);
    let e = bad.to_order_request(0).unwrap_err();
    assert_eq!((e.code, e.msg.as_str()), (10001, "params error: triggerDirection 3"));
    let mut no_price = back.clone();
    no_price.price = None;
    assert_eq!(no_price.to_order_request(0).unwrap_err().code, 10001);
    let mut long = back;
    long.order_link_id = Some("x".repeat(37));
    assert!(long.to_order_request(0).unwrap_err().msg.contains("too long"));
}

#[test]
fn actions_become_endpoint_bodies() {
    let amend = Action::AmendOrder {
        symbol: sym(),
        client_order_id: ClientOrderId::new("ab-2").unwrap(),
        qty: None,
        price: Some(p("69050")),
        trigger_price: None,
    };
    assert_eq!(
        action_body(&amend, Category::Linear, "USDT").unwrap(),
        ("/v5/order/amend", r#"{"category":"linear","symbol":"BTCUSDT","orderLinkId":"ab-2","price":"69050"}"#.into())
    );
    let cancel_all = Action::CancelAll { symbol: None };
    assert_eq!(
        action_body(&cancel_all, Category::Linear, "USDT").unwrap().1,
        r#"{"category":"linear","settleCoin":"USDT"}"#
    );
    let cancel = Action::CancelOrder { symbol: sym(), client_order_id: ClientOrderId::new("ab-3").unwrap() };
    assert_eq!(action_body(&cancel, Category::Linear, "USDT").unwrap().0, "/v5/order/cancel");
    assert!(action_body(&Action::CancelAll { symbol: Some(sym()) }, Category::Linear, "USDT")
        .unwrap()
        .1
        .contains("\"symbol\""));
}

#[test]
fn every_bybit_order_status_maps() {
    for (s, want) in [
        ("New", OrderStatus::New),
        ("PartiallyFilled", OrderStatus::PartiallyFilled),
        ("Filled", OrderStatus::Filled),
        ("Cancelled", OrderStatus::Cancelled),
        ("PartiallyFilledCanceled", OrderStatus::PartiallyFilledCanceled),
        ("Rejected", OrderStatus::Rejected),
        ("Untriggered", OrderStatus::Untriggered),
        ("Triggered", OrderStatus::Triggered),
        ("Deactivated", OrderStatus::Deactivated),
        ("Created", OrderStatus::PendingNew),
        ("Active", OrderStatus::New),
    ] {
        assert_eq!(parse_order_status(s).unwrap(), want, "{s}");
    }
    assert!(parse_order_status("Open").unwrap_err().to_string().contains("`Open`"));
    assert_eq!(reject_reason_of("EC_PostOnlyWillTakeLiquidity", "UNKNOWN"), Some(RejectReason::PostOnlyWouldTake));
    assert_eq!(reject_reason_of("EC_NoError", "CancelByReduceOnly"), Some(RejectReason::ReduceOnlyWouldIncrease));
    assert_eq!(reject_reason_of("EC_NoError", "CancelByUser"), None);
}

#[test]
fn private_pushes_round_trip() {
    let mut o = Order::new(stop_request());
    o.order_id = Some(OrderId::new("5f1d3b7a-3c2e-4d8b-9f61-2a7c0e9b4d11").unwrap());
    o.apply(OrderEvent::AcceptedConditional, 1_001).unwrap();
    o.apply(OrderEvent::Triggered, 1_002).unwrap();
    o.apply_fill(p("68000.5"), q("0.005"), m("0.0187"), 1_003).unwrap();
    let item = OrderItem::from_order(&o, "linear");
    let msg = PrivateMsg { id: Some("1".into()), topic: "order".into(), creation_time: 1_004, data: vec![item] };
    let dec = PrivateDecoder::new("USDT");
    match dec.decode(&serde_json::to_string(&msg).unwrap()).unwrap() {
        PrivateEvent::Orders(u) => {
            let u = u[0];
            assert_eq!((u.status, u.filled_qty, u.qty), (OrderStatus::PartiallyFilled, q("0.005"), q("0.015")));
            assert_eq!((u.price, u.trigger_price, u.ts_ms), (Some(p("68000.5")), Some(p("68010")), 1_003));
            assert_eq!((u.client_order_id, u.order_id), (o.client_order_id(), o.order_id));
        }
        e => panic!("{e:?}"),
    }
    let fill = Fill {
        symbol: sym(),
        client_order_id: o.client_order_id(),
        order_id: o.order_id.unwrap(),
        exec_id: ExecId::new("e-1").unwrap(),
        side: Side::Sell,
        price: p("68000.5"),
        qty: q("0.005"),
        fee: m("-0.0068"),
        fee_rate: "-0.0002".parse().unwrap(),
        is_maker: true,
        ts_ms: 1_003,
    };
    let ex = ExecutionItem::from_fill(&fill, &o, "linear", 77);
    assert_eq!(ex.exec_value, Some(m("340.0025")));
    let msg = PrivateMsg { id: None, topic: "execution".into(), creation_time: 1_004, data: vec![ex] };
    assert_eq!(dec.decode(&serde_json::to_string(&msg).unwrap()).unwrap(), PrivateEvent::Fills(vec![fill]));
    let pos = Position {
        position_idx: Default::default(),
        symbol: sym(),
        size: q("-0.005"),
        entry_value: m("340.0025"),
        leverage: Rate::from_int(5),
        mark_price: p("67990"),
        unrealised_pnl: m("0.0525"),
        realised_pnl: m("-0.0068"),
        margin: m("68.0005"),
        liq_price: Some(p("81000")),
        ts_ms: 1_003,
    };
    for ws in [true, false] {
        let item = PositionItem::from_position(&pos, "linear", ws, 78);
        let json = serde_json::to_string(&item).unwrap();
        assert!(json.contains(if ws { "\"entryPrice\":\"68000.5\"" } else { "\"avgPrice\":\"68000.5\"" }), "{json}");
        let back: PositionItem = serde_json::from_str(&json).unwrap();
        assert_eq!(back.to_position().unwrap(), pos);
    }
    let bal = Balance {
        wallet_balance: m("10000"),
        equity: m("10000.0525"),
        available: m("9932.0520"),
        used_margin: m("68.0005"),
        unrealised_pnl: m("0.0525"),
        ts_ms: 1_004,
    };
    let msg = PrivateMsg {
        id: Some("w".into()),
        topic: "wallet".into(),
        creation_time: 1_004,
        data: vec![WalletAccount::from_balance(&bal, "USDT")],
    };
    assert_eq!(dec.decode(&serde_json::to_string(&msg).unwrap()).unwrap(), PrivateEvent::Balance(bal));
}

#[test]
fn public_pushes_round_trip() {
    let mut dec = PublicDecoder::new();
    let t =
        Trade { symbol: sym(), ts_ms: 5, price: p("69712.4"), qty: q("0.012"), taker_side: Side::Sell, trade_id: 42 };
    let msg = PublicMsg {
        topic: "publicTrade.BTCUSDT".into(),
        kind: "snapshot".into(),
        ts: 6,
        data: vec![trade_item(&t, 9)],
        cts: None,
        cs: None,
    };
    assert_eq!(dec.decode(&serde_json::to_string(&msg).unwrap()).unwrap(), PublicEvent::Trades(&[t]));
    assert_eq!(trade_id_of("1718000000301758976"), 1_718_000_000_301_758_976);
    assert_ne!(
        trade_id_of("4c6e2f0a-8d1b-5a3e-9f27-0b1d3c5e7a91"),
        trade_id_of("4c6e2f0a-8d1b-5a3e-9f27-0b1d3c5e7a92")
    );
    let up = BookUpdate {
        symbol: sym(),
        ts_ms: 7,
        kind: BookUpdateKind::Delta,
        update_id: 1,
        seq: 3,
        bids: vec![Level { price: p("100"), qty: q("2") }],
        asks: vec![],
    };
    // u == 1 is a snapshot even when the type says delta (service restart).
    let msg = PublicMsg {
        topic: "orderbook.50.BTCUSDT".into(),
        kind: "delta".into(),
        ts: 7,
        data: BookData::from_update(&up),
        cts: Some(6),
        cs: None,
    };
    let want = BookUpdate { kind: BookUpdateKind::Snapshot, ..up };
    assert_eq!(dec.decode(&serde_json::to_string(&msg).unwrap()).unwrap(), PublicEvent::Book(&want));
    let c = Candle {
        symbol: sym(),
        interval: Interval::M5,
        ts_ms: 300_000,
        open: p("1"),
        high: p("2"),
        low: p("0.5"),
        close: p("1.5"),
        volume: 12.5,
        turnover: 18.75,
        closed: true,
    };
    let k = KlineItem::from_candle(&c, 599_000);
    assert_eq!(k.end, 599_999);
    let msg = PublicMsg {
        topic: "kline.5.BTCUSDT".into(),
        kind: "snapshot".into(),
        ts: 8,
        data: vec![k],
        cts: None,
        cs: None,
    };
    assert_eq!(dec.decode(&serde_json::to_string(&msg).unwrap()).unwrap(), PublicEvent::Candles(&[c]));
}

#[test]
fn ticker_diff_and_merge_agree() {
    let a = TickerData {
        symbol: Some(sym()),
        last_price: Some(p("100")),
        mark_price: Some(p("100.1")),
        funding_rate: Some("0.0001".parse().unwrap()),
        volume_24h: Some(10.0),
        ..Default::default()
    };
    let b = TickerData { last_price: Some(p("101")), volume_24h: Some(11.5), ..a.clone() };
    let d = b.diff(&a);
    assert_eq!(serde_json::to_string(&d).unwrap(), r#"{"symbol":"BTCUSDT","lastPrice":"101","volume24h":"11.5"}"#);
    let mut merged = a.clone();
    merged.merge(&d);
    assert_eq!(merged, b);
    let t = merged.to_ticker(9).unwrap();
    assert_eq!((t.last_price, t.mark_price, t.volume_24h), (p("101"), p("100.1"), 11.5));
    assert_eq!(TickerData::from_ticker(&t).to_ticker(9).unwrap(), t);
}

#[test]
fn envelopes_write_like_bybit() {
    let e = Envelope::error(10006, "Too many visits!", 1_718_000_003_006);
    assert_eq!(
        serde_json::to_string(&e).unwrap(),
        r#"{"retCode":10006,"retMsg":"Too many visits!","result":{},"retExtInfo":{},"time":1718000003006}"#
    );
    let ok = Envelope::ok(ServerTime::from_ms(1_718_000_000_123), 1_718_000_000_123);
    let json = serde_json::to_string(&ok).unwrap();
    assert!(json.contains(r#""result":{"timeSecond":"1718000000","timeNano":"1718000000123000000"}"#), "{json}");
    assert_eq!(parse_response::<ServerTime>(&json).unwrap().result.ms(), 1_718_000_000_123);
}

#[test]
fn api_key_permissions() {
    // Shape from the official SDKs' query-api types (reference, "API key information").
    let body = r#"{"retCode":0,"retMsg":"","result":{"id":"13770661","note":"bot","apiKey":"TESTKEY123","readOnly":0,"secret":"","permissions":{"ContractTrade":["Order","Position"],"Spot":["SpotTrade"],"Wallet":["AccountTransfer","SubMemberTransfer"],"Options":[],"Derivatives":[],"Exchange":[]},"ips":["*"],"type":1,"deadlineDay":83,"expiredAt":"2026-01-01T00:00:00Z","createdAt":"2025-10-01T00:00:00Z","unified":0,"uta":1,"userID":24617703,"inviterID":0,"vipLevel":"No VIP","mktMakerLevel":"0","affiliateID":0},"retExtInfo":{},"time":1718000000000}"#;
    let k = parse_response::<ApiKeyInfo>(body).unwrap().result;
    assert!(k.can_trade_linear() && k.can_trade_spot() && !k.can_withdraw() && k.is_ip_unbound());
    let ro = ApiKeyInfo { read_only: 1, ips: vec!["1.2.3.4".into()], ..k.clone() };
    assert!(!ro.can_trade_linear() && ro.is_read_only() && !ro.is_ip_unbound());
    let mut w = k;
    w.permissions.insert("Wallet".into(), vec!["Withdraw".into()]);
    w.permissions.remove("ContractTrade");
    assert!(w.can_withdraw() && !w.can_trade_linear());
}

#[test]
fn legacy_liquidation_topic() {
    let text = r#"{"topic":"liquidation.BTCUSDT","type":"snapshot","ts":1673251091822,"data":{"price":"18060.50","side":"Sell","size":"0.004","symbol":"BTCUSDT","updatedTime":1673251091822}}"#;
    let mut dec = PublicDecoder::new();
    let want =
        Liquidation { symbol: sym(), ts_ms: 1_673_251_091_822, side: Side::Sell, price: p("18060.5"), qty: q("0.004") };
    assert_eq!(dec.decode(text).unwrap(), PublicEvent::Liquidations(vec![want]));
    assert!(matches!(dec.decode(r#"{"topic":"greeks.BTC","ts":1,"data":{}}"#), Err(WireError::UnknownTopic(_))));
}

#[test]
fn hedge_mode_idx_on_order_bodies_positions_and_the_switch() {
    // A hedge-mode stop closing the long carries positionIdx 1, and reads back with it.
    let r = OrderRequest { position_idx: PositionIdx::Long, ..stop_request() };
    let body = CreateOrderRequest::from_request(&r, Category::Linear);
    let json = serde_json::to_string(&body).unwrap();
    assert!(json.contains(r#""positionIdx":1,"#), "{json}");
    let (_, back) = body.to_order_request(1_000).unwrap();
    assert_eq!(back.position_idx, PositionIdx::Long);
    let mut bad = body.clone();
    bad.position_idx = Some(3);
    let e = bad.to_order_request(0).unwrap_err();
    assert_eq!((e.code, e.msg.as_str()), (10001, "params error: positionIdx invalid: 3"));
    // Spot bodies carry no idx.
    assert_eq!(CreateOrderRequest::from_request(&r, Category::Spot).position_idx, None);
    // A hedge-mode short entry of the position list: idx 2, size negative.
    let item: PositionItem = serde_json::from_str(
        r#"{"positionIdx":2,"symbol":"BTCUSDT","side":"Sell","size":"0.03","avgPrice":"60000","leverage":"10"}"#,
    )
    .unwrap();
    let pos = item.to_position().unwrap();
    assert_eq!((pos.position_idx, pos.size, pos.entry_value), (PositionIdx::Short, q("-0.03"), m("1800")));
    assert_eq!(PositionItem::from_position(&pos, "linear", false, 1).position_idx, 2);
    let odd: PositionItem =
        serde_json::from_str(r#"{"positionIdx":7,"symbol":"BTCUSDT","side":"","size":"0"}"#).unwrap();
    assert!(odd.to_position().unwrap_err().to_string().contains("positionIdx"));
    // The switch body: mode 3 is hedge ("both sides").
    let sw = SwitchModeRequest { category: "linear".into(), symbol: Some(sym()), coin: None, mode: 3 };
    assert_eq!(serde_json::to_string(&sw).unwrap(), r#"{"category":"linear","symbol":"BTCUSDT","mode":3}"#);
    assert_eq!(PositionMode::from_code(3), Some(PositionMode::Hedge));
    assert_eq!(PositionMode::from_code(1), None);
    assert_eq!(PositionIdx::for_order(PositionMode::Hedge, Side::Buy, true), PositionIdx::Short);
    assert_eq!(PositionIdx::for_order(PositionMode::OneWay, Side::Buy, true), PositionIdx::OneWay);
}
