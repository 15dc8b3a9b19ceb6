//! The real binary, headless: end-to-end runs, determinism, SIGINT safety and bad input.

mod common;
use common::*;

#[test]
fn headless_demo_run_stores_candles_orders_fills_and_equity() {
    let sb = Sandbox::new();
    let db = sb.path("a.db");
    let out = sb.run(&["--headless", "--speed", "max", "--max-candles", "20000", "--db", db.to_str().unwrap()]);
    let err = stderr(&out);
    assert!(out.status.success(), "exit {:?}\n{err}", out.status);
    // Two symbols x 20,000 closed candles.
    assert_eq!(count(&db, "candles"), 40_000, "{err}");
    assert_eq!(summary_value(&err, "candles"), Some(40_000));
    let fills = count(&db, "fills");
    assert!(fills > 10, "only {fills} fills\n{err}");
    assert_eq!(Some(fills), summary_value(&err, "fills"));
    assert!(count(&db, "orders") >= fills / 2);
    assert_eq!(count(&db, "equity"), 20_000);
    assert!(count(&db, "trades") > 0);
    assert!(count(&db, "signals") > 0);
}

#[test]
fn headless_replay_of_the_largest_csv_runs_to_the_end() {
    let Some(csv) = shared_data("binance_BTCUSDT_1h.csv") else { return };
    let sb = Sandbox::new();
    let db = sb.path("r.db");
    let out = sb.run(&[
        "--headless",
        "--speed",
        "max",
        "--exit-at-end",
        "--data",
        csv.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(count(&db, "candles"), 55_765, "{err}");
    assert!(count(&db, "fills") > 0, "{err}");
    assert!(count(&db, "orders") > 0);
    assert_eq!(count(&db, "equity"), 55_765);
}

fn fills_of(db: &std::path::Path) -> Vec<(String, String, String, String, String, i64)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn
        .prepare("SELECT client_order_id, symbol, side, CAST(price AS TEXT), CAST(qty AS TEXT), ts_ms FROM fills ORDER BY ts_ms, exec_id")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn same_seed_gives_identical_fills_and_another_seed_does_not() {
    let sb = Sandbox::new();
    let run = |name: &str, seed: &str| {
        let db = sb.path(name);
        let out = sb.run(&[
            "--headless",
            "--speed",
            "max",
            "--max-candles",
            "5000",
            "--seed",
            seed,
            "--db",
            db.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        fills_of(&db)
    };
    let a = run("a.db", "7");
    let b = run("b.db", "7");
    let c = run("c.db", "8");
    assert!(a.len() > 5, "too few fills to compare: {}", a.len());
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[cfg(unix)]
#[test]
fn sigint_mid_run_loses_no_fill() {
    use std::time::{Duration, Instant};
    let sb = Sandbox::new();
    let db = sb.path("s.db");
    let child = sb
        .command(&["--headless", "--speed", "max", "--max-candles", "100000000", "--db", db.to_str().unwrap()])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the run has produced fills (the writer commits in small batches).
    let start = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let n = if db.exists() {
            rusqlite::Connection::open(&db)
                .and_then(|c| c.query_row("SELECT COUNT(*) FROM fills", [], |r| r.get::<_, i64>(0)))
                .unwrap_or(0)
        } else {
            0
        };
        if n >= 20 || start.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let produced = summary_value(&err, "fills").expect("summary line");
    assert!(produced >= 20, "{err}");
    assert_eq!(count(&db, "fills"), produced, "fills lost on SIGINT\n{err}");
    assert_eq!(count(&db, "candles"), summary_value(&err, "candles").unwrap());
}

#[test]
fn malformed_csv_row_is_a_clear_error_and_writes_nothing() {
    let sb = Sandbox::new();
    let csv = sb.path("bad_BTCUSDT_1m.csv");
    std::fs::write(&csv, "ts_ms,open,high,low,close,volume\n0,1,2,0.5,1.5,10\n60000,1,2,abc,1.5,10\n").unwrap();
    let db = sb.path("bad.db");
    let out = sb.run(&[
        "--headless",
        "--speed",
        "max",
        "--exit-at-end",
        "--data",
        csv.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("bad_BTCUSDT_1m.csv:3:") && err.contains("abc"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!db.exists(), "a database was created for a run that never started");
}

#[test]
fn unknown_config_key_is_named() {
    let sb = Sandbox::new();
    std::fs::write(sb.config(), "[risk]\nmax_lev = 3\n").unwrap();
    let out = sb.run(&["--headless", "--max-candles", "1"]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("unknown key `max_lev`") && err.contains("line 2"), "{err}");
}

#[test]
fn unwritable_db_path_is_a_clear_error() {
    let sb = Sandbox::new();
    // A directory where the file should be, and a path under a regular file.
    let dir_db = sb.path("dir.db");
    std::fs::create_dir(&dir_db).unwrap();
    let file = sb.path("plain");
    std::fs::write(&file, "x").unwrap();
    for db in [dir_db.clone(), file.join("x.db")] {
        let out = sb.run(&["--headless", "--speed", "max", "--max-candles", "10", "--db", db.to_str().unwrap()]);
        let err = stderr(&out);
        assert!(!out.status.success(), "{err}");
        assert!(err.contains("autobot: error:") && err.contains(db.to_str().unwrap()), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn backtest_writes_the_three_report_files() {
    let sb = Sandbox::new();
    let dir = sb.path("report");
    let out = sb.run(&["backtest", "--max-candles", "3000", "--report", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    for key in [
        "total_return",
        "cagr",
        "sharpe",
        "sortino",
        "max_drawdown",
        "profit_factor",
        "win_rate",
        "trades",
        "fees",
        "funding",
    ] {
        assert!(report.get(key).is_some(), "report.json lacks {key}: {report}");
    }
    let trades = std::fs::read_to_string(dir.join("trades.csv")).unwrap();
    assert_eq!(trades.lines().count() as u64 - 1, report["trades"].as_u64().unwrap());
    let png = std::fs::read(dir.join("equity.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}
