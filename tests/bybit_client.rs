//! Bybit REST/WebSocket client against loopback test servers: signing, retries with the same
//! `orderLinkId`, rate-limit headers, typed errors, WS resubscribe, book resync, kline
//! backfill, key-file permissions, secret redaction, venue and reconciliation.

#[path = "bybit_client/server.rs"]
mod server;

use autobot::domain::{
    Action, ClientOrderId, Event, Instrument, OrderOrigin, OrderRequest, OrderStatus, OrderType, RejectReason, Side,
    Symbol, TimeInForce,
};
use autobot::exchange::bybit::error::ErrorKind;
use autobot::exchange::bybit::keys::{load_key_file, AccessMode, KeyError};
use autobot::exchange::bybit::rest::{local_now_ms, RestClient, RestConfig, RestError};
use autobot::exchange::bybit::rules::Rules;
use autobot::exchange::bybit::sign::{self, Credentials, SignedRequest};
use autobot::exchange::bybit::venue::{reconcile, BybitVenue, BybitVenueConfig};
use autobot::exchange::bybit::wire::{Category, CreateOrderRequest, Topic};
use autobot::exchange::bybit::ws::{
    PrivateStream, PrivateStreamConfig, PublicStream, PublicStreamConfig, WsConfig, WsNotice,
};
use autobot::exchange::ExecutionVenue;
use server::{HttpServer, Reply, Seen, WsServer};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const KEY: &str = "TESTKEY123";
const SECRET: &str = "TESTSECRET456";
const SECS: Duration = Duration::from_secs(5);

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../src/exchange/bybit/fixtures/", $name))
    };
}

fn creds() -> Credentials {
    Credentials::new(KEY, SECRET)
}

fn client(base: &str) -> RestClient {
    let mut cfg = RestConfig::new(base);
    cfg.timeout = Duration::from_millis(400);
    cfg.backoff_base = Duration::from_millis(10);
    cfg.backoff_max = Duration::from_millis(40);
    RestClient::new(cfg, Some(creds())).expect("client")
}

fn sym() -> Symbol {
    Symbol::new("BTCUSDT").unwrap()
}

/// Verifies a recorded request the way Bybit does (window, key, HMAC of the raw payload).
fn assert_signed(r: &Seen) {
    let payload = if r.method == "GET" { r.query.as_str() } else { r.body.as_str() };
    let req = SignedRequest {
        api_key: r.header("x-bapi-api-key").expect("api key header"),
        timestamp: r.header("x-bapi-timestamp").expect("timestamp header"),
        recv_window: r.header("x-bapi-recv-window"),
        sign: r.header("x-bapi-sign").expect("sign header"),
        payload,
    };
    let lookup = |k: &str| if k == KEY { Some(SECRET) } else { None };
    assert_eq!(sign::verify(&req, local_now_ms(), lookup), Ok(()), "{r:?}");
    assert_eq!(r.header("x-bapi-sign-type"), Some("2"));
}

fn order(id: &str, qty: &str, price: &str) -> OrderRequest {
    OrderRequest {
        position_idx: Default::default(),
        client_order_id: ClientOrderId::new(id).unwrap(),
        symbol: sym(),
        side: Side::Buy,
        order_type: OrderType::Limit,
        qty: qty.parse().unwrap(),
        price: Some(price.parse().unwrap()),
        trigger_price: None,
        trigger_direction: None,
        time_in_force: TimeInForce::Gtc,
        reduce_only: false,
        origin: OrderOrigin::Manual,
        decision_price: price.parse().unwrap(),
        ts_ms: 0,
    }
}

#[tokio::test]
async fn signed_get_and_post_carry_verifiable_headers() {
    let srv = HttpServer::start(|r, _| match r.path.as_str() {
        "/v5/order/realtime" => Reply::ok(fixture!("rest-order-realtime.json")),
        _ => Reply::ok(fixture!("rest-order-create.json")),
    })
    .await;
    let c = client(&srv.base_url);
    let q = autobot::exchange::bybit::rest::OrderListQuery { symbol: Some(sym()), ..Default::default() };
    let orders = c.open_orders(Category::Linear, &q).await.unwrap();
    assert_eq!(orders.list[0].order_link_id, "bot-20240610-0001");
    let body = CreateOrderRequest::from_request(&order("demo-0001", "0.001", "60000"), Category::Linear);
    let ids = c.create_order(&body).await.unwrap();
    assert_eq!(ids.order_id, "5f1d3b7a-3c2e-4d8b-9f61-2a7c0e9b4d11");
    let seen = srv.requests();
    assert_eq!(seen.len(), 2);
    // The GET signs exactly the sorted query that went on the wire.
    assert_eq!(seen[0].query, "category=linear&symbol=BTCUSDT");
    assert_signed(&seen[0]);
    // Reference vector: this query at ts 1700000000000 signs to 97ef...; our header for the
    // recorded timestamp is the same function of the same bytes.
    assert_eq!(
        creds().sign_rest(1_700_000_000_000, 5000, &seen[0].query),
        "97ef232703cf2832582c7db8df84cbb7fe75977e4f2e1f14d00f10601521c8b9"
    );
    assert_eq!(seen[1].method, "POST");
    assert_eq!(seen[1].header("content-type"), Some("application/json"));
    assert!(seen[1].body.contains(r#""orderLinkId":"demo-0001""#), "{}", seen[1].body);
    assert_signed(&seen[1]);
    let ts: i64 = seen[1].header("x-bapi-timestamp").unwrap().parse().unwrap();
    assert_eq!(seen[1].header("x-bapi-sign").unwrap(), creds().sign_rest(ts, 5000, &seen[1].body));
}

#[tokio::test]
async fn create_retries_5xx_and_10006_with_the_same_order_link_id() {
    let srv = HttpServer::start(|_, i| match i {
        0 => Reply::status(502, "bad gateway"),
        1 => Reply::ok(fixture!("rest-error-10006-rate-limit.json"))
            .header("X-Bapi-Limit", 10)
            .header("X-Bapi-Limit-Status", 0)
            .header("X-Bapi-Limit-Reset-Timestamp", local_now_ms() + 150),
        _ => Reply::ok(fixture!("rest-order-create.json")),
    })
    .await;
    let c = client(&srv.base_url);
    let body = CreateOrderRequest::from_request(&order("bot-20240610-0001", "0.010", "69000"), Category::Linear);
    let t0 = Instant::now();
    let ids = c.create_order(&body).await.unwrap();
    assert_eq!(ids.order_link_id, "bot-20240610-0001");
    let seen = srv.requests();
    assert_eq!(seen.len(), 3, "502, 10006, then success");
    for r in &seen {
        assert_eq!(r.body, seen[0].body, "every retry sends the identical body");
        assert_signed(r);
    }
    // The 10006 retry waited for the reset timestamp (~150 ms).
    assert!(t0.elapsed() >= Duration::from_millis(120), "{:?}", t0.elapsed());
}

#[tokio::test]
async fn lost_create_answer_then_110072_resolves_to_the_existing_order() {
    let srv = HttpServer::start(|r, i| match (r.path.as_str(), i) {
        ("/v5/order/create", 0) => Reply::ok(fixture!("rest-order-create.json")).delayed(Duration::from_millis(700)),
        ("/v5/order/create", _) => Reply::ok(
            r#"{"retCode":110072,"retMsg":"OrderLinkedID is duplicate","result":{},"retExtInfo":{},"time":1}"#,
        ),
        _ => Reply::ok(fixture!("rest-order-realtime.json")),
    })
    .await;
    let c = client(&srv.base_url);
    let body = CreateOrderRequest::from_request(&order("bot-20240610-0001", "0.010", "69000"), Category::Linear);
    let ids = c.create_order(&body).await.unwrap();
    assert_eq!(ids.order_id, "5f1d3b7a-3c2e-4d8b-9f61-2a7c0e9b4d11");
    let seen = srv.requests();
    assert_eq!(seen.iter().filter(|r| r.path == "/v5/order/create").count(), 2);
    assert_eq!(seen[0].body, seen[1].body);
    let lookup = seen.iter().find(|r| r.path == "/v5/order/realtime").expect("looked up by orderLinkId");
    assert!(lookup.query.contains("orderLinkId=bot-20240610-0001"), "{}", lookup.query);
}

#[tokio::test]
async fn create_without_order_link_id_is_never_retried() {
    let srv = HttpServer::start(|_, _| Reply::status(503, "unavailable")).await;
    let c = client(&srv.base_url);
    let mut body = CreateOrderRequest::from_request(&order("x-1", "0.010", "69000"), Category::Linear);
    body.order_link_id = None;
    let e = c.create_order(&body).await.unwrap_err();
    assert!(matches!(e, RestError::Http { status: 503, .. }), "{e}");
    assert_eq!(srv.requests().len(), 1);
    // A read is retried: 1 + max_retries (3) attempts.
    let e = c.wallet_balance(Some("USDT")).await.unwrap_err();
    assert!(matches!(e, RestError::Http { status: 503, .. }), "{e}");
    assert_eq!(srv.requests().len(), 5);
}

#[tokio::test]
async fn ret_codes_become_typed_errors_without_retry() {
    let srv = HttpServer::start(|r, _| match r.path.as_str() {
        "/v5/order/create" => Reply::ok(fixture!("rest-error-110007-insufficient-balance.json")),
        "/v5/order/cancel" => Reply::ok(fixture!("rest-error-110001-order-not-exists.json")),
        "/v5/position/set-leverage" => {
            Reply::ok(r#"{"retCode":110043,"retMsg":"Set leverage not modified","result":{},"retExtInfo":{},"time":1}"#)
        }
        _ => Reply::ok(fixture!("rest-error-10003-api-key.json")),
    })
    .await;
    let c = client(&srv.base_url);
    let body = CreateOrderRequest::from_request(&order("bot-1", "0.010", "69000"), Category::Linear);
    let e = c.create_order(&body).await.unwrap_err();
    assert_eq!(e.kind(), Some(ErrorKind::InsufficientBalance));
    assert_eq!(e.api().unwrap().reject_reason(), RejectReason::InsufficientBalance);
    let cancel = autobot::exchange::bybit::wire::CancelOrderRequest {
        category: "linear".into(),
        symbol: sym(),
        order_id: None,
        order_link_id: Some("bot-1".into()),
        order_filter: None,
    };
    assert_eq!(c.cancel_order(&cancel).await.unwrap_err().kind(), Some(ErrorKind::OrderNotExists));
    assert_eq!(c.query_api().await.unwrap_err().kind(), Some(ErrorKind::InvalidApiKey));
    // 110043 "not modified" is success.
    let lev = autobot::exchange::bybit::wire::SetLeverageRequest {
        category: "linear".into(),
        symbol: sym(),
        buy_leverage: "5".parse().unwrap(),
        sell_leverage: "5".parse().unwrap(),
    };
    c.set_leverage(&lev).await.unwrap();
    assert_eq!(srv.requests().len(), 4, "no retries for non-retryable codes");
}

#[tokio::test]
async fn limit_status_zero_holds_the_next_request_until_reset() {
    let srv = HttpServer::start(|_, _| {
        Reply::ok(fixture!("rest-position-list.json"))
            .header("X-Bapi-Limit", 50)
            .header("X-Bapi-Limit-Status", 0)
            .header("X-Bapi-Limit-Reset-Timestamp", local_now_ms() + 250)
    })
    .await;
    let c = client(&srv.base_url);
    c.positions(Category::Linear, Some(sym()), None).await.unwrap();
    let t0 = Instant::now();
    c.positions(Category::Linear, Some(sym()), None).await.unwrap();
    let waited = t0.elapsed();
    assert!(waited >= Duration::from_millis(200), "second call should wait for the reset: {waited:?}");
    assert!(waited < Duration::from_secs(2), "{waited:?}");
}

#[tokio::test]
async fn server_time_offset_is_used_for_signing() {
    let srv = HttpServer::start(|r, _| match r.path.as_str() {
        "/v5/market/time" => {
            let ms = local_now_ms() + 5_000;
            Reply::ok(&format!(
                r#"{{"retCode":0,"retMsg":"OK","result":{{"timeSecond":"{}","timeNano":"{}"}},"retExtInfo":{{}},"time":{ms}}}"#,
                ms / 1000,
                ms as i128 * 1_000_000
            ))
        }
        _ => Reply::ok(fixture!("rest-account-wallet-balance.json")),
    })
    .await;
    let c = client(&srv.base_url);
    let off = c.sync_time().await.unwrap();
    assert!((4_900..=5_100).contains(&off), "offset {off}");
    c.wallet_balance(Some("USDT")).await.unwrap();
    let seen = srv.requests();
    let ts: i64 = seen[1].header("x-bapi-timestamp").unwrap().parse().unwrap();
    let skew = ts - local_now_ms();
    assert!((4_800..=5_100).contains(&skew), "timestamp follows the server clock: {skew}");
    assert_eq!(seen[1].query, "accountType=UNIFIED&coin=USDT");
}

#[test]
fn key_file_readable_by_others_is_refused_and_secrets_are_redacted() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bybit.key");
    std::fs::write(&path, "# test key\napi_key = KEYFILE1\napi_secret = \"S3CR3T-VALUE\"\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = load_key_file(&path).unwrap_err();
    assert!(matches!(e, KeyError::TooOpen { mode: 0o644, .. }), "{e}");
    assert!(e.to_string().contains("chmod 600"), "{e}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let c = load_key_file(&path).unwrap();
    assert_eq!((c.api_key.as_str(), c.expose_secret()), ("KEYFILE1", "S3CR3T-VALUE"));
    let rest = RestClient::new(RestConfig::new("http://127.0.0.1:9"), Some(c.clone())).unwrap();
    let shown = format!("{c:?} {c} {rest:?}");
    assert!(!shown.contains("S3CR3T-VALUE"), "{shown}");
    assert!(shown.contains("KEYFILE1"));
    let priv_cfg = PrivateStreamConfig::new(WsConfig::new("ws://127.0.0.1:9"), c, Category::Linear);
    assert!(!format!("{priv_cfg:?}").contains("S3CR3T-VALUE"));
}

fn kline_frame(start: i64, confirm: bool) -> String {
    format!(
        r#"{{"topic":"kline.1.BTCUSDT","data":[{{"start":{start},"end":{},"interval":"1","open":"100","close":"101","high":"102","low":"99","volume":"1","turnover":"100","confirm":{confirm},"timestamp":{}}}],"ts":{},"type":"snapshot"}}"#,
        start + 59_999,
        start + 59_000,
        start + 60_000
    )
}

fn book_frame(kind: &str, u: u64, bid: &str, ask: &str) -> String {
    format!(
        r#"{{"topic":"orderbook.50.BTCUSDT","type":"{kind}","ts":1718000000152,"data":{{"s":"BTCUSDT","b":[["{bid}","1.000"]],"a":[["{ask}","1.000"]],"u":{u},"seq":{u}}},"cts":1718000000150}}"#
    )
}

async fn next_event(rx: &mut mpsc::Receiver<Event>) -> Event {
    tokio::time::timeout(SECS, rx.recv()).await.expect("event in time").expect("stream alive")
}

#[tokio::test]
async fn public_stream_resyncs_books_and_backfills_klines_after_reconnect() {
    let minute = 60_000;
    let t0 = (local_now_ms() / minute - 10) * minute;
    // REST klines: bars t0+1..t0+3 (newest first), all closed.
    let rows: Vec<String> =
        (1..=3).rev().map(|k| format!(r#"["{}","100","102","99","101","1","100"]"#, t0 + k * minute)).collect();
    let kline_body = format!(
        r#"{{"retCode":0,"retMsg":"OK","result":{{"category":"linear","symbol":"BTCUSDT","list":[{}]}},"retExtInfo":{{}},"time":1}}"#,
        rows.join(",")
    );
    let http = HttpServer::start(move |_, _| Reply::ok(&kline_body)).await;
    let ws = WsServer::start("/v5/public/linear").await;
    let mut cfg = WsConfig::new(ws.url.clone());
    cfg.backoff_min = Duration::from_millis(20);
    cfg.backoff_max = Duration::from_millis(50);
    let topics = vec![
        Topic::OrderBook { depth: 50, symbol: sym() },
        Topic::Kline { interval: autobot::domain::Interval::M1, symbol: sym() },
    ];
    let pcfg = PublicStreamConfig { ws: cfg, category: Category::Linear, topics, emit_partial_candles: false };
    let (tx, mut rx) = mpsc::channel(64);
    let (ntx, mut nrx) = mpsc::unbounded_channel();
    let stream = PublicStream::spawn(pcfg, Some(client(&http.base_url)), tx, Some(ntx));

    // Connection 1: subscribe, snapshot, delta, gap -> resubscribe -> fresh snapshot.
    let mut c1 = ws.accept(SECS).await;
    let sub = c1.recv_text(SECS).await.unwrap();
    assert!(sub.contains("orderbook.50.BTCUSDT") && sub.contains("kline.1.BTCUSDT"), "{sub}");
    c1.send(&book_frame("snapshot", 100, "100.0", "100.5")).await;
    c1.send(&book_frame("delta", 101, "100.1", "100.6")).await;
    c1.send(&book_frame("delta", 103, "100.2", "100.7")).await; // 102 missing
    let unsub = c1.recv_text(SECS).await.unwrap();
    assert!(unsub.contains("unsubscribe") && unsub.contains("orderbook.50.BTCUSDT"), "{unsub}");
    let resub = c1.recv_text(SECS).await.unwrap();
    assert!(resub.contains("\"subscribe\"") && resub.contains("orderbook.50.BTCUSDT"), "{resub}");
    c1.send(&book_frame("delta", 104, "100.3", "100.8")).await; // dropped while resyncing
    c1.send(&book_frame("snapshot", 200, "101.0", "101.5")).await;
    c1.send(&book_frame("delta", 201, "101.1", "101.6")).await;
    c1.send(&kline_frame(t0, false)).await; // partial: not forwarded
    c1.send(&kline_frame(t0, true)).await;
    let mut books = Vec::new();
    while books.len() < 4 {
        match next_event(&mut rx).await {
            Event::Book(b) => books.push(b.update_id),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(books, vec![100, 101, 200, 201]);
    match next_event(&mut rx).await {
        Event::Candle(c) => assert_eq!((c.ts_ms, c.closed), (t0, true)),
        other => panic!("unexpected {other:?}"),
    }
    c1.close().await;

    // Connection 2: the client resubscribes everything; missed bars come from REST first,
    // then the live bar t0+3 (already backfilled) is dropped and t0+4 follows.
    let mut c2 = ws.accept(SECS).await;
    let sub2 = c2.recv_text(SECS).await.unwrap();
    assert_eq!(sub2.replace("sub-4", "sub-1"), sub.replace("sub-4", "sub-1"), "same subscription");
    c2.send(&kline_frame(t0 + 3 * minute, true)).await;
    c2.send(&kline_frame(t0 + 4 * minute, true)).await;
    let mut candles = Vec::new();
    while candles.len() < 4 {
        if let Event::Candle(c) = next_event(&mut rx).await {
            assert!(c.closed);
            candles.push((c.ts_ms - t0) / minute);
        }
    }
    assert_eq!(candles, vec![1, 2, 3, 4], "no hole, no duplicate");
    let mut saw_resync = false;
    let mut saw_backfill = false;
    while let Ok(n) = nrx.try_recv() {
        saw_resync |= matches!(n, WsNotice::BookResync { .. });
        saw_backfill |= matches!(n, WsNotice::Backfilled { candles: 3, .. });
    }
    assert!(saw_resync && saw_backfill);
    stream.abort();
}

#[tokio::test]
async fn live_kline_gap_is_backfilled_in_order() {
    let minute = 60_000;
    let t0 = (local_now_ms() / minute - 20) * minute;
    let kline_body = format!(
        r#"{{"retCode":0,"retMsg":"OK","result":{{"category":"linear","symbol":"BTCUSDT","list":[["{}","1","1","1","1","1","1"],["{}","1","1","1","1","1","1"]]}},"retExtInfo":{{}},"time":1}}"#,
        t0 + 2 * minute,
        t0 + minute
    );
    let http = HttpServer::start(move |_, _| Reply::ok(&kline_body)).await;
    let ws = WsServer::start("/v5/public/linear").await;
    let topics = vec![Topic::Kline { interval: autobot::domain::Interval::M1, symbol: sym() }];
    let pcfg = PublicStreamConfig {
        ws: WsConfig::new(ws.url.clone()),
        category: Category::Linear,
        topics,
        emit_partial_candles: true,
    };
    let (tx, mut rx) = mpsc::channel(64);
    let stream = PublicStream::spawn(pcfg, Some(client(&http.base_url)), tx, None);
    let mut c = ws.accept(SECS).await;
    c.recv_text(SECS).await.unwrap();
    c.send(&kline_frame(t0, true)).await;
    c.send(&kline_frame(t0 + 3 * minute, false)).await; // partial, for the UI
    c.send(&kline_frame(t0 + 3 * minute, true)).await; // t0+1, t0+2 missing
    let mut got = Vec::new();
    while got.len() < 5 {
        if let Event::Candle(k) = next_event(&mut rx).await {
            got.push(((k.ts_ms - t0) / minute, k.closed));
        }
    }
    assert_eq!(got, vec![(0, true), (3, false), (1, true), (2, true), (3, true)]);
    let q = &http.requests()[0].query;
    assert!(q.contains("interval=1") && q.contains(&format!("start={}", t0 + 1)), "{q}");
    stream.abort();
}

/// A market clock 100 minutes ahead of the server clock (an accelerated mock), and a series
/// resumed after a REST warm-up: the bars before a confirmed kline are closed whatever the
/// server clock says, so the hole is filled and nothing before the resume point is repeated.
#[tokio::test]
async fn resumed_series_ahead_of_the_server_clock_is_backfilled() {
    let minute = 60_000;
    let t0 = (local_now_ms() / minute + 100) * minute;
    let kline_body = format!(
        r#"{{"retCode":0,"retMsg":"OK","result":{{"category":"linear","symbol":"BTCUSDT","list":[["{}","1","1","1","1","1","1"],["{}","1","1","1","1","1","1"]]}},"retExtInfo":{{}},"time":1}}"#,
        t0 + 2 * minute,
        t0 + minute
    );
    let http = HttpServer::start(move |_, _| Reply::ok(&kline_body)).await;
    let ws = WsServer::start("/v5/public/linear").await;
    let iv = autobot::domain::Interval::M1;
    let pcfg = PublicStreamConfig {
        ws: WsConfig::new(ws.url.clone()),
        category: Category::Linear,
        topics: vec![Topic::Kline { interval: iv, symbol: sym() }],
        emit_partial_candles: false,
    };
    let (tx, mut rx) = mpsc::channel(64);
    let stream = PublicStream::spawn_resuming(pcfg, Some(client(&http.base_url)), tx, None, &[(sym(), iv, t0)]);
    let mut c = ws.accept(SECS).await;
    c.recv_text(SECS).await.unwrap();
    c.send(&kline_frame(t0, true)).await; // already held: dropped
    c.send(&kline_frame(t0 + 3 * minute, true)).await; // t0+1, t0+2 missing
    let mut got = Vec::new();
    while got.len() < 3 {
        if let Event::Candle(k) = next_event(&mut rx).await {
            got.push(((k.ts_ms - t0) / minute, k.closed));
        }
    }
    assert_eq!(got, vec![(1, true), (2, true), (3, true)]);
    let q = &http.requests()[0].query;
    assert!(q.contains(&format!("start={}", t0 + 1)) && q.contains(&format!("end={}", t0 + 3 * minute - 1)), "{q}");
    stream.abort();
}

#[tokio::test]
async fn private_stream_authenticates_subscribes_and_reports() {
    let ws = WsServer::start("/v5/private").await;
    let cfg = PrivateStreamConfig::new(WsConfig::new(ws.url.clone()), creds(), Category::Linear);
    let (tx, mut rx) = mpsc::channel(64);
    let stream = PrivateStream::spawn(cfg, None, tx, None);
    let mut c = ws.accept(SECS).await;
    let auth: serde_json::Value = serde_json::from_str(&c.recv_text(SECS).await.unwrap()).unwrap();
    assert_eq!(auth["op"], "auth");
    let expires = auth["args"][1].as_i64().unwrap();
    let signature = auth["args"][2].as_str().unwrap();
    let lookup = |k: &str| if k == KEY { Some(SECRET) } else { None };
    assert_eq!(sign::verify_ws(KEY, expires, signature, local_now_ms(), lookup), Ok(()));
    let sub = c.recv_text(SECS).await.unwrap();
    for t in ["\"order\"", "\"execution\"", "\"position\"", "\"wallet\""] {
        assert!(sub.contains(t), "{sub}");
    }
    c.send(fixture!("ws-auth-response.json")).await;
    c.send(fixture!("ws-private-order.json")).await;
    match next_event(&mut rx).await {
        Event::Order(o) => {
            assert_eq!(o.client_order_id.as_str(), "bot-20240610-0002");
            assert_eq!(o.status, OrderStatus::Filled);
        }
        other => panic!("unexpected {other:?}"),
    }
    stream.abort();
}

fn btc_rules() -> Rules {
    let mut r = Rules::new();
    r.insert(Instrument::demo(sym(), "0.1", "0.001", "0.001", "100"));
    r
}

#[tokio::test]
async fn venue_validates_locally_and_reports_rejections_as_events() {
    let srv = HttpServer::start(|r, _| match r.body.contains("\"qty\":\"0.002\"") {
        true => Reply::ok(fixture!("rest-error-110007-insufficient-balance.json")),
        false => Reply::ok(fixture!("rest-order-create.json")),
    })
    .await;
    let (tx, mut rx) = mpsc::channel(16);
    let cfg = BybitVenueConfig { category: Category::Linear, settle_coin: "USDT".into(), mode: AccessMode::Trade };
    let mut venue = BybitVenue::spawn(client(&srv.base_url), btc_rules(), cfg, tx, None);
    let mut out = Vec::new();
    // Below the minimum after rounding: refused without a request.
    venue.execute(&Action::PlaceOrder(order("v-1", "0.0004", "60000")), 0, &mut out);
    // Rounded (qty down to 0.001, buy price down to 60000.1) and sent.
    venue.execute(&Action::PlaceOrder(order("v-2", "0.0019", "60000.17")), 0, &mut out);
    // Bybit says no: a Rejected report with the mapped reason.
    venue.execute(&Action::PlaceOrder(order("v-3", "0.002", "60000")), 0, &mut out);
    assert!(out.is_empty(), "an async venue pushes nothing synchronously");
    let first = next_event(&mut rx).await;
    let Event::Order(u) = first else { panic!("{first:?}") };
    assert_eq!(
        (u.client_order_id.as_str(), u.status, u.reason),
        ("v-1", OrderStatus::Rejected, Some(RejectReason::InvalidQty))
    );
    let second = next_event(&mut rx).await;
    let Event::Order(u) = second else { panic!("{second:?}") };
    assert_eq!((u.client_order_id.as_str(), u.reason), ("v-3", Some(RejectReason::InsufficientBalance)));
    let seen = srv.requests();
    assert_eq!(seen.len(), 2);
    assert!(
        seen[0].body.contains(r#""qty":"0.001""#) && seen[0].body.contains(r#""price":"60000.1""#),
        "{}",
        seen[0].body
    );
    assert_signed(&seen[0]);
    // Watch-only refuses locally.
    let (tx2, mut rx2) = mpsc::channel(4);
    let cfg = BybitVenueConfig { category: Category::Linear, settle_coin: "USDT".into(), mode: AccessMode::WatchOnly };
    let mut ro = BybitVenue::spawn(client(&srv.base_url), btc_rules(), cfg, tx2, None);
    ro.execute(&Action::PlaceOrder(order("v-4", "0.01", "60000")), 0, &mut out);
    let Event::Order(u) = next_event(&mut rx2).await else { panic!() };
    assert_eq!(u.status, OrderStatus::Rejected);
    assert_eq!(srv.requests().len(), 2);
}

#[tokio::test]
async fn reconcile_reads_orders_positions_and_balance() {
    let srv = HttpServer::start(|r, _| match r.path.as_str() {
        "/v5/order/realtime" => Reply::ok(fixture!("rest-order-realtime.json")),
        "/v5/position/list" => Reply::ok(fixture!("rest-position-list.json")),
        _ => Reply::ok(fixture!("rest-account-wallet-balance.json")),
    })
    .await;
    let c = client(&srv.base_url);
    let snap = reconcile(&c, Category::Linear, "USDT", &[]).await.unwrap();
    assert_eq!(snap.orders.len(), 1);
    assert_eq!(snap.orders[0].status, OrderStatus::New);
    assert!(!snap.positions.is_empty());
    assert!(snap.balance.is_some());
    let events = snap.events();
    assert!(matches!(events[0], Event::Balance(_)));
    assert_eq!(events.len(), 1 + snap.positions.len() + 1);
    let paths: Vec<String> = srv.requests().iter().map(|r| format!("{}?{}", r.path, r.query)).collect();
    assert!(paths.contains(&"/v5/order/realtime?category=linear&limit=50&settleCoin=USDT".to_string()), "{paths:?}");
    assert!(paths.contains(&"/v5/position/list?category=linear&limit=200&settleCoin=USDT".to_string()), "{paths:?}");
    srv.requests().iter().for_each(assert_signed);
}

#[tokio::test]
async fn instrument_rules_come_from_instruments_info() {
    use autobot::exchange::bybit::rules::{fetch_rules, RulesFetchError};
    let srv = HttpServer::start(|_, _| Reply::ok(fixture!("rest-market-instruments-info-linear.json"))).await;
    let c = client(&srv.base_url);
    let rules = fetch_rules(&c, Category::Linear, &[sym()]).await.unwrap();
    let i = rules.get(sym()).unwrap();
    let got = [
        i.tick_size.to_string(),
        i.qty_step.to_string(),
        i.min_qty.to_string(),
        i.max_qty.to_string(),
        i.max_market_qty.to_string(),
        i.min_notional.to_string(),
        i.max_leverage.to_string(),
    ];
    assert_eq!(got, ["0.1", "0.001", "0.001", "1190", "500", "5", "100"]);
    assert_eq!(srv.requests()[0].query, "category=linear&limit=1000&symbol=BTCUSDT");
    let eth = Symbol::new("ETHUSDT").unwrap();
    let e = fetch_rules(&c, Category::Linear, &[eth]).await.unwrap_err();
    assert!(matches!(e, RulesFetchError::NotListed(s) if s == eth), "{e}");
}
