//! `publicTrade` frames exactly as Bybit lays them out (compact, its key order), read field by
//! field with literal checks instead of a key dispatch per field: the most frequent frame on a
//! busy symbol. Any other layout (whitespace, another key order, extra fields) gives `None` and
//! `super::trades_by_keys` reads it. The values
//! come from the same readers, so both agree on every frame this accepts (a property test).

use super::{side, MsgHead, Scan};
use crate::domain::{Price, Qty, Symbol, Trade};
use crate::exchange::bybit::wire::public::trade_id_of;

/// The frame's trades appended to `out`; `None` (and `out` as it was) for any other layout.
pub(super) fn in_bybit_order<'a>(text: &'a str, out: &mut Vec<Trade>) -> Option<MsgHead<'a>> {
    let len = out.len();
    let head = read(text, out);
    if head.is_none() {
        out.truncate(len);
    }
    head
}

/// `{"topic":"…","type":"…","ts":N`: how Bybit opens trade and book frames.
pub(super) fn ordered_head<'a>(s: &mut Scan<'a>) -> Option<(&'a str, &'a str, i64)> {
    s.lit(b"{\"topic\":")?;
    let topic = s.str()?;
    s.lit(b",\"type\":")?;
    let kind = s.str()?;
    s.lit(b",\"ts\":")?;
    Some((topic, kind, s.int()?))
}

fn read<'a>(text: &'a str, out: &mut Vec<Trade>) -> Option<MsgHead<'a>> {
    let mut s = Scan { s: text, b: text.as_bytes(), i: 0 };
    let (topic, kind, ts) = ordered_head(&mut s)?;
    s.lit(b",\"data\":[")?;
    loop {
        s.lit(b"{\"T\":")?;
        let ts_ms = s.int()?;
        s.lit(b",\"s\":")?;
        let symbol = Symbol::new(s.str()?).ok()?;
        s.lit(b",\"S\":")?;
        let taker_side = side(s.str()?)?;
        s.lit(b",\"v\":")?;
        let qty = Qty::from_raw(s.quoted_decimal()?);
        s.lit(b",\"p\":")?;
        let price = Price::from_raw(s.quoted_decimal()?);
        // `L` and `seq` are the derivatives streams' (spot has neither), `RPI` is newer.
        if s.lit(b",\"L\":").is_some() {
            s.str()?;
        }
        s.lit(b",\"i\":")?;
        let trade_id = trade_id_of(s.str()?);
        s.lit(b",\"BT\":")?;
        s.boolean()?;
        if s.lit(b",\"RPI\":").is_some() {
            s.boolean()?;
        }
        if s.lit(b",\"seq\":").is_some() {
            s.uint()?;
        }
        s.lit(b"}")?;
        out.push(Trade { symbol, ts_ms, price, qty, taker_side, trade_id });
        if s.lit(b",").is_none() {
            break;
        }
    }
    s.lit(b"]}")?;
    s.end()?;
    Some(MsgHead { topic, kind, ts, cts: None })
}

#[cfg(test)]
mod tests {
    use super::super::trades_by_keys;
    use super::*;

    /// `ws-public-trade.json`, compact, as Bybit sends it.
    const FRAME: &str = r#"{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1718000000190,"data":[{"T":1718000000187,"s":"BTCUSDT","S":"Buy","v":"0.012","p":"69712.40","L":"PlusTick","i":"4c6e2f0a-8d1b-5a3e-9f27-0b1d3c5e7a91","BT":false,"RPI":false,"seq":230705334810},{"T":1718000000188,"s":"BTCUSDT","S":"Sell","v":"0.500","p":"69712.50","L":"MinusTick","i":"4c6e2f0a-8d1b-5a3e-9f27-0b1d3c5e7a92","BT":true,"RPI":false,"seq":230705334811}]}"#;

    /// Both readers on `text`: the in-order one's result must be the key walk's.
    fn check(text: &str) -> bool {
        let (mut a, mut b) = (vec![], vec![]);
        match in_bybit_order(text, &mut a) {
            Some(head) => {
                assert_eq!(trades_by_keys(text, &mut b), Some(head), "{text}");
                assert_eq!(a, b, "{text}");
                true
            }
            None => {
                assert!(a.is_empty(), "{text}");
                false
            }
        }
    }

    #[test]
    fn reads_bybit_frames_as_the_key_walk_does() {
        let mut out = vec![];
        let head = in_bybit_order(FRAME, &mut out).expect("Bybit's layout");
        assert_eq!((head.topic, head.kind, head.ts), ("publicTrade.BTCUSDT", "snapshot", 1_718_000_000_190));
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].price, out[0].qty.raw()), ("69712.40".parse().unwrap(), 1_200_000));
        assert_eq!(out[1].ts_ms, 1_718_000_000_188);
        assert!(check(FRAME));
        // Spot (no `L`, no `seq`) and frames from before `RPI`.
        for text in [
            FRAME.replace(r#""L":"PlusTick","#, "").replace(r#""L":"MinusTick","#, ""),
            FRAME.replace(r#","seq":230705334810"#, ""),
            FRAME.replace(r#","RPI":false"#, ""),
        ] {
            assert!(check(&text), "{text}");
        }
        let one = FRAME.replace(r#"},{"T":1718000000188,"s":"BTCUSDT","S":"Sell","v":"0.500","p":"69712.50","L":"MinusTick","i":"4c6e2f0a-8d1b-5a3e-9f27-0b1d3c5e7a92","BT":true,"RPI":false,"seq":230705334811}"#, "}");
        assert!(check(&one));
        // Other layouts go to the key walk.
        let others = [
            FRAME.replace(",\"", ",\n  \""),
            FRAME.replace(r#""type":"snapshot","ts":1718000000190"#, r#""ts":1718000000190,"type":"snapshot""#),
            FRAME.replace(r#""seq":230705334810}"#, r#""seq":230705334810,"x":1}"#),
            FRAME.replace(r#""data":[{"#, r#""data":[ {"#),
            FRAME.replace(r#"]}"#, r#"],"cts":1}"#),
            format!("{FRAME} x"),
            FRAME.replace(r#""p":"69712.40""#, r#""p":69712.40"#),
            FRAME.replace(r#""S":"Buy""#, r#""S":"buy""#),
            FRAME.replace("PlusTick", "Plus\\u0054ick"),
        ];
        for text in &others {
            assert!(!check(text), "{text}");
        }
        // The key walk still takes the pretty-printed, reordered, extended and spaced frames,
        // and reads the same trades.
        let want = trades_by_keys(FRAME, &mut vec![]);
        for text in &others[..4] {
            let mut out = vec![];
            assert_eq!(trades_by_keys(text, &mut out).map(|h| h.ts), want.map(|h| h.ts), "{text}");
            assert_eq!(out.len(), 2, "{text}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]
        /// Field values of every shape through Bybit's layout: the in-order reader and the key
        /// walk agree, or the in-order reader declines and leaves `out` as it was.
        #[test]
        fn in_order_reader_agrees_with_the_key_walk(
            t in "[1-9][0-9]{0,13}|[1-9][0-9]{0,13}|-?[0-9]{0,21}",
            sym in "BTCUSDT|ETHUSDT|[A-Z0-9]{0,14}|B T",
            side in "Buy|Sell|Buy|Sell|buy|",
            v in "[0-9]{1,7}(\\.[0-9]{1,8})?|[0-9]{1,7}(\\.[0-9]{1,8})?|-?[0-9.e]{0,14}",
            id in "[0-9a-f-]{36}|[0-9]{1,20}|",
            bt in "true|false|true|false|tru|null",
            rpi in ",\"RPI\":false|,\"RPI\":true||,\"RPI\":0",
            seq in ",\"seq\":[1-9][0-9]{0,12}|,\"seq\":0|,\"seq\":-1|,\"seq\":1.5||,\"seq\":",
            more in proptest::bool::ANY,
        ) {
            let item = format!(
                r#"{{"T":{t},"s":"{sym}","S":"{side}","v":"{v}","p":"69712.40","L":"PlusTick","i":"{id}","BT":{bt}{rpi}{seq}}}"#
            );
            let data = if more { format!("{item},{item}") } else { item };
            let text = format!(r#"{{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1718000000190,"data":[{data}]}}"#);
            check(&text);
        }
    }
}
