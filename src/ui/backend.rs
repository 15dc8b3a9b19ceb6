//! Our terminal backend: ratatui's `Backend` trait over any `io::Write`, encoding the changed
//! cells of a frame straight into one reusable byte buffer that `flush` hands to the writer in a
//! single `write_all` (one write system call per frame on a terminal).
//!
//! What it emits, compared with ratatui's `CrosstermBackend` (which goes through crossterm's
//! `queue!` and `fmt` for every cell): a cursor move (`ESC[row;colH`) only when the next cell is
//! not the one right after the previous (the same rule as crossterm, so a wide character is
//! followed by a move, exactly as there); ONE combined SGR sequence per style change that names
//! only what changed against the current pen (`ESC[1;38;5;208m`), or, when a modifier has to be
//! switched off, a reset followed by everything the new style needs (`ESC[0;1;48;5;236m`);
//! numbers written digit by digit without `fmt`. Colours are coded as crossterm codes them (named
//! colours as `38;5;N`, `Indexed` as `38;5;N`, `Rgb` as `38;2;R;G;B`, `Reset` as `39`/`49`/`59`),
//! so a terminal shows the same screen; `NO_COLOR` is honoured the same way (no colour codes).
//!
//! Cursor show/hide/position are queued into the same buffer (they go out with the frame);
//! clearing and `append_lines` write at once, as crossterm's `execute!` does. The terminal's size
//! and the cursor position come from crossterm, or from fixed answers for a writer that is not a
//! terminal (`with_size`: tests and benches).

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};
use std::io::{self, Write};

/// The graphic rendition the terminal is known to have (what the last SGR left in force).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
}

/// The state a draw starts from and leaves behind (every draw ends with the pen reset).
const DEFAULT_PEN: Pen =
    Pen { fg: Color::Reset, bg: Color::Reset, underline: Color::Reset, modifier: Modifier::empty() };

/// `(modifier, SGR code)` for every modifier ratatui has, in SGR order.
const MODIFIER_CODES: [(Modifier, u8); 9] = [
    (Modifier::BOLD, 1),
    (Modifier::DIM, 2),
    (Modifier::ITALIC, 3),
    (Modifier::UNDERLINED, 4),
    (Modifier::SLOW_BLINK, 5),
    (Modifier::RAPID_BLINK, 6),
    (Modifier::REVERSED, 7),
    (Modifier::HIDDEN, 8),
    (Modifier::CROSSED_OUT, 9),
];

/// A ratatui backend that encodes frames into a reusable buffer and writes each with one call.
pub struct AnsiBackend<W: Write> {
    writer: W,
    /// The bytes queued since the last flush (kept allocated between frames).
    buf: Vec<u8>,
    /// `Some` for a writer that is not a terminal: the size to report.
    fixed_size: Option<Size>,
    /// Where the cursor was last put (answers `get_cursor_position` for a fixed-size backend).
    cursor: Position,
    /// False when `NO_COLOR` asks for no colour codes.
    colors: bool,
}

impl<W: Write> AnsiBackend<W> {
    /// A backend for a real terminal (stdout in the app): size and cursor position are asked of
    /// the terminal through crossterm; colour follows `NO_COLOR` as crossterm does.
    pub fn new(writer: W) -> Self {
        let colors = !ratatui::crossterm::style::Colored::ansi_color_disabled_memoized();
        AnsiBackend { writer, buf: Vec::with_capacity(64 * 1024), fixed_size: None, cursor: Position::ORIGIN, colors }
    }

    /// A backend for a writer that is not a terminal (a `Vec<u8>`, `io::sink()`): it reports
    /// `size` and answers cursor queries from where it last put the cursor.
    pub fn with_size(writer: W, size: Size) -> Self {
        AnsiBackend {
            writer,
            buf: Vec::with_capacity(64 * 1024),
            fixed_size: Some(size),
            cursor: Position::ORIGIN,
            colors: true,
        }
    }

    /// Changes the size a fixed-size backend reports (a simulated terminal resize).
    pub fn set_size(&mut self, size: Size) {
        self.fixed_size = Some(size);
    }

    /// The writer (e.g. the bytes a `Vec<u8>` collected).
    pub fn writer(&self) -> &W {
        &self.writer
    }

    /// The writer, mutably (e.g. to empty a `Vec<u8>` between frames).
    pub fn writer_mut(&mut self) -> &mut W {
        &mut self.writer
    }

    /// Writes what is queued with one `write_all` and flushes the writer.
    fn write_out(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            let result = self.writer.write_all(&self.buf);
            self.buf.clear();
            result?;
        }
        self.writer.flush()
    }
}

/// Appends the decimal digits of `n`.
#[inline]
fn push_u16(buf: &mut Vec<u8>, n: u16) {
    if n >= 10 {
        push_u16(buf, n / 10);
    }
    buf.push(b'0' + (n % 10) as u8);
}

/// Appends the decimal digits of `n` (0..=255: one to three digits).
#[inline]
fn push_u8(buf: &mut Vec<u8>, n: u8) {
    if n >= 100 {
        buf.push(b'0' + n / 100);
    }
    if n >= 10 {
        buf.push(b'0' + n / 10 % 10);
    }
    buf.push(b'0' + n % 10);
}

/// The 256-colour palette index crossterm uses for a named colour; `None` for `Reset`,
/// `Indexed` and `Rgb`.
fn named_index(color: Color) -> Option<u8> {
    Some(match color {
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        Color::Indexed(i) => i,
        Color::Reset | Color::Rgb(..) => return None,
    })
}

/// Appends one colour parameter: `base` is 38 (fg), 48 (bg) or 58 (underline); reset is base+1.
fn push_color(buf: &mut Vec<u8>, base: u8, color: Color) {
    match color {
        Color::Reset => push_u8(buf, base + 1),
        Color::Rgb(r, g, b) => {
            push_u8(buf, base);
            buf.extend_from_slice(b";2;");
            push_u8(buf, r);
            buf.push(b';');
            push_u8(buf, g);
            buf.push(b';');
            push_u8(buf, b);
        }
        other => {
            push_u8(buf, base);
            buf.extend_from_slice(b";5;");
            push_u8(buf, named_index(other).unwrap_or(0));
        }
    }
}

/// Appends the one SGR sequence that takes the terminal from `pen` to `to` (which differ).
fn push_sgr(buf: &mut Vec<u8>, pen: Pen, to: Pen) {
    buf.extend_from_slice(b"\x1b[");
    let mut from = pen;
    let mut first = true;
    let mut sep = |buf: &mut Vec<u8>| {
        if !first {
            buf.push(b';');
        }
        first = false;
    };
    if !(from.modifier - to.modifier).is_empty() {
        // A modifier goes off: reset everything and set what `to` needs from scratch.
        sep(buf);
        buf.push(b'0');
        from = DEFAULT_PEN;
    }
    let added = to.modifier - from.modifier;
    for (m, code) in MODIFIER_CODES {
        if added.contains(m) {
            sep(buf);
            buf.push(b'0' + code);
        }
    }
    if to.fg != from.fg {
        sep(buf);
        push_color(buf, 38, to.fg);
    }
    if to.bg != from.bg {
        sep(buf);
        push_color(buf, 48, to.bg);
    }
    if to.underline != from.underline {
        sep(buf);
        push_color(buf, 58, to.underline);
    }
    buf.push(b'm');
}

/// The state of one draw: the pen in force and where the last cell went. Cells come in as
/// ratatui's diff yields them (row-major); the queue is the backend's.
pub(crate) struct Encoder<'a> {
    buf: &'a mut Vec<u8>,
    pen: Pen,
    last: Option<(u16, u16)>,
    colors: bool,
}

impl Encoder<'_> {
    /// Queues `cell` at `(x, y)`: a cursor move unless it follows the previous cell, the SGR
    /// change if its style differs from the pen, then its symbol.
    #[inline]
    pub(crate) fn cell(&mut self, x: u16, y: u16, cell: &Cell) {
        let buf = &mut *self.buf;
        // Same rule as crossterm: move unless this cell is right after the previous one.
        if !matches!(self.last, Some((lx, ly)) if ly == y && lx.checked_add(1) == Some(x)) {
            buf.extend_from_slice(b"\x1b[");
            push_u16(buf, y.saturating_add(1));
            buf.push(b';');
            push_u16(buf, x.saturating_add(1));
            buf.push(b'H');
        }
        self.last = Some((x, y));
        let want = if self.colors {
            Pen { fg: cell.fg, bg: cell.bg, underline: cell.underline_color, modifier: cell.modifier }
        } else {
            Pen { modifier: cell.modifier, ..DEFAULT_PEN }
        };
        if want != self.pen {
            push_sgr(buf, self.pen, want);
            self.pen = want;
        }
        match cell.symbol().as_bytes() {
            [b] => buf.push(*b),
            bytes => buf.extend_from_slice(bytes),
        }
    }
}

impl<W: Write> AnsiBackend<W> {
    /// Runs one draw: `cells` queues cells through the encoder; afterwards the pen is reset and
    /// the cursor is known to be after the last cell (as `Backend::draw` leaves it).
    pub(crate) fn encode(&mut self, cells: impl FnOnce(&mut Encoder<'_>)) {
        let mut enc = Encoder { buf: &mut self.buf, pen: DEFAULT_PEN, last: None, colors: self.colors };
        cells(&mut enc);
        let (pen, last) = (enc.pen, enc.last);
        if pen != DEFAULT_PEN {
            self.buf.extend_from_slice(b"\x1b[0m");
        }
        if let Some((x, y)) = last {
            self.cursor = Position { x: x.saturating_add(1), y };
        }
    }
}

impl<W: Write> Backend for AnsiBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.encode(|enc| {
            for (x, y, cell) in content {
                enc.cell(x, y, cell);
            }
        });
        Ok(())
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.buf.extend(std::iter::repeat_n(b'\n', usize::from(n)));
        self.write_out()
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.buf.extend_from_slice(b"\x1b[?25l");
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.buf.extend_from_slice(b"\x1b[?25h");
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        if self.fixed_size.is_some() {
            return Ok(self.cursor);
        }
        // The terminal answers in the input stream: what is queued must be out first.
        self.write_out()?;
        ratatui::crossterm::cursor::position().map(|(x, y)| Position { x, y })
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let p = position.into();
        self.buf.extend_from_slice(b"\x1b[");
        push_u16(&mut self.buf, p.y.saturating_add(1));
        self.buf.push(b';');
        push_u16(&mut self.buf, p.x.saturating_add(1));
        self.buf.push(b'H');
        self.cursor = p;
        Ok(())
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.buf.extend_from_slice(match clear_type {
            ClearType::All => b"\x1b[2J".as_slice(),
            ClearType::AfterCursor => b"\x1b[J",
            ClearType::BeforeCursor => b"\x1b[1J",
            ClearType::CurrentLine => b"\x1b[2K",
            ClearType::UntilNewLine => b"\x1b[K",
        });
        self.write_out()
    }

    fn size(&self) -> io::Result<Size> {
        match self.fixed_size {
            Some(size) => Ok(size),
            None => ratatui::crossterm::terminal::size().map(|(width, height)| Size { width, height }),
        }
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        if let Some(size) = self.fixed_size {
            return Ok(WindowSize { columns_rows: size, pixels: Size::new(0, 0) });
        }
        let w = ratatui::crossterm::terminal::window_size()?;
        Ok(WindowSize {
            columns_rows: Size { width: w.columns, height: w.rows },
            pixels: Size { width: w.width, height: w.height },
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_out()
    }
}

#[cfg(test)]
#[path = "backend_tests.rs"]
mod tests;
