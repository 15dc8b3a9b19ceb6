//! Cost of one new candle through the default and the advanced `IndicatorSet`, and of writing
//! `analyze` rows for 1,000,000 candles. Compare with TA-Lib's batch functions:
//! `python3 scripts/make_talib_fixtures.py --bench`.

use std::hint::black_box;
use std::io;

use autobot::domain::{Candle, Interval, Price, Symbol};
use autobot::indicators::{write_analyze_csv, IndicatorSet, SetKind};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

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

fn per_candle(c: &mut Criterion) {
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

fn analyze_million(c: &mut Criterion) {
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

criterion_group!(benches, per_candle, analyze_million);
criterion_main!(benches);
