//! `orderbook.*` frames exactly as Bybit lays them out (compact, its key order), read field by
//! field with literal checks instead of a key dispatch per field: 50 frames a second per symbol
//! on `orderbook.50`. Any other layout (whitespace, another key order, missing or extra fields)
//! gives `None` and `super::book_by_keys` reads it. The values come from the same readers, so
//! both agree on every frame this accepts (a property test).

use super::{MsgHead, Scan};
use crate::domain::{BookUpdate, Level, Price, Qty, Symbol};

/// The frame into `out` (its levels replaced; kind and ts are the caller's); `None` for any
/// other layout, with only `out`'s level lists touched (the key walk clears them again).
pub(super) fn in_bybit_order<'a>(text: &'a str, out: &mut BookUpdate) -> Option<MsgHead<'a>> {
    let mut s = Scan { s: text, b: text.as_bytes(), i: 0 };
    let (topic, kind, ts) = super::trade::ordered_head(&mut s)?;
    s.lit(b",\"data\":{\"s\":")?;
    let symbol = Symbol::new(s.str()?).ok()?;
    s.lit(b",\"b\":")?;
    levels(&mut s, &mut out.bids)?;
    s.lit(b",\"a\":")?;
    levels(&mut s, &mut out.asks)?;
    s.lit(b",\"u\":")?;
    let update_id = s.uint()?;
    s.lit(b",\"seq\":")?;
    let seq = s.uint()?;
    s.lit(b"},\"cts\":")?;
    let cts = s.int()?;
    s.lit(b"}")?;
    s.end()?;
    (out.symbol, out.update_id, out.seq) = (symbol, update_id, seq);
    Some(MsgHead { topic, kind, ts, cts: Some(cts) })
}

/// `[["price","size"],...]`, compact, into `out` (cleared first).
fn levels(s: &mut Scan<'_>, out: &mut Vec<Level>) -> Option<()> {
    out.clear();
    s.lit(b"[")?;
    if s.lit(b"]").is_some() {
        return Some(());
    }
    loop {
        s.lit(b"[")?;
        let price = Price::from_raw(s.quoted_decimal()?);
        s.lit(b",")?;
        let qty = Qty::from_raw(s.quoted_decimal()?);
        s.lit(b"]")?;
        out.push(Level { price, qty });
        if s.lit(b",").is_none() {
            return s.lit(b"]");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::book_by_keys;
    use super::*;
    use crate::exchange::bybit::decode::book_scratch;

    /// `ws-public-orderbook-delta.json`, compact, as Bybit sends it.
    const FRAME: &str = r#"{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1718000000172,"data":{"s":"BTCUSDT","b":[["69712.30","3.100"],["69712.00","0"],["69711.90","0.250"]],"a":[["69712.40","0"],["69712.60","0.777"]],"u":18521289,"seq":230705334802},"cts":1718000000169}"#;

    /// Both readers on `text`: the in-order one's result must be the key walk's.
    fn check(text: &str) -> bool {
        let (mut a, mut b) = (book_scratch(), book_scratch());
        match in_bybit_order(text, &mut a) {
            Some(head) => {
                assert_eq!(book_by_keys(text, &mut b), Some(head), "{text}");
                assert_eq!(a, b, "{text}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn reads_bybit_frames_as_the_key_walk_does() {
        let mut out = book_scratch();
        let head = in_bybit_order(FRAME, &mut out).expect("Bybit's layout");
        assert_eq!(
            (head.topic, head.kind, head.ts, head.cts),
            ("orderbook.50.BTCUSDT", "delta", 1_718_000_000_172, Some(1_718_000_000_169))
        );
        assert_eq!((out.bids.len(), out.asks.len(), out.update_id, out.seq), (3, 2, 18_521_289, 230_705_334_802));
        assert_eq!((out.bids[0].price, out.bids[0].qty), ("69712.30".parse().unwrap(), "3.1".parse().unwrap()));
        assert!(out.asks[0].qty.is_zero());
        assert!(check(FRAME));
        assert!(check(&FRAME.replace(r#""a":[["69712.40","0"],["69712.60","0.777"]]"#, r#""a":[]"#)));
        let others = [
            FRAME.replace(",\"", ",\n  \""),
            FRAME.replace(r#","cts":1718000000169"#, ""),
            FRAME.replace(r#""u":18521289,"seq":230705334802"#, r#""seq":230705334802,"u":18521289"#),
            FRAME.replace(r#""b":["#, r#""b": ["#),
            FRAME.replace(r#""3.100""#, "3.1"),
            FRAME.replace(r#""s":"BTCUSDT""#, r#""s":"BTC USDT""#),
            format!("{FRAME}x"),
        ];
        for text in &others {
            assert!(!check(text), "{text}");
        }
        // The key walk takes the pretty-printed, cts-less, reordered and spaced frames, with the
        // same levels.
        let mut want = book_scratch();
        book_by_keys(FRAME, &mut want).expect("key walk");
        for text in &others[..4] {
            let mut got = book_scratch();
            assert!(book_by_keys(text, &mut got).is_some(), "{text}");
            assert_eq!((got.bids, got.asks), (want.bids.clone(), want.asks.clone()), "{text}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]
        /// Levels and ids of every shape through Bybit's layout: the in-order reader and the key
        /// walk agree, or the in-order reader declines.
        #[test]
        fn in_order_reader_agrees_with_the_key_walk(
            prices in proptest::collection::vec("[0-9]{1,7}(\\.[0-9]{1,8})?|[0-9]{1,7}(\\.[0-9]{1,8})?|-?[0-9.e]{0,12}", 0..4),
            sizes in proptest::collection::vec("[0-9]{1,4}(\\.[0-9]{1,4})?|0|[0-9.]{0,6}", 0..4),
            u in "[1-9][0-9]{0,12}|0|-1|1.5|",
            kind in "delta|snapshot|",
            cts in "[0-9]{1,13}|-1|x",
        ) {
            let side: Vec<String> = prices.iter().zip(&sizes).map(|(p, q)| format!(r#"["{p}","{q}"]"#)).collect();
            let side = side.join(",");
            let text = format!(
                r#"{{"topic":"orderbook.50.BTCUSDT","type":"{kind}","ts":1,"data":{{"s":"BTCUSDT","b":[{side}],"a":[{side}],"u":{u},"seq":7}},"cts":{cts}}}"#
            );
            check(&text);
        }
    }
}
