//! A small terminal screen model: a grid of cells (character, colours, modifiers) that a byte
//! stream of text, cursor moves, erases and SGR sequences is played onto, the way a VT100-style
//! emulator would. Two users share this one file: the backend tests (the screen our backend
//! produces must equal the one ratatui's crossterm backend produces) and `examples/term2png`
//! (which renders a `tmux capture-pane -e -p` capture, parsed line by line, into a PNG).
//!
//! Only std and `unicode-width` are used, so the example can include the file by path.
#![allow(dead_code)] // each of the two users needs only part of it

use unicode_width::UnicodeWidthChar;

/// A colour as the stream named it; a palette is applied only when drawing.
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
    pub underline_color: Color,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underline: bool,
    pub slow_blink: bool,
    pub rapid_blink: bool,
    pub reverse: bool,
    pub hidden: bool,
    pub crossed_out: bool,
}

/// No colours, no modifiers.
pub const PLAIN: Style = Style {
    fg: Color::Default,
    bg: Color::Default,
    underline_color: Color::Default,
    bold: false,
    dim: false,
    italic: false,
    underline: false,
    slow_blink: false,
    rapid_blink: false,
    reverse: false,
    hidden: false,
    crossed_out: false,
};

impl Default for Style {
    fn default() -> Self {
        PLAIN
    }
}

/// One cell. `ch == '\0'` marks the right half of a double-width character (nothing is drawn).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    pub ch: char,
    pub style: Style,
}

/// An empty cell.
pub const BLANK: Cell = Cell { ch: ' ', style: PLAIN };

/// Rows of cells, all `cols` wide.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    pub cols: usize,
    pub rows: Vec<Vec<Cell>>,
}

impl Grid {
    /// A blank grid.
    pub fn new(cols: usize, rows: usize) -> Self {
        Grid { cols, rows: vec![vec![BLANK; cols]; rows] }
    }

    /// Pads or cuts to exactly `cols` x `rows`.
    pub fn resize(&mut self, cols: usize, rows: usize) {
        self.cols = cols;
        self.rows.resize(rows, Vec::new());
        for row in &mut self.rows {
            row.resize(cols, BLANK);
        }
    }

    /// The characters of row `y` (right halves of wide characters left out).
    pub fn line(&self, y: usize) -> String {
        self.rows[y].iter().filter(|c| c.ch != '\0').map(|c| c.ch).collect()
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
            0 => *style = PLAIN,
            1 => style.bold = true,
            2 => style.dim = true,
            3 => style.italic = true,
            4 => style.underline = true,
            5 => style.slow_blink = true,
            6 => style.rapid_blink = true,
            7 => style.reverse = true,
            8 => style.hidden = true,
            9 => style.crossed_out = true,
            22 => {
                style.bold = false;
                style.dim = false;
            }
            23 => style.italic = false,
            24 => style.underline = false,
            25 => {
                style.slow_blink = false;
                style.rapid_blink = false;
            }
            27 => style.reverse = false,
            28 => style.hidden = false,
            29 => style.crossed_out = false,
            30..=37 => style.fg = Color::Indexed((n - 30) as u8),
            39 => style.fg = Color::Default,
            40..=47 => style.bg = Color::Indexed((n - 40) as u8),
            49 => style.bg = Color::Default,
            59 => style.underline_color = Color::Default,
            90..=97 => style.fg = Color::Indexed((n - 90 + 8) as u8),
            100..=107 => style.bg = Color::Indexed((n - 100 + 8) as u8),
            38 | 48 | 58 => {
                let (color, used) = extended_color(&nums[i + 1..]);
                if let Some(c) = color {
                    match n {
                        38 => style.fg = c,
                        48 => style.bg = c,
                        _ => style.underline_color = c,
                    }
                }
                i += used;
            }
            _ => {}
        }
        i += 1;
    }
}

/// Reads `5;n` or `2;r;g;b` after a 38/48/58; returns the colour and how many fields it used.
fn extended_color(rest: &[u32]) -> (Option<Color>, usize) {
    let byte = |v: u32| v.min(255) as u8;
    match rest {
        [5, n, ..] => (Some(Color::Indexed(byte(*n))), 2),
        [2, r, g, b, ..] => (Some(Color::Rgb(byte(*r), byte(*g), byte(*b))), 4),
        [5] | [2, ..] => (None, rest.len()),
        _ => (None, 0),
    }
}

/// Parses a line-by-line capture (`tmux capture-pane -e -p`): one line of text per row.
pub fn parse(text: &str) -> Grid {
    let mut rows = Vec::new();
    let mut style = PLAIN;
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

/// A terminal screen a byte stream is played onto: printable text at the cursor (wide
/// characters take two cells; writing over half of one blanks the other half), `CSI row;col H`,
/// `CSI n J` / `CSI n K` erases (with the current background, as terminals do), `CSI ... m`, and
/// `\r` / `\n`. Other sequences (cursor visibility, modes) are read and ignored. Text past the
/// right edge is clipped (the backends never rely on autowrap).
pub struct Screen {
    pub grid: Grid,
    pub style: Style,
    x: usize,
    y: usize,
}

impl Screen {
    /// A blank `cols` x `rows` screen, cursor home, no attributes.
    pub fn new(cols: usize, rows: usize) -> Self {
        Screen { grid: Grid::new(cols, rows), style: PLAIN, x: 0, y: 0 }
    }

    /// Plays `bytes` (UTF-8 with escape sequences) onto the screen.
    pub fn feed(&mut self, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\x1b' => {
                    if chars.peek() != Some(&'[') {
                        chars.next();
                        continue;
                    }
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
                    if let Some(f) = fin {
                        self.csi(&params, f);
                    }
                }
                '\r' => self.x = 0,
                '\n' => self.y = (self.y + 1).min(self.grid.rows.len().saturating_sub(1)),
                c => self.print(c),
            }
        }
    }

    fn csi(&mut self, params: &str, fin: char) {
        if params.starts_with('?') {
            return; // private modes (cursor visibility etc.)
        }
        let num = |i: usize, default: usize| -> usize {
            params.split(';').nth(i).and_then(|p| p.parse().ok()).filter(|&n| n > 0).unwrap_or(default)
        };
        let (cols, rows) = (self.grid.cols, self.grid.rows.len());
        match fin {
            'm' => apply_sgr(&mut self.style, params),
            'H' | 'f' => {
                self.y = (num(0, 1) - 1).min(rows.saturating_sub(1));
                self.x = (num(1, 1) - 1).min(cols.saturating_sub(1));
            }
            'J' | 'K' => {
                let blank = Cell { ch: ' ', style: Style { bg: self.style.bg, ..PLAIN } };
                let mode = params.parse::<u8>().unwrap_or(0);
                let (x, y) = (self.x, self.y);
                let mut erase = |r: usize, from: usize, to: usize| {
                    if let Some(row) = self.grid.rows.get_mut(r) {
                        for cell in row.iter_mut().take(to.min(cols)).skip(from) {
                            *cell = blank;
                        }
                    }
                };
                match (fin, mode) {
                    ('J', 0) => {
                        erase(y, x, cols);
                        (y + 1..rows).for_each(|r| erase(r, 0, cols));
                    }
                    ('J', 1) => {
                        (0..y).for_each(|r| erase(r, 0, cols));
                        erase(y, 0, x + 1);
                    }
                    ('J', _) => (0..rows).for_each(|r| erase(r, 0, cols)),
                    (_, 0) => erase(y, x, cols),
                    (_, 1) => erase(y, 0, x + 1),
                    _ => erase(y, 0, cols),
                }
            }
            _ => {}
        }
    }

    fn print(&mut self, c: char) {
        let width = match c.width() {
            Some(0) | None => return,
            Some(w) => w,
        };
        let (x, cols) = (self.x, self.grid.cols);
        if x + width > cols {
            self.x = cols;
            return;
        }
        let style = self.style;
        let row = &mut self.grid.rows[self.y];
        // Overwriting half of a wide character blanks its other half.
        if x > 0 && row[x].ch == '\0' {
            row[x - 1].ch = ' ';
        }
        if x + width < cols && row[x + width].ch == '\0' {
            row[x + width].ch = ' ';
        }
        row[x] = Cell { ch: c, style };
        if width == 2 {
            row[x + 1] = Cell { ch: '\0', style };
        }
        self.x = x + width;
    }
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
        apply_sgr(&mut s, "22;39;94;7;58;5;3");
        assert!(!s.bold);
        assert_eq!(s.fg, Color::Indexed(12));
        assert_eq!(s.underline_color, Color::Indexed(3));
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

    #[test]
    fn screen_moves_erases_and_splits_wide_chars() {
        let mut s = Screen::new(6, 3);
        s.feed("\x1b[2;3Hab\x1b[1;1H漢x".as_bytes());
        assert_eq!(s.grid.line(1), "  ab  ");
        assert_eq!(s.grid.line(0), "漢x   ");
        // Writing over the right half of the wide character blanks its left half.
        s.feed(b"\x1b[1;2H\x1b[7mZ");
        assert_eq!(s.grid.line(0), " Zx   ");
        assert!(s.grid.rows[0][1].style.reverse && !s.grid.rows[0][0].style.reverse);
        // Erase to the end of line 2 from column 4, with a red background.
        s.feed(b"\x1b[0;41m\x1b[2;4H\x1b[K");
        assert_eq!(s.grid.line(1), "  a   ");
        assert_eq!(s.grid.rows[1][5].style.bg, Color::Indexed(1));
        assert_eq!(s.grid.rows[1][1].style.bg, Color::Default);
        s.feed(b"\x1b[0m\x1b[2J");
        assert_eq!(s.grid, Grid::new(6, 3));
    }
}
