//! Every example payload of the protocol reference (copied into `fixtures/`) parses into the
//! right type with the right values.

use super::decode::{apply_book_frame, book_scratch, PrivateDecoder, PrivateEvent, PublicDecoder, PublicEvent};
use super::error::ErrorKind;
use super::sign::{verify_ws, Credentials};
use super::wire::rest::ResponseError;
use super::wire::*;
use crate::domain::*;

macro_rules! fx {
    ($name:literal) => {
        include_str!(concat!("fixtures/", $name, ".json"))
    };
}

fn p(s: &str) -> Price {
    s.parse().unwrap()
}
fn q(s: &str) -> Qty {
    s.parse().unwrap()
}
fn m(s: &str) -> Money {
    s.parse().unwrap()
}
fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap()
}
fn ok<T: serde::de::DeserializeOwned>(body: &str) -> T {
    parse_response::<T>(body).unwrap().result
}

#[test]
fn market_time_kline_and_book() {
    let t: ServerTime = ok(fx!("rest-market-time"));
    assert_eq!((t.time_second, t.ms()), (1_718_000_000, 1_718_000_000_123));
    let k: KlineResult = ok(fx!("rest-market-kline"));
    assert_eq!(k.list.len(), 3);
    assert_eq!(k.list[0].start_ms(), 1_717_999_200_000);
    assert_eq!(k.list[0].4, p("69712.4"));
    assert_eq!(k.list[2].5, 801.92);
    // Oldest first; at 1718000000154 the 1717999200000 bar (1 h) is still open.
    let c = super::convert::candles_from_rows(&k.list, k.symbol, Interval::H1, 1_718_000_000_154);
    assert_eq!(c[0].ts_ms, 1_717_992_000_000);
    assert_eq!((c[0].open, c[0].high, c[0].low, c[0].close), (p("69710.2"), p("69755"), p("69540.7"), p("69588.3")));
    assert!(c[0].closed && c[1].closed && !c[2].closed);
    let b: OrderbookResult = ok(fx!("rest-market-orderbook"));
    let up = b.to_update();
    assert_eq!((up.update_id, up.seq, up.ts_ms), (18_521_288, 230_705_334_791, 1_718_000_000_150));
    assert_eq!(up.bids[0], Level { price: p("69712.30"), qty: q("3.877") });
    assert_eq!(up.asks[4], Level { price: p("69713.10"), qty: q("0.856") });
}

#[test]
fn market_tickers_oi_funding_trades() {
    let t: TickersResult = ok(fx!("rest-market-tickers-linear"));
    let d = &t.list[0];
    let tk = d.to_ticker(5).unwrap();
    assert_eq!((tk.last_price, tk.mark_price, tk.index_price), (p("69712.40"), p("69715.03"), p("69735.12")));
    assert_eq!((tk.bid1, tk.ask1, tk.next_funding_ms), (p("69712.30"), p("69712.40"), 1_718_006_400_000));
    assert_eq!(tk.funding_rate, "0.0001".parse().unwrap());
    assert_eq!(tk.open_interest, 55012.742);
    assert!((tk.price_24h_pct - 1.0007).abs() < 1e-9);
    let s: TickersResult = ok(fx!("rest-market-tickers-spot"));
    let st = s.list[0].to_ticker(1).unwrap();
    assert_eq!((st.last_price, st.index_price, st.mark_price), (p("69720.02"), p("69738.6651"), Price::ZERO));
    assert_eq!(s.list[0].bid1_size, Some(q("0.512304")));
    let oi: OpenInterestResult = ok(fx!("rest-market-open-interest"));
    assert_eq!((oi.list[0].open_interest, oi.list[2].timestamp), (q("55012.742"), 1_717_992_000_000));
    assert_eq!(oi.next_page_cursor, "lastid%3D51873321%26lasttime%3D1717992000");
    let f: FundingHistoryResult = ok(fx!("rest-market-funding-history"));
    assert_eq!(f.list[1].funding_rate, "0.00008713".parse().unwrap());
    assert_eq!(f.list[1].funding_rate_timestamp, 1_717_948_800_000);
    let r: RecentTradeResult = ok(fx!("rest-market-recent-trade"));
    assert_eq!(r.list[0].seq, Some(230_705_334_788));
    let tr = r.list[1].to_trade();
    assert_eq!((tr.price, tr.qty, tr.taker_side, tr.ts_ms), (p("69712.30"), q("0.300"), Side::Sell, 1_717_999_999_502));
}

#[test]
fn instruments_become_rules() {
    let l: InstrumentsResult = ok(fx!("rest-market-instruments-info-linear"));
    let i = l.list[0].to_instrument().unwrap();
    assert_eq!((i.tick_size, i.qty_step, i.min_qty), (p("0.1"), q("0.001"), q("0.001")));
    assert_eq!((i.max_qty, i.max_market_qty, i.min_notional), (q("1190"), q("500"), m("5")));
    assert_eq!((i.min_leverage, i.max_leverage), (Rate::ONE, Rate::from_int(100)));
    assert_eq!(l.list[0].funding_interval, Some(480));
    let s: InstrumentsResult = ok(fx!("rest-market-instruments-info-spot"));
    let i = s.list[0].to_instrument().unwrap();
    assert_eq!((i.tick_size, i.qty_step, i.min_qty), (p("0.01"), q("0.000001"), q("0.000011")));
    assert_eq!((i.max_qty, i.max_market_qty, i.min_notional), (q("83"), q("41.5"), m("5")));
    assert_eq!(i.max_leverage, Rate::ONE);
    // The mock's entry for a domain instrument reads back to the same rules.
    let info = InstrumentInfo::from_instrument(&l.list[0].to_instrument().unwrap(), "BTC");
    let back: InstrumentInfo = serde_json::from_str(&serde_json::to_string(&info).unwrap()).unwrap();
    assert_eq!(back.to_instrument().unwrap(), l.list[0].to_instrument().unwrap());
}

#[test]
fn order_results_and_lists() {
    for (body, id) in [
        (fx!("rest-order-create"), "5f1d3b7a-3c2e-4d8b-9f61-2a7c0e9b4d11"),
        (fx!("rest-order-amend"), "5f1d3b7a-3c2e-4d8b-9f61-2a7c0e9b4d11"),
        (fx!("rest-order-cancel"), "5f1d3b7a-3c2e-4d8b-9f61-2a7c0e9b4d11"),
        (fx!("rest-order-create-spot"), "1718000000301758976"),
    ] {
        let r: OrderIdResult = ok(body);
        assert_eq!(r.order_id, id);
    }
    let all: CancelAllResult = ok(fx!("rest-order-cancel-all"));
    assert_eq!((all.list.len(), all.list[1].order_link_id.as_str()), (2, "bot-20240610-0003"));
    assert_eq!(all.success.as_deref(), Some("1"));
    let rt: OrderListResult = ok(fx!("rest-order-realtime"));
    let u = rt.list[0].to_update().unwrap();
    assert_eq!((u.status, u.price, u.trigger_price), (OrderStatus::New, Some(p("69000")), None));
    assert_eq!((u.qty, u.filled_qty, u.ts_ms, u.reason), (q("0.010"), Qty::ZERO, 1_718_000_000_203, None));
    assert_eq!(u.client_order_id.as_str(), "bot-20240610-0001");
    assert_eq!(rt.list[0].avg_price, None);
    let h: OrderListResult = ok(fx!("rest-order-history"));
    let u = h.list[0].to_update().unwrap();
    assert_eq!((u.status, u.price, u.filled_qty), (OrderStatus::Filled, None, q("0.010")));
    assert_eq!(h.list[0].avg_price, Some(p("69712.40")));
    let e: ExecutionListResult = ok(fx!("rest-execution-list"));
    let f = e.list[0].to_fill().unwrap().unwrap();
    assert_eq!((f.price, f.qty, f.fee, f.is_maker), (p("69712.40"), q("0.010"), m("0.3834182"), false));
    assert_eq!((f.fee_rate, f.ts_ms), ("0.00055".parse().unwrap(), 1_718_000_001_350));
    assert_eq!(e.list[0].seq, Some(9_512_347_765));
}

#[test]
fn position_wallet_and_empty_results() {
    let pl: PositionListResult = ok(fx!("rest-position-list"));
    let pos = pl.list[0].to_position().unwrap();
    assert_eq!((pos.size, pos.entry_value, pos.leverage), (q("0.010"), m("697.124"), Rate::from_int(10)));
    assert_eq!((pos.entry_price(), pos.liq_price, pos.margin), (Some(p("69712.4")), None, m("70.0958")));
    assert_eq!((pos.unrealised_pnl, pos.realised_pnl, pos.ts_ms), (m("0.0263"), m("-0.3834182"), 1_718_000_001_352));
    let w: WalletBalanceResult = ok(fx!("rest-account-wallet-balance"));
    let b = w.list[0].to_balance("USDT", 9).unwrap();
    assert_eq!((b.wallet_balance, b.equity, b.available), (m("9999.6165818"), m("9999.6428818"), m("9932.74638719")));
    assert_eq!((b.used_margin, b.unrealised_pnl), (m("70.0958"), m("0.0263")));
    assert!(w.list[0].to_balance("BTC", 9).is_err());
    let _: EmptyResult = ok(fx!("rest-position-set-leverage"));
    let _: EmptyResult = ok(fx!("rest-position-trading-stop"));
}

#[test]
fn error_envelopes_become_api_errors() {
    for (body, code, kind) in [
        (fx!("rest-error-10001-params"), 10001, ErrorKind::InvalidParams),
        (fx!("rest-error-10001-position-idx"), 10001, ErrorKind::InvalidParams),
        (fx!("rest-error-10002-recv-window"), 10002, ErrorKind::RecvWindow),
        (fx!("rest-error-10003-api-key"), 10003, ErrorKind::InvalidApiKey),
        (fx!("rest-error-10004-sign"), 10004, ErrorKind::InvalidSignature),
        (fx!("rest-error-10006-rate-limit"), 10006, ErrorKind::RateLimited),
        (fx!("rest-error-110001-order-not-exists"), 110001, ErrorKind::OrderNotExists),
        (fx!("rest-error-110007-insufficient-balance"), 110007, ErrorKind::InsufficientBalance),
    ] {
        match parse_response::<OrderListResult>(body) {
            Err(ResponseError::Api(e)) => assert_eq!((e.code, e.kind), (code, kind)),
            other => panic!("{code}: {other:?}"),
        }
    }
    let e = parse_response::<EmptyResult>(fx!("rest-error-110007-insufficient-balance")).unwrap_err();
    assert_eq!(e.to_string(), "bybit 110007 (InsufficientBalance): ab not enough for new order");
}

#[test]
fn request_bodies_parse_for_the_server() {
    let c: CreateOrderRequest = serde_json::from_str(fx!("rest-order-create-request")).unwrap();
    let (link, r) = c.to_order_request(7).unwrap();
    assert_eq!(link.unwrap().as_str(), "bot-20240610-0001");
    assert_eq!(
        (r.order_type, r.price, r.qty, r.time_in_force),
        (OrderType::Limit, Some(p("69000")), q("0.01"), TimeInForce::Gtc)
    );
    assert_eq!((c.take_profit, c.stop_loss, c.position_idx), (Some(p("72000")), Some(p("67500")), Some(0)));
    let mk: CreateOrderRequest = serde_json::from_str(fx!("rest-order-create-market-request")).unwrap();
    let (_, r) = mk.to_order_request(7).unwrap();
    assert_eq!((r.order_type, r.price, r.time_in_force), (OrderType::Market, None, TimeInForce::Ioc));
    // Our own body for that order reads back to the same request.
    let ours = serde_json::to_string(&CreateOrderRequest::from_request(&r, Category::Linear)).unwrap();
    assert_eq!(
        ours,
        r#"{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Market","qty":"0.01","positionIdx":0,"orderLinkId":"bot-20240610-0002","reduceOnly":false}"#
    );
    let spot: CreateOrderRequest = serde_json::from_str(fx!("rest-order-create-spot-request")).unwrap();
    assert_eq!((spot.qty, spot.market_unit.as_deref()), (q("200"), Some("quoteCoin")));
    let a: AmendOrderRequest = serde_json::from_str(fx!("rest-order-amend-request")).unwrap();
    assert_eq!((a.qty, a.price, a.order_id), (Some(q("0.02")), Some(p("69050")), None));
    let cx: CancelOrderRequest = serde_json::from_str(fx!("rest-order-cancel-request")).unwrap();
    assert_eq!(cx.order_id.as_deref(), Some("5f1d3b7a-3c2e-4d8b-9f61-2a7c0e9b4d11"));
    let ca: CancelAllRequest = serde_json::from_str(fx!("rest-order-cancel-all-request")).unwrap();
    assert_eq!((ca.settle_coin.as_deref(), ca.symbol), (Some("USDT"), None));
    let l: SetLeverageRequest = serde_json::from_str(fx!("rest-position-set-leverage-request")).unwrap();
    assert_eq!(l.buy_leverage, Rate::from_int(10));
    let ts: TradingStopRequest = serde_json::from_str(fx!("rest-position-trading-stop-request")).unwrap();
    assert_eq!((ts.take_profit, ts.stop_loss, ts.position_idx), (Some(p("72500")), Some(p("67000")), 0));
}

#[test]
fn ws_control_frames() {
    let a: WsRequest = serde_json::from_str(fx!("ws-auth-request")).unwrap();
    let (key, expires, sig) = a.auth_args().unwrap();
    assert_eq!(verify_ws(key, expires, sig, expires - 500, |_| Some("TESTSECRET456")), Ok(()));
    let c = Credentials::new("TESTKEY123", "TESTSECRET456");
    assert_eq!(serde_json::from_str::<WsRequest>(&c.ws_auth_request(expires, Some("auth-1"))).unwrap(), a);
    let ok: WsResponse = serde_json::from_str(fx!("ws-auth-response")).unwrap();
    assert!(ok.is_success() && ok.req_id.as_deref() == Some("auth-1"));
    let bad: WsResponse = serde_json::from_str(fx!("ws-auth-response-failure")).unwrap();
    assert!(!bad.is_success() && bad.ret_msg.as_deref() == Some("Params Error"));
    let trade_auth: WsResponse = serde_json::from_str(fx!("ws-trade-auth-response")).unwrap();
    assert!(trade_auth.is_success() && !trade_auth.is_pong());
    let ping: WsRequest = serde_json::from_str(fx!("ws-ping-request")).unwrap();
    assert_eq!(ping, WsRequest::ping(Some("100001")));
    for pong in [fx!("ws-pong-private"), fx!("ws-pong-public-linear"), fx!("ws-pong-public-spot"), fx!("ws-trade-pong")]
    {
        assert!(serde_json::from_str::<WsResponse>(pong).unwrap().is_pong(), "{pong}");
    }
    let pp: WsResponse = serde_json::from_str(fx!("ws-pong-private")).unwrap();
    assert_eq!(pp.args, Some(vec!["1718000000123".to_string()]));
    for sub in [fx!("ws-subscribe-request"), fx!("ws-private-subscribe-request"), fx!("ws-unsubscribe-request")] {
        let r: WsRequest = serde_json::from_str(sub).unwrap();
        assert!(r.topic_args().all(|t| Topic::parse(t).is_some()), "{sub}");
    }
    let s: WsRequest = serde_json::from_str(fx!("ws-subscribe-request")).unwrap();
    assert_eq!(s.topic_args().count(), 4);
    for ack in
        [fx!("ws-subscribe-response-linear"), fx!("ws-subscribe-response-private"), fx!("ws-subscribe-response-spot")]
    {
        let r: WsResponse = serde_json::from_str(ack).unwrap();
        assert!(r.is_success() && r.op == "subscribe" && !r.is_pong());
    }
    // The trade stream's order entry reuses the REST create body and ack.
    let oe: serde_json::Value = serde_json::from_str(fx!("ws-trade-order-create-request")).unwrap();
    let body: CreateOrderRequest = serde_json::from_value(oe["args"][0].clone()).unwrap();
    assert_eq!((body.price, body.time_in_force.as_deref()), (Some(p("69000")), Some("PostOnly")));
    let resp: serde_json::Value = serde_json::from_str(fx!("ws-trade-order-create-response")).unwrap();
    let id: OrderIdResult = serde_json::from_value(resp["data"].clone()).unwrap();
    assert_eq!(id.order_link_id, "bot-20240610-0004");
}

#[test]
fn ws_public_streams() {
    let mut d = PublicDecoder::new();
    match d.decode(fx!("ws-public-trade")).unwrap() {
        PublicEvent::Trades(t) => {
            assert_eq!(t.len(), 2);
            assert_eq!(
                (t[1].price, t[1].qty, t[1].taker_side, t[1].ts_ms),
                (p("69712.50"), q("0.500"), Side::Buy, 1_718_000_000_187)
            );
            assert_ne!(t[0].trade_id, t[1].trade_id);
        }
        e => panic!("{e:?}"),
    }
    let mut book = OrderBook::new(sym("BTCUSDT"));
    let mut scratch = book_scratch();
    apply_book_frame(fx!("ws-public-orderbook-snapshot"), &mut scratch, &mut book).unwrap();
    assert_eq!(scratch.kind, BookUpdateKind::Snapshot);
    apply_book_frame(fx!("ws-public-orderbook-delta"), &mut scratch, &mut book).unwrap();
    assert_eq!(
        (scratch.kind, book.update_id, book.seq, book.ts_ms),
        (BookUpdateKind::Delta, 18_521_289, 230_705_334_802, 1_718_000_000_172)
    );
    // Bids: 69712.30 -> 3.100, 69712.00 deleted, 69711.90 inserted. Asks: 69712.40 deleted, 69712.60 inserted.
    let bids: Vec<_> = book.bids.iter().map(|l| (l.price.to_string(), l.qty.to_string())).collect();
    assert_eq!(
        bids,
        [("69712.3", "3.1"), ("69712.2", "0.015"), ("69711.9", "0.25"), ("69711.8", "1.002"), ("69711.5", "0.3")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let asks: Vec<_> = book.asks.iter().map(|l| l.price.to_string()).collect();
    assert_eq!(asks, ["69712.5", "69712.6", "69712.8", "69713", "69713.1"]);
    match d.decode(fx!("ws-public-kline")).unwrap() {
        PublicEvent::Candles(c) => {
            assert_eq!(
                (c[0].ts_ms, c[0].close, c[0].closed, c[0].volume),
                (1_717_999_980_000, p("69712.4"), false, 8.112)
            )
        }
        e => panic!("{e:?}"),
    }
    match d.decode(fx!("ws-public-kline-confirmed")).unwrap() {
        PublicEvent::Candles(c) => {
            assert!(c[0].closed && c[0].interval == Interval::M1 && c[0].symbol == sym("BTCUSDT"))
        }
        e => panic!("{e:?}"),
    }
    assert!(d.decode(fx!("ws-public-ticker-delta")).is_err(), "delta before snapshot");
    d.decode(fx!("ws-public-ticker-snapshot")).unwrap();
    match d.decode(fx!("ws-public-ticker-delta")).unwrap() {
        PublicEvent::Ticker(t) => {
            // Changed by the delta: last, bid1/ask1, volume. Kept from the snapshot: mark, index, funding.
            assert_eq!((t.last_price, t.bid1, t.ask1), (p("69712.50"), p("69712.40"), p("69712.50")));
            assert_eq!((t.mark_price, t.index_price, t.ts_ms), (p("69715.03"), p("69735.12"), 1_718_000_000_260));
            assert_eq!((t.volume_24h, t.next_funding_ms), (43311.564, 1_718_006_400_000));
        }
        e => panic!("{e:?}"),
    }
    match d.decode(fx!("ws-public-ticker-spot")).unwrap() {
        PublicEvent::Ticker(t) => assert_eq!((t.last_price, t.index_price), (p("69720.02"), p("69738.6651"))),
        e => panic!("{e:?}"),
    }
    match d.decode(fx!("ws-public-all-liquidation")).unwrap() {
        PublicEvent::Liquidations(l) => {
            assert_eq!(
                l[0],
                Liquidation {
                    symbol: sym("BTCUSDT"),
                    ts_ms: 1_718_000_000_412,
                    side: Side::Buy,
                    price: p("68990.10"),
                    qty: q("0.152")
                }
            )
        }
        e => panic!("{e:?}"),
    }
    assert!(matches!(d.decode(fx!("ws-pong-public-linear")).unwrap(), PublicEvent::Control(r) if r.is_pong()));
}

#[test]
fn ws_private_streams() {
    let d = PrivateDecoder::new("USDT");
    match d.decode(fx!("ws-private-order-new-limit")).unwrap() {
        PrivateEvent::Orders(o) => {
            assert_eq!(
                (o[0].status, o[0].price, o[0].trigger_price, o[0].ts_ms),
                (OrderStatus::New, Some(p("69000")), None, 1_718_000_000_203)
            );
        }
        e => panic!("{e:?}"),
    }
    match d.decode(fx!("ws-private-order")).unwrap() {
        PrivateEvent::Orders(o) => {
            assert_eq!((o[0].status, o[0].filled_qty, o[0].price), (OrderStatus::Filled, q("0.010"), None))
        }
        e => panic!("{e:?}"),
    }
    for frame in [fx!("ws-private-execution"), fx!("ws-private-execution-fast")] {
        match d.decode(frame).unwrap() {
            PrivateEvent::Fills(f) => {
                assert_eq!((f[0].price, f[0].qty, f[0].side), (p("69712.40"), q("0.010"), Side::Buy));
                assert_eq!(f[0].exec_id.as_str(), "9d2f6a1e-4b7c-5e83-a0d9-1c3e5f7a9b2d");
            }
            e => panic!("{e:?}"),
        }
    }
    match d.decode(fx!("ws-private-position")).unwrap() {
        PrivateEvent::Positions(ps) => assert_eq!((ps[0].size, ps[0].entry_price()), (q("0.010"), Some(p("69712.4")))),
        e => panic!("{e:?}"),
    }
    match d.decode(fx!("ws-private-wallet")).unwrap() {
        PrivateEvent::Balance(b) => assert_eq!(
            (b.wallet_balance, b.available, b.ts_ms),
            (m("9999.6165818"), m("9932.74638719"), 1_718_000_001_356)
        ),
        e => panic!("{e:?}"),
    }
    assert!(matches!(d.decode(fx!("ws-pong-private")).unwrap(), PrivateEvent::Control(r) if r.is_pong()));
}
