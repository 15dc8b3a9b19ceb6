//! Time to build and render one full frame of each tab at 200x60 from `sample_snapshot()` on
//! ratatui's `TestBackend` (target: p99 under 1 ms).

use autobot::ui::{sample_snapshot, App, ColorDepth, Theme, UiConfig};
use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use std::hint::black_box;
use std::time::Instant;

fn frames(c: &mut Criterion) {
    let snap = sample_snapshot();
    let mut group = c.benchmark_group("ui_frame_200x60");
    for (key, name) in [('1', "overview"), ('2', "strategies"), ('3', "execution"), ('4', "risk")] {
        let mut app = App::with_theme(&UiConfig::default(), Theme::new(ColorDepth::Indexed256));
        app.handle_key(KeyEvent::new(KeyCode::Char(key), KeyModifiers::NONE), &snap);
        let mut term = Terminal::new(TestBackend::new(200, 60)).expect("test backend");
        report_percentiles(name, &mut app, &mut term, &snap);
        group.bench_function(name, |b| {
            b.iter(|| {
                // Clear so every iteration redraws and diffs the whole screen.
                term.clear().expect("clear");
                term.draw(|f| app.draw(f, black_box(&snap))).expect("draw");
            })
        });
    }
    group.finish();
}

/// Criterion reports means; the target is a p99, so time 2,000 single frames and print it.
fn report_percentiles(name: &str, app: &mut App, term: &mut Terminal<TestBackend>, snap: &autobot::engine::Snapshot) {
    let mut times: Vec<f64> = (0..2000)
        .map(|_| {
            let start = Instant::now();
            term.clear().expect("clear");
            term.draw(|f| app.draw(f, black_box(snap))).expect("draw");
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize];
    println!("{name:<11} frame 200x60: p50 {:.0} µs  p99 {:.0} µs  max {:.0} µs", pct(0.5), pct(0.99), pct(1.0));
}

criterion_group!(benches, frames);
criterion_main!(benches);
