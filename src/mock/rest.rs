//! HTTP side of the mock: the accept loop (HTTP/1.1 keep-alive, WebSocket upgrades handed to
//! `ws`), routing, the Bybit envelope and rate-limit headers, parameter parsing, and the public
//! `/v5/market/*` endpoints. Signed endpoints live in `rest_trade`.

use super::auth::{check_signed, limit_of};
use super::public::{self, parse_interval};
use super::state::{wall_ms, Shared};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Map, Value};
use std::convert::Infallible;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// A handler's answer: Bybit `(retCode, retMsg)` on failure.
pub(crate) type ApiResult = Result<Value, (i64, String)>;

pub(crate) fn bad(msg: impl Into<String>) -> (i64, String) {
    (10001, msg.into())
}

/// Request parameters (query string or JSON body), values read as text.
#[derive(Debug, Default)]
pub(crate) struct Params(pub Map<String, Value>);

impl Params {
    pub fn from_query(q: &str) -> Params {
        let mut m = Map::new();
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            m.insert(percent_decode(k), Value::String(percent_decode(v)));
        }
        Params(m)
    }

    /// A parameter as text; `""` and `null` count as absent.
    pub fn str(&self, key: &str) -> Option<String> {
        match self.0.get(key)? {
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn required(&self, key: &str) -> Result<String, (i64, String)> {
        self.str(key).ok_or_else(|| bad(format!("params error: {key} is required")))
    }

    pub fn bool(&self, key: &str) -> Result<bool, (i64, String)> {
        match self.str(key).as_deref() {
            None | Some("false") | Some("0") => Ok(false),
            Some("true") | Some("1") => Ok(true),
            Some(other) => Err(bad(format!("params error: {key} invalid: {other}"))),
        }
    }

    /// An integer in `lo..=hi`, or `default` when absent.
    pub fn int(&self, key: &str, default: i64, lo: i64, hi: i64) -> Result<i64, (i64, String)> {
        match self.str(key) {
            None => Ok(default),
            Some(s) => match s.parse::<i64>() {
                Ok(v) if (lo..=hi).contains(&v) => Ok(v),
                _ => Err(bad(format!("params error: {key} invalid: {s}"))),
            },
        }
    }

    /// `category` must be `linear` (the only category the mock trades).
    pub fn linear(&self, required: bool) -> Result<(), (i64, String)> {
        match self.str("category").as_deref() {
            Some("linear") => Ok(()),
            None if !required => Ok(()),
            None => Err(bad("params error: category is required")),
            Some(other) => Err(bad(format!("params error: category {other} is not supported by the mock"))),
        }
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Bybit's envelope.
pub(crate) fn envelope(r: &ApiResult) -> String {
    let time = wall_ms();
    match r {
        Ok(result) => json!({"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {}, "time": time}),
        Err((code, msg)) => json!({"retCode": code, "retMsg": msg, "result": {}, "retExtInfo": {}, "time": time}),
    }
    .to_string()
}

type Reply = Response<Full<Bytes>>;

fn reply(status: StatusCode, content_type: &str, body: String, headers: &[(&str, String)]) -> Reply {
    let mut b = Response::builder().status(status).header("Content-Type", content_type);
    for (k, v) in headers {
        b = b.header(*k, v.as_str());
    }
    b.body(Full::new(Bytes::from(body))).unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

fn json_reply(r: &ApiResult, headers: &[(&str, String)]) -> Reply {
    reply(StatusCode::OK, "application/json; charset=utf-8", envelope(r), headers)
}

/// Accepts connections until `stop`.
pub(crate) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            r = listener.accept() => {
                let Ok((stream, _)) = r else { continue };
                let _ = stream.set_nodelay(true);
                let (shared, conn_stop) = (shared.clone(), stop.clone());
                tokio::spawn(async move {
                    let svc = service_fn(move |req| handle(shared.clone(), req, conn_stop.clone()));
                    let conn = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), svc);
                    let _ = conn.with_upgrades().await;
                });
            }
            _ = stop.changed() => return,
        }
    }
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>, stop: watch::Receiver<bool>) -> Result<Reply, Infallible> {
    if super::ws::is_upgrade(&req) {
        return Ok(super::ws::upgrade(shared, req, stop));
    }
    let path = req.uri().path().to_string();
    if path.starts_with("/v5/") && shared.faults.fail_rest() {
        return Ok(reply(
            StatusCode::SERVICE_UNAVAILABLE,
            "text/plain",
            "503 Service Temporarily Unavailable".into(),
            &[],
        ));
    }
    let method = req.method().clone();
    let query = req.uri().query().unwrap_or("").to_string();
    let headers = req.headers().clone();
    // GET bodies are never read (clients send Content-Type on GETs without a body).
    let body = if method == Method::POST {
        match Limited::new(req.into_body(), 1 << 20).collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => return Ok(reply(StatusCode::BAD_REQUEST, "text/plain", "body too large".into(), &[])),
        }
    } else {
        Bytes::new()
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    Ok(route(&shared, &method, &path, &query, &body, &header))
}

fn route(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    body: &[u8],
    header: &dyn Fn(&str) -> Option<String>,
) -> Reply {
    if method == Method::GET && path.starts_with("/v5/market/") {
        let p = Params::from_query(query);
        let r = match path {
            "/v5/market/time" => Ok(server_time()),
            "/v5/market/kline" => kline(shared, &p),
            "/v5/market/tickers" => tickers(shared, &p),
            "/v5/market/orderbook" => orderbook(shared, &p),
            "/v5/market/instruments-info" => instruments(shared, &p),
            "/v5/market/open-interest" => open_interest(shared, &p),
            "/v5/market/funding/history" => funding_history(shared, &p),
            "/v5/market/recent-trade" => recent_trades(shared, &p),
            _ => return not_found(),
        };
        return json_reply(&r, &[]);
    }
    let signed_get = ["/v5/order/realtime", "/v5/order/history", "/v5/execution/list", "/v5/position/list"];
    let signed_get2 = ["/v5/account/wallet-balance", "/v5/user/query-api"];
    let signed_post = [
        "/v5/order/create",
        "/v5/order/amend",
        "/v5/order/cancel",
        "/v5/order/cancel-all",
        "/v5/position/set-leverage",
        "/v5/position/trading-stop",
        "/v5/position/switch-mode",
    ];
    let is_get = method == Method::GET && (signed_get.contains(&path) || signed_get2.contains(&path));
    let is_post = method == Method::POST && signed_post.contains(&path);
    if !is_get && !is_post {
        return not_found();
    }
    let payload = if is_get { query.to_string() } else { String::from_utf8_lossy(body).into_owned() };
    let key = match check_signed(&shared.config.credentials, header, &payload, wall_ms()) {
        Ok(k) => k,
        Err(e) => return json_reply(&Err(e), &[]),
    };
    let limit = limit_of(path);
    let status = {
        let mut limiter = shared.limiter.lock().unwrap_or_else(|p| p.into_inner());
        limiter.hit(&key, path, limit, wall_ms())
    };
    let headers = [
        ("X-Bapi-Limit", status.limit.to_string()),
        ("X-Bapi-Limit-Status", status.remaining.to_string()),
        ("X-Bapi-Limit-Reset-Timestamp", status.reset_ms.to_string()),
    ];
    if shared.config.rate_limits && !status.allowed {
        return json_reply(&Err((10006, "Too many visits!".to_string())), &headers);
    }
    if is_post && shared.config.read_only {
        let msg = "Permission denied, please check your API key permissions.".to_string();
        return json_reply(&Err((10005, msg)), &headers);
    }
    let params = if is_get {
        Params::from_query(query)
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => Params(m),
            _ => return json_reply(&Err(bad("params error: the body is not a JSON object")), &headers),
        }
    };
    let r = super::rest_trade::dispatch(shared, path, &params);
    json_reply(&r, &headers)
}

fn not_found() -> Reply {
    reply(StatusCode::NOT_FOUND, "text/plain", "404 page not found".into(), &[])
}

fn server_time() -> Value {
    let ms = wall_ms();
    json!({"timeSecond": (ms / 1000).to_string(), "timeNano": (i128::from(ms) * 1_000_000).to_string()})
}

fn symbol_param(shared: &Shared, p: &Params) -> Result<String, (i64, String)> {
    let s = p.required("symbol")?;
    if shared.lock().market(&s).is_none() {
        return Err(bad("params error: symbol invalid"));
    }
    Ok(s)
}

fn opt_ms(p: &Params, key: &str) -> Result<Option<i64>, (i64, String)> {
    p.str(key).map(|s| s.parse::<i64>().map_err(|_| bad(format!("params error: {key} invalid: {s}")))).transpose()
}

fn kline(shared: &Shared, p: &Params) -> ApiResult {
    p.linear(false)?;
    let symbol = symbol_param(shared, p)?;
    let iv_text = p.required("interval")?;
    let iv = parse_interval(&iv_text).ok_or_else(|| bad(format!("params error: interval invalid: {iv_text}")))?;
    let limit = p.int("limit", 200, 1, 1000)? as usize;
    let (start, end) = (opt_ms(p, "start")?.unwrap_or(i64::MIN), opt_ms(p, "end")?.unwrap_or(i64::MAX));
    let inner = shared.lock();
    let Some(ms) = inner.market(&symbol) else { return Err(bad("params error: symbol invalid")) };
    let mut bars: Vec<crate::domain::Candle> = Vec::new();
    let minutes = ms.open_minute.iter().rev().chain(ms.candles.iter().rev());
    for c in minutes {
        let open = iv.bar_open(c.ts_ms);
        if open > end {
            continue;
        }
        if open < start {
            break;
        }
        match bars.last_mut() {
            Some(b) if b.ts_ms == open => {
                // Walking backwards: `c` is earlier than what `b` holds.
                b.open = c.open;
                b.high = b.high.max(c.high);
                b.low = b.low.min(c.low);
                b.volume += c.volume;
                b.turnover += c.turnover;
            }
            _ => {
                if bars.len() == limit {
                    break;
                }
                bars.push(crate::domain::Candle { ts_ms: open, interval: iv, ..*c });
            }
        }
    }
    let list: Vec<Value> = bars.iter().map(|c| public::kline_row(&ms.inst, c)).collect();
    Ok(json!({"category": "linear", "symbol": symbol, "list": list}))
}

fn tickers(shared: &Shared, p: &Params) -> ApiResult {
    p.linear(true)?;
    let want = p.str("symbol");
    let inner = shared.lock();
    if let Some(s) = &want {
        if inner.market(s).is_none() {
            return Err(bad("params error: symbol invalid"));
        }
    }
    let mut list = Vec::new();
    for ms in inner.markets.iter().filter(|m| want.as_deref().is_none_or(|w| w == m.inst.symbol.as_str())) {
        let Some(t) = &ms.ticker else { continue };
        let mut f = public::ticker_fields(ms, t);
        f.remove("tickDirection");
        for k in ["predictedDeliveryPrice", "basisRate", "deliveryFeeRate", "basis", "basisRateYear"] {
            f.insert(k.into(), json!(""));
        }
        f.insert("deliveryTime".into(), json!("0"));
        let oi = f.get("openInterest").cloned().unwrap_or(json!("0"));
        f.insert("singleOpenInterest".into(), oi);
        f.insert("singleOpenInterestValue".into(), f.get("openInterestValue").cloned().unwrap_or(json!("0")));
        list.push(Value::Object(f));
    }
    Ok(json!({"category": "linear", "list": list}))
}

fn orderbook(shared: &Shared, p: &Params) -> ApiResult {
    p.linear(true)?;
    let symbol = symbol_param(shared, p)?;
    let limit = p.int("limit", 25, 1, 1000)? as usize;
    let inner = shared.lock();
    let Some(ms) = inner.market(&symbol) else { return Err(bad("params error: symbol invalid")) };
    let u = ms.views.last().map_or(0, |v| v.u);
    let bids: Vec<_> = ms.book.bids.iter().take(limit).copied().collect();
    let asks: Vec<_> = ms.book.asks.iter().take(limit).copied().collect();
    Ok(json!({"s": symbol, "b": public::levels(&ms.inst, &bids), "a": public::levels(&ms.inst, &asks),
              "ts": inner.now_ms, "u": u, "seq": ms.seq, "cts": ms.book_ts}))
}

fn instruments(shared: &Shared, p: &Params) -> ApiResult {
    p.linear(true)?;
    let want = p.str("symbol");
    let inner = shared.lock();
    let list: Vec<Value> = inner
        .markets
        .iter()
        .filter(|m| want.as_deref().is_none_or(|w| w == m.inst.symbol.as_str()))
        .map(|m| public::instrument_info(&m.inst))
        .collect();
    Ok(json!({"category": "linear", "list": list, "nextPageCursor": ""}))
}

fn open_interest(shared: &Shared, p: &Params) -> ApiResult {
    p.linear(true)?;
    let symbol = symbol_param(shared, p)?;
    let it = p.required("intervalTime")?;
    let step = match it.as_str() {
        "5min" => 300_000,
        "15min" => 900_000,
        "30min" => 1_800_000,
        "1h" => 3_600_000,
        "4h" => 14_400_000,
        "1d" => 86_400_000,
        other => return Err(bad(format!("params error: intervalTime invalid: {other}"))),
    };
    let limit = p.int("limit", 50, 1, 200)? as usize;
    let (start, end) = (opt_ms(p, "startTime")?.unwrap_or(i64::MIN), opt_ms(p, "endTime")?.unwrap_or(i64::MAX));
    let inner = shared.lock();
    let Some(ms) = inner.market(&symbol) else { return Err(bad("params error: symbol invalid")) };
    let mut list: Vec<Value> = Vec::new();
    let mut last_bucket = i64::MAX;
    for (ts, oi) in ms.open_interest.iter().rev() {
        let bucket = ts.div_euclid(step) * step;
        if bucket == last_bucket || bucket > end {
            continue;
        }
        if bucket < start || list.len() == limit {
            break;
        }
        last_bucket = bucket;
        list.push(json!({"openInterest": public::qf(&ms.inst, *oi), "timestamp": bucket.to_string()}));
    }
    Ok(json!({"category": "linear", "symbol": symbol, "list": list, "nextPageCursor": ""}))
}

fn funding_history(shared: &Shared, p: &Params) -> ApiResult {
    p.linear(true)?;
    let symbol = symbol_param(shared, p)?;
    let limit = p.int("limit", 200, 1, 200)? as usize;
    let (start, end) = (opt_ms(p, "startTime")?, opt_ms(p, "endTime")?);
    if start.is_some() && end.is_none() {
        return Err(bad("params error: endTime is required when startTime is given"));
    }
    let inner = shared.lock();
    let Some(ms) = inner.market(&symbol) else { return Err(bad("params error: symbol invalid")) };
    let list: Vec<Value> = ms
        .funding
        .iter()
        .rev()
        .filter(|(ts, _)| *ts <= end.unwrap_or(i64::MAX) && *ts >= start.unwrap_or(i64::MIN))
        .take(limit)
        .map(|(ts, r)| json!({"symbol": symbol, "fundingRate": r.to_string(), "fundingRateTimestamp": ts.to_string()}))
        .collect();
    Ok(json!({"category": "linear", "list": list}))
}

fn recent_trades(shared: &Shared, p: &Params) -> ApiResult {
    p.linear(true)?;
    let symbol = symbol_param(shared, p)?;
    let limit = p.int("limit", 500, 1, 1000)? as usize;
    let inner = shared.lock();
    let Some(ms) = inner.market(&symbol) else { return Err(bad("params error: symbol invalid")) };
    let list: Vec<Value> = ms.trades.iter().rev().take(limit).map(|t| public::rest_trade(&ms.inst, t)).collect();
    Ok(json!({"category": "linear", "list": list}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_params_decode_and_read_as_text() {
        let p = Params::from_query("category=linear&symbol=BTCUSDT&cursor=page_args%3D5%26x&empty=&flag");
        assert_eq!(p.str("cursor").as_deref(), Some("page_args=5&x"));
        assert_eq!(p.str("empty"), None);
        assert_eq!(p.str("flag"), None);
        assert!(p.linear(true).is_ok());
        assert_eq!(p.int("limit", 20, 1, 50), Ok(20));
        let p = Params::from_query("limit=51&category=spot");
        assert_eq!(p.int("limit", 20, 1, 50).unwrap_err().0, 10001);
        assert_eq!(p.linear(true).unwrap_err().0, 10001);
        assert_eq!(percent_decode("a%2"), "a%2");
    }

    #[test]
    fn envelope_has_numeric_ret_code() {
        let v: Value = serde_json::from_str(&envelope(&Err((10004, "error sign!".into())))).unwrap();
        assert_eq!(v["retCode"], json!(10004));
        assert_eq!(v["result"], json!({}));
        let v: Value = serde_json::from_str(&envelope(&Ok(json!({"a": 1})))).unwrap();
        assert_eq!((v["retCode"].clone(), v["retMsg"].clone()), (json!(0), json!("OK")));
        assert!(v["time"].is_i64());
    }
}
