use super::*;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Widget};

/// Renders a braille line chart the way the Overview does, with `points` fed as given or thinned.
fn render(points: &[(f64, f64)], w: u16, h: u16, thin: bool) -> Buffer {
    render_with(points, w, h, thin, 0)
}

/// `render`, with the plot width passed to the thinning shifted by `width_error` cells.
fn render_with(points: &[(f64, f64)], w: u16, h: u16, thin: bool, width_error: u16) -> Buffer {
    let (x0, x1) = (points[0].0, points[points.len() - 1].0);
    let (lo, hi) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 1.0, hi + 1.0) };
    let xb = [x0, x1.max(x0 + 1.0)];
    let x_labels = [Span::raw(format!("t{x0}")), Span::raw("end")];
    let y_labels = [Span::raw(format!("{lo:.0}")), Span::raw(format!("{hi:.0}"))];
    let area = Rect::new(0, 0, w, h);
    let data = if thin {
        thin_for_braille(points, xb, [lo, hi], chart_graph_width(w, &y_labels, &x_labels[0]) + width_error)
    } else {
        points.to_vec()
    };
    let ds = Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(Style::default().fg(Color::Green))
        .data(&data);
    let chart = Chart::new(vec![ds])
        .x_axis(Axis::default().bounds(xb).labels(x_labels))
        .y_axis(Axis::default().bounds([lo, hi]).labels(y_labels));
    let mut buf = Buffer::empty(area);
    chart.render(area, &mut buf);
    buf
}

fn series() -> Vec<(&'static str, Vec<(f64, f64)>)> {
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 11) as f64 / (1u64 << 53) as f64
    };
    let walk: Vec<(f64, f64)> = {
        let mut v = 10_000.0;
        (0..10_000)
            .map(|i| {
                v += next() - 0.5;
                (1.7e12 + 60_000.0 * i as f64, v)
            })
            .collect()
    };
    vec![
        ("flat", (0..500).map(|i| (i as f64, 5.0)).collect()),
        ("two points", vec![(0.0, 1.0), (10.0, 3.0)]),
        ("steps", (0..3000).map(|i| (i as f64, f64::from((i / 400) as u32 % 3))).collect()),
        (
            "spikes",
            (0..2000)
                .map(|i| {
                    (
                        i as f64,
                        if i % 97 == 0 {
                            50.0
                        } else if i % 89 == 0 {
                            -40.0
                        } else {
                            0.0
                        },
                    )
                })
                .collect(),
        ),
        (
            "sine 200",
            (0..200).map(|i| (i as f64 * 60.0, 10_000.0 + 3.1 * i as f64 - 150.0 * (i as f64 / 15.0).sin())).collect(),
        ),
        ("walk 10000", walk),
        ("uneven x", (0..4000).map(|i| ((i as f64).powf(1.7), (i as f64 * 0.37).sin() * 100.0)).collect()),
    ]
}

#[test]
fn thinned_chart_draws_the_same_cells() {
    for (name, pts) in series() {
        for (w, h) in [(80, 24), (200, 60), (37, 9), (120, 14), (12, 6), (3, 3)] {
            let old = render(&pts, w, h, false);
            let new = render(&pts, w, h, true);
            assert_eq!(old, new, "{name} at {w}x{h}");
        }
    }
    // The comparison can fail: thinning for a wrong plot width changes the dots of a dense walk.
    let walk = &series()[5].1;
    assert!(thin_for_braille(walk, [walk[0].0, walk[9_999].0], [9_000.0, 11_000.0], 72).len() < 600);
    assert_ne!(render(walk, 80, 24, false), render_with(walk, 80, 24, true, 9));
}

#[test]
fn thinning_keeps_first_extremes_last_per_column() {
    // 8 points over x 0..=7, a 2-cell plot = 4 dot columns: column = round(x * 3 / 7).
    // x 0,1 -> 0; x 2,3,4 -> 1 (0.86, 1.29, 1.71 -> 1,1,2)... worked out: 0,0,1,1,2,2,3,3.
    let pts: Vec<(f64, f64)> =
        [5.0, 1.0, 9.0, 2.0, 3.0, 3.0, 0.0, 4.0].iter().enumerate().map(|(i, &y)| (i as f64, y)).collect();
    let out = thin_for_braille(&pts, [0.0, 7.0], [0.0, 9.0], 2);
    // Each column run has at most 2 points here, so nothing is dropped.
    assert_eq!(out, pts);
    // 9 points in one column run (a 1-cell plot has dot columns 0 and 1: x < 4 -> 0).
    let pts: Vec<(f64, f64)> =
        [5.0, 1.0, 9.0, 2.0, 3.0, 3.0, 0.0, 4.0].iter().enumerate().map(|(i, &y)| (i as f64 * 0.1, y)).collect();
    let out = thin_for_braille(&pts, [0.0, 7.0], [0.0, 9.0], 1);
    assert_eq!(out, vec![(0.0, 5.0), (0.2, 9.0), (0.6000000000000001, 0.0), (0.7000000000000001, 4.0)]);
    // A point outside the bounds turns thinning off.
    let out = thin_for_braille(&pts, [0.0, 7.0], [0.0, 8.0], 1);
    assert_eq!(out.len(), 8);
}

#[test]
fn graph_width_matches_chart_layout() {
    let y = [Span::raw("9999"), Span::raw("10000")];
    // y labels 5 wide, first x label 8 wide -> 7; left = 7, axis 1 -> 80 - 8.
    assert_eq!(chart_graph_width(80, &y, &Span::raw("12:00:00")), 72);
    // Labels capped at a third of the width: 9 / 3 = 3, axis 1 -> 5.
    assert_eq!(chart_graph_width(9, &y, &Span::raw("x")), 5);
}
