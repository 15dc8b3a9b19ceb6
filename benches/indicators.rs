//! Cost of one new candle through the default and the advanced `IndicatorSet`, and of writing
//! `analyze` rows for 1,000,000 candles. Compare with TA-Lib's batch functions:
//! `python3 scripts/make_talib_fixtures.py --bench`.
//!
//! Time is this thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall time, so the figures stay
//! meaningful on a machine shared with other jobs. `INDICATORS_BREAKDOWN=1` first prints the CPU
//! time per candle of each standalone indicator struct on its own (the set itself computes its
//! default columns in one fused pass with shared state, so its cost is well below their sum).

use std::hint::black_box;
use std::io;

use autobot::domain::{Candle, Interval, Price, Symbol};
use autobot::indicators::{
    write_analyze_csv, Atr, Chop, Dmi, Ema, Hma, IndicatorSet, Macd, Mfi, Obv, Rsi, SetKind, Sma, StdDev, StochRsi,
    Vwap, Wma,
};
use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{criterion_group, Criterion, Throughput};

/// CPU time of the calling thread, in nanoseconds.
fn thread_cpu_ns() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
}

/// Criterion measurement: thread CPU time.
struct CpuTime;

impl Measurement for CpuTime {
    type Intermediate = f64;
    type Value = f64;
    fn start(&self) -> f64 {
        thread_cpu_ns()
    }
    fn end(&self, start: f64) -> f64 {
        thread_cpu_ns() - start
    }
    fn add(&self, a: &f64, b: &f64) -> f64 {
        a + b
    }
    fn zero(&self) -> f64 {
        0.0
    }
    fn to_f64(&self, v: &f64) -> f64 {
        *v
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &NsFormatter
    }
}

struct NsFormatter;

impl ValueFormatter for NsFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (div, unit) = match typical {
            t if t < 1e3 => (1.0, "ns (cpu)"),
            t if t < 1e6 => (1e3, "µs (cpu)"),
            t if t < 1e9 => (1e6, "ms (cpu)"),
            _ => (1e9, "s (cpu)"),
        };
        values.iter_mut().for_each(|v| *v /= div);
        unit
    }
    fn scale_throughputs(&self, _typical: f64, throughput: &Throughput, values: &mut [f64]) -> &'static str {
        let n = match throughput {
            Throughput::Elements(n) | Throughput::Bytes(n) | Throughput::BytesDecimal(n) => *n as f64,
            _ => 1.0,
        };
        values.iter_mut().for_each(|v| *v = n * 1e9 / *v);
        "elem/s (cpu)"
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

/// A deterministic random walk of 1-minute candles around 30,000.
fn candles(n: usize) -> Vec<Candle> {
    let symbol = Symbol::new("BTCUSDT").unwrap();
    let mut state: u64 = 42;
    let mut rnd = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut price = 30_000.0;
    (0..n)
        .map(|i| {
            let open = price;
            price *= 1.0 + (rnd() - 0.5) * 0.002;
            let high = open.max(price) * (1.0 + rnd() * 0.0005);
            let low = open.min(price) * (1.0 - rnd() * 0.0005);
            let p = |x: f64| Price::from_f64((x * 100.0).round() / 100.0).unwrap();
            Candle {
                symbol,
                interval: Interval::M1,
                ts_ms: 1_600_000_000_000 + i as i64 * 60_000,
                open: p(open),
                high: p(high),
                low: p(low),
                close: p(price),
                volume: rnd() * 10.0,
                turnover: 0.0,
                closed: true,
            }
        })
        .collect()
}

/// CPU ns per candle of `step` over `data`, best of 3 runs.
fn time_per_candle(data: &[Candle], mut step: impl FnMut(&Candle) -> f64) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t0 = thread_cpu_ns();
        let mut acc = 0.0;
        for c in data {
            acc += step(c);
        }
        black_box(acc);
        best = best.min((thread_cpu_ns() - t0) / data.len() as f64);
    }
    best
}

/// How fast this core runs right now: 100 M dependent f64 additions (4 cycles each on current
/// x86 cores) give an effective clock, which shows how much a shared machine slows the figures.
fn calibrate() {
    let t0 = thread_cpu_ns();
    let mut x = 0.0f64;
    let step = black_box(1e-9);
    for _ in 0..100_000_000 {
        x += step;
    }
    black_box(x);
    let ns_per_add = (thread_cpu_ns() - t0) / 1e8;
    println!(
        "calibration: {ns_per_add:.3} ns per dependent add = {:.2} GHz effective at 4 cycles/add",
        4.0 / ns_per_add
    );
}

fn breakdown(data: &[Candle]) {
    calibrate();
    let f = |p: Price| p.to_f64();
    let mut sma = Sma::new(20);
    let mut ema = Ema::new(20);
    let mut wma = Wma::new(20);
    let mut rsi = Rsi::new(14);
    let mut macd = Macd::new(12, 26, 9);
    let mut atr = Atr::new(14);
    let mut dmi = Dmi::new(14);
    let mut sd = StdDev::new(20, 2.0);
    let mut obv = Obv::default();
    let mut mfi = Mfi::new(14);
    let mut srsi = StochRsi::new(14, 14, 3, 3);
    let mut hma = Hma::new(20);
    let mut chop = Chop::new(14);
    let mut vwap = Vwap::default();
    let rows: [(&str, f64); 14] = [
        ("sma", time_per_candle(data, |c| sma.next(f(c.close)).unwrap_or(0.0))),
        ("ema", time_per_candle(data, |c| ema.next(f(c.close)).unwrap_or(0.0))),
        ("wma", time_per_candle(data, |c| wma.next(f(c.close)).unwrap_or(0.0))),
        ("rsi", time_per_candle(data, |c| rsi.next(f(c.close)).unwrap_or(0.0))),
        ("macd", time_per_candle(data, |c| macd.next(f(c.close)).map_or(0.0, |m| m.hist))),
        ("atr", time_per_candle(data, |c| atr.next(f(c.high), f(c.low), f(c.close)).unwrap_or(0.0))),
        ("dmi", time_per_candle(data, |c| dmi.next(f(c.high), f(c.low), f(c.close)).map_or(0.0, |d| d.plus_di))),
        ("bbands+stddev", time_per_candle(data, |c| sd.next(f(c.close)).map_or(0.0, |b| b.upper))),
        ("obv", time_per_candle(data, |c| obv.next(f(c.close), c.volume))),
        ("mfi", time_per_candle(data, |c| mfi.next(f(c.high), f(c.low), f(c.close), c.volume).unwrap_or(0.0))),
        ("stochrsi", time_per_candle(data, |c| srsi.next(f(c.close)).0.unwrap_or(0.0))),
        ("hma", time_per_candle(data, |c| hma.next(f(c.close)).unwrap_or(0.0))),
        ("chop", time_per_candle(data, |c| chop.next(f(c.high), f(c.low), f(c.close)).unwrap_or(0.0))),
        (
            "vwap",
            time_per_candle(data, |c| vwap.next(c.ts_ms, f(c.high), f(c.low), f(c.close), c.volume).unwrap_or(0.0)),
        ),
    ];
    let mut total = 0.0;
    for (name, ns) in rows {
        println!("breakdown {name:14} {ns:6.1} ns/candle (cpu)");
        total += ns;
    }
    println!("breakdown {:14} {total:6.1} ns/candle (cpu)", "sum");
    let mut set = IndicatorSet::new(SetKind::Default);
    println!(
        "breakdown {:14} {:6.1} ns/candle (cpu)",
        "default set",
        time_per_candle(data, |c| set.update(c).obv.unwrap_or(0.0))
    );
    let mut set = IndicatorSet::new(SetKind::Advanced);
    println!(
        "breakdown {:14} {:6.1} ns/candle (cpu)",
        "advanced set",
        time_per_candle(data, |c| set.update(c).obv.unwrap_or(0.0))
    );
}

fn per_candle(c: &mut Criterion<CpuTime>) {
    let data = candles(100_000);
    let mut g = c.benchmark_group("indicator_set");
    g.throughput(Throughput::Elements(1));
    for (name, kind) in [("default_per_candle", SetKind::Default), ("advanced_per_candle", SetKind::Advanced)] {
        let mut set = IndicatorSet::new(kind);
        // Warm every indicator up first so the timed path is the steady state.
        for c in &data[..1_000] {
            set.update(c);
        }
        let mut i = 1_000;
        g.bench_function(name, |b| {
            b.iter(|| {
                let v = set.update(black_box(&data[i]));
                i += 1;
                if i == data.len() {
                    i = 1_000;
                }
                black_box(v.macd)
            })
        });
    }
    g.finish();
}

fn analyze_million(c: &mut Criterion<CpuTime>) {
    let data = candles(1_000_000);
    let mut g = c.benchmark_group("analyze");
    g.sample_size(10);
    g.throughput(Throughput::Elements(data.len() as u64));
    g.bench_function("write_csv_1m_candles_default", |b| {
        b.iter(|| write_analyze_csv(black_box(&data), SetKind::Default, &mut io::sink()).unwrap())
    });
    g.bench_function("indicators_only_1m_candles_default", |b| {
        b.iter(|| {
            let mut set = IndicatorSet::new(SetKind::Default);
            let mut acc = 0.0;
            for c in &data {
                acc += set.update(c).rsi_14.unwrap_or(0.0);
            }
            black_box(acc)
        })
    });
    g.finish();
}

fn cpu_criterion() -> Criterion<CpuTime> {
    Criterion::default().with_measurement(CpuTime)
}

criterion_group! {
    name = benches;
    config = cpu_criterion();
    targets = per_candle, analyze_million
}

fn main() {
    if std::env::var_os("INDICATORS_BREAKDOWN").is_some() {
        breakdown(&candles(1_000_000));
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
