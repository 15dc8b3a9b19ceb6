//! Strategies: every trading mode (enabled/locked/active, last signal and reason, trades, PnL,
//! win rate, time active), the mode-switch timeline, each market's regime with its inputs, and
//! the selected mode's parameters.

use super::{header, header_aligned, num_cell, regime_text};
use crate::engine::Snapshot;
use crate::ui::app::{App, Tab};
use crate::ui::fmt;
use crate::ui::paint;
use crate::ui::paint::Draw;
use crate::ui::widgets::boxed;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

pub fn draw(app: &App, buf: &mut Buffer, area: Rect, snap: &Snapshot) {
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
            Cell::from(if m.locked { Span::styled("LOCKED", t.warn) } else { Span::styled("—", t.dim) }),
            Cell::from(if m.active { Span::styled("● ACTIVE", t.key) } else { Span::styled("○ idle", t.dim) }),
            num_cell(m.trades.to_string(), t.text),
            num_cell(fmt::signed_money(m.pnl), t.signed(m.pnl.to_f64())),
            num_cell(win, t.text),
            num_cell(fmt::duration(m.active_ms), t.text),
            Cell::from(m.last_signal.clone().unwrap_or_else(|| "none yet".into())),
        ];
        if wide {
            cells.push(Cell::from(m.last_reason.clone().unwrap_or_default()));
        }
        Row::new(cells)
    });
    // State and numbers first (fixed widths, right-aligned numbers), the free text last.
    let name_w = modes.iter().map(|m| m.name.chars().count()).max().unwrap_or(4).clamp(6, 16) as u16;
    let mut cols = vec!["Mode", "On", "Lock", "State", "Trades", "PnL", "Win", "Active", "Last signal"];
    let mut widths = vec![
        Constraint::Length(name_w),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Length(9),
        Constraint::Length(4),
        Constraint::Length(7),
        if wide { Constraint::Length(14) } else { Constraint::Min(8) },
    ];
    if wide {
        cols.push("Reason");
        widths.push(Constraint::Min(20));
    }
    let right: Vec<usize> = (4..8).collect();
    let auto = if snap.strategy.auto_switch { "auto-switch ON" } else { "auto-switch OFF" };
    let paused = if snap.strategy.automation_paused { " · PAUSED" } else { "" };
    let title = format!("Modes · {auto}{paused} · e enable · l lock · a auto · space pause · Enter parameters");
    let table = Table::new(rows, widths)
        .header(header_aligned(&cols, &right, t))
        .column_spacing(if wide { 2 } else { 1 })
        .row_highlight_style(t.selected);
    let mut state = TableState::default().with_selected(app.selected(Tab::Strategies, modes.len()));
    let inner = boxed(buf, top, &title, t);
    buf.render_stateful_widget(table, inner, &mut state);
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
    .header(header(&["Time", "Symbol", "Switch", "Why"], t));
    // With room to spare, every mode's parameters go under the timeline.
    let switches_h = snap.strategy.switches.len().max(1) as u16 + 3;
    let sw = if timeline.height >= switches_h + 5 {
        let [sw, params] = Layout::vertical([Constraint::Length(switches_h), Constraint::Min(0)]).areas(timeline);
        draw_params(app, buf, params, snap);
        sw
    } else {
        timeline
    };
    let inner = boxed(buf, sw, "Mode switches", t);
    if snap.strategy.switches.is_empty() {
        paint::lines(buf, inner, &[Line::from(Span::styled("none yet", t.dim))]);
    } else {
        buf.render_widget(table, inner);
    }

    let mut lines: Vec<Line> = Vec::new();
    for m in &snap.markets {
        let known = m.regime_confidence > 0.0;
        let mut spans = vec![
            Span::styled(format!("{:<9}", m.symbol.as_str()), t.title),
            Span::styled("regime ", t.dim),
            Span::styled(regime_text(m), if known { t.key } else { t.dim }),
        ];
        if !known && !m.regime.is_empty() && m.regime != "warming up" {
            // The placeholder label is still a hint (the EMA bias): shown as such, not as a regime.
            spans.push(Span::styled(format!(" · bias {}", m.regime), t.text));
        }
        lines.push(Line::from(spans));
        let inputs: Vec<String> = m.indicators.iter().map(|(k, v)| format!("{k} {}", fmt::amount(*v, 2))).collect();
        if !inputs.is_empty() {
            lines.push(Line::from(Span::styled(format!("  {}", inputs.join(" · ")), t.text)));
        }
    }
    if let Some(i) = app.selected(Tab::Strategies, modes.len()) {
        let m = &modes[i];
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(format!("{} parameters (Enter to edit)", m.name), t.header)));
        let params: Vec<String> = m.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let params = if params.is_empty() { "none".to_string() } else { params.join("  ") };
        lines.push(Line::from(Span::styled(params, t.text)));
        if let Some(reason) = &m.last_reason {
            lines.push(Line::from(vec![Span::styled("reason ", t.dim), Span::styled(reason.clone(), t.text)]));
        }
    }
    let inner = boxed(buf, right, "Regime & inputs", t);
    buf.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

/// Parameters of every mode, one row each, the selected mode highlighted.
fn draw_params(app: &App, buf: &mut Buffer, area: Rect, snap: &Snapshot) {
    let t = &app.theme;
    let selected = app.selected(Tab::Strategies, snap.strategy.modes.len());
    let rows = snap.strategy.modes.iter().enumerate().map(|(i, m)| {
        let params: Vec<String> = m.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let params = if params.is_empty() { "no parameters".to_string() } else { params.join("  ") };
        let style = if Some(i) == selected { t.key } else { t.text };
        Row::new(vec![Cell::from(Span::styled(m.name.clone(), style)), Cell::from(Span::styled(params, t.text))])
    });
    let table =
        Table::new(rows, [Constraint::Length(15), Constraint::Min(10)]).header(header(&["Mode", "Parameters"], t));
    let inner = boxed(buf, area, "Parameters (running · Enter edits · w saves to the config)", t);
    buf.render_widget(table, inner);
}
