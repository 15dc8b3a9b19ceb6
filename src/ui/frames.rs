//! Our own frame loop in place of ratatui's `Terminal::draw`: the app renders into a plain
//! `Buffer`, the loop keeps the buffer the terminal shows, and the changes go straight from the
//! two buffers into `AnsiBackend`'s encoder (no iterator of boxed diffs, no `Terminal`).
//!
//! What reaches the terminal is byte for byte what `Terminal<AnsiBackend>` sends (the tests
//! compare the two streams): the same cells in the same order by ratatui 0.30's diff rules (a
//! cell is written when it differs from what is shown; the columns a wide character covers are
//! not diffed; a wide character replaced by a narrower one whose old style shows on blanks has
//! its old columns rewritten; a VS16 emoji gets its trailing columns rewritten when their symbol
//! changed; `AlwaysUpdate`, `Skip` and `ForcedWidth` cells as ratatui treats them), then the
//! hidden cursor, one write per frame. A resize clears the screen as ratatui's `autoresize`
//! does. What is cheaper: a row equal to the shown one is passed over after one comparison
//! loop, cells are compared field by field inline, a symbol's width is looked up once per run
//! of equal symbols, and a full redraw (after a clear or resize) diffs against blank cells
//! without a second buffer to read.

use crate::ui::backend::{AnsiBackend, Encoder};
use ratatui::backend::{Backend, ClearType};
use ratatui::buffer::{Buffer, Cell, CellDiffOption, CellWidth};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use std::io::{self, Write};

/// Modifiers that show on a blank cell (ratatui rewrites a wide character's old columns when its
/// style had one of these or a background).
const VISIBLE_ON_BLANK: Modifier = Modifier::REVERSED
    .union(Modifier::UNDERLINED)
    .union(Modifier::SLOW_BLINK)
    .union(Modifier::RAPID_BLINK)
    .union(Modifier::CROSSED_OUT);

/// The frame buffers: what the terminal shows and the one the next frame is drawn into.
pub struct FrameLoop {
    /// What the terminal shows now (all blank after a clear).
    shown: Buffer,
    /// Blank at the start of every frame; the app draws into it.
    next: Buffer,
    /// True while `shown` is all blank (after a clear or resize): the next frame is a full redraw.
    blank: bool,
}

impl FrameLoop {
    /// Buffers the size of the backend's terminal. Like `Terminal::new`, nothing is cleared: the
    /// first frame writes every non-blank cell onto what is taken to be a blank screen.
    pub fn new<W: Write>(backend: &AnsiBackend<W>) -> io::Result<Self> {
        let area = Rect::from((ratatui::layout::Position::ORIGIN, backend.size()?));
        Ok(FrameLoop { shown: Buffer::empty(area), next: Buffer::empty(area), blank: true })
    }

    /// The area frames are drawn in.
    pub fn area(&self) -> Rect {
        self.next.area
    }

    /// What the terminal shows after the last frame (`None` after a clear, before the next).
    pub fn shown(&self) -> Option<&Buffer> {
        (!self.blank).then_some(&self.shown)
    }

    /// Clears the screen; the next frame writes every non-blank cell.
    pub fn clear<W: Write>(&mut self, backend: &mut AnsiBackend<W>) -> io::Result<()> {
        backend.clear_region(ClearType::All)?;
        // `shown` is not read while `blank` holds (the next frame replaces it): no reset needed.
        self.blank = true;
        Ok(())
    }

    /// Follows the terminal's size (as ratatui's `autoresize`): on a change the buffers take the
    /// new size and the screen is cleared (twice when it got narrower, as ratatui does).
    pub fn autoresize<W: Write>(&mut self, backend: &mut AnsiBackend<W>) -> io::Result<()> {
        let area = Rect::from((ratatui::layout::Position::ORIGIN, backend.size()?));
        if area == self.next.area {
            return Ok(());
        }
        if area.width < self.next.area.width {
            backend.clear_region(ClearType::All)?;
        }
        self.shown.resize(area);
        self.next.resize(area);
        self.clear(backend)
    }

    /// Draws one frame: `render` draws into the blank buffer, the changes against what is shown
    /// are encoded, the cursor is hidden and everything goes out in one write.
    pub fn draw<W: Write>(
        &mut self,
        backend: &mut AnsiBackend<W>,
        render: impl FnOnce(Rect, &mut Buffer),
    ) -> io::Result<()> {
        self.autoresize(backend)?;
        let area = self.next.area;
        render(area, &mut self.next);
        let width = usize::from(area.width);
        let (shown, next, blank) = (&self.shown.content, &self.next.content, self.blank);
        backend.encode(|enc| {
            if blank {
                diff(&Blank, next, width, area, enc);
            } else {
                diff(&shown[..], next, width, area, enc);
            }
        });
        backend.hide_cursor()?;
        std::mem::swap(&mut self.shown, &mut self.next);
        self.next.reset();
        self.blank = false;
        Backend::flush(backend)
    }
}

/// The cells a frame is diffed against: the shown buffer, or all blank after a clear.
trait Shown {
    fn at(&self, i: usize) -> &Cell;
    /// True when `row` (starting at index `start`) can be passed over without a walk: every
    /// cell equals the shown one, none is one ratatui always writes or has a forced width, and
    /// no wide character reaches past the row's end (its covered columns, not diffed, would be
    /// in the next row).
    fn row_unchanged<'a>(&self, start: usize, row: &'a [Cell], widths: &mut Widths<'a>) -> bool;
}

impl Shown for [Cell] {
    #[inline]
    fn at(&self, i: usize) -> &Cell {
        &self[i]
    }
    #[inline]
    fn row_unchanged<'a>(&self, start: usize, row: &'a [Cell], widths: &mut Widths<'a>) -> bool {
        let w = row.len();
        let shown = &self[start..start + w];
        shown.iter().zip(row).enumerate().all(|(x, (a, b))| same(a, b) && plain_in_row(x, w, b, widths))
    }
}

/// A screen of blank cells.
struct Blank;

const BLANK: Cell = Cell::EMPTY;

impl Shown for Blank {
    #[inline]
    fn at(&self, _: usize) -> &Cell {
        &BLANK
    }
    #[inline]
    fn row_unchanged<'a>(&self, _: usize, row: &'a [Cell], _: &mut Widths<'a>) -> bool {
        // A blank cell is one column wide with no diff option: nothing to walk.
        row.iter().all(is_blank)
    }
}

/// Equal to `Cell::EMPTY` by ratatui's equality.
#[inline(always)]
#[allow(deprecated)] // `skip` takes part in ratatui's equality
fn is_blank(c: &Cell) -> bool {
    c.fg == Color::Reset
        && c.bg == Color::Reset
        && c.modifier.is_empty()
        && c.underline_color == Color::Reset
        && c.diff_option == CellDiffOption::None
        && !c.skip
        && c.symbol().as_bytes() == b" "
}

/// For a cell equal to the shown one at column `x` of a `w`-wide row: true when the diff would
/// pass over it without writing it and without reaching into the next row.
#[inline(always)]
fn plain_in_row<'a>(x: usize, w: usize, c: &'a Cell, widths: &mut Widths<'a>) -> bool {
    match c.diff_option {
        CellDiffOption::AlwaysUpdate | CellDiffOption::ForcedWidth(_) => false,
        CellDiffOption::Skip => true,
        CellDiffOption::None => {
            let n = c.symbol().len();
            // A symbol of n bytes is at most 3n columns wide; look closer only near the end.
            n == 1 || x + 3 * n <= w || is_skip(c) || x + widths.of(c) <= w
        }
    }
}

/// Cell equality as ratatui's `PartialEq` (a missing symbol equals " "), inline and cheapest
/// field first.
#[inline(always)]
#[allow(deprecated)] // `skip` takes part in ratatui's equality
fn same(a: &Cell, b: &Cell) -> bool {
    a.fg == b.fg
        && a.bg == b.bg
        && a.modifier == b.modifier
        && a.underline_color == b.underline_color
        && a.diff_option == b.diff_option
        && a.skip == b.skip
        && same_symbol(a.symbol().as_bytes(), b.symbol().as_bytes())
}

/// Byte equality with the one- to four-byte symbols (nearly all) compared without `memcmp`.
#[inline(always)]
fn same_symbol(a: &[u8], b: &[u8]) -> bool {
    match (a, b) {
        ([x], [y]) => x == y,
        ([x0, x1, x2], [y0, y1, y2]) => x0 == y0 && x1 == y1 && x2 == y2,
        _ => a == b,
    }
}

/// A cell ratatui's diff passes over.
#[inline]
#[allow(deprecated)]
fn is_skip(cell: &Cell) -> bool {
    matches!(cell.diff_option, CellDiffOption::Skip) || (cell.skip && cell.diff_option == CellDiffOption::None)
}

/// Symbol widths with a one-entry memo (runs of one border or chart glyph are common).
struct Widths<'a> {
    last: &'a str,
    width: usize,
}

impl<'a> Widths<'a> {
    /// The width ratatui's `Cell::cell_width` gives (a forced width wins).
    #[inline]
    fn of(&mut self, cell: &'a Cell) -> usize {
        if let CellDiffOption::ForcedWidth(w) = cell.diff_option {
            return usize::from(w.get());
        }
        let sym = cell.symbol();
        if sym.len() == 1 {
            return 1;
        }
        if sym != self.last {
            self.last = sym;
            self.width = usize::from(sym.cell_width());
        }
        self.width
    }
}

/// Encodes the cells of `next` that differ from `shown` (both `width` wide, row-major, same
/// length) by ratatui's diff rules, in its order.
fn diff<S: Shown + ?Sized>(shown: &S, next: &[Cell], width: usize, area: Rect, enc: &mut Encoder<'_>) {
    let len = next.len();
    if width == 0 {
        return;
    }
    let mut widths = Widths { last: " ", width: 1 };
    // Row bookkeeping: positions are (i - row_start, y) without a division per cell.
    let (mut row_start, mut y) = (0usize, 0u16);
    let emit = |enc: &mut Encoder<'_>, i: usize, row_start: &mut usize, y: &mut u16| {
        while i >= *row_start + width {
            *row_start += width;
            *y += 1;
        }
        enc.cell(area.x + (i - *row_start) as u16, area.y + *y, &next[i]);
    };
    let mut i = 0;
    // End of the row `i` is in; a row whose walk starts at its first cell may be passed over.
    let mut row_end = 0usize;
    while i < len {
        if i >= row_end {
            while row_end <= i {
                row_end += width;
            }
            let start = row_end - width;
            let row = &next[start..row_end.min(len)];
            if i == start && shown.row_unchanged(start, row, &mut widths) {
                i = row_end;
                continue;
            }
        }
        let (cur, prev) = (&next[i], shown.at(i));
        match cur.diff_option {
            CellDiffOption::Skip => i += 1,
            _ if is_skip(cur) => i += 1,
            CellDiffOption::ForcedWidth(w) => {
                if !same(cur, prev) {
                    emit(enc, i, &mut row_start, &mut y);
                }
                i += usize::from(w.get());
            }
            CellDiffOption::None | CellDiffOption::AlwaysUpdate => {
                let cw = widths.of(cur);
                if cur.diff_option == CellDiffOption::None && same(cur, prev) {
                    i += cw.max(1);
                    continue;
                }
                emit(enc, i, &mut row_start, &mut y);
                let vs16 = cw > 1 && cur.symbol().contains('\u{FE0F}');
                let trailing = if vs16 {
                    Some(((i + cw).min(len), false))
                } else if cw > 1 {
                    None
                } else {
                    let pw = widths.of(prev);
                    let shows = prev.bg != Color::Reset || prev.modifier.intersects(VISIBLE_ON_BLANK);
                    (pw > cw && shows).then_some((i + pw, true))
                };
                match trailing {
                    None => i += cw.max(1),
                    Some((end, force)) => {
                        // The columns the old or new wide character covers, walked by width.
                        let mut end = end;
                        let mut j = i + 1;
                        while j < end.min(len) {
                            let k = j;
                            j += widths.of(&next[k]).max(1);
                            end = end.max(j).min(len);
                            if !is_skip(&next[k]) && (force || shown.at(k).symbol() != next[k].symbol()) {
                                emit(enc, k, &mut row_start, &mut y);
                            }
                        }
                        i = end.max(i + 1);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "frames_tests.rs"]
mod tests;
