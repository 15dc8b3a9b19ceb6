//! Hot-path parse benches for Bybit V5 public streams.
//!
//! * `publicTrade` frames parsed into domain `Trade`s (target: >= 2,000,000 messages/s/core).
//! * `orderbook.50` delta frames parsed and applied to an `OrderBook` (target: >= 1,000,000/s,
//!   p99 < 4 us; the p50/p99/p999 latencies are printed after the criterion run).
//!
//! Frames are built from the protocol reference's example payloads (compact, as sent on the wire).

use autobot::domain::{OrderBook, Symbol, Trade};
use autobot::exchange::bybit::decode::{apply_book_frame, book_scratch};
use autobot::exchange::bybit::wire::public::{parse_trades_into, parse_with_seed, TradesSeed};
use autobot::exchange::bybit::{PublicDecoder, PublicEvent};
use criterion::{criterion_group, Criterion, Throughput};
use std::hint::black_box;
use std::time::Instant;

/// `ws-public-trade.json` with one trade (the common case) and with its two trades.
const TRADE_1: &str = r#"{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1718000000190,"data":[{"T":1718000000187,"s":"BTCUSDT","S":"Buy","v":"0.012","p":"69712.40","L":"PlusTick","i":"4c6e2f0a-8d1b-5a3e-9f27-0b1d3c5e7a91","BT":false,"RPI":false,"seq":230705334810}]}"#;
const TRADE_2: &str = r#"{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1718000000190,"data":[{"T":1718000000187,"s":"BTCUSDT","S":"Buy","v":"0.012","p":"69712.40","L":"PlusTick","i":"4c6e2f0a-8d1b-5a3e-9f27-0b1d3c5e7a91","BT":false,"RPI":false,"seq":230705334810},{"T":1718000000187,"s":"BTCUSDT","S":"Buy","v":"0.500","p":"69712.50","L":"PlusTick","i":"4c6e2f0a-8d1b-5a3e-9f27-0b1d3c5e7a92","BT":false,"RPI":false,"seq":230705334810}]}"#;

/// A 50-level snapshot around the reference book (tick 0.10), `u` = 18521288.
fn snapshot() -> String {
    let mut bids = Vec::new();
    let mut asks = Vec::new();
    for i in 0..50i64 {
        let b = 697_123 - i; // tenths
        let a = 697_124 + i;
        let size = format!("{}.{:03}", 1 + i % 4, (i * 37) % 1000);
        bids.push(format!("[\"{}.{}0\",\"{size}\"]", b / 10, b % 10));
        asks.push(format!("[\"{}.{}0\",\"{size}\"]", a / 10, a % 10));
    }
    format!(
        r#"{{"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1718000000152,"data":{{"s":"BTCUSDT","b":[{}],"a":[{}],"u":18521288,"seq":230705334791}},"cts":1718000000147}}"#,
        bids.join(","),
        asks.join(",")
    )
}

/// Delta frames shaped like `ws-public-orderbook-delta.json` (3 bid and 2 ask changes, with
/// deletes and re-inserts alternating so the book stays 50 deep), `u` consecutive.
fn deltas(n: usize) -> Vec<String> {
    (0..n)
        .map(|k| {
            let even = k % 2 == 0;
            let size = format!("{}.{:03}", 3 + k % 5, (k * 7) % 1000);
            let (b2, b3, a1, a2) =
                if even { ("0", "0.250", "0", "0.777") } else { ("0.420", "0", "1.250", "0") };
            format!(
                r#"{{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":{},"data":{{"s":"BTCUSDT","b":[["69712.30","{size}"],["69712.00","{b2}"],["69711.90","{b3}"]],"a":[["69712.40","{a1}"],["69712.60","{a2}"]],"u":{},"seq":{}}},"cts":{}}}"#,
                1_718_000_000_172 + k as i64,
                18_521_289 + k as u64,
                230_705_334_802 + k as u64,
                1_718_000_000_169 + k as i64
            )
        })
        .collect()
}

struct BookStream {
    snapshot: String,
    deltas: Vec<String>,
    next: usize,
    book: OrderBook,
    scratch: autobot::domain::BookUpdate,
}

impl BookStream {
    fn new(n: usize) -> Self {
        let mut s = BookStream {
            snapshot: snapshot(),
            deltas: deltas(n),
            next: 0,
            book: OrderBook::new(Symbol::new("BTCUSDT").unwrap()),
            scratch: book_scratch(),
        };
        s.reset();
        s
    }
    fn reset(&mut self) {
        apply_book_frame(&self.snapshot, &mut self.scratch, &mut self.book).unwrap();
        self.next = 0;
    }
    #[inline]
    fn step(&mut self) {
        if self.next == self.deltas.len() {
            self.reset();
        }
        let r = apply_book_frame(&self.deltas[self.next], &mut self.scratch, &mut self.book);
        debug_assert!(r.is_ok());
        black_box(r.is_ok());
        self.next += 1;
    }
}

fn bench_trades(c: &mut Criterion) {
    let mut g = c.benchmark_group("publicTrade");
    g.throughput(Throughput::Elements(1));
    let mut out: Vec<Trade> = Vec::with_capacity(16);
    g.bench_function("parse_1_trade", |b| {
        b.iter(|| {
            out.clear();
            parse_trades_into(black_box(TRADE_1), &mut out).unwrap();
            black_box(out.len())
        })
    });
    g.bench_function("parse_2_trades", |b| {
        b.iter(|| {
            out.clear();
            parse_trades_into(black_box(TRADE_2), &mut out).unwrap();
            black_box(out.len())
        })
    });
    g.bench_function("serde_path_1_trade", |b| {
        b.iter(|| {
            out.clear();
            parse_with_seed(black_box(TRADE_1), TradesSeed(&mut out)).unwrap();
            black_box(out.len())
        })
    });
    let mut dec = PublicDecoder::new();
    g.bench_function("decoder_1_trade", |b| {
        b.iter(|| match dec.decode(black_box(TRADE_1)).unwrap() {
            PublicEvent::Trades(t) => black_box(t.len()),
            _ => 0,
        })
    });
    g.finish();
}

fn bench_book(c: &mut Criterion) {
    let mut g = c.benchmark_group("orderbook.50");
    g.throughput(Throughput::Elements(1));
    let mut s = BookStream::new(100_000);
    g.bench_function("delta_parse_apply", |b| b.iter(|| s.step()));
    g.finish();
}

/// Per-message latency of delta parse + apply, measured one message at a time.
fn latency_report() {
    let mut s = BookStream::new(200_000);
    for _ in 0..50_000 {
        s.step();
    }
    let n = 1_000_000;
    let mut ns = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        s.step();
        ns.push(t.elapsed().as_nanos() as u64);
    }
    ns.sort_unstable();
    let pct = |p: f64| ns[((n as f64 * p) as usize).min(n - 1)];
    println!(
        "orderbook.50 delta parse+apply latency over {n} messages (incl. ~20 ns timer): p50 {} ns, p99 {} ns, p99.9 {} ns, max {} ns",
        pct(0.50),
        pct(0.99),
        pct(0.999),
        ns[n - 1]
    );
}

/// CPU time of this thread (excludes time the shared machine gave to other processes).
fn thread_cpu_ns() -> u128 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we pass.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u128 * 1_000_000_000 + ts.tv_nsec as u128
}

/// Messages per CPU-second of one thread: per-core throughput even on a loaded machine.
fn cpu_throughput_report() {
    let n = 2_000_000u32;
    let mut out: Vec<Trade> = Vec::with_capacity(16);
    let t0 = thread_cpu_ns();
    for _ in 0..n {
        out.clear();
        parse_trades_into(black_box(TRADE_1), &mut out).unwrap();
        black_box(out.len());
    }
    let dt = thread_cpu_ns() - t0;
    println!(
        "publicTrade (1 trade) parse: {:.0} ns/msg CPU, {:.2} M msg/s per core",
        dt as f64 / n as f64,
        n as f64 * 1e3 / dt as f64
    );
    let t0 = thread_cpu_ns();
    for _ in 0..n {
        out.clear();
        parse_trades_into(black_box(TRADE_2), &mut out).unwrap();
        black_box(out.len());
    }
    let dt = thread_cpu_ns() - t0;
    println!(
        "publicTrade (2 trades) parse: {:.0} ns/msg CPU, {:.2} M msg/s per core",
        dt as f64 / n as f64,
        n as f64 * 1e3 / dt as f64
    );
    let mut s = BookStream::new(200_000);
    let t0 = thread_cpu_ns();
    for _ in 0..n {
        s.step();
    }
    let dt = thread_cpu_ns() - t0;
    println!(
        "orderbook.50 delta parse+apply: {:.0} ns/msg CPU, {:.2} M msg/s per core",
        dt as f64 / n as f64,
        n as f64 * 1e3 / dt as f64
    );
}

criterion_group!(benches, bench_trades, bench_book);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    cpu_throughput_report();
    latency_report();
}
