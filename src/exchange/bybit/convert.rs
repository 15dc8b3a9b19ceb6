//! Conversions between REST results and domain types that do not belong to one wire struct:
//! instrument rules, kline rows, the REST order book and recent trades.

use super::wire::public::trade_id_of;
use super::wire::{
    InstrumentInfo, KlineRow, LeverageFilter, LotSizeFilter, OrderbookResult, PriceFilter, RecentTradeItem, WireError,
    WireLevel,
};
use crate::domain::{BookUpdate, BookUpdateKind, Candle, Instrument, Interval, Level, Money, Qty, Rate, Symbol, Trade};

impl InstrumentInfo {
    /// The instrument rules. Linear: `tickSize`, `qtyStep`, `minOrderQty`, `maxOrderQty`,
    /// `maxMktOrderQty`, `minNotionalValue`, leverage filter. Spot: `basePrecision` is the step,
    /// `maxLimitOrderQty`/`maxMarketOrderQty` the maxima, `minOrderAmt` the minimum value,
    /// leverage 1.
    pub fn to_instrument(&self) -> Result<Instrument, WireError> {
        let lot = &self.lot_size_filter;
        let qty_step =
            lot.qty_step.or(lot.base_precision).filter(|q| q.is_positive()).ok_or_else(|| {
                WireError::value("lotSizeFilter", format!("{}: no qtyStep/basePrecision", self.symbol))
            })?;
        let tick = self.price_filter.tick_size;
        if !tick.is_positive() {
            return Err(WireError::value("priceFilter", format!("{}: tickSize {tick}", self.symbol)));
        }
        let max_qty = lot.max_order_qty.or(lot.max_limit_order_qty).unwrap_or(Qty::MAX);
        let (min_lev, max_lev) = match &self.leverage_filter {
            Some(l) => (l.min_leverage, l.max_leverage),
            None => (Rate::ONE, Rate::ONE),
        };
        Ok(Instrument {
            symbol: self.symbol,
            tick_size: tick,
            qty_step,
            min_qty: lot.min_order_qty.unwrap_or(qty_step),
            max_qty,
            max_market_qty: lot.max_mkt_order_qty.or(lot.max_market_order_qty).unwrap_or(max_qty),
            min_notional: lot.min_notional_value.or(lot.min_order_amt).unwrap_or(Money::ZERO),
            min_leverage: min_lev,
            max_leverage: max_lev,
        })
    }

    /// A linear perpetual's instruments-info entry for the mock (settle coin USDT).
    pub fn from_instrument(i: &Instrument, base_coin: &str) -> InstrumentInfo {
        InstrumentInfo {
            symbol: i.symbol,
            contract_type: Some("LinearPerpetual".into()),
            status: "Trading".into(),
            base_coin: base_coin.into(),
            quote_coin: "USDT".into(),
            settle_coin: Some("USDT".into()),
            price_scale: Some(super::wire::num::decimals_of(i.tick_size.raw())),
            leverage_filter: Some(LeverageFilter {
                min_leverage: i.min_leverage,
                max_leverage: i.max_leverage,
                leverage_step: "0.01".parse().unwrap_or(Rate::ZERO),
            }),
            price_filter: PriceFilter { min_price: Some(i.tick_size), max_price: None, tick_size: i.tick_size },
            lot_size_filter: LotSizeFilter {
                min_order_qty: Some(i.min_qty),
                max_order_qty: Some(i.max_qty),
                qty_step: Some(i.qty_step),
                max_mkt_order_qty: Some(i.max_market_qty),
                min_notional_value: Some(i.min_notional),
                post_only_max_order_qty: Some(i.max_qty),
                ..Default::default()
            },
            funding_interval: Some(480),
        }
    }
}

impl KlineRow {
    /// A REST candle. REST rows carry no `confirm`: a row is closed when its bar ended at or
    /// before `now_ms` (the newest row is usually still open).
    pub fn to_candle(&self, symbol: Symbol, interval: Interval, now_ms: i64) -> Candle {
        let closed = match interval.duration_ms() {
            Some(d) => self.0.saturating_add(d) <= now_ms,
            None => self.0 < interval.bar_open(now_ms),
        };
        Candle {
            symbol,
            interval,
            ts_ms: self.0,
            open: self.1,
            high: self.2,
            low: self.3,
            close: self.4,
            volume: self.5,
            turnover: self.6,
            closed,
        }
    }

    pub fn from_candle(c: &Candle) -> KlineRow {
        KlineRow(c.ts_ms, c.open, c.high, c.low, c.close, c.volume, c.turnover)
    }
}

/// Oldest-first candles from a REST kline list (Bybit sends newest first).
pub fn candles_from_rows(rows: &[KlineRow], symbol: Symbol, interval: Interval, now_ms: i64) -> Vec<Candle> {
    rows.iter().rev().map(|r| r.to_candle(symbol, interval, now_ms)).collect()
}

impl OrderbookResult {
    /// The REST book as a snapshot update.
    pub fn to_update(&self) -> BookUpdate {
        let lv = |v: &Vec<WireLevel>| v.iter().map(|l| Level { price: l.0, qty: l.1 }).collect();
        BookUpdate {
            symbol: self.s,
            ts_ms: self.ts,
            kind: BookUpdateKind::Snapshot,
            update_id: self.u,
            seq: self.seq,
            bids: lv(&self.b),
            asks: lv(&self.a),
        }
    }
}

impl RecentTradeItem {
    pub fn to_trade(&self) -> Trade {
        Trade {
            symbol: self.symbol,
            ts_ms: self.time,
            price: self.price,
            qty: self.size,
            taker_side: self.side,
            trade_id: trade_id_of(&self.exec_id),
        }
    }
}
