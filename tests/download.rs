//! `autobot download` against `autobot mock-exchange`, both real binaries on loopback: pages,
//! exact equality with the mock's klines, idempotent re-runs, gap backfill, bars the exchange
//! has no data for, and a mock that fails a fifth of its REST calls.

mod common;

use autobot::data::store::Store;
use autobot::domain::{Interval, Price, Symbol};
use common::{stderr, summary_value, Sandbox};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const MIN: i64 = 60_000;

/// A running mock exchange, killed on drop.
struct Mock {
    child: Child,
    url: String,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

fn start_mock(sandbox: &Sandbox, extra: &[&str]) -> Mock {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut args = vec!["mock-exchange", "--listen", &listen, "--history-minutes", "3000", "--no-rate-limits"];
    args.extend_from_slice(extra);
    let child = sandbox.command(&args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start mock");
    let mock = Mock { child, url: format!("http://{listen}") };
    // The port opens before the warm-up history is generated: wait for an HTTP answer.
    let deadline = Instant::now() + Duration::from_secs(240);
    while !answers(&listen) {
        assert!(Instant::now() < deadline, "the mock did not answer on {listen} within 240 s");
        std::thread::sleep(Duration::from_millis(200));
    }
    mock
}

/// Whether an HTTP server on `addr` answers a GET of the server time.
fn answers(addr: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(addr) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let req = "GET /v5/market/time HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let mut buf = [0u8; 12];
    s.write_all(req.as_bytes()).is_ok() && s.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.1")
}

/// One kline row as the mock serves it: `(start, open, high, low, close, volume)`.
type Row = (i64, Price, Price, Price, Price, f64);

/// The mock's 1-minute klines with `from <= start < to`, read straight from its REST endpoint
/// (retrying 503s), oldest first.
fn mock_klines(url: &str, from: i64, to: i64) -> Vec<Row> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let mut out: Vec<Row> = Vec::new();
        let mut start = from;
        while start < to {
            let end = (start + 999 * MIN).min(to - 1);
            let q = format!(
                "{url}/v5/market/kline?category=linear&symbol=BTCUSDT&interval=1&start={start}&end={end}&limit=1000"
            );
            let body = loop {
                let resp = http.get(&q).send().await.unwrap();
                if resp.status().as_u16() == 200 {
                    break resp.text().await.unwrap();
                }
            };
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            let mut page: Vec<Row> = v["result"]["list"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"))
                .iter()
                .map(|r| {
                    let s = |i: usize| r[i].as_str().unwrap().to_string();
                    (
                        s(0).parse().unwrap(),
                        s(1).parse().unwrap(),
                        s(2).parse().unwrap(),
                        s(3).parse().unwrap(),
                        s(4).parse().unwrap(),
                        s(5).parse().unwrap(),
                    )
                })
                .collect();
            page.reverse();
            out.extend(page);
            start = end + 1;
        }
        out
    })
}

fn stored(db: &std::path::Path, from: i64, to: i64) -> Vec<Row> {
    let store = Store::open(db).unwrap();
    let btc = Symbol::new("BTCUSDT").unwrap();
    store
        .candles(btc, Interval::M1, from, to)
        .unwrap()
        .into_iter()
        .inspect(|c| assert!(c.closed, "only closed bars are stored: {c:?}"))
        .map(|c| (c.ts_ms, c.open, c.high, c.low, c.close, c.volume))
        .collect()
}

fn download(sandbox: &Sandbox, mock: &Mock, from: i64, to: i64) -> String {
    let db = sandbox.path("history.db");
    let (db, from, to) = (db.to_str().unwrap().to_string(), from.to_string(), to.to_string());
    let args = [
        "download",
        "--db",
        &db,
        "--exchange-url",
        &mock.url,
        "--symbol",
        "BTCUSDT",
        "--interval",
        "1m",
        "--from",
        &from,
        "--to",
        &to,
    ];
    let out = sandbox.run(&args);
    let err = stderr(&out);
    assert!(out.status.success(), "download failed: {err}");
    err
}

fn value(err: &str, key: &str) -> i64 {
    summary_value(err, key).unwrap_or_else(|| panic!("no {key}= in the summary: {err}"))
}

fn now_minute() -> i64 {
    autobot::exchange::bybit::rest::local_now_ms() / MIN * MIN
}

#[test]
fn download_pages_resumes_backfills_and_is_idempotent() {
    let sandbox = Sandbox::new();
    let mock = start_mock(&sandbox, &[]);
    let db = sandbox.path("history.db");
    // 2,900 closed bars well inside the mock's 3,000 minutes of history: three 1,000-bar pages.
    let to = now_minute() - 20 * MIN;
    let from = to - 2_900 * MIN;
    let err = download(&sandbox, &mock, from, to);
    assert_eq!((value(&err, "wanted"), value(&err, "fetched"), value(&err, "present")), (2_900, 2_900, 0), "{err}");
    assert_eq!((value(&err, "requests"), value(&err, "missing"), value(&err, "gaps")), (3, 0, 1), "{err}");
    let truth = mock_klines(&mock.url, from, to);
    assert_eq!(truth.len(), 2_900);
    let got = stored(&db, from, to);
    assert_eq!(got, truth, "the database holds exactly the mock's klines");
    assert!(got.windows(2).all(|w| w[1].0 - w[0].0 == MIN), "no gap, no duplicate");

    // A re-run fetches nothing.
    let err = download(&sandbox, &mock, from, to);
    assert_eq!((value(&err, "fetched"), value(&err, "present"), value(&err, "requests")), (0, 2_900, 0), "{err}");

    // A hole of 150 bars in the middle: only that is fetched, in one request.
    let hole = from + 1_200 * MIN;
    let btc = Symbol::new("BTCUSDT").unwrap();
    assert_eq!(Store::open(&db).unwrap().delete_candles(btc, Interval::M1, hole, hole + 150 * MIN).unwrap(), 150);
    let err = download(&sandbox, &mock, from, to);
    assert_eq!((value(&err, "fetched"), value(&err, "present"), value(&err, "requests")), (150, 2_750, 1), "{err}");
    assert_eq!((value(&err, "gaps"), value(&err, "gaps_filled")), (1, 1), "{err}");
    assert_eq!(stored(&db, from, to), truth);

    // Before the mock's history there is nothing: reported once as missing, the run ends.
    let early = from - 200 * MIN;
    let err = download(&sandbox, &mock, early, from + 10 * MIN);
    let no_data = mock_klines(&mock.url, early, from).len() as i64;
    assert_eq!(value(&err, "fetched"), no_data, "{err}");
    assert!(no_data > 0 && no_data < 200, "the window straddles the history start: {no_data}");
    assert_eq!(value(&err, "missing"), 200 - no_data, "{err}");
    assert!(err.contains("the exchange has no data for"), "{err}");
    assert_eq!(stored(&db, early, to).len() as i64, 2_900 + no_data);
}

#[test]
fn download_completes_against_a_mock_failing_a_fifth_of_its_calls() {
    let sandbox = Sandbox::new();
    let mock = start_mock(&sandbox, &["--fail-rate", "0.2"]);
    let db = sandbox.path("history.db");
    let to = now_minute() - 20 * MIN;
    let from = to - 2_500 * MIN;
    let err = download(&sandbox, &mock, from, to);
    assert_eq!((value(&err, "fetched"), value(&err, "missing")), (2_500, 0), "{err}");
    assert_eq!(stored(&db, from, to), mock_klines(&mock.url, from, to));
}
