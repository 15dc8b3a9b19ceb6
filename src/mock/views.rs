//! Bybit JSON for the account side (order, execution, position and wallet objects, REST and
//! WebSocket shapes) and the translation of simulator events into private pushes, keeping the
//! order registry and the execution list up to date on the way.

use super::public::{px, qt};
use super::state::{Inner, MockOrder, PrivateKind, PrivateMsg};
use crate::domain::{
    Balance, Event, Fill, Money, OrderStatus, OrderType, Position, PositionIdx, Price, Qty, Rate, RejectReason, Side,
    Symbol, TimeInForce,
};
use serde_json::{json, Value};

pub(crate) fn tif_str(t: TimeInForce) -> &'static str {
    match t {
        TimeInForce::Gtc => "GTC",
        TimeInForce::Ioc => "IOC",
        TimeInForce::Fok => "FOK",
        TimeInForce::PostOnly => "PostOnly",
    }
}

/// Linear orders never show `PartiallyFilledCanceled` (spot only) nor our `PendingNew`.
pub(crate) fn status_str(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::PartiallyFilledCanceled => "Cancelled",
        OrderStatus::PendingNew => "New",
        other => other.as_str(),
    }
}

fn reason_strs(r: Option<RejectReason>, status: OrderStatus) -> (&'static str, &'static str) {
    let cancelled =
        matches!(status, OrderStatus::Cancelled | OrderStatus::PartiallyFilledCanceled | OrderStatus::Deactivated);
    match r {
        Some(RejectReason::PostOnlyWouldTake) => ("UNKNOWN", "EC_PostOnlyWillTakeLiquidity"),
        Some(RejectReason::NoLiquidity) => ("UNKNOWN", "EC_NoImmediateQtyToFill"),
        Some(RejectReason::Liquidation) => ("CancelByPrepareLiq", "EC_NoError"),
        Some(RejectReason::ReduceOnlyWouldIncrease) => ("CancelByReduceOnly", "EC_NoError"),
        Some(RejectReason::UnknownOrder) => ("UNKNOWN", "EC_OrigClOrdIDDoesNotExist"),
        Some(_) if status == OrderStatus::Rejected => ("UNKNOWN", "EC_Others"),
        _ if cancelled => ("CancelByUser", "EC_NoError"),
        _ => ("UNKNOWN", "EC_NoError"),
    }
}

fn opt_px(inst: &crate::domain::Instrument, p: Option<Price>) -> String {
    px(inst, p.unwrap_or(Price::ZERO))
}

/// The REST order object (§6.13); `ws` adds the stream-only fields.
pub(crate) fn order_json(inner: &Inner, o: &MockOrder, ws: bool) -> Value {
    let Some(ms) = inner.markets.iter().find(|m| m.inst.symbol == o.symbol) else { return Value::Null };
    let inst = &ms.inst;
    let leaves = if o.status.is_open() { (o.qty - o.cum_qty).max(Qty::ZERO) } else { Qty::ZERO };
    let avg = if o.cum_qty.is_positive() {
        let avg = o.cum_value.to_f64() / o.cum_qty.to_f64();
        Price::from_f64(avg).map(|p| p.to_string()).unwrap_or_default()
    } else {
        String::new()
    };
    let has_tpsl = o.take_profit.is_some() || o.stop_loss.is_some();
    let mut v = json!({
        "orderId": o.order_id, "orderLinkId": o.link_id, "blockTradeId": "", "symbol": o.symbol.as_str(),
        "price": px(inst, o.price), "qty": qt(inst, o.qty), "side": o.side.as_str(), "isLeverage": "",
        "positionIdx": o.position_idx.code(), "orderStatus": status_str(o.status), "createType": "CreateByUser",
        "cancelType": o.cancel_type, "rejectReason": o.reject_reason, "avgPrice": avg,
        "leavesQty": qt(inst, leaves), "leavesValue": (o.price * leaves).to_string(),
        "cumExecQty": qt(inst, o.cum_qty), "cumExecValue": o.cum_value.to_string(), "cumExecFee": o.cum_fee.to_string(),
    });
    let more = json!({
        "timeInForce": tif_str(o.tif), "orderType": if o.order_type == OrderType::Limit { "Limit" } else { "Market" },
        "stopOrderType": if o.trigger_price.is_some() { "Stop" } else { "UNKNOWN" }, "orderIv": "", "marketUnit": "",
        "triggerPrice": opt_px(inst, o.trigger_price), "takeProfit": opt_px(inst, o.take_profit),
        "stopLoss": opt_px(inst, o.stop_loss),
        "tpTriggerBy": if o.take_profit.is_some() { "LastPrice" } else { "" },
        "slTriggerBy": if o.stop_loss.is_some() { "LastPrice" } else { "" },
        "triggerDirection": o.trigger_direction, "triggerBy": if o.trigger_price.is_some() { "LastPrice" } else { "UNKNOWN" },
        "lastPriceOnCreated": px(inst, o.last_price_on_created), "basePrice": "", "reduceOnly": o.reduce_only,
        "closeOnTrigger": o.close_on_trigger, "smpType": "None", "smpGroup": 0, "smpOrderId": "",
        "tpslMode": if has_tpsl { "Full" } else { "" }, "tpLimitPrice": "", "slLimitPrice": "", "placeType": "",
        "parentOrderLinkId": "", "ocoTriggerBy": "OcoTriggerByUnknown",
        "createdTime": o.created_ms.to_string(), "updatedTime": o.updated_ms.to_string(),
        "cumFeeDetail": if o.cum_fee.is_zero() { json!({}) } else { json!({"USDT": o.cum_fee.to_string()}) },
    });
    if let (Some(m), Value::Object(extra)) = (v.as_object_mut(), more) {
        m.extend(extra);
    }
    if ws {
        if let Some(m) = v.as_object_mut() {
            m.insert("category".into(), json!("linear"));
            m.insert("closedPnl".into(), json!("0"));
            m.insert("feeCurrency".into(), json!(""));
            m.insert("slippageToleranceType".into(), json!("UNKNOWN"));
            m.insert("slippageTolerance".into(), json!("0"));
        }
    }
    v
}

/// The position object; REST calls the entry price `avgPrice`, the stream `entryPrice`.
pub(crate) fn position_json(inner: &Inner, p: &Position, ws: bool) -> Value {
    let Some(ms) = inner.markets.iter().find(|m| m.inst.symbol == p.symbol) else { return Value::Null };
    let inst = &ms.inst;
    let side = match p.side() {
        Some(Side::Buy) => "Buy",
        Some(Side::Sell) => "Sell",
        None => "",
    };
    let entry = p.entry_price().map(|e| e.to_string()).unwrap_or_else(|| "0".into());
    let value = p.entry_value.abs();
    let mm = value.mul_rate(Rate::from_raw(500_000));
    let lev = ms.leverage;
    let updated = p.ts_ms.max(ms.pos_created_ms);
    let mut v = json!({
        "positionIdx": p.position_idx.code(), "riskId": 1, "riskLimitValue": "2000000", "symbol": p.symbol.as_str(), "side": side,
        "size": qt(inst, p.size.abs()), "positionValue": value.to_string(), "tradeMode": 0,
        "positionStatus": "Normal", "autoAddMargin": 0, "adlRankIndicator": if p.is_flat() { 0 } else { 2 },
        "leverage": lev.to_string(), "breakEvenPrice": entry, "positionBalance": "0",
        "markPrice": px(inst, p.mark_price), "liqPrice": p.liq_price.map(|l| px(inst, l)).unwrap_or_default(),
        "bustPrice": "", "positionMM": mm.to_string(), "positionMMByMp": mm.to_string(),
        "positionIM": p.margin.to_string(), "positionIMByMp": p.margin.to_string(), "tpslMode": "Full",
        "takeProfit": opt_px(inst, ms.take_profit), "stopLoss": opt_px(inst, ms.stop_loss), "trailingStop": opt_px(inst, None),
        "sessionAvgPrice": "", "unrealisedPnl": p.unrealised_pnl.to_string(), "curRealisedPnl": p.realised_pnl.to_string(),
        "cumRealisedPnl": p.realised_pnl.to_string(), "seq": inner.exec_seq, "isReduceOnly": false,
        "mmrSysUpdatedTime": "", "leverageSysUpdatedTime": "", "createdTime": ms.pos_created_ms.to_string(),
        "updatedTime": updated.to_string(), "openTime": if p.is_flat() { 0 } else { ms.pos_created_ms },
    });
    if let Some(m) = v.as_object_mut() {
        if ws {
            m.insert("entryPrice".into(), json!(entry));
            m.insert("category".into(), json!("linear"));
        } else {
            m.insert("avgPrice".into(), json!(entry));
            for k in ["delta", "gamma", "vega", "theta"] {
                m.insert(k.into(), json!(""));
            }
        }
    }
    v
}

/// The unified account (one coin, USDT, valued at 1 USD).
pub(crate) fn wallet_json(inner: &Inner, b: &Balance) -> Value {
    let all: Vec<Position> = inner.markets.iter().flat_map(|m| inner.positions_of(m.inst.symbol)).collect();
    let realised: Money = all.iter().map(|p| p.realised_pnl).sum_money();
    let im = b.used_margin;
    let mm = all.iter().map(|p| p.entry_value.abs().mul_rate(Rate::from_raw(500_000))).sum_money();
    let rate =
        |x: Money| if b.equity.is_positive() { format!("{:.4}", x.to_f64() / b.equity.to_f64()) } else { "0".into() };
    json!({
        "accountType": "UNIFIED", "accountIMRate": rate(im), "accountIMRateByMp": rate(im),
        "accountMMRate": rate(mm), "accountMMRateByMp": rate(mm), "accountLTV": "0",
        "totalEquity": b.equity.to_string(), "totalWalletBalance": b.wallet_balance.to_string(),
        "totalMarginBalance": b.equity.to_string(), "totalAvailableBalance": b.available.to_string(),
        "totalPerpUPL": b.unrealised_pnl.to_string(), "totalInitialMargin": im.to_string(),
        "totalInitialMarginByMp": im.to_string(), "totalMaintenanceMargin": mm.to_string(),
        "totalMaintenanceMarginByMp": mm.to_string(),
        "coin": [{
            "coin": "USDT", "equity": b.equity.to_string(), "usdValue": b.equity.to_string(),
            "walletBalance": b.wallet_balance.to_string(), "availableToWithdraw": "", "availableToBorrow": "",
            "borrowAmount": "0", "accruedInterest": "0", "totalOrderIM": "0", "totalPositionIM": im.to_string(),
            "totalPositionMM": mm.to_string(), "unrealisedPnl": b.unrealised_pnl.to_string(),
            "cumRealisedPnl": realised.to_string(), "bonus": "0", "collateralSwitch": true, "marginCollateral": true,
            "locked": "0", "spotHedgingQty": "0", "spotBorrow": "0", "free": "",
        }],
    })
}

trait SumMoney {
    fn sum_money(self) -> Money;
}

impl<I: Iterator<Item = Money>> SumMoney for I {
    fn sum_money(self) -> Money {
        self.fold(Money::ZERO, |a, b| a + b)
    }
}

/// Registry index of the order the simulator knows as `sim_id`, registering orders the venue
/// created itself (liquidations) on first sight.
fn order_index(inner: &mut Inner, sim_id: crate::domain::ClientOrderId, symbol: Symbol, side: Side, ts: i64) -> usize {
    if let Some(i) = inner.by_sim_id.get(&sim_id) {
        return *i;
    }
    let order_id = inner.next_uuid();
    let last = inner.markets.iter().find(|m| m.inst.symbol == symbol).map_or(Price::ZERO, |m| m.last_price);
    // The venue's own orders close a position: in hedge mode the side they reduce.
    let position_idx = PositionIdx::for_order(inner.sim.position_mode(symbol), side, true);
    inner.orders.push(MockOrder {
        order_id,
        link_id: String::new(),
        sim_id,
        symbol,
        side,
        order_type: OrderType::Market,
        tif: TimeInForce::Ioc,
        qty: Qty::ZERO,
        price: last,
        trigger_price: None,
        trigger_direction: 0,
        take_profit: None,
        stop_loss: None,
        reduce_only: true,
        close_on_trigger: false,
        position_idx,
        status: OrderStatus::New,
        cancel_type: "UNKNOWN",
        reject_reason: "EC_NoError",
        cum_qty: Qty::ZERO,
        cum_value: Money::ZERO,
        cum_fee: Money::ZERO,
        last_price_on_created: last,
        created_ms: ts,
        updated_ms: ts,
    });
    let i = inner.orders.len() - 1;
    inner.by_sim_id.insert(sim_id, i);
    i
}

fn execution_json(inner: &mut Inner, i: usize, f: &Fill) -> Value {
    inner.exec_seq += 1;
    let exec_id = inner.next_uuid();
    let o = &inner.orders[i];
    let Some(ms) = inner.markets.iter().find(|m| m.inst.symbol == o.symbol) else { return Value::Null };
    let inst = &ms.inst;
    let leaves = (o.qty - o.cum_qty).max(Qty::ZERO);
    json!({
        "category": "linear", "symbol": o.symbol.as_str(), "isLeverage": "", "orderId": o.order_id,
        "orderLinkId": o.link_id, "side": f.side.as_str(), "orderPrice": px(inst, o.price), "orderQty": qt(inst, o.qty),
        "leavesQty": qt(inst, leaves), "createType": "CreateByUser",
        "orderType": if o.order_type == OrderType::Limit { "Limit" } else { "Market" },
        "stopOrderType": if o.trigger_price.is_some() { "Stop" } else { "UNKNOWN" },
        "execFee": f.fee.to_string(), "execId": exec_id, "execPrice": px(inst, f.price), "execQty": qt(inst, f.qty),
        "execType": "Trade", "execValue": f.notional().to_string(), "execTime": f.ts_ms.to_string(),
        "isMaker": f.is_maker, "feeRate": f.fee_rate.to_string(), "tradeIv": "", "markIv": "",
        "markPrice": px(inst, ms.ticker.map_or(ms.last_price, |t| t.mark_price)), "indexPrice": "", "underlyingPrice": "",
        "blockTradeId": "", "closedSize": if o.reduce_only { qt(inst, f.qty) } else { "0".to_string() },
        "execPnl": "0", "extraFees": "", "seq": inner.exec_seq, "feeCurrency": "USDT", "marketUnit": "",
    })
}

/// Applies simulator events to the registry and returns the pushes in Bybit's order:
/// `order`, `execution`, `position`, `wallet`.
pub(crate) fn private_messages(inner: &mut Inner, events: &[Event]) -> Vec<PrivateMsg> {
    let now = events.iter().filter_map(Event::ts_ms).max().unwrap_or(inner.now_ms);
    let (mut orders, mut execs, mut positions) = (Vec::new(), Vec::new(), Vec::<Position>::new());
    let mut balance = None;
    let mut touched: Vec<Symbol> = Vec::new();
    for e in events {
        match e {
            Event::Fill(f) => {
                let i = order_index(inner, f.client_order_id, f.symbol, f.side, f.ts_ms);
                let o = &mut inner.orders[i];
                o.cum_qty = o.cum_qty + f.qty;
                o.cum_value = o.cum_value + f.notional();
                o.cum_fee = o.cum_fee + f.fee;
                if o.qty.is_zero() {
                    o.qty = f.qty;
                }
                let exec = execution_json(inner, i, f);
                inner.executions.push(exec.clone());
                execs.push(exec);
            }
            Event::Order(u) => {
                let side = events
                    .iter()
                    .find_map(|x| match x {
                        Event::Fill(f) if f.client_order_id == u.client_order_id => Some(f.side),
                        _ => None,
                    })
                    .unwrap_or(Side::Buy);
                let i = order_index(inner, u.client_order_id, u.symbol, side, u.ts_ms);
                let (cancel, reject) = reason_strs(u.reason, u.status);
                let o = &mut inner.orders[i];
                o.status = u.status;
                o.qty = u.qty;
                if let Some(p) = u.price {
                    o.price = p;
                }
                o.trigger_price = u.trigger_price.or(o.trigger_price);
                o.updated_ms = u.ts_ms;
                o.cancel_type = cancel;
                o.reject_reason = reject;
                if !touched.contains(&u.symbol) {
                    touched.push(u.symbol);
                }
                orders.push(i);
            }
            Event::Position(p) => {
                if let Some(ms) = inner.market_mut(p.symbol) {
                    if p.is_flat() {
                        ms.pos_created_ms = 0;
                    } else if ms.pos_created_ms == 0 {
                        ms.pos_created_ms = p.ts_ms;
                    }
                }
                positions.retain(|q| (q.symbol, q.position_idx) != (p.symbol, p.position_idx));
                positions.push(*p);
            }
            Event::Balance(b) => balance = Some(*b),
            _ => {}
        }
    }
    // Bybit pushes `position` on every order change, even when the position did not move.
    for s in touched {
        if !positions.iter().any(|p| p.symbol == s) {
            positions.extend(inner.positions_of(s));
        }
    }
    let mut out = Vec::new();
    let order_items: Vec<Value> = orders.iter().map(|&i| order_json(inner, &inner.orders[i], true)).collect();
    for (kind, data) in [
        (PrivateKind::Order, order_items),
        (PrivateKind::Execution, execs),
        (PrivateKind::Position, positions.iter().map(|p| position_json(inner, p, true)).collect()),
        (PrivateKind::Wallet, balance.iter().map(|b| wallet_json(inner, b)).collect()),
    ] {
        if !data.is_empty() {
            let id = inner.next_msg_id();
            out.push(PrivateMsg { kind, id, creation_ms: now, data });
        }
    }
    out
}
