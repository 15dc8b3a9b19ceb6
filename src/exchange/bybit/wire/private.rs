//! Order, execution, position and wallet objects: shared by the REST lists and the private
//! WebSocket topics, with conversions to and from the domain types.

use super::num::{nonzero, opt, opt_num, text};
use super::public::de_symbol;
use super::trade::{tif_str, trigger_direction_code};
use super::WireError;
use crate::domain::{
    ClientOrderId, ExecId, Fill, Money, Order, OrderId, OrderStatus, OrderType, OrderUpdate, Position, PositionIdx,
    Price, Qty, Rate, RejectReason, Side, Symbol,
};
use serde::{Deserialize, Serialize};

/// A private push: `{"id","topic","creationTime","data":[...]}` (`execution.fast` has no id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateMsg<T> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub topic: String,
    pub creation_time: i64,
    pub data: Vec<T>,
}

/// Maps Bybit's `orderStatus`. `Created` (accepted, not yet matched) is our `PendingNew`;
/// `Active` (spot conditional) is `New`.
pub fn parse_order_status(s: &str) -> Result<OrderStatus, WireError> {
    Ok(match s {
        "Created" => OrderStatus::PendingNew,
        "New" | "Active" => OrderStatus::New,
        "PartiallyFilled" => OrderStatus::PartiallyFilled,
        "Filled" => OrderStatus::Filled,
        "Cancelled" => OrderStatus::Cancelled,
        "PartiallyFilledCanceled" => OrderStatus::PartiallyFilledCanceled,
        "Rejected" => OrderStatus::Rejected,
        "Untriggered" => OrderStatus::Untriggered,
        "Triggered" => OrderStatus::Triggered,
        "Deactivated" => OrderStatus::Deactivated,
        other => return Err(WireError::value("orderStatus", format!("unknown `{other}`"))),
    })
}

/// Bybit's `rejectReason` / `cancelType` as our reason; `None` for a plain order.
pub fn reject_reason_of(reject: &str, cancel: &str) -> Option<RejectReason> {
    let r = match reject {
        "" | "EC_NoError" => None,
        "EC_PostOnlyWillTakeLiquidity" => Some(RejectReason::PostOnlyWouldTake),
        "EC_NoImmediateQtyToFill" | "EC_CancelForNoFullFill" => Some(RejectReason::NoLiquidity),
        "EC_OrigClOrdIDDoesNotExist" => Some(RejectReason::UnknownOrder),
        "EC_ReachMarketPriceLimit" => Some(RejectReason::InvalidPrice),
        _ => Some(RejectReason::Other),
    };
    r.or(match cancel {
        "CancelByReduceOnly" => Some(RejectReason::ReduceOnlyWouldIncrease),
        "CancelByPrepareLiq" | "CancelAllBeforeLiq" | "CancelByPrepareAdl" | "CancelAllBeforeAdl" => {
            Some(RejectReason::Liquidation)
        }
        _ => None,
    })
}

fn client_id(link: &str, order_id: &str) -> Result<ClientOrderId, WireError> {
    // Orders placed elsewhere (web UI) have no orderLinkId: fall back to the venue id.
    let id = if link.is_empty() { order_id } else { link };
    ClientOrderId::new(id).map_err(|e| WireError::value("orderLinkId", e.to_string()))
}

/// An order object (REST realtime/history lists and the `order` topic).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub order_id: String,
    #[serde(default)]
    pub order_link_id: String,
    #[serde(deserialize_with = "de_symbol")]
    pub symbol: Symbol,
    #[serde(default, with = "opt")]
    pub price: Option<Price>,
    pub qty: Qty,
    pub side: Side,
    #[serde(default)]
    pub position_idx: i64,
    pub order_status: String,
    #[serde(default)]
    pub create_type: String,
    #[serde(default)]
    pub cancel_type: String,
    #[serde(default)]
    pub reject_reason: String,
    #[serde(default, with = "opt")]
    pub avg_price: Option<Price>,
    #[serde(default, with = "opt")]
    pub leaves_qty: Option<Qty>,
    #[serde(default, with = "opt")]
    pub leaves_value: Option<Money>,
    #[serde(default, with = "opt")]
    pub cum_exec_qty: Option<Qty>,
    #[serde(default, with = "opt")]
    pub cum_exec_value: Option<Money>,
    #[serde(default, with = "opt")]
    pub cum_exec_fee: Option<Money>,
    #[serde(default)]
    pub time_in_force: String,
    pub order_type: String,
    #[serde(default)]
    pub stop_order_type: String,
    #[serde(default, with = "opt")]
    pub trigger_price: Option<Price>,
    #[serde(default, with = "opt")]
    pub take_profit: Option<Price>,
    #[serde(default, with = "opt")]
    pub stop_loss: Option<Price>,
    #[serde(default)]
    pub trigger_direction: i64,
    #[serde(default)]
    pub trigger_by: String,
    #[serde(default)]
    pub reduce_only: bool,
    #[serde(default)]
    pub close_on_trigger: bool,
    #[serde(with = "text")]
    pub created_time: i64,
    #[serde(with = "text")]
    pub updated_time: i64,
}

impl OrderItem {
    pub fn status(&self) -> Result<OrderStatus, WireError> {
        parse_order_status(&self.order_status)
    }

    /// The domain report. Prices `""`/`"0"` are absent; a market order's protective price is
    /// dropped (use the fills for what it paid).
    pub fn to_update(&self) -> Result<OrderUpdate, WireError> {
        let limit = self.order_type == "Limit";
        Ok(OrderUpdate {
            client_order_id: client_id(&self.order_link_id, &self.order_id)?,
            order_id: OrderId::new(&self.order_id).ok(),
            symbol: self.symbol,
            status: self.status()?,
            qty: self.qty,
            price: if limit { nonzero(self.price) } else { None },
            trigger_price: nonzero(self.trigger_price),
            filled_qty: self.cum_exec_qty.unwrap_or(Qty::ZERO),
            ts_ms: self.updated_time,
            reason: reject_reason_of(&self.reject_reason, &self.cancel_type),
        })
    }

    /// The wire object for one of the mock's orders, in Bybit's conventions (`"0"` for an unset
    /// trigger price, `""` for no average price, `EC_NoError`, `UNKNOWN` cancel type).
    pub fn from_order(o: &Order, category: &str) -> OrderItem {
        let r = &o.request;
        let open = o.status.is_open();
        let cancel_type = match o.status {
            OrderStatus::Cancelled | OrderStatus::PartiallyFilledCanceled | OrderStatus::Deactivated => "CancelByUser",
            _ => "UNKNOWN",
        };
        let leaves = if open { o.remaining() } else { Qty::ZERO };
        OrderItem {
            category: Some(category.to_string()),
            order_id: o.order_id.map(|i| i.to_string()).unwrap_or_default(),
            order_link_id: r.client_order_id.to_string(),
            symbol: r.symbol,
            price: Some(o.price.unwrap_or(r.decision_price)),
            qty: o.qty,
            side: r.side,
            position_idx: r.position_idx.code().into(),
            order_status: o.status.as_str().to_string(),
            create_type: "CreateByUser".into(),
            cancel_type: cancel_type.into(),
            reject_reason: o.reject_reason.clone().unwrap_or_else(|| "EC_NoError".into()),
            avg_price: o.avg_fill_price(),
            leaves_qty: Some(leaves),
            leaves_value: Some(o.price.unwrap_or(r.decision_price) * leaves),
            cum_exec_qty: Some(o.filled_qty),
            cum_exec_value: Some(o.filled_value),
            cum_exec_fee: Some(o.fees),
            time_in_force: tif_str(r.time_in_force).into(),
            order_type: match r.order_type {
                OrderType::Market => "Market".into(),
                OrderType::Limit => "Limit".into(),
            },
            stop_order_type: if o.trigger_price.is_some() { "Stop".into() } else { "UNKNOWN".into() },
            trigger_price: Some(o.trigger_price.unwrap_or(Price::ZERO)),
            take_profit: Some(Price::ZERO),
            stop_loss: Some(Price::ZERO),
            trigger_direction: r.trigger_direction.map(trigger_direction_code).unwrap_or(0),
            trigger_by: if o.trigger_price.is_some() { "LastPrice".into() } else { "UNKNOWN".into() },
            reduce_only: r.reduce_only,
            close_on_trigger: false,
            created_time: o.created_ms,
            updated_time: o.updated_ms,
        }
    }
}

/// A fill (REST execution list, `execution` and `execution.fast` topics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(deserialize_with = "de_symbol")]
    pub symbol: Symbol,
    pub order_id: String,
    #[serde(default)]
    pub order_link_id: String,
    pub side: Side,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub order_price: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub order_qty: Option<Qty>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub leaves_qty: Option<Qty>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_type: Option<String>,
    pub exec_id: String,
    pub exec_price: Price,
    pub exec_qty: Qty,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub exec_fee: Option<Money>,
    /// `Trade`, `Funding`, `AdlTrade`, `BustTrade`, ... (absent on `execution.fast`: a trade).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec_type: Option<String>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub exec_value: Option<Money>,
    #[serde(with = "text")]
    pub exec_time: i64,
    #[serde(default)]
    pub is_maker: bool,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub fee_rate: Option<Rate>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub mark_price: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub closed_size: Option<Qty>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub exec_pnl: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_currency: Option<String>,
    #[serde(default, with = "opt_num", skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

impl ExecutionItem {
    /// The domain fill, or `None` for executions that are not trades of an order (`Funding`,
    /// `Settle`, `Delivery`: the funding amount is `execFee`).
    pub fn to_fill(&self) -> Result<Option<Fill>, WireError> {
        match self.exec_type.as_deref() {
            None | Some("Trade" | "AdlTrade" | "BustTrade" | "BlockTrade" | "MovePosition") => {}
            Some(_) => return Ok(None),
        }
        Ok(Some(Fill {
            symbol: self.symbol,
            client_order_id: client_id(&self.order_link_id, &self.order_id)?,
            order_id: OrderId::new(&self.order_id).map_err(|e| WireError::value("orderId", e.to_string()))?,
            exec_id: ExecId::new(&self.exec_id).map_err(|e| WireError::value("execId", e.to_string()))?,
            side: self.side,
            price: self.exec_price,
            qty: self.exec_qty,
            fee: self.exec_fee.unwrap_or(Money::ZERO),
            fee_rate: self.fee_rate.unwrap_or(Rate::ZERO),
            is_maker: self.is_maker,
            ts_ms: self.exec_time,
        }))
    }

    /// The wire fill the mock pushes for a domain fill of `order`.
    pub fn from_fill(f: &Fill, order: &Order, category: &str, seq: u64) -> ExecutionItem {
        ExecutionItem {
            category: Some(category.to_string()),
            symbol: f.symbol,
            order_id: f.order_id.to_string(),
            order_link_id: f.client_order_id.to_string(),
            side: f.side,
            order_price: Some(order.price.unwrap_or(order.request.decision_price)),
            order_qty: Some(order.qty),
            leaves_qty: Some(order.remaining()),
            order_type: Some(if order.request.order_type == OrderType::Limit { "Limit" } else { "Market" }.into()),
            exec_id: f.exec_id.to_string(),
            exec_price: f.price,
            exec_qty: f.qty,
            exec_fee: Some(f.fee),
            exec_type: Some("Trade".into()),
            exec_value: Some(f.notional()),
            exec_time: f.ts_ms,
            is_maker: f.is_maker,
            fee_rate: Some(f.fee_rate),
            mark_price: None,
            closed_size: None,
            exec_pnl: None,
            fee_currency: Some("USDT".into()),
            seq: Some(seq),
        }
    }
}

/// A position (REST `avgPrice`, WS `entryPrice`: whichever is present is used).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default)]
    pub position_idx: i64,
    #[serde(deserialize_with = "de_symbol")]
    pub symbol: Symbol,
    /// `Buy` long, `Sell` short, `""` flat.
    #[serde(default)]
    pub side: String,
    pub size: Qty,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub avg_price: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub entry_price: Option<Price>,
    #[serde(default, with = "opt")]
    pub position_value: Option<Money>,
    #[serde(default, with = "opt")]
    pub leverage: Option<Rate>,
    #[serde(default, with = "opt")]
    pub mark_price: Option<Price>,
    #[serde(default, with = "opt")]
    pub liq_price: Option<Price>,
    #[serde(default, with = "opt", rename = "positionIM")]
    pub position_im: Option<Money>,
    #[serde(default, with = "opt", rename = "positionMM")]
    pub position_mm: Option<Money>,
    #[serde(default, with = "opt")]
    pub take_profit: Option<Price>,
    #[serde(default, with = "opt")]
    pub stop_loss: Option<Price>,
    #[serde(default, with = "opt")]
    pub unrealised_pnl: Option<Money>,
    #[serde(default, with = "opt")]
    pub cur_realised_pnl: Option<Money>,
    #[serde(default, with = "opt")]
    pub cum_realised_pnl: Option<Money>,
    #[serde(default)]
    pub position_status: String,
    #[serde(default, with = "opt")]
    pub created_time: Option<i64>,
    #[serde(default, with = "opt")]
    pub updated_time: Option<i64>,
    #[serde(default, with = "opt_num", skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

impl PositionItem {
    pub fn to_position(&self) -> Result<Position, WireError> {
        if self.size.is_negative() {
            return Err(WireError::value("position size", format!("negative `{}`", self.size)));
        }
        let size = match self.side.as_str() {
            "Buy" => self.size,
            "Sell" => Qty::ZERO - self.size,
            "" | "None" => Qty::ZERO,
            other => return Err(WireError::value("position side", format!("unknown `{other}`"))),
        };
        let avg = nonzero(self.avg_price.or(self.entry_price));
        let entry_value = match avg {
            Some(p) => p * self.size,
            None => self.position_value.unwrap_or(Money::ZERO),
        };
        let position_idx = PositionIdx::from_code(self.position_idx)
            .ok_or_else(|| WireError::value("positionIdx", format!("unknown `{}`", self.position_idx)))?;
        Ok(Position {
            position_idx,
            symbol: self.symbol,
            size,
            entry_value,
            leverage: self.leverage.unwrap_or(Rate::ONE),
            mark_price: self.mark_price.unwrap_or(Price::ZERO),
            unrealised_pnl: self.unrealised_pnl.unwrap_or(Money::ZERO),
            realised_pnl: self.cur_realised_pnl.unwrap_or(Money::ZERO),
            margin: self.position_im.unwrap_or(Money::ZERO),
            liq_price: nonzero(self.liq_price),
            ts_ms: self.updated_time.unwrap_or(0),
        })
    }

    /// Wire position for the mock: `ws` selects `entryPrice` (topic) over `avgPrice` (REST).
    pub fn from_position(p: &Position, category: &str, ws: bool, seq: u64) -> PositionItem {
        let avg = p.entry_price();
        PositionItem {
            category: if ws { Some(category.to_string()) } else { None },
            position_idx: p.position_idx.code().into(),
            symbol: p.symbol,
            side: p.side().map(|s| s.as_str().to_string()).unwrap_or_default(),
            size: p.size.abs(),
            avg_price: if ws { None } else { Some(avg.unwrap_or(Price::ZERO)) },
            entry_price: if ws { Some(avg.unwrap_or(Price::ZERO)) } else { None },
            position_value: Some(p.entry_value),
            leverage: Some(p.leverage),
            mark_price: Some(p.mark_price),
            liq_price: p.liq_price,
            position_im: Some(p.margin),
            position_mm: None,
            take_profit: Some(Price::ZERO),
            stop_loss: Some(Price::ZERO),
            unrealised_pnl: Some(p.unrealised_pnl),
            cur_realised_pnl: Some(p.realised_pnl),
            cum_realised_pnl: Some(p.realised_pnl),
            position_status: "Normal".into(),
            created_time: Some(p.ts_ms),
            updated_time: Some(p.ts_ms),
            seq: Some(seq),
        }
    }
}
