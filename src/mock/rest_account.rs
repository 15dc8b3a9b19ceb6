//! Signed read-only REST endpoints: open and historical orders, executions, positions, the
//! wallet balance and the key's permissions (`/v5/user/query-api`). Lists are newest first and
//! page with an offset cursor.

use super::rest::{bad, ApiResult, Params};
use super::rest_trade::market_idx;
use super::state::{MockOrder, Shared};
use super::views::{order_json, position_json, wallet_json};
use crate::domain::{OrderStatus, PositionMode, Symbol};
use crate::exchange::sim::SwitchRefused;
use serde_json::{json, Value};

/// Offset paging: the cursor is the offset of the next page.
fn page(p: &Params, total: usize, limit: usize) -> Result<(usize, String), (i64, String)> {
    let offset = match p.str("cursor") {
        None => 0,
        Some(c) => c.parse::<usize>().map_err(|_| bad(format!("params error: cursor invalid: {c}")))?,
    };
    let next = if offset + limit < total { (offset + limit).to_string() } else { String::new() };
    Ok((offset, next))
}

pub(crate) fn list_orders(shared: &Shared, p: &Params, realtime: bool) -> ApiResult {
    p.linear(true)?;
    let symbol = p.str("symbol");
    let (by_id, by_link) = (p.str("orderId"), p.str("orderLinkId"));
    let scoped = symbol.is_some() || p.str("settleCoin").is_some() || p.str("baseCoin").is_some();
    if realtime && !scoped && by_id.is_none() && by_link.is_none() {
        return Err(bad("Missing some parameters that must be filled in, symbol or settleCoin or baseCoin"));
    }
    let open_only = p.int("openOnly", 0, 0, 2)?;
    let limit = p.int("limit", 20, 1, 50)? as usize;
    let status = p.str("orderStatus");
    let inner = shared.lock();
    let picked: Vec<&MockOrder> = inner
        .orders
        .iter()
        .rev()
        .filter(|o| symbol.as_deref().is_none_or(|s| o.symbol.as_str() == s))
        .filter(|o| by_id.as_deref().is_none_or(|id| o.order_id == id))
        .filter(|o| by_link.as_deref().is_none_or(|l| o.link_id == l))
        .filter(|o| status.as_deref().is_none_or(|s| super::views::status_str(o.status) == s))
        .filter(|o| !realtime || by_id.is_some() || by_link.is_some() || (open_only == 0) == o.status.is_open())
        .filter(|o| o.status != OrderStatus::Rejected || !realtime)
        .collect();
    let (offset, next) = page(p, picked.len(), limit)?;
    let list: Vec<Value> = picked.iter().skip(offset).take(limit).map(|o| order_json(&inner, o, false)).collect();
    Ok(json!({"category": "linear", "list": list, "nextPageCursor": next}))
}

pub(crate) fn executions(shared: &Shared, p: &Params) -> ApiResult {
    p.linear(true)?;
    let limit = p.int("limit", 50, 1, 100)? as usize;
    let keys = ["symbol", "orderId", "orderLinkId", "execType"];
    let wanted: Vec<(&str, String)> = keys.iter().filter_map(|k| p.str(k).map(|v| (*k, v))).collect();
    let inner = shared.lock();
    let picked: Vec<&Value> = inner
        .executions
        .iter()
        .rev()
        .filter(|e| wanted.iter().all(|(k, v)| e.get(*k).and_then(Value::as_str) == Some(v.as_str())))
        .collect();
    let (offset, next) = page(p, picked.len(), limit)?;
    let list: Vec<Value> = picked
        .iter()
        .skip(offset)
        .take(limit)
        .map(|e| {
            let mut e = (*e).clone();
            if let Some(m) = e.as_object_mut() {
                m.remove("category");
                m.remove("execPnl");
            }
            e
        })
        .collect();
    Ok(json!({"category": "linear", "list": list, "nextPageCursor": next}))
}

pub(crate) fn positions(shared: &Shared, p: &Params) -> ApiResult {
    p.linear(true)?;
    let symbol = p.str("symbol");
    let settle = p.str("settleCoin");
    if symbol.is_none() && settle.is_none() {
        return Err(bad("params error: symbol or settleCoin is required"));
    }
    let inner = shared.lock();
    let list: Vec<Value> = match &symbol {
        Some(s) => {
            let m = market_idx(&inner, s)?;
            inner
                .positions_of(inner.markets[m].inst.symbol)
                .iter()
                .map(|pos| position_json(&inner, pos, false))
                .collect()
        }
        None => inner
            .markets
            .iter()
            .flat_map(|m| inner.positions_of(m.inst.symbol))
            .filter(|pos| !pos.is_flat() && settle.as_deref() == Some("USDT"))
            .map(|pos| position_json(&inner, &pos, false))
            .collect(),
    };
    Ok(json!({"category": "linear", "list": list, "nextPageCursor": ""}))
}

/// `/v5/position/switch-mode`: `mode` 0 (one-way) or 3 (hedge) for one `symbol`, or for every
/// symbol of the settle `coin` (USDT); Bybit's 110025 when already in that mode, 110024 / 110028
/// when the symbol has a position / open orders.
pub(crate) fn switch_mode(shared: &Shared, p: &Params) -> ApiResult {
    p.linear(true)?;
    let code = p.int("mode", -1, -1, 3)?;
    let mode = PositionMode::from_code(code).ok_or_else(|| bad(format!("params error: mode invalid: {code}")))?;
    let mut inner = shared.lock();
    let symbols: Vec<Symbol> = match (p.str("symbol"), p.str("coin")) {
        (Some(s), _) => vec![inner.markets[market_idx(&inner, &s)?].inst.symbol],
        (None, Some(c)) if c == "USDT" => inner.markets.iter().map(|m| m.inst.symbol).collect(),
        (None, Some(c)) => return Err(bad(format!("params error: coin invalid: {c}"))),
        (None, None) => return Err(bad("params error: symbol or coin is required")),
    };
    let single = symbols.len() == 1;
    for s in symbols {
        match inner.sim.switch_position_mode(s, mode) {
            Ok(()) => {}
            // A coin-wide switch skips symbols already in the mode.
            Err(SwitchRefused::NotModified) if !single => {}
            Err(SwitchRefused::NotModified) => return Err((110025, "Position mode is not modified".into())),
            Err(SwitchRefused::HasPosition) => {
                return Err((110024, format!("{s}: cannot switch position mode while a position exists")))
            }
            Err(SwitchRefused::HasOrders) => {
                return Err((110028, format!("{s}: cannot switch position mode while open orders exist")))
            }
            Err(SwitchRefused::UnknownSymbol) => return Err(bad("params error: symbol invalid")),
        }
    }
    Ok(json!({}))
}

pub(crate) fn wallet(shared: &Shared, p: &Params) -> ApiResult {
    let account = p.required("accountType")?;
    if account != "UNIFIED" {
        return Err(bad("accountType only support UNIFIED."));
    }
    let inner = shared.lock();
    let b = inner.sim.balance();
    let mut w = wallet_json(&inner, &b);
    let keep_usdt = match p.str("coin") {
        Some(c) => c.split(',').any(|x| x == "USDT"),
        None => !b.wallet_balance.is_zero(),
    };
    if !keep_usdt {
        w["coin"] = json!([]);
    }
    Ok(json!({"list": [w]}))
}

pub(crate) fn query_api(shared: &Shared) -> Value {
    json!({
        "id": "1", "note": "autobot mock-exchange", "apiKey": shared.config.credentials.api_key,
        "readOnly": i64::from(shared.config.read_only),
        "secret": "", "type": 1, "ips": ["*"], "deadlineDay": -1, "expiredAt": "", "createdAt": "1700000000000",
        "permissions": {"ContractTrade": ["Order", "Position"], "Spot": ["SpotTrade"],
            "Wallet": ["AccountTransfer", "SubMemberTransfer"], "Options": ["OptionsTrade"],
            "Derivatives": ["DerivativesTrade"], "CopyTrading": [], "BlockTrade": [], "Exchange": [], "NFT": [],
            "Affiliate": []},
        "unified": 0, "uta": 1, "userID": 1, "inviterID": 0, "vipLevel": "No VIP", "mktMakerLevel": "0",
        "affiliateID": 0, "rsaPublicKey": "", "isMaster": true, "parentUid": "0", "kycLevel": "LEVEL_DEFAULT",
        "kycRegion": "",
    })
}
