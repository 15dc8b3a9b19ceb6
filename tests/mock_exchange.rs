//! End-to-end tests of `autobot mock-exchange` over loopback: signed REST, rate limits, the
//! public and private WebSocket streams and the fault flags. Each test starts its own server on
//! 127.0.0.1:0 with a fast market (one generated minute per 600 ms).

use autobot::exchange::bybit::sign::sign_rest;
use autobot::exchange::bybit::Credentials;
use autobot::mock::{self, FaultConfig, MockConfig, MockHandle};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;

const KEY: &str = "TESTKEY123";
const SECRET: &str = "TESTSECRET456";

type Client = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

async fn start(faults: FaultConfig) -> MockHandle {
    let cfg = MockConfig {
        credentials: Credentials::new(KEY, SECRET),
        minute_ms: 600,
        history_minutes: 60,
        faults,
        ..Default::default()
    };
    mock::start(cfg).await.expect("mock starts")
}

async fn get(base: &str, path_query: &str) -> Value {
    let text = reqwest::get(format!("{base}{path_query}")).await.unwrap().text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// A signed GET; `ts_shift` moves the timestamp (stale requests), `secret` may be wrong.
async fn signed_get_with(
    base: &str,
    path: &str,
    query: &str,
    ts_shift: i64,
    secret: &str,
) -> (reqwest::header::HeaderMap, Value) {
    let ts = now_ms() + ts_shift;
    let sign = sign_rest(KEY, secret, ts, 5000, query);
    let resp = reqwest::Client::new()
        .get(format!("{base}{path}?{query}"))
        .header("X-BAPI-API-KEY", KEY)
        .header("X-BAPI-TIMESTAMP", ts.to_string())
        .header("X-BAPI-RECV-WINDOW", "5000")
        .header("X-BAPI-SIGN", sign)
        .header("X-BAPI-SIGN-TYPE", "2")
        .header("Content-Type", "application/json")
        .send()
        .await
        .unwrap();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    (headers, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")))
}

async fn signed_get(base: &str, path: &str, query: &str) -> Value {
    signed_get_with(base, path, query, 0, SECRET).await.1
}

/// A signed POST of `body` exactly as given (Python-style spacing is fine: the raw bytes are signed).
async fn signed_post_full(base: &str, path: &str, body: &str) -> (reqwest::header::HeaderMap, Value) {
    let ts = now_ms();
    let sign = sign_rest(KEY, SECRET, ts, 5000, body);
    let resp = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("X-BAPI-API-KEY", KEY)
        .header("X-BAPI-TIMESTAMP", ts.to_string())
        .header("X-BAPI-RECV-WINDOW", "5000")
        .header("X-BAPI-SIGN", sign)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    (headers, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")))
}

async fn signed_post(base: &str, path: &str, body: &str) -> Value {
    signed_post_full(base, path, body).await.1
}

async fn last_price(base: &str) -> f64 {
    let t = get(base, "/v5/market/tickers?category=linear&symbol=BTCUSDT").await;
    t["result"]["list"][0]["lastPrice"].as_str().unwrap().parse().unwrap()
}

async fn next_frame(ws: &mut Client) -> Option<String> {
    loop {
        match timeout(Duration::from_secs(5), ws.next()).await.expect("no frame within 5 s") {
            Some(Ok(Message::Text(t))) => return Some(t.to_string()),
            Some(Ok(_)) => continue,
            _ => return None,
        }
    }
}

async fn next_json(ws: &mut Client) -> Value {
    let t = next_frame(ws).await.expect("connection open");
    serde_json::from_str(&t).unwrap_or_else(|e| panic!("{e}: {t}"))
}

async fn send(ws: &mut Client, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_time_and_market_data() {
    let m = start(FaultConfig::default()).await;
    let base = m.rest_url();
    let t = get(&base, "/v5/market/time").await;
    assert_eq!(t["retCode"], json!(0));
    let secs: i64 = t["result"]["timeSecond"].as_str().unwrap().parse().unwrap();
    assert!((secs - now_ms() / 1000).abs() <= 2, "server time is wall time");

    let k = get(&base, "/v5/market/kline?category=linear&symbol=BTCUSDT&interval=1&limit=5").await;
    let rows = k["result"]["list"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    let starts: Vec<i64> = rows.iter().map(|r| r[0].as_str().unwrap().parse().unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] - w[1] == 60_000), "newest first, one minute apart: {starts:?}");
    assert!(rows.iter().all(|r| r.as_array().unwrap().len() == 7 && r[1].is_string()));
    let k5 = get(&base, "/v5/market/kline?category=linear&symbol=BTCUSDT&interval=5&limit=3").await;
    let s5: Vec<i64> =
        k5["result"]["list"].as_array().unwrap().iter().map(|r| r[0].as_str().unwrap().parse().unwrap()).collect();
    assert!(s5.iter().all(|s| s % 300_000 == 0) && s5.len() == 3, "{s5:?}");

    let bad = get(&base, "/v5/market/kline?category=linear&symbol=BTCUSDT&interval=7").await;
    assert_eq!(bad["retCode"], json!(10001));
    let bad = get(&base, "/v5/market/orderbook?category=linear&symbol=NOPE").await;
    assert_eq!(bad["retCode"], json!(10001));

    let ob = get(&base, "/v5/market/orderbook?category=linear&symbol=BTCUSDT&limit=5").await;
    let bids = ob["result"]["b"].as_array().unwrap();
    let asks = ob["result"]["a"].as_array().unwrap();
    assert_eq!((bids.len(), asks.len()), (5, 5));
    let p = |v: &Value| v[0].as_str().unwrap().parse::<f64>().unwrap();
    assert!(bids.windows(2).all(|w| p(&w[0]) > p(&w[1])) && asks.windows(2).all(|w| p(&w[0]) < p(&w[1])));
    assert!(p(&bids[0]) < p(&asks[0]));
    assert!(ob["result"]["u"].is_u64() && ob["result"]["ts"].is_i64());

    let ins = get(&base, "/v5/market/instruments-info?category=linear&symbol=BTCUSDT").await;
    assert_eq!(ins["result"]["list"][0]["priceFilter"]["tickSize"], json!("0.1"));
    assert_eq!(ins["result"]["list"][0]["lotSizeFilter"]["qtyStep"], json!("0.001"));
    let tr = get(&base, "/v5/market/recent-trade?category=linear&symbol=BTCUSDT&limit=3").await;
    assert_eq!(tr["result"]["list"].as_array().unwrap().len(), 3);
    let oi = get(&base, "/v5/market/open-interest?category=linear&symbol=BTCUSDT&intervalTime=5min&limit=2").await;
    assert_eq!(oi["retCode"], json!(0));
    assert!(last_price(&base).await > 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_order_create_amend_cancel() {
    let m = start(FaultConfig::default()).await;
    let base = m.rest_url();
    let far = ((last_price(&base).await * 0.8) * 10.0).round() / 10.0;
    // Python-style body (", " and ": " separators): the raw bytes are what is signed.
    let body = format!(
        r#"{{"category": "linear", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Limit", "qty": "0.010", "price": "{far:.1}", "timeInForce": "GTC", "orderLinkId": "t-0001", "reduceOnly": false}}"#
    );
    let r = signed_post(&base, "/v5/order/create", &body).await;
    assert_eq!(r["retCode"], json!(0), "{r}");
    let order_id = r["result"]["orderId"].as_str().unwrap().to_string();
    assert_eq!(order_id.len(), 36);
    assert_eq!(r["result"]["orderLinkId"], json!("t-0001"));

    let rt = signed_get(&base, "/v5/order/realtime", "category=linear&symbol=BTCUSDT").await;
    let o = &rt["result"]["list"][0];
    assert_eq!((o["orderId"].as_str(), o["orderStatus"].as_str()), (Some(order_id.as_str()), Some("New")));
    assert_eq!(o["price"], json!(format!("{far:.1}")));
    assert_eq!(o["qty"], json!("0.010"));

    let new_price = format!("{:.1}", far - 10.0);
    let amend = format!(r#"{{"category":"linear","symbol":"BTCUSDT","orderLinkId":"t-0001","price":"{new_price}"}}"#);
    let r = signed_post(&base, "/v5/order/amend", &amend).await;
    assert_eq!(r["retCode"], json!(0), "{r}");
    let rt = signed_get(&base, "/v5/order/realtime", "category=linear&orderLinkId=t-0001").await;
    assert_eq!(rt["result"]["list"][0]["price"], json!(new_price));

    let cancel = format!(r#"{{"category":"linear","symbol":"BTCUSDT","orderId":"{order_id}"}}"#);
    let r = signed_post(&base, "/v5/order/cancel", &cancel).await;
    assert_eq!(r["retCode"], json!(0), "{r}");
    let rt = signed_get(&base, "/v5/order/realtime", "category=linear&symbol=BTCUSDT").await;
    assert_eq!(rt["result"]["list"], json!([]), "a cancelled order leaves the open list");
    let hist = signed_get(&base, "/v5/order/history", "category=linear&symbol=BTCUSDT").await;
    assert_eq!(hist["result"]["list"][0]["orderStatus"], json!("Cancelled"));
    // Cancelling again: 110001.
    assert_eq!(signed_post(&base, "/v5/order/cancel", &cancel).await["retCode"], json!(110001));

    // The same orderLinkId again: 110072.
    let r = signed_post(&base, "/v5/order/create", &body).await;
    assert_eq!(r["retCode"], json!(110072), "{r}");
    // Off-tick price and below-minimum notional.
    let off =
        r#"{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.010","price":"100.05"}"#;
    assert_eq!(signed_post(&base, "/v5/order/create", off).await["retCode"], json!(10001));
    let tiny =
        r#"{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.001","price":"100.0"}"#;
    assert_eq!(signed_post(&base, "/v5/order/create", tiny).await["retCode"], json!(110094));

    let w = signed_get(&base, "/v5/account/wallet-balance", "accountType=UNIFIED").await;
    assert_eq!(w["result"]["list"][0]["coin"][0]["coin"], json!("USDT"));
    let q = signed_get(&base, "/v5/user/query-api", "").await;
    assert_eq!(q["result"]["apiKey"], json!(KEY));
    assert_eq!(q["result"]["readOnly"], json!(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_failures_and_rate_limit() {
    let m = start(FaultConfig::default()).await;
    let base = m.rest_url();
    let q = "category=linear&symbol=BTCUSDT";
    let (_, bad_sig) = signed_get_with(&base, "/v5/position/list", q, 0, "WRONG").await;
    assert_eq!(bad_sig["retCode"], json!(10004));
    assert!(bad_sig["retMsg"].as_str().unwrap().starts_with("error sign!"));
    let (_, stale) = signed_get_with(&base, "/v5/position/list", q, -60_000, SECRET).await;
    assert_eq!(stale["retCode"], json!(10002));
    let (_, future) = signed_get_with(&base, "/v5/position/list", q, 5_000, SECRET).await;
    assert_eq!(future["retCode"], json!(10002));
    let (headers, ok) = signed_get_with(&base, "/v5/position/list", q, 0, SECRET).await;
    assert_eq!(ok["retCode"], json!(0));
    assert_eq!(ok["result"]["list"][0]["size"], json!("0.000"));
    assert_eq!(headers["X-Bapi-Limit"], "50");

    // 11 cancels inside one second: the 11th is refused with 10006 and the limit headers.
    let body = r#"{"category":"linear","symbol":"BTCUSDT","orderId":"no-such-order"}"#;
    let started = Instant::now();
    let mut last = None;
    for _ in 0..11 {
        last = Some(signed_post_full(&base, "/v5/order/cancel", body).await);
    }
    assert!(started.elapsed() < Duration::from_millis(900), "test too slow to hit the 1 s window");
    let (headers, v) = last.unwrap();
    assert_eq!(v["retCode"], json!(10006), "{v}");
    assert_eq!(v["retMsg"], json!("Too many visits!"));
    assert_eq!(headers["X-Bapi-Limit"], "10");
    assert_eq!(headers["X-Bapi-Limit-Status"], "0");
    let reset: i64 = headers["X-Bapi-Limit-Reset-Timestamp"].to_str().unwrap().parse().unwrap();
    assert!(reset >= now_ms() - 50 && reset <= now_ms() + 1000, "reset {reset}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_orderbook_snapshot_then_deltas() {
    let m = start(FaultConfig::default()).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(m.ws_public_url()).await.unwrap();
    send(&mut ws, json!({"req_id": "p1", "op": "ping"})).await;
    let pong = next_json(&mut ws).await;
    assert_eq!(
        (pong["op"].as_str(), pong["ret_msg"].as_str(), pong["req_id"].as_str()),
        (Some("ping"), Some("pong"), Some("p1"))
    );
    send(&mut ws, json!({"req_id": "s1", "op": "subscribe", "args": ["orderbook.50.BTCUSDT"]})).await;
    let ack = next_json(&mut ws).await;
    assert_eq!(ack["success"], json!(true), "{ack}");
    assert_eq!(ack["req_id"], json!("s1"));
    assert!(ack["conn_id"].is_string());
    let snap = next_json(&mut ws).await;
    assert_eq!(snap["type"], json!("snapshot"), "{snap}");
    assert_eq!(snap["topic"], json!("orderbook.50.BTCUSDT"));
    assert!(snap["cts"].is_i64() && snap["data"]["seq"].is_u64());
    let mut u = snap["data"]["u"].as_u64().unwrap();
    for _ in 0..3 {
        let d = next_json(&mut ws).await;
        assert_eq!(d["topic"], json!("orderbook.50.BTCUSDT"), "only subscribed topics: {d}");
        assert_eq!(d["type"], json!("delta"));
        let next = d["data"]["u"].as_u64().unwrap();
        assert_eq!(next, u + 1, "u increases by one");
        u = next;
    }
    // A bad topic is refused; klines arrive once subscribed.
    send(&mut ws, json!({"op": "unsubscribe", "args": ["orderbook.50.BTCUSDT"]})).await;
    send(&mut ws, json!({"op": "subscribe", "args": ["kline.1.NOPE"]})).await;
    send(&mut ws, json!({"op": "subscribe", "args": ["kline.1.BTCUSDT"]})).await;
    let mut saw_refusal = false;
    let mut saw_kline = false;
    for _ in 0..60 {
        let v = next_json(&mut ws).await;
        if v["op"] == json!("subscribe") && v["success"] == json!(false) {
            saw_refusal = true;
        }
        if v["topic"] == json!("kline.1.BTCUSDT") {
            assert!(v["data"][0]["confirm"].is_boolean() && v["data"][0]["start"].is_i64());
            saw_kline = true;
            break;
        }
    }
    assert!(saw_refusal && saw_kline);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_auth_then_order_pushes() {
    let m = start(FaultConfig::default()).await;
    let base = m.rest_url();
    let creds = Credentials::new(KEY, SECRET);
    let (mut ws, _) = tokio_tungstenite::connect_async(m.ws_private_url()).await.unwrap();
    // Subscribing before auth is refused.
    send(&mut ws, json!({"op": "subscribe", "args": ["order"]})).await;
    assert_eq!(next_json(&mut ws).await["success"], json!(false));
    // An expired `expires` is refused.
    let old = now_ms() - 1000;
    let bad = json!({"op": "auth", "args": [KEY, old, creds.sign_ws(old)]});
    send(&mut ws, bad).await;
    let v = next_json(&mut ws).await;
    assert_eq!((v["op"].as_str(), v["success"].as_bool()), (Some("auth"), Some(false)));
    // Auth and subscribe back to back, without waiting for the ack.
    let expires = now_ms() + 10_000;
    ws.send(Message::Text(creds.ws_auth_request(expires, Some("a1")).into())).await.unwrap();
    send(&mut ws, json!({"req_id": "s1", "op": "subscribe", "args": ["order", "execution", "position", "wallet"]}))
        .await;
    let auth = next_json(&mut ws).await;
    assert_eq!((auth["success"].as_bool(), auth["req_id"].as_str()), (Some(true), Some("a1")), "{auth}");
    let sub = next_json(&mut ws).await;
    assert_eq!(sub["success"], json!(true), "{sub}");
    send(&mut ws, json!({"req_id": "pp", "op": "ping"})).await;
    let pong = next_json(&mut ws).await;
    assert_eq!((pong["op"].as_str(), pong["req_id"].as_str()), (Some("pong"), Some("pp")));

    // A second connection that only wants `order` never sees the other topics.
    let (mut ws2, _) = tokio_tungstenite::connect_async(m.ws_private_url()).await.unwrap();
    ws2.send(Message::Text(creds.ws_auth_request(expires, None).into())).await.unwrap();
    send(&mut ws2, json!({"op": "subscribe", "args": ["order"]})).await;
    assert_eq!(next_json(&mut ws2).await["success"], json!(true));
    assert_eq!(next_json(&mut ws2).await["success"], json!(true));

    let body = r#"{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Market","qty":"0.010","orderLinkId":"mkt-1"}"#;
    let r = signed_post(&base, "/v5/order/create", body).await;
    assert_eq!(r["retCode"], json!(0), "{r}");
    let mut topics = Vec::new();
    let mut filled = false;
    while topics.len() < 4 || !filled {
        let v = next_json(&mut ws).await;
        let topic = v["topic"].as_str().unwrap().to_string();
        assert!(v["creationTime"].is_i64() && v["id"].is_string(), "{v}");
        let d = &v["data"][0];
        match topic.as_str() {
            "order" => {
                assert_eq!(d["orderLinkId"], json!("mkt-1"));
                filled |= d["orderStatus"] == json!("Filled");
            }
            "execution" => assert_eq!((d["execQty"].as_str(), d["isMaker"].as_bool()), (Some("0.010"), Some(false))),
            "position" => assert_eq!((d["side"].as_str(), d["size"].as_str()), (Some("Buy"), Some("0.010"))),
            "wallet" => assert_eq!(d["coin"][0]["coin"], json!("USDT")),
            other => panic!("unexpected topic {other}"),
        }
        if !topics.contains(&topic) {
            topics.push(topic);
        }
    }
    assert_eq!(topics, vec!["order", "execution", "position", "wallet"], "Bybit's push order");
    let v = next_json(&mut ws2).await;
    assert_eq!(v["topic"], json!("order"));
    let ex = signed_get(&base, "/v5/execution/list", "category=linear&symbol=BTCUSDT").await;
    assert_eq!(ex["result"]["list"][0]["orderLinkId"], json!("mkt-1"));
    let pos = signed_get(&base, "/v5/position/list", "category=linear&settleCoin=USDT").await;
    assert_eq!(pos["result"]["list"][0]["size"], json!("0.010"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_flags_gap_malform_drop_and_5xx() {
    let faults = FaultConfig {
        drop_every: Some(Duration::from_millis(2500)),
        malformed_every: Some(5),
        skip_seq_every: Some(3),
        ..Default::default()
    };
    let m = start(faults).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(m.ws_public_url()).await.unwrap();
    let opened = Instant::now();
    send(&mut ws, json!({"op": "subscribe", "args": ["orderbook.50.BTCUSDT", "publicTrade.BTCUSDT"]})).await;
    let (mut malformed, mut gap, mut last_u) = (false, false, None::<u64>);
    while let Some(t) = next_frame(&mut ws).await {
        let Ok(v) = serde_json::from_str::<Value>(&t) else {
            malformed = true;
            continue;
        };
        if v["topic"] == json!("orderbook.50.BTCUSDT") {
            let u = v["data"]["u"].as_u64().unwrap();
            if let (Some(prev), "delta") = (last_u, v["type"].as_str().unwrap_or("")) {
                gap |= u > prev + 1;
            }
            last_u = Some(u);
        }
    }
    let lived = opened.elapsed();
    assert!(malformed, "a malformed frame was sent");
    assert!(gap, "an order-book gap was sent");
    assert!(lived >= Duration::from_millis(2000) && lived < Duration::from_millis(4500), "dropped after {lived:?}");

    let m = start(FaultConfig { fail_rate: 1.0, ..Default::default() }).await;
    let resp = reqwest::get(format!("{}/v5/market/time", m.rest_url())).await.unwrap();
    assert_eq!(resp.status().as_u16(), 503);
}
