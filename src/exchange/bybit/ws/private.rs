//! Private stream (`/v5/private`): auth, then `order`, `execution`, `position` and `wallet`
//! as engine `Event`s. Bybit sends no snapshot on subscribe, so after every reconnect the
//! executions since the stream started (those not yet forwarded), then the open orders,
//! positions and balance are read over REST (when a client is given) and sent first: whatever
//! changed while the socket was down is not lost. Fills are forwarded once per `execId`.

use super::{notify, run, Handler, Stop, WsConfig, WsNotice};
use crate::domain::{Event, ExecId, Fill};
use crate::exchange::bybit::decode::{PrivateDecoder, PrivateEvent};
use crate::exchange::bybit::rest::{local_now_ms, RestClient};
use crate::exchange::bybit::sign::Credentials;
use crate::exchange::bybit::venue::reconcile;
use crate::exchange::bybit::wire::{Category, Topic, WsRequest};
use std::collections::{HashSet, VecDeque};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Execution ids remembered for de-duplication.
const EXECS_KEPT: usize = 20_000;
/// Pages of 100 executions read after a reconnect (newest first).
const CATCH_UP_PAGES: usize = 10;

/// What the private stream needs.
#[derive(Debug, Clone)]
pub struct PrivateStreamConfig {
    pub ws: WsConfig,
    pub credentials: Credentials,
    pub category: Category,
    /// Wallet coin that becomes the `Balance` (`USDT`).
    pub settle_coin: String,
    /// Topics (default: `order`, `execution`, `position`, `wallet`).
    pub topics: Vec<Topic>,
    /// How far in the future the auth `expires` is (ms).
    pub auth_expiry_ms: i64,
}

impl PrivateStreamConfig {
    pub fn new(ws: WsConfig, credentials: Credentials, category: Category) -> Self {
        use crate::exchange::bybit::wire::ws::PrivateKind;
        let topics = [PrivateKind::Order, PrivateKind::Execution, PrivateKind::Position, PrivateKind::Wallet]
            .into_iter()
            .map(|kind| Topic::Private { kind, category: None })
            .collect();
        PrivateStreamConfig { ws, credentials, category, settle_coin: "USDT".into(), topics, auth_expiry_ms: 10_000 }
    }
}

/// A running private stream.
#[derive(Debug)]
pub struct PrivateStream {
    pub task: JoinHandle<()>,
}

impl PrivateStream {
    /// Spawns the stream; `rest` (signed) enables the REST catch-up after reconnects and
    /// provides the server clock for the auth expiry.
    pub fn spawn(
        cfg: PrivateStreamConfig,
        rest: Option<RestClient>,
        events: mpsc::Sender<Event>,
        notices: Option<mpsc::UnboundedSender<WsNotice>>,
    ) -> PrivateStream {
        let handler = PrivateHandler {
            decoder: PrivateDecoder::new(&cfg.settle_coin),
            cfg: cfg.clone(),
            rest,
            events,
            notices: notices.clone(),
            req_id: 0,
            since_ms: None,
            seen: HashSet::new(),
            seen_order: VecDeque::new(),
        };
        PrivateStream { task: tokio::spawn(run(cfg.ws, handler, notices)) }
    }

    pub fn abort(&self) {
        self.task.abort();
    }
}

struct PrivateHandler {
    cfg: PrivateStreamConfig,
    decoder: PrivateDecoder,
    rest: Option<RestClient>,
    events: mpsc::Sender<Event>,
    notices: Option<mpsc::UnboundedSender<WsNotice>>,
    req_id: u64,
    /// Server time of the first connection: executions before it are not ours to catch up.
    since_ms: Option<i64>,
    seen: HashSet<ExecId>,
    seen_order: VecDeque<ExecId>,
}

impl PrivateHandler {
    async fn send(&self, e: Event) -> Result<(), Stop> {
        self.events.send(e).await.map_err(|_| Stop::Closed)
    }

    /// Forwards a fill unless its `execId` was forwarded before.
    async fn send_fill(&mut self, f: Fill) -> Result<(), Stop> {
        if !self.seen.insert(f.exec_id) {
            return Ok(());
        }
        self.seen_order.push_back(f.exec_id);
        if self.seen_order.len() > EXECS_KEPT {
            if let Some(old) = self.seen_order.pop_front() {
                self.seen.remove(&old);
            }
        }
        self.send(Event::Fill(f)).await
    }

    /// Executions since `since` that the socket did not deliver, oldest first.
    async fn catch_up_fills(&mut self, rest: &RestClient, since: i64) -> Result<(), Stop> {
        let mut fills = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..CATCH_UP_PAGES {
            let page = match rest.executions(self.cfg.category, None, 100, cursor.as_deref()).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "bybit execution catch-up failed");
                    break;
                }
            };
            let mut older = false;
            for item in &page.list {
                if item.exec_time < since {
                    older = true;
                    continue;
                }
                match item.to_fill() {
                    Ok(Some(f)) if !self.seen.contains(&f.exec_id) => fills.push(f),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "bybit execution not understood"),
                }
            }
            if older || page.list.is_empty() || page.next_page_cursor.is_empty() {
                break;
            }
            cursor = Some(page.next_page_cursor.clone());
        }
        fills.sort_by_key(|f| f.ts_ms);
        if !fills.is_empty() {
            tracing::info!(fills = fills.len(), "bybit fills caught up after a reconnect");
        }
        for f in fills {
            self.send_fill(f).await?;
        }
        Ok(())
    }
}

impl Handler for PrivateHandler {
    fn opening_frames(&mut self) -> Vec<String> {
        let now = self.rest.as_ref().map_or_else(local_now_ms, RestClient::server_now_ms);
        self.req_id += 1;
        let auth =
            self.cfg.credentials.ws_auth_request(now + self.cfg.auth_expiry_ms, Some(&format!("auth-{}", self.req_id)));
        self.req_id += 1;
        let sub = WsRequest::subscribe(Some(&format!("sub-{}", self.req_id)), &self.cfg.topics);
        let mut out = vec![auth];
        if let Ok(s) = serde_json::to_string(&sub) {
            out.push(s);
        }
        out
    }

    async fn on_open(&mut self, reconnect: bool) -> Result<(), Stop> {
        let Some(rest) = self.rest.clone() else { return Ok(()) };
        if !reconnect {
            self.since_ms.get_or_insert(rest.server_now_ms());
            return Ok(());
        }
        if let Some(since) = self.since_ms {
            self.catch_up_fills(&rest, since).await?;
        }
        match reconcile(&rest, self.cfg.category, &self.cfg.settle_coin, &[]).await {
            Ok(snap) => {
                for e in snap.events() {
                    self.send(e).await?;
                }
            }
            Err(e) => tracing::warn!(error = %e, "bybit catch-up after reconnect failed"),
        }
        Ok(())
    }

    async fn on_text(&mut self, text: &str) -> Result<Vec<String>, Stop> {
        let ev = match self.decoder.decode(text) {
            Ok(ev) => ev,
            Err(e) => {
                tracing::warn!(error = %e, "bybit private frame not understood");
                return Ok(Vec::new());
            }
        };
        match ev {
            PrivateEvent::Orders(os) => {
                for o in os {
                    self.send(Event::Order(o)).await?;
                }
            }
            PrivateEvent::Fills(fs) => {
                for f in fs {
                    self.send_fill(f).await?;
                }
            }
            PrivateEvent::Positions(ps) => {
                for p in ps {
                    self.send(Event::Position(p)).await?;
                }
            }
            PrivateEvent::Balance(b) => self.send(Event::Balance(b)).await?,
            PrivateEvent::Control(r) => {
                if r.op == "auth" && !r.is_success() {
                    let reason = r.ret_msg.or(r.ret_msg_trade).unwrap_or_default();
                    notify(&self.notices, WsNotice::AuthFailed { reason: reason.clone() });
                    return Err(Stop::Fatal(format!("auth refused: {reason}")));
                }
                if r.op == "subscribe" && !r.is_success() {
                    let reason = r.ret_msg.unwrap_or_default();
                    notify(&self.notices, WsNotice::Refused { op: r.op, reason });
                }
            }
        }
        Ok(Vec::new())
    }
}
