//! Order manager: one state machine per order, driven by the venue's reports; client order ids
//! for idempotency. It accepts only risk-approved requests.

use crate::domain::{
    Action, Alert, AlertLevel, ClientOrderId, Fill, Order, OrderEvent, OrderRequest, OrderStatus, OrderUpdate, Symbol,
};
use crate::risk::RiskApproved;
use std::collections::HashMap;

/// Tracks every order we sent, keyed by client order id.
#[derive(Debug, Default)]
pub struct OrderManager {
    orders: HashMap<ClientOrderId, Order>,
    /// Terminal orders, oldest first, kept for display and then forgotten.
    finished: std::collections::VecDeque<ClientOrderId>,
    next_seq: u64,
    prefix: String,
}

/// How many terminal orders are remembered.
const KEEP_FINISHED: usize = 200;

impl OrderManager {
    /// `prefix` starts every client order id (at most 8 characters, e.g. `ab`).
    pub fn new(prefix: &str) -> Self {
        let prefix: String = prefix.chars().filter(|c| c.is_ascii_alphanumeric()).take(8).collect();
        Self { prefix: if prefix.is_empty() { "ab".into() } else { prefix }, ..Default::default() }
    }

    /// A fresh id: prefix, event time in base 36, sequence and a tag (`ab-lq2x1k0-42-t`).
    /// Deterministic for a given event stream, unique across restarts through the time part.
    pub fn next_client_id(&mut self, ts_ms: i64, tag: &str) -> ClientOrderId {
        self.next_seq += 1;
        let mut t = ts_ms.max(0) as u64;
        let mut digits = Vec::new();
        loop {
            let d = (t % 36) as u8;
            digits.push(if d < 10 { b'0' + d } else { b'a' + d - 10 });
            t /= 36;
            if t == 0 {
                break;
            }
        }
        digits.reverse();
        let time = String::from_utf8_lossy(&digits);
        let tag: String = tag.chars().filter(|c| c.is_ascii_alphanumeric()).take(4).collect();
        let text = format!("{}-{}-{}-{}", self.prefix, time, self.next_seq, tag);
        // Only ASCII alphanumerics and '-' are used and the length stays under 36.
        ClientOrderId::new(&text).unwrap_or_else(|_| ClientOrderId::new("ab-overflow").expect("static id is valid"))
    }

    /// Registers an approved request and emits the action that sends it.
    pub fn submit(&mut self, approved: RiskApproved<OrderRequest>, out: &mut Vec<Action>) {
        let request = approved.into_inner();
        let order = Order::new(request);
        out.push(Action::PlaceOrder(request));
        out.push(Action::RecordOrder(Box::new(order.clone())));
        self.orders.insert(request.client_order_id, order);
    }

    pub fn get(&self, id: &ClientOrderId) -> Option<&Order> {
        self.orders.get(id)
    }

    /// Orders still working, in creation order (stable for display and tests).
    pub fn open_orders(&self) -> Vec<&Order> {
        let mut v: Vec<&Order> = self.orders.values().filter(|o| o.status.is_open()).collect();
        v.sort_by(|a, b| {
            (a.created_ms, a.client_order_id().as_str()).cmp(&(b.created_ms, b.client_order_id().as_str()))
        });
        v
    }

    pub fn open_orders_for(&self, symbol: Symbol) -> impl Iterator<Item = &Order> {
        self.orders.values().filter(move |o| o.status.is_open() && o.symbol() == symbol)
    }

    pub fn open_count(&self) -> usize {
        self.orders.values().filter(|o| o.status.is_open()).count()
    }

    /// Applies the venue's report of an order. Quantities come from fills; this moves status.
    pub fn on_update(&mut self, up: &OrderUpdate, out: &mut Vec<Action>) {
        let Some(order) = self.orders.get_mut(&up.client_order_id) else {
            out.push(Action::Alert(Alert {
                ts_ms: up.ts_ms,
                level: AlertLevel::Warning,
                kind: "order".into(),
                message: format!("report for unknown order {} ({})", up.client_order_id, up.status),
            }));
            return;
        };
        if order.order_id.is_none() {
            order.order_id = up.order_id;
        }
        if order.status == up.status {
            // A repeated report or an amendment: the venue's quantities and prices win.
            let price = up.price.or(order.price);
            let trigger = up.trigger_price.or(order.trigger_price);
            if (order.qty, order.price, order.trigger_price) != (up.qty, price, trigger) {
                order.qty = up.qty;
                order.price = price;
                order.trigger_price = trigger;
                order.updated_ms = up.ts_ms;
                out.push(Action::RecordOrder(Box::new(order.clone())));
            }
            return;
        }
        let event = match (order.status, up.status) {
            (_, OrderStatus::PendingNew) => return,
            (OrderStatus::PendingNew, OrderStatus::New) => OrderEvent::Accepted,
            (OrderStatus::New, OrderStatus::New) => OrderEvent::Accepted,
            (OrderStatus::Untriggered | OrderStatus::Triggered, OrderStatus::New) => {
                if order.status == OrderStatus::Triggered {
                    return;
                }
                OrderEvent::Triggered
            }
            (OrderStatus::PartiallyFilled, OrderStatus::New) => return,
            (_, OrderStatus::New) => OrderEvent::Accepted,
            (_, OrderStatus::Untriggered) => OrderEvent::AcceptedConditional,
            (_, OrderStatus::Triggered) => OrderEvent::Triggered,
            // Quantities move with fills; a fill status ahead of its fill just waits for it.
            (_, OrderStatus::PartiallyFilled | OrderStatus::Filled) => {
                order.qty = up.qty;
                return;
            }
            (_, OrderStatus::Cancelled | OrderStatus::PartiallyFilledCanceled | OrderStatus::Deactivated) => {
                OrderEvent::Cancelled
            }
            (_, OrderStatus::Rejected) => OrderEvent::Rejected,
        };
        match order.apply(event, up.ts_ms) {
            Ok(_) => {
                if up.status == OrderStatus::Rejected {
                    order.reject_reason = up.reason.map(|r| format!("{r:?}"));
                }
                order.qty = up.qty;
                order.price = up.price.or(order.price);
                order.trigger_price = up.trigger_price.or(order.trigger_price);
                out.push(Action::RecordOrder(Box::new(order.clone())));
                self.retire_if_done(up.client_order_id);
            }
            Err(e) => out.push(Action::Alert(Alert {
                ts_ms: up.ts_ms,
                level: AlertLevel::Warning,
                kind: "order".into(),
                message: e.to_string(),
            })),
        }
    }

    /// Applies a fill to its order. Returns false when the fill is for an order we do not know.
    pub fn on_fill(&mut self, fill: &Fill, out: &mut Vec<Action>) -> bool {
        let Some(order) = self.orders.get_mut(&fill.client_order_id) else {
            return false;
        };
        match order.apply_fill(fill.price, fill.qty, fill.fee, fill.ts_ms) {
            Ok(_) => {
                if order.order_id.is_none() {
                    order.order_id = Some(fill.order_id);
                }
                out.push(Action::RecordOrder(Box::new(order.clone())));
                self.retire_if_done(fill.client_order_id);
            }
            Err(e) => out.push(Action::Alert(Alert {
                ts_ms: fill.ts_ms,
                level: AlertLevel::Critical,
                kind: "order".into(),
                message: format!("fill {} refused: {e}", fill.exec_id),
            })),
        }
        true
    }

    fn retire_if_done(&mut self, id: ClientOrderId) {
        if self.orders.get(&id).is_some_and(|o| o.status.is_terminal()) {
            self.finished.push_back(id);
            while self.finished.len() > KEEP_FINISHED {
                if let Some(old) = self.finished.pop_front() {
                    self.orders.remove(&old);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
