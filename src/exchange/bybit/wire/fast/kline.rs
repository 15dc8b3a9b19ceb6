//! Hand-rolled scanner for `kline.{interval}.{symbol}` frames: one per minute and symbol, and
//! the frame that closes a strategy bar is the engine's most expensive decision, so its parse
//! stays off serde's generic path. Like the other scanners it is only a shortcut: anything the
//! serde path would read differently or refuse (escapes, numbers sent as numbers, repeated or
//! missing fields, a bad interval, an empty volume) gives `None` and the caller uses serde.

use super::{MsgHead, Scan};
use crate::domain::{Candle, Interval, Price, Symbol};

impl Scan<'_> {
    /// Exactly these bytes next (no whitespace skipped).
    pub(super) fn lit(&mut self, l: &[u8]) -> Option<()> {
        let end = self.i.checked_add(l.len())?;
        (self.b.get(self.i..end)? == l).then(|| self.i = end)
    }
    /// `true` or `false`, with its value.
    fn boolean_value(&mut self) -> Option<bool> {
        self.ws();
        let value = self.b[self.i..].starts_with(b"true");
        self.boolean()?;
        Some(value)
    }
}

/// A `text` field (`"1.5"`): a non-empty string parsed with `FromStr`, as the serde helper does.
fn text_f64(s: &mut Scan<'_>) -> Option<f64> {
    let t = s.str()?;
    if t.is_empty() {
        return None;
    }
    exact_f64(t).or_else(|| t.parse().ok())
}

/// Plain decimals of at most 15 digits (`123.4567`, `-0.5`) without the general float parser:
/// the digits as an integer below 2^53 and the power of ten are both exact doubles, so one
/// division gives the correctly rounded value, the same double `FromStr` returns. Anything
/// else (more digits, exponents, a bare `.5` or `5.`, signs other than a leading `-`): `None`.
fn exact_f64(t: &str) -> Option<f64> {
    const POW10: [f64; 16] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
    let b = t.as_bytes();
    let neg = b.first() == Some(&b'-');
    let b = &b[neg as usize..];
    let (mut m, mut digits, mut frac, mut dot) = (0u64, 0usize, 0usize, None);
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                m = m * 10 + (c - b'0') as u64;
                digits += 1;
                if digits > 15 {
                    return None;
                }
                frac += dot.is_some() as usize;
            }
            b'.' if dot.is_none() && i > 0 && i + 1 < b.len() => dot = Some(i),
            _ => return None,
        }
    }
    if digits == 0 {
        return None;
    }
    let v = m as f64 / POW10[frac];
    Some(if neg { -v } else { v })
}

/// Sets `slot` once; a repeated field (an error for serde) gives `None`.
fn once<T>(slot: &mut Option<T>, v: Option<T>) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(v?);
    Some(())
}

/// One candle object of the `data` array.
fn candle(s: &mut Scan<'_>, symbol: Symbol) -> Option<Candle> {
    let (mut start, mut end, mut interval, mut confirm, mut timestamp) = (None, None, None, None, None);
    let (mut open, mut close, mut high, mut low, mut volume, mut turnover) = (None, None, None, None, None, None);
    s.object(|k, s| match k {
        "start" => once(&mut start, s.int()),
        "end" => once(&mut end, s.int()),
        "timestamp" => once(&mut timestamp, s.int()),
        "interval" => {
            once(&mut interval, s.str().and_then(|t| Interval::from_bybit(t).or_else(|| t.parse::<Interval>().ok())))
        }
        "open" => once(&mut open, s.quoted_decimal()),
        "close" => once(&mut close, s.quoted_decimal()),
        "high" => once(&mut high, s.quoted_decimal()),
        "low" => once(&mut low, s.quoted_decimal()),
        "volume" => once(&mut volume, text_f64(s)),
        "turnover" => once(&mut turnover, text_f64(s)),
        "confirm" => once(&mut confirm, s.boolean_value()),
        _ => s.skip(),
    })?;
    let (_end, _timestamp) = (end?, timestamp?);
    Some(Candle {
        symbol,
        interval: interval?,
        ts_ms: start?,
        open: Price::from_raw(open?),
        high: Price::from_raw(high?),
        low: Price::from_raw(low?),
        close: Price::from_raw(close?),
        volume: volume?,
        turnover: turnover?,
        closed: confirm?,
    })
}

/// Fast `kline.*` parse of `symbol`'s candles into `out`; `None` means "use the serde path"
/// (`out` is left as it was).
pub fn kline<'a>(text: &'a str, symbol: Symbol, out: &mut Vec<Candle>) -> Option<MsgHead<'a>> {
    if let Some((head, candle)) = in_bybit_order(text, symbol) {
        out.push(candle);
        return Some(head);
    }
    by_keys(text, symbol, out)
}

/// The frame exactly as Bybit lays it out (compact, its key order, one candle), read field by
/// field with literal checks instead of a key dispatch per field. Any other layout: `None`, and
/// `by_keys` reads it. The values come from the same readers, so both agree on every frame
/// this accepts.
fn in_bybit_order(text: &str, symbol: Symbol) -> Option<(MsgHead<'_>, Candle)> {
    let mut s = Scan { s: text, b: text.as_bytes(), i: 0 };
    s.lit(b"{\"topic\":")?;
    let topic = s.str()?;
    s.lit(b",\"data\":[{\"start\":")?;
    let start = s.int()?;
    s.lit(b",\"end\":")?;
    s.int()?;
    s.lit(b",\"interval\":")?;
    let interval = Interval::from_bybit(s.str()?)?;
    let mut price = |key: &[u8]| {
        s.lit(key)?;
        s.quoted_decimal().map(Price::from_raw)
    };
    let open = price(b",\"open\":")?;
    let close = price(b",\"close\":")?;
    let high = price(b",\"high\":")?;
    let low = price(b",\"low\":")?;
    s.lit(b",\"volume\":")?;
    let volume = text_f64(&mut s)?;
    s.lit(b",\"turnover\":")?;
    let turnover = text_f64(&mut s)?;
    s.lit(b",\"confirm\":")?;
    let closed = s.boolean_value()?;
    s.lit(b",\"timestamp\":")?;
    s.int()?;
    s.lit(b"}],\"ts\":")?;
    let ts = s.int()?;
    s.lit(b",\"type\":")?;
    let kind = s.str()?;
    s.lit(b"}")?;
    s.end()?;
    let candle = Candle { symbol, interval, ts_ms: start, open, high, low, close, volume, turnover, closed };
    Some((MsgHead { topic, kind, ts, cts: None }, candle))
}

/// Any key order, whitespace, unknown keys, several candles.
fn by_keys<'a>(text: &'a str, symbol: Symbol, out: &mut Vec<Candle>) -> Option<MsgHead<'a>> {
    let len = out.len();
    let mut s = Scan { s: text, b: text.as_bytes(), i: 0 };
    let (mut topic, mut kind, mut ts, mut cts, mut cs, mut data) = (None, None, None, None, None, None);
    let parsed = s.object(|k, s| match k {
        "topic" => once(&mut topic, s.str()),
        "type" => once(&mut kind, s.str()),
        "ts" => once(&mut ts, s.int()),
        "cts" => once(&mut cts, s.int()),
        "cs" => once(&mut cs, s.uint()),
        "data" => once(
            &mut data,
            s.array(|s| {
                out.push(candle(s, symbol)?);
                Some(())
            }),
        ),
        _ => s.skip(),
    });
    let head = parsed
        .and_then(|()| s.end())
        .and(data)
        .and_then(|()| Some(MsgHead { topic: topic?, kind: kind.unwrap_or(""), ts: ts?, cts }));
    if head.is_none() {
        out.truncate(len);
    }
    head
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::bybit::wire::{KlineItem, PublicMsg};

    fn btc() -> Symbol {
        Symbol::new("BTCUSDT").unwrap()
    }

    /// What the serde path reads from `text` (`None`: it refuses the frame).
    fn serde_candles(text: &str) -> Option<Vec<Candle>> {
        let m: PublicMsg<Vec<KlineItem>> = serde_json::from_str(text).ok()?;
        Some(m.data.iter().map(|k| k.to_candle(btc())).collect())
    }

    const FRAME: &str = r#"{"topic":"kline.1.BTCUSDT","data":[{"start":1672324800000,"end":1672324859999,"interval":"1","open":"16649.5","close":"16677","high":"16677","low":"16608","volume":"2.081","turnover":"34666.4005","confirm":true,"timestamp":1672324859999}],"ts":1672324859999,"type":"snapshot"}"#;

    #[test]
    fn exact_f64_is_the_float_parser() {
        let cases = [
            "0",
            "-0",
            "1",
            "2.081",
            "34666.4005",
            "0.1",
            "0.3",
            "123456789012345",
            "1234567890.12345",
            "0.00000000000001",
            "99999999999999.9",
            "007.50",
            "-3.25",
            "8.112",
            "0.07",
            "1.0000000000001",
        ];
        for c in cases {
            let want: f64 = c.parse().unwrap();
            assert_eq!(exact_f64(c).map(f64::to_bits), Some(want.to_bits()), "{c}");
        }
        for c in ["", "-", ".5", "5.", "1e5", "+1", "1.2.3", "1234567890123456", "0.1234567890123456", " 1", "NaN"] {
            assert_eq!(exact_f64(c), None, "{c}");
        }
    }

    proptest::proptest! {
        /// Whatever plain decimal it accepts, it reads as the float parser does, bit for bit.
        #[test]
        fn exact_f64_agrees_with_from_str(t in "-?[0-9]{1,12}(\\.[0-9]{1,12})?") {
            if let Some(v) = exact_f64(&t) {
                proptest::prop_assert_eq!(v.to_bits(), t.parse::<f64>().unwrap().to_bits(), "{}", t);
            }
        }
    }

    #[test]
    fn reads_a_confirmed_candle_exactly() {
        let mut out = Vec::new();
        let head = kline(FRAME, btc(), &mut out).unwrap();
        assert_eq!((head.topic, head.kind, head.ts), ("kline.1.BTCUSDT", "snapshot", 1_672_324_859_999));
        let c = out[0];
        assert_eq!(c.ts_ms, 1_672_324_800_000);
        assert_eq!(c.interval, Interval::M1);
        // 16649.5 is 1_664_950_000_000 raw units of 1e-8.
        assert_eq!(
            (c.open.raw(), c.close, c.low),
            (1_664_950_000_000, Price::from_int(16_677), Price::from_int(16_608))
        );
        assert_eq!((c.volume, c.turnover, c.closed), (2.081, 34_666.4005, true));
        assert_eq!(Some(out), serde_candles(FRAME));
    }

    #[test]
    fn agrees_with_serde_or_leaves_the_frame_to_it() {
        let variants = [
            FRAME.to_string(),
            FRAME.replace("true", "false"),
            FRAME.replace(r#""interval":"1""#, r#""interval":"15""#),
            FRAME.replace(r#""interval":"1""#, r#""interval":"7""#),
            FRAME.replace(r#""volume":"2.081""#, r#""volume":"""#),
            FRAME.replace(r#""volume":"2.081""#, r#""volume":2.081"#),
            FRAME.replace(r#""open":"16649.5""#, r#""open":16649"#),
            FRAME.replace(r#","timestamp":1672324859999"#, ""),
            FRAME.replace(r#""confirm":true"#, r#""confirm":true,"confirm":false"#),
            FRAME.replace(r#""ts":1672324859999"#, r#""ts":1672324859999,"ts":1"#),
            FRAME.replace(r#""type":"snapshot""#, r#""type":"snapshot","cs":"7""#),
            FRAME.replace(r#""data":[{"#, r#""data":[],"x":[{"#),
            FRAME.replace("}],", "},{}],"),
            FRAME.replace(r#""topic""#, r#""extra":{"a":[1,2]},"topic""#),
            FRAME.replace("\"low\":\"16608\"", "\"low\":\"16\\u0036\""),
            format!("{FRAME} x"),
            r#"{"topic":"kline.1.BTCUSDT","data":[],"ts":5}"#.to_string(),
        ];
        for text in &variants {
            let mut out = vec![];
            let fast = kline(text, btc(), &mut out).map(|_| out);
            let slow = serde_candles(text);
            match fast {
                Some(candles) => assert_eq!(Some(candles), slow, "{text}"),
                None => {}
            }
        }
        // The fast path takes the plain frames itself.
        assert!(kline(&variants[1], btc(), &mut vec![]).is_some());
        assert!(kline(&variants[16], btc(), &mut vec![]).is_some());
        // And gives up on what serde reads another way (a number volume) or refuses.
        assert!(kline(&variants[5], btc(), &mut vec![]).is_none());
        assert!(kline(&variants[8], btc(), &mut vec![]).is_none());
        // Bybit's own layout is read in order; whatever that reader takes, the key walk reads
        // the same.
        for text in &variants {
            if let Some((head, candle)) = in_bybit_order(text, btc()) {
                let mut out = vec![];
                assert_eq!(by_keys(text, btc(), &mut out), Some(head), "{text}");
                assert_eq!(out, [candle], "{text}");
            }
        }
        for i in [0, 1, 2] {
            assert!(in_bybit_order(&variants[i], btc()).is_some(), "{}", variants[i]);
        }
        for i in [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16] {
            assert!(in_bybit_order(&variants[i], btc()).is_none(), "{}", variants[i]);
        }
        // Pretty-printed (the reference's examples): left to the key walk, same candle.
        let pretty = FRAME.replace(",\"", ",\n  \"");
        assert!(in_bybit_order(&pretty, btc()).is_none());
        assert_eq!(kline(&pretty, btc(), &mut vec![]), kline(FRAME, btc(), &mut vec![]));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]
        /// Field values of every shape through Bybit's layout: the in-order reader and the key
        /// walk agree, or the in-order reader declines.
        #[test]
        fn in_order_reader_agrees_with_the_key_walk(
            start in "[1-9][0-9]{0,13}|[1-9][0-9]{0,13}|[1-9][0-9]{0,13}|-?[0-9]{0,14}",
            open in "[0-9]{1,7}(\\.[0-9]{1,8})?|[0-9]{1,7}(\\.[0-9]{1,8})?|[0-9]{1,7}(\\.[0-9]{1,8})?|-?[0-9.e]{0,12}",
            volume in "[0-9]{1,9}(\\.[0-9]{1,9})?|[0-9]{1,9}(\\.[0-9]{1,9})?|[0-9]{1,9}(\\.[0-9]{1,9})?|-?[0-9.]{0,16}",
            interval in "(1|15|60|D|1|15|1m|7)",
            confirm in "(true|false|true|false|tru)",
            tail in "(\"snapshot\"}|\"snapshot\"}|\"delta\"}|\"delta\"} |\"x\"},|1})",
        ) {
            let text = format!(
                r#"{{"topic":"kline.1.BTCUSDT","data":[{{"start":{start},"end":2,"interval":"{interval}","open":"{open}","close":"5","high":"6","low":"4","volume":"{volume}","turnover":"1.5","confirm":{confirm},"timestamp":3}}],"ts":9,"type":{tail}"#
            );
            if let Some((head, candle)) = in_bybit_order(&text, btc()) {
                let mut out = vec![];
                proptest::prop_assert_eq!(by_keys(&text, btc(), &mut out), Some(head), "{}", text);
                proptest::prop_assert_eq!(out, vec![candle], "{}", text);
            }
        }
    }
}
