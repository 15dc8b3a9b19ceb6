//! Signed REST bodies and results: order create/amend/cancel/cancel-all, order lists, executions,
//! positions, leverage, trading stop, wallet balance and the API key's permissions.
//!
//! Request bodies serialise without absent fields, numbers as strings, `positionIdx` and
//! `triggerDirection` as integers and `reduceOnly` as a boolean, as Bybit documents.

use super::num::{opt, opt_num};
use super::private::{ExecutionItem, OrderItem, PositionItem};
use super::wallet::WalletAccount;
use super::ws::Category;
use crate::domain::{
    Action, ClientOrderId, OrderOrigin, OrderRequest, OrderType, PositionIdx, Price, Qty, Rate, Side, Symbol,
    TimeInForce, TriggerDirection,
};
use crate::exchange::bybit::error::ApiError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bybit's `timeInForce` spelling.
pub fn tif_str(t: TimeInForce) -> &'static str {
    match t {
        TimeInForce::Gtc => "GTC",
        TimeInForce::Ioc => "IOC",
        TimeInForce::Fok => "FOK",
        TimeInForce::PostOnly => "PostOnly",
    }
}

/// Parses Bybit's `timeInForce` (`RPI` and unknown values are `None`).
pub fn parse_tif(s: &str) -> Option<TimeInForce> {
    Some(match s {
        "GTC" => TimeInForce::Gtc,
        "IOC" => TimeInForce::Ioc,
        "FOK" => TimeInForce::Fok,
        "PostOnly" => TimeInForce::PostOnly,
        _ => return None,
    })
}

/// `triggerDirection`: 1 = fires when the price rises to the trigger, 2 = when it falls.
pub fn trigger_direction_code(d: TriggerDirection) -> i64 {
    match d {
        TriggerDirection::Rising => 1,
        TriggerDirection::Falling => 2,
    }
}

pub fn parse_trigger_direction(code: i64) -> Option<TriggerDirection> {
    match code {
        1 => Some(TriggerDirection::Rising),
        2 => Some(TriggerDirection::Falling),
        _ => None,
    }
}

/// `POST /v5/order/create` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrderRequest {
    pub category: String,
    pub symbol: Symbol,
    pub side: Side,
    pub order_type: OrderType,
    pub qty: Qty,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_in_force: Option<String>,
    #[serde(default, with = "opt_num", skip_serializing_if = "Option::is_none")]
    pub position_idx: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_link_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduce_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_on_trigger: Option<bool>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub trigger_price: Option<Price>,
    #[serde(default, with = "opt_num", skip_serializing_if = "Option::is_none")]
    pub trigger_direction: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_by: Option<String>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub take_profit: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub stop_loss: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tp_trigger_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sl_trigger_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tpsl_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market_unit: Option<String>,
}

fn params_error(msg: impl std::fmt::Display) -> ApiError {
    ApiError::from_ret_code(10001, format!("params error: {msg}"))
}

impl CreateOrderRequest {
    /// The body for one of our orders (`positionIdx` the request's: 0 one-way, 1/2 hedge mode's
    /// long/short; none on spot). Market orders carry no
    /// price and no time in force; a trigger price makes it conditional with direction 1/2.
    pub fn from_request(r: &OrderRequest, category: Category) -> Self {
        let limit = r.order_type == OrderType::Limit;
        CreateOrderRequest {
            category: category.as_str().into(),
            symbol: r.symbol,
            side: r.side,
            order_type: r.order_type,
            qty: r.qty,
            price: if limit { r.price } else { None },
            time_in_force: if limit { Some(tif_str(r.time_in_force).into()) } else { None },
            position_idx: if category == Category::Spot { None } else { Some(r.position_idx.code().into()) },
            order_link_id: Some(r.client_order_id.to_string()),
            reduce_only: if category == Category::Spot { None } else { Some(r.reduce_only) },
            close_on_trigger: None,
            trigger_price: r.trigger_price,
            trigger_direction: r.trigger_price.and(r.trigger_direction.map(trigger_direction_code)),
            trigger_by: None,
            take_profit: None,
            stop_loss: None,
            tp_trigger_by: None,
            sl_trigger_by: None,
            tpsl_mode: None,
            market_unit: None,
        }
    }

    /// The server side: checks the body the way Bybit does (10001 on any bad parameter) and
    /// returns the domain request. `orderLinkId` may be absent (the caller assigns one then).
    pub fn to_order_request(&self, ts_ms: i64) -> Result<(Option<ClientOrderId>, OrderRequest), ApiError> {
        if Category::parse(&self.category).is_none() {
            return Err(params_error(format_args!("category invalid: {}", self.category)));
        }
        if !self.qty.is_positive() {
            return Err(params_error(format_args!("qty must be positive, got {}", self.qty)));
        }
        let price = match (self.order_type, self.price) {
            (OrderType::Limit, Some(p)) if p.is_positive() => Some(p),
            (OrderType::Limit, _) => return Err(params_error("price is required for a limit order")),
            (OrderType::Market, _) => None,
        };
        let time_in_force = match (self.order_type, self.time_in_force.as_deref()) {
            (OrderType::Market, _) => TimeInForce::Ioc,
            (OrderType::Limit, None) => TimeInForce::Gtc,
            (OrderType::Limit, Some(t)) => parse_tif(t).ok_or_else(|| params_error(format_args!("timeInForce {t}")))?,
        };
        let trigger_price = self.trigger_price.filter(|p| !p.is_zero());
        let trigger_direction = match (trigger_price, self.trigger_direction) {
            (None, _) => None,
            (Some(_), Some(code)) => Some(
                parse_trigger_direction(code).ok_or_else(|| params_error(format_args!("triggerDirection {code}")))?,
            ),
            (Some(_), None) => return Err(params_error("triggerDirection is required with triggerPrice")),
        };
        let link = match self.order_link_id.as_deref() {
            None | Some("") => None,
            Some(id) if id.len() > 36 => return Err(params_error(format_args!("orderLinkId too long: {id}"))),
            Some(id) => Some(ClientOrderId::new(id).map_err(|e| params_error(format_args!("orderLinkId: {e}")))?),
        };
        let placeholder = ClientOrderId::new("unassigned").map_err(params_error)?;
        let code = self.position_idx.unwrap_or(0);
        let position_idx =
            PositionIdx::from_code(code).ok_or_else(|| params_error(format_args!("positionIdx invalid: {code}")))?;
        let req = OrderRequest {
            position_idx,
            client_order_id: link.unwrap_or(placeholder),
            symbol: self.symbol,
            side: self.side,
            order_type: self.order_type,
            qty: self.qty,
            price,
            trigger_price,
            trigger_direction,
            time_in_force,
            reduce_only: self.reduce_only.unwrap_or(false),
            origin: OrderOrigin::Manual,
            decision_price: price.or(trigger_price).unwrap_or(Price::ZERO),
            ts_ms,
        };
        Ok((link, req))
    }
}

/// `POST /v5/order/amend` body (`orderId` wins when both ids are given).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AmendOrderRequest {
    pub category: String,
    pub symbol: Symbol,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_link_id: Option<String>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub qty: Option<Qty>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub trigger_price: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub take_profit: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub stop_loss: Option<Price>,
}

/// `POST /v5/order/cancel` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelOrderRequest {
    pub category: String,
    pub symbol: Symbol,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_link_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_filter: Option<String>,
}

/// `POST /v5/order/cancel-all` body (linear: one of symbol, baseCoin, settleCoin).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelAllRequest {
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<Symbol>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_coin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settle_coin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_filter: Option<String>,
}

/// A request body for an engine action, when the action goes to Bybit's order endpoints:
/// `(path, JSON body)`. Record/alert actions give `None`.
pub fn action_body(action: &Action, category: Category, settle_coin: &str) -> Option<(&'static str, String)> {
    let cat = category.as_str().to_string();
    let body = match action {
        Action::PlaceOrder(r) => {
            ("/v5/order/create", serde_json::to_string(&CreateOrderRequest::from_request(r, category)))
        }
        Action::AmendOrder { symbol, client_order_id, qty, price, trigger_price } => (
            "/v5/order/amend",
            serde_json::to_string(&AmendOrderRequest {
                category: cat,
                symbol: *symbol,
                order_id: None,
                order_link_id: Some(client_order_id.to_string()),
                qty: *qty,
                price: *price,
                trigger_price: *trigger_price,
                take_profit: None,
                stop_loss: None,
            }),
        ),
        Action::CancelOrder { symbol, client_order_id } => (
            "/v5/order/cancel",
            serde_json::to_string(&CancelOrderRequest {
                category: cat,
                symbol: *symbol,
                order_id: None,
                order_link_id: Some(client_order_id.to_string()),
                order_filter: None,
            }),
        ),
        Action::CancelAll { symbol } => (
            "/v5/order/cancel-all",
            serde_json::to_string(&CancelAllRequest {
                category: cat,
                symbol: *symbol,
                base_coin: None,
                settle_coin: if symbol.is_none() { Some(settle_coin.to_string()) } else { None },
                order_filter: None,
            }),
        ),
        _ => return None,
    };
    // Serialising these plain structs cannot fail.
    Some((body.0, body.1.ok()?))
}

/// `POST /v5/position/set-leverage` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetLeverageRequest {
    pub category: String,
    pub symbol: Symbol,
    pub buy_leverage: Rate,
    pub sell_leverage: Rate,
}

/// `POST /v5/position/switch-mode` body: `mode` 0 one-way, 3 hedge ("both sides"), for one
/// `symbol` (or every symbol of a settle `coin`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SwitchModeRequest {
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<Symbol>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coin: Option<String>,
    pub mode: i64,
}

/// `POST /v5/position/trading-stop` body (`"0"` removes a leg).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TradingStopRequest {
    pub category: String,
    pub symbol: Symbol,
    pub tpsl_mode: String,
    pub position_idx: i64,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub take_profit: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub stop_loss: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub trailing_stop: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tp_trigger_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sl_trigger_by: Option<String>,
}

/// Result of create / amend / cancel: `{orderId, orderLinkId}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderIdResult {
    pub order_id: String,
    #[serde(default)]
    pub order_link_id: String,
}

/// Result of cancel-all: `{list:[{orderId,orderLinkId}], success:"1"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelAllResult {
    pub list: Vec<OrderIdResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<String>,
}

/// `GET /v5/order/realtime` and `/v5/order/history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderListResult {
    #[serde(default)]
    pub category: String,
    pub list: Vec<OrderItem>,
    #[serde(default)]
    pub next_page_cursor: String,
}

/// `GET /v5/execution/list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionListResult {
    #[serde(default)]
    pub category: String,
    pub list: Vec<ExecutionItem>,
    #[serde(default)]
    pub next_page_cursor: String,
}

/// `GET /v5/position/list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionListResult {
    #[serde(default)]
    pub category: String,
    pub list: Vec<PositionItem>,
    #[serde(default)]
    pub next_page_cursor: String,
}

/// `GET /v5/account/wallet-balance`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalletBalanceResult {
    pub list: Vec<WalletAccount>,
}

/// `GET /v5/user/query-api`: the calling key's permissions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub api_key: String,
    /// 0 = read and write, 1 = read only.
    #[serde(default)]
    pub read_only: i64,
    #[serde(default)]
    pub permissions: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub ips: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unified: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uta: Option<i64>,
}

impl ApiKeyInfo {
    fn has(&self, group: &str, perm: &str) -> bool {
        self.permissions.get(group).is_some_and(|v| v.iter().any(|p| p == perm))
    }
    pub fn is_read_only(&self) -> bool {
        self.read_only != 0
    }
    /// May place linear (USDT perpetual) orders.
    pub fn can_trade_linear(&self) -> bool {
        !self.is_read_only() && (self.has("ContractTrade", "Order") || self.has("Derivatives", "DerivativesTrade"))
    }
    pub fn can_trade_spot(&self) -> bool {
        !self.is_read_only() && self.has("Spot", "SpotTrade")
    }
    /// The key may withdraw funds (a warning at start).
    pub fn can_withdraw(&self) -> bool {
        self.has("Wallet", "Withdraw")
    }
    /// Bound to no IP (`ips` empty or `["*"]`): a warning at start.
    pub fn is_ip_unbound(&self) -> bool {
        self.ips.is_empty() || self.ips.iter().any(|ip| ip == "*")
    }
}
