//! Market data into the simulator: prices and the book move, pending orders arrive, stops
//! trigger, resting limits fill (trade prints, candle ranges) and positions are liquidated.

use super::matching::{CandlePath, Reach};
use super::orders::crosses;
use super::{is_working, seq_text, update_of, SimExchange};
use crate::domain::{
    BookUpdate, Candle, ClientOrderId, Event, Order, OrderEvent, OrderId, OrderOrigin, OrderRequest, OrderStatus,
    OrderType, PositionIdx, Price, Qty, RejectReason, Side, Ticker, TimeInForce, Trade, TriggerDirection,
};

impl SimExchange {
    pub(super) fn on_candle(&mut self, c: &Candle, out: &mut Vec<Event>) {
        let Some(m) = self.market_index(c.symbol) else { return };
        self.now_ms = self.now_ms.max(c.ts_ms);
        self.charge_funding(c.ts_ms, out);
        if !c.closed {
            // An unfinished bar is a price tick; its open time says nothing about when it came.
            return self.on_tick(m, c.close, self.now_ms, out);
        }
        if c.ts_ms < self.markets[m].candle_end_ms {
            return;
        }
        let close_ms = c.close_ms().max(c.ts_ms);
        let mk = &mut self.markets[m];
        mk.candle_end_ms = close_ms;
        mk.last_price = c.open;
        if !mk.mark_from_ticker {
            mk.mark_price = c.open;
        }
        self.activate(m, c.ts_ms, c.ts_ms, out);
        let mk = &self.markets[m];
        if c.high.raw() >= mk.watch_up || c.low.raw() <= mk.watch_down {
            self.candle_range(m, c, out);
        }
        let mk = &mut self.markets[m];
        mk.last_price = c.close;
        if !mk.mark_from_ticker {
            mk.mark_price = c.close;
        }
        mk.last_volume = c.volume;
        // Orders that arrive inside the bar act at its close, stamped with the close time.
        self.activate(m, close_ms - 1, close_ms, out);
    }

    pub(super) fn on_trade(&mut self, t: &Trade, out: &mut Vec<Event>) {
        let Some(m) = self.market_index(t.symbol) else { return };
        self.now_ms = self.now_ms.max(t.ts_ms);
        self.charge_funding(t.ts_ms, out);
        let mk = &mut self.markets[m];
        if !mk.last_price.is_positive() {
            mk.last_price = t.price;
        }
        self.activate(m, t.ts_ms, t.ts_ms, out);
        let mk = &mut self.markets[m];
        mk.last_price = t.price;
        if !mk.mark_from_ticker {
            mk.mark_price = t.price;
        }
        if t.price.raw() >= mk.watch_up || t.price.raw() <= mk.watch_down {
            self.trigger_at(m, t.price, t.ts_ms, out);
            self.trade_through(m, t, out);
        }
        self.liquidate_at_mark(m, t.ts_ms, out);
    }

    pub(super) fn on_ticker(&mut self, t: &Ticker, out: &mut Vec<Event>) {
        let Some(m) = self.market_index(t.symbol) else { return };
        self.now_ms = self.now_ms.max(t.ts_ms);
        self.charge_funding(t.ts_ms, out);
        let mk = &mut self.markets[m];
        mk.funding_rate = t.funding_rate;
        if t.mark_price.is_positive() {
            mk.mark_price = t.mark_price;
            mk.mark_from_ticker = true;
        }
        self.on_tick(m, t.last_price, t.ts_ms, out);
    }

    pub(super) fn on_book(&mut self, b: &BookUpdate, out: &mut Vec<Event>) {
        let Some(m) = self.market_index(b.symbol) else { return };
        self.now_ms = self.now_ms.max(b.ts_ms);
        self.charge_funding(b.ts_ms, out);
        // A gap or a crossed book leaves `synced` false: matching falls back to the last price
        // until the next snapshot.
        let _ = self.markets[m].book.apply(b);
        self.activate(m, b.ts_ms, b.ts_ms, out);
    }

    /// A last-price update without a quantity (ticker, unfinished candle): orders arrive, stops
    /// trigger, the mark is checked against the liquidation price.
    fn on_tick(&mut self, m: usize, price: Price, ts: i64, out: &mut Vec<Event>) {
        if price.is_positive() {
            let mk = &mut self.markets[m];
            if !mk.last_price.is_positive() {
                mk.last_price = price;
            }
            self.activate(m, ts, ts, out);
            let mk = &mut self.markets[m];
            mk.last_price = price;
            if !mk.mark_from_ticker {
                mk.mark_price = price;
            }
            if price.raw() >= mk.watch_up || price.raw() <= mk.watch_down {
                self.trigger_at(m, price, ts, out);
            }
        }
        self.liquidate_at_mark(m, ts, out);
    }

    /// Pending orders of market `m` due by `due_by` reach the matching engine; the watch band is
    /// brought up to date either way.
    #[inline(always)]
    fn activate(&mut self, m: usize, due_by: i64, ts: i64, out: &mut Vec<Event>) {
        let mk = &self.markets[m];
        if mk.watch_stale || mk.pending > 0 {
            self.activate_pending(m, due_by, ts, out);
        }
    }

    fn activate_pending(&mut self, m: usize, due_by: i64, ts: i64, out: &mut Vec<Event>) {
        self.refresh_watch(m);
        if self.markets[m].pending == 0 {
            return;
        }
        for i in 0..self.orders.len() {
            let so = &mut self.orders[i];
            if so.market != m || !so.pending || so.due_ms > due_by || !so.order.status.is_open() {
                continue;
            }
            so.pending = false;
            self.markets[m].watch_stale = true;
            if so.order.status != OrderStatus::Untriggered {
                self.arrive(i, ts, out);
            }
        }
        self.refresh_watch(m);
    }

    /// Recomputes market `m`'s watch band and pending count if orders or the position changed:
    /// rising stops and sell limits (one raw unit above, fills need a print through) bound it
    /// from above, falling stops and buy limits from below, and the liquidation price on its side.
    fn refresh_watch(&mut self, m: usize) {
        if !self.markets[m].watch_stale {
            return;
        }
        let (mut up, mut down, mut pending) = (i64::MAX, i64::MIN, 0);
        for so in &self.orders {
            let o = &so.order;
            if so.market != m || !o.status.is_open() {
                continue;
            }
            if so.pending {
                pending += 1;
            } else if o.status == OrderStatus::Untriggered {
                let tp = o.trigger_price.map_or(0, |p| p.raw());
                match so.direction {
                    TriggerDirection::Rising => up = up.min(tp),
                    TriggerDirection::Falling => down = down.max(tp),
                }
            } else if let (OrderType::Limit, Some(p)) = (o.request.order_type, o.price) {
                match o.side() {
                    Side::Buy => down = down.max(p.raw() - 1),
                    Side::Sell => up = up.min(p.raw() + 1),
                }
            }
        }
        let mk = &mut self.markets[m];
        for pos in [mk.pos, mk.short] {
            if let Some(liq) = pos.liq_price {
                if pos.size.is_positive() {
                    down = down.max(liq.raw());
                } else {
                    up = up.min(liq.raw());
                }
            }
        }
        mk.watch_up = up;
        mk.watch_down = down;
        mk.pending = pending;
        mk.watch_stale = false;
    }

    /// Triggers the stops of market `m` that `price` reaches; they trade from `price`.
    fn trigger_at(&mut self, m: usize, price: Price, ts: i64, out: &mut Vec<Event>) {
        for i in 0..self.orders.len() {
            let so = &self.orders[i];
            if so.market != m || so.pending || so.order.status != OrderStatus::Untriggered {
                continue;
            }
            let Some(tp) = so.order.trigger_price else { continue };
            let hit = match so.direction {
                TriggerDirection::Rising => price >= tp,
                TriggerDirection::Falling => price <= tp,
            };
            if hit {
                self.trigger(i, price, ts, out);
            }
        }
    }

    /// Resting limits that a trade printed strictly through fill as maker, sharing the traded
    /// quantity by price priority, then time.
    fn trade_through(&mut self, m: usize, t: &Trade, out: &mut Vec<Event>) {
        let mut hits = std::mem::take(&mut self.scratch_hits);
        hits.clear();
        for (i, so) in self.orders.iter().enumerate() {
            let o = &so.order;
            if so.market != m || so.pending || !is_working(o.status) || o.request.order_type != OrderType::Limit {
                continue;
            }
            let Some(price) = o.price else { continue };
            if crosses(o.side(), price, t.price, true) {
                let priority = match o.side() {
                    Side::Buy => -price.raw(),
                    Side::Sell => price.raw(),
                };
                hits.push((priority, so.seq, i));
            }
        }
        hits.sort_unstable();
        let mut budget = t.qty;
        for &(_, _, i) in &hits {
            if !budget.is_positive() {
                break;
            }
            if self.orders[i].order.status.is_open() {
                budget -= self.maker_fill(i, Some(budget), t.ts_ms, out);
            }
        }
        self.scratch_hits = hits;
    }

    /// Matches a closed candle's range along its assumed path (see `CandlePath`): stops trigger
    /// where the path touches them, resting limits fill completely where it goes through them,
    /// and the position is liquidated where the path reaches its liquidation price after it last
    /// changed.
    fn candle_range(&mut self, m: usize, c: &Candle, out: &mut Vec<Event>) {
        let path = CandlePath::new(c.open, c.high, c.low, c.close);
        let mut hits = std::mem::take(&mut self.scratch_hits);
        hits.clear();
        for (i, so) in self.orders.iter().enumerate() {
            let o = &so.order;
            if so.market != m || so.pending || !o.status.is_open() {
                continue;
            }
            let touch = if o.status == OrderStatus::Untriggered {
                let reach = match so.direction {
                    TriggerDirection::Rising => Reach::Rising,
                    TriggerDirection::Falling => Reach::Falling,
                };
                o.trigger_price.and_then(|tp| path.first_touch(tp, reach, false, 0))
            } else if o.request.order_type == OrderType::Limit {
                let reach = match o.side() {
                    Side::Buy => Reach::Falling,
                    Side::Sell => Reach::Rising,
                };
                o.price.and_then(|p| path.first_touch(p, reach, true, 0))
            } else {
                None
            };
            if let Some(t) = touch {
                hits.push((t, so.seq, i));
            }
        }
        hits.sort_unstable();
        let ts = c.ts_ms;
        let mut changed_at = 0;
        for &(t, _, i) in &hits {
            if self.liquidate_on_path(m, &path, changed_at, Some(t), ts, out) {
                break;
            }
            let o = &self.orders[i].order;
            if !o.status.is_open() {
                continue;
            }
            let before = (self.markets[m].pos, self.markets[m].short);
            if o.status == OrderStatus::Untriggered {
                let tp = o.trigger_price.unwrap_or(c.open);
                let base = if t == 0 { worse(o.side(), tp, c.open) } else { tp };
                self.trigger(i, base, ts, out);
            } else {
                self.maker_fill(i, None, ts, out);
            }
            if (self.markets[m].pos, self.markets[m].short) != before {
                changed_at = t;
            }
        }
        self.scratch_hits = hits;
        self.liquidate_on_path(m, &path, changed_at, None, ts, out);
    }

    /// Liquidates market `m`'s positions (both sides in hedge mode) that the path reaches
    /// between `from` and `until` (the end of the bar when `None`); true when one was.
    fn liquidate_on_path(
        &mut self,
        m: usize,
        path: &CandlePath,
        from: i64,
        until: Option<i64>,
        ts: i64,
        out: &mut Vec<Event>,
    ) -> bool {
        let first = self.markets[m].first_idx();
        let long = self.liquidate_side_on_path(m, first, path, from, until, ts, out);
        let short =
            self.markets[m].hedge && self.liquidate_side_on_path(m, PositionIdx::Short, path, from, until, ts, out);
        long || short
    }

    #[allow(clippy::too_many_arguments)]
    fn liquidate_side_on_path(
        &mut self,
        m: usize,
        idx: PositionIdx,
        path: &CandlePath,
        from: i64,
        until: Option<i64>,
        ts: i64,
        out: &mut Vec<Event>,
    ) -> bool {
        let pos = *self.markets[m].side(idx);
        let Some(liq) = pos.liq_price else { return false };
        let reach = if pos.size.is_positive() { Reach::Falling } else { Reach::Rising };
        match path.first_touch(liq, reach, false, from) {
            Some(t) if until.is_none_or(|u| t <= u) => {
                self.liquidate(m, idx, liq, ts, out);
                true
            }
            _ => false,
        }
    }

    fn liquidate_at_mark(&mut self, m: usize, ts: i64, out: &mut Vec<Event>) {
        let sides: &[PositionIdx] =
            if self.markets[m].hedge { &[PositionIdx::Long, PositionIdx::Short] } else { &[PositionIdx::OneWay] };
        for &idx in sides {
            let mk = &self.markets[m];
            let pos = mk.side(idx);
            let Some(liq) = pos.liq_price else { continue };
            let mark = mk.mark_price;
            let hit = if pos.size.is_positive() { mark <= liq } else { mark >= liq };
            if mark.is_positive() && hit {
                self.liquidate(m, idx, liq, ts, out);
            }
        }
    }

    /// Cancels the orders of the symbol's position `idx` (all of them in one-way mode) and
    /// closes that position at `price` with a generated order.
    fn liquidate(&mut self, m: usize, idx: PositionIdx, price: Price, ts: i64, out: &mut Vec<Event>) {
        for i in 0..self.orders.len() {
            let o = &self.orders[i];
            if o.market == m && o.order.status.is_open() && o.order.request.position_idx == idx {
                self.cancel(i, Some(RejectReason::Liquidation), ts, out);
            }
        }
        let mk = &self.markets[m];
        let size = mk.side(idx).size;
        if size.is_zero() {
            return;
        }
        let side = if size.is_positive() { Side::Sell } else { Side::Buy };
        let qty: Qty = size.abs();
        self.liq_seq += 1;
        self.order_seq += 1;
        let mut buf = [0u8; 32];
        let Ok(cid) = ClientOrderId::new(seq_text(&mut buf, "sim-liq-", self.liq_seq)) else { return };
        let Ok(oid) = OrderId::new(seq_text(&mut buf, "sim-o-", self.order_seq)) else { return };
        let mut order = Order::new(OrderRequest {
            position_idx: idx,
            client_order_id: cid,
            symbol: mk.inst.symbol,
            side,
            order_type: OrderType::Market,
            qty,
            price: None,
            trigger_price: None,
            trigger_direction: None,
            time_in_force: TimeInForce::Ioc,
            reduce_only: true,
            origin: OrderOrigin::Flatten,
            decision_price: price,
            ts_ms: ts,
        });
        order.order_id = Some(oid);
        let rate = self.config.taker_fee;
        let fee = (price * qty).mul_rate(rate);
        let _ = order.apply(OrderEvent::Accepted, ts);
        let _ = order.apply_fill(price, qty, fee, ts);
        out.push(Event::Order(update_of(&order, Some(RejectReason::Liquidation))));
        self.settle(m, idx, side, cid, oid, price, qty, fee, rate, false, ts, out);
        self.push_position(m, ts, out);
        self.push_balance(ts, out);
    }
}

/// The worse of two prices for the trader on `side` (higher for a buy, lower for a sell).
fn worse(side: Side, a: Price, b: Price) -> Price {
    match side {
        Side::Buy => a.max(b),
        Side::Sell => a.min(b),
    }
}
