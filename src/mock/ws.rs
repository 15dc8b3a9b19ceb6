//! WebSocket plumbing shared by the public and private streams: the HTTP upgrade on the REST
//! port, and a connection wrapper that applies the delay / malformed-frame faults to data frames
//! (acks and pongs are never faulted).

use super::faults::corrupt;
use super::state::Shared;
use bytes::Bytes;
use futures_util::SinkExt;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::upgrade::Upgraded;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub(crate) type Ws = WebSocketStream<TokioIo<Upgraded>>;

/// Whether the request asks for a WebSocket upgrade.
pub(crate) fn is_upgrade(req: &Request<Incoming>) -> bool {
    req.headers()
        .get(hyper::header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

#[derive(Clone, Copy)]
enum Stream {
    Public { spot: bool },
    Private,
}

fn plain(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(text.to_string())));
    *r.status_mut() = status;
    r
}

/// Answers `101 Switching Protocols` and runs the stream on the upgraded connection.
pub(crate) fn upgrade(
    shared: Arc<Shared>,
    req: Request<Incoming>,
    stop: watch::Receiver<bool>,
) -> Response<Full<Bytes>> {
    let stream = match req.uri().path() {
        "/v5/public/linear" => Stream::Public { spot: false },
        "/v5/public/spot" => Stream::Public { spot: true },
        "/v5/private" => Stream::Private,
        _ => return plain(StatusCode::NOT_FOUND, "404 page not found"),
    };
    let Some(key) = req.headers().get("sec-websocket-key").map(|k| derive_accept_key(k.as_bytes())) else {
        return plain(StatusCode::BAD_REQUEST, "missing Sec-WebSocket-Key");
    };
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(req).await else { return };
        let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        let conn = Conn::new(shared, ws);
        match stream {
            Stream::Public { spot } => super::ws_public::run(conn, spot, stop).await,
            Stream::Private => super::ws_private::run(conn, stop).await,
        }
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(hyper::header::UPGRADE, "websocket")
        .header(hyper::header::CONNECTION, "Upgrade")
        .header("Sec-WebSocket-Accept", key)
        .body(Full::new(Bytes::new()))
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "upgrade failed"))
}

/// One client connection.
pub(crate) struct Conn {
    pub ws: Ws,
    pub conn_id: String,
    pub shared: Arc<Shared>,
    data_frames: u64,
}

impl Conn {
    fn new(shared: Arc<Shared>, ws: Ws) -> Self {
        let conn_id = shared.next_conn_id();
        Self { ws, conn_id, shared, data_frames: 0 }
    }

    /// An ack or pong: sent as is. False when the connection is gone.
    pub async fn send_ctrl(&mut self, v: &Value) -> bool {
        self.ws.send(Message::Text(v.to_string().into())).await.is_ok()
    }

    /// A data frame, subject to the delay and malformed-frame faults.
    pub async fn send_data(&mut self, text: &str) -> bool {
        if let Some(d) = self.shared.faults.config.delay {
            tokio::time::sleep(d).await;
        }
        self.data_frames += 1;
        let text = if self.shared.faults.malformed(self.data_frames) { corrupt(text) } else { text.to_string() };
        self.ws.send(Message::Text(text.into())).await.is_ok()
    }

    /// When the drop fault closes this connection (never when off).
    pub fn drop_after(&self) -> Option<Duration> {
        self.shared.faults.config.drop_every
    }
}

/// Sleeps for `d`, or forever.
pub(crate) async fn maybe_sleep(d: Option<Duration>) {
    match d {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

/// `req_id` of a request, when it has one (echoed verbatim).
pub(crate) fn req_id(v: &Value) -> Option<Value> {
    v.get("req_id").filter(|r| !r.is_null()).cloned()
}

/// The string arguments of an `op` request.
pub(crate) fn str_args(v: &Value) -> Vec<String> {
    v.get("args")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}
