//! `App`: the UI's own state (tab, selections, dialogs) and the two things it does — turn keys
//! into `Command`s and draw a `Snapshot`. It holds no trading state. Destructive commands wait in
//! a `Confirm` (data, gitui-style) until `y`/Enter.

use crate::domain::{Command, Interval, Symbol};
use crate::engine::Snapshot;
use crate::ui::keymap::{Action, Key, Keymap};
use crate::ui::theme::Theme;
use crate::ui::widgets::params::{EditorOutcome, ParamEditor};
use crate::ui::widgets::ticket::{Ticket, TicketOutcome};
use crate::ui::{chrome, tabs, UiConfig};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::Frame;

/// The four screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Overview,
    Strategies,
    Execution,
    Risk,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Overview, Tab::Strategies, Tab::Execution, Tab::Risk];
    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Strategies => "Strategies",
            Tab::Execution => "Execution",
            Tab::Risk => "Risk",
        }
    }
    fn index(self) -> usize {
        self as usize
    }
}

/// A command waiting for the operator's yes.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub title: String,
    pub message: String,
    pub command: Command,
}

/// Display intervals `i` cycles through (candles are aggregated for display only).
const DISPLAY_INTERVALS: [Interval; 5] = [Interval::M1, Interval::M5, Interval::M15, Interval::H1, Interval::H4];

pub struct App {
    pub(crate) keymap: Keymap,
    pub(crate) theme: Theme,
    pub(crate) tab: Tab,
    /// Selected row per tab (clamped to the data at use).
    pub(crate) sel: [usize; 4],
    pub(crate) symbol: usize,
    /// Index into `DISPLAY_INTERVALS`; 0 shows the engine's own interval.
    pub(crate) interval: usize,
    pub(crate) help: bool,
    pub(crate) detail: bool,
    pub(crate) ticket: Option<Ticket>,
    /// The mode parameter editor (Strategies), over the tab while open.
    pub(crate) editor: Option<ParamEditor>,
    pub(crate) confirm: Option<Confirm>,
    /// One-line feedback on the last action (sent, cancelled, nothing to do).
    pub(crate) flash: Option<String>,
    /// Problems with the UI config (bad key overrides), shown in the log pane.
    pub(crate) warnings: Vec<String>,
    /// Time the last frame took to build and write (µs), shown on the status line.
    pub(crate) frame_us: f64,
    quit: bool,
}

impl App {
    pub fn new(config: &UiConfig) -> Self {
        Self::with_theme(config, Theme::from_env())
    }

    pub fn with_theme(config: &UiConfig, theme: Theme) -> Self {
        let (keymap, warnings) = match Keymap::with_overrides(&config.keymap_overrides) {
            Ok(k) => (k, Vec::new()),
            Err(e) => (Keymap::default(), vec![format!("key overrides ignored: {e}")]),
        };
        App {
            keymap,
            theme,
            tab: Tab::Overview,
            sel: [0; 4],
            symbol: 0,
            interval: 0,
            help: false,
            detail: false,
            ticket: None,
            editor: None,
            confirm: None,
            flash: None,
            warnings,
            frame_us: 0.0,
            quit: false,
        }
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    pub fn tab(&self) -> Tab {
        self.tab
    }

    pub fn help_visible(&self) -> bool {
        self.help
    }

    pub fn pending_confirm(&self) -> Option<&Confirm> {
        self.confirm.as_ref()
    }

    pub fn ticket_open(&self) -> bool {
        self.ticket.is_some()
    }

    /// The mode whose parameters the editor shows, when it is open.
    pub fn editor_mode(&self) -> Option<&str> {
        self.editor.as_ref().map(|e| e.mode.as_str())
    }

    /// Selected row of the current tab, clamped to `len` (None when empty).
    pub(crate) fn selected(&self, tab: Tab, len: usize) -> Option<usize> {
        (len > 0).then(|| self.sel[tab.index()].min(len - 1))
    }

    /// The symbol `s` selected (index into the snapshot's markets).
    pub(crate) fn symbol_index(&self, snap: &Snapshot) -> Option<usize> {
        (!snap.markets.is_empty()).then(|| self.symbol % snap.markets.len())
    }

    pub(crate) fn selected_symbol(&self, snap: &Snapshot) -> Option<Symbol> {
        self.symbol_index(snap).map(|i| snap.markets[i].symbol)
    }

    /// Interval to show candles at, `None` = as the engine sends them.
    pub(crate) fn display_interval(&self) -> Option<Interval> {
        (self.interval > 0).then(|| DISPLAY_INTERVALS[self.interval % DISPLAY_INTERVALS.len()])
    }

    fn rows(&self, tab: Tab, snap: &Snapshot) -> usize {
        match tab {
            Tab::Overview => snap.positions.len(),
            Tab::Strategies => snap.strategy.modes.len(),
            Tab::Execution => snap.open_orders.len(),
            Tab::Risk => snap.alerts.len(),
        }
    }

    /// Handles one key press; returns the commands to send (usually none or one).
    pub fn handle_key(&mut self, key: KeyEvent, snap: &Snapshot) -> Vec<Command> {
        // Ctrl-C always quits (in raw mode it is the terminal's SIGINT).
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return Vec::new();
        }
        if let Some(confirm) = self.confirm.take() {
            return match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                    self.flash = Some(format!("sent: {}", confirm.title));
                    vec![confirm.command]
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                    self.flash = Some(format!("not sent: {}", confirm.title));
                    Vec::new()
                }
                _ => {
                    self.confirm = Some(confirm);
                    Vec::new()
                }
            };
        }
        if let Some(ticket) = self.ticket.as_mut() {
            let known: Vec<Symbol> = snap.markets.iter().map(|m| m.symbol).collect();
            match ticket.handle_key(&key, &known) {
                TicketOutcome::Editing => {}
                TicketOutcome::Close => self.ticket = None,
                TicketOutcome::Submit(order) => {
                    self.ticket = None;
                    let what = format!(
                        "{} {} {} {}{}",
                        order.side,
                        order.qty,
                        order.symbol,
                        match (order.price, order.trigger_price) {
                            (Some(p), _) => format!("@ {p}"),
                            (None, _) => "at market".to_string(),
                        },
                        order.trigger_price.map(|t| format!(" when {t}")).unwrap_or_default()
                    );
                    let command = Command::PlaceOrder(order);
                    if snap.live {
                        self.confirm = Some(Confirm {
                            title: "LIVE order".into(),
                            message: format!("Send to LIVE venue {}: {what}?", snap.venue),
                            command,
                        });
                        return Vec::new();
                    }
                    self.flash = Some(format!("sent order: {what}"));
                    return vec![command];
                }
            }
            return Vec::new();
        }
        if let Some(editor) = self.editor.as_mut() {
            let params = snap.strategy.modes.iter().find(|m| m.name == editor.mode).map(|m| m.params.as_slice());
            match editor.handle_key(&key, params.unwrap_or(&[]), &self.keymap) {
                EditorOutcome::Editing => {}
                EditorOutcome::Close => self.editor = None,
                EditorOutcome::Unchanged(msg) => self.flash = Some(msg),
                EditorOutcome::Send(command, msg) => {
                    self.flash = Some(msg);
                    return vec![command];
                }
                EditorOutcome::Save => self.confirm = Some(save_confirm()),
            }
            return Vec::new();
        }
        let Some(action) = self.keymap.action(&Key::from_event(&key)) else { return Vec::new() };
        if self.help {
            match action {
                Action::Quit => self.quit = true,
                Action::Help | Action::Close => self.help = false,
                _ => {}
            }
            return Vec::new();
        }
        self.act(action, snap)
    }

    fn act(&mut self, action: Action, snap: &Snapshot) -> Vec<Command> {
        let tab_i = self.tab.index();
        match action {
            Action::TabOverview => self.switch(Tab::Overview),
            Action::TabStrategies => self.switch(Tab::Strategies),
            Action::TabExecution => self.switch(Tab::Execution),
            Action::TabRisk => self.switch(Tab::Risk),
            Action::NextTab => self.switch(Tab::ALL[(tab_i + 1) % 4]),
            Action::PrevTab => self.switch(Tab::ALL[(tab_i + 3) % 4]),
            Action::Down => {
                let n = self.rows(self.tab, snap);
                if n > 0 {
                    self.sel[tab_i] = (self.sel[tab_i].min(n - 1) + 1).min(n - 1);
                }
            }
            Action::Up => {
                self.sel[tab_i] = self.sel[tab_i].min(self.rows(self.tab, snap).saturating_sub(1)).saturating_sub(1)
            }
            Action::Open if self.tab == Tab::Strategies => self.open_editor(snap),
            Action::Open => self.detail = self.rows(self.tab, snap) > 0,
            Action::EditParams => {
                if self.tab == Tab::Strategies {
                    self.open_editor(snap)
                } else {
                    self.flash = Some("parameters are edited on the Strategies tab (2)".into());
                }
            }
            Action::SaveConfig => self.confirm = Some(save_confirm()),
            Action::Rebalance => match &snap.rebalance {
                Some(view) => self.confirm = Some(rebalance_confirm(view)),
                None => {
                    self.flash = Some("no rebalance targets: set [execution.rebalance] targets in the config".into())
                }
            },
            Action::Close => self.detail = false,
            Action::Help => self.help = true,
            Action::Quit => self.quit = true,
            Action::ToggleAutoSwitch => {
                let enabled = !snap.strategy.auto_switch;
                self.flash = Some(format!("auto switching {}", if enabled { "on" } else { "off" }));
                return vec![Command::SetAutoSwitch { enabled }];
            }
            Action::ToggleAutomation => {
                let paused = snap.strategy.automation_paused;
                self.flash = Some(if paused { "resuming automation" } else { "pausing automation" }.into());
                return vec![if paused { Command::ResumeAutomation } else { Command::PauseAutomation }];
            }
            Action::ToggleModeEnabled | Action::ToggleModeLock => {
                if self.tab != Tab::Strategies {
                    self.flash = Some("modes are toggled on the Strategies tab (2)".into());
                    return Vec::new();
                }
                let modes = &snap.strategy.modes;
                let Some(i) = self.selected(Tab::Strategies, modes.len()) else { return Vec::new() };
                let mode = &modes[i];
                return if action == Action::ToggleModeEnabled {
                    self.flash =
                        Some(format!("{} mode {}", if mode.enabled { "disabling" } else { "enabling" }, mode.name));
                    vec![Command::SetModeEnabled { mode: mode.name.clone(), enabled: !mode.enabled }]
                } else {
                    self.flash =
                        Some(format!("{} mode {}", if mode.locked { "unlocking" } else { "locking" }, mode.name));
                    vec![Command::LockMode { mode: if mode.locked { None } else { Some(mode.name.clone()) } }]
                };
            }
            Action::OrderTicket => match self.selected_symbol(snap) {
                Some(sym) => self.ticket = Some(Ticket::new(sym)),
                None => self.flash = Some("no market yet: nothing to trade".into()),
            },
            Action::CancelOrder => {
                let orders = &snap.open_orders;
                match self.selected(Tab::Execution, orders.len()) {
                    Some(i) => {
                        let o = &orders[i];
                        let px = o.price.or(o.trigger_price).map(|p| format!(" @ {p}")).unwrap_or_default();
                        self.confirm = Some(Confirm {
                            title: "Cancel order".into(),
                            message: format!(
                                "Cancel {} — {} {} {}{px}?",
                                o.client_order_id(),
                                o.side(),
                                o.remaining(),
                                o.symbol()
                            ),
                            command: Command::CancelOrder { client_order_id: o.client_order_id() },
                        });
                    }
                    None => self.flash = Some("no working order to cancel".into()),
                }
            }
            Action::CancelAll => {
                if snap.open_orders.is_empty() {
                    self.flash = Some("no working orders".into());
                } else {
                    self.confirm = Some(Confirm {
                        title: "Cancel all".into(),
                        message: format!("Cancel all {} working orders on every symbol?", snap.open_orders.len()),
                        command: Command::CancelAll { symbol: None },
                    });
                }
            }
            Action::Flatten => {
                let symbol = if self.tab == Tab::Overview {
                    self.selected(Tab::Overview, snap.positions.len()).map(|i| snap.positions[i].position.symbol)
                } else {
                    None
                }
                .or_else(|| self.selected_symbol(snap));
                let Some(symbol) = symbol else { return Vec::new() };
                let pos = snap.positions.iter().find(|p| p.position.symbol == symbol && !p.position.is_flat());
                let message = match pos {
                    Some(p) => {
                        format!("Flatten {symbol}: close position {} at market and cancel its orders?", p.position.size)
                    }
                    None => format!("Flatten {symbol}: no open position; cancel its orders?"),
                };
                self.confirm =
                    Some(Confirm { title: format!("Flatten {symbol}"), message, command: Command::Flatten { symbol } });
            }
            Action::KillSwitch => {
                let engage = !snap.risk.kill_switch;
                self.confirm = Some(if engage {
                    Confirm {
                        title: "Kill switch".into(),
                        message: "ENGAGE the kill switch: cancel every order, flatten every position and halt trading?"
                            .into(),
                        command: Command::KillSwitch { engage: true },
                    }
                } else {
                    Confirm {
                        title: "Release kill switch".into(),
                        message: "Release the kill switch and allow trading again?".into(),
                        command: Command::KillSwitch { engage: false },
                    }
                });
            }
            Action::NextSymbol => {
                if !snap.markets.is_empty() {
                    self.symbol = (self.symbol % snap.markets.len() + 1) % snap.markets.len();
                }
            }
            Action::NextInterval => self.interval = (self.interval + 1) % DISPLAY_INTERVALS.len(),
        }
        Vec::new()
    }

    fn open_editor(&mut self, snap: &Snapshot) {
        let modes = &snap.strategy.modes;
        if let Some(i) = self.selected(Tab::Strategies, modes.len()) {
            self.editor = Some(ParamEditor::new(&modes[i].name));
        }
    }

    fn switch(&mut self, tab: Tab) {
        self.tab = tab;
        self.detail = false;
    }

    /// Draws the whole screen for `snap` into a ratatui `Frame` (tests, benches, `Terminal`).
    pub fn draw(&mut self, frame: &mut Frame, snap: &Snapshot) {
        let area = frame.area();
        self.render(area, frame.buffer_mut(), snap);
    }

    /// Draws the whole screen for `snap` into `area` of `buf` (the frame loop's own buffer).
    pub fn render(&mut self, area: Rect, buf: &mut Buffer, snap: &Snapshot) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let layout = chrome::split(area);
        chrome::draw_tabs(self, buf, layout.tabs, snap);
        match self.tab {
            Tab::Overview => tabs::overview::draw(self, buf, layout.body, snap),
            Tab::Strategies => tabs::strategies::draw(self, buf, layout.body, snap),
            Tab::Execution => tabs::execution::draw(self, buf, layout.body, snap),
            Tab::Risk => tabs::risk::draw(self, buf, layout.body, snap),
        }
        chrome::draw_log(self, buf, layout.log, snap);
        chrome::draw_status(self, buf, layout.status, snap);
        if self.detail {
            chrome::draw_detail(self, buf, area, snap);
        }
        if let Some(editor) = &self.editor {
            if let Some(mode) = snap.strategy.modes.iter().find(|m| m.name == editor.mode) {
                editor.draw(buf, area, &self.theme, mode, &self.keymap);
            }
        }
        if let Some(ticket) = &self.ticket {
            let info = chrome::ticket_info(self, snap, ticket);
            ticket.draw(buf, area, &self.theme, &snap.venue, snap.live, &info);
        }
        if self.help {
            chrome::draw_help(self, buf, area);
        }
        if let Some(confirm) = &self.confirm {
            chrome::draw_confirm(&self.theme, buf, area, confirm, &snap.venue, snap.live);
        }
    }
}

/// Writing the config asks first: the file is replaced (its old text kept as `.bak`).
fn save_confirm() -> Confirm {
    Confirm {
        title: "Save config".into(),
        message: "Write the running mode parameters to the config file? The old file is kept as .bak.".into(),
        command: Command::SaveConfig,
    }
}

/// The rebalance asks first, showing the orders the engine worked out for the configured
/// targets at the snapshot's prices (one per line), then sends those targets.
fn rebalance_confirm(view: &crate::engine::RebalanceView) -> Confirm {
    let mut lines: Vec<String> = view.orders.clone();
    if lines.is_empty() {
        lines.push("nothing to trade now".into());
    }
    lines.extend(view.notes.iter().cloned());
    let targets: Vec<String> = view.targets.iter().map(|(s, w)| format!("{s} {:.1}%", w.to_f64() * 100.0)).collect();
    lines.push(format!("targets: {} (band {:.1}%)", targets.join(", "), view.band.to_f64() * 100.0));
    Confirm {
        title: "Rebalance".into(),
        message: lines.join("\n"),
        command: Command::Rebalance { targets: view.targets.clone() },
    }
}

impl App {
    /// Shows a one-line message in the status bar (replaced by the next action's).
    pub fn set_flash(&mut self, message: &str) {
        self.flash = Some(message.to_string());
    }
}
