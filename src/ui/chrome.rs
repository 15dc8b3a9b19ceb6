//! What surrounds every tab: the tab bar, the alerts/log pane, the status line, and the popups
//! (help generated from the keymap, confirm dialog, details of the selection, ticket info).

use crate::domain::AlertLevel;
use crate::engine::{ConnectionState, Snapshot};
use crate::ui::app::{App, Confirm, Tab};
use crate::ui::fmt;
use crate::ui::keymap::Action;
use crate::ui::paint;
use crate::ui::paint::Draw;
use crate::ui::theme::Theme;
use crate::ui::widgets::ticket::Ticket;
use crate::ui::widgets::{block, block_line, centered, ruled, venue_badge, VenueKind};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

pub struct Areas {
    pub tabs: Rect,
    pub body: Rect,
    pub log: Rect,
    pub status: Rect,
}

/// Tab bar on top, status line at the bottom, alerts pane above it (smaller on short screens).
pub fn split(area: Rect) -> Areas {
    let h = area.height;
    let tabs_h = u16::from(h >= 3);
    let status_h = u16::from(h >= 2);
    let log_h = if h >= 40 {
        6
    } else if h >= 24 {
        3
    } else if h >= 16 {
        2
    } else {
        0
    };
    let body_h = h - tabs_h - status_h - log_h;
    let row = |y: u16, height: u16| Rect { x: area.x, y, width: area.width, height };
    Areas {
        tabs: row(area.y, tabs_h),
        body: row(area.y + tabs_h, body_h),
        log: row(area.y + tabs_h + body_h, log_h),
        status: row(area.y + h - status_h, status_h),
    }
}

pub fn draw_tabs(app: &App, buf: &mut Buffer, area: Rect, snap: &Snapshot) {
    if area.height == 0 {
        return;
    }
    let t = &app.theme;
    let mut spans = vec![Span::styled(" Auto-Bot ", t.title)];
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let label = format!(" {} {} ", i + 1, tab.title());
        spans.push(Span::styled("│", t.border));
        spans.push(if *tab == app.tab() { Span::styled(label, t.tab_active) } else { Span::styled(label, t.dim) });
    }
    spans.push(Span::styled("│ ", t.border));
    if let Some(m) = app.symbol_index(snap).map(|i| &snap.markets[i]) {
        let iv = app.display_interval().unwrap_or(m.interval);
        spans.push(Span::styled(format!("{} {} ", m.symbol, iv), t.text));
    }
    spans.push(Span::styled(format!("{} help", app.keymap.hint(Action::Help)), t.dim));
    paint::line_at(buf, area, &Line::from(spans));
}

fn level_label(level: AlertLevel, t: &Theme) -> Span<'static> {
    match level {
        AlertLevel::Info => Span::styled("INFO", t.dim),
        AlertLevel::Warning => Span::styled("WARN", t.warn),
        AlertLevel::Critical => Span::styled("CRIT", t.critical),
    }
}

/// One alert as a line: time, level label, kind, message.
pub fn alert_line<'a>(a: &'a crate::domain::Alert, t: &Theme) -> Line<'a> {
    let pad = 11usize.saturating_sub(a.kind.chars().count());
    Line::from(vec![
        Span::styled(fmt::utc_time(a.ts_ms), t.dim),
        Span::raw(" "),
        level_label(a.level, t),
        Span::raw(" "),
        Span::styled(&*a.kind, t.key),
        Span::raw(&"           "[..pad.max(1)]),
        Span::styled(a.message.to_string(), t.text),
    ])
}

pub fn draw_log(app: &App, buf: &mut Buffer, area: Rect, snap: &Snapshot) {
    if area.height < 2 {
        return;
    }
    let t = &app.theme;
    let rows = area.height.saturating_sub(1) as usize;
    let mut lines: Vec<Line> = Vec::with_capacity(rows);
    for w in &app.warnings {
        lines.push(Line::from(vec![Span::styled("CONF ", t.warn), Span::styled(w.clone(), t.text)]));
    }
    lines.extend(snap.alerts.iter().take(rows).map(|a| alert_line(a, t)));
    if lines.is_empty() {
        lines.push(Line::from(Span::styled("none yet", t.dim)));
    }
    lines.truncate(rows);
    let title = format!("Alerts & log ({})", snap.alerts.len());
    let inner = ruled(buf, area, &title, t);
    paint::lines(buf, inner, &lines);
}

pub fn draw_status(app: &App, buf: &mut Buffer, area: Rect, snap: &Snapshot) {
    if area.height == 0 {
        return;
    }
    let t = &app.theme;
    let venue = venue_badge(&snap.venue, snap.live, t);
    // A stream lag only means something where data arrives over a stream (not the generator).
    let streams = VenueKind::of(&snap.venue, snap.live).streams();
    let lag = if streams { format!("lag {:.0}ms", snap.stats.stream_lag_ms) } else { "lag —".to_string() };
    let (conn, conn_style) = match snap.connection {
        ConnectionState::Connected => ("● connected", t.ok),
        ConnectionState::Connecting => ("◌ connecting", t.warn),
        ConnectionState::Reconnecting => ("↻ reconnecting", t.warn),
        ConnectionState::Ended => ("■ data ended", t.dim),
    };
    let speed = match snap.stats.speed {
        Some(x) => format!("x{x}"),
        None => "max".to_string(),
    };
    let compact = area.width < 120;
    let sep = || Span::styled(" │ ", t.border);
    let time = if compact { format!("{}Z", fmt::utc_time(snap.ts_ms)) } else { fmt::utc_datetime(snap.ts_ms) };
    let mut spans = vec![venue];
    if snap.watch_only.is_some() {
        // Orders are refused locally: say so where the venue is named (the reason is an alert).
        spans.extend([Span::raw(" "), Span::styled(" WATCH-ONLY ", t.warn.add_modifier(Modifier::REVERSED))]);
    }
    spans.extend([
        sep(),
        Span::styled(conn, conn_style),
        sep(),
        Span::styled(lag, t.text),
        sep(),
        Span::styled(
            format!("{}p99 {:.1}µs", if compact { "" } else { "event loop " }, snap.stats.event_latency_p99_us),
            t.text,
        ),
        sep(),
        Span::styled(time, t.text),
        sep(),
    ]);
    // A replay speed only means something for the generator and files, not for an exchange.
    if !streams {
        spans.extend([Span::styled(if compact { speed } else { format!("speed {speed}") }, t.text), sep()]);
    }
    spans.push(if snap.strategy.automation_paused {
        Span::styled("PAUSED", t.warn)
    } else {
        Span::styled("auto", t.ok)
    });
    if !compact {
        spans.push(Span::styled(format!(" · switch {}", if snap.strategy.auto_switch { "on" } else { "off" }), t.dim));
        if app.frame_us > 0.0 {
            spans.push(sep());
            spans.push(Span::styled(format!("frame {:.1}ms", app.frame_us / 1000.0), t.dim));
        }
    }
    if snap.risk.kill_switch {
        spans.push(sep());
        spans.push(Span::styled(" KILL SWITCH ", t.critical));
    }
    if let Some(flash) = &app.flash {
        spans.push(sep());
        spans.push(Span::styled(flash.as_str(), t.key));
    }
    paint::line_at(buf, area, &Line::from(spans));
}

pub fn draw_help(app: &App, buf: &mut Buffer, area: Rect) {
    let t = &app.theme;
    let entries = app.keymap.help_lines();
    let key_w = entries.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(4);
    let desc_full = entries.iter().map(|(_, d)| d.chars().count()).max().unwrap_or(10);
    // Two columns when wide, or when one column would not fit the height (descriptions clipped).
    let tall = entries.len() as u16 + 4 > area.height;
    let two_cols = area.width >= 100 || (tall && area.width >= 60);
    let cols = if two_cols { 2 } else { 1 };
    let col_room = (area.width.saturating_sub(2) as usize / cols).saturating_sub(key_w + 3);
    let desc_w = desc_full.min(col_room.max(8));
    let per_col = entries.len().div_ceil(cols);
    let mut lines: Vec<Line> = Vec::with_capacity(per_col + 2);
    for row in 0..per_col {
        let mut spans = Vec::with_capacity(4);
        for col in 0..cols {
            if let Some((keys, what)) = entries.get(col * per_col + row) {
                spans.push(Span::styled(format!(" {keys:>key_w$} "), t.key));
                spans.push(Span::styled(format!("{:<desc_w$}", fmt::clip(what, desc_w)), t.text));
            }
        }
        lines.push(Line::from(spans));
    }
    if per_col as u16 + 5 <= area.height {
        lines.push(Line::default());
        let k = |a: Action| app.keymap.hint(a);
        lines.push(Line::from(vec![
            Span::styled(" Editor ", t.header),
            Span::styled(
                format!(
                    "({} on Strategies) {}/{} row · {} edit · Enter apply live · Esc cancel · {} save",
                    k(Action::EditParams),
                    k(Action::Down),
                    k(Action::Up),
                    k(Action::Open),
                    k(Action::SaveConfig)
                ),
                t.text,
            ),
        ]));
    }
    if per_col as u16 + 4 <= area.height {
        if per_col as u16 + 5 > area.height {
            lines.push(Line::default());
        }
        lines.push(Line::from(Span::styled(" Esc or ? closes · keys are set in the config", t.dim)));
    }
    let widest = lines.iter().map(|l| l.width()).max().unwrap_or(0);
    let w = (cols * (key_w + 2 + desc_w)).max(widest) as u16 + 2;
    let popup = centered(area, w, lines.len() as u16 + 2);
    buf.render_widget(Clear, popup);
    buf.render_widget(Paragraph::new(lines).block(block("Keys", t)), popup);
}

pub fn draw_confirm(t: &Theme, buf: &mut Buffer, area: Rect, confirm: &Confirm, venue: &str, live: bool) {
    // One line per message line (a rebalance preview lists its orders), at least the old 7 rows.
    let rows = confirm.message.lines().count().max(1) as u16;
    let popup = centered(area, 60, (rows + 6).max(7));
    buf.render_widget(Clear, popup);
    let mut title = vec![Span::styled(format!(" Confirm: {} ", confirm.title), t.warn)];
    if live {
        title.push(venue_badge(venue, live, t));
    }
    let mut lines: Vec<Line> =
        confirm.message.lines().map(|l| Line::from(Span::styled(l.to_string(), t.text))).collect();
    lines.extend([
        Line::default(),
        Line::from(vec![
            Span::styled("[y/Enter]", t.key),
            Span::styled(" confirm    ", t.text),
            Span::styled("[n/Esc]", t.key),
            Span::styled(" cancel", t.text),
        ]),
    ]);
    buf.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(block_line(Line::from(title), t)), popup);
}

/// Extra lines in the ticket: last price, notional estimate, the last risk rejection.
pub fn ticket_info(app: &App, snap: &Snapshot, ticket: &Ticket) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out = Vec::new();
    if let Some(m) = snap.markets.iter().find(|m| m.symbol.as_str().eq_ignore_ascii_case(ticket.symbol.trim())) {
        let px = ticket.price.trim().parse::<f64>().ok().filter(|p| *p > 0.0).unwrap_or(m.last_price.to_f64());
        let notional = ticket.qty.trim().parse::<f64>().map(|q| q * px).unwrap_or(0.0);
        out.push(Line::from(vec![
            Span::styled(format!("last {}  ", m.last_price), t.dim),
            Span::styled(format!("≈ notional {} USDT", fmt::amount(notional, 2)), t.text),
        ]));
    }
    if let Some((ts, why)) = snap.risk.rejections.first() {
        out.push(Line::from(vec![
            Span::styled(format!("last risk rejection {} ", fmt::utc_time(*ts)), t.dim),
            Span::styled(why.clone(), t.warn),
        ]));
    }
    out
}

/// Details of the selected row of the current tab (Enter), closed with Esc.
pub fn draw_detail(app: &App, buf: &mut Buffer, area: Rect, snap: &Snapshot) {
    let t = &app.theme;
    let kv = |k: &str, v: String| Line::from(vec![Span::styled(format!("{k:<14}"), t.dim), Span::styled(v, t.text)]);
    let (title, lines): (String, Vec<Line>) = match app.tab() {
        Tab::Overview => match app.selected(Tab::Overview, snap.positions.len()) {
            Some(i) => {
                let p = &snap.positions[i];
                let pos = &p.position;
                let opt = |v: Option<crate::domain::Price>| v.map(|p| p.to_string()).unwrap_or_else(|| "—".into());
                (
                    format!("Position {}", pos.symbol),
                    vec![
                        kv("size", pos.size.to_string()),
                        kv("entry", opt(pos.entry_price())),
                        kv("mark", pos.mark_price.to_string()),
                        kv("uPnL", fmt::signed_money(pos.unrealised_pnl)),
                        kv("realised", fmt::signed_money(pos.realised_pnl)),
                        kv("leverage", format!("{}x", pos.leverage)),
                        kv("margin", pos.margin.to_string()),
                        kv("liq price", opt(pos.liq_price)),
                        kv("stop", opt(p.stop_price)),
                        kv("target", opt(p.target_price)),
                        kv("mode", p.mode.clone().unwrap_or_else(|| "manual".into())),
                    ],
                )
            }
            None => return,
        },
        Tab::Strategies => match app.selected(Tab::Strategies, snap.strategy.modes.len()) {
            Some(i) => {
                let m = &snap.strategy.modes[i];
                let mut lines = vec![
                    kv(
                        "state",
                        format!(
                            "{} {} {}",
                            on(m.enabled, "enabled", "disabled"),
                            on(m.locked, "locked", ""),
                            on(m.active, "ACTIVE", "")
                        ),
                    ),
                    kv("last signal", m.last_signal.clone().unwrap_or_else(|| "—".into())),
                    kv("reason", m.last_reason.clone().unwrap_or_else(|| "—".into())),
                    Line::from(Span::styled("parameters", t.header)),
                ];
                lines.extend(m.params.iter().map(|(k, v)| kv(k, v.clone())));
                (format!("Mode {}", m.name), lines)
            }
            None => return,
        },
        Tab::Execution => match app.selected(Tab::Execution, snap.open_orders.len()) {
            Some(i) => {
                let o = &snap.open_orders[i];
                let opt = |v: Option<crate::domain::Price>| v.map(|p| p.to_string()).unwrap_or_else(|| "—".into());
                (
                    format!("Order {}", o.client_order_id()),
                    vec![
                        kv("venue id", o.order_id.map(|id| id.to_string()).unwrap_or_else(|| "—".into())),
                        kv("symbol", o.symbol().to_string()),
                        kv("side", o.side().to_string()),
                        kv("type", format!("{:?} {:?}", o.request.order_type, o.request.time_in_force)),
                        kv("qty / filled", format!("{} / {}", o.qty, o.filled_qty)),
                        kv("price", opt(o.price)),
                        kv("trigger", opt(o.trigger_price)),
                        kv("status", o.status.to_string()),
                        kv("reduce-only", on(o.request.reduce_only, "yes", "no").into()),
                        kv("origin", format!("{:?}", o.request.origin)),
                        kv("created", fmt::utc_datetime(o.created_ms)),
                    ],
                )
            }
            None => return,
        },
        Tab::Risk => match app.selected(Tab::Risk, snap.alerts.len()) {
            Some(i) => {
                let a = &snap.alerts[i];
                (
                    format!("Alert {}", a.kind),
                    vec![
                        kv("time", fmt::utc_datetime(a.ts_ms)),
                        kv("level", a.level.as_str().into()),
                        Line::from(a.message.to_string()),
                    ],
                )
            }
            None => return,
        },
    };
    let popup = centered(area, 64, lines.len() as u16 + 3);
    buf.render_widget(Clear, popup);
    let mut lines = lines;
    lines.push(Line::from(Span::styled("Esc closes", t.dim)));
    buf.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(block(&title, t)), popup);
}

fn on(b: bool, yes: &'static str, no: &'static str) -> &'static str {
    if b {
        yes
    } else {
        no
    }
}
