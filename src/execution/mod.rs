//! Order manager: one state machine per order, driven by the venue's reports through the domain
//! transition table; client order ids for idempotency; place/amend/cancel; timeouts for
//! unacknowledged requests; reconciliation after a reconnect or restart; slippage and fee
//! accounting per fill. It accepts only risk-approved requests. Also: the kill switch's
//! flatten-all, portfolio rebalancing and hedging helpers, and a small position book.

mod book;
mod costs;
mod ids;
mod kill;
mod rebalance;
mod reconcile;
mod timeouts;

pub use book::PositionBook;
pub use costs::{ExecCosts, FillCost};
pub use ids::client_order_id;
pub use kill::{flatten_all, kill_switch};
pub use rebalance::{
    hedge_order, rebalance, target_qty, Holding, RebalanceConfig, RebalanceEvery, RebalanceOrder, Weight, MAX_WEIGHT,
};
pub use reconcile::{Discrepancy, VenueSnapshot};
pub use timeouts::{ExecConfig, RequestKind, TimeoutAction};

use crate::domain::{
    Action, Alert, AlertLevel, ClientOrderId, ExecId, FastMap, FastSet, Fill, Order, OrderEvent, OrderRequest,
    OrderStatus, OrderUpdate, Price, Qty, Side, Symbol,
};
use crate::risk::RiskApproved;
use std::collections::VecDeque;
use timeouts::Inflight;

/// Tracks every order we sent, keyed by client order id.
#[derive(Debug, Default, Clone)]
pub struct OrderManager {
    orders: FastMap<ClientOrderId, Order>,
    /// Ids of the orders not yet retired (every open order is here; a terminal one until it is
    /// retired), so the working quantities and open lists look at a handful of orders instead
    /// of walking the terminal ones kept for display. Order does not matter.
    live: Vec<ClientOrderId>,
    /// Terminal orders, oldest first, kept for display and then forgotten.
    finished: VecDeque<ClientOrderId>,
    next_seq: u64,
    prefix: String,
    config: ExecConfig,
    /// Requests sent and not yet answered.
    inflight: FastMap<ClientOrderId, Inflight>,
    /// Orders given up on after repeated timeouts, until a report or reconciliation settles them.
    lost: FastSet<ClientOrderId>,
    /// Fills already applied (replays after a reconnect are ignored), bounded.
    seen_fills: FastSet<ExecId>,
    seen_order: VecDeque<ExecId>,
    costs: ExecCosts,
}

/// The applied fill ids `OrderManager::take_fill_memory` hands over.
pub struct FillMemory(FastSet<ExecId>, VecDeque<ExecId>);

/// How many terminal orders are remembered.
const KEEP_FINISHED: usize = 200;
/// How many fill ids are remembered for de-duplication.
const KEEP_FILL_IDS: usize = 10_000;

/// Why a place/amend/cancel request could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecError {
    #[error("unknown order {0}")]
    UnknownOrder(ClientOrderId),
    #[error("order {id} is {status}, not working")]
    NotWorking { id: ClientOrderId, status: OrderStatus },
    #[error("order {0}: an amendment may change only quantity and prices")]
    AmendChangesIdentity(ClientOrderId),
    #[error("order {0}: the amendment changes nothing")]
    NothingToAmend(ClientOrderId),
    #[error("client order id {0} is already in use")]
    DuplicateId(ClientOrderId),
}

impl OrderManager {
    /// `prefix` starts every client order id (at most 8 characters, e.g. `ab`).
    pub fn new(prefix: &str) -> Self {
        Self::with_config(prefix, ExecConfig::default())
    }

    pub fn with_config(prefix: &str, config: ExecConfig) -> Self {
        let prefix: String = prefix.chars().filter(|c| c.is_ascii_alphanumeric()).take(8).collect();
        Self {
            prefix: if prefix.is_empty() { "ab".into() } else { prefix },
            config,
            // Sized for the orders kept (`KEEP_FINISHED` terminal ones plus the working ones)
            // at under half load: the steady churn (a new order in, the oldest terminal one out)
            // then finds a free slot near each removal and leaves no tombstones, so the table is
            // not rebuilt every few dozen orders in the middle of a decision.
            orders: FastMap::with_capacity_and_hasher(2 * KEEP_FINISHED, Default::default()),
            inflight: FastMap::with_capacity_and_hasher(32, Default::default()),
            ..Default::default()
        }
    }

    /// After a restart: the orders as last recorded (storage) and the ids of the fills already
    /// applied to them (so a replayed execution history is not counted twice). Call `reconcile`
    /// next.
    pub fn restore(
        prefix: &str,
        config: ExecConfig,
        orders: impl IntoIterator<Item = Order>,
        seen_fills: impl IntoIterator<Item = ExecId>,
    ) -> Self {
        let mut m = Self::with_config(prefix, config);
        for id in seen_fills {
            m.remember_fill(id);
        }
        for o in orders {
            let id = o.client_order_id();
            let terminal = o.status.is_terminal();
            m.insert(id, o);
            if terminal {
                m.retire_if_done(id);
            }
        }
        m
    }

    pub fn config(&self) -> &ExecConfig {
        &self.config
    }

    /// A fresh id: prefix, event time in base 36, sequence and a tag (`ab-lq2x1k0-42-t`).
    /// Deterministic for a given event stream, unique across restarts through the time part.
    pub fn next_client_id(&mut self, ts_ms: i64, tag: &str) -> ClientOrderId {
        self.next_seq += 1;
        ids::client_order_id(&self.prefix, ts_ms, self.next_seq, tag)
    }

    /// Tracks a new order (and its id among the live ones).
    fn insert(&mut self, id: ClientOrderId, order: Order) {
        if self.orders.insert(id, order).is_none() {
            self.live.push(id);
        }
    }

    /// Registers an approved request and emits the action that sends it. A request whose client
    /// id is already known is not sent again (idempotent resubmission).
    pub fn submit(&mut self, approved: RiskApproved<OrderRequest>, out: &mut Vec<Action>) {
        let _ = self.try_submit(approved, out);
    }

    /// As `submit`, saying when the id was already used.
    pub fn try_submit(&mut self, approved: RiskApproved<OrderRequest>, out: &mut Vec<Action>) -> Result<(), ExecError> {
        let request = approved.into_inner();
        let id = request.client_order_id;
        if self.orders.contains_key(&id) {
            return Err(ExecError::DuplicateId(id));
        }
        let order = Order::new(request);
        out.push(Action::PlaceOrder(request));
        out.push(Action::RecordOrder(order.clone()));
        self.insert(id, order);
        self.inflight.insert(id, Inflight::new(RequestKind::Place, request.symbol));
        Ok(())
    }

    /// The request as it would stand after an amendment, for the risk check that must approve it
    /// before `amend` (check it with this order's own remaining quantity left out of `open_*`).
    pub fn amended_request(
        &self,
        id: ClientOrderId,
        qty: Option<Qty>,
        price: Option<Price>,
        trigger_price: Option<Price>,
        ts_ms: i64,
    ) -> Result<OrderRequest, ExecError> {
        let o = self.working(id)?;
        let mut r = o.request;
        r.qty = qty.unwrap_or(o.qty);
        r.price = price.or(o.price);
        r.trigger_price = trigger_price.or(o.trigger_price);
        r.ts_ms = ts_ms;
        Ok(r)
    }

    /// Sends an approved amendment (built by `amended_request`) of a working order.
    pub fn amend(&mut self, approved: RiskApproved<OrderRequest>, out: &mut Vec<Action>) -> Result<(), ExecError> {
        let r = approved.into_inner();
        let id = r.client_order_id;
        let o = self.working(id)?;
        let q = &o.request;
        if (q.symbol, q.side, q.order_type, q.reduce_only) != (r.symbol, r.side, r.order_type, r.reduce_only) {
            return Err(ExecError::AmendChangesIdentity(id));
        }
        let qty = (r.qty != o.qty).then_some(r.qty);
        let price = (r.price != o.price).then_some(r.price).flatten();
        let trigger_price = (r.trigger_price != o.trigger_price).then_some(r.trigger_price).flatten();
        if qty.is_none() && price.is_none() && trigger_price.is_none() {
            return Err(ExecError::NothingToAmend(id));
        }
        out.push(Action::AmendOrder { symbol: r.symbol, client_order_id: id, qty, price, trigger_price });
        self.inflight.insert(id, Inflight::new(RequestKind::Amend, r.symbol));
        Ok(())
    }

    /// Asks the venue to cancel a working order.
    pub fn cancel(&mut self, id: ClientOrderId, out: &mut Vec<Action>) -> Result<(), ExecError> {
        let symbol = self.working(id)?.symbol();
        out.push(Action::CancelOrder { symbol, client_order_id: id });
        self.inflight.insert(id, Inflight::new(RequestKind::Cancel, symbol));
        Ok(())
    }

    fn working(&self, id: ClientOrderId) -> Result<&Order, ExecError> {
        let o = self.orders.get(&id).ok_or(ExecError::UnknownOrder(id))?;
        if o.status.is_terminal() {
            return Err(ExecError::NotWorking { id, status: o.status });
        }
        Ok(o)
    }

    pub fn get(&self, id: &ClientOrderId) -> Option<&Order> {
        self.orders.get(id)
    }

    /// Orders still working, in creation order (stable for display and tests).
    pub fn open_orders(&self) -> Vec<&Order> {
        let mut v: Vec<&Order> = self.live_orders().filter(|o| o.status.is_open()).collect();
        v.sort_by(|a, b| {
            (a.created_ms, a.client_order_id().as_str()).cmp(&(b.created_ms, b.client_order_id().as_str()))
        });
        v
    }

    pub fn open_orders_for(&self, symbol: Symbol) -> impl Iterator<Item = &Order> {
        self.live_orders().filter(move |o| o.status.is_open() && o.symbol() == symbol)
    }

    pub fn open_count(&self) -> usize {
        self.live_orders().filter(|o| o.status.is_open()).count()
    }

    /// The orders not yet retired (every open one among them), in no particular order.
    fn live_orders(&self) -> impl Iterator<Item = &Order> {
        self.live.iter().filter_map(|id| self.orders.get(id))
    }

    /// Remaining buy and sell quantity of `symbol`'s working orders that can add to a position
    /// (reduce-only orders left out): the `open_buy`/`open_sell` of the risk context.
    pub fn working_qty(&self, symbol: Symbol) -> (Qty, Qty) {
        self.working_qty_except(symbol, None)
    }

    /// As `working_qty`, leaving out one order (the one being amended).
    pub fn working_qty_except(&self, symbol: Symbol, except: Option<ClientOrderId>) -> (Qty, Qty) {
        let (mut buy, mut sell) = (Qty::ZERO, Qty::ZERO);
        for o in self.open_orders_for(symbol) {
            if o.request.reduce_only || Some(o.client_order_id()) == except {
                continue;
            }
            match o.side() {
                Side::Buy => buy += o.remaining(),
                Side::Sell => sell += o.remaining(),
            }
        }
        (buy, sell)
    }

    /// Orders given up on after repeated timeouts (until a report or reconciliation).
    pub fn lost(&self) -> impl Iterator<Item = &ClientOrderId> {
        self.lost.iter()
    }

    /// Requests waiting for the venue's answer.
    pub fn inflight_count(&self) -> usize {
        self.inflight.len()
    }

    /// Whether a fill with this execution id was already applied (a replay).
    pub fn has_seen_fill(&self, exec_id: &ExecId) -> bool {
        self.seen_fills.contains(exec_id)
    }

    /// Hands over the memory of applied fill ids (up to 10,000 of them), leaving it empty, so a
    /// copy of the manager made meanwhile does not carry it (`Engine`'s rehearsal copy); give
    /// it back with `restore_fill_memory`.
    pub fn take_fill_memory(&mut self) -> FillMemory {
        FillMemory(std::mem::take(&mut self.seen_fills), std::mem::take(&mut self.seen_order))
    }

    /// Puts back what `take_fill_memory` took.
    pub fn restore_fill_memory(&mut self, memory: FillMemory) {
        (self.seen_fills, self.seen_order) = (memory.0, memory.1);
    }

    /// Remembers a fill applied outside an order we track (an unknown order's, a refused one),
    /// so a replay of it is recognised.
    pub fn mark_fill_seen(&mut self, exec_id: ExecId) {
        self.remember_fill(exec_id);
    }

    /// Fees and slippage so far.
    pub fn costs(&self) -> &ExecCosts {
        &self.costs
    }

    /// Applies the venue's report of an order. Quantities come from fills; this moves status.
    pub fn on_update(&mut self, up: &OrderUpdate, out: &mut Vec<Action>) {
        let Some(order) = self.orders.get_mut(&up.client_order_id) else {
            out.push(Action::Alert(Alert {
                ts_ms: up.ts_ms,
                level: AlertLevel::Warning,
                kind: "order".into(),
                message: format!("report for unknown order {} ({})", up.client_order_id, up.status).into(),
            }));
            return;
        };
        self.lost.remove(&up.client_order_id);
        if let Some(f) = self.inflight.get(&up.client_order_id) {
            let answered = match f.kind {
                RequestKind::Place => up.status != OrderStatus::PendingNew,
                RequestKind::Amend => true,
                RequestKind::Cancel => up.status.is_terminal(),
            };
            if answered {
                self.inflight.remove(&up.client_order_id);
            }
        }
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
                out.push(Action::RecordOrder(order.clone()));
            }
            return;
        }
        let event = match (order.status, up.status) {
            (_, OrderStatus::PendingNew) => return,
            (OrderStatus::PendingNew, OrderStatus::New) => OrderEvent::Accepted,
            (OrderStatus::Untriggered, OrderStatus::New) => OrderEvent::Triggered,
            (OrderStatus::Triggered | OrderStatus::PartiallyFilled, OrderStatus::New) => return,
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
                out.push(Action::RecordOrder(order.clone()));
                self.retire_if_done(up.client_order_id);
            }
            Err(e) => out.push(Action::Alert(Alert {
                ts_ms: up.ts_ms,
                level: AlertLevel::Warning,
                kind: "order".into(),
                message: e.to_string().into(),
            })),
        }
    }

    /// Applies a fill to its order. Returns false when the fill is for an order we do not know.
    pub fn on_fill(&mut self, fill: &Fill, out: &mut Vec<Action>) -> bool {
        if !self.orders.contains_key(&fill.client_order_id) {
            return false;
        }
        self.on_fill_costed(fill, out);
        true
    }

    /// Applies a fill and returns its costs (slippage against the decision price, fee); `None`
    /// for an unknown order, a repeated fill (same exec id) or a refused one (overfill).
    pub fn on_fill_costed(&mut self, fill: &Fill, out: &mut Vec<Action>) -> Option<FillCost> {
        if self.seen_fills.contains(&fill.exec_id) {
            return None;
        }
        let order = self.orders.get_mut(&fill.client_order_id)?;
        match order.apply_fill(fill.price, fill.qty, fill.fee, fill.ts_ms) {
            Ok(_) => {
                if order.order_id.is_none() {
                    order.order_id = Some(fill.order_id);
                }
                let cost = FillCost::of(fill, order.request.decision_price);
                out.push(Action::RecordOrder(order.clone()));
                self.after_fill(fill, &cost);
                Some(cost)
            }
            Err(e) => {
                out.push(Action::Alert(Alert {
                    ts_ms: fill.ts_ms,
                    level: AlertLevel::Critical,
                    kind: "order".into(),
                    message: format!("fill {} refused: {e}", fill.exec_id).into(),
                }));
                None
            }
        }
    }

    fn after_fill(&mut self, fill: &Fill, cost: &FillCost) {
        self.costs.add(cost);
        self.remember_fill(fill.exec_id);
        if self.inflight.get(&fill.client_order_id).is_some_and(|f| f.kind == RequestKind::Place) {
            self.inflight.remove(&fill.client_order_id);
        }
        self.lost.remove(&fill.client_order_id);
        self.retire_if_done(fill.client_order_id);
    }

    fn remember_fill(&mut self, exec_id: ExecId) {
        if self.seen_fills.insert(exec_id) {
            self.seen_order.push_back(exec_id);
            while self.seen_order.len() > KEEP_FILL_IDS {
                if let Some(old) = self.seen_order.pop_front() {
                    self.seen_fills.remove(&old);
                }
            }
        }
    }

    fn retire_if_done(&mut self, id: ClientOrderId) {
        if self.orders.get(&id).is_some_and(|o| o.status.is_terminal()) {
            if let Some(i) = self.live.iter().position(|l| *l == id) {
                self.live.swap_remove(i);
            }
            self.inflight.remove(&id);
            self.lost.remove(&id);
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
#[cfg(test)]
mod tests_more;
