//! The real binary on the mock venue: `autobot mock-exchange` (accelerated, faults on) and
//! `autobot --headless --venue mock`, then the database and the mock's own records compared.
//! Also the guards: a read-only key runs watch-only, mainnet without `--live` sends nothing.

mod common;
use autobot::domain::{Price, Symbol};
use autobot::exchange::bybit::rest::{KlineQuery, OrderListQuery, RestClient, RestConfig};
use autobot::exchange::bybit::wire::Category;
use autobot::exchange::bybit::Credentials;
use common::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SYMBOLS: [&str; 2] = ["BTCUSDT", "ETHUSDT"];

/// A trend follower that trades often: 1-minute EMA 3/8 crosses, no gap filter.
const CONFIG: &str = r#"
[strategy]
engine = "ema"

[strategy.trend]
timeframe = "1m"
fast_period = 3
slow_period = 8
atr_period = 5
min_gap_atr = 0.0

[analysis]
enabled = false
"#;

fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    let cfg = format!("[general]\nlog_dir = \"{}\"\n{CONFIG}", sb.path("logs").display());
    std::fs::write(sb.config(), cfg).unwrap();
    sb
}

/// `autobot --headless ...` with the mock's key, killed after `limit`.
fn run_bot(sb: &Sandbox, args: &[&str], limit: Duration) -> (bool, String) {
    let mut cmd: Command = sb.command(args);
    cmd.env("BYBIT_API_KEY", "MOCKKEY").env("BYBIT_API_SECRET", "MOCKSECRET");
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("start autobot");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break Some(s);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let text = reader.join().unwrap_or_default();
    match status {
        Some(s) => (s.success(), text),
        None => panic!("autobot did not finish within {limit:?}\n{text}"),
    }
}

fn client(url: &str) -> RestClient {
    let mut cfg = RestConfig::new(url);
    cfg.max_retries = 8; // the mock fails 5 % of calls on purpose
    RestClient::new(cfg, Some(Credentials::new("MOCKKEY", "MOCKSECRET"))).unwrap()
}

/// Every order the mock holds (all statuses), by `orderLinkId`.
async fn mock_link_ids(rest: &RestClient) -> Vec<String> {
    let mut ids = Vec::new();
    for s in SYMBOLS {
        let mut q = OrderListQuery { symbol: Some(Symbol::new(s).unwrap()), limit: Some(50), ..Default::default() };
        for _ in 0..200 {
            let r = rest.order_history(Category::Linear, &q).await.expect("order history");
            ids.extend(r.list.iter().map(|o| o.order_link_id.clone()));
            if r.next_page_cursor.is_empty() || r.list.is_empty() {
                break;
            }
            q.cursor = Some(r.next_page_cursor.clone());
        }
    }
    ids
}

/// Every trade execution the mock holds, by `execId`.
async fn mock_exec_ids(rest: &RestClient) -> Vec<String> {
    let mut ids = Vec::new();
    for s in SYMBOLS {
        let mut cursor: Option<String> = None;
        for _ in 0..200 {
            let r = rest
                .executions(Category::Linear, Some(Symbol::new(s).unwrap()), 100, cursor.as_deref())
                .await
                .expect("executions");
            ids.extend(r.list.iter().filter(|e| e.to_fill().ok().flatten().is_some()).map(|e| e.exec_id.clone()));
            if r.next_page_cursor.is_empty() || r.list.is_empty() {
                break;
            }
            cursor = Some(r.next_page_cursor.clone());
        }
    }
    ids
}

type Bar = (i64, i64, i64, i64, i64);

fn db_candles(db: &std::path::Path, symbol: &str) -> Vec<Bar> {
    // Through the store: candles are kept packed (series id + one bar blob per row).
    let store = autobot::data::store::Store::open(db).unwrap();
    let symbol = Symbol::new(symbol).unwrap();
    store
        .candles(symbol, autobot::domain::Interval::M1, i64::MIN, i64::MAX)
        .unwrap()
        .into_iter()
        .filter(|c| c.closed)
        .map(|c| (c.ts_ms, c.open.raw(), c.high.raw(), c.low.raw(), c.close.raw()))
        .collect()
}

async fn mock_candles(rest: &RestClient, symbol: &str, start: i64, end: i64) -> Vec<Bar> {
    let q = KlineQuery {
        category: Category::Linear,
        symbol: Symbol::new(symbol).unwrap(),
        interval: autobot::domain::Interval::M1,
        start_ms: Some(start),
        end_ms: Some(end),
        limit: Some(1000),
    };
    let r = rest.kline(&q).await.expect("mock klines");
    let raw = |p: Price| p.raw();
    let mut v: Vec<Bar> = r.list.iter().map(|k| (k.0, raw(k.1), raw(k.2), raw(k.3), raw(k.4))).collect();
    v.sort_unstable();
    v
}

#[test]
fn headless_mock_run_with_faults_trades_and_keeps_the_candle_history() {
    let sb = sandbox();
    let mock = start_mock(
        &sb,
        &["--drop-every", "3", "--malformed-every", "50", "--skip-seq-every", "200", "--fail-rate", "0.05"],
    );
    let db = sb.path("live.db");
    let (ok, err) = run_bot(
        &sb,
        &[
            "--headless",
            "--venue",
            "mock",
            "--exchange-url",
            &mock.url,
            "--max-candles",
            "80",
            "--db",
            db.to_str().unwrap(),
        ],
        Duration::from_secs(90),
    );
    assert!(ok, "autobot failed\n{err}");
    let summary = err.lines().rev().find(|l| l.contains("summary:")).unwrap_or_default();
    let disconnects = err.lines().filter(|l| l.contains("websocket disconnected")).count();
    let backfills = err.lines().filter(|l| l.contains("candles backfilled")).count();
    eprintln!("{summary}\nwebsocket drops: {disconnects}, kline backfills: {backfills}");
    assert_eq!(summary_value(&err, "candle_gaps"), Some(0), "{err}");
    assert!(summary_value(&err, "candles").unwrap_or(0) >= 160, "{err}");
    assert!(err.contains("disconnect") || err.contains("websocket"), "faults were injected\n{err}");
    let orders = summary_value(&err, "orders").unwrap_or(0);
    let fills = summary_value(&err, "fills").unwrap_or(0);
    assert!(orders > 0 && fills > 0, "orders {orders}, fills {fills}\n{err}");
    assert!(count(&db, "fills") > 0 && count(&db, "orders") > 0);

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let rest = client(&mock.url);
    for s in SYMBOLS {
        let ours = db_candles(&db, s);
        assert!(ours.len() > 300, "{s}: {} candles", ours.len());
        assert!(ours.windows(2).all(|w| w[1].0 - w[0].0 == 60_000), "{s}: a hole or a duplicate in the db");
        let (first, last) = (ours[0].0, ours[ours.len() - 1].0);
        let theirs = rt.block_on(mock_candles(&rest, s, first, last));
        assert_eq!(ours.len(), theirs.len(), "{s}: {first}..={last}");
        assert_eq!(ours, theirs, "{s}: the candles differ from the mock's");
    }
    let ids = rt.block_on(mock_link_ids(&rest));
    assert!(!ids.is_empty(), "the mock holds no order");
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "an orderLinkId was placed twice");
    let conn = rusqlite::Connection::open(&db).unwrap();
    // Fills the private stream missed while dropped are caught up after the reconnect: at most
    // the last few executions (still in flight when the run stopped) may be absent.
    let execs = rt.block_on(mock_exec_ids(&rest));
    let missing: Vec<&String> = execs
        .iter()
        .filter(|id| {
            let n: i64 = conn.query_row("SELECT COUNT(*) FROM fills WHERE exec_id = ?1", [id], |r| r.get(0)).unwrap();
            n == 0
        })
        .collect();
    eprintln!("mock executions: {}, not in our fills: {}", execs.len(), missing.len());
    assert!(missing.len() <= 3, "fills lost: {missing:?}");
    for id in &ids {
        let n: i64 =
            conn.query_row("SELECT COUNT(*) FROM orders WHERE client_order_id = ?1", [id], |r| r.get(0)).unwrap();
        assert_eq!(n, 1, "mock order {id} is not in our database");
    }
    drop(conn);

    // The session's journal replays through a fresh engine to the same orders, bit for bit,
    // although the run saw drops, malformed frames, sequence gaps and 5xx answers.
    let report = sb.path("replay");
    let (ok, out) = run_bot(
        &sb,
        &["backtest", "--replay", "1", "--db", db.to_str().unwrap(), "--report", report.to_str().unwrap()],
        Duration::from_secs(60),
    );
    // A mismatch exits non-zero (the verdict goes to stdout, the details to stderr).
    assert!(ok, "replay of the mock session differs from the recording\n{out}");
    let decisions = std::fs::read_to_string(report.join("decisions.csv")).unwrap();
    let placed = decisions.lines().filter(|l| l.contains("place_order")).count();
    assert!(placed as i64 >= orders, "replay placed {placed} orders, the run {orders}");
}

#[test]
fn read_only_key_runs_watch_only_and_places_nothing() {
    let sb = sandbox();
    let mock = start_mock(&sb, &["--read-only"]);
    let db = sb.path("ro.db");
    let (ok, err) = run_bot(
        &sb,
        &[
            "--headless",
            "--venue",
            "mock",
            "--exchange-url",
            &mock.url,
            "--max-candles",
            "20",
            "--db",
            db.to_str().unwrap(),
        ],
        Duration::from_secs(60),
    );
    assert!(ok, "{err}");
    assert!(err.contains("the API key is read-only: watch-only"), "{err}");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    assert_eq!(rt.block_on(mock_link_ids(&client(&mock.url))), Vec::<String>::new());
    assert!(count(&db, "candles") > 0);
}

#[test]
fn mainnet_without_live_sends_no_order() {
    let sb = sandbox();
    let mock = start_mock(&sb, &[]);
    let db = sb.path("main.db");
    // Mainnet rules against the mock's address: orders would reach it if the guard failed.
    let (ok, err) = run_bot(
        &sb,
        &[
            "--headless",
            "--venue",
            "mainnet",
            "--exchange-url",
            &mock.url,
            "--max-candles",
            "20",
            "--db",
            db.to_str().unwrap(),
        ],
        Duration::from_secs(60),
    );
    assert!(ok, "{err}");
    assert!(err.contains("mainnet without --live: watch-only"), "{err}");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    assert_eq!(rt.block_on(mock_link_ids(&client(&mock.url))), Vec::<String>::new());
    // --live without the headless confirmation is still watch-only.
    let (ok, err) = run_bot(
        &sb,
        &[
            "--headless",
            "--venue",
            "mainnet",
            "--live",
            "--exchange-url",
            &mock.url,
            "--max-candles",
            "5",
            "--db",
            db.to_str().unwrap(),
        ],
        Duration::from_secs(60),
    );
    assert!(ok && err.contains("not confirmed"), "{err}");
    assert_eq!(rt.block_on(mock_link_ids(&client(&mock.url))), Vec::<String>::new());
}

#[test]
fn paper_trades_in_process_on_the_mock_public_data_without_keys() {
    let sb = sandbox();
    let mock = start_mock(&sb, &[]);
    let db = sb.path("paper.db");
    let mut cmd = sb.command(&[
        "--headless",
        "--venue",
        "paper",
        "--exchange-url",
        &mock.url,
        "--max-candles",
        "30",
        "--db",
        db.to_str().unwrap(),
    ]);
    let out = cmd.env_remove("BYBIT_API_KEY").env_remove("BYBIT_API_SECRET").output().expect("run autobot");
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("summary: venue=paper"), "{err}");
    assert!(summary_value(&err, "candles").unwrap_or(0) >= 60, "{err}");
    assert_eq!(summary_value(&err, "candle_gaps"), Some(0), "{err}");
    assert!(count(&db, "candles") >= 2 * 300, "warm-up and live candles are stored");
    // Paper fills are simulated: the mock saw no order.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    assert_eq!(rt.block_on(mock_link_ids(&client(&mock.url))), Vec::<String>::new());
}

#[test]
fn key_file_readable_by_others_is_refused_before_any_network() {
    let sb = sandbox();
    let keys = sb.path("keys.env");
    std::fs::write(&keys, "BYBIT_API_KEY=k\nBYBIT_API_SECRET=s\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut cmd = sb.command(&[
            "--headless",
            "--venue",
            "testnet",
            "--exchange-url",
            "http://127.0.0.1:9",
            "--key-file",
            keys.to_str().unwrap(),
        ]);
        let out = cmd.env_remove("BYBIT_API_KEY").env_remove("BYBIT_API_SECRET").output().expect("run autobot");
        let err = stderr(&out);
        assert!(!out.status.success());
        assert!(err.contains("is readable by group or others (mode 644)"), "{err}");
        assert!(!err.contains("BYBIT_API_SECRET=s"), "the secret never shows");
    }
}
