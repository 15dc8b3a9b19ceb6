//! Bybit V5 wire types: the JSON shapes of REST results and WebSocket messages, typed with our
//! exact fixed-point numbers. Shared by the client (parse) and the mock server (write).

pub(crate) mod fast;
pub mod num;
pub mod private;
pub mod public;
pub mod rest;
pub mod ticker;
pub mod trade;
pub mod wallet;
pub mod ws;

pub use private::{ExecutionItem, OrderItem, PositionItem, PrivateMsg};
pub use public::{BookData, KlineItem, LiquidationItem, PublicMsg, TradeItem};
pub use rest::{
    parse_response, EmptyResult, Envelope, FundingHistoryResult, InstrumentInfo, InstrumentsResult, KlineResult,
    KlineRow, LeverageFilter, LotSizeFilter, OpenInterestItem, OpenInterestResult, OrderbookResult, PriceFilter,
    RecentTradeItem, RecentTradeResult, ResponseError, ServerTime, TickersResult, WireLevel,
};
pub use ticker::TickerData;
pub use trade::{
    AmendOrderRequest, ApiKeyInfo, CancelAllRequest, CancelAllResult, CancelOrderRequest, CreateOrderRequest,
    ExecutionListResult, OrderIdResult, OrderListResult, PositionListResult, SetLeverageRequest, SwitchModeRequest,
    TradingStopRequest, WalletBalanceResult,
};
pub use wallet::{WalletAccount, WalletCoin};
pub use ws::{Category, Topic, WsRequest, WsResponse};

/// A message that is not valid JSON or not the shape we expect; carries the start of the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("bad {what}: {msg} in `{snippet}`")]
    Json { what: &'static str, msg: String, snippet: String },
    #[error("unknown topic `{0}`")]
    UnknownTopic(String),
    #[error("bad value in {what}: {msg}")]
    Value { what: &'static str, msg: String },
}

impl WireError {
    /// A JSON error with the first 160 characters of the offending text.
    pub fn json(what: &'static str, e: &serde_json::Error, text: &str) -> WireError {
        let mut end = text.len().min(160);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        WireError::Json { what, msg: e.to_string(), snippet: text[..end].to_string() }
    }
    pub fn value(what: &'static str, msg: impl Into<String>) -> WireError {
        WireError::Value { what, msg: msg.into() }
    }
}
