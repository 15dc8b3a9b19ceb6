//! Draws a parsed grid into an RGB buffer (xterm 256-colour palette, dark background, DejaVu Sans
//! Mono with a per-glyph fallback to DejaVu Sans) and writes it as PNG (best compression).

use crate::boxes::{shapes, Rect};
use crate::parse::{Cell, Color, Grid};
use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ColorType, ImageEncoder};
use std::path::Path;

const MONO: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fonts/DejaVuSansMono.ttf"));
const MONO_BOLD: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fonts/DejaVuSansMono-Bold.ttf"));
const SANS: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fonts/DejaVuSans.ttf"));

/// Font pixel size (ascent - descent); gives a 9 x 18 cell with DejaVu Sans Mono.
const FONT_PX: f32 = 17.0;
const DEFAULT_FG: [u8; 3] = [0xd0, 0xd0, 0xd0];
const DEFAULT_BG: [u8; 3] = [0x12, 0x12, 0x16];

/// The xterm palette: 16 system colours, the 6x6x6 cube and the 24-step grey ramp.
fn palette(i: u8) -> [u8; 3] {
    const SYSTEM: [[u8; 3]; 16] = [
        [0x00, 0x00, 0x00],
        [0xcd, 0x00, 0x00],
        [0x00, 0xcd, 0x00],
        [0xcd, 0xcd, 0x00],
        [0x00, 0x00, 0xee],
        [0xcd, 0x00, 0xcd],
        [0x00, 0xcd, 0xcd],
        [0xe5, 0xe5, 0xe5],
        [0x7f, 0x7f, 0x7f],
        [0xff, 0x00, 0x00],
        [0x00, 0xff, 0x00],
        [0xff, 0xff, 0x00],
        [0x5c, 0x5c, 0xff],
        [0xff, 0x00, 0xff],
        [0x00, 0xff, 0xff],
        [0xff, 0xff, 0xff],
    ];
    match i {
        0..=15 => SYSTEM[i as usize],
        16..=231 => {
            let n = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            [level(n / 36), level((n / 6) % 6), level(n % 6)]
        }
        _ => {
            let g = 8 + 10 * (i - 232);
            [g, g, g]
        }
    }
}

fn resolve(c: Color, default: [u8; 3]) -> [u8; 3] {
    match c {
        Color::Default => default,
        Color::Indexed(i) => palette(i),
        Color::Rgb(r, g, b) => [r, g, b],
    }
}

fn mix(a: [u8; 3], b: [u8; 3], t: f32) -> [u8; 3] {
    let m = |x: u8, y: u8| (x as f32 + (y as f32 - x as f32) * t).round() as u8;
    [m(a[0], b[0]), m(a[1], b[1]), m(a[2], b[2])]
}

/// The cell's final foreground and background after reverse and dim.
fn colours(cell: &Cell) -> ([u8; 3], [u8; 3]) {
    let s = &cell.style;
    let mut fg = resolve(s.fg, DEFAULT_FG);
    let mut bg = resolve(s.bg, DEFAULT_BG);
    if s.reverse {
        std::mem::swap(&mut fg, &mut bg);
    }
    if s.dim {
        fg = mix(bg, fg, 0.6);
    }
    (fg, bg)
}

struct Canvas {
    w: i32,
    h: i32,
    px: Vec<u8>,
}

impl Canvas {
    fn blend(&mut self, x: i32, y: i32, c: [u8; 3], a: f32) {
        if x < 0 || y < 0 || x >= self.w || y >= self.h || a <= 0.0 {
            return;
        }
        let i = ((y * self.w + x) * 3) as usize;
        let old = [self.px[i], self.px[i + 1], self.px[i + 2]];
        let new = mix(old, c, a.min(1.0));
        self.px[i..i + 3].copy_from_slice(&new);
    }

    fn fill(&mut self, r: Rect, ox: i32, oy: i32, c: [u8; 3]) {
        for y in r.y..r.y + r.h {
            for x in r.x..r.x + r.w {
                self.blend(ox + x, oy + y, c, r.alpha);
            }
        }
    }
}

struct Fonts<'a> {
    mono: FontRef<'a>,
    bold: FontRef<'a>,
    sans: FontRef<'a>,
    scale: PxScale,
    cw: i32,
    ascent: f32,
}

impl Fonts<'_> {
    fn draw_glyph(&self, canvas: &mut Canvas, c: char, bold: bool, ox: i32, oy: i32, fg: [u8; 3]) {
        let primary = if bold { &self.bold } else { &self.mono };
        let (font, mut scale) = if primary.glyph_id(c).0 != 0 {
            (primary, self.scale)
        } else if self.sans.glyph_id(c).0 != 0 {
            (&self.sans, self.scale)
        } else {
            (primary, self.scale)
        };
        // A fallback glyph wider than the cell is shrunk to fit it.
        let mut adv = font.as_scaled(scale).h_advance(font.glyph_id(c));
        if adv > self.cw as f32 + 0.5 {
            let k = self.cw as f32 / adv;
            scale = PxScale::from(scale.y * k);
            adv = self.cw as f32;
        }
        let sf = font.as_scaled(scale);
        let x = ox as f32 + (self.cw as f32 - adv) / 2.0;
        let y = oy as f32 + self.ascent;
        let glyph = sf.glyph_id(c).with_scale_and_position(scale, ab_glyph::point(x, y));
        if let Some(outline) = font.outline_glyph(glyph) {
            let b = outline.px_bounds();
            let (bx, by) = (b.min.x as i32, b.min.y as i32);
            // Coverage in eighths: invisible on screen, and the PNG compresses far better.
            outline.draw(|gx, gy, cov| {
                let cov = (cov * 8.0).round() / 8.0;
                canvas.blend(bx + gx as i32, by + gy as i32, fg, cov)
            });
        }
    }
}

/// Renders `grid` and writes the PNG to `out`.
pub fn render(grid: &Grid, out: &Path) -> Result<(), String> {
    let load = |b: &'static [u8], name: &str| FontRef::try_from_slice(b).map_err(|e| format!("font {name}: {e}"));
    let mono = load(MONO, "DejaVuSansMono.ttf")?;
    let scale = PxScale::from(FONT_PX);
    let sm = mono.as_scaled(scale);
    let cw = sm.h_advance(mono.glyph_id('M')).ceil() as i32;
    let ch = (sm.ascent() - sm.descent()).ceil() as i32 + 1;
    let fonts = Fonts {
        bold: load(MONO_BOLD, "DejaVuSansMono-Bold.ttf")?,
        sans: load(SANS, "DejaVuSans.ttf")?,
        ascent: sm.ascent().round() + 1.0,
        mono,
        scale,
        cw,
    };
    let pad = 8;
    let w = grid.cols as i32 * cw + 2 * pad;
    let h = grid.rows.len() as i32 * ch + 2 * pad;
    let mut canvas = Canvas { w, h, px: DEFAULT_BG.repeat((w * h) as usize) };
    for (r, row) in grid.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (ox, oy) = (pad + c as i32 * cw, pad + r as i32 * ch);
            let (fg, bg) = colours(cell);
            canvas.fill(Rect { x: 0, y: 0, w: cw, h: ch, alpha: 1.0 }, ox, oy, bg);
            if cell.ch == ' ' || cell.ch == '\0' {
            } else if let Some(rects) = shapes(cell.ch, cw, ch) {
                for r in rects {
                    canvas.fill(r, ox, oy, fg);
                }
            } else {
                fonts.draw_glyph(&mut canvas, cell.ch, cell.style.bold, ox, oy, fg);
            }
            if cell.style.underline {
                let y = fonts.ascent as i32 + 2;
                canvas.fill(Rect { x: 0, y, w: cw, h: 1, alpha: 1.0 }, ox, oy, fg);
            }
        }
    }
    let file = std::fs::File::create(out).map_err(|e| e.to_string())?;
    let enc = PngEncoder::new_with_quality(std::io::BufWriter::new(file), CompressionType::Best, FilterType::Adaptive);
    enc.write_image(&canvas.px, w as u32, h as u32, ColorType::Rgb8).map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xterm_palette_points() {
        assert_eq!(palette(1), [0xcd, 0, 0]);
        // 196 = 16 + 5*36: pure red in the cube.
        assert_eq!(palette(196), [255, 0, 0]);
        // 110 = 16 + 2*36 + 3*6 + 4 -> (135, 175, 215).
        assert_eq!(palette(110), [135, 175, 215]);
        assert_eq!(palette(244), [128, 128, 128]);
    }
}
