//! Backtest report costs on a 1M-point (about two years of 1m bars) equity curve.

use std::hint::black_box;

use autobot::backtest::{compute_metrics, plot_equity, MetricsInput};
use autobot::domain::{EquityPoint, Money};
use criterion::{criterion_group, criterion_main, Criterion};

fn random_walk(n: usize) -> Vec<EquityPoint> {
    let mut equity = 10_000.0f64;
    let mut seed = 12_345u64;
    (0..n)
        .map(|i| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let u = (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.4999;
            equity *= 1.0 + u * 0.002;
            let e = Money::from_f64(equity).unwrap_or(Money::ZERO);
            EquityPoint {
                ts_ms: 1_704_067_200_000 + i as i64 * 60_000,
                equity: e,
                wallet_balance: e,
                unrealised_pnl: Money::ZERO,
            }
        })
        .collect()
}

fn bench_report(c: &mut Criterion) {
    let curve = random_walk(1_000_000);
    let input = MetricsInput {
        equity: &curve,
        trades: &[],
        fees: Money::ZERO,
        funding: Money::ZERO,
        exposure_ms: 0,
        bar_ms: 60_000,
    };
    c.bench_function("metrics_1m_points", |b| b.iter(|| black_box(compute_metrics(black_box(&input)))));

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("equity.png");
    let mut group = c.benchmark_group("plot");
    group.sample_size(10);
    group.bench_function("plot_equity_1m_points", |b| {
        b.iter(|| plot_equity(&path, black_box(&curve), "bench").expect("plot"))
    });
    group.finish();
}

criterion_group!(benches, bench_report);
criterion_main!(benches);
