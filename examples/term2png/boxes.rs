//! Geometric drawing of box-drawing (U+2500..257F), block elements (U+2580..259F) and braille
//! (U+2800..28FF): filled rectangles on the cell so neighbouring cells join without gaps.

/// A rectangle to fill in cell-relative pixels, with an opacity (shades use < 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
    pub alpha: f32,
}

fn rect(x: i32, y: i32, w: i32, h: i32) -> Rect {
    Rect { x, y, w, h, alpha: 1.0 }
}

/// Arm weights (up, right, down, left) for U+2500..U+257F: 0 none, 1 light, 2 heavy, 3 double;
/// `d` marks a dashed line (handled separately), `/`, `\`, `x` diagonals (left to the font).
const BOX: [&str; 128] = [
    "0101", "0202", "1010", "2020", "d", "d", "d", "d", "d", "d", "d", "d", // 2500-250B
    "0110", "0210", "0120", "0220", "0011", "0012", "0021", "0022", // 250C-2513
    "1100", "1200", "2100", "2200", "1001", "1002", "2001", "2002", // 2514-251B
    "1110", "1210", "2110", "1120", "2120", "2210", "1220", "2220", // 251C-2523
    "1011", "1012", "2011", "1021", "2021", "2012", "1022", "2022", // 2524-252B
    "0111", "0112", "0211", "0212", "0121", "0122", "0221", "0222", // 252C-2533
    "1101", "1102", "1201", "1202", "2101", "2102", "2201", "2202", // 2534-253B
    "1111", "1112", "1211", "1212", "2111", "1121", "2121", "2112", // 253C-2543
    "2211", "1122", "1221", "2212", "1222", "2122", "2221", "2222", // 2544-254B
    "d", "d", "d", "d", // 254C-254F
    "0303", "3030", "0310", "0130", "0330", "0013", "0031", "0033", // 2550-2557
    "1300", "3100", "3300", "1003", "3001", "3003", "1310", "3130", // 2558-255F
    "3330", "1013", "3031", "3033", "0313", "0131", "0333", "1303", // 2560-2567
    "3101", "3303", "1313", "3131", "3333", // 2568-256C
    "0110", "0011", "1001", "1100", // 256D-2570 rounded corners, drawn square
    "/", "\\", "x", // 2571-2573
    "0001", "1000", "0100", "0010", "0002", "2000", "0200", "0020", // 2574-257B
    "0201", "1020", "0102", "2010", // 257C-257F
];

/// Line thickness for a weight, given the light thickness.
fn thick(weight: u8, light: i32) -> i32 {
    match weight {
        2 => light * 3,
        _ => light,
    }
}

/// The rectangles that draw `c` in a `cw` x `ch` cell, or `None` when the font should draw it.
pub fn shapes(c: char, cw: i32, ch: i32) -> Option<Vec<Rect>> {
    let u = c as u32;
    match u {
        0x2500..=0x257F => box_drawing(u, cw, ch),
        0x2580..=0x259F => Some(block(u, cw, ch)),
        0x2800..=0x28FF => Some(braille(u, cw, ch)),
        _ => None,
    }
}

fn box_drawing(u: u32, cw: i32, ch: i32) -> Option<Vec<Rect>> {
    let light = (cw / 9).max(1);
    let code = BOX[(u - 0x2500) as usize];
    if code == "d" {
        return Some(dashed(u, cw, ch, light));
    }
    let w: Vec<u8> = code.bytes().map(|b| b.wrapping_sub(b'0')).collect();
    if w.len() != 4 || w.iter().any(|&x| x > 3) {
        return None;
    }
    let (up, right, down, left) = (w[0], w[1], w[2], w[3]);
    let mut out = Vec::new();
    // The vertical arms reach to the far edge of the thickest horizontal arm, and vice versa.
    let gap = light + 1; // half distance between the two strokes of a double line
    let span = |a: u8, b: u8| -> i32 {
        let t = |x: u8| match x {
            0 => 0,
            3 => 2 * gap + light,
            _ => thick(x, light),
        };
        t(a).max(t(b))
    };
    let cx = cw / 2;
    let cy = ch / 2;
    let hspan = span(left, right).max(1);
    let vspan = span(up, down).max(1);
    let y_top = cy - hspan / 2; // top of the horizontal band
    let y_bot = y_top + hspan;
    let x_left = cx - vspan / 2;
    let x_right = x_left + vspan;
    let vertical = |out: &mut Vec<Rect>, weight: u8, y0: i32, y1: i32| {
        let mut put = |x_mid: i32, t: i32| out.push(rect(x_mid - t / 2, y0, t, y1 - y0));
        if weight == 3 {
            put(cx - gap, light);
            put(cx + gap, light);
        } else {
            put(cx, thick(weight, light));
        }
    };
    let horizontal = |out: &mut Vec<Rect>, weight: u8, x0: i32, x1: i32| {
        let mut put = |y_mid: i32, t: i32| out.push(rect(x0, y_mid - t / 2, x1 - x0, t));
        if weight == 3 {
            put(cy - gap, light);
            put(cy + gap, light);
        } else {
            put(cy, thick(weight, light));
        }
    };
    let has_h = left > 0 || right > 0;
    let has_v = up > 0 || down > 0;
    if up > 0 {
        vertical(&mut out, up, 0, if has_h { y_bot } else { cy + 1 });
    }
    if down > 0 {
        vertical(&mut out, down, if has_h { y_top } else { cy }, ch);
    }
    if left > 0 {
        horizontal(&mut out, left, 0, if has_v { x_right } else { cx + 1 });
    }
    if right > 0 {
        horizontal(&mut out, right, if has_v { x_left } else { cx }, cw);
    }
    Some(out)
}

/// Dashed lines: 2, 3 or 4 dashes per cell, horizontal or vertical, light or heavy.
fn dashed(u: u32, cw: i32, ch: i32, light: i32) -> Vec<Rect> {
    // (dashes, vertical, heavy)
    let (n, vertical, heavy) = match u {
        0x2504 => (3, false, false),
        0x2505 => (3, false, true),
        0x2506 => (3, true, false),
        0x2507 => (3, true, true),
        0x2508 => (4, false, false),
        0x2509 => (4, false, true),
        0x250A => (4, true, false),
        0x250B => (4, true, true),
        0x254C => (2, false, false),
        0x254D => (2, false, true),
        0x254E => (2, true, false),
        _ => (2, true, true),
    };
    let t = if heavy { light * 3 } else { light };
    let len = if vertical { ch } else { cw };
    (0..n)
        .map(|i| {
            let a = len * i / n;
            let b = len * (2 * i + 1) / (2 * n) + len / (4 * n).max(1);
            if vertical {
                rect(cw / 2 - t / 2, a, t, (b - a).max(1))
            } else {
                rect(a, ch / 2 - t / 2, (b - a).max(1), t)
            }
        })
        .collect()
}

fn block(u: u32, cw: i32, ch: i32) -> Vec<Rect> {
    let lower = |k: i32| {
        let h = (ch * k + 4) / 8;
        rect(0, ch - h, cw, h)
    };
    let left = |k: i32| rect(0, 0, (cw * k + 4) / 8, ch);
    let (hw, hh) = (cw / 2, ch / 2);
    let q_ul = rect(0, 0, hw, hh);
    let q_ur = rect(hw, 0, cw - hw, hh);
    let q_ll = rect(0, hh, hw, ch - hh);
    let q_lr = rect(hw, hh, cw - hw, ch - hh);
    let shade = |a: f32| vec![Rect { alpha: a, ..rect(0, 0, cw, ch) }];
    match u {
        0x2580 => vec![rect(0, 0, cw, hh)],
        0x2581..=0x2588 => vec![lower((u - 0x2580) as i32)],
        0x2589..=0x258F => vec![left((0x2590 - u) as i32)],
        0x2590 => vec![rect(hw, 0, cw - hw, ch)],
        0x2591 => shade(0.25),
        0x2592 => shade(0.5),
        0x2593 => shade(0.75),
        0x2594 => vec![rect(0, 0, cw, (ch + 4) / 8)],
        0x2595 => {
            let w = (cw + 4) / 8;
            vec![rect(cw - w, 0, w, ch)]
        }
        0x2596 => vec![q_ll],
        0x2597 => vec![q_lr],
        0x2598 => vec![q_ul],
        0x2599 => vec![q_ul, q_ll, q_lr],
        0x259A => vec![q_ul, q_lr],
        0x259B => vec![q_ul, q_ur, q_ll],
        0x259C => vec![q_ul, q_ur, q_lr],
        0x259D => vec![q_ur],
        0x259E => vec![q_ur, q_ll],
        _ => vec![q_ur, q_ll, q_lr],
    }
}

fn braille(u: u32, cw: i32, ch: i32) -> Vec<Rect> {
    let bits = u - 0x2800;
    // Dot n (1..8) -> (column, row) in the 2 x 4 dot matrix.
    const DOTS: [(i32, i32); 8] = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (0, 3), (1, 3)];
    let dot = ((cw as f32) / 3.5).round().max(1.0) as i32;
    let mut out = Vec::new();
    for (i, &(col, row)) in DOTS.iter().enumerate() {
        if bits & (1 << i) != 0 {
            // Centre of the sub-cell, column of width cw/2, row of height ch/4.
            let x = (cw * (2 * col + 1)) / 4 - dot / 2;
            let y = (ch * (2 * row + 1)) / 8 - dot / 2;
            out.push(rect(x, y, dot, dot));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_half_and_eighths_fill_from_the_bottom() {
        // ▄ in a 9x18 cell: rows 9..18.
        assert_eq!(shapes('▄', 9, 18), Some(vec![rect(0, 9, 9, 9)]));
        // ▂ (2/8): 18*2/8 = 4.5 -> 5 rows.
        assert_eq!(shapes('▂', 9, 18), Some(vec![rect(0, 13, 9, 5)]));
        assert_eq!(shapes('█', 9, 18), Some(vec![rect(0, 0, 9, 18)]));
    }

    /// The pixels the rectangles cover, row-major.
    fn covered(rects: &[Rect], cw: i32, ch: i32) -> Vec<bool> {
        let mut px = vec![false; (cw * ch) as usize];
        for r in rects {
            for y in r.y..r.y + r.h {
                for x in r.x..r.x + r.w {
                    px[(y * cw + x) as usize] = true;
                }
            }
        }
        px
    }

    #[test]
    fn light_vertical_spans_the_cell() {
        // │: exactly column 4 of every row (the up and down arms overlap at the centre).
        let px = covered(&shapes('│', 9, 18).unwrap(), 9, 18);
        for (i, &on) in px.iter().enumerate() {
            assert_eq!(on, i % 9 == 4, "pixel {i}");
        }
        // ┌: down arm from the band top (y 9) and right arm from the band left (x 4).
        assert_eq!(shapes('┌', 9, 18), Some(vec![rect(4, 9, 1, 9), rect(4, 9, 5, 1)]));
        // ┃ is three pixels wide, centred: columns 3..6.
        let px = covered(&shapes('┃', 9, 18).unwrap(), 9, 18);
        assert_eq!((0..9).filter(|&x| px[x]).collect::<Vec<_>>(), vec![3, 4, 5]);
    }

    #[test]
    fn braille_dots() {
        // ⠉ = dots 1 and 4: top row, both columns; 3x3 dots centred at x 2 and 6, y 2.
        assert_eq!(shapes('⠉', 9, 18), Some(vec![rect(1, 1, 3, 3), rect(5, 1, 3, 3)]));
        assert!(shapes('A', 9, 18).is_none());
    }
}
