//! Reconciliation after a reconnect or restart: the venue's open orders, positions and fills
//! win. Missed fills are applied, orders that closed while we were away are closed, orders we
//! did not know are adopted, and every difference is returned to be logged and alerted.

use super::OrderManager;
use crate::domain::{Action, Alert, AlertLevel, ClientOrderId, Fill, Order, OrderStatus, Position, Qty, Symbol};
use std::collections::HashMap;
use std::fmt;

/// What the venue says, fetched after the (re)connection.
#[derive(Debug, Clone, Copy)]
pub struct VenueSnapshot<'a> {
    /// Orders the venue reports as working.
    pub open_orders: &'a [Order],
    /// Every position the venue reports; a symbol missing here is flat.
    pub positions: &'a [Position],
    /// Fills since before the outage (execution history); fills already seen are skipped.
    pub fills: &'a [Fill],
}

/// A difference between our state and the venue's (the venue's side was adopted).
#[derive(Debug, Clone, PartialEq)]
pub enum Discrepancy {
    /// A fill we had not seen; applied to its order. Positions follow from `PositionMismatch`.
    MissedFill(Fill),
    /// An order we thought working is no longer working at the venue.
    OrderClosed { client_order_id: ClientOrderId, symbol: Symbol, was: OrderStatus, now: OrderStatus },
    /// A working order whose status or quantities differ.
    OrderChanged { client_order_id: ClientOrderId, symbol: Symbol, was: OrderStatus, now: OrderStatus },
    /// A working order at the venue we did not know; adopted (the caller may cancel it).
    UnknownVenueOrder { client_order_id: ClientOrderId, symbol: Symbol, status: OrderStatus },
    /// Our position differs from the venue's; adopt `venue`.
    PositionMismatch { symbol: Symbol, local: Qty, venue: Qty },
}

impl fmt::Display for Discrepancy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Discrepancy::MissedFill(x) => {
                write!(
                    f,
                    "{}: missed fill {} of {}: {} {} at {}",
                    x.symbol, x.exec_id, x.client_order_id, x.side, x.qty, x.price
                )
            }
            Discrepancy::OrderClosed { client_order_id, symbol, was, now } => {
                write!(f, "{symbol}: order {client_order_id} was {was} here, {now} at the venue")
            }
            Discrepancy::OrderChanged { client_order_id, symbol, was, now } => {
                write!(
                    f,
                    "{symbol}: order {client_order_id} was {was} here, {now} at the venue (venue's state adopted)"
                )
            }
            Discrepancy::UnknownVenueOrder { client_order_id, symbol, status } => {
                write!(f, "{symbol}: venue has an order we did not know: {client_order_id} ({status})")
            }
            Discrepancy::PositionMismatch { symbol, local, venue } => {
                write!(f, "{symbol}: position {local} here, {venue} at the venue (venue's adopted)")
            }
        }
    }
}

impl Discrepancy {
    /// Position and unknown-order differences are critical; the rest are warnings.
    pub fn alert(&self, ts_ms: i64) -> Alert {
        let level = match self {
            Discrepancy::PositionMismatch { .. } | Discrepancy::UnknownVenueOrder { .. } => AlertLevel::Critical,
            _ => AlertLevel::Warning,
        };
        Alert { ts_ms, level, kind: "reconcile".into(), message: self.to_string().into() }
    }
}

impl OrderManager {
    /// Brings every order to the venue's state. `local_positions` are our positions (signed) as
    /// they stood before; the returned `PositionMismatch`es say which to replace. Every changed
    /// order is recorded (`RecordOrder`); requests in flight and lost marks are cleared.
    pub fn reconcile(
        &mut self,
        venue: &VenueSnapshot<'_>,
        local_positions: &[(Symbol, Qty)],
        ts_ms: i64,
        out: &mut Vec<Action>,
    ) -> Vec<Discrepancy> {
        let mut diffs = Vec::new();
        let mut fills: Vec<&Fill> = venue.fills.iter().filter(|f| !self.seen_fills.contains(&f.exec_id)).collect();
        fills.sort_by(|a, b| (a.ts_ms, a.exec_id.as_str()).cmp(&(b.ts_ms, b.exec_id.as_str())));
        for fill in fills {
            let mut scratch = Vec::new();
            if self.on_fill_costed(fill, &mut scratch).is_none() {
                self.force_fill(fill);
            }
            out.extend(scratch.into_iter().filter(|a| matches!(a, Action::RecordOrder(_))));
            diffs.push(Discrepancy::MissedFill(*fill));
        }
        let at_venue: HashMap<ClientOrderId, &Order> =
            venue.open_orders.iter().map(|o| (o.client_order_id(), o)).collect();
        let mut ours: Vec<ClientOrderId> =
            self.orders.values().filter(|o| o.status.is_open()).map(|o| o.client_order_id()).collect();
        ours.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        for id in &ours {
            let Some(o) = self.orders.get_mut(id) else { continue };
            let was = o.status;
            match at_venue.get(id) {
                Some(v) => {
                    let same = (v.status, v.qty, v.price, v.trigger_price, v.filled_qty)
                        == (o.status, o.qty, o.price, o.trigger_price, o.filled_qty);
                    if !same {
                        o.status = v.status;
                        o.qty = v.qty;
                        o.price = v.price;
                        o.trigger_price = v.trigger_price;
                        if v.filled_qty > o.filled_qty {
                            o.filled_qty = v.filled_qty;
                            o.filled_value = v.filled_value;
                            o.fees = v.fees;
                        }
                        o.order_id = o.order_id.or(v.order_id);
                        o.updated_ms = ts_ms;
                        out.push(Action::RecordOrder(o.clone()));
                        diffs.push(Discrepancy::OrderChanged {
                            client_order_id: *id,
                            symbol: o.symbol(),
                            was,
                            now: v.status,
                        });
                    }
                }
                None => {
                    o.status = if o.filled_qty >= o.qty && o.filled_qty.is_positive() {
                        OrderStatus::Filled
                    } else if o.filled_qty.is_positive() {
                        OrderStatus::PartiallyFilledCanceled
                    } else if o.status == OrderStatus::Untriggered {
                        OrderStatus::Deactivated
                    } else {
                        OrderStatus::Cancelled
                    };
                    o.updated_ms = ts_ms;
                    out.push(Action::RecordOrder(o.clone()));
                    diffs.push(Discrepancy::OrderClosed {
                        client_order_id: *id,
                        symbol: o.symbol(),
                        was,
                        now: o.status,
                    });
                }
            }
        }
        let mut unknown: Vec<&Order> =
            venue.open_orders.iter().filter(|v| !self.orders.contains_key(&v.client_order_id())).collect();
        unknown.sort_by(|a, b| a.client_order_id().as_str().cmp(b.client_order_id().as_str()));
        for v in unknown {
            self.insert(v.client_order_id(), v.clone());
            out.push(Action::RecordOrder(v.clone()));
            diffs.push(Discrepancy::UnknownVenueOrder {
                client_order_id: v.client_order_id(),
                symbol: v.symbol(),
                status: v.status,
            });
        }
        self.inflight.clear();
        self.lost.clear();
        for id in ours {
            self.retire_if_done(id);
        }
        let local = |s: Symbol| local_positions.iter().find(|p| p.0 == s).map(|p| p.1).unwrap_or(Qty::ZERO);
        for p in venue.positions {
            if local(p.symbol) != p.size {
                diffs.push(Discrepancy::PositionMismatch { symbol: p.symbol, local: local(p.symbol), venue: p.size });
            }
        }
        for &(s, q) in local_positions {
            if !q.is_zero() && !venue.positions.iter().any(|p| p.symbol == s) {
                diffs.push(Discrepancy::PositionMismatch { symbol: s, local: q, venue: Qty::ZERO });
            }
        }
        diffs
    }

    /// A venue fill the state machine refuses (the order was closed here): the venue wins.
    fn force_fill(&mut self, fill: &Fill) {
        if let Some(o) = self.orders.get_mut(&fill.client_order_id) {
            o.filled_qty += fill.qty;
            o.filled_value += fill.price * fill.qty;
            o.fees += fill.fee;
            if o.filled_qty > o.qty {
                o.qty = o.filled_qty;
            }
            o.status = if o.filled_qty >= o.qty { OrderStatus::Filled } else { OrderStatus::PartiallyFilled };
            o.updated_ms = fill.ts_ms;
            let cost = super::FillCost::of(fill, o.request.decision_price);
            self.costs.add(&cost);
        }
        self.remember_fill(fill.exec_id);
    }
}
