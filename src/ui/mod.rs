//! The ratatui workstation: renders `Snapshot`s from the engine's watch channel and sends
//! `Command`s; it owns no trading state. `run` drives the terminal; `App` is the pure part
//! (keys → commands, snapshot → frame) that tests and benches use on `TestBackend`.

mod app;
pub mod backend;
mod chrome;
pub mod fmt;
pub mod frames;
pub mod keymap;
pub(crate) mod paint;
mod sample;
#[cfg(test)]
mod screen;
mod tabs;
mod terminal;
pub mod theme;
pub mod widgets;

#[cfg(test)]
mod tests;

pub use app::{App, Confirm, Tab};
pub use backend::AnsiBackend;
pub use frames::FrameLoop;
pub use keymap::{Action, Key, Keymap, KeymapError};
pub use sample::sample_snapshot;
pub use terminal::run;
pub use theme::{ColorDepth, Theme};

/// What the config says about the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiConfig {
    /// `(action name, key)` pairs, e.g. `("kill_switch", "ctrl-k")`; see `keymap::Action::name`.
    pub keymap_overrides: Vec<(String, String)>,
    /// Most frames drawn per second.
    pub max_fps: u32,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig { keymap_overrides: Vec::new(), max_fps: 30 }
    }
}

/// Checks key overrides up front (for config loading): the error names the bad action or key.
pub fn validate_keymap_overrides(overrides: &[(String, String)]) -> Result<(), KeymapError> {
    Keymap::with_overrides(overrides).map(|_| ())
}
