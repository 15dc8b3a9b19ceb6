use super::*;
use crate::domain::{BookUpdateKind, Interval};
use crate::runtime::journal::codec::tests::every_kind;
use proptest::prelude::*;

fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap()
}

fn chunk(events: &[Event]) -> Vec<u8> {
    let mut enc = Encoder::new();
    let mut buf = Vec::new();
    enc.begin(&mut buf);
    for e in events {
        enc.append(&mut buf, e);
    }
    Encoder::seal(&mut buf);
    buf
}

fn decode(buf: &[u8]) -> Result<Vec<Event>, JournalError> {
    let mut out = Vec::new();
    decode_chunk(buf, &mut out).map(|_| out)
}

/// A BTC-like book: tick 0.1, step 0.001, levels one tick apart.
fn book(ts_ms: i64, update_id: u64, best_bid_ticks: i64, qty_steps: &[i64]) -> Event {
    let level = |ticks: i64, steps: i64| Level {
        price: Price::from_raw(ticks * 10_000_000),
        qty: Qty::from_raw(steps * 100_000),
    };
    Event::Book(BookUpdate {
        symbol: sym("BTCUSDT"),
        ts_ms,
        kind: BookUpdateKind::Delta,
        update_id,
        seq: update_id + 100,
        bids: qty_steps.iter().enumerate().map(|(i, &q)| level(best_bid_ticks - i as i64, q)).collect(),
        asks: qty_steps.iter().enumerate().map(|(i, &q)| level(best_bid_ticks + 1 + i as i64, q)).collect(),
    })
}

fn btc() -> Event {
    Event::Instrument(Instrument::demo(sym("BTCUSDT"), "0.1", "0.001", "0.001", "100"))
}

#[test]
fn every_event_kind_round_trips_exactly() {
    let events = every_kind();
    let back = decode(&chunk(&events)).unwrap();
    assert_eq!(back, events);
    let Event::Ticker(t) = &back[4] else { panic!("not a ticker: {:?}", back[4]) };
    assert_eq!(t.open_interest.to_bits(), (-0.0f64).to_bits());
}

#[test]
fn book_levels_on_the_grid_take_a_byte_or_two() {
    let events = [btc(), book(1_700_000_000_000, 7, 650_000, &[1, 2, 3])];
    let buf = chunk(&events);
    let instrument_len = {
        let mut b = Vec::new();
        events[0].enc(&mut b);
        b.len()
    };
    // Worked by hand after the header and the format-1 instrument:
    let ts = {
        let mut b = Vec::new();
        put_varint(&mut b, zigzag(1_700_000_000_000));
        b
    };
    let mut want = vec![T_BOOK, 0, 7, b'B', b'T', b'C', b'U', b'S', b'D', b'T'];
    // tick 10,000,000 = varint [0x80, 0xad, 0xe2, 0x04]; step 100,000 = [0xa0, 0x8d, 0x06].
    want.extend([0x80, 0xad, 0xe2, 0x04, 0xa0, 0x8d, 0x06]);
    want.extend(&ts);
    // kind Delta = 1; update id +7 -> 14; seq +107 -> 214 = [0xd6, 0x01].
    want.extend([1, 14, 0xd6, 0x01]);
    // Bids: count 3 mode 0 -> 6. First level: 1 step, 650,000 ticks above the reference 0
    // (bids count downwards, so distance -650,000: not 1) -> 1 << 1 | 1 = 3, then zigzag
    // 1,299,999 = [0x9f, 0xac, 0x4f]; then one tick down each: 2 << 1 = 4, 3 << 1 = 6.
    want.extend([6, 3, 0x9f, 0xac, 0x4f, 4, 6]);
    // Asks: from the reference (now the best bid) +1 tick each: 1 << 1, 2 << 1, 3 << 1.
    want.extend([6, 2, 4, 6]);
    assert_eq!(&buf[HEADER + instrument_len..], &want[..]);
    assert_eq!(decode(&buf).unwrap(), events);
    // A second book in the same chunk: the symbol is id 0, the first bid is 1 tick from the
    // previous reference (the last ask side's first level, 650,001 ticks).
    let more = [btc(), book(1_700_000_000_000, 7, 650_000, &[1, 2, 3]), book(1_700_000_000_250, 8, 650_002, &[5])];
    let buf2 = chunk(&more);
    let tail = &buf2[buf.len()..];
    // tag, id 0, ts +250 -> 500 = [0xf4, 0x03], kind, +1, +1; bids: count 1, 5 steps one tick
    // *up* (5 << 1 | 1 = 11, then zigzag(-1) = 1); asks: count 1, 5 steps 1 tick up: 10.
    assert_eq!(tail, [T_BOOK, 0, 0xf4, 0x03, 1, 2, 2, 2, 11, 1, 2, 10]);
    assert_eq!(decode(&buf2).unwrap(), more);
}

#[test]
fn values_off_the_grid_are_kept_exactly() {
    // A level half a tick off, a negative size and an instrument arriving after its symbol's
    // first use (so that chunk codes it in raw units).
    let mut events = vec![book(5, 1, 100, &[1])];
    events.push(btc());
    events.push(Event::Book(BookUpdate {
        symbol: sym("BTCUSDT"),
        ts_ms: 6,
        kind: BookUpdateKind::Snapshot,
        update_id: 2,
        seq: 0,
        bids: vec![Level { price: Price::from_raw(1_005_000_000), qty: Qty::from_raw(1) }],
        asks: vec![Level { price: Price::from_raw(1_010_000_000), qty: Qty::from_raw(-100_000) }],
    }));
    events.push(Event::Trade(Trade {
        symbol: sym("ETHUSDT"),
        ts_ms: i64::MIN,
        price: Price::from_raw(i64::MAX),
        qty: Qty::from_raw(i64::MIN),
        taker_side: Side::Buy,
        trade_id: u64::MAX,
    }));
    assert_eq!(decode(&chunk(&events)).unwrap(), events);
    // In a new chunk the instrument is known from the start.
    let mut enc = Encoder::new();
    let mut buf = Vec::new();
    enc.begin(&mut buf);
    enc.append(&mut buf, &btc());
    enc.begin(&mut buf);
    enc.append(&mut buf, &events[2]);
    Encoder::seal(&mut buf);
    assert_eq!(decode(&buf).unwrap(), vec![events[2].clone()]);
}

#[test]
fn candles_and_trades_code_against_the_previous_price() {
    let s = sym("BTCUSDT");
    let px = |ticks: i64| Price::from_raw(ticks * 10_000_000);
    let candle = Event::Candle(Candle {
        symbol: s,
        interval: Interval::M1,
        ts_ms: 60_000,
        open: px(650_000),
        high: px(650_004),
        low: px(649_999),
        close: px(650_001),
        volume: 1.5,
        turnover: 975_000.0,
        closed: true,
    });
    let trade = Event::Trade(Trade {
        symbol: s,
        ts_ms: 60_100,
        price: px(650_002),
        qty: Qty::from_raw(300_000),
        taker_side: Side::Sell,
        trade_id: 9,
    });
    let events = [btc(), candle, trade, Event::Timer { ts_ms: 120_000 }];
    let buf = chunk(&events);
    // The trade: tag, id 0, ts +100 -> 200 = [0xc8, 0x01], +1 tick from the close -> zigzag 2
    // << 2 = 8, 3 steps -> zigzag 6 << 2 = 24, Sell = 1, trade id +9 -> 18; then the timer:
    // tag 10, +59,900 ms -> 119,800 = [0xf8, 0xa7, 0x07].
    let end = [T_TRADE, 0, 0xc8, 0x01, 8, 24, 1, 18, T_TIMER, 0xf8, 0xa7, 0x07];
    assert_eq!(&buf[buf.len() - end.len()..], &end);
    assert_eq!(decode(&buf).unwrap(), events);
}

#[test]
fn damaged_chunks_are_refused_whole() {
    let buf = chunk(&every_kind());
    // Every cut and every single-byte change is caught (by the header or the checksum).
    for cut in 0..buf.len() {
        assert!(decode(&buf[..cut]).is_err(), "cut {cut}");
    }
    for i in 0..buf.len() {
        let mut bad = buf.clone();
        bad[i] ^= 0x41;
        let r = decode(&bad);
        assert!(r.is_err(), "byte {i}");
        if i == 0 {
            assert!(matches!(r, Err(JournalError::BadTag { what: "chunk version", tag: 0x43, at: 0 })), "{r:?}");
        } else {
            assert!(matches!(r, Err(JournalError::Checksum { .. })), "byte {i}: {r:?}");
        }
    }
    assert!(matches!(decode(&[2, 0, 0]), Err(JournalError::Truncated { what: "chunk header", need: 6, .. })));
    // An empty chunk is a header and holds nothing.
    assert_eq!(decode(&chunk(&[])).unwrap(), vec![]);
}

/// Wraps a body in a valid header, so the decoder's own checks are reached.
fn sealed(body: &[u8]) -> Vec<u8> {
    let mut buf = vec![VERSION, 0, 0, 0, 0, 0, 0, 0, 0];
    buf.extend_from_slice(body);
    Encoder::seal(&mut buf);
    buf
}

#[test]
fn hostile_bodies_give_typed_errors() {
    // A symbol id that skips ahead.
    assert!(matches!(
        decode(&sealed(&[T_TIMER, 0, T_TRADE, 3])),
        Err(JournalError::OutOfRange { what: "symbol id", value: 3, at: 12 })
    ));
    // A tick of zero.
    let mut body = vec![T_TRADE, 0, 3, b'B', b'T', b'C', 0, 1];
    assert!(matches!(decode(&sealed(&body)), Err(JournalError::OutOfRange { what: "tick size", value: 0, .. })));
    // A book claiming a billion levels.
    body = vec![T_BOOK, 0, 3, b'B', b'T', b'C', 1, 1, 0, 1, 0, 0];
    body.extend([0x80, 0xa8, 0xd6, 0xb9, 0x07]); // varint 2e9: 1e9 levels, mode 0
    assert!(matches!(
        decode(&sealed(&body)),
        Err(JournalError::OutOfRange { what: "level count", value: 1_000_000_000, .. })
    ));
    // A level whose tick distance overflows a price: 1 step (3 = 1 << 1 | 1), then a distance of
    // i64::MAX ticks of 2.
    body = vec![T_BOOK, 0, 3, b'B', b'T', b'C', 2, 1, 0, 1, 0, 0, 2, 3];
    body.extend([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    assert!(matches!(decode(&sealed(&body)), Err(JournalError::OutOfRange { what: "price", .. })));
    // Format-1 records still get format 1's checks.
    assert!(matches!(decode(&sealed(&[11, 42])), Err(JournalError::BadTag { what: "command", tag: 42, .. })));
}

fn arb_price() -> impl Strategy<Value = Price> {
    prop_oneof![(0i64..2_000_000).prop_map(|t| Price::from_raw(t * 10_000_000)), any::<i64>().prop_map(Price::from_raw),]
}

fn arb_qty() -> impl Strategy<Value = Qty> {
    prop_oneof![(0i64..100_000).prop_map(|s| Qty::from_raw(s * 100_000)), any::<i64>().prop_map(Qty::from_raw)]
}

fn arb_levels() -> impl Strategy<Value = Vec<Level>> {
    proptest::collection::vec((arb_price(), arb_qty()).prop_map(|(price, qty)| Level { price, qty }), 0..6)
}

fn arb_event() -> impl Strategy<Value = Event> {
    let symbol = prop_oneof![Just(sym("BTCUSDT")), Just(sym("ETHUSDT")), Just(sym("X"))];
    let ts = prop_oneof![1_700_000_000_000i64..1_700_000_100_000, any::<i64>()];
    prop_oneof![
        Just(btc()),
        (symbol.clone(), ts.clone(), any::<bool>(), any::<u64>(), any::<u64>(), arb_levels(), arb_levels()).prop_map(
            |(symbol, ts_ms, snap, update_id, seq, bids, asks)| Event::Book(BookUpdate {
                symbol,
                ts_ms,
                kind: if snap { BookUpdateKind::Snapshot } else { BookUpdateKind::Delta },
                update_id,
                seq,
                bids,
                asks,
            })
        ),
        (symbol.clone(), ts.clone(), arb_price(), arb_qty(), any::<bool>(), any::<u64>()).prop_map(
            |(symbol, ts_ms, price, qty, buy, trade_id)| Event::Trade(Trade {
                symbol,
                ts_ms,
                price,
                qty,
                taker_side: if buy { Side::Buy } else { Side::Sell },
                trade_id,
            })
        ),
        (symbol.clone(), ts.clone(), arb_price(), arb_price(), arb_price(), arb_price(), any::<f64>()).prop_map(
            |(symbol, ts_ms, open, high, low, close, volume)| Event::Candle(Candle {
                symbol,
                interval: Interval::M1,
                ts_ms,
                open,
                high,
                low,
                close,
                volume,
                turnover: -volume,
                closed: volume > 0.0,
            })
        ),
        (symbol.clone(), ts.clone(), arb_price(), arb_qty()).prop_map(|(symbol, ts_ms, price, qty)| {
            Event::Liquidation(Liquidation { symbol, ts_ms, side: Side::Sell, price, qty })
        }),
        ts.prop_map(|ts_ms| Event::Timer { ts_ms }),
        proptest::sample::select(every_kind()),
    ]
}

/// `PartialEq` on events treats NaN as unequal to itself: compare the debug text, which shows
/// every field (floats are also compared to the bit by `every_event_kind_round_trips_exactly`).
fn same(a: &[Event], b: &[Event]) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_events_round_trip(events in proptest::collection::vec(arb_event(), 0..40)) {
        let back = decode(&chunk(&events)).unwrap();
        prop_assert!(same(&back, &events), "{back:?}\n!=\n{events:?}");
    }

    /// Arbitrary bytes behind a valid header reach the record decoder: never a panic.
    #[test]
    fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&sealed(&body));
    }

    #[test]
    fn arbitrary_payloads_never_panic(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode(&data);
    }

    /// Corrupting a byte of a real body (and resealing, so the checksum passes) never panics.
    #[test]
    fn corrupted_bodies_never_panic(pos in 0usize..4096, byte in any::<u8>()) {
        let mut buf = chunk(&every_kind());
        let i = HEADER + pos % (buf.len() - HEADER);
        buf[i] = byte;
        Encoder::seal(&mut buf);
        let _ = decode(&buf);
    }
}
