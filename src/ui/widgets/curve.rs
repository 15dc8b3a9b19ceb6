//! Thinning of a line series before ratatui's braille `Chart` draws it: the chart draws a
//! Bresenham line between every pair of consecutive points on its dot grid, so a curve with
//! more points than dot columns costs far more than what can show. This module keeps, per run of
//! consecutive points that land in the same dot column, only the points that define the dots
//! drawn there (first, lowest, highest, last) and proves nothing else changes.
//!
//! Why the dots are identical: inside the plot bounds the chart maps a point to dot
//! `(round((x - left) * (w - 1) / (right - left)), round((top - y) * (h - 1) / (top - bottom)))`
//! and draws each segment from the mapped ends (clipping is a no-op when both ends are inside).
//! A run of points in one dot column draws only vertical segments in that column, whose union is
//! the span between the run's lowest and highest dot; the kept chain first -> extremes -> last
//! covers exactly that span (every kept point lies inside it), and the segments entering and
//! leaving the run start and end at the same first and last points. The y mapping is monotone,
//! so the lowest and highest values give the extreme dots. Any point outside the bounds (or NaN)
//! turns thinning off, because then clipping would change segment ends.

use ratatui::text::Span;

/// Width in cells of the plot area ratatui's `Chart` gives its canvas inside `area_width`
/// cells, for an x axis with labels (aligned left, the default) and a y axis with labels.
pub fn chart_graph_width(area_width: u16, y_labels: &[Span], first_x_label: &Span) -> u16 {
    let y_w = y_labels.iter().map(Span::width).max().unwrap_or(0) as u16;
    // The first x label's last character sits below the y axis.
    let x_w = (first_x_label.width() as u16).saturating_sub(1);
    let left = y_w.max(x_w).min(area_width / 3);
    let axis = u16::from(left + 1 < area_width);
    area_width.saturating_sub(left + axis)
}

/// The points of `points` that a braille line chart `graph_width` cells wide, with these
/// bounds, needs to draw exactly the same dots (see the module doc). Returns all points when
/// any lies outside the bounds or is NaN, or the bounds are empty.
pub fn thin_for_braille(
    points: &[(f64, f64)],
    x_bounds: [f64; 2],
    y_bounds: [f64; 2],
    graph_width: u16,
) -> Vec<(f64, f64)> {
    let [left, right] = x_bounds;
    let [bottom, top] = y_bounds;
    let width = right - left;
    let inside = |&(x, y): &(f64, f64)| x >= left && x <= right && y >= bottom && y <= top;
    if points.len() <= 2 || graph_width == 0 || !(width > 0.0) || !(top - bottom > 0.0) || !points.iter().all(inside) {
        return points.to_vec();
    }
    let res = f64::from(graph_width) * 2.0;
    // The same expression as ratatui's Painter::get_point, so the column is the same.
    let column = |x: f64| ((x - left) * (res - 1.0) / width).round() as usize;
    let mut out = Vec::with_capacity(points.len().min(graph_width as usize * 8 + 2));
    let mut start = 0;
    while start < points.len() {
        let col = column(points[start].0);
        let (mut lo, mut hi, mut end) = (start, start, start);
        while end + 1 < points.len() && column(points[end + 1].0) == col {
            end += 1;
            if points[end].1 < points[lo].1 {
                lo = end;
            }
            if points[end].1 > points[hi].1 {
                hi = end;
            }
        }
        let mut keep = [start, lo.min(hi), lo.max(hi), end];
        keep.sort_unstable();
        let mut last = usize::MAX;
        for i in keep {
            if i != last {
                out.push(points[i]);
                last = i;
            }
        }
        start = end + 1;
    }
    out
}

#[cfg(test)]
#[path = "curve_tests.rs"]
mod tests;
