//! Signed REST endpoints: order create / amend / cancel / cancel-all / realtime / history,
//! execution list, position list / set-leverage / trading-stop / switch-mode (one-way or hedge
//! mode per symbol, `positionIdx` checked against it), wallet balance and the key's
//! permissions. Orders go to the simulator; the resulting events become private pushes.

use super::rest::{bad, ApiResult, Params};
use super::rest_account;
use super::state::{Inner, MockOrder, Shared};
use crate::domain::{
    Action, Candle, ClientOrderId, Event, Interval, Money, OrderOrigin, OrderRequest, OrderStatus, OrderType,
    PositionIdx, Price, Qty, Rate, RejectReason, Rounding, Side, TimeInForce, TriggerDirection,
};
use crate::exchange::ExecutionVenue;
use serde_json::{json, Value};

pub(crate) fn dispatch(shared: &Shared, path: &str, p: &Params) -> ApiResult {
    match path {
        "/v5/order/create" => create(shared, p),
        "/v5/order/amend" => amend(shared, p),
        "/v5/order/cancel" => cancel(shared, p),
        "/v5/order/cancel-all" => cancel_all(shared, p),
        "/v5/order/realtime" => rest_account::list_orders(shared, p, true),
        "/v5/order/history" => rest_account::list_orders(shared, p, false),
        "/v5/execution/list" => rest_account::executions(shared, p),
        "/v5/position/list" => rest_account::positions(shared, p),
        "/v5/position/set-leverage" => set_leverage(shared, p),
        "/v5/position/trading-stop" => trading_stop(shared, p),
        "/v5/position/switch-mode" => rest_account::switch_mode(shared, p),
        "/v5/account/wallet-balance" => rest_account::wallet(shared, p),
        "/v5/user/query-api" => Ok(rest_account::query_api(shared)),
        _ => Err((10017, "route not found".to_string())),
    }
}

fn parse<T: std::str::FromStr>(p: &Params, key: &str) -> Result<Option<T>, (i64, String)> {
    match p.str(key) {
        None => Ok(None),
        Some(s) => s.parse::<T>().map(Some).map_err(|_| bad(format!("params error: {key} invalid: {s}"))),
    }
}

/// A price parameter where `"0"` means "not set".
fn opt_price(p: &Params, key: &str) -> Result<Option<Price>, (i64, String)> {
    Ok(parse::<Price>(p, key)?.filter(|v| !v.is_zero()))
}

pub(crate) fn market_idx(inner: &Inner, symbol: &str) -> Result<usize, (i64, String)> {
    inner
        .markets
        .iter()
        .position(|m| m.inst.symbol.as_str() == symbol)
        .ok_or_else(|| bad("params error: symbol invalid"))
}

/// Tick, step, size and notional rules, with Bybit's codes.
fn check_rules(
    inner: &Inner,
    m: usize,
    qty: Option<Qty>,
    price: Option<Price>,
    market: bool,
) -> Result<(), (i64, String)> {
    let inst = &inner.markets[m].inst;
    if let Some(price) = price {
        if !price.is_positive() || price.raw() % inst.tick_size.raw() != 0 {
            return Err(bad(format!(
                "params error: price {price} is not a multiple of the tick size {}",
                inst.tick_size
            )));
        }
    }
    if let Some(qty) = qty {
        if !qty.is_positive() || qty.raw() % inst.qty_step.raw() != 0 {
            return Err(bad(format!("params error: qty {qty} is not a multiple of the step {}", inst.qty_step)));
        }
        if qty < inst.min_qty {
            return Err(bad(format!("params error: qty {qty} is below the minimum {}", inst.min_qty)));
        }
        let max = if market { inst.max_market_qty } else { inst.max_qty };
        if qty > max {
            return Err(bad(format!(
                "The number of contracts exceeds maximum limit allowed: too large, order_qty:{} > max_qty:{}",
                qty.raw(),
                max.raw()
            )));
        }
        let reference = price.unwrap_or(inner.markets[m].last_price);
        if reference.is_positive() && reference * qty < inst.min_notional {
            return Err((110094, format!("Order does not meet minimum order value {}USDT", inst.min_notional)));
        }
    }
    Ok(())
}

/// A last-price tick that makes pending orders reach the simulator's matching engine now.
fn nudge(inner: &mut Inner, m: usize, now: i64, out: &mut Vec<Event>) {
    let ms = &inner.markets[m];
    let last = ms.last_price;
    if !last.is_positive() {
        return;
    }
    let tick = Candle {
        symbol: ms.inst.symbol,
        interval: Interval::M1,
        ts_ms: now,
        open: last,
        high: last,
        low: last,
        close: last,
        volume: 0.0,
        turnover: 0.0,
        closed: false,
    };
    inner.sim.on_market(&Event::Candle(tick), out);
}

fn reject_code(reason: Option<RejectReason>, text: &str) -> (i64, String) {
    match reason {
        Some(RejectReason::InsufficientBalance) => (110007, "ab not enough for new order".to_string()),
        Some(RejectReason::ReduceOnlyWouldIncrease) => {
            (110017, "current position is zero, cannot fix reduce-only order qty".to_string())
        }
        Some(RejectReason::DuplicateClientId) => (110072, "OrderLinkedID is duplicate".to_string()),
        _ => bad(format!("params error: {text}")),
    }
}

/// `positionIdx` (0 when absent): 0, 1 or 2, anything else a parameter error.
fn position_idx(p: &Params) -> Result<PositionIdx, (i64, String)> {
    match p.str("positionIdx") {
        None => Ok(PositionIdx::OneWay),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .and_then(PositionIdx::from_code)
            .ok_or_else(|| bad(format!("params error: positionIdx invalid: {v}"))),
    }
}

fn valid_link_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 36 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn create(shared: &Shared, p: &Params) -> ApiResult {
    p.linear(true)?;
    let symbol = p.required("symbol")?;
    let side = match p.required("side")?.as_str() {
        "Buy" => Side::Buy,
        "Sell" => Side::Sell,
        other => return Err(bad(format!("params error: side invalid: {other}"))),
    };
    let order_type = match p.required("orderType")?.as_str() {
        "Market" => OrderType::Market,
        "Limit" => OrderType::Limit,
        other => return Err(bad(format!("params error: orderType invalid: {other}"))),
    };
    let qty: Qty = parse(p, "qty")?.ok_or_else(|| bad("params error: qty is required"))?;
    let price = if order_type == OrderType::Limit {
        Some(opt_price(p, "price")?.ok_or_else(|| bad("params error: price is required for a limit order"))?)
    } else {
        None
    };
    let tif = match (order_type, p.str("timeInForce").as_deref()) {
        (OrderType::Market, _) => TimeInForce::Ioc,
        (_, None) | (_, Some("GTC")) => TimeInForce::Gtc,
        (_, Some("IOC")) => TimeInForce::Ioc,
        (_, Some("FOK")) => TimeInForce::Fok,
        (_, Some("PostOnly")) => TimeInForce::PostOnly,
        (_, Some(other)) => return Err(bad(format!("params error: timeInForce invalid: {other}"))),
    };
    let link = p.str("orderLinkId").unwrap_or_default();
    if !link.is_empty() && !valid_link_id(&link) {
        return Err(bad(format!("params error: orderLinkId invalid: {link}")));
    }
    let position_idx = position_idx(p)?;
    let reduce_only = p.bool("reduceOnly")?;
    let close_on_trigger = p.bool("closeOnTrigger")?;
    let trigger_price = opt_price(p, "triggerPrice")?;
    let trigger_direction = match p.str("triggerDirection").as_deref() {
        None => None,
        Some("1") => Some(TriggerDirection::Rising),
        Some("2") => Some(TriggerDirection::Falling),
        Some(other) => return Err(bad(format!("params error: triggerDirection invalid: {other}"))),
    };
    let (take_profit, stop_loss) = (opt_price(p, "takeProfit")?, opt_price(p, "stopLoss")?);

    let mut inner = shared.lock();
    let m = market_idx(&inner, &symbol)?;
    if position_idx.mode() != inner.sim.position_mode(inner.markets[m].inst.symbol) {
        return Err(bad("position idx not match position mode"));
    }
    if !link.is_empty() && inner.link_ids.contains_key(&link) {
        return Err((110072, "OrderLinkedID is duplicate".to_string()));
    }
    check_rules(&inner, m, Some(qty), price.or(trigger_price), order_type == OrderType::Market)?;
    if let (Some(tp), Some(d)) = (trigger_price, trigger_direction) {
        let last = inner.markets[m].last_price;
        match d {
            TriggerDirection::Rising if tp <= last => {
                return Err((
                    110092,
                    format!("expect Rising, but trigger_price[{}] <= current[{}]", tp.raw(), last.raw()),
                ))
            }
            TriggerDirection::Falling if tp >= last => {
                return Err((
                    110093,
                    format!("expect Falling, but trigger_price[{}] >= current[{}]", tp.raw(), last.raw()),
                ))
            }
            _ => {}
        }
    }
    let now = shared.clock.market_now().max(inner.now_ms);
    let order_id = inner.next_uuid();
    let sim_id = ClientOrderId::new(&order_id).map_err(|e| bad(e.to_string()))?;
    let ms = &inner.markets[m];
    let (inst, last) = (ms.inst, ms.last_price);
    let req = OrderRequest {
        position_idx,
        client_order_id: sim_id,
        symbol: inst.symbol,
        side,
        order_type,
        qty,
        price,
        trigger_price,
        trigger_direction,
        time_in_force: tif,
        reduce_only,
        origin: OrderOrigin::Manual,
        decision_price: last,
        ts_ms: now,
    };
    let mut out = Vec::new();
    inner.sim.execute(&Action::PlaceOrder(req), now, &mut out);
    if let Some(Event::Order(u)) =
        out.iter().find(|e| matches!(e, Event::Order(u) if u.status == OrderStatus::Rejected))
    {
        let text = format!("order rejected: {:?}", u.reason);
        return Err(reject_code(u.reason, &text));
    }
    // A market order reports its protective price (10% through the last price), as Bybit does.
    let protective = match side {
        Side::Buy => Price::from_f64(last.to_f64() * 1.1).unwrap_or(last),
        Side::Sell => Price::from_f64(last.to_f64() * 0.9).unwrap_or(last),
    }
    .round_to(inst.tick_size, Rounding::Nearest);
    inner.orders.push(MockOrder {
        order_id: order_id.clone(),
        link_id: link.clone(),
        sim_id,
        symbol: inst.symbol,
        side,
        order_type,
        tif,
        qty,
        price: price.unwrap_or(protective),
        trigger_price,
        trigger_direction: match trigger_direction {
            Some(TriggerDirection::Rising) => 1,
            Some(TriggerDirection::Falling) => 2,
            None => 0,
        },
        take_profit,
        stop_loss,
        reduce_only,
        close_on_trigger,
        position_idx,
        status: OrderStatus::New,
        cancel_type: "UNKNOWN",
        reject_reason: "EC_NoError",
        cum_qty: Qty::ZERO,
        cum_value: Money::ZERO,
        cum_fee: Money::ZERO,
        last_price_on_created: last,
        created_ms: now,
        updated_ms: now,
    });
    let idx = inner.orders.len() - 1;
    inner.by_sim_id.insert(sim_id, idx);
    if !link.is_empty() {
        inner.link_ids.insert(link.clone(), idx);
    }
    nudge(&mut inner, m, now, &mut out);
    shared.push_private(&mut inner, &out);
    Ok(json!({"orderId": order_id, "orderLinkId": link}))
}

/// The registry index of the order named by `orderId` (wins) or `orderLinkId`.
fn find_order(inner: &Inner, p: &Params, symbol: &str) -> Result<Option<usize>, (i64, String)> {
    let by_id = p.str("orderId");
    let by_link = p.str("orderLinkId");
    if by_id.is_none() && by_link.is_none() {
        return Err(bad("params error: orderId or orderLinkId is required"));
    }
    let i = match by_id {
        Some(id) => inner.orders.iter().position(|o| o.order_id == id),
        None => by_link.and_then(|l| inner.link_ids.get(&l).copied()),
    };
    Ok(i.filter(|&i| inner.orders[i].symbol.as_str() == symbol))
}

fn amend(shared: &Shared, p: &Params) -> ApiResult {
    p.linear(true)?;
    let symbol = p.required("symbol")?;
    let qty: Option<Qty> = parse(p, "qty")?;
    let price = opt_price(p, "price")?;
    let trigger_price = opt_price(p, "triggerPrice")?;
    let (tp, sl) = (parse::<Price>(p, "takeProfit")?, parse::<Price>(p, "stopLoss")?);
    let mut inner = shared.lock();
    let m = market_idx(&inner, &symbol)?;
    let i = find_order(&inner, p, &symbol)?
        .filter(|&i| inner.orders[i].status.is_open())
        .ok_or_else(|| (110001, "order not exists or too late to replace".to_string()))?;
    if qty.is_none() && price.is_none() && trigger_price.is_none() && tp.is_none() && sl.is_none() {
        return Err(bad("params error: nothing to amend"));
    }
    let o = &inner.orders[i];
    if qty.is_some_and(|q| q <= o.cum_qty) {
        return Err((
            110064,
            "The modified contract quantity cannot be less than or equal to the filled quantity".into(),
        ));
    }
    let is_market = o.order_type == OrderType::Market;
    check_rules(&inner, m, qty, price, is_market)?;
    let now = shared.clock.market_now().max(inner.now_ms);
    let (sim_id, sym) = (inner.orders[i].sim_id, inner.orders[i].symbol);
    let o = &mut inner.orders[i];
    if let Some(tp) = tp {
        o.take_profit = Some(tp).filter(|v| !v.is_zero());
    }
    if let Some(sl) = sl {
        o.stop_loss = Some(sl).filter(|v| !v.is_zero());
    }
    let mut out = Vec::new();
    let action = Action::AmendOrder { symbol: sym, client_order_id: sim_id, qty, price, trigger_price };
    inner.sim.execute(&action, now, &mut out);
    nudge(&mut inner, m, now, &mut out);
    shared.push_private(&mut inner, &out);
    let o = &inner.orders[i];
    Ok(json!({"orderId": o.order_id, "orderLinkId": o.link_id}))
}

fn cancel(shared: &Shared, p: &Params) -> ApiResult {
    p.linear(true)?;
    let symbol = p.required("symbol")?;
    let mut inner = shared.lock();
    market_idx(&inner, &symbol)?;
    let i = find_order(&inner, p, &symbol)?
        .filter(|&i| inner.orders[i].status.is_open())
        .ok_or_else(|| (110001, "order not exists or too late to cancel".to_string()))?;
    let now = shared.clock.market_now().max(inner.now_ms);
    let (sim_id, sym) = (inner.orders[i].sim_id, inner.orders[i].symbol);
    let mut out = Vec::new();
    inner.sim.execute(&Action::CancelOrder { symbol: sym, client_order_id: sim_id }, now, &mut out);
    shared.push_private(&mut inner, &out);
    let o = &inner.orders[i];
    Ok(json!({"orderId": o.order_id, "orderLinkId": o.link_id}))
}

fn cancel_all(shared: &Shared, p: &Params) -> ApiResult {
    p.linear(true)?;
    let symbol = p.str("symbol");
    let settle = p.str("settleCoin");
    let base = p.str("baseCoin");
    if symbol.is_none() && settle.is_none() && base.is_none() {
        return Err(bad("params error: symbol, baseCoin or settleCoin is required"));
    }
    let mut inner = shared.lock();
    let symbols: Vec<_> = inner
        .markets
        .iter()
        .map(|m| m.inst.symbol)
        .filter(|s| match (&symbol, &base, &settle) {
            (Some(want), _, _) => s.as_str() == want,
            (None, Some(b), _) => s.as_str().strip_suffix("USDT") == Some(b.as_str()),
            (None, None, Some(c)) => c == "USDT",
            _ => false,
        })
        .collect();
    let before: Vec<usize> = (0..inner.orders.len())
        .filter(|&i| inner.orders[i].status.is_open() && symbols.contains(&inner.orders[i].symbol))
        .collect();
    let now = shared.clock.market_now().max(inner.now_ms);
    let mut out = Vec::new();
    for s in &symbols {
        inner.sim.execute(&Action::CancelAll { symbol: Some(*s) }, now, &mut out);
    }
    shared.push_private(&mut inner, &out);
    let list: Vec<Value> = before
        .iter()
        .filter(|&&i| !inner.orders[i].status.is_open())
        .map(|&i| json!({"orderId": inner.orders[i].order_id, "orderLinkId": inner.orders[i].link_id}))
        .collect();
    Ok(json!({"list": list, "success": "1"}))
}

fn set_leverage(shared: &Shared, p: &Params) -> ApiResult {
    p.linear(true)?;
    let symbol = p.required("symbol")?;
    let buy: Rate = parse(p, "buyLeverage")?.ok_or_else(|| bad("params error: buyLeverage is required"))?;
    let sell: Rate = parse(p, "sellLeverage")?.ok_or_else(|| bad("params error: sellLeverage is required"))?;
    if buy != sell {
        return Err(bad("params error: buy leverage must equal sell leverage in one-way mode"));
    }
    let mut inner = shared.lock();
    let m = market_idx(&inner, &symbol)?;
    let ms = &mut inner.markets[m];
    if buy < ms.inst.min_leverage || buy > ms.inst.max_leverage || buy.raw() % 1_000_000 != 0 {
        return Err(bad(format!(
            "params error: leverage {buy} is outside [{}, {}]",
            ms.inst.min_leverage, ms.inst.max_leverage
        )));
    }
    if ms.leverage == buy {
        return Err((110043, "leverage not modified".to_string()));
    }
    ms.leverage = buy;
    Ok(json!({}))
}

fn trading_stop(shared: &Shared, p: &Params) -> ApiResult {
    p.linear(true)?;
    let symbol = p.required("symbol")?;
    let mode = p.required("tpslMode")?;
    if mode != "Full" && mode != "Partial" {
        return Err(bad(format!("params error: tpslMode invalid: {mode}")));
    }
    p.required("positionIdx")?;
    let idx = position_idx(p)?;
    let (tp, sl) = (parse::<Price>(p, "takeProfit")?, parse::<Price>(p, "stopLoss")?);
    let mut inner = shared.lock();
    let m = market_idx(&inner, &symbol)?;
    let sym = inner.markets[m].inst.symbol;
    let Some(pos) = inner.sim.position_of(sym, idx) else {
        return Err(bad("position idx not match position mode"));
    };
    if pos.is_flat() {
        return Err(bad("can not set tp/sl/ts for zero position"));
    }
    check_rules(&inner, m, None, tp.filter(|v| !v.is_zero()), false)?;
    check_rules(&inner, m, None, sl.filter(|v| !v.is_zero()), false)?;
    let ms = &mut inner.markets[m];
    let new_tp = tp.map_or(ms.take_profit, |v| Some(v).filter(|x| !x.is_zero()));
    let new_sl = sl.map_or(ms.stop_loss, |v| Some(v).filter(|x| !x.is_zero()));
    if new_tp == ms.take_profit && new_sl == ms.stop_loss {
        return Err((34040, "not modified".to_string()));
    }
    ms.take_profit = new_tp;
    ms.stop_loss = new_sl;
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_ids_follow_bybit_rules() {
        assert!(valid_link_id("bot-2024_06-0001"));
        assert!(!valid_link_id("has space"));
        assert!(!valid_link_id(&"x".repeat(37)));
        assert!(valid_link_id(&"x".repeat(36)));
    }

    #[test]
    fn reject_reasons_map_to_bybit_codes() {
        assert_eq!(reject_code(Some(RejectReason::InsufficientBalance), "").0, 110007);
        assert_eq!(reject_code(Some(RejectReason::ReduceOnlyWouldIncrease), "").0, 110017);
        assert_eq!(reject_code(Some(RejectReason::InvalidQty), "x").0, 10001);
    }
}
