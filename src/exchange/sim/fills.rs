//! Executing orders: taking liquidity (book walk, slippage or a synthetic ladder), maker fills at
//! the limit price, stop triggers, reduce-only clipping, and booking each fill into the account.

use super::account::slipped_price;
use super::hedge::closes;
use super::matching::{best_opposite, depth_within, walk_book, walk_synthetic};
use super::orders::{crosses, opening_qty, reduces};
use super::{seq_text, update_of, SimExchange};
use crate::domain::{
    ClientOrderId, Event, ExecId, Fill, Money, OrderEvent, OrderId, OrderType, PositionIdx, Price, Qty, Rate,
    RejectReason, Rounding, Side, TimeInForce,
};

/// Most levels a synthetic-depth fill is spread over.
const SYNTHETIC_MAX_LEVELS: i64 = 20;

impl SimExchange {
    /// The quantity order `i` may still fill: its remainder, or for reduce-only orders the part
    /// that reduces the position (the order is clipped to it, or cancelled when nothing reduces).
    pub(super) fn allowed_qty(&mut self, i: usize, ts: i64, out: &mut Vec<Event>) -> Qty {
        let so = &self.orders[i];
        let remaining = so.order.remaining();
        if !closes(&so.order.request) {
            return remaining;
        }
        let size = self.markets[so.market].side(so.order.request.position_idx).size;
        if !reduces(size, so.order.side()) {
            self.cancel(i, Some(RejectReason::ReduceOnlyWouldIncrease), ts, out);
            return Qty::ZERO;
        }
        let allowed = remaining.min(size.abs());
        if allowed < remaining {
            let o = &mut self.orders[i].order;
            if o.apply(OrderEvent::Amended, ts).is_ok() {
                o.qty = o.filled_qty + allowed;
                out.push(Event::Order(update_of(o, None)));
            }
        }
        allowed
    }

    /// Books one fill of order `i` into the order, the position and the wallet, and pushes the
    /// order update and the fill (the caller pushes position and balance once it is done).
    pub(super) fn fill(&mut self, i: usize, price: Price, qty: Qty, is_maker: bool, ts: i64, out: &mut Vec<Event>) {
        let rate = if is_maker { self.config.maker_fee } else { self.config.taker_fee };
        let fee = (price * qty).mul_rate(rate);
        let so = &mut self.orders[i];
        if so.order.apply_fill(price, qty, fee, ts).is_err() {
            return;
        }
        if so.order.status.is_terminal() {
            self.dirty = true;
        }
        out.push(Event::Order(update_of(&so.order, None)));
        let (m, side, cid, idx) =
            (so.market, so.order.side(), so.order.client_order_id(), so.order.request.position_idx);
        let oid = so.order.order_id.unwrap_or_else(|| OrderId::new("sim").expect("literal id"));
        self.settle(m, idx, side, cid, oid, price, qty, fee, rate, is_maker, ts, out);
    }

    /// Applies an execution to the position and wallet and pushes the `Fill`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn settle(
        &mut self,
        m: usize,
        idx: PositionIdx,
        side: Side,
        client_order_id: ClientOrderId,
        order_id: OrderId,
        price: Price,
        qty: Qty,
        fee: Money,
        fee_rate: Rate,
        is_maker: bool,
        ts: i64,
        out: &mut Vec<Event>,
    ) {
        let cfg = self.config;
        let mk = &mut self.markets[m];
        mk.watch_stale = true;
        let tick = mk.inst.tick_size;
        let pos = mk.side_mut(idx);
        if pos.is_flat() {
            pos.realised = Money::ZERO;
        }
        let gross = pos.apply_fill(side, price, qty);
        pos.realised += gross - fee;
        pos.refresh_liq(cfg.leverage, cfg.maintenance_margin_rate, tick);
        self.wallet += gross - fee;
        self.fees_paid += fee;
        self.exec_seq += 1;
        let mut buf = [0u8; 32];
        let exec_id = ExecId::new(seq_text(&mut buf, "sim-e-", self.exec_seq)).expect("generated id fits");
        out.push(Event::Fill(Fill {
            symbol: mk.inst.symbol,
            client_order_id,
            order_id,
            exec_id,
            side,
            price,
            qty,
            fee,
            fee_rate,
            is_maker,
            ts_ms: ts,
        }));
    }

    /// Order `i` takes liquidity: against the book when one is synced, else from `ref_price`
    /// with slippage (or a synthetic ladder), never beyond `limit`. Remainders of market, IOC
    /// and FOK orders are cancelled. Returns whether anything filled.
    pub(super) fn take(
        &mut self,
        i: usize,
        ref_price: Price,
        limit: Option<Price>,
        ts: i64,
        out: &mut Vec<Event>,
    ) -> bool {
        let allowed = self.allowed_qty(i, ts, out);
        if !allowed.is_positive() {
            return false;
        }
        let cfg = self.config;
        let (m, side, tif, is_market) = {
            let o = &self.orders[i].order;
            (self.orders[i].market, o.side(), o.request.time_in_force, o.request.order_type == OrderType::Market)
        };
        let fok = tif == TimeInForce::Fok;
        let mut fills = std::mem::take(&mut self.scratch_fills);
        fills.clear();
        let mk = &mut self.markets[m];
        let (tick, step) = (mk.inst.tick_size, mk.inst.qty_step);
        let mut got = if best_opposite(&mk.book, side).is_some() {
            if fok && depth_within(&mk.book, side, limit, step) < allowed {
                Qty::ZERO
            } else {
                walk_book(&mut mk.book, side, allowed, limit, step, &mut fills)
            }
        } else if ref_price.is_positive() {
            let mut start = slipped_price(side, ref_price, cfg.slippage_bps, tick);
            if let Some(l) = limit {
                start = match side {
                    Side::Buy => start.min(l),
                    Side::Sell => start.max(l),
                };
            }
            let level_qty = Qty::from_f64(mk.last_volume * 0.01).unwrap_or(Qty::ZERO).round_to(step, Rounding::Down);
            if cfg.synthetic_depth && level_qty.is_positive() {
                walk_synthetic(side, start, tick, level_qty, SYNTHETIC_MAX_LEVELS, allowed, limit, step, &mut fills)
            } else {
                fills.push((start, allowed));
                allowed
            }
        } else {
            Qty::ZERO
        };
        if fok && got < allowed {
            fills.clear();
            got = Qty::ZERO;
        }
        for &(price, qty) in &fills {
            self.fill(i, price, qty, false, ts, out);
        }
        self.scratch_fills = fills;
        let o = &self.orders[i].order;
        if o.status.is_open()
            && o.remaining().is_positive()
            && (is_market || matches!(tif, TimeInForce::Ioc | TimeInForce::Fok))
        {
            let reason = if got.is_zero() { Some(RejectReason::NoLiquidity) } else { None };
            self.cancel(i, reason, ts, out);
        }
        if got.is_positive() {
            self.push_position(m, ts, out);
            self.push_balance(ts, out);
        }
        got.is_positive()
    }

    /// Order `i` reaches the matching engine: market orders take, marketable limits take (or
    /// are cancelled when post-only), IOC/FOK limits that cannot trade are cancelled, the rest rest.
    pub(super) fn arrive(&mut self, i: usize, ts: i64, out: &mut Vec<Event>) {
        let so = &self.orders[i];
        let mk = &self.markets[so.market];
        let last = mk.last_price;
        let side = so.order.side();
        match (so.order.request.order_type, so.order.price) {
            (OrderType::Limit, Some(price)) => {
                let marketable = match best_opposite(&mk.book, side) {
                    Some(best) => crosses(side, price, best.price, false),
                    None => last.is_positive() && crosses(side, price, last, true),
                };
                self.limit_arrives(i, price, marketable, last, ts, out);
            }
            _ => {
                self.take(i, last, None, ts, out);
            }
        }
    }

    fn limit_arrives(&mut self, i: usize, price: Price, marketable: bool, base: Price, ts: i64, out: &mut Vec<Event>) {
        let tif = self.orders[i].order.request.time_in_force;
        match (marketable, tif) {
            (true, TimeInForce::PostOnly) => self.cancel(i, Some(RejectReason::PostOnlyWouldTake), ts, out),
            (true, _) => {
                self.take(i, base, Some(price), ts, out);
            }
            (false, TimeInForce::Ioc | TimeInForce::Fok) => self.cancel(i, None, ts, out),
            (false, _) => {}
        }
    }

    /// Order `i`'s trigger fired with the price at `base`: it becomes a market or limit order.
    /// A non-reduce-only order that the account can no longer afford is cancelled.
    pub(super) fn trigger(&mut self, i: usize, base: Price, ts: i64, out: &mut Vec<Event>) {
        let so = &self.orders[i];
        let (m, side) = (so.market, so.order.side());
        self.markets[m].watch_stale = true;
        if !closes(&so.order.request) {
            let opening =
                opening_qty(self.markets[m].side(so.order.request.position_idx).size, side, so.order.remaining());
            let ref_price = so.order.price.unwrap_or(base);
            let required = (ref_price * opening).div_rate(self.config.leverage).unwrap_or(Money::MAX);
            if required > self.balance().available {
                let o = &mut self.orders[i].order;
                let _ = o.apply(OrderEvent::Triggered, ts);
                out.push(Event::Order(update_of(o, None)));
                return self.cancel(i, Some(RejectReason::InsufficientBalance), ts, out);
            }
        }
        let o = &mut self.orders[i].order;
        if o.apply(OrderEvent::Triggered, ts).is_err() {
            return;
        }
        out.push(Event::Order(update_of(o, None)));
        match (o.request.order_type, o.price) {
            (OrderType::Limit, Some(price)) => {
                let marketable = match best_opposite(&self.markets[m].book, side) {
                    Some(best) => crosses(side, price, best.price, false),
                    None => crosses(side, price, base, false),
                };
                self.limit_arrives(i, price, marketable, base, ts, out);
            }
            _ => {
                self.take(i, base, None, ts, out);
            }
        }
    }

    /// A resting limit is traded through: fills up to `max_qty` (all that may fill when `None`)
    /// at its own price as maker. Returns the quantity filled.
    pub(super) fn maker_fill(&mut self, i: usize, max_qty: Option<Qty>, ts: i64, out: &mut Vec<Event>) -> Qty {
        let Some(price) = self.orders[i].order.price else { return Qty::ZERO };
        let allowed = self.allowed_qty(i, ts, out);
        let m = self.orders[i].market;
        let step = self.markets[m].inst.qty_step;
        let qty = max_qty.map_or(allowed, |mx| allowed.min(mx).round_to(step, Rounding::Down));
        if !qty.is_positive() {
            return Qty::ZERO;
        }
        self.fill(i, price, qty, true, ts, out);
        self.push_position(m, ts, out);
        self.push_balance(ts, out);
        qty
    }
}
