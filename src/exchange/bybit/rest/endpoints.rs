//! The typed Bybit V5 endpoints the workstation uses, on top of [`RestClient`]'s request core.

use super::{Query, RestClient, RestError, Retry};
use crate::domain::{Candle, Interval, PositionMode, Symbol};
use crate::exchange::bybit::convert::candles_from_rows as convert_candles;
use crate::exchange::bybit::error::ErrorKind;
use crate::exchange::bybit::wire::{
    AmendOrderRequest, ApiKeyInfo, CancelAllRequest, CancelAllResult, CancelOrderRequest, Category, CreateOrderRequest,
    EmptyResult, ExecutionListResult, FundingHistoryResult, InstrumentInfo, InstrumentsResult, KlineResult,
    OpenInterestResult, OrderIdResult, OrderListResult, OrderbookResult, PositionListResult, RecentTradeResult,
    ServerTime, SetLeverageRequest, SwitchModeRequest, TickersResult, TradingStopRequest, WalletBalanceResult,
    WireError,
};

/// `GET /v5/market/kline` parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KlineQuery {
    pub category: Category,
    pub symbol: Symbol,
    pub interval: Interval,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    /// 1..=1000 (Bybit default 200).
    pub limit: Option<u32>,
}

/// `GET /v5/order/realtime` / `/v5/order/history` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderListQuery {
    pub symbol: Option<Symbol>,
    pub settle_coin: Option<String>,
    pub order_link_id: Option<String>,
    pub order_id: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl OrderListQuery {
    fn to_query(&self, category: Category) -> Query {
        Query::new()
            .add("category", category.as_str())
            .opt("symbol", self.symbol)
            .opt("settleCoin", self.settle_coin.as_deref())
            .opt("orderLinkId", self.order_link_id.as_deref())
            .opt("orderId", self.order_id.as_deref())
            .opt("limit", self.limit)
            .opt("cursor", self.cursor.as_deref())
    }
}

fn body_of<T: serde::Serialize>(path: &'static str, v: &T) -> Result<String, RestError> {
    serde_json::to_string(v)
        .map_err(|e| RestError::Wire { path, source: WireError::value("request body", e.to_string()) })
}

impl RestClient {
    // ---- market data (public) ----

    pub async fn server_time(&self) -> Result<ServerTime, RestError> {
        self.get("/v5/market/time", &Query::new(), false).await
    }

    pub async fn kline(&self, q: &KlineQuery) -> Result<KlineResult, RestError> {
        let query = Query::new()
            .add("category", q.category.as_str())
            .add("symbol", q.symbol)
            .add("interval", q.interval.as_bybit())
            .opt("start", q.start_ms)
            .opt("end", q.end_ms)
            .opt("limit", q.limit);
        self.get("/v5/market/kline", &query, false).await
    }

    /// Closed candles with `start_ms <= ts <= end_ms`, oldest first, paging backwards in
    /// 1000-row pages; the still-open bar (if any) is left out.
    pub async fn closed_candles(
        &self,
        category: Category,
        symbol: Symbol,
        interval: Interval,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<Candle>, RestError> {
        let now = self.server_now_ms();
        self.candles_closed_by(category, symbol, interval, start_ms, end_ms, now).await
    }

    /// Candles with `start_ms <= ts < before_ms`, oldest first, where `before_ms` is the open
    /// time of a bar already known to be closed (a confirmed stream kline): every earlier bar
    /// is closed too, whatever the server clock says. This is what closes a hole in a stream;
    /// it also works against a mock whose market clock runs ahead of its server time.
    pub async fn closed_candles_before(
        &self,
        category: Category,
        symbol: Symbol,
        interval: Interval,
        start_ms: i64,
        before_ms: i64,
    ) -> Result<Vec<Candle>, RestError> {
        let now = self.server_now_ms().max(before_ms);
        self.candles_closed_by(category, symbol, interval, start_ms, before_ms - 1, now).await
    }

    /// The pager behind `closed_candles*`: a row counts as closed when its bar ended by `now`.
    async fn candles_closed_by(
        &self,
        category: Category,
        symbol: Symbol,
        interval: Interval,
        start_ms: i64,
        end_ms: i64,
        now: i64,
    ) -> Result<Vec<Candle>, RestError> {
        let mut out: Vec<Candle> = Vec::new();
        let mut end = end_ms;
        for _page in 0..100 {
            if end < start_ms {
                break;
            }
            let q = KlineQuery {
                category,
                symbol,
                interval,
                start_ms: Some(start_ms),
                end_ms: Some(end),
                limit: Some(1000),
            };
            let r = self.kline(&q).await?;
            let rows = r.list.len();
            let mut page = convert_candles(&r.list, symbol, interval, now);
            page.retain(|c| c.closed && c.ts_ms >= start_ms && c.ts_ms <= end_ms);
            let oldest = r.list.iter().map(|k| k.start_ms()).min();
            page.append(&mut out);
            out = page;
            match oldest {
                Some(o) if rows >= 1000 => end = o - 1,
                _ => break,
            }
        }
        out.sort_by_key(|c| c.ts_ms);
        out.dedup_by_key(|c| c.ts_ms);
        Ok(out)
    }

    pub async fn tickers(&self, category: Category, symbol: Option<Symbol>) -> Result<TickersResult, RestError> {
        let q = Query::new().add("category", category.as_str()).opt("symbol", symbol);
        self.get("/v5/market/tickers", &q, false).await
    }

    pub async fn orderbook(
        &self,
        category: Category,
        symbol: Symbol,
        limit: u32,
    ) -> Result<OrderbookResult, RestError> {
        let q = Query::new().add("category", category.as_str()).add("symbol", symbol).add("limit", limit);
        self.get("/v5/market/orderbook", &q, false).await
    }

    /// All instruments of a category (or one symbol), following `nextPageCursor`.
    pub async fn instruments_info(
        &self,
        category: Category,
        symbol: Option<Symbol>,
    ) -> Result<Vec<InstrumentInfo>, RestError> {
        let mut out = Vec::new();
        let mut cursor = String::new();
        for _page in 0..50 {
            let q = Query::new()
                .add("category", category.as_str())
                .opt("symbol", symbol)
                .add("limit", 1000)
                .add("cursor", &cursor);
            let r: InstrumentsResult = self.get("/v5/market/instruments-info", &q, false).await?;
            out.extend(r.list);
            if r.next_page_cursor.is_empty() || r.next_page_cursor == cursor {
                break;
            }
            cursor = r.next_page_cursor;
        }
        Ok(out)
    }

    /// `interval_time`: `5min`, `15min`, `30min`, `1h`, `4h`, `1d`.
    pub async fn open_interest(
        &self,
        category: Category,
        symbol: Symbol,
        interval_time: &str,
        limit: u32,
    ) -> Result<OpenInterestResult, RestError> {
        let q = Query::new()
            .add("category", category.as_str())
            .add("symbol", symbol)
            .add("intervalTime", interval_time)
            .add("limit", limit);
        self.get("/v5/market/open-interest", &q, false).await
    }

    pub async fn funding_history(
        &self,
        category: Category,
        symbol: Symbol,
        limit: u32,
    ) -> Result<FundingHistoryResult, RestError> {
        let q = Query::new().add("category", category.as_str()).add("symbol", symbol).add("limit", limit);
        self.get("/v5/market/funding/history", &q, false).await
    }

    pub async fn recent_trades(
        &self,
        category: Category,
        symbol: Symbol,
        limit: u32,
    ) -> Result<RecentTradeResult, RestError> {
        let q = Query::new().add("category", category.as_str()).add("symbol", symbol).add("limit", limit);
        self.get("/v5/market/recent-trade", &q, false).await
    }

    // ---- trading (signed) ----

    /// Places an order. With an `orderLinkId` a lost answer is retried with the same body; if
    /// Bybit then says 110072 (the first try did land) the order is looked up by its
    /// `orderLinkId` and its ids returned, so the caller never sees a false failure.
    pub async fn create_order(&self, req: &CreateOrderRequest) -> Result<OrderIdResult, RestError> {
        const PATH: &str = "/v5/order/create";
        let body = body_of(PATH, req)?;
        let link = req.order_link_id.clone().filter(|l| !l.is_empty());
        let r = self.post::<OrderIdResult>(PATH, &body, Retry::Create { has_link_id: link.is_some() }).await;
        match (&r, &link) {
            (Err(RestError::Api { attempts, source, .. }), Some(link))
                if *attempts > 1 && source.kind == ErrorKind::DuplicateOrderLinkId =>
            {
                let category = Category::parse(&req.category).unwrap_or(Category::Linear);
                let q = OrderListQuery {
                    symbol: Some(req.symbol),
                    order_link_id: Some(link.clone()),
                    ..Default::default()
                };
                let found = self.open_orders(category, &q).await?;
                match found.list.first() {
                    Some(o) => Ok(OrderIdResult { order_id: o.order_id.clone(), order_link_id: link.clone() }),
                    None => r,
                }
            }
            _ => r,
        }
    }

    pub async fn amend_order(&self, req: &AmendOrderRequest) -> Result<OrderIdResult, RestError> {
        const PATH: &str = "/v5/order/amend";
        self.post(PATH, &body_of(PATH, req)?, Retry::Safe).await
    }

    pub async fn cancel_order(&self, req: &CancelOrderRequest) -> Result<OrderIdResult, RestError> {
        const PATH: &str = "/v5/order/cancel";
        self.post(PATH, &body_of(PATH, req)?, Retry::Safe).await
    }

    pub async fn cancel_all(&self, req: &CancelAllRequest) -> Result<CancelAllResult, RestError> {
        const PATH: &str = "/v5/order/cancel-all";
        self.post(PATH, &body_of(PATH, req)?, Retry::Safe).await
    }

    /// Open orders (`/v5/order/realtime`).
    pub async fn open_orders(&self, category: Category, q: &OrderListQuery) -> Result<OrderListResult, RestError> {
        self.get("/v5/order/realtime", &q.to_query(category), true).await
    }

    pub async fn order_history(&self, category: Category, q: &OrderListQuery) -> Result<OrderListResult, RestError> {
        self.get("/v5/order/history", &q.to_query(category), true).await
    }

    pub async fn executions(
        &self,
        category: Category,
        symbol: Option<Symbol>,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<ExecutionListResult, RestError> {
        let q = Query::new()
            .add("category", category.as_str())
            .opt("symbol", symbol)
            .add("limit", limit)
            .opt("cursor", cursor);
        self.get("/v5/execution/list", &q, true).await
    }

    /// Positions of one symbol, or all open ones in `settle_coin`.
    pub async fn positions(
        &self,
        category: Category,
        symbol: Option<Symbol>,
        settle_coin: Option<&str>,
    ) -> Result<PositionListResult, RestError> {
        let q = Query::new()
            .add("category", category.as_str())
            .opt("symbol", symbol)
            .opt("settleCoin", if symbol.is_none() { settle_coin } else { None })
            .add("limit", 200);
        self.get("/v5/position/list", &q, true).await
    }

    /// Sets leverage; "not modified" (110043) counts as success.
    pub async fn set_leverage(&self, req: &SetLeverageRequest) -> Result<(), RestError> {
        const PATH: &str = "/v5/position/set-leverage";
        match self.post::<EmptyResult>(PATH, &body_of(PATH, req)?, Retry::Safe).await {
            Err(e) if e.api().is_some_and(|a| a.is_benign()) => Ok(()),
            r => r.map(|_| ()),
        }
    }

    /// Switches `symbol` (linear) to `mode` (`/v5/position/switch-mode`). `Ok(true)` when it
    /// switched, `Ok(false)` when it already was in that mode (110025). A symbol with a position
    /// (110024) or open orders (110028) cannot switch: that comes back as the API error.
    pub async fn switch_position_mode(&self, symbol: Symbol, mode: PositionMode) -> Result<bool, RestError> {
        const PATH: &str = "/v5/position/switch-mode";
        let req = SwitchModeRequest {
            category: Category::Linear.as_str().into(),
            symbol: Some(symbol),
            coin: None,
            mode: mode.code().into(),
        };
        match self.post::<EmptyResult>(PATH, &body_of(PATH, &req)?, Retry::Safe).await {
            Err(e) if e.api().is_some_and(|a| a.code == 110025) => Ok(false),
            r => r.map(|_| true),
        }
    }

    /// Sets position TP/SL/trailing stop; "not modified" (34040) counts as success.
    pub async fn trading_stop(&self, req: &TradingStopRequest) -> Result<(), RestError> {
        const PATH: &str = "/v5/position/trading-stop";
        match self.post::<EmptyResult>(PATH, &body_of(PATH, req)?, Retry::Safe).await {
            Err(e) if e.api().is_some_and(|a| a.is_benign()) => Ok(()),
            r => r.map(|_| ()),
        }
    }

    /// `accountType` `UNIFIED`; `coin` e.g. `USDT`.
    pub async fn wallet_balance(&self, coin: Option<&str>) -> Result<WalletBalanceResult, RestError> {
        let q = Query::new().add("accountType", "UNIFIED").opt("coin", coin);
        self.get("/v5/account/wallet-balance", &q, true).await
    }

    /// The calling key's permissions.
    pub async fn query_api(&self) -> Result<ApiKeyInfo, RestError> {
        self.get("/v5/user/query-api", &Query::new(), true).await
    }
}
