//! Tests of `FrameLoop`: exact bytes for small hand-worked frames, and byte-for-byte equality
//! with ratatui's `Terminal::draw` on the same `AnsiBackend` for every tab (full redraw, diffed
//! redraw after a state change, resizes both ways, a clear) and for wide characters, VS16 emoji,
//! a styled wide character replaced by narrow ones, a wide character in the last column and
//! `AlwaysUpdate` / `Skip` / `ForcedWidth` cells; plus the screen a full redraw leaves (played
//! onto `ui::screen::Screen`) against the buffer.

use super::*;
use crate::ui::screen::Screen;
use crate::ui::{sample_snapshot, App, ColorDepth, Theme, UiConfig};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Size;
use ratatui::style::Style;
use ratatui::Terminal;
use std::num::NonZeroU16;

/// Ratatui's frame loop and ours, each on an `AnsiBackend` writing into a `Vec<u8>`.
struct Twin {
    theirs: Terminal<AnsiBackend<Vec<u8>>>,
    ours: AnsiBackend<Vec<u8>>,
    frames: FrameLoop,
    screen: Screen,
}

impl Twin {
    fn new(w: u16, h: u16) -> Self {
        let size = Size::new(w, h);
        let ours = AnsiBackend::with_size(Vec::new(), size);
        let frames = FrameLoop::new(&ours).unwrap();
        Twin {
            theirs: Terminal::new(AnsiBackend::with_size(Vec::new(), size)).unwrap(),
            ours,
            frames,
            screen: Screen::new(w.into(), h.into()),
        }
    }

    /// Draws one frame through both; the bytes must be the same. Returns them.
    fn frame(&mut self, mut render: impl FnMut(Rect, &mut Buffer)) -> String {
        self.theirs.draw(|f| render(f.area(), f.buffer_mut())).unwrap();
        self.frames.draw(&mut self.ours, &mut render).unwrap();
        self.compare()
    }

    fn compare(&mut self) -> String {
        let theirs = std::mem::take(self.theirs.backend_mut().writer_mut());
        let ours = std::mem::take(self.ours.writer_mut());
        let (t, o) = (String::from_utf8_lossy(&theirs), String::from_utf8_lossy(&ours));
        assert_eq!(o, t, "frame loop bytes differ from ratatui's");
        self.screen.feed(&ours);
        o.into_owned()
    }

    fn resize(&mut self, w: u16, h: u16) {
        self.theirs.backend_mut().set_size(Size::new(w, h));
        self.ours.set_size(Size::new(w, h));
        self.screen.grid.resize(w.into(), h.into());
    }

    fn clear(&mut self) {
        self.theirs.clear().unwrap();
        self.frames.clear(&mut self.ours).unwrap();
        // ratatui's clear also puts the cursor back where it was (queued until the next write):
        // only the erase must match.
        Backend::flush(self.theirs.backend_mut()).unwrap();
        let theirs = std::mem::take(self.theirs.backend_mut().writer_mut());
        let ours = std::mem::take(self.ours.writer_mut());
        assert!(String::from_utf8_lossy(&theirs).starts_with("\x1b[2J\x1b["));
        assert_eq!(ours, b"\x1b[2J");
        self.screen.feed(&ours);
    }

    /// The screen shows exactly the text of the buffer last drawn (wide characters' covered
    /// columns left out on both sides).
    fn assert_screen_shows_buffer(&self) {
        let buf = self.frames.shown().expect("a frame was drawn");
        for y in 0..buf.area.height {
            let mut text = String::new();
            let mut x = 0;
            while x < buf.area.width {
                let sym = buf[(x, y)].symbol();
                text.push_str(sym);
                x += sym.cell_width().max(1);
            }
            assert_eq!(self.screen.grid.line(y.into()), text, "row {y}");
        }
    }
}

fn app_on_tab(key: char) -> App {
    let mut app = App::with_theme(&UiConfig::default(), Theme::new(ColorDepth::Indexed256));
    app.handle_key(KeyEvent::new(KeyCode::Char(key), KeyModifiers::NONE), &sample_snapshot());
    app
}

#[test]
fn hand_worked_frames() {
    let mut twin = Twin::new(4, 2);
    let red = Style::new().fg(Color::Red);
    // First frame: only non-blank cells, from the top-left; the pen reset closes the run.
    let out = twin.frame(|_, b| {
        b.set_string(0, 0, "ab", Style::new());
        b.set_string(2, 1, "c", red);
    });
    assert_eq!(out, "\x1b[1;1Hab\x1b[2;3H\x1b[38;5;1mc\x1b[0m\x1b[?25l");
    // Nothing changed: only the hidden cursor.
    let out = twin.frame(|_, b| {
        b.set_string(0, 0, "ab", Style::new());
        b.set_string(2, 1, "c", red);
    });
    assert_eq!(out, "\x1b[?25l");
    // `b` becomes `x`, `c` disappears (written as a plain blank).
    let out = twin.frame(|_, b| b.set_string(0, 0, "ax", Style::new()));
    assert_eq!(out, "\x1b[1;2Hx\x1b[2;3H \x1b[?25l");
    // Narrower: the screen is erased twice (as ratatui does), then a full redraw.
    twin.resize(3, 2);
    let out = twin.frame(|_, b| b.set_string(0, 1, "q", Style::new()));
    assert_eq!(out, "\x1b[2J\x1b[2J\x1b[2;1Hq\x1b[?25l");
    assert_eq!(twin.screen.grid.line(1), "q  ");
    twin.assert_screen_shows_buffer();
}

#[test]
fn every_tab_is_drawn_as_ratatui_draws_it() {
    let snap = sample_snapshot();
    for key in ['1', '2', '3', '4'] {
        let mut app = app_on_tab(key);
        let mut twin = Twin::new(200, 60);
        let full = twin.frame(|a, b| app.render(a, b, &snap));
        assert!(full.len() > 5_000, "tab {key}: a full frame is {} bytes", full.len());
        twin.assert_screen_shows_buffer();
        assert_eq!(twin.frame(|a, b| app.render(a, b, &snap)), "\x1b[?25l", "tab {key}");
        // A state change: the selection moves, another tab.
        app.handle_key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE), &snap);
        twin.frame(|a, b| app.render(a, b, &snap));
        app.handle_key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE), &snap);
        twin.frame(|a, b| app.render(a, b, &snap));
        twin.assert_screen_shows_buffer();
        // Resizes both ways, then a clear: full redraws.
        twin.resize(80, 24);
        twin.frame(|a, b| app.render(a, b, &snap));
        twin.assert_screen_shows_buffer();
        twin.resize(120, 40);
        twin.frame(|a, b| app.render(a, b, &snap));
        twin.assert_screen_shows_buffer();
        twin.clear();
        twin.frame(|a, b| app.render(a, b, &snap));
        twin.assert_screen_shows_buffer();
    }
}

#[test]
fn wide_characters_and_diff_options_as_ratatui() {
    let shaded = Style::new().bg(Color::Blue);
    let frames: Vec<Box<dyn Fn(Rect, &mut Buffer)>> = vec![
        Box::new(|_: Rect, b: &mut Buffer| {
            b.set_string(0, 0, "漢字ab", Style::new());
            b.set_string(0, 1, "x❤️y", Style::new());
            b.set_string(0, 2, "日本", shaded);
            // A wide character in the last column reaches past the row.
            b[(9, 3)].set_symbol("漢");
        }),
        Box::new(|_: Rect, b: &mut Buffer| {
            // Wide replaced by narrow (plain and with a visible background), emoji moved.
            b.set_string(0, 0, "abcd", Style::new());
            b.set_string(0, 1, "❤️xy", Style::new());
            b.set_string(0, 2, "a", Style::new());
            b[(9, 3)].set_symbol("漢");
            b[(0, 4)].set_symbol("z").set_diff_option(CellDiffOption::AlwaysUpdate);
        }),
        Box::new(|_: Rect, b: &mut Buffer| {
            b.set_string(0, 0, "a字cd", Style::new());
            b.set_string(0, 1, "❤️xy", Style::new());
            b[(0, 4)].set_symbol("z").set_diff_option(CellDiffOption::AlwaysUpdate);
            b[(3, 4)].set_symbol("s").set_diff_option(CellDiffOption::Skip);
            let forced = CellDiffOption::ForcedWidth(NonZeroU16::new(3).unwrap());
            b[(5, 4)].set_symbol("f").set_diff_option(forced);
        }),
        Box::new(|_: Rect, b: &mut Buffer| {
            b.set_string(0, 0, "😀😀😀", shaded);
            b.set_string(4, 3, "é ü", Style::new());
        }),
    ];
    let mut twin = Twin::new(10, 5);
    for (n, f) in frames.iter().enumerate() {
        twin.frame(|a, b| f(a, b));
        twin.frame(|a, b| f(a, b));
        // And every frame drawn fresh after each of the others, and after a clear.
        for g in &frames {
            twin.frame(|a, b| g(a, b));
            twin.frame(|a, b| f(a, b));
        }
        twin.clear();
        twin.frame(|a, b| f(a, b));
        assert!(n < frames.len());
    }
    twin.frame(|a, b| frames[0](a, b));
    assert_eq!(twin.screen.grid.line(0), "漢字ab    ");
    assert_eq!(twin.screen.grid.line(2), "日本      ");
}

#[test]
fn diff_against_blank_equals_diff_against_a_reset_buffer() {
    // The full-redraw path reads constant blanks instead of the reset shown buffer.
    let snap = sample_snapshot();
    let mut app = app_on_tab('1');
    let area = Rect::new(0, 0, 120, 40);
    let mut next = Buffer::empty(area);
    app.render(area, &mut next, &snap);
    let reset = Buffer::empty(area);
    let encode = |blank: bool| {
        let mut b = AnsiBackend::with_size(Vec::new(), area.as_size());
        b.encode(|enc| {
            if blank {
                diff(&Blank, &next.content, 120, area, enc);
            } else {
                diff(&reset.content[..], &next.content, 120, area, enc);
            }
        });
        Backend::flush(&mut b).unwrap();
        b.writer().clone()
    };
    let (a, b) = (encode(true), encode(false));
    assert!(a.len() > 3000);
    assert_eq!(a, b);
}
