//! Tests of `AnsiBackend`: the exact bytes for hand-written cells, and screen equivalence with
//! ratatui's `CrosstermBackend` (both byte streams played onto `ui::screen::Screen`) for every
//! tab at 80x24 and 200x60, a full redraw, a redraw after a resize, a diffed redraw after a state
//! change, and wide characters.

use super::*;
use crate::engine::Snapshot;
use crate::ui::screen::{Color as ScreenColor, Grid, Screen};
use crate::ui::{sample_snapshot, App, ColorDepth, Theme, UiConfig};
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Terminal;

/// A cell with `symbol` in `style`.
fn cell(symbol: &'static str, style: Style) -> Cell {
    let mut c = Cell::new(symbol);
    c.set_style(style);
    c
}

/// Draws `cells` at their positions and flushes; returns the bytes written.
fn encode(cells: &[(u16, u16, Cell)]) -> String {
    let mut b = AnsiBackend::with_size(Vec::new(), Size::new(20, 5));
    b.draw(cells.iter().map(|(x, y, c)| (*x, *y, c))).unwrap();
    Backend::flush(&mut b).unwrap();
    String::from_utf8(b.writer().clone()).unwrap()
}

#[test]
fn encoder_bytes_for_hand_written_cells() {
    let orange = Style::new().fg(Color::Indexed(208));
    let red_bold = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
    let rgb = Style::new().fg(Color::Rgb(1, 20, 255));
    let out = encode(&[
        (0, 0, cell("a", orange)),
        // Same style, next column: no SGR, no move.
        (1, 0, cell("b", orange)),
        // 16-colour red is palette 1 (as crossterm codes it); bold added in the same sequence.
        (2, 0, cell("c", red_bold)),
        // A jump: cursor move (1-based row;col). Bold goes off: reset + the new colour.
        (5, 1, cell("d", rgb)),
        // Only the background changes (light blue = palette 12).
        (6, 1, cell("e", rgb.bg(Color::LightBlue))),
        // Foreground back to the default, background kept.
        (7, 1, cell("f", Style::new().fg(Color::Reset).bg(Color::LightBlue))),
    ]);
    assert_eq!(
        out,
        "\x1b[1;1H\x1b[38;5;208mab\x1b[1;38;5;1mc\x1b[2;6H\x1b[0;38;2;1;20;255md\x1b[48;5;12me\x1b[39mf\x1b[0m"
    );
}

#[test]
fn encoder_modifiers_underline_colour_and_plain_cells() {
    let all = Modifier::all();
    let out = encode(&[
        (9, 3, cell("x", Style::new().add_modifier(all).underline_color(Color::Indexed(7)))),
        // Dropping every modifier and colour is a bare reset; plain text needs nothing more.
        (10, 3, cell("y", Style::new())),
        (11, 3, cell("z", Style::new().bg(Color::Black))),
    ]);
    assert_eq!(out, "\x1b[4;10H\x1b[1;2;3;4;5;6;7;8;9;58;5;7mx\x1b[0my\x1b[48;5;0mz\x1b[0m");
    // Only default cells: no SGR at all, not even the closing reset.
    assert_eq!(encode(&[(0, 4, cell("q", Style::new())), (1, 4, cell("r", Style::new()))]), "\x1b[5;1Hqr");
    // Multi-digit positions.
    assert_eq!(encode(&[(199, 59, cell("w", Style::new()))]), "\x1b[60;200Hw");
}

/// Counts the write calls that reach it.
struct CountingWriter {
    bytes: Vec<u8>,
    writes: usize,
}

impl io::Write for CountingWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.writes += 1;
        self.bytes.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_whole_frame_is_one_write_call() {
    let w = CountingWriter { bytes: Vec::new(), writes: 0 };
    let mut term = Terminal::new(AnsiBackend::with_size(w, Size::new(200, 60))).unwrap();
    let snap = sample_snapshot();
    let mut app = app_on_tab('1');
    term.draw(|f| app.draw(f, &snap)).unwrap();
    let w = term.backend().writer();
    assert_eq!(w.writes, 1);
    assert!(w.bytes.len() > 5_000, "a 200x60 overview is many bytes, got {}", w.bytes.len());
    // The cursor is hidden in the same write, after the frame.
    assert!(w.bytes.ends_with(b"\x1b[?25l"));
}

/// A byte sink both a backend and the test hold (crossterm's backend does not lend its writer).
#[derive(Clone, Default)]
struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl io::Write for Shared {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// ratatui's crossterm backend on a shared `Vec<u8>`, with a size it cannot ask a terminal for.
struct Crossterm {
    inner: CrosstermBackend<Shared>,
    size: Size,
}

impl Backend for Crossterm {
    type Error = io::Error;
    fn draw<'a, I: Iterator<Item = (u16, u16, &'a Cell)>>(&mut self, content: I) -> io::Result<()> {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> io::Result<Position> {
        Ok(Position::ORIGIN)
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> io::Result<Size> {
        Ok(self.size)
    }
    fn window_size(&mut self) -> io::Result<WindowSize> {
        Ok(WindowSize { columns_rows: self.size, pixels: Size::new(0, 0) })
    }
    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

/// The same frames through both backends, each played onto its own screen.
struct Pair {
    ours: Terminal<AnsiBackend<Vec<u8>>>,
    theirs: Terminal<Crossterm>,
    their_bytes: Shared,
    our_screen: Screen,
    their_screen: Screen,
    /// Bytes of the last frame: (ours, crossterm's).
    last_bytes: (usize, usize),
}

impl Pair {
    fn new(w: u16, h: u16) -> Self {
        let size = Size::new(w, h);
        let their_bytes = Shared::default();
        let theirs = Crossterm { inner: CrosstermBackend::new(their_bytes.clone()), size };
        Pair {
            their_bytes,
            ours: Terminal::new(AnsiBackend::with_size(Vec::new(), size)).unwrap(),
            theirs: Terminal::new(theirs).unwrap(),
            our_screen: Screen::new(w.into(), h.into()),
            their_screen: Screen::new(w.into(), h.into()),
            last_bytes: (0, 0),
        }
    }

    /// Plays what each backend wrote since the last call onto its screen.
    fn feed(&mut self) {
        let ours = std::mem::take(self.ours.backend_mut().writer_mut());
        let theirs = std::mem::take(&mut *self.their_bytes.0.borrow_mut());
        self.our_screen.feed(&ours);
        self.their_screen.feed(&theirs);
        self.last_bytes = (ours.len(), theirs.len());
    }

    fn draw(&mut self, app: &mut App, snap: &Snapshot) {
        self.ours.draw(|f| app.draw(f, snap)).unwrap();
        self.theirs.draw(|f| app.draw(f, snap)).unwrap();
        self.feed();
    }

    fn clear(&mut self) {
        self.ours.clear().unwrap();
        self.theirs.clear().unwrap();
        self.feed();
    }

    fn resize(&mut self, w: u16, h: u16) {
        self.ours.backend_mut().set_size(Size::new(w, h));
        self.theirs.backend_mut().size = Size::new(w, h);
        for s in [&mut self.our_screen, &mut self.their_screen] {
            s.grid.resize(w.into(), h.into());
        }
    }

    /// The two screens are the same cell for cell (reporting the first differing row).
    fn assert_same(&self, what: &str) -> &Grid {
        let (a, b) = (&self.our_screen.grid, &self.their_screen.grid);
        for (y, (ra, rb)) in a.rows.iter().zip(&b.rows).enumerate() {
            if let Some(x) = (0..ra.len()).find(|&x| ra[x] != rb[x]) {
                panic!(
                    "{what}: screens differ at row {y} col {x}: ours {:?} crossterm {:?}\nours:  {}\ntheirs:{}",
                    ra[x],
                    rb[x],
                    a.line(y),
                    b.line(y)
                );
            }
        }
        assert_eq!(a, b, "{what}");
        a
    }
}

fn app_on_tab(key: char) -> App {
    let mut app = App::with_theme(&UiConfig::default(), Theme::new(ColorDepth::Indexed256));
    app.handle_key(KeyEvent::new(KeyCode::Char(key), KeyModifiers::NONE), &sample_snapshot());
    app
}

fn screen_text(grid: &Grid) -> String {
    (0..grid.rows.len()).map(|y| grid.line(y) + "\n").collect()
}

#[test]
fn every_tab_looks_the_same_as_through_crossterm() {
    let snap = sample_snapshot();
    for (key, title) in [('1', "Overview"), ('2', "Strategies"), ('3', "Execution"), ('4', "Risk")] {
        for (w, h) in [(80, 24), (200, 60)] {
            let what = format!("tab {title} {w}x{h}");
            let mut app = app_on_tab(key);
            let mut pair = Pair::new(w, h);
            pair.draw(&mut app, &snap);
            let text = screen_text(pair.assert_same(&format!("{what} first frame")));
            assert!(text.contains(title) && text.contains("BTCUSDT"), "{what}:\n{text}");
            // Coloured: some cell has a non-default colour.
            let coloured = pair.our_screen.grid.rows.iter().flatten().any(|c| c.style.fg != ScreenColor::Default);
            assert!(coloured, "{what}: no colour on screen");
            // Full redraw: screen cleared, every cell sent again.
            pair.clear();
            pair.draw(&mut app, &snap);
            pair.assert_same(&format!("{what} full redraw"));
            let (ours, theirs) = pair.last_bytes;
            println!("{what}: full redraw {ours} bytes (crossterm {theirs})");
            assert!(ours < theirs, "{what}: ours {ours} bytes, crossterm {theirs}");
        }
    }
}

#[test]
fn resize_and_diffed_redraw_look_the_same() {
    let snap = sample_snapshot();
    let mut app = app_on_tab('1');
    let mut pair = Pair::new(200, 60);
    pair.draw(&mut app, &snap);
    let full = pair.last_bytes;
    // The terminal shrinks: ratatui clears and redraws everything at the new size.
    pair.resize(120, 40);
    pair.draw(&mut app, &snap);
    let text = screen_text(pair.assert_same("after resize to 120x40"));
    assert!(text.contains("Overview"), "{text}");
    assert_eq!(pair.our_screen.grid.cols, 120);
    // A state change: the clock moves and an alert goes; only the changed cells are sent.
    let mut later = snap.clone();
    later.ts_ms += 3_723_000;
    later.alerts.pop();
    pair.draw(&mut app, &later);
    pair.assert_same("diffed redraw after a state change");
    assert!(pair.last_bytes.0 > 0 && pair.last_bytes.0 < full.0 / 4, "diffed {:?} vs full {:?}", pair.last_bytes, full);
    // And a tab switch (a large diff) on the same screens.
    app.handle_key(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::NONE), &later);
    pair.draw(&mut app, &later);
    pair.assert_same("tab switch");
}

#[test]
fn wide_characters_look_the_same() {
    let styled = |t: &'static str, c: Color| Span::styled(t, Style::new().fg(c));
    let first = Paragraph::new(vec![
        Line::from(vec![styled("漢字", Color::Red), Span::raw("ab"), styled("😀x", Color::Indexed(99))]),
        Line::from(vec![Span::raw("a漢b"), styled("字字", Color::Rgb(9, 8, 7))]),
    ]);
    // The second frame shifts the wide characters by one column and restyles some.
    let second = Paragraph::new(vec![
        Line::from(vec![Span::raw("x"), styled("漢字", Color::Green), styled("ab😀", Color::Reset)]),
        Line::from(vec![styled("ab漢", Color::Blue), Span::raw("字c")]),
    ]);
    let mut pair = Pair::new(12, 3);
    for p in [&first, &second, &first] {
        pair.ours.draw(|f| f.render_widget(p, f.area())).unwrap();
        pair.theirs.draw(|f| f.render_widget(p, f.area())).unwrap();
        pair.feed();
        pair.assert_same("wide characters");
    }
    assert_eq!(pair.our_screen.grid.line(0).trim_end(), "漢字ab😀x");
}
