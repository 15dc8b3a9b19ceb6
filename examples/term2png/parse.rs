//! Parses an ANSI capture into a grid of cells: characters placed with unicode-width semantics and
//! the SGR attributes (colours, bold, dim, italic, underline, reverse) in force when each was written.

use unicode_width::UnicodeWidthChar;

/// A colour as the capture named it; the palette is applied when drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    Default,
    Indexed(u8),
    Rgb(u8, u8, u8),
}

/// The graphic rendition in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub fg: Color,
    pub bg: Color,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underline: bool,
    pub reverse: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            fg: Color::Default,
            bg: Color::Default,
            bold: false,
            dim: false,
            italic: false,
            underline: false,
            reverse: false,
        }
    }
}

/// One cell. `ch == '\0'` marks the right half of a double-width character (nothing is drawn).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    pub ch: char,
    pub style: Style,
}

const BLANK: Cell = Cell {
    ch: ' ',
    style: Style {
        fg: Color::Default,
        bg: Color::Default,
        bold: false,
        dim: false,
        italic: false,
        underline: false,
        reverse: false,
    },
};

/// Rows of cells, all `cols` wide.
pub struct Grid {
    pub cols: usize,
    pub rows: Vec<Vec<Cell>>,
}

impl Grid {
    /// Pads or cuts to exactly `cols` x `rows`.
    pub fn resize(&mut self, cols: usize, rows: usize) {
        self.cols = cols;
        self.rows.resize(rows, Vec::new());
        for row in &mut self.rows {
            row.resize(cols, BLANK);
        }
    }
}

/// Applies one SGR parameter list (`ESC [ params m`) to `style`.
pub fn apply_sgr(style: &mut Style, params: &str) {
    let nums: Vec<u32> = if params.is_empty() {
        vec![0]
    } else {
        // `38:5:n` (colon form) is treated like `38;5;n`; unparsable fields count as 0.
        params.split([';', ':']).map(|p| p.parse().unwrap_or(0)).collect()
    };
    let mut i = 0;
    while i < nums.len() {
        let n = nums[i];
        match n {
            0 => *style = Style::default(),
            1 => style.bold = true,
            2 => style.dim = true,
            3 => style.italic = true,
            4 => style.underline = true,
            7 => style.reverse = true,
            22 => {
                style.bold = false;
                style.dim = false;
            }
            23 => style.italic = false,
            24 => style.underline = false,
            27 => style.reverse = false,
            30..=37 => style.fg = Color::Indexed((n - 30) as u8),
            39 => style.fg = Color::Default,
            40..=47 => style.bg = Color::Indexed((n - 40) as u8),
            49 => style.bg = Color::Default,
            90..=97 => style.fg = Color::Indexed((n - 90 + 8) as u8),
            100..=107 => style.bg = Color::Indexed((n - 100 + 8) as u8),
            38 | 48 => {
                let (color, used) = extended_color(&nums[i + 1..]);
                if let Some(c) = color {
                    if n == 38 {
                        style.fg = c;
                    } else {
                        style.bg = c;
                    }
                }
                i += used;
            }
            _ => {}
        }
        i += 1;
    }
}

/// Reads `5;n` or `2;r;g;b` after a 38/48; returns the colour and how many fields it used.
fn extended_color(rest: &[u32]) -> (Option<Color>, usize) {
    let byte = |v: u32| v.min(255) as u8;
    match rest {
        [5, n, ..] => (Some(Color::Indexed(byte(*n))), 2),
        [2, r, g, b, ..] => (Some(Color::Rgb(byte(*r), byte(*g), byte(*b))), 4),
        [5] | [2, ..] => (None, rest.len()),
        _ => (None, 0),
    }
}

/// Parses the whole capture: one line of text per terminal row.
pub fn parse(text: &str) -> Grid {
    let mut rows = Vec::new();
    let mut style = Style::default();
    for line in text.split('\n') {
        let mut row: Vec<Cell> = Vec::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                match chars.peek() {
                    Some('[') => {
                        chars.next();
                        let mut params = String::new();
                        let mut fin = None;
                        for p in chars.by_ref() {
                            if ('\x40'..='\x7e').contains(&p) {
                                fin = Some(p);
                                break;
                            }
                            params.push(p);
                        }
                        if fin == Some('m') {
                            apply_sgr(&mut style, &params);
                        }
                    }
                    Some(_) => {
                        // Two-character escape (charset selection etc.): skip its second byte.
                        chars.next();
                    }
                    None => {}
                }
                continue;
            }
            if c == '\r' {
                continue;
            }
            if c == '\t' {
                let next = (row.len() / 8 + 1) * 8;
                row.resize(next, Cell { ch: ' ', style });
                continue;
            }
            match c.width() {
                Some(0) | None => {}
                Some(1) => row.push(Cell { ch: c, style }),
                Some(_) => {
                    row.push(Cell { ch: c, style });
                    row.push(Cell { ch: '\0', style });
                }
            }
        }
        rows.push(row);
    }
    // The capture ends with a newline: drop the empty line after it.
    if rows.last().is_some_and(|r| r.is_empty()) {
        rows.pop();
    }
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut grid = Grid { cols, rows };
    let n = grid.rows.len();
    grid.resize(cols, n);
    grid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgr_colours_and_resets() {
        let mut s = Style::default();
        apply_sgr(&mut s, "1;38;5;196;48;2;10;20;30");
        assert!(s.bold);
        assert_eq!(s.fg, Color::Indexed(196));
        assert_eq!(s.bg, Color::Rgb(10, 20, 30));
        apply_sgr(&mut s, "22;39;94;7");
        assert!(!s.bold);
        assert_eq!(s.fg, Color::Indexed(12));
        assert!(s.reverse);
        apply_sgr(&mut s, "");
        assert_eq!(s, Style::default());
    }

    #[test]
    fn grid_places_wide_chars_and_pads() {
        let g = parse("a\x1b[31mb\x1b[0m漢c\nx\n");
        assert_eq!(g.cols, 5);
        assert_eq!(g.rows.len(), 2);
        assert_eq!(g.rows[0][1].style.fg, Color::Indexed(1));
        assert_eq!(g.rows[0][2].ch, '漢');
        assert_eq!(g.rows[0][3].ch, '\0');
        assert_eq!(g.rows[0][4].ch, 'c');
        assert_eq!(g.rows[0][4].style.fg, Color::Default);
        assert_eq!(g.rows[1][4].ch, ' ');
    }
}
