use super::*;
use crate::domain::{Balance, ManualOrder, PositionIdx};

fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap()
}
fn p(s: &str) -> Price {
    s.parse().unwrap()
}
fn q(s: &str) -> Qty {
    s.parse().unwrap()
}
fn m(s: &str) -> Money {
    s.parse().unwrap()
}

/// One event of every kind, with awkward values (negative, zero, NaN-free extremes, options).
pub(crate) fn every_kind() -> Vec<Event> {
    let s = sym("BTCUSDT");
    let cid = ClientOrderId::new("ab-lq2x1k0-42-t").unwrap();
    vec![
        Event::Instrument(Instrument::demo(s, "0.1", "0.001", "0.001", "100")),
        Event::Candle(Candle {
            symbol: s,
            interval: Interval::H4,
            ts_ms: 1_700_000_000_000,
            open: p("65000.1"),
            high: p("65010.5"),
            low: p("64990"),
            close: p("65001.25"),
            volume: 12.345_678_901_234_567,
            turnover: f64::MAX,
            closed: true,
        }),
        Event::Trade(Trade {
            symbol: s,
            ts_ms: 1,
            price: p("0.00000001"),
            qty: q("3"),
            taker_side: Side::Sell,
            trade_id: u64::MAX,
        }),
        Event::Book(BookUpdate {
            symbol: sym("ETHUSDT"),
            ts_ms: -5,
            kind: BookUpdateKind::Delta,
            update_id: 7,
            seq: 0,
            bids: vec![Level { price: p("10"), qty: q("0") }, Level { price: p("9.5"), qty: q("2") }],
            asks: vec![],
        }),
        Event::Ticker(Ticker {
            symbol: s,
            ts_ms: 2,
            last_price: p("1"),
            mark_price: p("2"),
            index_price: p("3"),
            bid1: p("0.9"),
            ask1: p("1.1"),
            funding_rate: Rate::from_raw(-10_000),
            next_funding_ms: 28_800_000,
            open_interest: -0.0,
            volume_24h: 1e-300,
            turnover_24h: 0.1,
            price_24h_pct: -3.5,
        }),
        Event::Liquidation(Liquidation { symbol: s, ts_ms: 3, side: Side::Buy, price: p("60000"), qty: q("0.5") }),
        Event::Order(OrderUpdate {
            client_order_id: cid,
            order_id: Some(OrderId::new("sim-1").unwrap()),
            symbol: s,
            status: OrderStatus::PartiallyFilledCanceled,
            qty: q("1"),
            price: None,
            trigger_price: Some(p("64000")),
            filled_qty: q("0.25"),
            ts_ms: 4,
            reason: Some(RejectReason::ReduceOnlyWouldIncrease),
        }),
        Event::Fill(Fill {
            symbol: s,
            client_order_id: cid,
            order_id: OrderId::new("sim-1").unwrap(),
            exec_id: ExecId::new("e-9").unwrap(),
            side: Side::Buy,
            price: p("65000"),
            qty: q("0.25"),
            fee: m("-0.5"),
            fee_rate: Rate::from_raw(55_000),
            is_maker: false,
            ts_ms: 5,
        }),
        Event::Position(Position { liq_price: Some(p("1000")), size: q("-0.25"), ..Position::flat(s) }),
        Event::Position(Position { position_idx: PositionIdx::Short, size: q("-0.5"), ..Position::flat(s) }),
        Event::Balance(Balance {
            wallet_balance: m("10000"),
            equity: m("9999.5"),
            available: m("9000"),
            used_margin: m("999.5"),
            unrealised_pnl: m("-0.5"),
            ts_ms: i64::MIN,
        }),
        Event::Timer { ts_ms: i64::MAX },
        Event::Command(Command::PauseAutomation),
        Event::Command(Command::ResumeAutomation),
        Event::Command(Command::SetModeEnabled { mode: "range".into(), enabled: false }),
        Event::Command(Command::LockMode { mode: Some("trend".into()) }),
        Event::Command(Command::LockMode { mode: None }),
        Event::Command(Command::SetAutoSwitch { enabled: true }),
        Event::Command(Command::PlaceOrder(ManualOrder {
            symbol: s,
            side: Side::Sell,
            order_type: OrderType::Limit,
            qty: q("0.01"),
            price: Some(p("70000")),
            trigger_price: None,
            time_in_force: TimeInForce::PostOnly,
            reduce_only: true,
        })),
        Event::Command(Command::CancelOrder { client_order_id: cid }),
        Event::Command(Command::CancelAll { symbol: None }),
        Event::Command(Command::Flatten { symbol: s }),
        Event::Command(Command::KillSwitch { engage: true }),
        Event::Command(Command::Rebalance {
            targets: vec![(s, "0.3".parse().unwrap()), (sym("ETHUSDT"), "-0.125".parse().unwrap())],
        }),
        Event::Command(Command::Rebalance { targets: Vec::new() }),
    ]
}

fn encode_all(events: &[Event]) -> Vec<u8> {
    let mut buf = Vec::new();
    for e in events {
        append_event(&mut buf, e);
    }
    buf
}

#[test]
fn every_event_kind_round_trips_exactly() {
    let events = every_kind();
    let buf = encode_all(&events);
    let mut back = Vec::new();
    decode_chunk(&buf, &mut back).unwrap();
    assert_eq!(back.len(), events.len());
    for (a, b) in events.iter().zip(&back) {
        assert_eq!(a, b);
    }
    // f64 is kept to the bit (`-0.0 == 0.0` would hide a lost sign).
    let Event::Ticker(t) = &back[4] else { panic!("not a ticker: {:?}", back[4]) };
    assert_eq!(t.open_interest.to_bits(), (-0.0f64).to_bits());
}

#[test]
fn layout_matches_the_hand_worked_bytes() {
    let mut buf = Vec::new();
    // zigzag(-1) = 1: length 2, tag 10, varint 1.
    append_event(&mut buf, &Event::Timer { ts_ms: -1 });
    assert_eq!(buf, [2, 10, 1]);
    buf.clear();
    // zigzag(64) = 128 = varint [0x80, 0x01].
    append_event(&mut buf, &Event::Timer { ts_ms: 64 });
    assert_eq!(buf, [3, 10, 0x80, 0x01]);
    buf.clear();
    // Command 7 (CancelAll) with None: tag 11, 7, 0.
    append_event(&mut buf, &Event::Command(Command::CancelAll { symbol: None }));
    assert_eq!(buf, [3, 11, 7, 0]);
}

#[test]
fn rebalance_commands_take_the_next_free_tag_and_old_tags_are_unchanged() {
    let mut buf = Vec::new();
    // Tag 11 (command), 12 (rebalance), 1 target, "BTC" (3 bytes), 0.5 = raw 50,000,000,
    // zigzag 100,000,000 = varint [0x80, 0xc2, 0xd7, 0x2f].
    let targets = vec![(sym("BTC"), "0.5".parse().unwrap())];
    append_event(&mut buf, &Event::Command(Command::Rebalance { targets: targets.clone() }));
    assert_eq!(buf, [11, 11, 12, 1, 3, b'B', b'T', b'C', 0x80, 0xc2, 0xd7, 0x2f]);
    let mut back = Vec::new();
    decode_chunk(&buf, &mut back).unwrap();
    assert_eq!(back, vec![Event::Command(Command::Rebalance { targets })]);
    // A journal written before the rebalance command (tags 0-11) reads exactly as before.
    let old: [(&[u8], Command); 3] = [
        (&[2, 11, 0], Command::PauseAutomation),
        (&[3, 11, 9, 1], Command::KillSwitch { engage: true }),
        (&[2, 11, 11], Command::SaveConfig),
    ];
    for (bytes, want) in old {
        let mut back = Vec::new();
        decode_chunk(bytes, &mut back).unwrap();
        assert_eq!(back, vec![Event::Command(want)]);
    }
    // A target count the record cannot hold is refused, not allocated.
    let mut back = Vec::new();
    assert!(decode_chunk(&[4, 11, 12, 0xff, 0x7f], &mut back).is_err());
}

#[test]
fn long_records_get_a_multi_byte_length() {
    let levels: Vec<Level> = (1..=40).map(|i| Level { price: Price::from_int(i), qty: Qty::from_int(i) }).collect();
    let ev = Event::Book(BookUpdate {
        symbol: sym("BTCUSDT"),
        ts_ms: 0,
        kind: BookUpdateKind::Snapshot,
        update_id: 1,
        seq: 1,
        bids: levels.clone(),
        asks: levels,
    });
    let buf = encode_all(&[ev.clone(), Event::Timer { ts_ms: 1 }]);
    assert!(buf[0] & 0x80 != 0, "a record over 127 bytes needs two length bytes");
    let mut back = Vec::new();
    decode_chunk(&buf, &mut back).unwrap();
    assert_eq!(back, vec![ev, Event::Timer { ts_ms: 1 }]);
}

#[test]
fn every_truncation_is_a_clean_error() {
    let buf = encode_all(&every_kind());
    // Every prefix that cuts a record: an error (Truncated), never a panic or a wrong event.
    let mut ends = Vec::new();
    let mut d = Dec::new(&buf);
    while !d.is_empty() {
        let n = d.varint("len").unwrap() as usize;
        d.take(n, "rec").unwrap();
        ends.push(d.pos);
    }
    for cut in 1..buf.len() {
        let mut out = Vec::new();
        let r = decode_chunk(&buf[..cut], &mut out);
        if ends.contains(&cut) {
            assert!(r.is_ok(), "cut at a record boundary {cut}: {r:?}");
        } else {
            assert!(matches!(r, Err(JournalError::Truncated { .. })), "cut {cut}: {r:?}");
        }
    }
}

#[test]
fn hostile_payloads_give_typed_errors() {
    let dec = |b: &[u8]| {
        let mut out = Vec::new();
        decode_chunk(b, &mut out).map(|_| out)
    };
    // Unknown event tag.
    assert_eq!(dec(&[1, 99]), Err(JournalError::BadTag { what: "event", tag: 99, at: 1 }));
    // Unknown command tag.
    assert_eq!(dec(&[2, 11, 42]), Err(JournalError::BadTag { what: "command", tag: 42, at: 2 }));
    // A bool that is neither 0 nor 1.
    assert!(matches!(dec(&[3, 11, 4, 2]), Err(JournalError::BadTag { what: "bool", tag: 2, .. })));
    // A varint that never ends.
    assert_eq!(dec(&[0xff; 12]), Err(JournalError::BadVarint { at: 0 }));
    // A record whose declared length is longer than its fields.
    assert_eq!(dec(&[3, 10, 1, 0]), Err(JournalError::LengthMismatch { at: 0, declared: 3, used: 2 }));
    // A symbol with a character symbols may not have.
    let instrument = {
        let mut b = vec![0u8, 3, b'B', b'/', b'C'];
        b.extend([0u8; 8]);
        let mut framed = vec![b.len() as u8];
        framed.extend(b);
        framed
    };
    match dec(&instrument) {
        Err(JournalError::BadText { what: "Symbol", value, at: 2, .. }) => assert_eq!(value, "B/C"),
        other => panic!("{other:?}"),
    }
    // A symbol longer than any symbol.
    let mut long = vec![0u8, 0xc8, 0x01]; // tag 0, varint 200
    long.extend([b'A'; 200]);
    let mut framed = vec![0x80 | (long.len() & 0x7f) as u8, (long.len() >> 7) as u8];
    framed.extend(long);
    assert!(matches!(dec(&framed), Err(JournalError::OutOfRange { what: "Symbol", value: 200, .. })));
    // A book claiming a billion levels in a few bytes: refused before any allocation.
    let mut book = vec![3u8, 7, b'B', b'T', b'C', b'U', b'S', b'D', b'T', 0, 0, 0, 0];
    book.extend([0x80, 0x94, 0xeb, 0xdc, 0x03]); // varint 1e9
    let mut framed = vec![book.len() as u8];
    framed.extend(book);
    assert!(matches!(dec(&framed), Err(JournalError::OutOfRange { what: "level count", value: 1_000_000_000, .. })));
    // A mode name that is not UTF-8.
    assert!(matches!(dec(&[5, 11, 2, 2, 0xff, 0xfe]), Err(JournalError::BadText { what: "text", .. })));
}

#[test]
fn varints_cover_the_whole_range() {
    for v in [0i64, 1, -1, 63, -64, 64, i64::MAX, i64::MIN, 1_700_000_000_000] {
        let mut b = Vec::new();
        v.enc(&mut b);
        assert!(b.len() <= 10);
        let mut d = Dec::new(&b);
        assert_eq!(i64::dec(&mut d).unwrap(), v);
        assert!(d.is_empty());
    }
    // u64::MAX takes exactly ten bytes, the last one 0x01.
    let mut b = Vec::new();
    u64::MAX.enc(&mut b);
    assert_eq!(b.len(), 10);
    assert_eq!(b[9], 1);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    /// Corrupting any byte of a journal never panics: it decodes to something or errors.
    #[test]
    fn corrupted_bytes_never_panic(pos in 0usize..4096, byte in proptest::prelude::any::<u8>()) {
        let mut buf = encode_all(&every_kind());
        let i = pos % buf.len();
        buf[i] = byte;
        let mut out = Vec::new();
        let _ = decode_chunk(&buf, &mut out);
    }

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)) {
        let mut out = Vec::new();
        let _ = decode_chunk(&data, &mut out);
    }
}

#[test]
fn a_one_way_position_keeps_the_old_layout_and_a_hedge_side_adds_its_idx() {
    let s = sym("BTCUSDT");
    let one_way = Event::Position(Position { size: q("1"), ..Position::flat(s) });
    let short = Event::Position(Position { position_idx: PositionIdx::Short, ..Position::flat(s) });
    let (mut a, mut b) = (Vec::new(), Vec::new());
    append_event(&mut a, &one_way);
    append_event(&mut b, &short);
    // Tag 8 (format of old journals) for one-way; tag 13 and the idx byte (2) last for hedge mode.
    assert_eq!(a[1], 8);
    assert_eq!((b[1], b[b.len() - 1]), (13, 2));
    // The same fields, one byte longer.
    assert_eq!(b.len(), encoded_len(&Event::Position(Position::flat(s))) + 1);
    // An idx that is not 0, 1 or 2 is a typed error.
    let last = b.len() - 1;
    b[last] = 7;
    let err = decode_chunk(&b, &mut Vec::new()).unwrap_err();
    assert!(matches!(err, JournalError::BadTag { what: "position idx", tag: 7, .. }), "{err:?}");
}

fn encoded_len(e: &Event) -> usize {
    let mut v = Vec::new();
    append_event(&mut v, e);
    v.len()
}
