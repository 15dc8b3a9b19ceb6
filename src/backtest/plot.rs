//! Draws the equity curve and its drawdown as a PNG (two panels, dated x axis).
//!
//! Uses plotters' bitmap backend with a bundled DejaVu Sans font (no system fonts needed) and
//! downsamples long curves to min/max per bucket so million-point runs plot in milliseconds.

use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::report::{commit_temp, temp_sibling, ReportError};
use crate::domain::{civil_from_days, days_from_civil, EquityPoint};

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/DejaVuSans-LICENSE.txt`).
static FONT_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FONT: &str = "sans-serif";
/// Most points drawn per series; longer curves keep the min and max of each bucket.
pub const MAX_PLOT_POINTS: usize = 2_000;
const SIZE: (u32, u32) = (1200, 800);
const DAY_MS: i64 = 86_400_000;

/// Renders `equity` (top) and its drawdown in percent (bottom) to the PNG at `path`, written to a
/// temporary sibling first and renamed into place.
pub fn plot_equity(path: &Path, equity: &[EquityPoint], title: &str) -> Result<(), ReportError> {
    let plot_err = |message: String| ReportError::Plot { path: path.to_path_buf(), message };
    register_font().map_err(plot_err)?;
    let tmp = temp_sibling(path);
    let drawn = draw(&tmp, equity, title);
    if let Err(message) = drawn {
        let _ = std::fs::remove_file(&tmp);
        return Err(plot_err(message));
    }
    commit_temp(&tmp, path)
}

fn register_font() -> Result<(), String> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, FONT_TTF).is_ok());
    if ok {
        Ok(())
    } else {
        Err("bundled font DejaVuSans.ttf could not be loaded".into())
    }
}

fn draw(tmp: &Path, equity: &[EquityPoint], title: &str) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let root = BitMapBackend::new(tmp, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let body = root.margin(8, 0, 0, 0).titled(title, (FONT, 28)).map_err(|e| err(&e))?;

    let (Some(first), Some(last)) = (equity.first(), equity.last()) else {
        body.draw(&Text::new("no equity data", (SIZE.0 as i32 / 2 - 80, SIZE.1 as i32 / 3), (FONT, 24)))
            .map_err(|e| err(&e))?;
        return root.present().map_err(|e| err(&e));
    };
    let x_range = TimeAxis { start_ms: first.ts_ms, end_ms: last.ts_ms.max(first.ts_ms + 1) };

    let eq = downsample(equity.len(), equity.iter().map(|p| (p.ts_ms, p.equity.to_f64())), MAX_PLOT_POINTS);
    let mut peak = f64::NEG_INFINITY;
    let dd_iter = equity.iter().map(|p| {
        let e = p.equity.to_f64();
        peak = peak.max(e);
        let dd = if peak > 0.0 { (e / peak - 1.0) * 100.0 } else { 0.0 };
        (p.ts_ms, dd.min(0.0))
    });
    let dd = downsample(equity.len(), dd_iter, MAX_PLOT_POINTS);

    let (lo, hi) = eq.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(_, v)| (lo.min(v), hi.max(v)));
    let pad = if hi > lo { (hi - lo) * 0.05 } else { hi.abs().max(1.0) * 0.01 };
    let dd_min = dd.iter().fold(0.0f64, |m, &(_, v)| m.min(v));
    let dd_range = (dd_min * 1.08).min(-0.1)..(-dd_min * 0.03).max(0.01);

    let split = body.dim_in_pixel().1 * 64 / 100;
    let (upper, lower) = body.split_vertically(split);
    let label_font = (FONT, 15).into_font();
    let desc_font = (FONT, 17).into_font();

    let mut top = ChartBuilder::on(&upper)
        .margin(12)
        .margin_right(30)
        .x_label_area_size(28)
        .y_label_area_size(95)
        .build_cartesian_2d(x_range, (lo - pad)..(hi + pad))
        .map_err(|e| err(&e))?;
    top.configure_mesh()
        .x_labels(8)
        .y_labels(8)
        .y_label_formatter(&|v| format_amount(*v))
        .y_desc("Equity")
        .label_style(label_font.clone())
        .axis_desc_style(desc_font.clone())
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(205, 205, 205))
        .draw()
        .map_err(|e| err(&e))?;
    // A wide pen on a dense zig-zag leaves gaps at the joins; dense curves get a 1px line.
    let pen = if eq.len() > SIZE.0 as usize / 2 { 1 } else { 2 };
    top.draw_series(LineSeries::new(eq, ShapeStyle::from(&RGBColor(31, 90, 180)).stroke_width(pen)))
        .map_err(|e| err(&e))?;

    let mut bottom = ChartBuilder::on(&lower)
        .margin(12)
        .margin_right(30)
        .x_label_area_size(45)
        .y_label_area_size(95)
        .build_cartesian_2d(x_range, dd_range)
        .map_err(|e| err(&e))?;
    bottom
        .configure_mesh()
        .x_labels(8)
        .y_labels(5)
        .y_label_formatter(&|v| format!("{v:.1}%"))
        .y_desc("Drawdown")
        .x_desc("Time (UTC)")
        .label_style(label_font)
        .axis_desc_style(desc_font)
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(205, 205, 205))
        .draw()
        .map_err(|e| err(&e))?;
    let red = RGBColor(200, 40, 40);
    bottom
        .draw_series(AreaSeries::new(dd, 0.0, red.mix(0.25)).border_style(ShapeStyle::from(&red).stroke_width(1)))
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))
}

/// Amount labels without needless digits (`12,500` / `1.25M` style kept short).
fn format_amount(v: f64) -> String {
    let a = v.abs();
    if a >= 1e7 {
        format!("{:.2}M", v / 1e6)
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Reduces `n` time-ordered points to at most `max_points`: each of `max_points / 2` buckets keeps
/// its lowest and highest point, in time order, so spikes and drawdowns survive.
pub fn downsample(n: usize, points: impl Iterator<Item = (i64, f64)>, max_points: usize) -> Vec<(i64, f64)> {
    let buckets = (max_points / 2).max(1);
    if n <= max_points {
        return points.collect();
    }
    let mut out = Vec::with_capacity(buckets * 2);
    let mut current = usize::MAX;
    let mut lo = (0usize, (0i64, 0.0f64));
    let mut hi = lo;
    let flush = |out: &mut Vec<(i64, f64)>, lo: (usize, (i64, f64)), hi: (usize, (i64, f64))| match lo.0.cmp(&hi.0) {
        std::cmp::Ordering::Less => out.extend([lo.1, hi.1]),
        std::cmp::Ordering::Equal => out.push(lo.1),
        std::cmp::Ordering::Greater => out.extend([hi.1, lo.1]),
    };
    for (i, p) in points.enumerate() {
        let b = ((i as u128 * buckets as u128) / n as u128) as usize;
        if b != current {
            if current != usize::MAX {
                flush(&mut out, lo, hi);
            }
            current = b;
            lo = (i, p);
            hi = (i, p);
        } else if p.1 < lo.1 .1 {
            lo = (i, p);
        } else if p.1 > hi.1 .1 {
            hi = (i, p);
        }
    }
    if current != usize::MAX {
        flush(&mut out, lo, hi);
    }
    out
}

/// A time axis in epoch milliseconds whose ticks fall on round UTC times (minutes, hours, days,
/// month or year starts).
#[derive(Debug, Clone, Copy)]
struct TimeAxis {
    start_ms: i64,
    end_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    Ms(i64),
    Months(i64),
}

const MS_STEPS: [i64; 16] = [
    1_000,
    5_000,
    15_000,
    60_000,
    5 * 60_000,
    15 * 60_000,
    30 * 60_000,
    3_600_000,
    2 * 3_600_000,
    6 * 3_600_000,
    12 * 3_600_000,
    DAY_MS,
    2 * DAY_MS,
    7 * DAY_MS,
    14 * DAY_MS,
    28 * DAY_MS,
];
const MONTH_STEPS: [i64; 8] = [1, 2, 3, 6, 12, 24, 60, 120];

impl TimeAxis {
    /// The smallest round step giving at most `max` ticks over the span.
    fn tick_step(&self, max: usize) -> Step {
        let span = (self.end_ms - self.start_ms).max(1);
        let max = max.max(1) as i64;
        for s in MS_STEPS.iter().take(MS_STEPS.len() - 1) {
            if span / s < max {
                return Step::Ms(*s);
            }
        }
        for m in MONTH_STEPS {
            if span / (m * 30 * DAY_MS) < max {
                return Step::Months(m);
            }
        }
        Step::Months(span / (max * 365 * DAY_MS) * 12 + 12)
    }

    fn ticks(&self, step: Step) -> Vec<i64> {
        let mut out = Vec::new();
        match step {
            Step::Ms(s) => {
                let mut t = self.start_ms.div_euclid(s) * s;
                if t < self.start_ms {
                    t += s;
                }
                while t <= self.end_ms {
                    out.push(t);
                    t += s;
                }
            }
            Step::Months(m) => {
                let (y, mo, _) = civil_from_days(self.start_ms.div_euclid(DAY_MS));
                let mut idx = (y * 12 + mo as i64 - 1).div_euclid(m) * m;
                loop {
                    let t = days_from_civil(idx.div_euclid(12), (idx.rem_euclid(12) + 1) as u32, 1) * DAY_MS;
                    if t > self.end_ms {
                        break;
                    }
                    if t >= self.start_ms {
                        out.push(t);
                    }
                    idx += m;
                }
            }
        }
        out
    }

    /// Label for a bold tick, as precise as the step between labels needs.
    fn label(&self, ts_ms: i64) -> String {
        let days = ts_ms.div_euclid(DAY_MS);
        let (y, m, d) = civil_from_days(days);
        let ms = ts_ms.rem_euclid(DAY_MS);
        match self.tick_step(8) {
            Step::Ms(s) if s < 60_000 => {
                format!("{:02}:{:02}:{:02}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60)
            }
            Step::Ms(s) if s < DAY_MS => format!("{m:02}-{d:02} {:02}:{:02}", ms / 3_600_000, ms / 60_000 % 60),
            Step::Ms(_) => format!("{y}-{m:02}-{d:02}"),
            Step::Months(n) if n < 12 => format!("{y}-{m:02}"),
            Step::Months(_) => format!("{y}"),
        }
    }
}

impl Ranged for TimeAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = i64;

    fn map(&self, value: &i64, limit: (i32, i32)) -> i32 {
        let span = (self.end_ms - self.start_ms).max(1) as f64;
        let frac = (*value - self.start_ms) as f64 / span;
        limit.0 + (frac * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<i64> {
        self.ticks(self.tick_step(hint.max_num_points()))
    }

    fn range(&self) -> Range<i64> {
        self.start_ms..self.end_ms
    }
}

impl ValueFormatter<i64> for TimeAxis {
    fn format(ts_ms: &i64) -> String {
        super::report::iso_utc(*ts_ms)
    }
    fn format_ext(&self, ts_ms: &i64) -> String {
        self.label(*ts_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Money;

    #[test]
    fn downsample_keeps_extremes_in_order() {
        // 10 points into 2 buckets of 5: [0,9,1,2,3] -> (0,0.0),(1,9.0); [4,5,-7,6,8] -> (6,-7),(9,8).
        let ys = [0.0, 9.0, 1.0, 2.0, 3.0, 4.0, 5.0, -7.0, 6.0, 8.0];
        let out = downsample(ys.len(), ys.iter().enumerate().map(|(i, &y)| (i as i64, y)), 4);
        assert_eq!(out, vec![(0, 0.0), (1, 9.0), (7, -7.0), (9, 8.0)]);
        let short = downsample(3, [(0, 1.0), (1, 2.0), (2, 3.0)].into_iter(), 4);
        assert_eq!(short.len(), 3);
    }

    #[test]
    fn downsample_bounds_large_curves() {
        let n = 1_000_003;
        let out = downsample(n, (0..n).map(|i| (i as i64, ((i * 7919) % 1000) as f64)), MAX_PLOT_POINTS);
        assert!(out.len() <= MAX_PLOT_POINTS && out.len() > MAX_PLOT_POINTS / 2, "{}", out.len());
        assert!(out.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn time_ticks_are_round() {
        // 2024-01-01T00:00Z to 2024-01-04T06:00Z: 8 ticks max -> 12h steps, at midnight and noon.
        let start = 1_704_067_200_000;
        let axis = TimeAxis { start_ms: start + 1, end_ms: start + 3 * DAY_MS + 6 * 3_600_000 };
        assert_eq!(axis.tick_step(8), Step::Ms(12 * 3_600_000));
        let ticks = axis.ticks(axis.tick_step(8));
        assert_eq!(ticks.first(), Some(&(start + 12 * 3_600_000)));
        assert_eq!(ticks.len(), 6);
        assert_eq!(axis.label(ticks[1]), "01-02 00:00");
        // 2024-01-01 + 365 days = 2024-12-31 (leap year): 2-month steps at Jan, Mar, May, Jul, Sep, Nov.
        let year = TimeAxis { start_ms: start, end_ms: start + 365 * DAY_MS };
        assert_eq!(year.tick_step(8), Step::Months(2));
        let ticks = year.ticks(Step::Months(2));
        assert_eq!(ticks[0], start);
        assert_eq!(year.label(ticks[1]), "2024-03");
        assert_eq!(ticks.len(), 6);
    }

    #[test]
    fn plots_empty_and_flat_curves() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("empty.png");
        plot_equity(&path, &[], "empty").unwrap();
        assert!(std::fs::read(&path).unwrap().starts_with(b"\x89PNG"));
        let flat = [EquityPoint {
            ts_ms: 0,
            equity: Money::from_int(5),
            wallet_balance: Money::ZERO,
            unrealised_pnl: Money::ZERO,
        }];
        plot_equity(&path, &flat, "one point").unwrap();
        assert!(std::fs::read(&path).unwrap().starts_with(b"\x89PNG"));
    }
}
