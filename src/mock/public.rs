//! Bybit JSON for public market data (REST result items and WebSocket frames): numbers as
//! strings with the instrument's decimals, timestamps as the docs type them.

use super::state::{BookView, MarketState};
use crate::domain::{Candle, Instrument, Interval, Level, Liquidation, Price, Qty, Side, Ticker, Trade};
use crate::exchange::bybit::wire::num::format_on_step;
use serde_json::{json, Map, Value};

pub(crate) fn px(inst: &Instrument, p: Price) -> String {
    format_on_step(p.raw(), inst.tick_size.raw())
}

pub(crate) fn qt(inst: &Instrument, q: Qty) -> String {
    format_on_step(q.raw(), inst.qty_step.raw())
}

/// A float base-coin amount with the quantity's decimals.
pub(crate) fn qf(inst: &Instrument, v: f64) -> String {
    let d = crate::exchange::bybit::wire::num::decimals_of(inst.qty_step.raw()) as usize;
    format!("{:.*}", d, if v.is_finite() { v } else { 0.0 })
}

/// Close time (exclusive) of the bar of `iv` opening at `start`.
pub(crate) fn bar_end(iv: Interval, start: i64) -> i64 {
    match iv.duration_ms() {
        Some(d) => start + d,
        None => iv.bar_open(start + 32 * 86_400_000),
    }
}

/// Parses a Bybit interval token strictly (`1 3 5 ... D W M`).
pub(crate) fn parse_interval(s: &str) -> Option<Interval> {
    Interval::ALL.iter().copied().find(|i| i.as_bybit() == s)
}

/// Merges a later bar into an aggregate of a longer interval.
pub(crate) fn merge(agg: &mut Candle, c: &Candle) {
    agg.high = agg.high.max(c.high);
    agg.low = agg.low.min(c.low);
    agg.close = c.close;
    agg.volume += c.volume;
    agg.turnover += c.turnover;
}

/// REST kline row: `[start, open, high, low, close, volume, turnover]`, all strings.
pub(crate) fn kline_row(inst: &Instrument, c: &Candle) -> Value {
    json!([
        c.ts_ms.to_string(),
        px(inst, c.open),
        px(inst, c.high),
        px(inst, c.low),
        px(inst, c.close),
        qf(inst, c.volume),
        format!("{:.4}", c.turnover),
    ])
}

/// WebSocket kline frame for `c` (aggregated to `iv`).
pub(crate) fn kline_frame(inst: &Instrument, iv: Interval, c: &Candle, confirm: bool, now: i64) -> (String, String) {
    let topic = format!("kline.{}.{}", iv.as_bybit(), inst.symbol);
    let end = bar_end(iv, c.ts_ms) - 1;
    let frame = json!({
        "topic": topic,
        "type": "snapshot",
        "ts": now,
        "data": [{
            "start": c.ts_ms, "end": end, "interval": iv.as_bybit(),
            "open": px(inst, c.open), "close": px(inst, c.close), "high": px(inst, c.high), "low": px(inst, c.low),
            "volume": qf(inst, c.volume), "turnover": format!("{:.4}", c.turnover),
            "confirm": confirm, "timestamp": now.min(end),
        }]
    });
    (topic, frame.to_string())
}

/// Deterministic UUID-shaped id of a public trade.
pub(crate) fn trade_uuid(symbol: &str, id: u64) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in symbol.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    let a = splitmix(h ^ id);
    let b = splitmix(a);
    format!(
        "{:08x}-{:04x}-5{:03x}-{:04x}-{:012x}",
        (a >> 32) as u32,
        (a >> 16) as u16,
        (a & 0xfff) as u16,
        0x8000 | ((b >> 48) as u16 & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(crate) fn tick_direction(prev: Price, now: Price) -> &'static str {
    if now >= prev {
        if now > prev {
            "PlusTick"
        } else {
            "ZeroPlusTick"
        }
    } else {
        "MinusTick"
    }
}

/// WebSocket `publicTrade` item.
pub(crate) fn ws_trade(inst: &Instrument, t: &Trade, tick: &str, seq: u64) -> Value {
    json!({
        "T": t.ts_ms, "s": inst.symbol.as_str(), "S": t.taker_side.as_str(), "v": qt(inst, t.qty),
        "p": px(inst, t.price), "L": tick, "i": trade_uuid(inst.symbol.as_str(), t.trade_id),
        "BT": false, "RPI": false, "seq": seq,
    })
}

/// REST recent-trade item.
pub(crate) fn rest_trade(inst: &Instrument, t: &Trade) -> Value {
    json!({
        "execId": trade_uuid(inst.symbol.as_str(), t.trade_id), "symbol": inst.symbol.as_str(),
        "price": px(inst, t.price), "size": qt(inst, t.qty), "side": t.taker_side.as_str(),
        "time": t.ts_ms.to_string(), "isBlockTrade": false, "isRPITrade": false, "seq": t.trade_id.to_string(),
    })
}

pub(crate) fn levels(inst: &Instrument, ls: &[Level]) -> Value {
    Value::Array(ls.iter().map(|l| json!([px(inst, l.price), qt(inst, l.qty)])).collect())
}

/// Order-book frame for a view (`snapshot` carries the whole view).
pub(crate) fn book_snapshot(ms: &MarketState, view: &BookView, now: i64) -> String {
    json!({
        "topic": format!("orderbook.{}.{}", view.depth, ms.inst.symbol),
        "type": "snapshot",
        "ts": now,
        "data": {"s": ms.inst.symbol.as_str(), "b": levels(&ms.inst, &view.bids), "a": levels(&ms.inst, &view.asks),
                 "u": view.u, "seq": ms.seq},
        "cts": ms.book_ts,
    })
    .to_string()
}

/// Changes from `old` to `new` levels: new or resized levels, and removed ones with size "0".
pub(crate) fn level_diff(inst: &Instrument, old: &[Level], new: &[Level]) -> Vec<Value> {
    let mut out = Vec::new();
    for l in new {
        match old.iter().find(|o| o.price == l.price) {
            Some(o) if o.qty == l.qty => {}
            _ => out.push(json!([px(inst, l.price), qt(inst, l.qty)])),
        }
    }
    for o in old {
        if !new.iter().any(|l| l.price == o.price) {
            out.push(json!([px(inst, o.price), "0"]));
        }
    }
    out
}

/// Linear ticker fields (REST and WebSocket share them; REST adds a few).
pub(crate) fn ticker_fields(ms: &MarketState, t: &Ticker) -> Map<String, Value> {
    let inst = &ms.inst;
    let (bid_size, ask_size) = (
        ms.book.best_bid().map(|l| qt(inst, l.qty)).unwrap_or_else(|| "0".into()),
        ms.book.best_ask().map(|l| qt(inst, l.qty)).unwrap_or_else(|| "0".into()),
    );
    let last = if ms.last_price.is_positive() { ms.last_price } else { t.last_price };
    let pct = t.price_24h_pct / 100.0;
    let prev24 = last.to_f64() / (1.0 + pct);
    let (hi, lo) = day_range(ms, last);
    let oi = t.open_interest;
    let v = json!({
        "symbol": inst.symbol.as_str(),
        "tickDirection": tick_direction(ms.prev_price, last),
        "price24hPcnt": format!("{pct:.6}"),
        "lastPrice": px(inst, last),
        "prevPrice24h": px(inst, Price::from_f64(prev24).unwrap_or(last).round_to(inst.tick_size, crate::domain::Rounding::Nearest)),
        "highPrice24h": px(inst, hi),
        "lowPrice24h": px(inst, lo),
        "prevPrice1h": px(inst, ms.candles.iter().rev().nth(59).map(|c| c.close).unwrap_or(last)),
        "markPrice": px(inst, t.mark_price),
        "indexPrice": px(inst, t.index_price),
        "openInterest": qf(inst, oi),
        "openInterestValue": format!("{:.2}", oi * last.to_f64()),
        "turnover24h": format!("{:.4}", t.turnover_24h),
        "volume24h": format!("{:.4}", t.volume_24h),
        "fundingRate": t.funding_rate.to_string(),
        "nextFundingTime": t.next_funding_ms.to_string(),
        "fundingIntervalHour": "8",
        "fundingCap": "0.005",
        "bid1Price": px(inst, ms.book.best_bid().map(|l| l.price).unwrap_or(t.bid1)),
        "bid1Size": bid_size,
        "ask1Price": px(inst, ms.book.best_ask().map(|l| l.price).unwrap_or(t.ask1)),
        "ask1Size": ask_size,
        "preOpenPrice": "", "preQty": "", "curPreListingPhase": "",
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// High and low of the last 24 hours of closed minutes (and `last`).
fn day_range(ms: &MarketState, last: Price) -> (Price, Price) {
    let mut hi = last;
    let mut lo = last;
    for c in ms.candles.iter().rev().take(1440) {
        hi = hi.max(c.high);
        lo = lo.min(c.low);
    }
    (hi, lo)
}

/// `allLiquidation` item and legacy `liquidation` object.
pub(crate) fn liquidation_frames(inst: &Instrument, l: &Liquidation, now: i64) -> [(String, String); 2] {
    let all = format!("allLiquidation.{}", inst.symbol);
    let old = format!("liquidation.{}", inst.symbol);
    let side = match l.side {
        Side::Buy => "Buy",
        Side::Sell => "Sell",
    };
    let a = json!({"topic": all, "type": "snapshot", "ts": now,
        "data": [{"T": l.ts_ms, "s": inst.symbol.as_str(), "S": side, "v": qt(inst, l.qty), "p": px(inst, l.price)}]});
    let b = json!({"topic": old, "type": "snapshot", "ts": now,
        "data": {"updatedTime": l.ts_ms, "symbol": inst.symbol.as_str(), "side": side, "size": qt(inst, l.qty),
                 "price": px(inst, l.price)}});
    [(all, a.to_string()), (old, b.to_string())]
}

/// Instruments-info item for a linear perpetual.
pub(crate) fn instrument_info(inst: &Instrument) -> Value {
    let base = inst.symbol.as_str().strip_suffix("USDT").unwrap_or(inst.symbol.as_str());
    let decimals = crate::exchange::bybit::wire::num::decimals_of(inst.tick_size.raw());
    json!({
        "symbol": inst.symbol.as_str(), "contractType": "LinearPerpetual", "status": "Trading",
        "baseCoin": base, "quoteCoin": "USDT", "settleCoin": "USDT", "symbolType": "",
        "launchTime": "1585526400000", "deliveryTime": "0", "deliveryFeeRate": "", "priceScale": decimals.to_string(),
        "leverageFilter": {"minLeverage": inst.min_leverage.to_string(), "maxLeverage": format!("{}.00", inst.max_leverage.to_f64() as i64), "leverageStep": "0.01"},
        "priceFilter": {"minPrice": px(inst, inst.tick_size), "maxPrice": px(inst, inst.tick_size.times(19_999_998)), "tickSize": px(inst, inst.tick_size)},
        "lotSizeFilter": {"maxOrderQty": qt(inst, inst.max_qty), "minOrderQty": qt(inst, inst.min_qty), "qtyStep": qt(inst, inst.qty_step),
            "postOnlyMaxOrderQty": qt(inst, inst.max_qty), "maxMktOrderQty": qt(inst, inst.max_market_qty),
            "minNotionalValue": inst.min_notional.to_string()},
        "unifiedMarginTrade": true, "fundingInterval": 480, "copyTrading": "both",
        "upperFundingRate": "0.00375", "lowerFundingRate": "-0.00375", "displayName": "", "forbidUplWithdrawal": false,
        "riskParameters": {"priceLimitRatioX": "0.01", "priceLimitRatioY": "0.02"},
        "isPreListing": false, "preListingInfo": null,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Symbol;

    fn btc() -> Instrument {
        Instrument::demo(Symbol::new("BTCUSDT").unwrap(), "0.1", "0.001", "0.001", "100")
    }

    #[test]
    fn numbers_use_the_instrument_decimals() {
        let i = btc();
        assert_eq!(px(&i, "64000".parse().unwrap()), "64000.0");
        assert_eq!(qt(&i, "0.01".parse().unwrap()), "0.010");
        assert_eq!(qf(&i, 1.23456), "1.235");
    }

    #[test]
    fn level_diff_adds_resizes_and_deletes() {
        let i = btc();
        let l = |p: &str, q: &str| Level { price: p.parse().unwrap(), qty: q.parse().unwrap() };
        let old = vec![l("100.0", "1"), l("99.9", "2")];
        let new = vec![l("100.0", "1"), l("99.9", "3"), l("99.8", "1")];
        let d = level_diff(&i, &old, &new);
        assert_eq!(Value::Array(d).to_string(), r#"[["99.9","3.000"],["99.8","1.000"]]"#);
        let d = level_diff(&i, &new, &old[..1]);
        assert_eq!(Value::Array(d).to_string(), r#"[["99.9","0"],["99.8","0"]]"#);
    }

    #[test]
    fn intervals_parse_strictly_and_bars_end() {
        assert_eq!(parse_interval("60"), Some(Interval::H1));
        assert_eq!(parse_interval("1h"), None);
        assert_eq!(bar_end(Interval::M5, 300_000), 600_000);
        // February 2024 has 29 days: 2024-02-01 -> 2024-03-01.
        assert_eq!(bar_end(Interval::Month, 1_706_745_600_000), 1_709_251_200_000);
    }

    #[test]
    fn trade_ids_are_stable() {
        assert_eq!(trade_uuid("BTCUSDT", 7), trade_uuid("BTCUSDT", 7));
        assert_ne!(trade_uuid("BTCUSDT", 7), trade_uuid("ETHUSDT", 7));
        assert_eq!(tick_direction("1".parse().unwrap(), "2".parse().unwrap()), "PlusTick");
    }
}
