//! Renders an ANSI terminal capture (`tmux capture-pane -e -p`) into a PNG, the way a terminal
//! emulator would draw it: a fixed cell grid, the xterm 256-colour palette on a dark background,
//! DejaVu Sans Mono for text, and block elements, box drawing and braille drawn geometrically so
//! they join seamlessly between cells.
//!
//! `cargo run --example term2png -- capture.ansi out.png [COLS ROWS]`
//!
//! Used by `scripts/screenshots.sh` to make the README screenshots in `assets/screenshots/`.
mod boxes;
mod draw;
// The screen model is shared with the UI backend tests.
#[path = "../../src/ui/screen.rs"]
mod parse;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 2 && args.len() != 4 {
        eprintln!("usage: term2png CAPTURE.ansi OUT.png [COLS ROWS]");
        return ExitCode::from(2);
    }
    let text = match std::fs::read(&args[0]) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            eprintln!("cannot read {}: {e}", args[0]);
            return ExitCode::from(1);
        }
    };
    let mut grid = parse::parse(&text);
    if args.len() == 4 {
        match (args[2].parse::<usize>(), args[3].parse::<usize>()) {
            (Ok(c), Ok(r)) if c > 0 && r > 0 => grid.resize(c, r),
            _ => {
                eprintln!("bad size {} x {}: expected two positive integers", args[2], args[3]);
                return ExitCode::from(2);
            }
        }
    }
    match draw::render(&grid, std::path::Path::new(&args[1])) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cannot render {}: {e}", args[1]);
            ExitCode::from(1)
        }
    }
}
