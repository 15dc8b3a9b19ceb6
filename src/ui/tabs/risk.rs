//! Risk: a gauge per limit (used / limit with the percentage in text), kill switch and trading
//! state, exposure by symbol (signed), the drawdown curve, risk rejections and alert history.

use crate::engine::Snapshot;
use crate::ui::app::{App, Tab};
use crate::ui::chrome::alert_line;
use crate::ui::fmt;
use crate::ui::paint;
use crate::ui::paint::Draw;
use crate::ui::widgets::boxed;
use crate::ui::widgets::curve::{chart_graph_width, thin_for_braille};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, List, ListItem, ListState};

pub fn draw(app: &App, buf: &mut Buffer, area: Rect, snap: &Snapshot) {
    if area.height == 0 {
        return;
    }
    let t = &app.theme;
    let r = &snap.risk;
    let [left, right] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let gauges_h = (r.limits.len() as u16 + 2).min(left.height);
    let state_h = 5.min(left.height - gauges_h);
    let [gauges, state, exposure] =
        Layout::vertical([Constraint::Length(gauges_h), Constraint::Length(state_h), Constraint::Min(0)]).areas(left);

    // Gauges: "Daily loss  [██████░░] 80% 160.00/200.00 USDT", the bar's colour by utilisation.
    let g_inner_w = gauges.width.saturating_sub(2) as usize;
    let name_w = r.limits.iter().map(|g| g.name.chars().count()).max().unwrap_or(0).min(18);
    // Counts show as whole numbers, multiples as `2.50x`, money with cents below 1,000.
    let num = |v: f64, unit: &str| {
        if unit == "positions" || v.abs() >= 1000.0 {
            fmt::amount(v, 0)
        } else {
            fmt::amount(v, 2)
        }
    };
    let lines: Vec<Line> = r
        .limits
        .iter()
        .map(|g| {
            let u = g.utilisation();
            let pct = format!(" {:>3.0}%", u * 100.0);
            let sep = if g.unit == "x" { "" } else { " " };
            let full = format!("{pct} {}/{}{sep}{}", num(g.used, &g.unit), num(g.limit, &g.unit), g.unit);
            // Drop used/limit before the bar gets shorter than 6 cells.
            let text = if g_inner_w >= name_w + 1 + 6 + full.chars().count() { full } else { pct };
            let bar_w = g_inner_w.saturating_sub(name_w + 1 + text.chars().count()).min(40);
            let filled = ((u.clamp(0.0, 1.0)) * bar_w as f64).round() as usize;
            let warn = if u >= 0.9 {
                " !!"
            } else if u >= 0.7 {
                " !"
            } else {
                ""
            };
            Line::from(vec![
                Span::styled(format!("{:<name_w$} ", fmt::clip(&g.name, name_w)), t.text),
                Span::styled("█".repeat(filled), t.gauge(u)),
                Span::styled("░".repeat(bar_w - filled), t.dim),
                Span::styled(text, t.text),
                Span::styled(warn, t.warn),
            ])
        })
        .collect();
    let inner = boxed(buf, gauges, "Limits", t);
    paint::lines(buf, inner, &lines);

    let ks = if r.kill_switch { Span::styled(" ENGAGED ", t.critical) } else { Span::styled("off", t.ok) };
    let ts_style = match r.trading_state.as_str() {
        "Active" => t.ok,
        "Halted" => t.critical,
        _ => t.warn,
    };
    let lines = vec![
        Line::from(vec![
            Span::styled("Kill switch ", t.dim),
            ks,
            Span::styled("   Trading ", t.dim),
            Span::styled(r.trading_state.clone(), ts_style),
            Span::styled("   K toggles (confirm)", t.dim),
        ]),
        Line::from(vec![
            Span::styled("Drawdown ", t.dim),
            Span::styled(fmt::drawdown_pct(snap.account.drawdown), t.text),
            Span::styled("  max ", t.dim),
            Span::styled(fmt::drawdown_pct(snap.account.max_drawdown), t.text),
            Span::styled("  Day PnL ", t.dim),
            Span::styled(fmt::signed_money(snap.account.day_pnl), t.signed(snap.account.day_pnl.to_f64())),
        ]),
        match r.daily_loss {
            Some((loss, limit)) => {
                let u = if limit > 0.0 { loss / limit } else { 0.0 };
                Line::from(vec![
                    Span::styled("Daily loss ", t.dim),
                    Span::styled(format!("{} / {} USDT", fmt::amount(loss, 2), fmt::amount(limit, 2)), t.text),
                    Span::styled(format!("  {:.0}% used", u * 100.0), t.gauge(u)),
                ])
            }
            None => Line::from(vec![Span::styled("Daily loss ", t.dim), Span::styled("no limit set", t.dim)]),
        },
    ];
    let inner = boxed(buf, state, "State", t);
    paint::lines(buf, inner, &lines);

    let total: f64 = r.exposure.iter().map(|(_, v)| v.abs()).sum();
    let bar_w = exposure.width.saturating_sub(36) as f64;
    let lines: Vec<Line> = r
        .exposure
        .iter()
        .map(|(sym, v)| {
            let (label, style) = if *v > 0.0 {
                ("▲ long ", t.up)
            } else if *v < 0.0 {
                ("▼ short", t.down)
            } else {
                ("  flat ", t.dim)
            };
            let share = if total > 0.0 { v.abs() / total } else { 0.0 };
            Line::from(vec![
                Span::styled(format!("{:<9}", sym.as_str()), t.text),
                Span::styled(label, style),
                Span::styled(format!("{:>12} ", fmt::signed_f64(*v, 2)), style),
                Span::styled("█".repeat((share * bar_w).round() as usize), style),
            ])
        })
        .collect();
    let mut lines = lines;
    if r.exposure.is_empty() {
        lines.push(Line::from(Span::styled("no exposure", t.dim)));
    }
    if !r.correlation.is_empty() {
        lines.push(Line::from(Span::styled("Correlation of 1-bar returns", t.header)));
        for (a, b, c) in &r.correlation {
            let strength = match c.abs() {
                x if x >= 0.7 => "strong",
                x if x >= 0.4 => "moderate",
                _ => "weak",
            };
            let style = if c.abs() >= 0.7 { t.warn } else { t.text };
            lines.push(Line::from(vec![
                Span::styled(format!("{:<9}{:<9}", a.as_str(), b.as_str()), t.text),
                Span::styled(format!("{:>6} ", fmt::signed_f64(*c, 2)), style),
                Span::styled(strength, t.dim),
            ]));
        }
    }
    let title = format!("Exposure by symbol · gross {} USDT", fmt::amount(total, 0));
    let inner = boxed(buf, exposure, &title, t);
    paint::lines(buf, inner, &lines);

    let chart_h = if right.height >= 20 { right.height / 2 } else { right.height / 2 + 1 };
    let [dd_area, lower] = Layout::vertical([Constraint::Length(chart_h), Constraint::Min(0)]).areas(right);
    draw_drawdown(app, buf, dd_area, snap);
    let rej_h = (r.rejections.len().max(1) as u16 + 2).min(lower.height / 2);
    let [rej, alerts] = Layout::vertical([Constraint::Length(rej_h), Constraint::Min(0)]).areas(lower);
    let lines: Vec<Line> = r
        .rejections
        .iter()
        .map(|(ts, why)| {
            Line::from(vec![Span::styled(format!("{} ", fmt::utc_time(*ts)), t.dim), Span::styled(why.clone(), t.warn)])
        })
        .collect();
    let lines = if lines.is_empty() { vec![Line::from(Span::styled("none yet", t.dim))] } else { lines };
    let inner = boxed(buf, rej, "Risk rejections", t);
    paint::lines(buf, inner, &lines);
    let mut items: Vec<ListItem> = snap.alerts.iter().map(|a| ListItem::new(alert_line(a, t))).collect();
    if items.is_empty() {
        items.push(ListItem::new(Span::styled("none yet", t.dim)));
    }
    let mut state = ListState::default().with_selected(app.selected(Tab::Risk, snap.alerts.len()));
    let title = format!("Alert history ({})", snap.alerts.len());
    let inner = boxed(buf, alerts, &title, t);
    buf.render_stateful_widget(List::new(items).highlight_style(t.selected), inner, &mut state);
}

fn draw_drawdown(app: &App, buf: &mut Buffer, area: Rect, snap: &Snapshot) {
    let t = &app.theme;
    let curve = &snap.risk.drawdown_curve;
    let title = format!(
        "Drawdown {} (max {})",
        fmt::drawdown_pct(snap.account.drawdown),
        fmt::drawdown_pct(snap.account.max_drawdown)
    );
    let inner = boxed(buf, area, &title, t);
    if curve.len() < 2 || area.height < 4 {
        paint::lines(buf, inner, &[Line::from("no drawdown data yet")]);
        return;
    }
    let points: Vec<(f64, f64)> = curve.iter().map(|&(ts, dd)| (ts as f64, -dd * 100.0)).collect();
    let (x0, x1) = (points[0].0, points[points.len() - 1].0);
    let worst = points.iter().map(|p| p.1).fold(0.0, f64::min).min(-0.01);
    let x_bounds = [x0, x1.max(x0 + 1.0)];
    let y_bounds = [worst * 1.1, 0.0];
    let x_labels = [Span::styled(fmt::utc_time(x0 as i64), t.dim), Span::styled(fmt::utc_time(x1 as i64), t.dim)];
    let y_labels = [Span::styled(format!("{:.2}%", worst * 1.1), t.dim), Span::styled("0%", t.dim)];
    let graph_w = chart_graph_width(inner.width, &y_labels, &x_labels[0]);
    let points = thin_for_braille(&points, x_bounds, y_bounds, graph_w);
    let dataset = Dataset::default().marker(Marker::Braille).graph_type(GraphType::Line).style(t.down).data(&points);
    let chart = Chart::new(vec![dataset])
        .x_axis(Axis::default().bounds(x_bounds).labels(x_labels).style(t.border))
        .y_axis(Axis::default().bounds(y_bounds).labels(y_labels).style(t.border));
    buf.render_widget(chart, inner);
}
