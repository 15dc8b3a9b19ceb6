//! Public stream (`/v5/public/linear`, `/v5/public/spot`): subscribe / unsubscribe acks, the
//! `ping` op, order-book snapshots on subscribe followed by the deltas with increasing `u`,
//! ticker snapshot then deltas, klines, trades and liquidations — only topics the client holds.

use super::public::{book_snapshot, parse_interval};
use super::state::Shared;
use super::ws::{maybe_sleep, req_id, str_args, Conn};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::collections::HashMap;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

/// Whether `topic` names a public topic of a known symbol.
pub(crate) fn valid_topic(shared: &Shared, topic: &str) -> bool {
    let parts: Vec<&str> = topic.split('.').collect();
    let known = |s: &str| shared.lock().market(s).is_some();
    match parts.as_slice() {
        ["orderbook", depth, sym] => super::state::DEPTHS.iter().any(|d| d.to_string() == *depth) && known(sym),
        ["kline", iv, sym] => parse_interval(iv).is_some() && known(sym),
        ["publicTrade", sym] | ["tickers", sym] | ["allLiquidation", sym] | ["liquidation", sym] => known(sym),
        _ => false,
    }
}

/// What a new subscriber gets first: the order-book snapshot (with its `u`) or the ticker snapshot.
fn initial(shared: &Shared, topic: &str) -> Option<(String, Option<u64>)> {
    let parts: Vec<&str> = topic.split('.').collect();
    let inner = shared.lock();
    match parts.as_slice() {
        ["orderbook", depth, sym] => {
            let ms = inner.market(sym)?;
            let view = ms.views.iter().find(|v| v.depth.to_string() == *depth)?;
            Some((book_snapshot(ms, view, inner.now_ms), Some(view.u)))
        }
        ["tickers", sym] => {
            let ms = inner.market(sym)?;
            let t = ms.ticker.as_ref()?;
            let data = super::public::ticker_fields(ms, t);
            let text = json!({"topic": topic, "type": "snapshot", "data": Value::Object(data), "cs": ms.seq, "ts": inner.now_ms});
            Some((text.to_string(), None))
        }
        _ => None,
    }
}

pub(crate) async fn run(mut conn: Conn, spot: bool, mut stop: watch::Receiver<bool>) {
    let shared = conn.shared.clone();
    let mut rx = shared.public_tx.subscribe();
    // topic -> last order-book `u` sent (0 for other topics).
    let mut subs: HashMap<String, u64> = HashMap::new();
    let drop = maybe_sleep(conn.drop_after());
    tokio::pin!(drop);
    loop {
        tokio::select! {
            incoming = conn.ws.next() => match incoming {
                Some(Ok(Message::Text(t))) => {
                    if !on_text(&mut conn, spot, t.as_str(), &mut subs).await {
                        return;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            msg = rx.recv() => match msg {
                Ok(m) => {
                    let Some(last_u) = subs.get_mut(&m.topic) else { continue };
                    if let Some(u) = m.book_u {
                        if u <= *last_u {
                            continue;
                        }
                        *last_u = u;
                    }
                    if !conn.send_data(&m.text).await {
                        return;
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    // Missed frames: order books restart from a fresh snapshot.
                    let topics: Vec<String> = subs.keys().filter(|t| t.starts_with("orderbook.")).cloned().collect();
                    for t in topics {
                        if let Some((text, Some(u))) = initial(&shared, &t) {
                            subs.insert(t, u);
                            if !conn.send_data(&text).await {
                                return;
                            }
                        }
                    }
                }
                Err(RecvError::Closed) => return,
            },
            _ = &mut drop => return,
            _ = stop.changed() => return,
        }
    }
}

/// Handles one client frame; false when the connection should end.
async fn on_text(conn: &mut Conn, spot: bool, text: &str, subs: &mut HashMap<String, u64>) -> bool {
    let conn_id = conn.conn_id.clone();
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        let msg = format!("Failed to decode incoming data: {}", text.chars().take(80).collect::<String>());
        return conn
            .send_ctrl(&json!({"success": false, "ret_msg": msg, "conn_id": conn_id, "req_id": "", "op": ""}))
            .await;
    };
    let op = v.get("op").and_then(Value::as_str).unwrap_or("").to_string();
    let rid = req_id(&v);
    let with_req = |mut ack: Value| {
        if let (Some(r), Some(m)) = (&rid, ack.as_object_mut()) {
            m.insert("req_id".into(), r.clone());
        }
        ack
    };
    match op.as_str() {
        "ping" => {
            let mut pong = json!({"success": true, "ret_msg": "pong", "conn_id": conn_id, "op": "ping"});
            if !spot {
                pong["req_id"] = json!("");
            }
            conn.send_ctrl(&with_req(pong)).await
        }
        "subscribe" | "unsubscribe" => {
            let args = str_args(&v);
            let shared = conn.shared.clone();
            let bad: Vec<&String> = args.iter().filter(|t| !valid_topic(&shared, t)).collect();
            if args.is_empty() || !bad.is_empty() {
                let msg = format!("Invalid topic :[{}]", bad.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","));
                let ack = json!({"success": false, "ret_msg": msg, "conn_id": conn_id, "op": op});
                return conn.send_ctrl(&with_req(ack)).await;
            }
            let ret_msg = if spot { op.as_str() } else { "" };
            let ack = json!({"success": true, "ret_msg": ret_msg, "conn_id": conn_id, "op": op});
            if !conn.send_ctrl(&with_req(ack)).await {
                return false;
            }
            if op == "unsubscribe" {
                for t in &args {
                    subs.remove(t);
                }
                return true;
            }
            for t in args {
                if t.starts_with("kline.") {
                    shared.kline_topics.lock().unwrap_or_else(|p| p.into_inner()).insert(t.clone());
                }
                match initial(&shared, &t) {
                    Some((text, u)) => {
                        subs.insert(t, u.unwrap_or(0));
                        if !conn.send_data(&text).await {
                            return false;
                        }
                    }
                    None => {
                        subs.insert(t, 0);
                    }
                }
            }
            true
        }
        _ => {
            let ack = json!({"success": false, "ret_msg": format!("Invalid op: {op}"), "conn_id": conn_id, "op": op});
            conn.send_ctrl(&with_req(ack)).await
        }
    }
}
