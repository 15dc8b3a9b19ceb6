//! Private stream (`/v5/private`): the `auth` op (`[api_key, expires_ms, hex HMAC of
//! "GET/realtime" + expires]`), subscribe / unsubscribe to `order`, `execution`, `position`,
//! `wallet` (or their `.linear` variants), the private `pong`, and the pushes, each sent with the
//! topic exactly as the client subscribed it. Frames are handled strictly in order, so a
//! `subscribe` sent right after `auth` already sees the authentication.

use super::state::{wall_ms, PrivateMsg};
use super::ws::{maybe_sleep, req_id, str_args, Conn};
use crate::exchange::bybit::sign::{verify_ws, SignError};
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

const TOPICS: [&str; 7] =
    ["order", "execution", "position", "wallet", "order.linear", "execution.linear", "position.linear"];

pub(crate) async fn run(mut conn: Conn, mut stop: watch::Receiver<bool>) {
    let shared = conn.shared.clone();
    let mut rx = shared.private_tx.subscribe();
    let mut authed = false;
    let mut subs: Vec<String> = Vec::new();
    let drop = maybe_sleep(conn.drop_after());
    tokio::pin!(drop);
    loop {
        tokio::select! {
            incoming = conn.ws.next() => match incoming {
                Some(Ok(Message::Text(t))) => {
                    if !on_text(&mut conn, t.as_str(), &mut authed, &mut subs).await {
                        return;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            msg = rx.recv() => match msg {
                Ok(m) => {
                    if !push(&mut conn, &m, &subs).await {
                        return;
                    }
                }
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
            _ = &mut drop => return,
            _ = stop.changed() => return,
        }
    }
}

async fn push(conn: &mut Conn, m: &PrivateMsg, subs: &[String]) -> bool {
    for topic in subs.iter().filter(|t| t.split('.').next() == Some(m.kind.base())) {
        let frame = json!({"id": m.id, "topic": topic, "creationTime": m.creation_ms, "data": m.data});
        if !conn.send_data(&frame.to_string()).await {
            return false;
        }
    }
    true
}

fn ack(conn_id: &str, op: &str, ok: bool, msg: &str, rid: &Option<Value>) -> Value {
    let mut v = json!({"success": ok, "ret_msg": msg, "op": op, "conn_id": conn_id});
    if let (Some(r), Some(m)) = (rid, v.as_object_mut()) {
        m.insert("req_id".into(), r.clone());
    }
    v
}

async fn on_text(conn: &mut Conn, text: &str, authed: &mut bool, subs: &mut Vec<String>) -> bool {
    let conn_id = conn.conn_id.clone();
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        let msg = format!("Failed to decode incoming data: {}", text.chars().take(80).collect::<String>());
        return conn
            .send_ctrl(&json!({"success": false, "ret_msg": msg, "conn_id": conn_id, "req_id": "", "op": ""}))
            .await;
    };
    let op = v.get("op").and_then(Value::as_str).unwrap_or("").to_string();
    let rid = req_id(&v);
    match op.as_str() {
        "ping" => {
            let mut pong = json!({"op": "pong", "args": [wall_ms().to_string()], "conn_id": conn_id});
            if let Some(r) = rid {
                pong["req_id"] = r;
            }
            conn.send_ctrl(&pong).await
        }
        "auth" => {
            if *authed {
                return conn.send_ctrl(&ack(&conn_id, "auth", false, "Request already authorized", &rid)).await;
            }
            let reply = match auth_result(conn, &v) {
                Ok(()) => {
                    *authed = true;
                    ack(&conn_id, "auth", true, "", &rid)
                }
                Err(msg) => ack(&conn_id, "auth", false, msg, &rid),
            };
            conn.send_ctrl(&reply).await
        }
        "subscribe" | "unsubscribe" => {
            if !*authed {
                return conn.send_ctrl(&ack(&conn_id, &op, false, "Request not authorized", &rid)).await;
            }
            let args = str_args(&v);
            let bad: Vec<&String> = args.iter().filter(|t| !TOPICS.contains(&t.as_str())).collect();
            if args.is_empty() || !bad.is_empty() {
                let msg = format!("Invalid topic :[{}]", bad.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","));
                return conn.send_ctrl(&ack(&conn_id, &op, false, &msg, &rid)).await;
            }
            for t in args {
                if op == "subscribe" {
                    if !subs.contains(&t) {
                        subs.push(t);
                    }
                } else {
                    subs.retain(|s| *s != t);
                }
            }
            conn.send_ctrl(&ack(&conn_id, &op, true, "", &rid)).await
        }
        _ => conn.send_ctrl(&ack(&conn_id, &op, false, &format!("Invalid op: {op}"), &rid)).await,
    }
}

/// Checks `args = [api_key, expires, signature]` (expires as a JSON integer or numeric string).
fn auth_result(conn: &Conn, v: &Value) -> Result<(), &'static str> {
    let args = v.get("args").and_then(Value::as_array).ok_or("Params Error")?;
    let key = args.first().and_then(Value::as_str).ok_or("Params Error")?;
    let expires = match args.get(1) {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .ok_or("Params Error")?;
    let sig = args.get(2).and_then(Value::as_str).ok_or("Params Error")?;
    let creds = &conn.shared.config.credentials;
    let lookup = |k: &str| if k == creds.api_key { Some(creds.expose_secret()) } else { None };
    match verify_ws(key, expires, sig, wall_ms(), lookup) {
        Ok(()) => Ok(()),
        Err(SignError::Expired { .. }) => Err("Params Error"),
        Err(SignError::UnknownKey) => Err("Invalid apikey"),
        Err(_) => Err("Invalid sign"),
    }
}
