//! The one keymap: data from key to action. The help overlay is generated from it and the
//! config may override any binding by action name (`UiConfig::keymap_overrides`).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

/// Everything a key can ask the workstation to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    TabOverview,
    TabStrategies,
    TabExecution,
    TabRisk,
    NextTab,
    PrevTab,
    Down,
    Up,
    Open,
    Close,
    Help,
    Quit,
    ToggleAutoSwitch,
    ToggleAutomation,
    ToggleModeEnabled,
    ToggleModeLock,
    OrderTicket,
    CancelOrder,
    CancelAll,
    Flatten,
    KillSwitch,
    NextSymbol,
    NextInterval,
    EditParams,
    SaveConfig,
    Rebalance,
}

impl Action {
    pub const ALL: [Action; 26] = [
        Action::TabOverview,
        Action::TabStrategies,
        Action::TabExecution,
        Action::TabRisk,
        Action::NextTab,
        Action::PrevTab,
        Action::Down,
        Action::Up,
        Action::Open,
        Action::Close,
        Action::Help,
        Action::Quit,
        Action::ToggleAutoSwitch,
        Action::ToggleAutomation,
        Action::ToggleModeEnabled,
        Action::ToggleModeLock,
        Action::OrderTicket,
        Action::CancelOrder,
        Action::CancelAll,
        Action::Flatten,
        Action::KillSwitch,
        Action::NextSymbol,
        Action::NextInterval,
        Action::EditParams,
        Action::SaveConfig,
        Action::Rebalance,
    ];

    /// The name used in the config (`[ui.keys] cancel_all = "C"`).
    pub fn name(self) -> &'static str {
        match self {
            Action::TabOverview => "tab_overview",
            Action::TabStrategies => "tab_strategies",
            Action::TabExecution => "tab_execution",
            Action::TabRisk => "tab_risk",
            Action::NextTab => "next_tab",
            Action::PrevTab => "prev_tab",
            Action::Down => "down",
            Action::Up => "up",
            Action::Open => "open",
            Action::Close => "close",
            Action::Help => "help",
            Action::Quit => "quit",
            Action::ToggleAutoSwitch => "toggle_auto_switch",
            Action::ToggleAutomation => "toggle_automation",
            Action::ToggleModeEnabled => "toggle_mode_enabled",
            Action::ToggleModeLock => "toggle_mode_lock",
            Action::OrderTicket => "order_ticket",
            Action::CancelOrder => "cancel_order",
            Action::CancelAll => "cancel_all",
            Action::Flatten => "flatten",
            Action::KillSwitch => "kill_switch",
            Action::NextSymbol => "next_symbol",
            Action::NextInterval => "next_interval",
            Action::EditParams => "edit_params",
            Action::SaveConfig => "save_config",
            Action::Rebalance => "rebalance",
        }
    }

    /// What the help overlay says about it.
    pub fn describe(self) -> &'static str {
        match self {
            Action::TabOverview => "Overview tab",
            Action::TabStrategies => "Strategies tab",
            Action::TabExecution => "Execution tab",
            Action::TabRisk => "Risk tab",
            Action::NextTab => "next tab",
            Action::PrevTab => "previous tab",
            Action::Down => "move selection down",
            Action::Up => "move selection up",
            Action::Open => "open details of the selection",
            Action::Close => "close dialog / overlay",
            Action::Help => "this help",
            Action::Quit => "quit",
            Action::ToggleAutoSwitch => "auto mode switching on/off",
            Action::ToggleAutomation => "pause/resume automation",
            Action::ToggleModeEnabled => "enable/disable selected mode (Strategies)",
            Action::ToggleModeLock => "lock/unlock selected mode (Strategies)",
            Action::OrderTicket => "manual order ticket",
            Action::CancelOrder => "cancel selected order (confirm)",
            Action::CancelAll => "cancel all orders (confirm)",
            Action::Flatten => "flatten selected symbol (confirm)",
            Action::KillSwitch => "kill switch engage/release (confirm)",
            Action::NextSymbol => "next symbol",
            Action::NextInterval => "next chart interval (display)",
            Action::EditParams => "edit selected mode's parameters (Strategies; also Enter)",
            Action::SaveConfig => "save mode parameters to the config file (confirm)",
            Action::Rebalance => "rebalance to the [execution.rebalance] targets (preview, confirm)",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// A key with its modifiers, normalised so that `K` and `shift-k` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            // Shift is already in the character (`K`); terminals differ in reporting it.
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Key { code, mods }
    }

    pub fn plain(code: KeyCode) -> Self {
        Key::new(code, KeyModifiers::NONE)
    }

    pub fn from_event(ev: &KeyEvent) -> Self {
        Key::new(ev.code, ev.modifiers)
    }

    /// Parses `K`, `k`, `ctrl-k`, `alt-x`, `tab`, `shift-tab`, `space`, `enter`, `esc`, `up`,
    /// `down`, `left`, `right`, `backspace`, `f5`, `?`.
    pub fn parse(text: &str) -> Result<Key, KeymapError> {
        let bad = || KeymapError::BadKey(text.to_string());
        let mut mods = KeyModifiers::NONE;
        let mut rest = text.trim();
        if rest.is_empty() {
            return Err(bad());
        }
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == len {
                break; // "ctrl-" alone is not a key; "-" handled below
            }
            mods |= m;
            rest = &rest[len..];
        }
        let lower = rest.to_ascii_lowercase();
        let code = match lower.as_str() {
            "tab" if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "backspace" => KeyCode::Backspace,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => {
                        if mods.contains(KeyModifiers::SHIFT) && c.is_ascii_alphabetic() {
                            KeyCode::Char(c.to_ascii_uppercase())
                        } else {
                            KeyCode::Char(c)
                        }
                    }
                    _ => match lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                        Some(n) if (1..=12).contains(&n) => KeyCode::F(n),
                        _ => return Err(bad()),
                    },
                }
            }
        };
        Ok(Key::new(code, mods))
    }
}

impl Key {
    /// The spelling `Key::parse` reads back (`ctrl-c`, `shift-tab`, `down`, `space`, `C`).
    pub fn config_name(&self) -> String {
        let mut out = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            out.push_str("ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            out.push_str("alt-");
        }
        match self.code {
            KeyCode::Char(' ') => out.push_str("space"),
            KeyCode::Char(c) => out.push(c),
            KeyCode::Tab => out.push_str("tab"),
            KeyCode::BackTab => out.push_str("shift-tab"),
            KeyCode::Enter => out.push_str("enter"),
            KeyCode::Esc => out.push_str("esc"),
            KeyCode::Up => out.push_str("up"),
            KeyCode::Down => out.push_str("down"),
            KeyCode::Left => out.push_str("left"),
            KeyCode::Right => out.push_str("right"),
            KeyCode::Backspace => out.push_str("backspace"),
            KeyCode::Home => out.push_str("home"),
            KeyCode::End => out.push_str("end"),
            KeyCode::PageUp => out.push_str("pageup"),
            KeyCode::PageDown => out.push_str("pagedown"),
            KeyCode::F(n) => out.push_str(&format!("f{n}")),
            other => out.push_str(&format!("{other:?}").to_ascii_lowercase()),
        }
        out
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A keymap override the config got wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("unknown key action `{0}` (known: tab_overview, next_tab, quit, cancel_all, ...)")]
    UnknownAction(String),
    #[error("cannot read key `{0}` (use e.g. `K`, `ctrl-k`, `tab`, `space`, `enter`, `f5`)")]
    BadKey(String),
    #[error("key `{key}` is given to both `{first}` and `{second}`")]
    Conflict { key: String, first: &'static str, second: &'static str },
}

/// Key → action bindings, in display order.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<(Key, Action)>,
}

impl Default for Keymap {
    fn default() -> Self {
        use Action::*;
        use KeyCode::{BackTab, Char, Enter, Esc, Tab};
        let c = |ch: char| Key::plain(Char(ch));
        let bindings = vec![
            (c('1'), TabOverview),
            (c('2'), TabStrategies),
            (c('3'), TabExecution),
            (c('4'), TabRisk),
            (Key::plain(Tab), NextTab),
            (Key::plain(BackTab), PrevTab),
            (c('j'), Action::Down),
            (Key::plain(KeyCode::Down), Action::Down),
            (c('k'), Action::Up),
            (Key::plain(KeyCode::Up), Action::Up),
            (Key::plain(Enter), Open),
            (Key::plain(Esc), Close),
            (c('?'), Help),
            (c('q'), Quit),
            (Key::new(Char('c'), KeyModifiers::CONTROL), Quit),
            (c('a'), ToggleAutoSwitch),
            (c(' '), ToggleAutomation),
            (c('e'), ToggleModeEnabled),
            (c('l'), ToggleModeLock),
            (c('o'), OrderTicket),
            (c('c'), CancelOrder),
            (c('C'), CancelAll),
            (c('F'), Flatten),
            (c('K'), KillSwitch),
            (c('s'), NextSymbol),
            (c('i'), NextInterval),
            (c('p'), EditParams),
            (c('w'), SaveConfig),
            (c('R'), Rebalance),
        ];
        Keymap { bindings }
    }
}

impl Keymap {
    /// The defaults with `(action name, keys)` overrides applied. `keys` is one key or several
    /// separated by spaces (`down = "j down"`); the first entry of an action replaces its default
    /// keys, later ones add keys; a key taken from another action's defaults leaves it, but two
    /// entries giving one key to different actions are a `Conflict`.
    pub fn with_overrides(overrides: &[(String, String)]) -> Result<Keymap, KeymapError> {
        let mut map = Keymap::default();
        let mut replaced: Vec<Action> = Vec::new();
        let mut given: Vec<(Key, Action)> = Vec::new();
        for (name, keys_text) in overrides {
            let action = Action::from_name(name.trim()).ok_or_else(|| KeymapError::UnknownAction(name.clone()))?;
            let keys = keys_text.split_whitespace().map(Key::parse).collect::<Result<Vec<_>, _>>()?;
            if keys.is_empty() {
                return Err(KeymapError::BadKey(keys_text.clone()));
            }
            if !replaced.contains(&action) {
                map.bindings.retain(|(_, a)| *a != action);
                replaced.push(action);
            }
            for key in keys {
                if let Some((_, other)) = given.iter().find(|(k, a)| *k == key && *a != action) {
                    return Err(KeymapError::Conflict {
                        key: key.config_name(),
                        first: other.name(),
                        second: action.name(),
                    });
                }
                given.push((key, action));
                map.bindings.retain(|(k, _)| *k != key);
                map.bindings.push((key, action));
            }
        }
        Ok(map)
    }

    /// Every action with its keys as the config spells them (`("down", "j down")`), in the order
    /// of `Action::ALL`: the `[ui.keys]` defaults that `config.example.toml` lists.
    pub fn config_table(&self) -> Vec<(&'static str, String)> {
        Action::ALL
            .into_iter()
            .map(|a| (a.name(), self.keys_for(a).iter().map(Key::config_name).collect::<Vec<_>>().join(" ")))
            .collect()
    }

    pub fn action(&self, key: &Key) -> Option<Action> {
        self.bindings.iter().find(|(k, _)| k == key).map(|(_, a)| *a)
    }

    /// Keys bound to an action, in binding order.
    pub fn keys_for(&self, action: Action) -> Vec<Key> {
        self.bindings.iter().filter(|(_, a)| *a == action).map(|(k, _)| *k).collect()
    }

    /// One help line per action that has a key: ("j / ↓", "move selection down").
    pub fn help_lines(&self) -> Vec<(String, &'static str)> {
        Action::ALL
            .into_iter()
            .filter_map(|a| {
                let keys = self.keys_for(a);
                if keys.is_empty() {
                    return None;
                }
                let text = keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(" / ");
                Some((text, a.describe()))
            })
            .collect()
    }

    /// Short hint for the status bar (first key of the action), e.g. `?`.
    pub fn hint(&self, action: Action) -> String {
        self.keys_for(action).first().map(|k| k.to_string()).unwrap_or_else(|| "-".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_table_round_trips_through_overrides() {
        let table = Keymap::default().config_table();
        assert_eq!(table.len(), Action::ALL.len());
        assert!(table.contains(&("down", "j down".to_string())), "{table:?}");
        assert!(table.contains(&("quit", "q ctrl-c".to_string())), "{table:?}");
        assert!(table.contains(&("prev_tab", "shift-tab".to_string())), "{table:?}");
        assert!(table.contains(&("toggle_automation", "space".to_string())), "{table:?}");
        let pairs: Vec<(String, String)> = table.iter().map(|(a, k)| (a.to_string(), k.clone())).collect();
        let again = Keymap::with_overrides(&pairs).unwrap();
        assert_eq!(again.config_table(), table);
        // Several keys for one action; an empty value is refused with the value.
        let m = Keymap::with_overrides(&[("quit".into(), "x ctrl-q".into())]).unwrap();
        assert_eq!(m.action(&Key::parse("x").unwrap()), Some(Action::Quit));
        assert_eq!(m.action(&Key::parse("ctrl-q").unwrap()), Some(Action::Quit));
        assert_eq!(m.action(&Key::parse("q").unwrap()), None);
        assert!(Keymap::with_overrides(&[("quit".into(), " ".into())]).is_err());
        // Two listed actions wanting one key is an error naming both; taking a default is not.
        let e = Keymap::with_overrides(&[("kill_switch".into(), "k".into()), ("up".into(), "k up".into())]);
        assert_eq!(e.unwrap_err().to_string(), "key `k` is given to both `kill_switch` and `up`");
        let m = Keymap::with_overrides(&[("kill_switch".into(), "k".into())]).unwrap();
        assert_eq!(m.action(&Key::parse("k").unwrap()), Some(Action::KillSwitch));
    }

    #[test]
    fn parses_and_normalises_keys() {
        assert_eq!(Key::parse("K").unwrap(), Key::plain(KeyCode::Char('K')));
        assert_eq!(Key::parse("shift-k").unwrap(), Key::plain(KeyCode::Char('K')));
        assert_eq!(Key::parse("ctrl-K").unwrap(), Key::new(KeyCode::Char('k'), KeyModifiers::CONTROL));
        assert_eq!(Key::parse("shift-tab").unwrap(), Key::plain(KeyCode::BackTab));
        assert_eq!(Key::parse("space").unwrap(), Key::plain(KeyCode::Char(' ')));
        assert_eq!(Key::parse("f5").unwrap(), Key::plain(KeyCode::F(5)));
        assert_eq!(Key::parse("-").unwrap(), Key::plain(KeyCode::Char('-')));
        assert!(matches!(Key::parse("ctrl-"), Err(KeymapError::BadKey(_))));
        assert!(matches!(Key::parse("banana"), Err(KeymapError::BadKey(b)) if b == "banana"));
        assert!(matches!(Key::parse(""), Err(KeymapError::BadKey(_))));
        // A terminal reports Shift+k as Char('K') with SHIFT: same key as "K".
        let ev = KeyEvent::new(KeyCode::Char('K'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Key::parse("K").unwrap());
        let ev = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(Keymap::default().action(&Key::from_event(&ev)), Some(Action::PrevTab));
    }

    #[test]
    fn overrides_replace_defaults_and_steal_keys() {
        let map = Keymap::with_overrides(&[
            ("kill_switch".into(), "ctrl-k".into()),
            ("cancel_all".into(), "x".into()),
            ("cancel_all".into(), "X".into()),
            ("quit".into(), "C".into()),
        ])
        .unwrap();
        let k = |s: &str| Key::parse(s).unwrap();
        assert_eq!(map.action(&k("ctrl-k")), Some(Action::KillSwitch));
        assert_eq!(map.action(&k("K")), None);
        assert_eq!(map.action(&k("x")), Some(Action::CancelAll));
        assert_eq!(map.action(&k("X")), Some(Action::CancelAll));
        // `C` moved from cancel_all to quit; `q` no longer quits.
        assert_eq!(map.action(&k("C")), Some(Action::Quit));
        assert_eq!(map.action(&k("q")), None);
        let err = Keymap::with_overrides(&[("launch_rockets".into(), "r".into())]).unwrap_err();
        assert!(err.to_string().contains("launch_rockets"));
    }

    #[test]
    fn help_is_generated_from_bindings() {
        let map = Keymap::default();
        let help = map.help_lines();
        let down = help.iter().find(|(_, d)| *d == "move selection down").unwrap();
        assert_eq!(down.0, "j / ↓");
        let quit = help.iter().find(|(_, d)| *d == "quit").unwrap();
        assert_eq!(quit.0, "q / ctrl-c");
        assert_eq!(help.len(), Action::ALL.len());
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(a));
        }
    }
}
