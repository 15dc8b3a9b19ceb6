//! Benchmarks of the demo market generator and the CSV candle parser.

use autobot::data::csv::parse_candles;
use autobot::data::generator::{GeneratorConfig, MarketGenerator};
use autobot::domain::{Event, Interval, Symbol};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

fn generator(c: &mut Criterion) {
    let mut group = c.benchmark_group("generator");
    group.measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    for steps in [0u32, 6] {
        group.throughput(Throughput::Elements(1));
        group.bench_function(format!("next_minute_2_symbols_steps_{steps}"), |b| {
            let mut g = MarketGenerator::new(GeneratorConfig { intra_minute_steps: steps, ..Default::default() });
            let mut out: Vec<Event> = Vec::with_capacity(256);
            b.iter(|| {
                out.clear();
                black_box(g.next_minute(&mut out));
            });
        });
    }
    group.finish();
}

/// CSV text of `rows` generated BTCUSDT minutes, in the data files' format.
fn synthetic_csv(rows: usize) -> String {
    let mut g = MarketGenerator::new(GeneratorConfig { intra_minute_steps: 0, ..Default::default() });
    let mut text = String::from("ts_ms,open,high,low,close,volume\n");
    for c in g.candles(rows, 0) {
        text.push_str(&format!("{},{},{},{},{},{}\n", c.ts_ms, c.open, c.high, c.low, c.close, c.volume));
    }
    text
}

fn csv(c: &mut Criterion) {
    let mut group = c.benchmark_group("csv");
    group.measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1)).sample_size(20);
    let symbol = Symbol::new("BTCUSDT").expect("literal symbol");
    let mut inputs = vec![("synthetic_100k_rows".to_string(), synthetic_csv(100_000))];
    let real = Path::new("../shared/data/binance_BTCUSDT_1h.csv");
    match std::fs::read_to_string(real) {
        Ok(text) => inputs.push(("binance_BTCUSDT_1h".to_string(), text)),
        Err(e) => eprintln!("SKIP real-data CSV bench: {}: {e}", real.display()),
    }
    for (name, text) in &inputs {
        let rows = text.lines().count() as u64 - 1;
        group.throughput(Throughput::Elements(rows));
        group.bench_function(format!("parse_{name}"), |b| {
            b.iter(|| parse_candles(black_box(text), Path::new("bench.csv"), symbol, Interval::M1).map(|v| v.len()));
        });
    }
    group.finish();
}

criterion_group!(benches, generator, csv);
criterion_main!(benches);
