//! Sends what a run produces to the storage writer and the log, and every engine input to the
//! session journal.

use super::journal::SessionRecorder;
use super::pipeline::Sink;
use crate::data::store::{StoreMsg, StoreSender};
use crate::domain::{Action, AlertLevel, Event};

/// Records account events and engine actions in SQLite (through the writer thread).
pub struct StoreSink {
    pub sender: StoreSender,
    pub fills: u64,
    pub orders: u64,
    /// The session journal (engine inputs, for replays).
    pub journal: SessionRecorder,
}

impl StoreSink {
    /// A sink for the writer's session, journal included.
    pub fn new(sender: StoreSender) -> Self {
        Self { journal: SessionRecorder::new(sender.clone()), sender, fills: 0, orders: 0 }
    }

    /// Queues a row; a closed writer is logged (once per message kind), never a panic.
    pub fn record(&self, msg: StoreMsg) {
        if let Err(e) = self.sender.send(msg) {
            tracing::error!("storage writer refused a row: {e}");
        }
    }
}

impl Sink for StoreSink {
    #[inline]
    fn on_engine_input(&mut self, event: &Event) {
        self.journal.record(event);
    }

    fn on_account_event(&mut self, event: &Event) {
        match event {
            Event::Fill(f) => {
                self.fills += 1;
                tracing::info!(symbol = %f.symbol, side = %f.side, price = %f.price, qty = %f.qty, fee = %f.fee, order = %f.client_order_id, "fill");
                self.record(StoreMsg::Fill(*f));
            }
            Event::Position(p) => self.record(StoreMsg::Position(*p)),
            _ => {}
        }
    }

    fn on_action(&mut self, action: &Action) {
        match action {
            Action::RecordOrder(o) => {
                self.record(StoreMsg::Order(Box::new(o.clone())));
            }
            Action::PlaceOrder(r) => {
                self.orders += 1;
                tracing::info!(symbol = %r.symbol, side = %r.side, qty = %r.qty, id = %r.client_order_id, kind = ?r.order_type, trigger = ?r.trigger_price, "place order");
            }
            Action::RecordSignal(s) => {
                tracing::debug!(symbol = %s.symbol, mode = %s.mode, action = %s.action, reason = %s.reason, "signal");
                self.record(StoreMsg::Signal(s.clone()));
            }
            Action::RecordModeSwitch(m) => self.record(StoreMsg::ModeSwitch(m.clone())),
            Action::Alert(a) => {
                match a.level {
                    AlertLevel::Info => tracing::info!(kind = %a.kind, "{}", a.message),
                    AlertLevel::Warning => tracing::warn!(kind = %a.kind, "{}", a.message),
                    AlertLevel::Critical => tracing::error!(kind = %a.kind, "{}", a.message),
                }
                self.record(StoreMsg::Alert(a.clone()));
            }
            Action::AmendOrder { .. } | Action::CancelOrder { .. } | Action::CancelAll { .. } => {
                tracing::debug!(?action, "order action");
            }
        }
    }
}
