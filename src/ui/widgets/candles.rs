//! Candlestick chart drawn with box-drawing and half-block glyphs (two price steps per cell row):
//! up candles are thin heavy lines `┃ ╹ ╻`, down candles solid blocks `█ ▀ ▄`, wicks light lines
//! `│ ╵ ╷` — so direction reads from the glyph as well as the colour. Overlays are dotted lines
//! with one glyph each, price levels (entry/stop/target) dashed lines labelled on the axis, and
//! volume bars sit under the candles. Also display-only interval aggregation.

use crate::domain::{Candle, Interval};
use crate::ui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// Glyphs of the overlays, in order (paired with `Theme::overlays`).
pub const OVERLAY_GLYPHS: [char; 6] = ['•', '∘', '×', '+', '*', '◇'];

/// A horizontal price level: (price, one-letter tag, style).
#[derive(Debug, Clone, Copy)]
pub struct PriceLevel {
    pub price: f64,
    pub tag: char,
    pub style: Style,
}

pub struct CandleChart<'a> {
    /// Oldest first; the last one may be the live partial candle.
    pub candles: &'a [Candle],
    /// Overlays aligned with `candles` by index (NaN = no value).
    pub overlays: &'a [(String, Vec<f64>)],
    pub levels: &'a [PriceLevel],
    /// Fills to mark: (ts_ms, price, is_buy) — `▲` for buys, `▼` for sells.
    pub markers: &'a [(i64, f64, bool)],
    pub theme: &'a Theme,
}

#[derive(Clone, Copy, PartialEq)]
enum Part {
    None,
    Wick,
    Body,
}

fn glyph(up: bool, top: Part, bottom: Part) -> Option<char> {
    use Part::*;
    Some(match (up, top, bottom) {
        (_, None, None) => return Option::None,
        (_, Wick, Wick) => '│',
        (_, Wick, None) => '╵',
        (_, None, Wick) => '╷',
        (true, Body, Body) => '┃',
        (true, Body, None) => '╹',
        (true, None, Body) => '╻',
        (true, Body, Wick) => '╿',
        (true, Wick, Body) => '╽',
        (false, Body, Body) => '█',
        (false, Body, None | Wick) => '▀',
        (false, None | Wick, Body) => '▄',
    })
}

/// Number of decimals to show for prices around `v`.
pub fn price_decimals(v: f64) -> usize {
    let v = v.abs();
    if v >= 1000.0 {
        1
    } else if v >= 10.0 {
        2
    } else {
        4
    }
}

impl CandleChart<'_> {
    /// Legend line: direction glyphs, overlays with their glyphs, level tags.
    pub fn legend(&self) -> Line<'static> {
        let t = self.theme;
        let mut spans = vec![Span::styled("▲up ┃", t.up), Span::raw(" "), Span::styled("▼down █", t.down)];
        for (i, (name, _)) in self.overlays.iter().enumerate().take(OVERLAY_GLYPHS.len()) {
            spans.push(Span::raw("  "));
            spans.push(Span::styled(format!("{} {name}", OVERLAY_GLYPHS[i]), Style::new().fg(t.overlays[i])));
        }
        for l in self.levels {
            let name = match l.tag {
                'E' => "entry",
                'S' => "stop",
                'T' => "target",
                _ => "level",
            };
            spans.push(Span::raw("  "));
            spans.push(Span::styled(format!("╌{} {name}", l.tag), l.style));
        }
        if !self.markers.is_empty() {
            spans.push(Span::raw("  "));
            spans.push(Span::styled("▲", t.up));
            spans.push(Span::styled("▼", t.down));
            spans.push(Span::styled(" fills", t.text));
        }
        Line::from(spans)
    }
}

impl Widget for &CandleChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < 4 || area.height < 2 || self.candles.is_empty() {
            return;
        }
        let t = self.theme;
        let last_px = self.candles[self.candles.len() - 1].close.to_f64();
        let dec = price_decimals(last_px);
        let axis_w: u16 = if area.width >= 30 { (format!("{:.dec$}", last_px * 1.1).len() + 3) as u16 } else { 0 };
        let vol_rows: u16 = if area.height >= 10 { 3 } else { 0 };
        let plot = Rect { x: area.x, y: area.y, width: area.width - axis_w, height: area.height - vol_rows };
        let n = (plot.width as usize).min(self.candles.len());
        let first = self.candles.len() - n;
        let vis = &self.candles[first..];

        let mut hi = f64::MIN;
        let mut lo = f64::MAX;
        for c in vis {
            hi = hi.max(c.high.to_f64());
            lo = lo.min(c.low.to_f64());
        }
        let span = hi - lo;
        for l in self.levels {
            // Levels far away would squash the candles: only those near the range widen it.
            if l.price.is_finite() && l.price <= hi + span * 0.3 && l.price >= lo - span * 0.3 {
                hi = hi.max(l.price);
                lo = lo.min(l.price);
            }
        }
        if hi <= lo {
            let pad = (hi.abs() * 0.001).max(1e-8);
            hi += pad;
            lo -= pad;
        }
        let sub = plot.height as f64 * 2.0;
        let to_sub = |p: f64| -> i64 { (((hi - p) / (hi - lo)) * (sub - 1.0)).round().clamp(0.0, sub - 1.0) as i64 };

        // Axis labels, then levels (their labels win), then candles over the level lines.
        if axis_w > 0 {
            let label = |p: f64| format!("{:>w$.dec$}", p, w = axis_w as usize - 2);
            let ax = plot.x + plot.width + 1;
            let w = axis_w as usize - 1;
            buf.set_stringn(ax, plot.y, label(hi), w, t.dim);
            if plot.height >= 3 {
                buf.set_stringn(ax, plot.y + plot.height - 1, label(lo), w, t.dim);
            }
            if plot.height >= 5 {
                buf.set_stringn(ax, plot.y + plot.height / 2, label((hi + lo) / 2.0), w, t.dim);
            }
        }

        // Levels first, so candles and overlays draw over them.
        for l in self.levels {
            if !l.price.is_finite() {
                continue;
            }
            // Off-range levels sit on the edge row with an arrow in the label.
            let row = plot.y + (to_sub(l.price) / 2) as u16;
            if l.price < lo || l.price > hi {
                if axis_w > 0 {
                    let arrow = if l.price < lo { '▼' } else { '▲' };
                    let label = format!("{}{arrow}{:>w$.dec$}", l.tag, l.price, w = axis_w as usize - 3);
                    buf.set_stringn(plot.x + plot.width + 1, row, &label, axis_w as usize - 1, l.style);
                }
                continue;
            }
            for x in plot.x..plot.x + plot.width {
                buf[(x, row)].set_char('╌').set_style(l.style);
            }
            if axis_w > 0 {
                let label = format!("{}{:>w$.dec$}", l.tag, l.price, w = axis_w as usize - 2);
                buf.set_stringn(plot.x + plot.width + 1, row, &label, axis_w as usize - 1, l.style);
            }
        }

        for (i, c) in vis.iter().enumerate() {
            let x = plot.x + i as u16;
            let (o, h, l, cl) = (c.open.to_f64(), c.high.to_f64(), c.low.to_f64(), c.close.to_f64());
            let up = cl >= o;
            let style = if up { t.up } else { t.down };
            let (tw, bw) = (to_sub(h), to_sub(l));
            let (tb, bb) = (to_sub(o.max(cl)), to_sub(o.min(cl)));
            let part = |s: i64| {
                if s >= tb && s <= bb {
                    Part::Body
                } else if s >= tw && s <= bw {
                    Part::Wick
                } else {
                    Part::None
                }
            };
            for r in (tw / 2)..=(bw / 2) {
                if let Some(g) = glyph(up, part(2 * r), part(2 * r + 1)) {
                    buf[(x, plot.y + r as u16)].set_char(g).set_style(style);
                }
            }
            for (k, (_, values)) in self.overlays.iter().enumerate().take(OVERLAY_GLYPHS.len()) {
                let Some(&v) = values.get(first + i) else { continue };
                if !v.is_finite() || v < lo || v > hi {
                    continue;
                }
                let cell = &mut buf[(x, plot.y + (to_sub(v) / 2) as u16)];
                if matches!(cell.symbol(), " " | "╌") {
                    cell.set_char(OVERLAY_GLYPHS[k]).set_style(Style::new().fg(t.overlays[k]));
                }
            }
        }

        // Fill markers: on the candle that contains the fill's time, at its price.
        let bar_ms = vis.get(1).map(|c| c.ts_ms - vis[0].ts_ms).filter(|d| *d > 0).unwrap_or(60_000);
        for &(ts, price, is_buy) in self.markers {
            if !(price >= lo && price <= hi) || vis.is_empty() || ts < vis[0].ts_ms {
                continue;
            }
            let Some(i) = vis.iter().rposition(|c| c.ts_ms <= ts) else { continue };
            if ts >= vis[i].ts_ms + bar_ms && i + 1 < vis.len() {
                continue;
            }
            let (glyph, style) = if is_buy { ('▲', t.up) } else { ('▼', t.down) };
            let y = plot.y + (to_sub(price) / 2) as u16;
            buf[(plot.x + i as u16, y)].set_char(glyph).set_style(style.add_modifier(ratatui::style::Modifier::BOLD));
        }

        if axis_w > 0 {
            let label = |p: f64| format!("{:>w$.dec$}", p, w = axis_w as usize - 2);
            let w = axis_w as usize - 1;
            let row = plot.y + (to_sub(last_px) / 2) as u16;
            buf.set_stringn(plot.x + plot.width, row, format!("◀{:<w$}", label(last_px).trim_start()), w + 1, t.marker);
        }

        if vol_rows > 0 {
            let vmax = vis.iter().map(|c| c.volume).fold(0.0, f64::max);
            let base = plot.y + plot.height;
            if axis_w > 0 {
                buf.set_stringn(plot.x + plot.width + 1, base + vol_rows - 1, "vol", 3, t.dim);
            }
            if vmax > 0.0 {
                const EIGHTHS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
                for (i, c) in vis.iter().enumerate() {
                    let x = plot.x + i as u16;
                    let style = if c.close >= c.open { t.up } else { t.down };
                    let mut eighths = ((c.volume / vmax) * (vol_rows as f64 * 8.0)).round() as i64;
                    if c.volume > 0.0 {
                        eighths = eighths.max(1);
                    }
                    for r in 0..vol_rows {
                        let y = base + vol_rows - 1 - r;
                        let in_row = (eighths - r as i64 * 8).clamp(0, 8);
                        if in_row > 0 {
                            buf[(x, y)].set_char(EIGHTHS[in_row as usize - 1]).set_style(style);
                        }
                    }
                }
            }
        }
    }
}

/// Groups candles into `target` bars for display (OHLC, summed volume); `index_map` gets, for
/// each output bar, the index of its last input candle (to sample overlays). `target` at or below
/// the input interval returns the input unchanged.
pub fn aggregate(candles: &[Candle], target: Interval, index_map: &mut Vec<usize>) -> Vec<Candle> {
    index_map.clear();
    let Some(first) = candles.first() else { return Vec::new() };
    if target <= first.interval {
        index_map.extend(0..candles.len());
        return candles.to_vec();
    }
    let mut out: Vec<Candle> = Vec::with_capacity(candles.len() / 2 + 1);
    for (i, c) in candles.iter().enumerate() {
        let open_ts = target.bar_open(c.ts_ms);
        match out.last_mut() {
            Some(bar) if bar.ts_ms == open_ts => {
                bar.high = bar.high.max(c.high);
                bar.low = bar.low.min(c.low);
                bar.close = c.close;
                bar.volume += c.volume;
                bar.turnover += c.turnover;
                bar.closed = c.closed;
                if let Some(last) = index_map.last_mut() {
                    *last = i;
                }
            }
            _ => {
                out.push(Candle { ts_ms: open_ts, interval: target, ..*c });
                index_map.push(i);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Price, Symbol};
    use crate::ui::theme::{ColorDepth, Theme};

    fn candle(ts_min: i64, o: i64, h: i64, l: i64, c: i64) -> Candle {
        Candle {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            interval: Interval::M1,
            ts_ms: ts_min * 60_000,
            open: Price::from_int(o),
            high: Price::from_int(h),
            low: Price::from_int(l),
            close: Price::from_int(c),
            volume: 1.0,
            turnover: 0.0,
            closed: true,
        }
    }

    #[test]
    fn glyphs_differ_by_direction() {
        assert_eq!(glyph(true, Part::Body, Part::Body), Some('┃'));
        assert_eq!(glyph(false, Part::Body, Part::Body), Some('█'));
        assert_eq!(glyph(true, Part::Wick, Part::Body), Some('╽'));
        assert_eq!(glyph(false, Part::Wick, Part::Wick), Some('│'));
        assert_eq!(glyph(false, Part::None, Part::None), None);
    }

    #[test]
    fn draws_up_and_down_candles_in_the_right_cells() {
        // Range 100..=110 over 4 rows = 8 sub-rows: sub(p) = round((110-p)/10*7).
        // Up candle 102→108, wick 100..110: body sub 1..=6, wick 0..=7 → rows ╽ ┃ ┃ ╿.
        // Down candle 108→104 (h 109, l 103): body sub 1..=4, wick 1(→round .7)=1..=5.
        let candles = [candle(0, 102, 110, 100, 108), candle(1, 108, 109, 103, 104)];
        let theme = Theme::new(ColorDepth::Basic16);
        let chart = CandleChart { candles: &candles, overlays: &[], levels: &[], markers: &[], theme: &theme };
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 4));
        (&chart).render(buf.area, &mut buf);
        let col = |x: u16| (0..4).map(|y| buf[(x, y)].symbol().to_string()).collect::<Vec<_>>().join("");
        assert_eq!(col(0), "╽┃┃╿");
        // Down: sub(108)=1.4→1, sub(104)=4.2→4, sub(109)=0.7→1, sub(103)=4.9→5.
        // Rows: (0,1)=None/Body → ▄, (2,3)=Body/Body → █, (4,5)=Body/Wick → ▀, (6,7) empty.
        assert_eq!(col(1), "▄█▀ ");
        assert_eq!(buf[(0, 1)].fg, theme.up.fg.unwrap());
        assert_eq!(buf[(1, 1)].fg, theme.down.fg.unwrap());
    }

    #[test]
    fn tiny_areas_and_flat_prices_do_not_panic() {
        let candles = [candle(0, 100, 100, 100, 100)];
        let theme = Theme::new(ColorDepth::Basic16);
        let levels = [PriceLevel { price: 100.0, tag: 'E', style: theme.marker }];
        let overlays = vec![("EMA".to_string(), vec![100.0])];
        let chart = CandleChart {
            candles: &candles,
            overlays: &overlays,
            levels: &levels,
            markers: &[(0, 100.0, true), (-5, 100.0, false)],
            theme: &theme,
        };
        for (w, h) in [(0, 0), (1, 1), (4, 2), (30, 3), (40, 12)] {
            let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
            (&chart).render(buf.area, &mut buf);
        }
    }

    #[test]
    fn aggregates_to_five_minutes() {
        let candles: Vec<Candle> = (0..7).map(|i| candle(i, 100 + i, 105 + i, 95 + i, 101 + i)).collect();
        let mut map = Vec::new();
        let bars = aggregate(&candles, Interval::M5, &mut map);
        assert_eq!(bars.len(), 2);
        assert_eq!(
            (bars[0].open, bars[0].high, bars[0].low, bars[0].close),
            (Price::from_int(100), Price::from_int(109), Price::from_int(95), Price::from_int(105))
        );
        assert_eq!(bars[0].volume, 5.0);
        assert_eq!(bars[1].ts_ms, 5 * 60_000);
        assert_eq!(map, vec![4, 6]);
        let same = aggregate(&candles, Interval::M1, &mut map);
        assert_eq!(same.len(), 7);
    }
}
