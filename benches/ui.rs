//! Time to build and render one full frame of each tab at 200x60 from `sample_snapshot()`
//! (target: p99 under 1 ms), through our `AnsiBackend` writing its escape sequences into
//! `io::sink()` (what a terminal costs us, minus the kernel write), with ratatui's own
//! `CrosstermBackend` on the same sink as the comparison.
//!
//! Besides criterion's means it prints percentiles of 2,000 single frames, both wall time and
//! the thread's CPU time (on a shared machine the wall-time tail is the scheduler, not us), for
//! a full redraw (screen cleared: every non-blank cell written) and a diffed redraw (same
//! snapshot: what happens when little changed), through the app's own frame loop
//! (`FrameLoop` + `AnsiBackend`: what `autobot` runs), and for comparison through ratatui's
//! `Terminal::draw` on `AnsiBackend` and on ratatui's `CrosstermBackend`; plus an empty frame
//! as the baseline, the application's own build+render into a blank buffer without any flush,
//! and the backends alone (every cell of a rendered frame encoded and flushed).

use autobot::ui::widgets::curve;
use autobot::ui::{sample_snapshot, AnsiBackend, App, ColorDepth, FrameLoop, Theme, UiConfig};
use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Position, Rect, Size};
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Widget};
use ratatui::{Frame, Terminal, TerminalOptions, Viewport};
use std::hint::black_box;
use std::io;
use std::time::Instant;

/// The frame size the issue measures.
const AREA: Rect = Rect { x: 0, y: 0, width: 200, height: 60 };

/// CPU time of the calling thread in microseconds.
fn thread_cpu_us() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant the kernel knows.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e6 + ts.tv_nsec as f64 / 1e3
}

fn percentiles(label: &str, mut sample: impl FnMut()) {
    let mut wall = Vec::with_capacity(2000);
    let mut cpu = Vec::with_capacity(2000);
    for _ in 0..2000 {
        let (w0, c0) = (Instant::now(), thread_cpu_us());
        sample();
        cpu.push(thread_cpu_us() - c0);
        wall.push(w0.elapsed().as_secs_f64() * 1e6);
    }
    for v in [&mut wall, &mut cpu] {
        v.sort_by(f64::total_cmp);
    }
    let p = |v: &Vec<f64>, q: f64| v[((v.len() as f64 - 1.0) * q) as usize];
    println!(
        "{label:<34} wall p50 {:>5.0} p99 {:>6.0} µs | cpu p50 {:>5.0} p99 {:>5.0} max {:>5.0} µs",
        p(&wall, 0.5),
        p(&wall, 0.99),
        p(&cpu, 0.5),
        p(&cpu, 0.99),
        p(&cpu, 1.0)
    );
}

/// ratatui's real crossterm backend writing into `io::sink()`; only the questions a sink cannot
/// answer (its size, the cursor position) are answered here instead of by a terminal.
struct SinkTerm(CrosstermBackend<io::Sink>);

impl Backend for SinkTerm {
    type Error = io::Error;
    fn draw<'a, I: Iterator<Item = (u16, u16, &'a Cell)>>(&mut self, content: I) -> io::Result<()> {
        self.0.draw(content)
    }
    fn hide_cursor(&mut self) -> io::Result<()> {
        self.0.hide_cursor()
    }
    fn show_cursor(&mut self) -> io::Result<()> {
        self.0.show_cursor()
    }
    fn get_cursor_position(&mut self) -> io::Result<Position> {
        Ok(Position::ORIGIN)
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.0.set_cursor_position(position)
    }
    fn clear(&mut self) -> io::Result<()> {
        self.0.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.0.clear_region(clear_type)
    }
    fn size(&self) -> io::Result<Size> {
        Ok(AREA.as_size())
    }
    fn window_size(&mut self) -> io::Result<WindowSize> {
        Ok(WindowSize { columns_rows: AREA.as_size(), pixels: Size::new(0, 0) })
    }
    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.0)
    }
}

/// A 200x60 terminal on ratatui's crossterm backend into the sink.
fn crossterm_terminal() -> Terminal<SinkTerm> {
    let options = TerminalOptions { viewport: Viewport::Fixed(AREA) };
    Terminal::with_options(SinkTerm(CrosstermBackend::new(io::sink())), options).expect("sink backend")
}

/// A 200x60 terminal on our backend into the sink.
fn our_terminal() -> Terminal<AnsiBackend<io::Sink>> {
    let options = TerminalOptions { viewport: Viewport::Fixed(AREA) };
    Terminal::with_options(AnsiBackend::with_size(io::sink(), AREA.as_size()), options).expect("sink backend")
}

/// Full and diffed redraw percentiles of `app` on `term`, labelled with the backend's name.
fn redraws<B: Backend>(term: &mut Terminal<B>, label: &str, app: &mut App, snap: &autobot::engine::Snapshot)
where
    B::Error: std::fmt::Debug,
{
    percentiles(&format!("{label} full redraw"), || {
        term.clear().expect("clear");
        term.draw(|f| app.draw(f, black_box(snap))).expect("draw");
    });
    percentiles(&format!("{label} diffed redraw"), || {
        term.draw(|f| app.draw(f, black_box(snap))).expect("draw");
    });
}

/// Our frame loop on our backend into the sink.
fn our_frames() -> (AnsiBackend<io::Sink>, FrameLoop) {
    let backend = AnsiBackend::with_size(io::sink(), AREA.as_size());
    let frames = FrameLoop::new(&backend).expect("sink backend");
    (backend, frames)
}

fn frames(c: &mut Criterion) {
    let snap = sample_snapshot();
    let mut ours = our_terminal();
    let mut theirs = crossterm_terminal();
    let (mut backend, mut frames) = our_frames();
    percentiles("empty frame 200x60 full redraw", || {
        frames.clear(&mut backend).expect("clear");
        frames
            .draw(&mut backend, |area, _| {
                black_box(area);
            })
            .expect("draw");
    });
    percentiles("  Terminal: empty full redraw", || {
        ours.clear().expect("clear");
        ours.draw(|f: &mut Frame| {
            black_box(f.area());
        })
        .expect("draw");
    });
    percentiles("  crossterm: empty full redraw", || {
        theirs.clear().expect("clear");
        theirs
            .draw(|f: &mut Frame| {
                black_box(f.area());
            })
            .expect("draw");
    });
    long_curve(&snap);
    let mut group = c.benchmark_group("ui_frame_200x60");
    for (key, name) in [('1', "overview"), ('2', "strategies"), ('3', "execution"), ('4', "risk")] {
        let mut app = App::with_theme(&UiConfig::default(), Theme::new(ColorDepth::Indexed256));
        app.handle_key(KeyEvent::new(KeyCode::Char(key), KeyModifiers::NONE), &snap);
        let mut ours = our_terminal();
        let mut theirs = crossterm_terminal();
        let (mut backend, mut frames) = our_frames();
        // Build and render into a blank buffer only: the application's own cost.
        let mut buf = Buffer::empty(AREA);
        percentiles(&format!("{name} 200x60 build+render"), || {
            buf.reset();
            app.render(AREA, &mut buf, black_box(&snap));
            black_box(buf.content().len());
        });
        percentiles(&format!("{name} 200x60 full redraw"), || {
            frames.clear(&mut backend).expect("clear");
            frames.draw(&mut backend, |area, buf| app.render(area, buf, black_box(&snap))).expect("draw");
        });
        percentiles(&format!("{name} 200x60 diffed redraw"), || {
            frames.draw(&mut backend, |area, buf| app.render(area, buf, black_box(&snap))).expect("draw");
        });
        redraws(&mut ours, "  Terminal:", &mut app, &snap);
        redraws(&mut theirs, "  crossterm:", &mut app, &snap);
        // The backends alone: every cell of the rendered frame encoded and flushed.
        let frame_buf: Buffer = {
            let mut t = our_terminal();
            let mut frame = t.get_frame();
            app.draw(&mut frame, &snap);
            frame.buffer_mut().clone()
        };
        let cells = || frame_buf.content.iter().enumerate().map(|(i, c)| ((i % 200) as u16, (i / 200) as u16, c));
        let mut our_backend = AnsiBackend::with_size(io::sink(), AREA.as_size());
        percentiles(&format!("{name} 200x60 backend only"), || {
            our_backend.draw(cells()).expect("draw");
            Backend::flush(&mut our_backend).expect("flush");
        });
        let mut their_backend = CrosstermBackend::new(io::sink());
        percentiles("  crossterm: backend only", || {
            their_backend.draw(cells()).expect("draw");
            Backend::flush(&mut their_backend).expect("flush");
        });
        group.bench_function(name, |b| {
            b.iter(|| {
                frames.clear(&mut backend).expect("clear");
                frames.draw(&mut backend, |area, buf| app.render(area, buf, black_box(&snap))).expect("draw");
            })
        });
        group.bench_function(format!("{name}_terminal"), |b| {
            b.iter(|| {
                ours.clear().expect("clear");
                ours.draw(|f| app.draw(f, black_box(&snap))).expect("draw");
            })
        });
        group.bench_function(format!("{name}_crossterm"), |b| {
            b.iter(|| {
                theirs.clear().expect("clear");
                theirs.draw(|f| app.draw(f, black_box(&snap))).expect("draw");
            })
        });
    }
    group.finish();
}

/// A long-running account: the Overview with a 10,000-point equity curve, and the equity
/// chart alone fed every point (as before `curve::thin_for_braille`) or the thinned points.
fn long_curve(snap: &autobot::engine::Snapshot) {
    let mut long = snap.clone();
    let t0 = long.account.equity_curve[0].0;
    long.account.equity_curve =
        (0..10_000).map(|i| (t0 + i * 60_000, 10_000.0 + 0.03 * i as f64 - 150.0 * (i as f64 / 150.0).sin())).collect();
    let mut app = App::with_theme(&UiConfig::default(), Theme::new(ColorDepth::Indexed256));
    let mut buf = Buffer::empty(AREA);
    percentiles("overview 200x60 build+render, 10,000-point equity curve", || {
        buf.reset();
        app.render(AREA, &mut buf, black_box(&long));
        black_box(buf.content().len());
    });
    let points: Vec<(f64, f64)> = long.account.equity_curve.iter().map(|&(t, e)| (t as f64, e)).collect();
    let (lo, hi) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let xb = [points[0].0, points[points.len() - 1].0];
    let area = Rect::new(0, 0, 96, 14);
    let chart = |data: &[(f64, f64)], buf: &mut Buffer| {
        let ds = Dataset::default().marker(Marker::Braille).graph_type(GraphType::Line).data(data);
        let chart = Chart::new(vec![ds])
            .x_axis(Axis::default().bounds(xb).labels(["00:00", "23:59"]))
            .y_axis(Axis::default().bounds([lo, hi]).labels(["9850", "10450"]));
        chart.render(area, buf);
    };
    let mut cbuf = Buffer::empty(area);
    percentiles("  equity chart 96x14, all 10,000 points", || {
        cbuf.reset();
        chart(black_box(&points), &mut cbuf);
    });
    percentiles("  equity chart 96x14, thinned (incl. thinning)", || {
        cbuf.reset();
        let y = [Span::raw("9850"), Span::raw("10450")];
        let w = curve::chart_graph_width(area.width, &y, &Span::raw("00:00"));
        let thin = curve::thin_for_braille(black_box(&points), xb, [lo, hi], w);
        chart(&thin, &mut cbuf);
    });
}

criterion_group!(benches, frames);
criterion_main!(benches);
