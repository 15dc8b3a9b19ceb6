//! The real binary, headless, on the demo venue with `[execution.rebalance] every = "1h"`: the
//! scheduled rebalance's orders (`-rb` ids) land in SQLite, it runs once per hour boundary, and
//! after the last run each position's weight is within the band plus one quantity step of its
//! target.

mod common;
use common::*;
use std::collections::BTreeMap;

const BAND: f64 = 0.002;
const TARGETS: [(&str, f64); 2] = [("BTCUSDT", 0.3), ("ETHUSDT", -0.1)];
/// The demo's quantity steps (`data::generator`): BTCUSDT 0.001, ETHUSDT 0.01.
const STEPS: [(&str, f64); 2] = [("BTCUSDT", 0.001), ("ETHUSDT", 0.01)];
const HOUR: i64 = 3_600_000;

fn raw(v: i64) -> f64 {
    v as f64 / 1e8
}

#[test]
fn scheduled_rebalance_lands_rb_orders_and_reaches_the_targets() {
    let sb = Sandbox::new();
    // No strategy orders (EMA follower off), no partial targets and a far stop, so the positions
    // are the rebalance's own.
    let cfg = format!(
        "[general]\nlog_dir = \"{}\"\n[strategy]\nengine = \"ema\"\n[strategy.trend]\nenabled = false\n\
         [risk]\ntarget_r = []\ntarget_fraction = []\nstop_atr_multiple = 100.0\ntrail_atr_multiple = 0.0\n\
         break_even_r = 0.0\n[execution.rebalance]\ntargets = {{ BTCUSDT = 0.3, ETHUSDT = -0.1 }}\n\
         every = \"1h\"\nband = {BAND}\n",
        sb.path("logs").display()
    );
    std::fs::write(sb.config(), cfg).unwrap();
    let db = sb.path("r.db");
    let out = sb.run(&["--headless", "--speed", "max", "--max-candles", "400", "--db", db.to_str().unwrap()]);
    let err = stderr(&out);
    assert!(out.status.success(), "exit {:?}\n{err}", out.status);
    let conn = rusqlite::Connection::open(&db).unwrap();

    // Every order is the rebalance's: `-rb` ids, manual market orders, filled.
    let orders: Vec<(String, String, String, String, String)> = conn
        .prepare("SELECT client_order_id, symbol, origin, order_type, status FROM orders ORDER BY client_order_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(orders.len() >= 2, "{orders:?}\n{err}");
    for (id, _, origin, order_type, status) in &orders {
        assert!(id.ends_with("-rb"), "{id}");
        assert_eq!((origin.as_str(), order_type.as_str(), status.as_str()), ("manual", "Market", "Filled"), "{id}");
    }
    let symbols: Vec<&str> = orders.iter().map(|o| o.1.as_str()).collect();
    assert!(symbols.contains(&"BTCUSDT") && symbols.contains(&"ETHUSDT"), "{symbols:?}");

    // One run per hour boundary: 400 minutes from midnight pass the 01:00 ... 06:00 boundaries
    // (the first run waits for the first boundary after the start), each at most once.
    let runs: Vec<i64> = conn
        .prepare("SELECT DISTINCT ts_ms FROM alerts WHERE kind = 'rebalance' ORDER BY ts_ms")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let hours: Vec<i64> = runs.iter().map(|t| t / HOUR).collect();
    assert_eq!(runs.len(), 6, "{runs:?}");
    assert!(hours.windows(2).all(|w| w[1] == w[0] + 1), "one run per hour: {runs:?}");
    // Each run is at the first event of its hour (within the first minute of market time).
    assert!(runs.iter().all(|t| t % HOUR < 60_000), "{runs:?}");

    // After the last run: position (sum of the fills up to a minute later: the venue's latency),
    // the close of each symbol's bar at the run, and the equity then.
    let last = *runs.last().unwrap();
    let mut weights = BTreeMap::new();
    let equity: i64 = conn
        .query_row("SELECT equity FROM equity WHERE ts_ms <= ?1 ORDER BY ts_ms DESC LIMIT 1", [last], |r| r.get(0))
        .unwrap();
    let equity = raw(equity);
    for (symbol, target) in TARGETS {
        let size: i64 = conn
            .query_row(
                "SELECT COALESCE(SUM(CASE side WHEN 'Buy' THEN qty ELSE -qty END), 0) FROM fills \
                 WHERE symbol = ?1 AND ts_ms <= ?2",
                rusqlite::params![symbol, last + 60_000],
                |r| r.get(0),
            )
            .unwrap();
        let bar: Vec<u8> = conn
            .query_row(
                "SELECT c.bar FROM candles c JOIN series s ON s.id = c.series \
                 WHERE s.symbol = ?1 AND c.ts_ms <= ?2 ORDER BY c.ts_ms DESC LIMIT 1",
                rusqlite::params![symbol, last],
                |r| r.get(0),
            )
            .unwrap();
        // o h l c as i64 LE raw 1e-8 units: the close is bytes 24..32.
        let close = raw(i64::from_le_bytes(bar[24..32].try_into().unwrap()));
        let weight = raw(size) * close / equity;
        let step = STEPS.iter().find(|s| s.0 == symbol).unwrap().1;
        // Band + one step of weight, plus 0.1 % for the minute between the bar's close and the
        // run's price.
        let tolerance = BAND + step * close / equity + 0.001;
        assert!(
            (weight - target).abs() <= tolerance,
            "{symbol}: weight {weight:.5} vs target {target} (tolerance {tolerance:.5})"
        );
        weights.insert(symbol, weight);
    }
    assert!(weights["BTCUSDT"] > 0.28 && weights["ETHUSDT"] < -0.08, "{weights:?}");
}
