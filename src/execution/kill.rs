//! The kill switch: cancel every working order and flatten every position with reduce-only
//! market orders that pass the same risk checks as any other order.

use super::{Holding, OrderManager, RequestKind};
use crate::domain::{Action, Money, OrderOrigin, OrderRequest, OrderType, Qty, Side, TimeInForce};
use crate::risk::{RiskContext, RiskEngine, RiskRefusal, TradingState};

/// Halts trading (if not already) and runs `flatten_all`.
pub fn kill_switch(
    risk: &mut RiskEngine,
    orders: &mut OrderManager,
    holdings: &[Holding<'_>],
    equity: Money,
    ts_ms: i64,
    out: &mut Vec<Action>,
) -> Vec<RiskRefusal> {
    if risk.state() != TradingState::Halted {
        risk.set_state(TradingState::Halted);
    }
    flatten_all(risk, orders, holdings, equity, ts_ms, out)
}

/// Emits `CancelAll` for every symbol, then reduce-only market orders closing each position (split
/// by the instrument's largest market order). Returns any refusal (there should be none).
pub fn flatten_all(
    risk: &RiskEngine,
    orders: &mut OrderManager,
    holdings: &[Holding<'_>],
    equity: Money,
    ts_ms: i64,
    out: &mut Vec<Action>,
) -> Vec<RiskRefusal> {
    out.push(Action::CancelAll { symbol: None });
    let working: Vec<_> = orders.open_orders().iter().map(|o| (o.client_order_id(), o.symbol())).collect();
    for (id, symbol) in working {
        orders.inflight.insert(id, super::timeouts::Inflight::new(RequestKind::Cancel, symbol));
    }
    let total_exposure: Money = holdings.iter().map(|h| h.price * h.position.abs()).sum();
    let open_positions = holdings.iter().filter(|h| !h.position.is_zero()).count();
    let mut refusals = Vec::new();
    for h in holdings {
        let mut position = h.position;
        let side = if position.is_positive() { Side::Sell } else { Side::Buy };
        let chunk =
            if h.instrument.max_market_qty.is_positive() { h.instrument.max_market_qty } else { position.abs() };
        while !position.is_zero() {
            let qty = position.abs().min(chunk);
            let request = OrderRequest {
                position_idx: Default::default(),
                client_order_id: orders.next_client_id(ts_ms, "kill"),
                symbol: h.instrument.symbol,
                side,
                order_type: OrderType::Market,
                qty,
                price: None,
                trigger_price: None,
                trigger_direction: None,
                time_in_force: TimeInForce::Ioc,
                reduce_only: true,
                origin: OrderOrigin::Flatten,
                decision_price: h.price,
                ts_ms,
            };
            let ctx = RiskContext {
                instrument: h.instrument,
                position,
                last_price: h.price,
                mark_price: h.price,
                equity,
                total_exposure,
                open_positions,
                open_buy: Qty::ZERO,
                open_sell: Qty::ZERO,
                others: &[],
            };
            match risk.check(request, &ctx) {
                Ok(approved) => orders.submit(approved, out),
                Err(r) => {
                    refusals.push(r);
                    break;
                }
            }
            position += qty.signed(side);
        }
    }
    refusals
}
