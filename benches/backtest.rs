//! Backtest throughput through the full pipeline: trend strategy, risk checks, order manager,
//! simulated exchange and equity tracking, candles fed from memory. `*_no_timeline` runs the same
//! loop with a sink that keeps nothing, to show what keeping the mode-switch timeline costs.
//! The `sweep` group times a 4-point `--sweep` grid on 1 and 2 jobs (points per second).

use autobot::backtest::runner::{run_events, run_events_plain};
use autobot::data::generator::{demo_instruments, GeneratorConfig, MarketGenerator};
use autobot::domain::{Event, Interval, Money};
use autobot::engine::{Engine, EngineConfig};
use autobot::exchange::sim::{SimConfig, SimExchange};
use autobot::runtime::pipeline::Pipeline;
use autobot::strategy::TrendConfig;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// One generated symbol, candles and tickers only (what a candle backtest replays).
fn candles(n: usize) -> Vec<Event> {
    let cfg = GeneratorConfig {
        seed: 1,
        symbols: vec![(autobot::domain::Symbol::new("BTCUSDT").unwrap(), 60_000.0)],
        intra_minute_steps: 0,
        ..GeneratorConfig::default()
    };
    let mut g = MarketGenerator::new(cfg);
    let mut all = Vec::new();
    let mut buf = Vec::new();
    while all.len() < n {
        buf.clear();
        g.next_minute(&mut buf);
        all.extend(buf.drain(..).filter(|e| matches!(e, Event::Candle(_))));
    }
    all
}

fn pipeline(timeframe: Interval, all_modes: bool) -> Pipeline {
    let instruments: Vec<_> = demo_instruments().into_iter().filter(|i| i.symbol.as_str() == "BTCUSDT").collect();
    let venue = SimExchange::new(SimConfig::default(), &instruments, Money::from_int(10_000));
    let trend = TrendConfig { timeframe, ..TrendConfig::default() };
    // As `autobot backtest` runs it: no candle history kept for a UI.
    // `all_modes`: the five regime modes with the switcher, the advanced indicator set, the
    // analysis and the candlestick patterns (all on the 15m strategy bars), risk and the order
    // manager. Otherwise the EMA trend follower alone, as the foundation pipeline.
    let config = if all_modes {
        EngineConfig {
            trend,
            history_len: 0,
            modes: Some(autobot::strategy::ModesConfig::default()),
            indicator_set: autobot::indicators::SetKind::Advanced,
            ..EngineConfig::default()
        }
    } else {
        EngineConfig { trend, history_len: 0, analysis: false, ..EngineConfig::default() }
    };
    let mut p = Pipeline::new(Engine::new(config), venue);
    for i in &instruments {
        p.inform(&Event::Instrument(*i), &mut autobot::runtime::pipeline::NoSink);
    }
    let b = p.venue.balance();
    p.inform(&Event::Balance(b), &mut autobot::runtime::pipeline::NoSink);
    p
}

fn bench(c: &mut Criterion) {
    let events = candles(1_000_000);
    let mut g = c.benchmark_group("backtest");
    g.sample_size(10);
    g.throughput(Throughput::Elements(events.len() as u64));
    for (name, tf, all, timeline) in [
        ("trend_15m_from_1m_candles_1M", Interval::M15, false, true),
        ("trend_on_every_1m_candle_1M", Interval::M1, false, true),
        ("all_modes_advanced_analysis_patterns_1M", Interval::M15, true, true),
        ("all_modes_advanced_analysis_patterns_1M_no_timeline", Interval::M15, true, false),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || pipeline(tf, all),
                |mut p| {
                    let out = if timeline { run_events(&mut p, &events) } else { run_events_plain(&mut p, &events) };
                    assert!(out.candles == events.len() as u64);
                    out.trades.len()
                },
                criterion::BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

/// A 4-point sweep (all five modes, default indicator set, as `autobot backtest --sweep` runs it)
/// over 200 000 generated 1m candles (140 000 in sample), on 1 and 2 jobs.
fn sweep(c: &mut Criterion) {
    use autobot::backtest::data::{split, Prepared};
    use autobot::backtest::sweep::parse_all;
    use autobot::backtest::sweep_run::{run_sweep, RankBy, SweepOptions};
    let events = candles(200_000);
    let instruments: Vec<_> = demo_instruments().into_iter().filter(|i| i.symbol.as_str() == "BTCUSDT").collect();
    let data = Prepared { events, instruments, interval: Interval::M1 };
    let config = autobot::config::Config::default();
    let params = parse_all(&["trend.stop_atr=1.5,2,2.5,3".to_string()], &config.strategy).unwrap();
    let (is, _) = split(&data.events, 0.7).unwrap();
    let mut g = c.benchmark_group("sweep");
    g.sample_size(10);
    g.throughput(Throughput::Elements(4));
    for jobs in [1usize, 2] {
        g.bench_function(format!("4_points_140k_1m_candles_jobs_{jobs}"), |b| {
            b.iter(|| {
                let opts = SweepOptions { jobs, rank: RankBy::Sharpe, top: 0 };
                run_sweep(&config, &data, is, &[], params.clone(), opts).unwrap().rows.len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench, sweep);
criterion_main!(benches);
