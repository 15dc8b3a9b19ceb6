//! Storage benchmarks: bulk CSV import (rows/s), a 10,000-candle range query (time), and the
//! batching writer's throughput for fills (messages/s). All data is generated here, in a temp dir.

use autobot::data::store::{Store, StoreMsg, StoreWriter};
use autobot::domain::{ClientOrderId, ExecId, Fill, Interval, Money, OrderId, Price, Qty, Rate, Side, Symbol};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const IMPORT_ROWS: u64 = 1_000_000;
const QUERY_ROWS: i64 = 10_000;
const WRITER_FILLS: u32 = 100_000;
const MINUTE: i64 = 60_000;
const START_MS: i64 = 1_600_000_000_000 / MINUTE * MINUTE;

fn btc() -> Symbol {
    Symbol::new("BTCUSDT").expect("valid symbol")
}

/// A 1-minute random walk around 30,000 written as the data files are (`4261.48`, `47.181009`).
fn write_csv(path: &Path, rows: u64) {
    let mut out = BufWriter::new(std::fs::File::create(path).expect("create csv"));
    writeln!(out, "ts_ms,open,high,low,close,volume").expect("write");
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    let mut close_cents: i64 = 3_000_000;
    for i in 0..rows as i64 {
        let open = close_cents;
        close_cents = (open + (next() % 2_001) as i64 - 1_000).max(100_000);
        let high = open.max(close_cents) + (next() % 500) as i64;
        let low = open.min(close_cents) - (next() % 500) as i64;
        let volume = next() % 100_000_000;
        writeln!(
            out,
            "{},{}.{:02},{}.{:02},{}.{:02},{}.{:02},{}.{:06}",
            START_MS + i * MINUTE,
            open / 100,
            open % 100,
            high / 100,
            high % 100,
            low / 100,
            low % 100,
            close_cents / 100,
            close_cents % 100,
            volume / 1_000_000,
            volume % 1_000_000
        )
        .expect("write");
    }
    out.flush().expect("flush");
}

fn fresh_db(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

fn fill(i: u32) -> Fill {
    Fill {
        symbol: btc(),
        client_order_id: ClientOrderId::new("bench-order").expect("id"),
        order_id: OrderId::new("venue-order").expect("id"),
        exec_id: ExecId::new(&format!("exec-{i:08}")).expect("id"),
        side: if i % 2 == 0 { Side::Buy } else { Side::Sell },
        price: Price::from_raw(3_000_000_000_000 + i as i64),
        qty: Qty::from_raw(100_000),
        fee: Money::from_raw(1_650_000),
        fee_rate: Rate::from_raw(55_000),
        is_maker: false,
        ts_ms: START_MS + i as i64,
    }
}

/// CPU time used so far by `who` (this thread, or the whole process), when the OS says.
#[cfg(target_os = "linux")]
fn cpu_time(who: libc::c_int) -> Option<Duration> {
    // SAFETY: `getrusage` only writes into the zeroed struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(who, &mut usage) } != 0 {
        return None;
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1_000);
    Some(tv(usage.ru_utime) + tv(usage.ru_stime))
}
#[cfg(target_os = "linux")]
const THREAD: libc::c_int = libc::RUSAGE_THREAD;
#[cfg(target_os = "linux")]
const PROCESS: libc::c_int = libc::RUSAGE_SELF;
#[cfg(not(target_os = "linux"))]
fn cpu_time(_who: i32) -> Option<Duration> {
    None
}
#[cfg(not(target_os = "linux"))]
const THREAD: i32 = 0;
#[cfg(not(target_os = "linux"))]
const PROCESS: i32 = 0;

/// Runs `op` `runs` times and prints its best wall and CPU time: on a shared machine the CPU time
/// is what the code costs, the wall time also counts waiting for a core.
fn report(label: &str, runs: usize, units: f64, unit: &str, who: i32, mut op: impl FnMut()) {
    let (mut best_wall, mut best_cpu) = (Duration::MAX, Duration::MAX);
    for _ in 0..runs {
        let (wall, cpu) = (Instant::now(), cpu_time(who));
        op();
        best_wall = best_wall.min(wall.elapsed());
        if let (Some(before), Some(after)) = (cpu, cpu_time(who)) {
            best_cpu = best_cpu.min(after - before);
        }
    }
    let rate = |d: Duration| units / d.as_secs_f64();
    let cpu = if best_cpu == Duration::MAX {
        "cpu n/a".to_string()
    } else {
        format!("cpu {:.3} ms = {:.0} {unit}/s", best_cpu.as_secs_f64() * 1e3, rate(best_cpu))
    };
    println!("REPORT {label}: wall {:.3} ms = {:.0} {unit}/s; {cpu}", best_wall.as_secs_f64() * 1e3, rate(best_wall));
}

fn storage(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("candles_1m.csv");
    write_csv(&csv, IMPORT_ROWS);

    report("import 1M-row csv", 3, IMPORT_ROWS as f64, "rows", THREAD, || {
        let mut store = Store::open(&fresh_db(dir.path(), "import.db")).expect("open");
        store.import_candles_csv(&csv, btc(), Interval::M1).expect("import");
    });
    {
        let store = Store::open(&dir.path().join("import.db")).expect("open");
        let from = START_MS + 400_000 * MINUTE;
        report("query 10k of 1M candles", 50, QUERY_ROWS as f64, "rows", THREAD, || {
            let got = store.candles(btc(), Interval::M1, from, from + QUERY_ROWS * MINUTE).expect("query");
            assert_eq!(got.len(), QUERY_ROWS as usize);
        });
    }
    let fills: Vec<Fill> = (0..WRITER_FILLS).map(fill).collect();
    report("writer 100k fills, send to commit", 3, WRITER_FILLS as f64, "msgs", PROCESS, || {
        let store = Store::open(&fresh_db(dir.path(), "writer.db")).expect("open");
        let session = store.new_session("bench", None, "{}").expect("session");
        let writer = StoreWriter::spawn(store, session);
        let tx = writer.sender();
        for f in &fills {
            tx.send(StoreMsg::Fill(*f)).expect("send");
        }
        assert_eq!(writer.finish().expect("finish").fills, WRITER_FILLS as u64);
    });
    if std::env::var_os("STORAGE_REPORT_ONLY").is_some() {
        return;
    }

    let mut group = c.benchmark_group("import");
    group.sample_size(10).measurement_time(Duration::from_secs(20)).throughput(Throughput::Elements(IMPORT_ROWS));
    group.bench_function("csv_1m_rows", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut store = Store::open(&fresh_db(dir.path(), "import.db")).expect("open");
                let started = Instant::now();
                let stats = store.import_candles_csv(&csv, btc(), Interval::M1).expect("import");
                total += started.elapsed();
                assert_eq!(stats.rows, IMPORT_ROWS);
            }
            total
        })
    });
    group.finish();

    // The last import left 1M bars in import.db: query 10k of them from the middle.
    let store = Store::open(&dir.path().join("import.db")).expect("open");
    let from = START_MS + 400_000 * MINUTE;
    let to = from + QUERY_ROWS * MINUTE;
    assert_eq!(store.candles(btc(), Interval::M1, from, to).expect("query").len(), QUERY_ROWS as usize);
    let mut group = c.benchmark_group("query");
    group.throughput(Throughput::Elements(QUERY_ROWS as u64));
    group.bench_function("candles_10k_of_1m", |b| {
        b.iter(|| black_box(store.candles(btc(), Interval::M1, black_box(from), to).expect("query")))
    });
    group.finish();
    drop(store);

    let mut group = c.benchmark_group("writer");
    group.sample_size(10).throughput(Throughput::Elements(WRITER_FILLS as u64));
    group.bench_function("fills_100k_send_to_commit", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let store = Store::open(&fresh_db(dir.path(), "writer.db")).expect("open");
                let session = store.new_session("bench", None, "{}").expect("session");
                let started = Instant::now();
                let writer = StoreWriter::spawn(store, session);
                let tx = writer.sender();
                for f in &fills {
                    tx.send(StoreMsg::Fill(*f)).expect("send");
                }
                let stats = writer.finish().expect("finish");
                total += started.elapsed();
                assert_eq!(stats.fills, WRITER_FILLS as u64);
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, storage);
criterion_main!(benches);
