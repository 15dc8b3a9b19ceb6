//! Cost of one closed candle through `Analyzer::update` (volatility, multi-timeframe alignment,
//! chop, structure, volume profile and the regime classifier), given precomputed indicator values,
//! of the analyzer together with the 15 candlestick detectors (`PatternSet::update`), and of what
//! the issue's target names — "the regime classifier and the 15 candlestick detectors together
//! ≤ 100 ns per candle" — `classifier_plus_patterns`: per candle, `RegimeClassifier::update` on
//! the inputs the analyzer's trackers produced for that candle (recorded beforehand with
//! `Analyzer::update_with_inputs`, exactly as the analyzer passes them) plus `PatternSet::update`.
//! Uses the real FTX BTC-PERP 1m candles when `../shared/data` is present, else a random walk.
//!
//! Time is this thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), so figures stay meaningful on a
//! loaded machine; best-of-3 CPU-time figures per candle are printed before criterion runs, with a
//! breakdown: the analyzer alone, the 15 detectors alone, both, and both fed the way the engine
//! feeds them — right after `IndicatorSet::update` computed the candle's values, so they are hot
//! in cache (the set's own cost, measured alone, is subtracted). The streamed figure reads each
//! candle's 592-byte `IndicatorValues` from a 27 MB array, which costs a cache miss or two.

use std::hint::black_box;
use std::path::Path;

use autobot::analysis::{AnalysisConfig, Analyzer, RegimeClassifier, RegimeInputs, RegimeThresholds};
use autobot::data::csv::read_candles;
use autobot::domain::{Candle, Interval, Price, Symbol};
use autobot::indicators::{IndicatorSet, IndicatorValues, SetKind};
use autobot::patterns::PatternSet;
use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{criterion_group, Criterion, Throughput};

fn thread_cpu_ns() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
}

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

fn random_walk(n: usize) -> Vec<Candle> {
    let symbol = Symbol::new("BTCUSDT").unwrap();
    let mut state: u64 = 7;
    let mut rnd = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut price = 30_000.0;
    (0..n)
        .map(|i| {
            let open = price;
            price *= 1.0 + (rnd() - 0.5) * 0.002;
            let p = |x: f64| Price::from_f64((x * 100.0).round() / 100.0).unwrap();
            Candle {
                symbol,
                interval: Interval::M1,
                ts_ms: 1_600_000_000_000 + i as i64 * 60_000,
                open: p(open),
                high: p(open.max(price) * (1.0 + rnd() * 0.0005)),
                low: p(open.min(price) * (1.0 - rnd() * 0.0005)),
                close: p(price),
                volume: rnd() * 10.0,
                turnover: 0.0,
                closed: true,
            }
        })
        .collect()
}

fn data() -> (Vec<Candle>, &'static str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ftx_BTC-PERP_1m.csv");
    match read_candles(&path, Symbol::new("BTC-PERP").unwrap(), Interval::M1) {
        Ok(c) if !c.is_empty() => (c, "ftx_BTC-PERP_1m"),
        _ => {
            println!("../shared/data absent: using a 45,000-bar random walk");
            (random_walk(45_000), "random_walk")
        }
    }
}

fn bench(c: &mut Criterion<CpuTime>) {
    let (candles, name) = data();
    let mut set = IndicatorSet::new(SetKind::Default);
    let vals: Vec<IndicatorValues> = candles.iter().map(|c| *set.update(c)).collect();
    // The classifier's inputs for every candle, as the analyzer hands them over.
    let mut rec = Analyzer::new(AnalysisConfig::default());
    let inputs: Vec<RegimeInputs> = candles.iter().zip(&vals).map(|(c, v)| rec.update_with_inputs(c, v).1).collect();
    let run_classifier_patterns = |k: &mut RegimeClassifier, ps: &mut PatternSet| {
        let mut acc = 0.0;
        for (c, x) in candles.iter().zip(&inputs) {
            acc += k.update(black_box(x)).1;
            acc += ps.update(black_box(c)).len() as f64;
        }
        acc
    };
    let run_classifier = |k: &mut RegimeClassifier| {
        let mut acc = 0.0;
        for x in &inputs {
            acc += k.update(black_box(x)).1;
        }
        acc
    };
    let run = |an: &mut Analyzer| {
        let mut acc = 0.0;
        for (c, v) in candles.iter().zip(&vals) {
            acc += an.update(black_box(c), black_box(v)).confidence;
        }
        acc
    };
    let run_both = |an: &mut Analyzer, ps: &mut PatternSet| {
        let mut acc = 0.0;
        for (c, v) in candles.iter().zip(&vals) {
            acc += an.update(black_box(c), black_box(v)).confidence;
            acc += ps.update(black_box(c)).len() as f64;
        }
        acc
    };
    let run_patterns = |ps: &mut PatternSet| {
        let mut acc = 0.0;
        for c in &candles {
            acc += ps.update(black_box(c)).len() as f64;
        }
        acc
    };
    let run_set = |set: &mut IndicatorSet| {
        let mut acc = 0.0;
        for c in &candles {
            acc += set.update(black_box(c)).atr_14.unwrap_or(0.0);
        }
        acc
    };
    let run_engine = |set: &mut IndicatorSet, an: &mut Analyzer, ps: &mut PatternSet| {
        let mut acc = 0.0;
        for c in &candles {
            let v = set.update(black_box(c));
            acc += an.update(c, v).confidence;
            acc += ps.update(c).len() as f64;
        }
        acc
    };
    let n = candles.len() as f64;
    let best_of_3 = |f: &mut dyn FnMut() -> f64| {
        (0..3)
            .map(|_| {
                let t0 = thread_cpu_ns();
                black_box(f());
                (thread_cpu_ns() - t0) / n
            })
            .fold(f64::INFINITY, f64::min)
    };
    let new_an = || Analyzer::new(AnalysisConfig::default());
    let best = best_of_3(&mut || run(&mut new_an()));
    let best_patterns = best_of_3(&mut || run_patterns(&mut PatternSet::new()));
    let best_both = best_of_3(&mut || run_both(&mut new_an(), &mut PatternSet::new()));
    let new_k = || RegimeClassifier::new(RegimeThresholds::default());
    let best_classifier = best_of_3(&mut || run_classifier(&mut new_k()));
    let best_cp = best_of_3(&mut || run_classifier_patterns(&mut new_k(), &mut PatternSet::new()));
    let best_set = best_of_3(&mut || run_set(&mut IndicatorSet::new(SetKind::Default)));
    let best_engine =
        best_of_3(&mut || run_engine(&mut IndicatorSet::new(SetKind::Default), &mut new_an(), &mut PatternSet::new()));
    println!("CPU time per candle on {name} ({} candles), best of 3:", candles.len());
    println!("  Analyzer::update (indicator values streamed from an array): {best:.1} ns");
    println!("  PatternSet::update (15 detectors, quality scores): {best_patterns:.1} ns");
    println!("  Analyzer::update + PatternSet::update (streamed values): {best_both:.1} ns");
    println!("  RegimeClassifier::update alone (recorded inputs): {best_classifier:.1} ns");
    println!("  RegimeClassifier::update + PatternSet::update (the issue's target): {best_cp:.1} ns");
    println!("  IndicatorSet::update alone: {best_set:.1} ns");
    println!("  IndicatorSet + Analyzer + PatternSet: {best_engine:.1} ns");
    println!(
        "  => Analyzer + PatternSet with hot indicator values (engine order, set subtracted): {:.1} ns",
        best_engine - best_set
    );

    let mut g = c.benchmark_group("analysis");
    g.throughput(Throughput::Elements(candles.len() as u64));
    g.sample_size(10);
    g.bench_function(format!("analyzer_update/{name}"), |b| {
        b.iter(|| {
            let mut an = Analyzer::new(AnalysisConfig::default());
            run(&mut an)
        })
    });
    g.bench_function(format!("patterns_only/{name}"), |b| b.iter(|| run_patterns(&mut PatternSet::new())));
    g.bench_function(format!("analyzer_plus_patterns/{name}"), |b| {
        b.iter(|| {
            let (mut an, mut ps) = (Analyzer::new(AnalysisConfig::default()), PatternSet::new());
            run_both(&mut an, &mut ps)
        })
    });
    g.bench_function(format!("classifier_plus_patterns/{name}"), |b| {
        b.iter(|| run_classifier_patterns(&mut new_k(), &mut PatternSet::new()))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(CpuTime);
    targets = bench
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
