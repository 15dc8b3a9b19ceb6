//! Store tests: migrations, open errors, the writer, upserts, queries and imports.

use super::schema::{migrate, Migration, MIGRATIONS};
use super::*;
use crate::domain::{
    Alert, AlertLevel, Candle, ClientOrderId, EquityPoint, ExecId, Fill, Interval, ModeSwitch, Money, Order,
    OrderEvent, OrderId, OrderOrigin, OrderRequest, OrderStatus, OrderType, Position, Price, Qty, Rate, Side,
    SignalRecord, Symbol, TimeInForce, Trade, TriggerDirection,
};
use std::io::Write;

fn btc() -> Symbol {
    Symbol::new("BTCUSDT").unwrap()
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

fn candle(ts_ms: i64, close: &str) -> Candle {
    Candle {
        symbol: btc(),
        interval: Interval::M1,
        ts_ms,
        open: p("100"),
        high: p("101.5"),
        low: p("99.25"),
        close: p(close),
        volume: 12.5,
        turnover: 1250.0,
        closed: true,
    }
}

fn fill(i: u32, ts_ms: i64) -> Fill {
    Fill {
        symbol: btc(),
        client_order_id: ClientOrderId::new("ab-1").unwrap(),
        order_id: OrderId::new("venue-1").unwrap(),
        exec_id: ExecId::new(&format!("x-{i:06}")).unwrap(),
        side: Side::Buy,
        price: p("61837.63"),
        qty: q("0.001"),
        fee: m("0.03401069"),
        fee_rate: "0.00055".parse().unwrap(),
        is_maker: i % 2 == 0,
        ts_ms,
    }
}

fn order(id: &str) -> Order {
    Order::new(OrderRequest {
        position_idx: Default::default(),
        client_order_id: ClientOrderId::new(id).unwrap(),
        symbol: btc(),
        side: Side::Sell,
        order_type: OrderType::Limit,
        qty: q("0.3"),
        price: Some(p("100")),
        trigger_price: Some(p("99.5")),
        trigger_direction: Some(TriggerDirection::Falling),
        time_in_force: TimeInForce::PostOnly,
        reduce_only: true,
        origin: OrderOrigin::Protective(2),
        decision_price: p("100.1"),
        ts_ms: 1_000,
    })
}

fn temp_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("autobot.db");
    (dir, path)
}

fn write_file(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path).unwrap().write_all(text.as_bytes()).unwrap();
    path
}

#[test]
fn open_migrates_once_and_reopen_is_idempotent() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let version: i64 = store.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = store.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = store.conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
    assert_eq!(fk, 1);
    let session = store.new_session("sim", Some(42), "{\"a\":1}").unwrap();
    drop(store);
    // Re-opening must not re-run V1 (it would fail on CREATE TABLE) and must keep the data.
    let store = Store::open(&path).unwrap();
    let sessions = store.sessions().unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!((sessions[0].id, sessions[0].seed, sessions[0].venue.as_str()), (session, Some(42), "sim"));
    assert_eq!(store.count("sessions").unwrap(), 1);
}

#[test]
fn later_migrations_apply_only_what_is_missing() {
    let (_dir, path) = temp_db();
    drop(Store::open(&path).unwrap());
    let mut conn = rusqlite::Connection::open(&path).unwrap();
    let next: Vec<Migration> =
        MIGRATIONS.iter().copied().chain([Migration::Sql("CREATE TABLE extra (x INTEGER)")]).collect();
    migrate(&mut conn, &path, &next).unwrap();
    migrate(&mut conn, &path, &next).unwrap();
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION + 1);
    // A failing migration leaves the version where it was.
    let bad: Vec<Migration> = next.iter().copied().chain([Migration::Sql("CREATE TABLE extra (y INTEGER)")]).collect();
    let failing = SCHEMA_VERSION + 2;
    assert!(
        matches!(migrate(&mut conn, &path, &bad), Err(StoreError::Migration { version, .. }) if version == failing)
    );
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION + 1);
}

#[test]
fn newer_database_is_refused() {
    let (_dir, path) = temp_db();
    drop(Store::open(&path).unwrap());
    rusqlite::Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { found: 99, supported: SCHEMA_VERSION, .. }), "{err:?}");
    assert!(err.to_string().contains("autobot.db"), "{err}");
}

#[test]
fn unusable_paths_give_open_errors_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let not_db = write_file(dir.path(), "notes.txt", "this is not a database, just some text that is long enough\n");
    let cases = [
        std::path::PathBuf::from("/proc/x.db"),
        dir.path().to_path_buf(),
        dir.path().join("missing-dir").join("a.db"),
        not_db,
    ];
    assert!(matches!(Store::open(std::path::Path::new("")), Err(StoreError::Open { .. })));
    for path in cases {
        match Store::open(&path) {
            Err(e @ StoreError::Open { .. }) => {
                assert!(e.to_string().contains(&*path.to_string_lossy()), "{e}");
            }
            other => panic!("{}: expected an open error, got {other:?}", path.display()),
        }
    }
}

#[test]
fn writer_round_trips_every_message_type() {
    let store = Store::open_in_memory().unwrap();
    let session = store.new_session("sim", None, "{}").unwrap();
    let writer = StoreWriter::spawn(store, session);
    let tx = writer.sender();
    let trade = Trade {
        symbol: btc(),
        ts_ms: 5,
        price: p("100.5"),
        qty: q("0.25"),
        taker_side: Side::Sell,
        trade_id: u64::MAX,
    };
    let position = Position {
        position_idx: Default::default(),
        symbol: btc(),
        size: q("-0.3"),
        entry_value: m("30"),
        leverage: Rate::from_int(5),
        mark_price: p("99"),
        unrealised_pnl: m("0.3"),
        realised_pnl: m("-0.01"),
        margin: m("6"),
        liq_price: Some(p("119.5")),
        ts_ms: 7,
    };
    let equity = EquityPoint { ts_ms: 8, equity: m("1000.3"), wallet_balance: m("1000"), unrealised_pnl: m("0.3") };
    let signal = SignalRecord {
        ts_ms: 9,
        symbol: btc(),
        mode: "trend".into(),
        action: "enter_short".into(),
        price: p("100"),
        reason: "ema cross".into(),
    };
    let switch =
        ModeSwitch { ts_ms: 10, symbol: btc(), from: "chop".into(), to: "trend".into(), reason: "adx 31".into() };
    let alert = Alert { ts_ms: 11, level: AlertLevel::Warning, kind: "risk".into(), message: "daily loss 80%".into() };
    let mut o = order("ab-7");
    o.order_id = Some(OrderId::new("venue-7").unwrap());
    o.apply(OrderEvent::AcceptedConditional, 2).unwrap();
    o.apply(OrderEvent::Triggered, 3).unwrap();
    o.apply_fill(p("100"), q("0.1"), m("0.0055"), 4).unwrap();
    o.qty = q("0.2"); // amended after the fill
    o.price = Some(p("100.5"));

    tx.send(StoreMsg::Candle(candle(60_000, "100.75"))).unwrap();
    tx.send(trade.into()).unwrap();
    tx.send(StoreMsg::Order(Box::new(o.clone()))).unwrap();
    tx.send(fill(1, 4).into()).unwrap();
    tx.send(position.into()).unwrap();
    tx.send(equity.into()).unwrap();
    tx.send(signal.clone().into()).unwrap();
    tx.send(switch.clone().into()).unwrap();
    tx.send(alert.clone().into()).unwrap();
    drop(tx);
    let (store, stats) = writer.finish_with_store().unwrap();
    assert_eq!(stats.total_rows(), 9);
    assert_eq!((stats.candles, stats.orders, stats.alerts, stats.failed), (1, 1, 1, 0));

    assert_eq!(store.candles(btc(), Interval::M1, 0, i64::MAX).unwrap(), vec![candle(60_000, "100.75")]);
    assert_eq!(store.trades(btc(), 0, 100).unwrap(), vec![trade]);
    let orders = store.orders(session).unwrap();
    assert_eq!(orders, vec![o]);
    assert_eq!(orders[0].status, OrderStatus::PartiallyFilled);
    assert_eq!(store.fills(Some(session)).unwrap(), vec![fill(1, 4)]);
    assert_eq!(store.positions(session).unwrap(), vec![position]);
    assert_eq!(store.equity(session).unwrap(), vec![equity]);
    assert_eq!(store.signals(session).unwrap(), vec![signal]);
    assert_eq!(store.mode_switches(session).unwrap(), vec![switch]);
    assert_eq!(store.alerts(10).unwrap(), vec![alert]);
    // avg price column: 10 / 0.1 = 100 exactly.
    let avg: i64 = store.conn.query_row("SELECT avg_price FROM orders", [], |r| r.get(0)).unwrap();
    assert_eq!(avg, 100 * 100_000_000);
}

#[test]
fn finish_writes_all_10k_fills_and_repeated_exec_ids_count_once() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let session = store.new_session("sim", Some(1), "{}").unwrap();
    let writer = StoreWriter::spawn(store, session);
    let tx = writer.sender();
    for i in 0..10_000 {
        tx.send(StoreMsg::Fill(fill(i, i as i64))).unwrap();
    }
    tx.send(StoreMsg::Fill(fill(17, 17))).unwrap(); // a replay after a reconnect
    let stats = writer.finish().unwrap();
    assert_eq!(stats.fills, 10_000);
    assert!(stats.batches >= 2, "10k messages need at least two 5k batches, got {}", stats.batches);
    // The sender outlived `finish`: it is refused, not silently lost.
    assert!(matches!(tx.send(StoreMsg::Fill(fill(1, 1))), Err(StoreError::WriterClosed)));
    let reader = Store::open(&path).unwrap();
    assert_eq!(reader.count("fills").unwrap(), 10_000);
    let fills = reader.fills(None).unwrap();
    assert_eq!((fills[0].exec_id.as_str(), fills[9_999].exec_id.as_str()), ("x-000000", "x-009999"));
    assert_eq!(reader.fills(Some(session + 1)).unwrap(), vec![]);
}

#[test]
fn flush_returns_only_after_the_rows_are_visible_to_other_connections() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let session = store.new_session("sim", None, "{}").unwrap();
    let reader = Store::open(&path).unwrap();
    let writer = StoreWriter::spawn(store, session);
    let tx = writer.sender();
    for round in 1..=3i64 {
        for i in 0..500 {
            tx.send(StoreMsg::Equity(EquityPoint {
                ts_ms: round * 1_000 + i,
                equity: Money::from_int(round),
                wallet_balance: Money::ZERO,
                unrealised_pnl: Money::ZERO,
            }))
            .unwrap();
        }
        tx.flush();
        assert_eq!(reader.count("equity").unwrap(), round * 500);
    }
    writer.flush();
    assert_eq!(writer.finish().unwrap().equity, 1_500);
}

#[test]
fn dropping_every_sender_drains_the_queue() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let session = store.new_session("sim", None, "{}").unwrap();
    let writer = StoreWriter::spawn(store, session);
    let tx = writer.sender();
    for i in 0..100 {
        tx.send(StoreMsg::Candle(candle(i * 60_000, "100"))).unwrap();
    }
    drop(tx);
    let StoreWriter { sender, handle, .. } = writer;
    drop(sender);
    let result = handle.join().unwrap();
    assert_eq!(result.stats.candles, 100);
    assert_eq!(Store::open(&path).unwrap().count("candles").unwrap(), 100);
}

#[test]
fn a_failing_record_is_reported_and_does_not_sink_its_batch() {
    let store = Store::open_in_memory().unwrap();
    // Session 99 does not exist: session-scoped rows break the foreign key.
    let writer = StoreWriter::spawn(store, 99);
    let tx = writer.sender();
    tx.send(StoreMsg::Candle(candle(0, "100"))).unwrap();
    tx.send(StoreMsg::Fill(fill(1, 1))).unwrap();
    tx.send(StoreMsg::Candle(candle(60_000, "100"))).unwrap();
    match writer.finish() {
        Err(StoreError::WriteFailed { failed, first, stats }) => {
            assert_eq!(failed, 1);
            assert_eq!(stats.candles, 2);
            assert!(first.contains("FOREIGN KEY"), "{first}");
        }
        other => panic!("expected WriteFailed, got {other:?}"),
    }
}

#[test]
fn orders_are_upserted_on_every_status_change() {
    let store = Store::open_in_memory().unwrap();
    let session = store.new_session("sim", None, "{}").unwrap();
    let writer = StoreWriter::spawn(store, session);
    let mut o = order("ab-1");
    writer.sender().send(StoreMsg::Order(Box::new(o.clone()))).unwrap();
    o.apply(OrderEvent::AcceptedConditional, 2).unwrap();
    writer.sender().send(StoreMsg::Order(Box::new(o.clone()))).unwrap();
    o.apply(OrderEvent::Cancelled, 3).unwrap();
    o.reject_reason = Some("operator cancel".into());
    writer.sender().send(StoreMsg::Order(Box::new(o.clone()))).unwrap();
    let (store, stats) = writer.finish_with_store().unwrap();
    assert_eq!(stats.orders, 3);
    assert_eq!(store.count("orders").unwrap(), 1);
    let stored = store.orders(session).unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].status, OrderStatus::Deactivated);
    assert_eq!((stored[0].created_ms, stored[0].updated_ms), (1_000, 3));
    assert_eq!(stored[0].reject_reason.as_deref(), Some("operator cancel"));
    assert_eq!(stored[0], o);
}

#[test]
fn candle_range_is_half_open_and_per_series() {
    let mut store = Store::open_in_memory().unwrap();
    let bars: Vec<Candle> = (0..10).map(|i| candle(i * 60_000, "100")).collect();
    assert_eq!(store.upsert_candles(&bars).unwrap(), 10);
    let eth = Candle { symbol: Symbol::new("ETHUSDT").unwrap(), ..candle(120_000, "3") };
    let hourly = Candle { interval: Interval::H1, ..candle(0, "5") };
    store.upsert_candles(&[eth, hourly, candle(180_000, "100.5")]).unwrap();
    let got = store.candles(btc(), Interval::M1, 120_000, 300_000).unwrap();
    let ts: Vec<i64> = got.iter().map(|c| c.ts_ms).collect();
    assert_eq!(ts, vec![120_000, 180_000, 240_000]);
    assert_eq!(got[1].close, p("100.5"), "the upsert replaced the bar");
    assert_eq!(store.candles(btc(), Interval::M1, 600_000, 700_000).unwrap(), vec![]);
    assert_eq!(store.last_candle_ts(btc(), Interval::M1).unwrap(), Some(540_000));
    assert_eq!(store.last_candle_ts(btc(), Interval::D1).unwrap(), None);
    assert_eq!(store.count("candles").unwrap(), 12);
    assert!(matches!(store.count("candles; DROP TABLE x"), Err(StoreError::UnknownTable(_))));
}

#[test]
fn alerts_come_newest_first_up_to_the_limit() {
    let store = Store::open_in_memory().unwrap();
    let session = store.new_session("live", None, "{}").unwrap();
    let writer = StoreWriter::spawn(store, session);
    for (ts, kind) in [(3, "c"), (1, "a"), (2, "b")] {
        let a = Alert { ts_ms: ts, level: AlertLevel::Critical, kind: kind.into(), message: String::new().into() };
        writer.sender().send(StoreMsg::Alert(a)).unwrap();
    }
    let (store, _) = writer.finish_with_store().unwrap();
    let kinds: Vec<String> = store.alerts(2).unwrap().into_iter().map(|a| a.kind.into_owned()).collect();
    assert_eq!(kinds, vec!["c", "b"]);
}

#[test]
fn import_reads_a_good_file_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write_file(
        dir.path(),
        "c.csv",
        "\u{feff}ts_ms,open,high,low,close,volume\r\n\
         1502942400000,4261.48,4313.62,4261.32,4308.83,47.181009\r\n\
         1502946000000,4308.83,4328.69,4291.37,4315.32,23.234916\r\n\
         \r\n",
    );
    let mut store = Store::open_in_memory().unwrap();
    let stats = store.import_candles_csv(&csv, btc(), Interval::H1).unwrap();
    assert_eq!(
        (stats.rows, stats.first_ts_ms, stats.last_ts_ms),
        (2, Some(1_502_942_400_000), Some(1_502_946_000_000))
    );
    let got = store.candles(btc(), Interval::H1, 0, i64::MAX).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].low, p("4291.37"));
    assert_eq!(got[1].low.raw(), 429_137_000_000);
    assert_eq!(got[0].volume, 47.181009);
    // Importing again is an upsert, not a duplicate.
    store.import_candles_csv(&csv, btc(), Interval::H1).unwrap();
    assert_eq!(store.count("candles").unwrap(), 2);
}

#[test]
fn a_bad_row_aborts_the_import_with_its_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("ts_ms,open,high,low,close,volume\n");
    for i in 0..1_000 {
        text.push_str(&format!("{},10,11,9,10.5,1\n", i * 60_000));
    }
    text.push_str("60000000,10,11,nine,10.5,1\n"); // line 1002
    let csv = write_file(dir.path(), "bad.csv", &text);
    let mut store = Store::open_in_memory().unwrap();
    store.upsert_candles(&[candle(0, "100")]).unwrap();
    let err = store.import_candles_csv(&csv, btc(), Interval::M1).unwrap_err();
    match &err {
        StoreError::Csv { line, message, .. } => {
            assert_eq!(*line, 1002);
            assert!(message.contains("low `nine`"), "{message}");
        }
        other => panic!("expected a CSV error, got {other:?}"),
    }
    assert!(err.to_string().contains("bad.csv` line 1002"), "{err}");
    // The one pre-existing bar is untouched (the import would have overwritten its close).
    assert_eq!(store.count("candles").unwrap(), 1);
    assert_eq!(store.candles(btc(), Interval::M1, 0, 1).unwrap()[0].close, p("100"));

    let header = write_file(dir.path(), "h.csv", "time,o,h,l,c,v\n1,2,3,4,5,6\n");
    assert!(matches!(store.import_candles_csv(&header, btc(), Interval::M1), Err(StoreError::Csv { line: 1, .. })));
    let long =
        write_file(dir.path(), "long.csv", &format!("ts_ms,open,high,low,close,volume\n{}\n", "9".repeat(5_000)));
    match store.import_candles_csv(&long, btc(), Interval::M1) {
        Err(StoreError::Csv { line: 2, message, .. }) => assert!(message.contains("longer than 4096"), "{message}"),
        other => panic!("expected a line-2 CSV error, got {other:?}"),
    }
    let missing = dir.path().join("nope.csv");
    assert!(matches!(store.import_candles_csv(&missing, btc(), Interval::M1), Err(StoreError::Io { .. })));
}

#[test]
fn imports_the_real_binance_btcusdt_hourly_file() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/binance_BTCUSDT_1h.csv");
    if !path.exists() {
        println!("SKIP: {} is absent (real data lives outside the repo)", path.display());
        return;
    }
    let mut store = Store::open_in_memory().unwrap();
    let stats = store.import_candles_csv(&path, btc(), Interval::H1).unwrap();
    assert_eq!(stats.rows, 55_765);
    assert_eq!(stats.first_ts_ms, Some(1_502_942_400_000));
    assert_eq!(store.count("candles").unwrap(), 55_765);
    let first = store.candles(btc(), Interval::H1, 0, 1_502_946_000_000).unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!((first[0].open, first[0].high, first[0].close), (p("4261.48"), p("4313.62"), p("4308.83")));
    assert_eq!(store.last_candle_ts(btc(), Interval::H1).unwrap(), stats.last_ts_ms);
}

#[test]
fn import_writes_full_chunks_and_the_tail_alike() {
    let dir = tempfile::tempdir().unwrap();
    // 300 rows = two 128-row chunks + a 44-row tail; close i + 0.00000001 tells rows apart.
    let mut text = String::from("ts_ms,open,high,low,close,volume,turnover\n");
    for i in 0..300 {
        text.push_str(&format!("{},{i}.5,{}.5,{i}.00000001,{i}.00000001,{i},0.25\n", i * 60_000, i + 1));
    }
    let csv = write_file(dir.path(), "c.csv", &text);
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(store.import_candles_csv(&csv, btc(), Interval::M1).unwrap().rows, 300);
    let got = store.candles(btc(), Interval::M1, 0, i64::MAX).unwrap();
    assert_eq!(got.len(), 300);
    for i in [0usize, 127, 128, 255, 256, 299] {
        let c = &got[i];
        assert_eq!(c.ts_ms, i as i64 * 60_000);
        assert_eq!(c.close.raw(), i as i64 * 100_000_000 + 1);
        assert_eq!(c.high.raw(), (i as i64 + 1) * 100_000_000 + 50_000_000);
        assert_eq!((c.volume, c.turnover, c.closed), (i as f64, 0.25, true));
    }
}

#[test]
fn a_locked_database_fails_the_batch_fast_and_reports_it() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    store.conn.busy_timeout(std::time::Duration::from_millis(20)).unwrap();
    let session = store.new_session("sim", None, "{}").unwrap();
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap(); // holds the write lock
    let writer = StoreWriter::spawn(store, session);
    for i in 0..50 {
        writer.sender().send(StoreMsg::Fill(fill(i, i as i64))).unwrap();
    }
    writer.flush();
    other.execute_batch("ROLLBACK").unwrap();
    writer.sender().send(StoreMsg::Fill(fill(99, 99))).unwrap();
    match writer.finish() {
        Err(StoreError::WriteFailed { failed, first, stats }) => {
            assert_eq!(failed, 50);
            assert_eq!(stats.fills, 1, "the writer recovers once the lock is gone");
            assert!(first.contains("locked"), "{first}");
        }
        other => panic!("expected WriteFailed, got {other:?}"),
    }
}

#[test]
fn a_bad_row_after_batches_went_in_still_writes_nothing_and_pragmas_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let pragma = |store: &Store, name: &str| -> i64 {
        store.conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0)).unwrap()
    };
    // 10,000 good rows: more than two of the parser's batches are inserted before line 10,002.
    let mut text = String::from("ts_ms,open,high,low,close,volume\n");
    for i in 0..10_000 {
        text.push_str(&format!("{},10,11,9,10.5,1\n", i * 60_000));
    }
    let good = write_file(dir.path(), "good.csv", &text);
    text.push_str("600000000,10,9,9,10.5,1\n"); // line 10,002: high below open
    let bad = write_file(dir.path(), "bad.csv", &text);
    let mut store = Store::open(&dir.path().join("db.sqlite")).unwrap();
    let err = store.import_candles_csv(&bad, btc(), Interval::M1).unwrap_err();
    assert!(matches!(err, StoreError::Csv { line: 10_002, .. }), "{err}");
    assert_eq!(store.count("candles").unwrap(), 0);
    // NORMAL is 1; the page cache is back to 32 MiB.
    assert_eq!((pragma(&store, "synchronous"), pragma(&store, "cache_size")), (1, -16_384));
    let stats = store.import_candles_csv(&good, btc(), Interval::M1).unwrap();
    assert_eq!((stats.rows, stats.first_ts_ms, stats.last_ts_ms), (10_000, Some(0), Some(9_999 * 60_000)));
    assert_eq!(store.count("candles").unwrap(), 10_000);
    assert_eq!((pragma(&store, "synchronous"), pragma(&store, "cache_size")), (1, -16_384));
}

#[test]
fn appending_and_overlapping_imports_both_land_correctly() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, from: i64, to: i64, close: &str| {
        let mut text = String::from("ts_ms,open,high,low,close,volume\n");
        for i in from..to {
            text.push_str(&format!("{},10,12,9,{close},1\n", i * 60_000));
        }
        write_file(dir.path(), name, &text)
    };
    let mut store = Store::open_in_memory().unwrap();
    // Bars 0..200, then 200..300 (starts after every stored bar: the plain-insert path), then
    // 250..350 (overlaps: the upsert path rewrites 250..300 and adds 300..350).
    store.import_candles_csv(&file("a.csv", 0, 200, "10.5"), btc(), Interval::M1).unwrap();
    store.import_candles_csv(&file("b.csv", 200, 300, "11"), btc(), Interval::M1).unwrap();
    store.import_candles_csv(&file("c.csv", 250, 350, "11.5"), btc(), Interval::M1).unwrap();
    let got = store.candles(btc(), Interval::M1, 0, i64::MAX).unwrap();
    assert_eq!(got.len(), 350);
    let close = |i: usize| got[i].close.raw();
    assert_eq!((close(199), close(200), close(249)), (1_050_000_000, 1_100_000_000, 1_100_000_000));
    assert_eq!((close(250), close(299), close(349)), (1_150_000_000, 1_150_000_000, 1_150_000_000));
    // Another series of the same symbol is independent: its first import appends.
    store.import_candles_csv(&file("d.csv", 0, 10, "11"), btc(), Interval::M5).unwrap();
    assert_eq!(store.count("candles").unwrap(), 360);
}
