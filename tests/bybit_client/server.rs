//! Loopback test servers for the Bybit client tests: a tiny HTTP/1.1 server answering from a
//! script, and a WebSocket accept loop driven by the test. Loopback only, bounded, fast.

#![allow(dead_code)]

use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

/// One request as the server saw it (raw target and body: what the signature covers).
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
}

/// A canned answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Wait this long before answering (to make the client time out).
    pub delay: Duration,
}

impl Reply {
    pub fn ok(body: &str) -> Reply {
        Reply { status: 200, headers: Vec::new(), body: body.to_string(), delay: Duration::ZERO }
    }
    pub fn status(status: u16, body: &str) -> Reply {
        Reply { status, ..Reply::ok(body) }
    }
    pub fn header(mut self, k: &str, v: impl ToString) -> Reply {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }
    pub fn delayed(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }
}

type Script = Arc<dyn Fn(&Seen, usize) -> Reply + Send + Sync>;

/// An HTTP server answering every request through `script(request, index)`.
pub struct HttpServer {
    pub base_url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl HttpServer {
    pub async fn start(script: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> HttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script: Script = Arc::new(script);
        let seen2 = seen.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                tokio::spawn(serve_conn(sock, script.clone(), seen2.clone()));
            }
        });
        HttpServer { base_url: format!("http://{addr}"), seen }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn serve_conn(mut sock: TcpStream, script: Script, seen: Arc<Mutex<Vec<Seen>>>) {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        // Read the head.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let mut chunk = [0u8; 4096];
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or_default();
        let mut parts = request_line.split(' ');
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        let mut headers = HashMap::new();
        for l in lines {
            if let Some((k, v)) = l.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        let body_start = head_end + 4;
        while buf.len() < body_start + len {
            let mut chunk = [0u8; 4096];
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = String::from_utf8_lossy(&buf[body_start..body_start + len]).to_string();
        buf.drain(..body_start + len);
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (target.clone(), String::new()),
        };
        let req = Seen { method, path, query, headers, body };
        let index = {
            let mut s = seen.lock().unwrap();
            s.push(req.clone());
            s.len() - 1
        };
        let reply = script(&req, index);
        if !reply.delay.is_zero() {
            tokio::time::sleep(reply.delay).await;
        }
        let mut out = format!(
            "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: keep-alive\r\n",
            reply.status,
            reply.body.len()
        );
        for (k, v) in &reply.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        out.push_str(&reply.body);
        if sock.write_all(out.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// One accepted WebSocket connection, driven by the test.
pub struct WsConn {
    pub ws: tokio_tungstenite::WebSocketStream<TcpStream>,
}

impl WsConn {
    /// The next text frame from the client (pings are answered and skipped), or `None` on
    /// close or after `within`.
    pub async fn recv_text(&mut self, within: Duration) -> Option<String> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.ws.next()).await.ok()??.ok()?;
            if let Message::Text(t) = msg {
                let t = t.to_string();
                if t.contains("\"op\":\"ping\"") {
                    let pong = r#"{"success":true,"ret_msg":"pong","conn_id":"test","op":"ping"}"#;
                    let _ = self.ws.send(Message::text(pong)).await;
                    continue;
                }
                return Some(t);
            }
        }
    }

    pub async fn send(&mut self, text: &str) {
        self.ws.send(Message::text(text.to_string())).await.expect("ws send");
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

/// A WebSocket listener; `accept` yields the next client connection.
pub struct WsServer {
    pub url: String,
    listener: TcpListener,
}

impl WsServer {
    pub async fn start(path: &str) -> WsServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        WsServer { url: format!("ws://{addr}{path}"), listener }
    }

    pub async fn accept(&self, within: Duration) -> WsConn {
        let (sock, _) = tokio::time::timeout(within, self.listener.accept())
            .await
            .expect("client did not connect in time")
            .expect("accept");
        let ws = tokio_tungstenite::accept_async(sock).await.expect("ws handshake");
        WsConn { ws }
    }
}
