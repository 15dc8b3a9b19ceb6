//! The terminal side: raw mode + alternate screen behind a guard that restores on every exit
//! path (return, error, panic via a chained hook), and the event loop. Input polling, the tick
//! (checking the snapshot and the stop flag) and frames are separate: the loop blocks in
//! `event::poll` for at most one tick, and draws only when the snapshot changed or input
//! arrived, at most `max_fps` times a second. Frames are drawn by our `FrameLoop` (the app
//! renders into its buffer, the changes go out through `AnsiBackend`, one write per frame).

use crate::domain::Command;
use crate::engine::Snapshot;
use crate::ui::app::App;
use crate::ui::backend::AnsiBackend;
use crate::ui::frames::FrameLoop;
use crate::ui::UiConfig;
use ratatui::crossterm::event::{self, Event as TermEvent, KeyEventKind};
use ratatui::crossterm::terminal::{disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::crossterm::{cursor, execute};
use std::io::{self, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Once};
use std::time::{Duration, Instant};

/// Longest the loop sleeps before looking at the stop flag and the snapshot again.
const MAX_TICK: Duration = Duration::from_millis(100);

/// Puts the terminal back: cursor shown, alternate screen left, raw mode off. Idempotent.
fn restore_terminal() {
    let _ = execute!(io::stdout(), LeaveAlternateScreen, cursor::Show);
    let _ = disable_raw_mode();
}

static HOOK: Once = Once::new();

/// Restores the terminal before the previous panic hook prints the message (installed once).
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            previous(info);
        }));
    });
}

/// Owns the terminal state for as long as the UI runs.
struct Guard;

impl Guard {
    fn enter() -> io::Result<(Guard, AnsiBackend<Stdout>, FrameLoop)> {
        install_panic_hook();
        enable_raw_mode()?;
        let guard = Guard; // from here on, Drop restores
        execute!(io::stdout(), EnterAlternateScreen, cursor::Hide)?;
        let backend = AnsiBackend::new(io::stdout());
        let frames = FrameLoop::new(&backend)?;
        Ok((guard, backend, frames))
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Runs the TUI on the current terminal until the user quits or `stop` becomes true.
/// The terminal is restored on every exit path (quit, error, panic).
pub fn run(
    snapshots: tokio::sync::watch::Receiver<Arc<Snapshot>>,
    commands: mpsc::Sender<Command>,
    stop: Arc<AtomicBool>,
    config: UiConfig,
) -> io::Result<()> {
    let (_guard, mut backend, mut frames) = Guard::enter()?;
    let mut app = App::new(&config);
    event_loop((&mut backend, &mut frames), &mut app, snapshots, &commands, &stop, config.max_fps)
}

fn event_loop(
    (backend, frames): (&mut AnsiBackend<Stdout>, &mut FrameLoop),
    app: &mut App,
    mut snapshots: tokio::sync::watch::Receiver<Arc<Snapshot>>,
    commands: &mpsc::Sender<Command>,
    stop: &AtomicBool,
    max_fps: u32,
) -> io::Result<()> {
    let frame_gap = Duration::from_secs_f64(1.0 / f64::from(max_fps.clamp(1, 240)));
    let tick = frame_gap.max(Duration::from_millis(20)).min(MAX_TICK);
    let mut snap: Arc<Snapshot> = snapshots.borrow_and_update().clone();
    let mut dirty = true;
    let mut last_frame: Option<Instant> = None;
    loop {
        if stop.load(Ordering::Relaxed) || app.should_quit() {
            return Ok(());
        }
        // Tick: pick up a new snapshot (a closed channel keeps the last one on screen).
        if snapshots.has_changed().unwrap_or(false) {
            snap = snapshots.borrow_and_update().clone();
            dirty = true;
        }
        // Frame: only when something changed and the frame budget allows.
        let now = Instant::now();
        let due = last_frame.map_or(Duration::ZERO, |t| frame_gap.saturating_sub(now - t));
        if dirty && due.is_zero() {
            frames.draw(backend, |area, buf| app.render(area, buf, &snap))?;
            app.frame_us = now.elapsed().as_secs_f64() * 1e6;
            last_frame = Some(now);
            dirty = false;
        }
        // Input: block until a key, a resize, or the next tick / frame slot.
        let wait = if dirty { due.min(tick) } else { tick };
        if event::poll(wait)? {
            // Drain everything already queued before drawing again.
            loop {
                match event::read()? {
                    TermEvent::Key(key) if key.kind != KeyEventKind::Release => {
                        for command in app.handle_key(key, &snap) {
                            if commands.send(command).is_err() {
                                app.set_flash("engine is not listening: command not sent");
                            }
                        }
                        dirty = true;
                    }
                    TermEvent::Resize(..) => {
                        frames.autoresize(backend)?;
                        dirty = true;
                    }
                    _ => {}
                }
                if app.should_quit() || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
    }
}
