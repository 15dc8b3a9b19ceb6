//! Cost of one new candle through the 15 candlestick detectors (shared `CandleStats` included).
//!
//! Uses `../shared/data/binance_BTCUSDT_1h.csv` when present, otherwise the committed generated
//! series in `tests/fixtures/patterns/generated.csv`. Throughput is reported per candle.
//! Each benchmark runs twice: with wall time (criterion's default) and with this thread's CPU time
//! (`cpu/` groups), which stays meaningful when the machine is shared and oversubscribed.

use autobot::domain::{Candle, Interval, Price, Symbol};
use autobot::patterns::{Bar, CandleStats, PatternSet};
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::path::PathBuf;

fn load() -> (String, Vec<Bar>) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let real = root.join("../shared/data/binance_BTCUSDT_1h.csv");
    let (label, path) = if real.exists() {
        ("binance_BTCUSDT_1h", real)
    } else {
        ("generated", root.join("tests/fixtures/patterns/generated.csv"))
    };
    let text = std::fs::read_to_string(&path).expect("bench input");
    let bars = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<f64> = l.split(',').take(6).filter_map(|v| v.parse().ok()).collect();
            (f.len() == 6).then(|| Bar::new(f[1], f[2], f[3], f[4], f[5]))
        })
        .collect();
    (label.to_string(), bars)
}

fn benches<M: Measurement>(c: &mut Criterion<M>, prefix: &str) {
    let (label, bars) = load();
    let n = bars.len() as u64;
    let candles: Vec<Candle> = bars
        .iter()
        .enumerate()
        .map(|(i, b)| Candle {
            symbol: Symbol::new("BTCUSDT").expect("symbol"),
            interval: Interval::H1,
            ts_ms: i as i64 * 3_600_000,
            open: Price::from_f64(b.open).expect("open"),
            high: Price::from_f64(b.high).expect("high"),
            low: Price::from_f64(b.low).expect("low"),
            close: Price::from_f64(b.close).expect("close"),
            volume: b.volume,
            turnover: 0.0,
            closed: true,
        })
        .collect();
    let mut g = c.benchmark_group(format!("{prefix}patterns/{label}"));
    g.throughput(Throughput::Elements(n));
    g.bench_function("15_detectors_f64_bars", |b| {
        b.iter(|| {
            let mut set = PatternSet::new();
            let mut acc = 0i64;
            for bar in &bars {
                let d = set.update_bar(*bar);
                acc += d[5].signal as i64 + d[0].signal as i64;
            }
            black_box(acc)
        })
    });
    g.bench_function("15_detectors_candles", |b| {
        b.iter(|| {
            let mut set = PatternSet::new();
            let mut acc = 0i64;
            for candle in &candles {
                let d = set.update(candle);
                acc += d[5].signal as i64;
            }
            black_box(acc)
        })
    });
    g.bench_function("candle_stats_only", |b| {
        b.iter(|| {
            let mut s = CandleStats::new();
            for bar in &bars {
                s.push(*bar);
            }
            black_box(s.body_avg(0))
        })
    });
    g.finish();
}

/// CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`), in nanoseconds.
struct CpuTime;

fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

static WALL: WallTime = WallTime;

impl Measurement for CpuTime {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WALL.formatter()
    }
}

fn wall(c: &mut Criterion) {
    benches(c, "");
}

fn cpu(c: &mut Criterion<CpuTime>) {
    benches(c, "cpu/");
}

criterion_group!(wall_group, wall);
criterion_group! {
    name = cpu_group;
    config = Criterion::default().with_measurement(CpuTime);
    targets = cpu
}
criterion_main!(wall_group, cpu_group);
