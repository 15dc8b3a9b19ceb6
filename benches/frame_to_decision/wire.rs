//! The bench's market as Bybit V5 wire frames: the demo generator's events rendered as the
//! public stream's text frames, tagged with their kind.

use autobot::data::generator::{GeneratorConfig, MarketGenerator};
use autobot::domain::{BookUpdateKind, Event};
use std::fmt::Write as _;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Kind {
    Book,
    Trade,
    Ticker,
    Liquidation,
    Kline,
}

pub const KINDS: [Kind; 5] = [Kind::Book, Kind::Trade, Kind::Ticker, Kind::Liquidation, Kind::Kline];

/// Whether a kline frame closes a bar of the strategy timeframe (the engine aggregates the
/// 1-minute klines into those bars; the frame that completes one runs indicators, analysis,
/// modes, risk and the order manager). Other frames: false.
pub fn closes_bar(kind: Kind, text: &str, bar_ms: i64) -> bool {
    if kind != Kind::Kline {
        return false;
    }
    let start = text
        .split_once("\"start\":")
        .and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse::<i64>().ok());
    start.is_some_and(|start| (start + 60_000) % bar_ms == 0)
}

/// One generated event as Bybit sends it.
fn frame(e: &Event) -> Option<(Kind, String)> {
    let mut s = String::with_capacity(256);
    let kind = match e {
        Event::Book(b) => {
            let kind = if b.kind == BookUpdateKind::Snapshot { "snapshot" } else { "delta" };
            let side = |levels: &[autobot::domain::Level]| {
                let v: Vec<String> = levels.iter().map(|l| format!("[\"{}\",\"{}\"]", l.price, l.qty)).collect();
                v.join(",")
            };
            let _ = write!(
                s,
                r#"{{"topic":"orderbook.50.{sym}","type":"{kind}","ts":{ts},"data":{{"s":"{sym}","b":[{b}],"a":[{a}],"u":{u},"seq":{seq}}},"cts":{ts}}}"#,
                sym = b.symbol,
                ts = b.ts_ms,
                b = side(&b.bids),
                a = side(&b.asks),
                u = b.update_id,
                seq = b.seq
            );
            Kind::Book
        }
        Event::Trade(t) => {
            let _ = write!(
                s,
                r#"{{"topic":"publicTrade.{sym}","type":"snapshot","ts":{ts},"data":[{{"T":{ts},"s":"{sym}","S":"{side}","v":"{v}","p":"{p}","L":"PlusTick","i":"{id}","BT":false,"RPI":false,"seq":{id}}}]}}"#,
                sym = t.symbol,
                ts = t.ts_ms,
                side = t.taker_side,
                v = t.qty,
                p = t.price,
                id = t.trade_id
            );
            Kind::Trade
        }
        Event::Liquidation(l) => {
            let _ = write!(
                s,
                r#"{{"topic":"allLiquidation.{sym}","type":"snapshot","ts":{ts},"data":[{{"T":{ts},"s":"{sym}","S":"{side}","v":"{v}","p":"{p}"}}]}}"#,
                sym = l.symbol,
                ts = l.ts_ms,
                side = l.side,
                v = l.qty,
                p = l.price
            );
            Kind::Liquidation
        }
        Event::Ticker(t) => {
            let _ = write!(
                s,
                r#"{{"topic":"tickers.{sym}","type":"snapshot","data":{{"symbol":"{sym}","tickDirection":"PlusTick","price24hPcnt":"{pct:.6}","lastPrice":"{last}","markPrice":"{mark}","indexPrice":"{index}","openInterest":"{oi:.3}","turnover24h":"{to:.4}","volume24h":"{vol:.4}","nextFundingTime":"{nf}","fundingRate":"{fr}","bid1Price":"{bid}","bid1Size":"1.000","ask1Price":"{ask}","ask1Size":"1.000"}},"cs":1,"ts":{ts}}}"#,
                sym = t.symbol,
                ts = t.ts_ms,
                pct = t.price_24h_pct,
                last = t.last_price,
                mark = t.mark_price,
                index = t.index_price,
                oi = t.open_interest,
                to = t.turnover_24h,
                vol = t.volume_24h,
                nf = t.next_funding_ms,
                fr = t.funding_rate,
                bid = t.bid1,
                ask = t.ask1
            );
            Kind::Ticker
        }
        Event::Candle(c) => {
            let _ = write!(
                s,
                r#"{{"topic":"kline.1.{sym}","data":[{{"start":{start},"end":{end},"interval":"1","open":"{o}","close":"{c}","high":"{h}","low":"{l}","volume":"{v:.3}","turnover":"{to:.4}","confirm":true,"timestamp":{end}}}],"ts":{end},"type":"snapshot"}}"#,
                sym = c.symbol,
                start = c.ts_ms,
                end = c.ts_ms + 59_999,
                o = c.open,
                c = c.close,
                h = c.high,
                l = c.low,
                v = c.volume,
                to = c.turnover
            );
            Kind::Kline
        }
        _ => return None,
    };
    Some((kind, s))
}

/// Wire frames with their kinds, in arrival order.
pub type Frames = Vec<(Kind, String)>;

/// One generated market as wire frames in arrival order: its first `warm` minutes (the warm-up)
/// and the `measured` minutes that follow them, so time runs on from warm-up to measurement as
/// in a live session.
pub fn market(seed: u64, warm: usize, measured: usize) -> (Frames, Frames) {
    let mut generator = MarketGenerator::new(GeneratorConfig { seed, ..GeneratorConfig::default() });
    let mut events = Vec::new();
    let mut minutes = |n: usize| {
        let mut out = Vec::new();
        for _ in 0..n {
            events.clear();
            generator.next_minute(&mut events);
            out.extend(events.iter().filter_map(frame));
        }
        out
    };
    let w = minutes(warm);
    (w, minutes(measured))
}
