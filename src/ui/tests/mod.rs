//! UI tests on `TestBackend`, in two files: `render` (each tab at 80x24 and 200x60, tiny sizes,
//! venue labels) and `keys` (tabs, ticket → exact command, confirmations, help, mode toggles, the
//! parameter editor). The helpers below are shared.

mod keys;
mod render;

use super::*;
use crate::domain::{Command, ManualOrder, OrderType, Price, Qty, Side, Symbol, TimeInForce};
use crate::engine::Snapshot;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;

fn app() -> App {
    App::with_theme(&UiConfig::default(), Theme::new(ColorDepth::Indexed256))
}

fn render(app: &mut App, snap: &Snapshot, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| app.draw(f, snap)).unwrap();
    let buf = term.backend().buffer();
    let mut out = String::with_capacity((w as usize + 1) * h as usize);
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}
fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn press(app: &mut App, snap: &Snapshot, keys: &str) -> Vec<Command> {
    keys.chars().flat_map(|c| app.handle_key(key(c), snap)).collect()
}

fn assert_has(screen: &str, needles: &[&str]) {
    for n in needles {
        assert!(screen.contains(n), "`{n}` not on screen:\n{screen}");
    }
}
