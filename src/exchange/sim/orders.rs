//! The order path of the simulator: validation, acknowledgement, amend/cancel, and executing
//! fills (taker against the book or the last price, maker at the limit price) into the account.

use super::hedge::closes;
use super::matching::best_opposite;
use super::{is_working, seq_text, update_of, SimExchange, SimOrder};
use crate::domain::{
    ClientOrderId, Event, Money, Order, OrderEvent, OrderId, OrderRequest, OrderStatus, OrderType, Price, Qty,
    RejectReason, Side, Symbol, TimeInForce, TriggerDirection,
};

impl SimExchange {
    /// Validates and acknowledges an order; it reaches the matching engine on a later event.
    pub(super) fn place(&mut self, req: &OrderRequest, ts: i64, out: &mut Vec<Event>) {
        let mut order = Order::new(*req);
        order.created_ms = ts;
        order.updated_ms = ts;
        if self.seen_ids.contains(&req.client_order_id) {
            let text = format!("client order id {} was already used", req.client_order_id);
            return reject(order, RejectReason::DuplicateClientId, text, ts, out);
        }
        let Some(m) = self.market_index(req.symbol) else {
            let text = format!("unknown symbol {}", req.symbol);
            return reject(order, RejectReason::Other, text, ts, out);
        };
        let direction = match self.validate(m, &mut order) {
            Ok(d) => d,
            Err((reason, text)) => return reject(order, reason, text, ts, out),
        };
        self.seen_ids.insert(req.client_order_id);
        self.order_seq += 1;
        let mut buf = [0u8; 32];
        order.order_id = OrderId::new(seq_text(&mut buf, "sim-o-", self.order_seq)).ok();
        let event = if req.is_conditional() { OrderEvent::AcceptedConditional } else { OrderEvent::Accepted };
        let _ = order.apply(event, ts);
        out.push(Event::Order(update_of(&order, None)));
        let due_ms = ts.saturating_add(self.config.latency_ms.max(0));
        self.orders.push(SimOrder { order, market: m, seq: self.order_seq, pending: true, due_ms, direction });
        self.markets[m].watch_stale = true;
    }

    /// Instrument rules, reduce-only and margin checks. Clips a reduce-only quantity to the
    /// position. Returns the trigger direction (inferred from the last price when not given).
    fn validate(&self, m: usize, order: &mut Order) -> Result<TriggerDirection, (RejectReason, String)> {
        let mk = &self.markets[m];
        let inst = &mk.inst;
        let req = order.request;
        if req.position_idx.mode() != mk.mode() {
            return Err((
                RejectReason::Other,
                format!(
                    "position idx not match position mode (idx {}, {} is in {} mode)",
                    req.position_idx,
                    inst.symbol,
                    mk.mode()
                ),
            ));
        }
        let pos = mk.side(req.position_idx);
        let bad_price = |e: crate::domain::RuleViolation| (RejectReason::InvalidPrice, e.to_string());
        if let Some(tp) = req.trigger_price {
            inst.check_price(tp).map_err(bad_price)?;
        }
        let limit = match req.order_type {
            OrderType::Limit => {
                let price = req.price.ok_or((RejectReason::InvalidPrice, "limit order without a price".to_string()))?;
                inst.check_price(price).map_err(bad_price)?;
                Some(price)
            }
            OrderType::Market => {
                if req.time_in_force == TimeInForce::PostOnly {
                    return Err((RejectReason::Other, "post-only needs a limit order".to_string()));
                }
                order.price = None;
                None
            }
        };
        let direction = match (req.trigger_price, req.trigger_direction) {
            (_, Some(d)) => d,
            (Some(tp), None) if mk.last_price.is_positive() => {
                if tp > mk.last_price {
                    TriggerDirection::Rising
                } else {
                    TriggerDirection::Falling
                }
            }
            (Some(_), None) => {
                return Err((RejectReason::InvalidPrice, "trigger without a direction before any price".to_string()))
            }
            (None, None) => TriggerDirection::Rising,
        };
        let book_ref = best_opposite(&mk.book, req.side).map_or(Price::ZERO, |l| l.price);
        let last_ref = if mk.last_price.is_positive() { mk.last_price } else { book_ref };
        let ref_price = limit.or(req.trigger_price).unwrap_or(last_ref);
        if !ref_price.is_positive() {
            return Err((RejectReason::NoLiquidity, format!("{}: no price known yet", inst.symbol)));
        }
        let is_market = req.order_type == OrderType::Market;
        inst.check_qty(req.qty, ref_price, is_market, req.reduce_only)
            .map_err(|e| (RejectReason::InvalidQty, e.to_string()))?;
        let reduce = closes(&req);
        if mk.hedge && req.reduce_only && !closes(&OrderRequest { reduce_only: false, ..req }) {
            return Err((RejectReason::ReduceOnlyWouldIncrease, "reduce-only order would open or grow".to_string()));
        }
        if reduce && !req.is_conditional() {
            let size = pos.size;
            if !reduces(size, req.side) {
                return Err((
                    RejectReason::ReduceOnlyWouldIncrease,
                    "reduce-only order would open or grow".to_string(),
                ));
            }
            order.qty = req.qty.min(size.abs());
        }
        if !reduce {
            let opening = opening_qty(pos.size, req.side, order.qty);
            let required = (ref_price * opening).div_rate(self.config.leverage).unwrap_or(Money::MAX);
            let available = self.balance().available;
            if required > available {
                return Err((
                    RejectReason::InsufficientBalance,
                    format!("initial margin {required} exceeds available {available}"),
                ));
            }
        }
        Ok(direction)
    }

    /// Margin held by working orders (see the module docs).
    pub(super) fn order_margin(&self) -> Money {
        let mut total = Money::ZERO;
        for so in &self.orders {
            let o = &so.order;
            if closes(&o.request) || !is_working(o.status) {
                continue;
            }
            let mk = &self.markets[so.market];
            let price = o.price.unwrap_or(mk.last_price);
            let opening = opening_qty(mk.side(o.request.position_idx).size, o.side(), o.remaining());
            total += price * opening;
        }
        total.div_rate(self.config.leverage).unwrap_or(total)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn amend(
        &mut self,
        symbol: Symbol,
        id: ClientOrderId,
        qty: Option<Qty>,
        price: Option<Price>,
        trigger: Option<Price>,
        ts: i64,
        out: &mut Vec<Event>,
    ) {
        let Some(i) = self.find_open(symbol, id) else {
            return unknown_order(symbol, id, ts, out);
        };
        let so = &self.orders[i];
        let inst = &self.markets[so.market].inst;
        let o = &so.order;
        let check = || -> Result<(), RejectReason> {
            if let Some(p) = price {
                if o.request.order_type == OrderType::Market {
                    return Err(RejectReason::InvalidPrice);
                }
                inst.check_price(p).map_err(|_| RejectReason::InvalidPrice)?;
            }
            if let Some(tp) = trigger {
                if o.status != OrderStatus::Untriggered {
                    return Err(RejectReason::InvalidPrice);
                }
                inst.check_price(tp).map_err(|_| RejectReason::InvalidPrice)?;
            }
            if let Some(q) = qty {
                let ref_price = price.or(o.price).or(o.trigger_price).unwrap_or(Price::ONE);
                let market = o.request.order_type == OrderType::Market;
                inst.check_qty(q, ref_price, market, true).map_err(|_| RejectReason::InvalidQty)?;
                if q <= o.filled_qty {
                    return Err(RejectReason::InvalidQty);
                }
            }
            Ok(())
        };
        if let Err(reason) = check() {
            out.push(Event::Order(update_of(o, Some(reason))));
            return;
        }
        let latency = self.config.latency_ms.max(0);
        let so = &mut self.orders[i];
        let _ = so.order.apply(OrderEvent::Amended, ts);
        if let Some(q) = qty {
            so.order.qty = q;
        }
        if price.is_some() {
            so.order.price = price;
        }
        if trigger.is_some() {
            so.order.trigger_price = trigger;
        }
        // A changed working order re-enters matching, so an amend that crosses trades as a taker.
        if so.order.status != OrderStatus::Untriggered {
            so.pending = true;
            so.due_ms = ts.saturating_add(latency);
        }
        out.push(Event::Order(update_of(&so.order, None)));
        let m = so.market;
        self.markets[m].watch_stale = true;
    }

    fn find_open(&self, symbol: Symbol, id: ClientOrderId) -> Option<usize> {
        self.orders
            .iter()
            .position(|o| o.order.client_order_id() == id && o.order.symbol() == symbol && o.order.status.is_open())
    }

    pub(super) fn cancel_by_id(&mut self, symbol: Symbol, id: ClientOrderId, ts: i64, out: &mut Vec<Event>) {
        match self.find_open(symbol, id) {
            Some(i) => self.cancel(i, None, ts, out),
            None => unknown_order(symbol, id, ts, out),
        }
    }

    pub(super) fn cancel_all(&mut self, symbol: Option<Symbol>, ts: i64, out: &mut Vec<Event>) {
        for i in 0..self.orders.len() {
            let o = &self.orders[i].order;
            if o.status.is_open() && symbol.is_none_or(|s| s == o.symbol()) {
                self.cancel(i, None, ts, out);
            }
        }
    }

    /// Cancels order `i` (untriggered stops become `Deactivated`).
    pub(super) fn cancel(&mut self, i: usize, reason: Option<RejectReason>, ts: i64, out: &mut Vec<Event>) {
        let so = &mut self.orders[i];
        if so.order.apply(OrderEvent::Cancelled, ts).is_ok() {
            out.push(Event::Order(update_of(&so.order, reason)));
            self.dirty = true;
            self.markets[so.market].watch_stale = true;
        }
    }
}

/// Rejects an order that was never accepted.
fn reject(mut order: Order, reason: RejectReason, text: String, ts: i64, out: &mut Vec<Event>) {
    order.reject_reason = Some(text);
    let _ = order.apply(OrderEvent::Rejected, ts);
    out.push(Event::Order(update_of(&order, Some(reason))));
}

/// Answer to an amend or cancel of an order the venue does not hold (Bybit: "order not exists").
fn unknown_order(symbol: Symbol, id: ClientOrderId, ts: i64, out: &mut Vec<Event>) {
    out.push(Event::Order(crate::domain::OrderUpdate {
        client_order_id: id,
        order_id: None,
        symbol,
        status: OrderStatus::Rejected,
        qty: Qty::ZERO,
        price: None,
        trigger_price: None,
        filled_qty: Qty::ZERO,
        ts_ms: ts,
        reason: Some(RejectReason::UnknownOrder),
    }));
}

/// Whether a `side` order reduces a position of signed `size`.
pub(super) fn reduces(size: Qty, side: Side) -> bool {
    (size.is_positive() && side == Side::Sell) || (size.is_negative() && side == Side::Buy)
}

/// The part of a `side` order of `qty` that would open or grow a position of signed `size`.
pub(super) fn opening_qty(size: Qty, side: Side, qty: Qty) -> Qty {
    if reduces(size, side) {
        (qty - size.abs()).max(Qty::ZERO)
    } else {
        qty
    }
}

/// Whether a `side` order at `price` crosses `other` (a buy at or above it; strictly when `strict`).
pub(super) fn crosses(side: Side, price: Price, other: Price, strict: bool) -> bool {
    match (side, strict) {
        (Side::Buy, false) => price >= other,
        (Side::Buy, true) => price > other,
        (Side::Sell, false) => price <= other,
        (Side::Sell, true) => price < other,
    }
}
