//! Candle-table tests: the version-2 migration of an old database (series ids, packed bars),
//! corrupt bars, and the range helpers a download uses.

use super::schema::{migrate, MIGRATIONS};
use super::*;
use crate::domain::{Candle, Interval, Price, Symbol};

fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap()
}

fn bar(symbol: &str, interval: Interval, ts_ms: i64, close_raw: i64, closed: bool) -> Candle {
    Candle {
        symbol: sym(symbol),
        interval,
        ts_ms,
        open: Price::from_raw(close_raw - 3),
        high: Price::from_raw(close_raw + 7),
        low: Price::from_raw(close_raw - 11),
        close: Price::from_raw(close_raw),
        volume: ts_ms as f64 / 1000.0 + 0.125,
        turnover: if closed { 12.5 } else { 0.0 },
        closed,
    }
}

/// A version-1 database (the TEXT-keyed, seven-column candle table) with `candles` in it.
fn v1_database(path: &std::path::Path, candles: &[Candle]) {
    let mut conn = rusqlite::Connection::open(path).unwrap();
    migrate(&mut conn, path, &MIGRATIONS[..1]).unwrap();
    let tx = conn.transaction().unwrap();
    for c in candles {
        tx.execute(
            "INSERT INTO candles (symbol, interval, ts_ms, open, high, low, close, volume, turnover, closed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            rusqlite::params![
                c.symbol.as_str(),
                c.interval.as_bybit(),
                c.ts_ms,
                c.open.raw(),
                c.high.raw(),
                c.low.raw(),
                c.close.raw(),
                c.volume,
                c.turnover,
                c.closed
            ],
        )
        .unwrap();
    }
    tx.execute("INSERT INTO sessions (started_ms, venue, config) VALUES (5, 'sim', '{}')", []).unwrap();
    tx.commit().unwrap();
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 1);
}

#[test]
fn an_old_database_is_migrated_with_no_candle_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    // Three series, one of them with an open bar, prices at the i64 edges, 2,500 one-minute bars.
    let mut old: Vec<Candle> =
        (0..2_500).map(|i| bar("BTCUSDT", Interval::M1, i * 60_000, 3_000_000 + i, true)).collect();
    old.push(bar("BTCUSDT", Interval::M1, 2_500 * 60_000, 9_999, false));
    old.extend((0..30).map(|i| bar("ETHUSDT", Interval::M1, i * 60_000, 200_000 + i, true)));
    old.extend((0..5).map(|i| bar("BTCUSDT", Interval::H1, i * 3_600_000, 3_000_000 - i, true)));
    let mut edge = bar("ETHUSDT", Interval::H4, 0, 11, true);
    edge.high = Price::from_raw(i64::MAX);
    old.push(edge);
    v1_database(&path, &old);

    let store = Store::open(&path).unwrap();
    let version: i64 = store.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    assert_eq!(store.count("candles").unwrap(), old.len() as i64);
    assert_eq!(store.count("series").unwrap(), 4);
    let all = |s: &str, iv| store.candles(sym(s), iv, i64::MIN, i64::MAX).unwrap();
    let mut got = all("BTCUSDT", Interval::M1);
    got.extend(all("ETHUSDT", Interval::M1));
    got.extend(all("BTCUSDT", Interval::H1));
    got.extend(all("ETHUSDT", Interval::H4));
    assert_eq!(got, old, "every candle comes back bit for bit, open bar included");
    assert!(!got[2_500].closed);
    assert_eq!(got[2_500].close.raw(), 9_999);
    // Other tables are untouched and the migrated store keeps working.
    assert_eq!(store.sessions().unwrap().len(), 1);
    drop(store);
    let mut store = Store::open(&path).unwrap();
    store.upsert_candles(&[bar("SOLUSDT", Interval::M5, 300_000, 150, true)]).unwrap();
    assert_eq!(store.count("candles").unwrap(), old.len() as i64 + 1);
    assert_eq!(store.last_candle_ts(sym("BTCUSDT"), Interval::M1).unwrap(), Some(2_500 * 60_000));
}

#[test]
fn an_empty_old_database_migrates_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.db");
    v1_database(&path, &[]);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.count("candles").unwrap(), 0);
    assert_eq!(store.candles(sym("BTCUSDT"), Interval::M1, 0, i64::MAX).unwrap(), vec![]);
    assert_eq!(store.last_candle_ts(sym("BTCUSDT"), Interval::M1).unwrap(), None);
}

#[test]
fn a_corrupt_bar_is_a_typed_error_naming_the_problem() {
    let mut store = Store::open_in_memory().unwrap();
    store.upsert_candles(&[bar("BTCUSDT", Interval::M1, 0, 100, true)]).unwrap();
    store.conn.execute("UPDATE candles SET bar = x'0102'", []).unwrap();
    let err = store.candles(sym("BTCUSDT"), Interval::M1, 0, 60_000).unwrap_err();
    assert!(err.to_string().contains("2 bytes, expected 49"), "{err}");
    store.conn.execute("UPDATE candles SET bar = 'text'", []).unwrap();
    let err = store.candles(sym("BTCUSDT"), Interval::M1, 0, 60_000).unwrap_err();
    assert!(err.to_string().contains("expected a 49-byte BLOB"), "{err}");
}

#[test]
fn upserts_replace_the_bar_and_keep_one_row() {
    let mut store = Store::open_in_memory().unwrap();
    store.upsert_candles(&[bar("BTCUSDT", Interval::M1, 60_000, 100, false)]).unwrap();
    let closed = bar("BTCUSDT", Interval::M1, 60_000, 105, true);
    store.upsert_candles(&[closed]).unwrap();
    assert_eq!(store.count("candles").unwrap(), 1);
    assert_eq!(store.candles(sym("BTCUSDT"), Interval::M1, 0, i64::MAX).unwrap(), vec![closed]);
}

#[test]
fn times_and_deletes_are_half_open_and_per_series() {
    let mut store = Store::open_in_memory().unwrap();
    let bars: Vec<Candle> = (0..10).map(|i| bar("BTCUSDT", Interval::M1, i * 60_000, 100, true)).collect();
    store.upsert_candles(&bars).unwrap();
    store.upsert_candles(&[bar("ETHUSDT", Interval::M1, 120_000, 100, true)]).unwrap();
    // An open bar is not a stored closed bar.
    store.upsert_candles(&[bar("ETHUSDT", Interval::M1, 180_000, 100, false)]).unwrap();
    assert_eq!(
        store.closed_candle_times(sym("BTCUSDT"), Interval::M1, 120_000, 300_000).unwrap(),
        vec![120_000, 180_000, 240_000]
    );
    assert_eq!(store.delete_candles(sym("BTCUSDT"), Interval::M1, 120_000, 300_000).unwrap(), 3);
    assert_eq!(store.closed_candle_times(sym("BTCUSDT"), Interval::M1, 0, i64::MAX).unwrap().len(), 7);
    assert_eq!(store.closed_candle_times(sym("ETHUSDT"), Interval::M1, 0, i64::MAX).unwrap(), vec![120_000]);
    assert_eq!(store.delete_candles(sym("XRPUSDT"), Interval::M1, 0, i64::MAX).unwrap(), 0);
    assert_eq!(store.closed_candle_times(sym("BTCUSDT"), Interval::H1, 0, i64::MAX).unwrap(), Vec::<i64>::new());
}

#[test]
fn the_range_query_seeks_the_primary_key() {
    let store = Store::open_in_memory().unwrap();
    let plan: Vec<String> = store
        .conn
        .prepare(
            "EXPLAIN QUERY PLAN SELECT ts_ms, bar FROM candles WHERE series =
               (SELECT id FROM series WHERE symbol = ?1 AND interval = ?2) AND ts_ms >= ?3 AND ts_ms < ?4
             ORDER BY ts_ms",
        )
        .unwrap()
        .query_map(["BTCUSDT", "1", "0", "1"], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let text = plan.join(" | ");
    assert!(text.contains("SEARCH candles USING PRIMARY KEY (series=? AND ts_ms>? AND ts_ms<?)"), "{text}");
    assert!(!text.contains("TEMP B-TREE"), "no sort step: {text}");
}
