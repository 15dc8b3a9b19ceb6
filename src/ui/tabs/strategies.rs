//! Strategies: every trading mode (enabled/locked/active, last signal and reason, trades, PnL,
//! win rate, time active), the mode-switch timeline, each market's regime with its inputs, and
//! the selected mode's parameters.

use super::header;
use crate::engine::Snapshot;
use crate::ui::app::{App, Tab};
use crate::ui::fmt;
use crate::ui::widgets::block;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

pub fn draw(app: &App, frame: &mut Frame, area: Rect, snap: &Snapshot) {
    if area.height == 0 {
        return;
    }
    let t = &app.theme;
    let modes = &snap.strategy.modes;
    let table_h = (modes.len() as u16 + 3).min(area.height.saturating_sub(area.height / 3).max(3));
    let [top, bottom] = Layout::vertical([Constraint::Length(table_h), Constraint::Min(0)]).areas(area);
    let wide = area.width >= 120;

    let rows = modes.iter().map(|m| {
        let win = if m.trades > 0 { format!("{:.0}%", 100.0 * m.wins as f64 / m.trades as f64) } else { "—".into() };
        let mut cells = vec![
            Cell::from(m.name.clone()),
            Cell::from(if m.enabled { Span::styled("✓ on", t.ok) } else { Span::styled("✗ off", t.dim) }),
            Cell::from(if m.locked { Span::styled("LOCKED", t.warn) } else { Span::raw("") }),
            Cell::from(if m.active { Span::styled("● ACTIVE", t.key) } else { Span::styled("○", t.dim) }),
            Cell::from(m.last_signal.clone().unwrap_or_else(|| "—".into())),
        ];
        if wide {
            cells.push(Cell::from(m.last_reason.clone().unwrap_or_default()));
        }
        cells.extend([
            Cell::from(m.trades.to_string()),
            Cell::from(Span::styled(fmt::signed_money(m.pnl), t.signed(m.pnl.to_f64()))),
            Cell::from(win),
            Cell::from(fmt::duration(m.active_ms)),
        ]);
        Row::new(cells)
    });
    let mut cols = vec!["Mode", "On", "Lock", "Active", "Last signal"];
    let mut widths = vec![
        Constraint::Length(14),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(8),
        Constraint::Length(11),
    ];
    if wide {
        cols.push("Reason");
        widths.push(Constraint::Min(20));
    }
    cols.extend([if wide { "Trades" } else { "Trd" }, "PnL", "Win", "Active"]);
    widths.extend([
        Constraint::Length(if wide { 6 } else { 3 }),
        Constraint::Length(9),
        Constraint::Length(4),
        Constraint::Length(7),
    ]);
    let auto = if snap.strategy.auto_switch { "auto-switch ON" } else { "auto-switch OFF" };
    let paused = if snap.strategy.automation_paused { " · PAUSED" } else { "" };
    let title = format!("Modes · {auto}{paused} · e enable · l lock · a auto · space pause");
    let table =
        Table::new(rows, widths).header(header(&cols, t)).row_highlight_style(t.selected).block(block(&title, t));
    let mut state = TableState::default().with_selected(app.selected(Tab::Strategies, modes.len()));
    frame.render_stateful_widget(table, top, &mut state);
    if bottom.height < 3 {
        return;
    }

    let [timeline, right] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(bottom);
    let rows = snap.strategy.switches.iter().map(|(ts, sym, from, to, why)| {
        Row::new(vec![
            Cell::from(fmt::utc_time(*ts)),
            Cell::from(sym.clone()),
            Cell::from(Line::from(vec![
                Span::styled(from.clone(), t.dim),
                Span::raw(" → "),
                Span::styled(to.clone(), t.key),
            ])),
            Cell::from(why.clone()),
        ])
    });
    let switch_w =
        snap.strategy.switches.iter().map(|s| s.2.chars().count() + s.3.chars().count() + 3).max().unwrap_or(6);
    let table = Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(switch_w.min(32) as u16),
            Constraint::Min(10),
        ],
    )
    .header(header(&["Time", "Symbol", "Switch", "Why"], t))
    .block(block("Mode switches", t));
    // With room to spare, every mode's parameters go under the timeline.
    let switches_h = snap.strategy.switches.len() as u16 + 3;
    if timeline.height >= switches_h + 5 {
        let [sw, params] = Layout::vertical([Constraint::Length(switches_h), Constraint::Min(0)]).areas(timeline);
        frame.render_widget(table, sw);
        draw_params(app, frame, params, snap);
    } else {
        frame.render_widget(table, timeline);
    }

    let mut lines: Vec<Line> = Vec::new();
    for m in &snap.markets {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<9}", m.symbol.as_str()), t.title),
            Span::styled(format!("{} ", m.regime), t.key),
            Span::styled(format!("confidence {:.0}%", m.regime_confidence * 100.0), t.dim),
        ]));
        let inputs: Vec<String> = m.indicators.iter().map(|(k, v)| format!("{k} {}", fmt::amount(*v, 2))).collect();
        if !inputs.is_empty() {
            lines.push(Line::from(Span::styled(format!("  {}", inputs.join(" · ")), t.text)));
        }
    }
    if let Some(i) = app.selected(Tab::Strategies, modes.len()) {
        let m = &modes[i];
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(format!("{} parameters (Enter for details)", m.name), t.header)));
        let params: Vec<String> = m.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        lines.push(Line::from(Span::styled(params.join("  "), t.text)));
        if let Some(reason) = &m.last_reason {
            lines.push(Line::from(vec![Span::styled("reason ", t.dim), Span::styled(reason.clone(), t.text)]));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(block("Regime & inputs", t)), right);
}

/// Parameters of every mode, one row each, the selected mode highlighted.
fn draw_params(app: &App, frame: &mut Frame, area: Rect, snap: &Snapshot) {
    let t = &app.theme;
    let selected = app.selected(Tab::Strategies, snap.strategy.modes.len());
    let rows = snap.strategy.modes.iter().enumerate().map(|(i, m)| {
        let params: Vec<String> = m.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let style = if Some(i) == selected { t.key } else { t.text };
        Row::new(vec![
            Cell::from(Span::styled(m.name.clone(), style)),
            Cell::from(Span::styled(params.join("  "), t.text)),
        ])
    });
    let table = Table::new(rows, [Constraint::Length(15), Constraint::Min(10)])
        .header(header(&["Mode", "Parameters"], t))
        .block(block("Parameters (from the config)", t));
    frame.render_widget(table, area);
}
