//! Timeouts for requests the venue has not answered: re-query the order, and after a few tries
//! give up on it (mark it lost and alert) until a report or reconciliation settles it.

use super::OrderManager;
use crate::domain::{Alert, AlertLevel, ClientOrderId, Symbol};
use serde::{Deserialize, Serialize};

/// Order-manager settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExecConfig {
    /// A request unanswered this long is re-queried.
    pub ack_timeout_ms: i64,
    /// Re-queries before the request is given up on (order marked lost, critical alert).
    pub max_requeries: u32,
}

impl Default for ExecConfig {
    fn default() -> Self {
        Self { ack_timeout_ms: 5_000, max_requeries: 3 }
    }
}

/// What was asked of the venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    Place,
    Amend,
    Cancel,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Inflight {
    pub kind: RequestKind,
    pub symbol: Symbol,
    pub sent_ms: i64,
    pub requeries: u32,
}

impl Inflight {
    pub fn new(kind: RequestKind, symbol: Symbol, sent_ms: i64) -> Self {
        Self { kind, symbol, sent_ms, requeries: 0 }
    }
}

/// What to do about an unanswered request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutAction {
    /// Ask the venue for the order's state (REST query by client order id).
    Requery { symbol: Symbol, client_order_id: ClientOrderId, kind: RequestKind, attempt: u32 },
    /// Still no answer after every re-query: the order is marked lost; alert the operator and
    /// reconcile.
    Lost { symbol: Symbol, client_order_id: ClientOrderId, kind: RequestKind },
}

impl TimeoutAction {
    /// The alert to raise, for a lost request.
    pub fn alert(&self, ts_ms: i64) -> Option<Alert> {
        match self {
            TimeoutAction::Requery { .. } => None,
            TimeoutAction::Lost { symbol, client_order_id, kind } => Some(Alert {
                ts_ms,
                level: AlertLevel::Critical,
                kind: "order".into(),
                message: format!("{symbol}: no answer to {kind:?} of {client_order_id}; order marked lost, reconcile"),
            }),
        }
    }
}

impl OrderManager {
    /// Checks unanswered requests against the clock; call on every timer event. Answers are in
    /// client-id order (deterministic).
    pub fn on_time(&mut self, now_ms: i64) -> Vec<TimeoutAction> {
        let timeout = self.config.ack_timeout_ms;
        let max = self.config.max_requeries;
        let mut due: Vec<ClientOrderId> =
            self.inflight.iter().filter(|(_, f)| now_ms - f.sent_ms >= timeout).map(|(id, _)| *id).collect();
        due.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        let mut actions = Vec::with_capacity(due.len());
        for id in due {
            let Some(f) = self.inflight.get_mut(&id) else { continue };
            if f.requeries < max {
                f.requeries += 1;
                f.sent_ms = now_ms;
                actions.push(TimeoutAction::Requery {
                    symbol: f.symbol,
                    client_order_id: id,
                    kind: f.kind,
                    attempt: f.requeries,
                });
            } else {
                actions.push(TimeoutAction::Lost { symbol: f.symbol, client_order_id: id, kind: f.kind });
                self.inflight.remove(&id);
                self.lost.insert(id);
            }
        }
        actions
    }
}
