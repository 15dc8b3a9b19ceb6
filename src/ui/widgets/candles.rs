//! Candlestick chart drawn with half-block glyphs (two price steps per cell row): every body is
//! solid `█ ▀ ▄` whatever its direction, wicks are light lines `│ ╵ ╷`; direction is the colour
//! and, without colour, the OHLC readout and the volume bars' shade. Overlays are dotted lines
//! with one glyph each, price levels (entry/stop/target, support/resistance) dashed lines
//! labelled on the axis, pattern markers `△ ▽` beside their candle, fills `▲ ▼` at their price,
//! and volume bars sit under the candles. Also display-only interval aggregation.

use crate::domain::{Candle, Interval};
use crate::ui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// Glyphs of the overlays, in order (paired with `Theme::overlays`).
pub const OVERLAY_GLYPHS: [char; 6] = ['•', '∘', '×', '+', '*', '◇'];

/// A horizontal price level: price, short tag on the axis (`E`, `SL`, `TP`, `R1`, `S1`), style.
#[derive(Debug, Clone)]
pub struct PriceLevel {
    pub price: f64,
    pub tag: String,
    pub style: Style,
}

/// A candlestick pattern marker: candle open time, name, bullish (`△` under the low), bearish
/// (`▽` over the high).
#[derive(Debug, Clone, Copy)]
pub struct PatternMarker<'a> {
    pub ts_ms: i64,
    pub name: &'a str,
    pub bullish: bool,
}

pub struct CandleChart<'a> {
    /// Oldest first; the last one may be the live partial candle.
    pub candles: &'a [Candle],
    /// Overlays aligned with `candles` by index (NaN = no value).
    pub overlays: &'a [(String, Vec<f64>)],
    pub levels: &'a [PriceLevel],
    /// Fills to mark: (ts_ms, price, is_buy) — `▲` for buys, `▼` for sells.
    pub markers: &'a [(i64, f64, bool)],
    pub patterns: &'a [PatternMarker<'a>],
    /// Decimals of the axis labels (the instrument's tick).
    pub decimals: usize,
    pub theme: &'a Theme,
}

#[derive(Clone, Copy, PartialEq)]
enum Part {
    None,
    Wick,
    Body,
}

/// The glyph of one cell from its upper and lower half: bodies solid, wicks thin.
fn glyph(top: Part, bottom: Part) -> Option<char> {
    use Part::*;
    Some(match (top, bottom) {
        (None, None) => return Option::None,
        (Wick, Wick) => '│',
        (Wick, None) => '╵',
        (None, Wick) => '╷',
        (Body, Body) => '█',
        (Body, None | Wick) => '▀',
        (None | Wick, Body) => '▄',
    })
}

/// Support (`S1`) and resistance (`R2`) tags, as opposed to position levels (`E`, `SL`, `TP`).
fn is_sr(tag: &str) -> bool {
    let mut c = tag.chars();
    matches!(c.next(), Some('R' | 'S')) && c.next().is_some_and(|d| d.is_ascii_digit())
}

impl CandleChart<'_> {
    /// Legend items: direction, overlays with their glyphs, level tags, the last pattern, fills.
    fn legend_items(&self) -> Vec<Vec<Span<'static>>> {
        let t = self.theme;
        let mut items = vec![vec![Span::styled("█ up", t.up), Span::raw(" "), Span::styled("█ down", t.down)]];
        for (i, (name, _)) in self.overlays.iter().enumerate().take(OVERLAY_GLYPHS.len()) {
            items.push(vec![Span::styled(format!("{} {name}", OVERLAY_GLYPHS[i]), Style::new().fg(t.overlays[i]))]);
        }
        if self.levels.iter().any(|l| is_sr(&l.tag)) {
            items.push(vec![Span::styled("╌R/S res/sup", t.dim)]);
        }
        for l in self.levels.iter().filter(|l| !is_sr(&l.tag)) {
            let name = match l.tag.as_str() {
                "E" => "entry",
                "SL" => "stop",
                "TP" => "target",
                _ => "level",
            };
            items.push(vec![Span::styled(format!("╌{} {name}", l.tag), l.style)]);
        }
        if let Some(p) = self.patterns.last() {
            items.push(vec![Span::styled(format!("{} {}", if p.bullish { '△' } else { '▽' }, p.name), t.marker)]);
        }
        if !self.markers.is_empty() {
            items.push(vec![Span::styled("▲", t.up), Span::styled("▼", t.down), Span::styled(" fills", t.text)]);
        }
        items
    }

    /// The legend packed into at most `max_lines` lines of `width` cells (items never split).
    pub fn legend(&self, width: u16, max_lines: u16) -> Vec<Line<'static>> {
        let mut lines: Vec<Vec<Span<'static>>> = vec![Vec::new()];
        let mut used = 0usize;
        for item in self.legend_items() {
            let w: usize = item.iter().map(|s| s.content.chars().count()).sum();
            let gap = if used == 0 { 0 } else { 2 };
            if used > 0 && used + gap + w > width as usize {
                if lines.len() as u16 >= max_lines {
                    break;
                }
                lines.push(Vec::new());
                used = 0;
            }
            let line = lines.last_mut().expect("one line at least");
            if used > 0 {
                line.push(Span::raw("  "));
                used += 2;
            }
            used += w;
            line.extend(item);
        }
        lines.into_iter().map(Line::from).collect()
    }
}

impl Widget for &CandleChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < 4 || area.height < 2 || self.candles.is_empty() {
            return;
        }
        let t = self.theme;
        let last_px = self.candles[self.candles.len() - 1].close.to_f64();
        let dec = self.decimals;
        // Room for the widest price, a level tag (`R1`, `SL`) and a space between them.
        let tag_w = self.levels.iter().map(|l| l.tag.chars().count()).max().unwrap_or(1).max(1);
        let axis_w: u16 =
            if area.width >= 30 { (format!("{:.dec$}", last_px * 1.1).len() + 3 + tag_w) as u16 } else { 0 };
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
                    let w = (axis_w as usize).saturating_sub(2 + l.tag.chars().count());
                    let label = format!("{}{arrow}{:>w$.dec$}", l.tag, l.price);
                    buf.set_stringn(plot.x + plot.width + 1, row, &label, axis_w as usize - 1, l.style);
                }
                continue;
            }
            for x in plot.x..plot.x + plot.width {
                buf[(x, row)].set_char('╌').set_style(l.style);
            }
            if axis_w > 0 {
                let w = (axis_w as usize).saturating_sub(1 + l.tag.chars().count());
                let label = format!("{}{:>w$.dec$}", l.tag, l.price);
                buf.set_stringn(plot.x + plot.width + 1, row, &label, axis_w as usize - 1, l.style);
            }
        }

        for (i, c) in vis.iter().enumerate() {
            let x = plot.x + i as u16;
            let (o, h, l, cl) = (c.open.to_f64(), c.high.to_f64(), c.low.to_f64(), c.close.to_f64());
            let style = if cl >= o { t.up } else { t.down };
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
                if let Some(g) = glyph(part(2 * r), part(2 * r + 1)) {
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

        // Pattern markers: `△` on the row under the candle's low, `▽` over its high (if free).
        for p in self.patterns {
            let Some(i) = vis.iter().position(|c| c.ts_ms == p.ts_ms) else { continue };
            let c = &vis[i];
            let x = plot.x + i as u16;
            let (row, glyph) = if p.bullish {
                ((to_sub(c.low.to_f64()) / 2 + 1) as u16, '△')
            } else {
                ((to_sub(c.high.to_f64()) / 2 - 1) as u16, '▽')
            };
            if row < plot.height && matches!(buf[(x, plot.y + row)].symbol(), " " | "╌") {
                buf[(x, plot.y + row)].set_char(glyph).set_style(t.marker);
            }
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
    fn bodies_are_solid_and_wicks_thin() {
        assert_eq!(glyph(Part::Body, Part::Body), Some('█'));
        assert_eq!(glyph(Part::Wick, Part::Body), Some('▄'));
        assert_eq!(glyph(Part::Body, Part::Wick), Some('▀'));
        assert_eq!(glyph(Part::Wick, Part::Wick), Some('│'));
        assert_eq!(glyph(Part::None, Part::Wick), Some('╷'));
        assert_eq!(glyph(Part::None, Part::None), None);
    }

    #[test]
    fn draws_up_and_down_candles_in_the_right_cells() {
        // Range 100..=110 over 4 rows = 8 sub-rows: sub(p) = round((110-p)/10*7).
        // Up candle 102→108, wick 100..110: body sub 1..=6, wick 0..=7 → rows ▄ █ █ ▀.
        // Down candle 108→104 (h 109, l 103): body sub 1..=4, wick 1(→round .7)=1..=5.
        let candles = [candle(0, 102, 110, 100, 108), candle(1, 108, 109, 103, 104)];
        let theme = Theme::new(ColorDepth::Basic16);
        let chart = CandleChart {
            candles: &candles,
            overlays: &[],
            levels: &[],
            markers: &[],
            patterns: &[],
            decimals: 0,
            theme: &theme,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 4));
        (&chart).render(buf.area, &mut buf);
        let col = |x: u16| (0..4).map(|y| buf[(x, y)].symbol().to_string()).collect::<Vec<_>>().join("");
        assert_eq!(col(0), "▄██▀");
        // Down: sub(108)=1.4→1, sub(104)=4.2→4, sub(109)=0.7→1, sub(103)=4.9→5.
        // Rows: (0,1)=None/Body → ▄, (2,3)=Body/Body → █, (4,5)=Body/Wick → ▀, (6,7) empty.
        assert_eq!(col(1), "▄█▀ ");
        assert_eq!(buf[(0, 1)].fg, theme.up.fg.unwrap());
        assert_eq!(buf[(1, 1)].fg, theme.down.fg.unwrap());
    }

    #[test]
    fn pattern_marker_sits_under_the_low_and_legend_wraps() {
        // 6 rows = 12 sub-rows over 100..=110: sub(p) = round((110-p)/10*11). Candle 1's low 103
        // → 7.7 → sub 8 → row 4, so its bullish marker goes on row 5.
        let candles = [candle(0, 102, 110, 100, 108), candle(1, 108, 109, 103, 104)];
        let theme = Theme::new(ColorDepth::Basic16);
        let patterns = [PatternMarker { ts_ms: 60_000, name: "Hammer", bullish: true }];
        let overlays = vec![("EMA 20".to_string(), vec![f64::NAN; 2]), ("VWAP".to_string(), vec![f64::NAN; 2])];
        let chart = CandleChart {
            candles: &candles,
            overlays: &overlays,
            levels: &[],
            markers: &[],
            patterns: &patterns,
            decimals: 0,
            theme: &theme,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 6));
        (&chart).render(buf.area, &mut buf);
        assert_eq!(buf[(1, 5)].symbol(), "△");
        assert_eq!(buf[(1, 4)].symbol(), "╵");
        // Items: `█ up █ down` (10), `• EMA 20` (8), `∘ VWAP` (6), `△ Hammer` (8).
        let text = |ls: &[Line]| ls.iter().map(|l| l.to_string()).collect::<Vec<_>>();
        assert_eq!(text(&chart.legend(30, 2)), vec!["█ up █ down  • EMA 20  ∘ VWAP", "△ Hammer"]);
        assert_eq!(text(&chart.legend(30, 1)), vec!["█ up █ down  • EMA 20  ∘ VWAP"]);
    }

    #[test]
    fn tiny_areas_and_flat_prices_do_not_panic() {
        let candles = [candle(0, 100, 100, 100, 100)];
        let theme = Theme::new(ColorDepth::Basic16);
        let levels = [PriceLevel { price: 100.0, tag: "E".into(), style: theme.marker }];
        let patterns = [PatternMarker { ts_ms: 0, name: "Hammer", bullish: true }];
        let overlays = vec![("EMA".to_string(), vec![100.0])];
        let chart = CandleChart {
            candles: &candles,
            overlays: &overlays,
            levels: &levels,
            markers: &[(0, 100.0, true), (-5, 100.0, false)],
            patterns: &patterns,
            decimals: 1,
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
