//! REST envelope and the public market-data results (`/v5/market/*`).
//!
//! Every type is Serialize + Deserialize so the client parses what the mock server writes.

use super::num::{opt, text};
use super::WireError;
use crate::domain::{Interval, Money, Price, Qty, Rate, Side, Symbol};
use crate::exchange::bybit::error::ApiError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Every REST response: `{"retCode","retMsg","result","retExtInfo","time"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    pub ret_code: i64,
    pub ret_msg: String,
    pub result: T,
    #[serde(default)]
    pub ret_ext_info: serde_json::Value,
    #[serde(default)]
    pub time: i64,
}

impl<T> Envelope<T> {
    /// A success envelope (`retCode` 0, `retMsg` "OK", `retExtInfo` {}).
    pub fn ok(result: T, time: i64) -> Self {
        Envelope {
            ret_code: 0,
            ret_msg: "OK".into(),
            result,
            ret_ext_info: serde_json::Value::Object(Default::default()),
            time,
        }
    }
}

impl Envelope<EmptyResult> {
    /// An error envelope with `result: {}`, as Bybit sends.
    pub fn error(code: i64, msg: impl Into<String>, time: i64) -> Self {
        Envelope {
            ret_code: code,
            ret_msg: msg.into(),
            result: EmptyResult {},
            ret_ext_info: serde_json::Value::Object(Default::default()),
            time,
        }
    }
}

/// The `{}` result of set-leverage, trading-stop and error envelopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EmptyResult {}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Head {
    ret_code: i64,
    #[serde(default)]
    ret_msg: String,
}

/// A REST body that failed: either it is not what we expected, or Bybit said no.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// Parses a REST body: a non-zero `retCode` becomes an [`ApiError`] (whatever `result` holds),
/// otherwise `result` is parsed as `T`.
pub fn parse_response<T: DeserializeOwned>(body: &str) -> Result<Envelope<T>, ResponseError> {
    let head: Head = serde_json::from_str(body).map_err(|e| WireError::json("REST envelope", &e, body))?;
    if head.ret_code != 0 {
        return Err(ApiError::from_ret_code(head.ret_code, head.ret_msg).into());
    }
    serde_json::from_str(body).map_err(|e| WireError::json(std::any::type_name::<T>(), &e, body).into())
}

/// `GET /v5/market/time`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerTime {
    #[serde(with = "text")]
    pub time_second: i64,
    #[serde(with = "text")]
    pub time_nano: i64,
}

impl ServerTime {
    pub fn from_ms(ms: i64) -> Self {
        ServerTime { time_second: ms.div_euclid(1000), time_nano: ms.saturating_mul(1_000_000) }
    }
    pub fn ms(&self) -> i64 {
        self.time_nano.div_euclid(1_000_000)
    }
}

/// `GET /v5/market/kline`: rows newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KlineResult {
    #[serde(default)]
    pub category: String,
    pub symbol: Symbol,
    pub list: Vec<KlineRow>,
}

/// `[startTime, open, high, low, close, volume, turnover]`, all strings (volume and turnover
/// are analytics values, `f64`: they overflow fixed point on some symbols).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KlineRow(
    #[serde(with = "text")] pub i64,
    pub Price,
    pub Price,
    pub Price,
    pub Price,
    #[serde(with = "text")] pub f64,
    #[serde(with = "text")] pub f64,
);

impl KlineRow {
    pub fn start_ms(&self) -> i64 {
        self.0
    }
}

/// `GET /v5/market/tickers` (linear and spot share the item type, spot leaves fields out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TickersResult {
    #[serde(default)]
    pub category: String,
    pub list: Vec<super::TickerData>,
}

/// A price level as Bybit writes it: `["69712.30","3.877"]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireLevel(pub Price, pub Qty);

/// `GET /v5/market/orderbook`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderbookResult {
    pub s: Symbol,
    pub b: Vec<WireLevel>,
    pub a: Vec<WireLevel>,
    pub ts: i64,
    pub u: u64,
    #[serde(default)]
    pub seq: u64,
    #[serde(default)]
    pub cts: i64,
}

/// `GET /v5/market/instruments-info`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstrumentsResult {
    #[serde(default)]
    pub category: String,
    pub list: Vec<InstrumentInfo>,
    #[serde(default)]
    pub next_page_cursor: String,
}

/// One instrument (linear or spot; fields the other category lacks are `None`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstrumentInfo {
    pub symbol: Symbol,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_type: Option<String>,
    pub status: String,
    #[serde(default)]
    pub base_coin: String,
    #[serde(default)]
    pub quote_coin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settle_coin: Option<String>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub price_scale: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leverage_filter: Option<LeverageFilter>,
    pub price_filter: PriceFilter,
    pub lot_size_filter: LotSizeFilter,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding_interval: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeverageFilter {
    pub min_leverage: Rate,
    pub max_leverage: Rate,
    pub leverage_step: Rate,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceFilter {
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub min_price: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub max_price: Option<Price>,
    pub tick_size: Price,
}

/// Linear: `minOrderQty, maxOrderQty, qtyStep, maxMktOrderQty, minNotionalValue`;
/// spot: `basePrecision` (qty step), `minOrderQty`, `maxLimitOrderQty`, `maxMarketOrderQty`,
/// `minOrderAmt` (min value).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LotSizeFilter {
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub min_order_qty: Option<Qty>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub max_order_qty: Option<Qty>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub qty_step: Option<Qty>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub max_mkt_order_qty: Option<Qty>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub min_notional_value: Option<Money>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub post_only_max_order_qty: Option<Qty>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub base_precision: Option<Qty>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub quote_precision: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub min_order_amt: Option<Money>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub max_order_amt: Option<Money>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub max_limit_order_qty: Option<Qty>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub max_market_order_qty: Option<Qty>,
}

/// `GET /v5/market/open-interest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenInterestResult {
    #[serde(default)]
    pub category: String,
    pub symbol: Symbol,
    pub list: Vec<OpenInterestItem>,
    #[serde(default)]
    pub next_page_cursor: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenInterestItem {
    pub open_interest: Qty,
    #[serde(with = "text")]
    pub timestamp: i64,
}

/// `GET /v5/market/funding/history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundingHistoryResult {
    #[serde(default)]
    pub category: String,
    pub list: Vec<FundingItem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FundingItem {
    pub symbol: Symbol,
    pub funding_rate: Rate,
    #[serde(with = "text")]
    pub funding_rate_timestamp: i64,
}

/// `GET /v5/market/recent-trade`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecentTradeResult {
    #[serde(default)]
    pub category: String,
    pub list: Vec<RecentTradeItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentTradeItem {
    pub exec_id: String,
    pub symbol: Symbol,
    pub price: Price,
    pub size: Qty,
    pub side: Side,
    #[serde(with = "text")]
    pub time: i64,
    #[serde(default)]
    pub is_block_trade: bool,
    #[serde(default, rename = "isRPITrade")]
    pub is_rpi_trade: bool,
    /// A string here, a number elsewhere.
    #[serde(default, with = "opt")]
    pub seq: Option<u64>,
}

/// Kline `interval` tokens are the domain `Interval`'s serde names.
pub fn interval_param(i: Interval) -> &'static str {
    i.as_bybit()
}
