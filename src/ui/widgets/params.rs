//! The mode parameter editor (Strategies tab): a list of the selected mode's parameters as the
//! engine runs them (from the snapshot, so it stays live), one value edited in place at a time,
//! checked with the config's own validation before it is sent (a bad value shows its error and
//! sends nothing), Enter applies it live, Esc cancels, the save key asks to write the config.

use crate::config::params::{check_edit, EditCheck};
use crate::domain::Command;
use crate::engine::ModeView;
use crate::ui::fmt;
use crate::ui::keymap::{Action, Keymap};
use crate::ui::paint::Draw;
use crate::ui::theme::Theme;
use crate::ui::widgets::centered;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Editor state: which mode, which row, the text being typed, the last error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamEditor {
    pub mode: String,
    pub row: usize,
    /// The value being typed; `None` while moving between rows.
    pub input: Option<String>,
    /// Why the last value was refused (shown until the next key).
    pub error: Option<String>,
}

/// What a key did to the editor.
#[derive(Debug, Clone, PartialEq)]
pub enum EditorOutcome {
    /// Nothing for the app to do.
    Editing,
    Close,
    /// Apply: send this command (and show the message).
    Send(Command, String),
    /// Nothing changed (the value typed is the current one).
    Unchanged(String),
    /// Ask to save the config.
    Save,
}

impl ParamEditor {
    pub fn new(mode: &str) -> Self {
        ParamEditor { mode: mode.to_string(), row: 0, input: None, error: None }
    }

    /// Handles a key against the mode's parameters as shown now.
    pub fn handle_key(&mut self, key: &KeyEvent, params: &[(String, String)], keymap: &Keymap) -> EditorOutcome {
        self.row = self.row.min(params.len().saturating_sub(1));
        if let Some(input) = self.input.as_mut() {
            match key.code {
                KeyCode::Esc => {
                    self.input = None;
                    self.error = None;
                }
                KeyCode::Enter => return self.commit(params),
                KeyCode::Backspace => {
                    input.pop();
                    self.error = None;
                }
                KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                    input.clear();
                    self.error = None;
                }
                KeyCode::Char(c) if !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
                    if input.chars().count() < 40 {
                        input.push(c);
                    }
                    self.error = None;
                }
                _ => {}
            }
            return EditorOutcome::Editing;
        }
        self.error = None;
        match keymap.action(&crate::ui::keymap::Key::from_event(key)) {
            Some(Action::Down) => self.row = (self.row + 1).min(params.len().saturating_sub(1)),
            Some(Action::Up) => self.row = self.row.saturating_sub(1),
            Some(Action::Close) => return EditorOutcome::Close,
            Some(Action::SaveConfig) => return EditorOutcome::Save,
            Some(Action::Open | Action::EditParams | Action::ToggleModeEnabled) => {
                if let Some((_, v)) = params.get(self.row) {
                    self.input = Some(v.clone());
                }
            }
            _ => {}
        }
        EditorOutcome::Editing
    }

    /// Checks the typed value; a valid change becomes `SetModeParams` with the text as typed
    /// (the engine reads it as the parameter's type and validates again).
    fn commit(&mut self, params: &[(String, String)]) -> EditorOutcome {
        let (Some(text), Some((key, _))) = (self.input.as_deref(), params.get(self.row)) else {
            self.input = None;
            return EditorOutcome::Editing;
        };
        let text = text.trim().to_string();
        let message = match check_edit(&self.mode, params, key, &text) {
            Err(e) => {
                self.error = Some(e);
                return EditorOutcome::Editing;
            }
            Ok(EditCheck::Unchanged) => {
                self.input = None;
                return EditorOutcome::Unchanged(format!("{} {key}: unchanged", self.mode));
            }
            Ok(EditCheck::Change(c)) => format!("applying {} {key} = {}", self.mode, c.new),
            Ok(EditCheck::Unknown) => format!("applying {} {key} = {text} (checked by the engine)", self.mode),
        };
        self.input = None;
        let params = serde_json::Value::Object(serde_json::Map::from_iter([(key.clone(), text.into())]));
        EditorOutcome::Send(Command::SetModeParams { mode: self.mode.clone(), params }, message)
    }

    /// The popup over `area` for `mode` (its state line, then one row per parameter).
    pub fn draw(&self, buf: &mut Buffer, area: Rect, t: &Theme, mode: &ModeView, keymap: &Keymap) {
        let key_w = mode.params.iter().map(|(k, _)| k.len()).max().unwrap_or(8).max(8);
        let h = mode.params.len() as u16 + 6;
        let popup = centered(area, 64.max(key_w as u16 + 30), h);
        if popup.height < 3 {
            return;
        }
        buf.render_widget(Clear, popup);
        let rows = (popup.height as usize).saturating_sub(6);
        // Keep the selected row in view on short screens.
        let first = self.row.saturating_sub(rows.saturating_sub(1));
        let mut lines = Vec::with_capacity(rows + 4);
        let state =
            [(mode.enabled, "enabled", "disabled"), (mode.locked, "locked", ""), (mode.active, "ACTIVE", "idle")];
        let state: Vec<&str> =
            state.iter().map(|(b, y, n)| if *b { *y } else { *n }).filter(|s| !s.is_empty()).collect();
        lines.push(Line::from(vec![Span::styled("state ", t.dim), Span::styled(state.join(" · "), t.text)]));
        if mode.params.is_empty() {
            lines.push(Line::from(Span::styled("this mode has no parameters", t.dim)));
        }
        let value_w = (popup.width as usize).saturating_sub(key_w + 6);
        for (i, (k, v)) in mode.params.iter().enumerate().skip(first).take(rows) {
            let selected = i == self.row;
            let (value, style) = match (&self.input, selected) {
                (Some(text), true) => (format!("{text}▏"), t.key),
                _ => (v.clone(), t.text),
            };
            lines.push(Line::from(vec![
                Span::styled(if selected { "› " } else { "  " }, t.key),
                Span::styled(format!("{k:<key_w$} "), if selected { t.selected } else { t.dim }),
                Span::styled(fmt::clip(&value, value_w), style),
            ]));
        }
        lines.push(Line::default());
        let hint = |a: Action| keymap.hint(a);
        lines.push(match (&self.error, &self.input) {
            (Some(e), _) => Line::from(vec![Span::styled("✗ ", t.down), Span::styled(e.clone(), t.warn)]),
            (None, Some(_)) => Line::from(Span::styled("type a value · Enter apply live · Esc cancel", t.dim)),
            (None, None) => Line::from(Span::styled(
                format!(
                    "{}/{} select · {} edit · {} save to config · {} close",
                    hint(Action::Down),
                    hint(Action::Up),
                    hint(Action::Open),
                    hint(Action::SaveConfig),
                    hint(Action::Close)
                ),
                t.dim,
            )),
        });
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .title(Span::styled(format!(" Parameters: {} ", mode.name), t.title));
        // No trimming: the rows' leading marks keep the columns aligned; a long error wraps.
        buf.render_widget(Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }).block(block), popup);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shown() -> Vec<(String, String)> {
        // The trend mode as the engine shows it: every key of its config but `enabled`.
        let Ok(serde_json::Value::Object(map)) = serde_json::to_value(crate::strategy::PullbackConfig::default())
        else {
            panic!()
        };
        map.iter()
            .filter(|(k, _)| *k != "enabled")
            .map(|(k, v)| (k.clone(), crate::config::params::value_text(v)))
            .collect()
    }

    fn press(ed: &mut ParamEditor, params: &[(String, String)], keys: &[KeyCode]) -> Vec<EditorOutcome> {
        let map = Keymap::default();
        keys.iter().map(|k| ed.handle_key(&KeyEvent::new(*k, KeyModifiers::NONE), params, &map)).collect()
    }

    fn typed(s: &str) -> Vec<KeyCode> {
        s.chars().map(KeyCode::Char).collect()
    }

    #[test]
    fn edit_in_place_sends_the_typed_text_for_the_selected_key() {
        let params = shown();
        let row = params.iter().position(|(k, _)| k == "pullback_atr").unwrap();
        let mut ed = ParamEditor::new("trend");
        press(&mut ed, &params, &vec![KeyCode::Down; row]);
        press(&mut ed, &params, &[KeyCode::Enter]);
        assert_eq!(ed.input.as_deref(), Some("0.5"), "editing starts from the current value");
        press(&mut ed, &params, &[KeyCode::Backspace, KeyCode::Backspace, KeyCode::Backspace]);
        press(&mut ed, &params, &typed("1.2"));
        let out = press(&mut ed, &params, &[KeyCode::Enter]).pop().unwrap();
        let expect = Command::SetModeParams { mode: "trend".into(), params: json!({"pullback_atr": "1.2"}) };
        assert_eq!(out, EditorOutcome::Send(expect, "applying trend pullback_atr = 1.2".into()));
        assert_eq!(ed.input, None);
    }

    #[test]
    fn a_bad_value_shows_its_error_and_sends_nothing() {
        let params = shown();
        let row = params.iter().position(|(k, _)| k == "min_adx").unwrap();
        let mut ed = ParamEditor { row, ..ParamEditor::new("trend") };
        press(&mut ed, &params, &[KeyCode::Enter]);
        let ctrl_u = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL);
        ed.handle_key(&ctrl_u, &params, &Keymap::default());
        press(&mut ed, &params, &typed("120"));
        let out = press(&mut ed, &params, &[KeyCode::Enter]);
        assert_eq!(out, vec![EditorOutcome::Editing]);
        assert_eq!(ed.error.as_deref(), Some("strategy.modes.trend.min_adx must be within [0, 100], got 120"));
        assert_eq!(ed.input.as_deref(), Some("120"), "the text stays to be fixed");
        // Esc drops the edit, a second Esc closes the editor.
        assert_eq!(
            press(&mut ed, &params, &[KeyCode::Esc, KeyCode::Esc]),
            vec![EditorOutcome::Editing, EditorOutcome::Close]
        );
        // The same value again is not sent.
        let mut ed = ParamEditor { row, ..ParamEditor::new("trend") };
        let out = press(&mut ed, &params, &[KeyCode::Enter, KeyCode::Enter]).pop().unwrap();
        assert_eq!(out, EditorOutcome::Unchanged("trend min_adx: unchanged".into()));
        // `w` asks to save (not while typing: there it is text).
        assert_eq!(press(&mut ed, &params, &typed("w")), vec![EditorOutcome::Save]);
    }
}
