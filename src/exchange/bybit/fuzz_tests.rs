//! Property tests: arbitrary bytes and randomly mutated valid messages never panic a parser;
//! they parse or return an error.

use super::decode::{apply_book_frame, book_scratch, PrivateDecoder, PublicDecoder};
use super::wire::ws::peek_topic;
use super::wire::*;
use crate::domain::{OrderBook, Symbol};
use proptest::prelude::*;

const FIXTURES: &[&str] = &[
    include_str!("fixtures/ws-public-trade.json"),
    include_str!("fixtures/ws-public-orderbook-snapshot.json"),
    include_str!("fixtures/ws-public-orderbook-delta.json"),
    include_str!("fixtures/ws-public-kline.json"),
    include_str!("fixtures/ws-public-ticker-snapshot.json"),
    include_str!("fixtures/ws-public-ticker-delta.json"),
    include_str!("fixtures/ws-public-all-liquidation.json"),
    include_str!("fixtures/ws-private-order.json"),
    include_str!("fixtures/ws-private-execution.json"),
    include_str!("fixtures/ws-private-position.json"),
    include_str!("fixtures/ws-private-wallet.json"),
    include_str!("fixtures/ws-auth-request.json"),
    include_str!("fixtures/ws-pong-private.json"),
    include_str!("fixtures/rest-market-kline.json"),
    include_str!("fixtures/rest-market-tickers-linear.json"),
    include_str!("fixtures/rest-market-orderbook.json"),
    include_str!("fixtures/rest-market-instruments-info-linear.json"),
    include_str!("fixtures/rest-market-instruments-info-spot.json"),
    include_str!("fixtures/rest-market-recent-trade.json"),
    include_str!("fixtures/rest-order-realtime.json"),
    include_str!("fixtures/rest-execution-list.json"),
    include_str!("fixtures/rest-position-list.json"),
    include_str!("fixtures/rest-account-wallet-balance.json"),
    include_str!("fixtures/rest-order-create-request.json"),
    include_str!("fixtures/rest-error-10002-recv-window.json"),
];

/// Runs every parser on `text`; only a panic fails the property.
fn parse_everything(text: &str) {
    let mut pubd = PublicDecoder::new();
    let _ = pubd.decode(text);
    // A snapshot first, then the text as a possible delta, so apply paths are exercised too.
    let mut book = OrderBook::new(Symbol::new("BTCUSDT").unwrap());
    let mut scratch = book_scratch();
    let _ = apply_book_frame(FIXTURES[1], &mut scratch, &mut book);
    let _ = apply_book_frame(text, &mut scratch, &mut book);
    let _ = pubd.decode(FIXTURES[4]);
    let _ = pubd.decode(text);
    let _ = PrivateDecoder::new("USDT").decode(text);
    let _ = peek_topic(text).map(Topic::parse);
    let _ = parse_response::<KlineResult>(text)
        .map(|e| super::convert::candles_from_rows(&e.result.list, e.result.symbol, crate::domain::Interval::M1, 0));
    let _ = parse_response::<TickersResult>(text).map(|e| {
        e.result.list.iter().for_each(|t| {
            let _ = t.to_ticker(0);
        })
    });
    let _ = parse_response::<OrderbookResult>(text).map(|e| e.result.to_update());
    let _ = parse_response::<InstrumentsResult>(text).map(|e| {
        e.result.list.iter().for_each(|i| {
            let _ = i.to_instrument();
        })
    });
    let _ = parse_response::<RecentTradeResult>(text).map(|e| {
        e.result.list.iter().for_each(|t| {
            let _ = t.to_trade();
        })
    });
    let _ = parse_response::<OrderListResult>(text).map(|e| {
        e.result.list.iter().for_each(|o| {
            let _ = o.to_update();
        })
    });
    let _ = parse_response::<ExecutionListResult>(text).map(|e| {
        e.result.list.iter().for_each(|x| {
            let _ = x.to_fill();
        })
    });
    let _ = parse_response::<PositionListResult>(text).map(|e| {
        e.result.list.iter().for_each(|x| {
            let _ = x.to_position();
        })
    });
    let _ = parse_response::<WalletBalanceResult>(text).map(|e| {
        e.result.list.iter().for_each(|x| {
            let _ = x.to_balance("USDT", 0);
        })
    });
    let _ = parse_response::<ServerTime>(text).map(|e| e.result.ms());
    let _ = parse_response::<ApiKeyInfo>(text).map(|e| e.result.can_trade_linear());
    let _ = serde_json::from_str::<WsRequest>(text).map(|r| r.auth_args().is_some());
    let _ = serde_json::from_str::<WsResponse>(text).map(|r| r.is_pong());
    let _ = serde_json::from_str::<CreateOrderRequest>(text).map(|r| r.to_order_request(0));
}

/// A valid message with a few random edits: replace, insert or delete bytes, or truncate.
fn mutated() -> impl Strategy<Value = String> {
    let edit =
        (any::<u8>(), 0usize..4, any::<prop::sample::Index>(), prop::sample::select(&b"0123456789-.\"e,:[]{} "[..]));
    (prop::sample::select(FIXTURES), prop::collection::vec(edit, 1..6)).prop_map(|(base, edits)| {
        let mut b = base.as_bytes().to_vec();
        for (byte, op, at, json_char) in edits {
            if b.is_empty() {
                break;
            }
            let i = at.index(b.len());
            match op {
                0 => b[i] = json_char,
                1 => b.insert(i, json_char),
                2 => {
                    b.remove(i);
                }
                _ => b[i] = byte,
            }
        }
        if b.len() > 10 && b[0] == b'x' {
            b.truncate(b.len() / 2);
        }
        String::from_utf8_lossy(&b).into_owned()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        parse_everything(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_messages_never_panic(text in mutated()) {
        parse_everything(&text);
    }

    #[test]
    fn numbers_in_any_field_never_panic(base in prop::sample::select(FIXTURES), n in any::<i64>(), f in any::<f64>()) {
        // Every quoted value replaced by an extreme number, as a string and as a bare number.
        for repl in [format!("\"{n}\""), n.to_string(), format!("\"{f}\""), format!("{f:e}"), "\"\"".into(), "null".into()] {
            let mut out = String::with_capacity(base.len());
            for (k, part) in base.split(": \"").enumerate() {
                if k == 0 {
                    out.push_str(part);
                    continue;
                }
                out.push_str(": ");
                match part.find('"') {
                    Some(end) => {
                        out.push_str(&repl);
                        out.push_str(&part[end + 1..]);
                    }
                    None => out.push_str(part),
                }
            }
            parse_everything(&out);
        }
    }
}

mod fast_path {
    use super::*;
    use crate::domain::{BookUpdate, Trade};
    use crate::exchange::bybit::wire::fast;
    use crate::exchange::bybit::wire::public::{parse_with_seed, BookSeed, TradesSeed};

    const TRADE: &str = include_str!("fixtures/ws-public-trade.json");
    const SNAP: &str = include_str!("fixtures/ws-public-orderbook-snapshot.json");
    const DELTA: &str = include_str!("fixtures/ws-public-orderbook-delta.json");

    fn compact(s: &str) -> String {
        serde_json::to_string(&serde_json::from_str::<serde_json::Value>(s).unwrap()).unwrap()
    }

    /// Whenever the scanner accepts a frame, serde accepts it too with the same result.
    fn agree(text: &str) {
        let mut a: Vec<Trade> = Vec::new();
        if let Some(h) = fast::trades(text, &mut a) {
            let mut b = Vec::new();
            let hs = parse_with_seed(text, TradesSeed(&mut b)).expect("serde must accept what the scanner accepts");
            assert_eq!((h, &a), (hs, &b), "{text}");
        }
        let mut a = book_scratch();
        if let Some(h) = fast::book(text, &mut a) {
            let mut b: BookUpdate = book_scratch();
            let hs = parse_with_seed(text, BookSeed(&mut b)).expect("serde must accept what the scanner accepts");
            assert_eq!(
                (h, &a.bids, &a.asks, a.update_id, a.seq, a.symbol),
                (hs, &b.bids, &b.asks, b.update_id, b.seq, b.symbol)
            );
        }
    }

    #[test]
    fn scanner_takes_real_frames() {
        for t in [TRADE.to_string(), compact(TRADE)] {
            let mut out = Vec::new();
            let h = fast::trades(&t, &mut out).expect("fast path");
            assert_eq!((h.topic, h.kind, h.ts, out.len()), ("publicTrade.BTCUSDT", "snapshot", 1_718_000_000_190, 2));
            agree(&t);
        }
        for t in [SNAP.to_string(), DELTA.to_string(), compact(DELTA)] {
            let mut b = book_scratch();
            assert!(fast::book(&t, &mut b).is_some(), "{t}");
            agree(&t);
        }
        // Unusual but valid frames fall back to serde: numbers for prices, escapes.
        let numeric = compact(TRADE).replace("\"69712.40\"", "69712.40");
        assert!(fast::trades(&numeric, &mut Vec::new()).is_none());
        let mut d = PublicDecoder::new();
        assert!(matches!(d.decode(&numeric), Ok(crate::exchange::bybit::PublicEvent::Trades(t)) if t.len() == 2));
        let escaped = compact(TRADE).replace("4c6e2f0a-8d1b", "4c6e2f0a\\u002d8d1b");
        assert!(fast::trades(&escaped, &mut Vec::new()).is_none());
        assert!(matches!(d.decode(&escaped), Ok(crate::exchange::bybit::PublicEvent::Trades(t)) if t.len() == 2));
        // A repeated field and trailing garbage are refused by both.
        let dup = compact(TRADE).replacen("\"p\":\"69712.40\"", "\"p\":\"1\",\"p\":\"2\"", 1);
        assert!(fast::trades(&dup, &mut Vec::new()).is_none() && d.decode(&dup).is_err());
        let trailing = format!("{}x", compact(TRADE));
        assert!(fast::trades(&trailing, &mut Vec::new()).is_none() && d.decode(&trailing).is_err());
    }

    fn hot_mutated() -> impl Strategy<Value = String> {
        let bases = vec![compact(TRADE), compact(SNAP), compact(DELTA), TRADE.to_string(), DELTA.to_string()];
        let edit = (0usize..3, any::<prop::sample::Index>(), prop::sample::select(&b"0123456789-.\"e,:[]{} \\aS"[..]));
        (prop::sample::select(bases), prop::collection::vec(edit, 1..4)).prop_map(|(base, edits)| {
            let mut b = base.into_bytes();
            for (op, at, c) in edits {
                let i = at.index(b.len());
                match op {
                    0 => b[i] = c,
                    1 => b.insert(i, c),
                    _ => {
                        b.remove(i);
                    }
                }
            }
            String::from_utf8_lossy(&b).into_owned()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
        #[test]
        fn scanner_agrees_with_serde(text in hot_mutated()) {
            agree(&text);
        }
    }
}

mod decimal {
    use crate::domain::Price;
    use crate::exchange::bybit::wire::fast::decimal;
    use proptest::prelude::*;

    fn domain(s: &str) -> Option<i64> {
        s.parse::<Price>().ok().map(Price::raw)
    }

    #[test]
    fn edge_cases_match_the_domain_parser() {
        for s in [
            "0",
            "-0",
            "69712.40",
            "0.00000001",
            "9999999999.99999999",
            "99999999999",
            "92233720368.54775807",
            "92233720368.54775808",
            "1.",
            ".5",
            "-",
            "",
            " 1",
            "+1",
            "1e5",
            "1.000000000",
            "1.000000001",
            "00012.5",
        ] {
            assert_eq!(decimal(s), domain(s), "{s:?}");
        }
        assert_eq!(decimal("69712.40"), Some(6_971_240_000_000));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]
        #[test]
        fn same_as_domain_parser(s in "-?[0-9]{0,13}(\\.[0-9]{0,10})?") {
            prop_assert_eq!(decimal(&s), domain(&s));
        }
        #[test]
        fn same_on_any_text(s in "\\PC{0,16}") {
            prop_assert_eq!(decimal(&s), domain(&s));
        }
    }
}

mod swar {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]
        /// The word-at-a-time string scan finds the same stop byte as a plain scan.
        #[test]
        fn string_scan_matches_bytewise(bytes in prop::collection::vec(prop::sample::select(&b"ab\"\\\x01\x1f \x7f\xff09"[..]), 0..40)) {
            // Through the scanner: a JSON string starting at byte 0.
            let mut text = vec![b'"'];
            text.extend_from_slice(&bytes);
            let text = String::from_utf8_lossy(&text).into_owned();
            let got = crate::exchange::bybit::wire::fast::string_len_for_tests(&text.as_bytes()[1..]);
            let want = text.as_bytes()[1..].iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
            prop_assert_eq!(got, want);
        }
    }
}
