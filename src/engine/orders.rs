//! Orders the engine sends: building market requests, the risk check before submission, closing a
//! position, and the protective stop placed once an entry fills.

use super::core::{side_of, Engine, RECENT, TREND_MODE};
use super::symbol::StopState;
use crate::domain::{
    Action, AlertLevel, ClientOrderId, Money, OrderOrigin, OrderRequest, OrderType, PositionIdx, Price, Qty, Side,
    Symbol, TimeInForce, TriggerDirection,
};
use crate::reason;
use crate::risk::{stop_price, RiskApproved, RiskContext, RiskRefusal};

impl Engine {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn market_request(
        &mut self,
        symbol: Symbol,
        side: Side,
        qty: Qty,
        reduce_only: bool,
        origin: OrderOrigin,
        price: Price,
        ts_ms: i64,
        tag: &str,
    ) -> OrderRequest {
        OrderRequest {
            position_idx: Default::default(),
            client_order_id: self.orders.next_client_id(ts_ms, tag),
            symbol,
            side,
            order_type: OrderType::Market,
            qty,
            price: None,
            trigger_price: None,
            trigger_direction: None,
            time_in_force: TimeInForce::Ioc,
            reduce_only,
            origin,
            decision_price: price,
            ts_ms,
        }
    }

    /// Runs the risk checks with `position_override` (or the book's position) and submits.
    pub(super) fn submit_checked(
        &mut self,
        request: OrderRequest,
        position_override: Qty,
        out: &mut Vec<Action>,
    ) -> bool {
        match self.check_risk(request, position_override, None) {
            None => false,
            Some(Ok(approved)) => {
                self.orders.submit(approved, out);
                self.orders_placed += 1;
                true
            }
            Some(Err(refusal)) => {
                self.note_refusal(&refusal, out);
                false
            }
        }
    }

    /// The risk checks for `request` (`None`: unknown symbol, or in hedge position mode a main
    /// position order that would land on an open leg's idx). `position_override` stands for
    /// the position unless the request is reduce-only; `except` is an order left out of the
    /// working quantities (the one being amended). The other symbols' signed notionals go in
    /// for the correlation-aware exposure limit. In hedge position mode a request without an
    /// idx gets the main position's (`main_idx`); a same-symbol leg's order is checked against
    /// the leg's book.
    pub(super) fn check_risk(
        &self,
        mut request: OrderRequest,
        position_override: Qty,
        except: Option<ClientOrderId>,
    ) -> Option<Result<RiskApproved<OrderRequest>, RiskRefusal>> {
        let s = self.slot(request.symbol)?;
        let mut held = self.symbols[s].position.size();
        if self.hedge_mode() {
            if request.position_idx == PositionIdx::OneWay {
                request.position_idx = self.main_idx(s, request.side);
                if self.is_leg_idx(s, request.position_idx) {
                    return None;
                }
            } else if let Some(l) = self.same_leg(s).filter(|l| l.idx == request.position_idx) {
                held = l.book.size();
            }
        }
        let st = &self.symbols[s];
        let position = if request.reduce_only { held } else { position_override };
        let (open_buy, open_sell) = self.orders.working_qty_except(request.symbol, except);
        // The other positions' signed notionals: on the stack for up to `INLINE` symbols, so a
        // decision's risk check allocates nothing.
        const INLINE: usize = 16;
        let mut inline = [(request.symbol, Money::ZERO); INLINE];
        let mut spilled: Vec<(Symbol, Money)> = Vec::new();
        let mut n = 0;
        for x in &self.symbols {
            let size = x.position.size();
            if x.instrument.symbol == request.symbol || size.is_zero() {
                continue;
            }
            let notional = x.price() * size.abs();
            let entry = (x.instrument.symbol, if size.is_negative() { -notional } else { notional });
            if n < INLINE {
                inline[n] = entry;
            } else {
                if spilled.is_empty() {
                    spilled.extend_from_slice(&inline);
                }
                spilled.push(entry);
            }
            n += 1;
        }
        let others: &[(Symbol, Money)] = if n <= INLINE { &inline[..n] } else { &spilled };
        let ctx = RiskContext {
            instrument: &st.instrument,
            position,
            last_price: st.price(),
            mark_price: st.mark_price,
            open_buy,
            open_sell,
            others,
            equity: self.equity(),
            total_exposure: self.exposure() - st.price() * held.abs() + st.price() * position.abs(),
            // Other symbols' positions, plus this one as it will stand when the order goes in.
            open_positions: others.len() + usize::from(!position.is_zero()),
        };
        Some(self.risk.check(request, &ctx))
    }

    /// A refusal: kept for the UI and alerted (which limit, by how much).
    pub(super) fn note_refusal(&mut self, refusal: &RiskRefusal, out: &mut Vec<Action>) {
        let request = &refusal.request;
        let msg = reason!("{} {} {} refused: ", request.symbol, request.side, request.qty).then(refusal.reason());
        if self.rejections.len() == RECENT {
            self.rejections.pop_back();
        }
        self.rejections.push_front((request.ts_ms, refusal.reason()));
        self.alert(request.ts_ms, AlertLevel::Warning, "risk", msg, out);
    }

    /// Market reduce-only order for the whole position, and the stop cancelled.
    pub(crate) fn close_position(&mut self, s: usize, origin: OrderOrigin, ts_ms: i64, out: &mut Vec<Action>) {
        let st = &self.symbols[s];
        let size = st.position.size();
        let Some(held) = side_of(size) else { return };
        let (symbol, price) = (st.instrument.symbol, st.price());
        if let Some(stop) = self.symbols[s].stop.take() {
            out.push(Action::CancelOrder { symbol, client_order_id: stop.client_order_id });
        }
        let request = self.market_request(symbol, held.opposite(), size.abs(), true, origin, price, ts_ms, "x");
        self.submit_checked(request, size, out);
    }

    /// Places (or resizes) the reduce-only stop covering the whole position, at the stop
    /// manager's price.
    pub(super) fn protect(&mut self, s: usize, ts_ms: i64, out: &mut Vec<Action>) {
        let st = &self.symbols[s];
        let size = st.position.size();
        let Some(side) = side_of(size) else { return };
        let symbol = st.instrument.symbol;
        if st.stop.is_some() {
            self.amend_stop(s, Some(size.abs()), None, ts_ms, out);
            return;
        }
        let stop_px = match (&st.stops, st.pending_stop) {
            (Some(m), _) => m.stop(),
            (None, Some(p)) => p,
            (None, None) => {
                // No manager (no valid stop from the plan or the ATR yet): the trend's ATR stop.
                let Some(atr) = st.trend.atr() else { return };
                let Some(p) = stop_price(side, st.price(), atr * st.trend.config().atr_stop_mult, &st.instrument)
                else {
                    return;
                };
                p
            }
        };
        let mut request = self.market_request(
            symbol,
            side.opposite(),
            size.abs(),
            true,
            OrderOrigin::Protective(TREND_MODE),
            stop_px,
            ts_ms,
            "s",
        );
        request.trigger_price = Some(stop_px);
        request.trigger_direction =
            Some(if side == Side::Buy { TriggerDirection::Falling } else { TriggerDirection::Rising });
        request.time_in_force = TimeInForce::Gtc;
        let id = request.client_order_id;
        if self.submit_checked(request, size, out) {
            self.symbols[s].stop = Some(StopState { client_order_id: id, price: stop_px });
            if !self.same_legs.is_empty() {
                self.guard_same_leg(s, ts_ms, out);
            }
        }
    }
}
