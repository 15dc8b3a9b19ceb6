//! Timeouts for requests the venue has not answered: re-query the order, and after a few tries
//! give up on it (mark it lost and alert) until a report or reconciliation settles it.
//!
//! A request's age is measured on the runtime's clock, which reaches the engine only through
//! timer events (`Event::Timer`, once a second in live runs), never on market-data time: a replay
//! or an accelerated venue (`mock-exchange --speed 50`) runs market time far faster than the
//! venue answers, and a timeout in market time would cancel good orders. A request is stamped by
//! the first tick after it was sent, so it is given up on no earlier than `ack_timeout_ms` after
//! it left (and at most one tick later). Recorded timer events make replays exact.

use super::OrderManager;
use crate::domain::{Alert, AlertLevel, ClientOrderId, Symbol};
use serde::{Deserialize, Serialize};

/// Order-manager settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExecConfig {
    /// A request unanswered this long (on the runtime's clock, see the module doc) is re-queried.
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
    /// The runtime clock's time of the first tick after the request was sent (`None` until then).
    pub sent_ms: Option<i64>,
    pub requeries: u32,
}

impl Inflight {
    pub fn new(kind: RequestKind, symbol: Symbol) -> Self {
        Self { kind, symbol, sent_ms: None, requeries: 0 }
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
                message: format!("{symbol}: no answer to {kind:?} of {client_order_id}; order marked lost, reconcile")
                    .into(),
            }),
        }
    }
}

impl OrderManager {
    /// Checks unanswered requests against the runtime's clock; call on every timer event with its
    /// time. Requests sent since the last tick are stamped with `now_ms`; answers are in client-id
    /// order (deterministic). Allocates nothing when nothing is due.
    pub fn on_time(&mut self, now_ms: i64) -> Vec<TimeoutAction> {
        let timeout = self.config.ack_timeout_ms;
        let max = self.config.max_requeries;
        let mut any_due = false;
        for f in self.inflight.values_mut() {
            match f.sent_ms {
                None => f.sent_ms = Some(now_ms),
                Some(sent) => any_due |= now_ms - sent >= timeout,
            }
        }
        if !any_due {
            return Vec::new();
        }
        let mut due: Vec<ClientOrderId> = self
            .inflight
            .iter()
            .filter(|(_, f)| f.sent_ms.is_some_and(|sent| now_ms - sent >= timeout))
            .map(|(id, _)| *id)
            .collect();
        due.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        let mut actions = Vec::with_capacity(due.len());
        for id in due {
            let Some(f) = self.inflight.get_mut(&id) else { continue };
            if f.requeries < max {
                f.requeries += 1;
                f.sent_ms = Some(now_ms);
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
