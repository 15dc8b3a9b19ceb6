//! Cost of one closed bar through `ModeSet::on_bar` (pattern detectors, the switcher, the five
//! modes and the intent checks), given precomputed indicator values and analyzer outputs. Uses the
//! real FTX BTC-PERP 1m candles when `../shared/data` is present, else a random walk; a simulated
//! position (opened on each entry, closed on each exit) keeps the manage paths busy.
//!
//! Time is this thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`); a best-of-3 CPU-time figure per
//! bar is printed before criterion runs.

use std::hint::black_box;
use std::path::Path;

use autobot::analysis::{AnalysisConfig, AnalysisOutput, Analyzer, Level};
use autobot::data::csv::read_candles;
use autobot::domain::{Candle, Interval, Price, Symbol};
use autobot::indicators::{IndicatorSet, IndicatorValues, SetKind};
use autobot::strategy::{BarInput, Intent, IntentKind, ModeSet, ModesConfig, PositionView};
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
    let mut state: u64 = 11;
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

/// Fills intents at the close: enough position book for the manage paths to run.
fn apply(pos: &mut PositionView, i: &Intent, close: f64) {
    match i.kind {
        IntentKind::Enter { direction, stop, .. } => {
            *pos = PositionView { direction, qty: 1.0, entry: close, stop: Some(stop), hedge_qty: 0.0 }
        }
        IntentKind::Exit => *pos = PositionView::FLAT,
        IntentKind::MoveStop { stop } | IntentKind::ScaleIn { stop, .. } => pos.stop = Some(stop),
        IntentKind::PartialExit { fraction } => pos.qty *= 1.0 - fraction,
        IntentKind::Hedge { fraction, .. } => pos.hedge_qty = pos.qty * fraction,
        IntentKind::Unwind => pos.hedge_qty = 0.0,
    }
}

/// One pass; returns (intents, switches).
fn run(candles: &[Candle], vals: &[IndicatorValues], outs: &[AnalysisOutput], levels: &[Vec<Level>]) -> (usize, usize) {
    let mut modes = ModeSet::new(ModesConfig::default()).unwrap();
    let mut pos = PositionView::FLAT;
    let mut out = Vec::with_capacity(8);
    let (mut n_intents, mut n_switches) = (0, 0);
    for (((c, v), a), l) in candles.iter().zip(vals).zip(outs).zip(levels) {
        out.clear();
        let input =
            BarInput { candle: black_box(c), ind: black_box(v), analysis: black_box(a), levels: l, position: pos };
        n_switches += usize::from(modes.on_bar(&input, &mut out).is_some());
        n_intents += out.len();
        for i in &out {
            apply(&mut pos, i, c.close.to_f64());
        }
    }
    (n_intents, n_switches)
}

fn bench(c: &mut Criterion<CpuTime>) {
    let (candles, name) = data();
    let mut set = IndicatorSet::new(SetKind::Default);
    let vals: Vec<IndicatorValues> = candles.iter().map(|c| *set.update(c)).collect();
    let mut an = Analyzer::new(AnalysisConfig::default());
    let mut levels = Vec::with_capacity(candles.len());
    let outs: Vec<AnalysisOutput> = candles
        .iter()
        .zip(&vals)
        .map(|(c, v)| {
            let out = *an.update(c, v);
            levels.push(an.levels().to_vec());
            out
        })
        .collect();
    let mut best = f64::INFINITY;
    let mut counts = (0, 0);
    for _ in 0..3 {
        let t0 = thread_cpu_ns();
        counts = black_box(run(&candles, &vals, &outs, &levels));
        best = best.min((thread_cpu_ns() - t0) / candles.len() as f64);
    }
    println!(
        "ModeSet::on_bar on {name} ({} bars, {} intents, {} switches): {best:.1} ns CPU per bar (best of 3)",
        candles.len(),
        counts.0,
        counts.1
    );

    let mut g = c.benchmark_group("modes");
    g.throughput(Throughput::Elements(candles.len() as u64));
    g.sample_size(10);
    g.bench_function(format!("mode_set_on_bar/{name}"), |b| b.iter(|| run(&candles, &vals, &outs, &levels)));
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
