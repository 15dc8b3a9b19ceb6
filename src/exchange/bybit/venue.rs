//! `BybitVenue`: the engine's order actions carried out on Bybit by a task that owns the REST
//! client, plus the start-up reconciliation helper.
//!
//! `execute` only queues the action (it never blocks and never pushes to `out`); the task
//! handles actions strictly in order. Every outgoing order is rounded and checked against the
//! instrument rules first. A request Bybit (or the local rules) refuses becomes an
//! `Event::Order` with status `Rejected` and a reason; acknowledgements, fills and state
//! changes arrive through the private stream, which is the single source of order reports.
//! Failed amends/cancels, which leave the order as it was, are reported as [`VenueNotice`]s.

use super::keys::AccessMode;
use super::rest::{local_now_ms, OrderListQuery, RestClient, RestError};
use super::rules::{OrderRuleError, Rules};
use super::wire::{AmendOrderRequest, CancelAllRequest, CancelOrderRequest, Category, CreateOrderRequest};
use crate::domain::{
    Action, Balance, ClientOrderId, Event, OrderRequest, OrderStatus, OrderUpdate, Position, RejectReason, Side, Symbol,
};
use crate::exchange::ExecutionVenue;
use std::collections::HashMap;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The account as Bybit sees it, read before trading starts (and after reconnects).
#[derive(Debug, Clone, PartialEq)]
pub struct AccountSnapshot {
    pub ts_ms: i64,
    pub orders: Vec<OrderUpdate>,
    pub positions: Vec<Position>,
    pub balance: Option<Balance>,
}

impl AccountSnapshot {
    /// Balance first, then positions, then open orders.
    pub fn events(&self) -> Vec<Event> {
        let mut out = Vec::with_capacity(self.orders.len() + self.positions.len() + 1);
        if let Some(b) = self.balance {
            out.push(Event::Balance(b));
        }
        out.extend(self.positions.iter().copied().map(Event::Position));
        out.extend(self.orders.iter().copied().map(Event::Order));
        out
    }
}

/// Why reconciliation failed.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Rest(#[from] RestError),
    #[error("bybit {what}: {msg}")]
    Data { what: &'static str, msg: String },
}

/// Reads open orders, positions and the `settle_coin` balance. `symbols` empty means every
/// symbol settled in `settle_coin`; otherwise each listed symbol (flat ones included).
pub async fn reconcile(
    rest: &RestClient,
    category: Category,
    settle_coin: &str,
    symbols: &[Symbol],
) -> Result<AccountSnapshot, ReconcileError> {
    let data = |what: &'static str| move |e: super::wire::WireError| ReconcileError::Data { what, msg: e.to_string() };
    let mut orders = Vec::new();
    let queries: Vec<OrderListQuery> = if symbols.is_empty() || category == Category::Spot {
        let settle = if category == Category::Spot { None } else { Some(settle_coin.to_string()) };
        vec![OrderListQuery { settle_coin: settle, ..Default::default() }]
    } else {
        symbols.iter().map(|s| OrderListQuery { symbol: Some(*s), ..Default::default() }).collect()
    };
    let mut seen = std::collections::HashSet::new();
    for base in queries {
        let mut q = OrderListQuery { limit: Some(50), ..base };
        for _page in 0..20 {
            let r = rest.open_orders(category, &q).await?;
            for o in &r.list {
                if seen.insert(o.order_id.clone()) {
                    orders.push(o.to_update().map_err(data("open order"))?);
                }
            }
            // Stop on the last page, and on a cursor that does not move (no endless loop).
            if r.next_page_cursor.is_empty() || r.list.is_empty() || q.cursor.as_ref() == Some(&r.next_page_cursor) {
                break;
            }
            q.cursor = Some(r.next_page_cursor);
        }
    }
    let mut positions = Vec::new();
    if category != Category::Spot {
        let lists = if symbols.is_empty() {
            vec![rest.positions(category, None, Some(settle_coin)).await?]
        } else {
            let mut v = Vec::new();
            for s in symbols {
                v.push(rest.positions(category, Some(*s), None).await?);
            }
            v
        };
        for l in lists {
            for p in &l.list {
                positions.push(p.to_position().map_err(data("position"))?);
            }
        }
    }
    let ts_ms = rest.server_now_ms();
    let wallet = rest.wallet_balance(Some(settle_coin)).await?;
    let balance = match wallet.list.first() {
        Some(acct) => Some(acct.to_balance(settle_coin, ts_ms).map_err(data("wallet balance"))?),
        None => None,
    };
    Ok(AccountSnapshot { ts_ms, orders, positions, balance })
}

/// A failure that changed nothing at the venue (amend, cancel, cancel-all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueNotice {
    pub action: &'static str,
    pub client_order_id: Option<ClientOrderId>,
    pub message: String,
}

/// Settings of the venue task.
#[derive(Debug, Clone)]
pub struct BybitVenueConfig {
    pub category: Category,
    pub settle_coin: String,
    /// Watch-only refuses every order locally.
    pub mode: AccessMode,
}

/// The asynchronous Bybit venue.
#[derive(Debug)]
pub struct BybitVenue {
    tx: mpsc::UnboundedSender<Action>,
    pub task: JoinHandle<()>,
}

impl BybitVenue {
    /// Spawns the task that owns `rest`; reports go to `events`, non-order failures to
    /// `notices`.
    pub fn spawn(
        rest: RestClient,
        rules: Rules,
        cfg: BybitVenueConfig,
        events: mpsc::Sender<Event>,
        notices: Option<mpsc::UnboundedSender<VenueNotice>>,
    ) -> BybitVenue {
        let (tx, rx) = mpsc::unbounded_channel();
        let worker = Worker { rest, rules, cfg, events, notices, sides: HashMap::new() };
        BybitVenue { tx, task: tokio::spawn(worker.run(rx)) }
    }

    /// Whether the task still takes actions.
    pub fn is_running(&self) -> bool {
        !self.tx.is_closed()
    }
}

impl ExecutionVenue for BybitVenue {
    fn execute(&mut self, action: &Action, _ts_ms: i64, _out: &mut Vec<Event>) {
        let for_venue = matches!(
            action,
            Action::PlaceOrder(_) | Action::AmendOrder { .. } | Action::CancelOrder { .. } | Action::CancelAll { .. }
        );
        if for_venue && self.tx.send(action.clone()).is_err() {
            tracing::error!(?action, "bybit venue task has stopped; action dropped");
        }
    }
}

struct Worker {
    rest: RestClient,
    rules: Rules,
    cfg: BybitVenueConfig,
    events: mpsc::Sender<Event>,
    notices: Option<mpsc::UnboundedSender<VenueNotice>>,
    sides: HashMap<ClientOrderId, Side>,
}

fn rejected(r: &OrderRequest, reason: RejectReason, ts_ms: i64) -> OrderUpdate {
    OrderUpdate {
        client_order_id: r.client_order_id,
        order_id: None,
        symbol: r.symbol,
        status: OrderStatus::Rejected,
        qty: r.qty,
        price: r.price,
        trigger_price: r.trigger_price,
        filled_qty: crate::domain::Qty::ZERO,
        ts_ms,
        reason: Some(reason),
    }
}

fn rule_reason(e: &OrderRuleError) -> RejectReason {
    use crate::domain::RuleViolation as V;
    match e {
        OrderRuleError::MissingPrice { .. } | OrderRuleError::Rule(V::OffTick { .. } | V::NonPositivePrice { .. }) => {
            RejectReason::InvalidPrice
        }
        OrderRuleError::UnknownInstrument(_) | OrderRuleError::Rule(V::LeverageOutOfRange { .. }) => {
            RejectReason::Other
        }
        _ => RejectReason::InvalidQty,
    }
}

impl Worker {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Action>) {
        while let Some(action) = rx.recv().await {
            if self.handle(action).await.is_err() {
                break; // event receiver gone
            }
        }
    }

    fn notice(&self, action: &'static str, id: Option<ClientOrderId>, message: String) {
        tracing::warn!(action, client_order_id = ?id, %message, "bybit request failed");
        if let Some(n) = &self.notices {
            let _ = n.send(VenueNotice { action, client_order_id: id, message });
        }
    }

    async fn reject(&self, r: &OrderRequest, reason: RejectReason, why: String) -> Result<(), ()> {
        tracing::warn!(client_order_id = %r.client_order_id, %why, "order refused");
        self.events.send(Event::Order(rejected(r, reason, local_now_ms()))).await.map_err(|_| ())
    }

    async fn handle(&mut self, action: Action) -> Result<(), ()> {
        let category = self.cfg.category;
        let cat = category.as_str().to_string();
        match action {
            Action::PlaceOrder(r) => {
                if self.cfg.mode == AccessMode::WatchOnly {
                    return self
                        .reject(&r, RejectReason::Other, "watch-only mode: the API key is read-only".into())
                        .await;
                }
                let prepared = match self.rules.prepare(&r) {
                    Ok(p) => p,
                    Err(e) => return self.reject(&r, rule_reason(&e), e.to_string()).await,
                };
                self.sides.insert(r.client_order_id, r.side);
                let body = CreateOrderRequest::from_request(&prepared, category);
                if let Err(e) = self.rest.create_order(&body).await {
                    // A create that was retried and then called a duplicate reached Bybit on an
                    // earlier attempt: the order exists, and the private stream reports it.
                    if let RestError::Api { attempts, source, .. } = &e {
                        if *attempts > 1 && source.kind == super::ErrorKind::DuplicateOrderLinkId {
                            tracing::warn!(client_order_id = %r.client_order_id, "retried create was a duplicate: the first attempt placed it");
                            return Ok(());
                        }
                    }
                    let reason = e.api().map_or(RejectReason::Other, |a| a.reject_reason());
                    return self.reject(&prepared, reason, e.to_string()).await;
                }
            }
            Action::AmendOrder { symbol, client_order_id, qty, price, trigger_price } => {
                let side = self.sides.get(&client_order_id).copied();
                let (qty, price, trigger_price) =
                    match self.rules.prepare_amend(symbol, side, qty, price, trigger_price) {
                        Ok(v) => v,
                        Err(e) => {
                            self.notice("amend", Some(client_order_id), e.to_string());
                            return Ok(());
                        }
                    };
                let req = AmendOrderRequest {
                    category: cat,
                    symbol,
                    order_id: None,
                    order_link_id: Some(client_order_id.to_string()),
                    qty,
                    price,
                    trigger_price,
                    take_profit: None,
                    stop_loss: None,
                };
                if let Err(e) = self.rest.amend_order(&req).await {
                    self.notice("amend", Some(client_order_id), e.to_string());
                }
            }
            Action::CancelOrder { symbol, client_order_id } => {
                let req = CancelOrderRequest {
                    category: cat,
                    symbol,
                    order_id: None,
                    order_link_id: Some(client_order_id.to_string()),
                    order_filter: None,
                };
                if let Err(e) = self.rest.cancel_order(&req).await {
                    self.notice("cancel", Some(client_order_id), e.to_string());
                }
            }
            Action::CancelAll { symbol } => {
                let spot = category == Category::Spot;
                let req = CancelAllRequest {
                    category: cat,
                    symbol,
                    base_coin: None,
                    settle_coin: if symbol.is_none() && !spot { Some(self.cfg.settle_coin.clone()) } else { None },
                    order_filter: None,
                };
                if let Err(e) = self.rest.cancel_all(&req).await {
                    self.notice("cancel-all", None, e.to_string());
                }
            }
            _ => {}
        }
        Ok(())
    }
}
