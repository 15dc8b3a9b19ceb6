//! Execution: working orders (selectable; `c` cancels the selection), recent fills with fees and
//! maker/taker, and the depth ladder of the selected symbol. The ticket (`o`) opens over it.

use super::{decimals, header_aligned, num_cell, orders_table, price_text, qty_text, side_cell};
use crate::engine::{MarketView, Snapshot};
use crate::ui::app::{App, Tab};
use crate::ui::fmt;
use crate::ui::paint;
use crate::ui::paint::Draw;
use crate::ui::theme::Theme;
use crate::ui::widgets::boxed;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, TableState};

pub fn draw(app: &App, buf: &mut Buffer, area: Rect, snap: &Snapshot) {
    if area.height == 0 {
        return;
    }
    let t = &app.theme;
    let ladder_w = if area.width >= 100 { 40 } else { 26.min(area.width / 3) };
    let [left, ladder] = Layout::horizontal([Constraint::Min(0), Constraint::Length(ladder_w)]).areas(area);
    let orders_h = (snap.open_orders.len() as u16 + 3).min(left.height / 2 + 1).min(left.height);
    let [orders, fills] = Layout::vertical([Constraint::Length(orders_h), Constraint::Min(0)]).areas(left);
    let wide = left.width >= 110;

    let title =
        format!("Working orders ({}) · c cancel · C cancel all · o ticket · Enter details", snap.open_orders.len());
    let mut state = TableState::default().with_selected(app.selected(Tab::Execution, snap.open_orders.len()));
    let inner = boxed(buf, orders, &title, t);
    buf.render_stateful_widget(orders_table(snap, t, wide), inner, &mut state);

    let rows = snap.recent_fills.iter().map(|f| {
        let (pd, qd) = decimals(snap, f.symbol);
        let mut cells = vec![
            Cell::from(fmt::utc_time(f.ts_ms)),
            Cell::from(f.symbol.to_string()),
            side_cell(f.side, t),
            num_cell(qty_text(f.qty, qd), t.text),
            num_cell(price_text(f.price, pd), t.text),
            num_cell(format!("{:.2}", f.fee.to_f64()), t.text),
        ];
        if wide {
            cells.push(Cell::from(if f.is_maker { "maker" } else { "taker" }));
            cells.push(num_cell(fmt::amount(f.notional().to_f64(), 2), t.text));
            cells.push(Cell::from(f.client_order_id.to_string()));
        }
        Row::new(cells)
    });
    // Narrow: time, symbol, side, qty, price, fee; wide adds maker/taker, notional and order id.
    let mut cols = vec!["Time", "Symbol", "Side", "Qty", "Price", "Fee"];
    let mut widths = vec![
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Length(if wide { 8 } else { 6 }),
        Constraint::Length(if wide { 10 } else { 9 }),
        Constraint::Length(6),
    ];
    let mut right = vec![3, 4, 5];
    if wide {
        cols.extend(["Liq", "Notional", "Order"]);
        widths.extend([Constraint::Length(5), Constraint::Length(11), Constraint::Min(10)]);
        right.push(7);
    }
    let fees: f64 = snap.recent_fills.iter().map(|f| f.fee.to_f64()).sum();
    let title = format!("Recent fills ({}) · fees {}", snap.recent_fills.len(), fmt::amount(fees, 2));
    let table = Table::new(rows, widths).header(header_aligned(&cols, &right, t));
    let inner = boxed(buf, fills, &title, t);
    if snap.recent_fills.is_empty() {
        paint::lines(buf, inner, &[Line::from(Span::styled("no fills yet", t.dim))]);
    } else {
        buf.render_widget(table, inner);
    }

    match app.symbol_index(snap).map(|i| &snap.markets[i]) {
        Some(m) => draw_ladder(t, buf, ladder, m, decimals(snap, m.symbol)),
        None => {
            let inner = boxed(buf, ladder, "Depth", t);
            paint::lines(buf, inner, &[Line::from("no book yet")]);
        }
    }
}

/// Asks above (highest first), spread line, bids below; bars sized by quantity.
fn draw_ladder(t: &Theme, buf: &mut Buffer, area: Rect, m: &MarketView, (pd, qd): (usize, usize)) {
    let title = format!("Depth {}", m.symbol);
    let inner = boxed(buf, area, &title, t);
    if inner.height == 0 || inner.width < 8 {
        return;
    }
    let side_rows = (inner.height.saturating_sub(2) / 2) as usize;
    let asks: Vec<_> = m.asks.iter().take(side_rows).collect();
    let bids: Vec<_> = m.bids.iter().take(side_rows).collect();
    let max_q = asks.iter().chain(bids.iter()).map(|l| l.qty.to_f64()).fold(0.0, f64::max);
    // `ask ` + price + ` ` + qty + ` ` + bar: the numbers right-aligned at the instrument's decimals.
    let price_w = asks.iter().chain(bids.iter()).map(|l| price_text(l.price, pd).len()).max().unwrap_or(5).max(5);
    let qty_w = asks.iter().chain(bids.iter()).map(|l| qty_text(l.qty, qd).len()).max().unwrap_or(3).max(3);
    let bar_w = inner.width.saturating_sub((4 + price_w + 1 + qty_w + 1) as u16) as f64;
    let bar = |q: f64| -> String {
        if max_q <= 0.0 {
            return String::new();
        }
        "█".repeat(((q / max_q) * bar_w).round() as usize)
    };
    let mut lines: Vec<Line> = Vec::with_capacity(inner.height as usize);
    lines.push(Line::from(Span::styled(format!("{:<4}{:>price_w$} {:>qty_w$}", "", "Price", "Qty"), t.header)));
    let row =
        |l: &crate::domain::Level| format!("{:>price_w$} {:>qty_w$} ", price_text(l.price, pd), qty_text(l.qty, qd));
    for l in asks.iter().rev() {
        lines.push(Line::from(vec![
            Span::styled("ask ", t.down),
            Span::styled(row(l), t.down),
            Span::styled(bar(l.qty.to_f64()), t.down),
        ]));
    }
    let spread = match (m.bid, m.ask) {
        (Some(b), Some(a)) => format!("spread {}", price_text(a.price - b.price, pd)),
        _ => "spread —".into(),
    };
    lines.push(Line::from(Span::styled(format!("── last {} · {spread}", price_text(m.last_price, pd)), t.key)));
    for l in &bids {
        lines.push(Line::from(vec![
            Span::styled("bid ", t.up),
            Span::styled(row(l), t.up),
            Span::styled(bar(l.qty.to_f64()), t.up),
        ]));
    }
    if asks.is_empty() && bids.is_empty() {
        lines.push(Line::from(Span::styled("no book levels yet", t.dim)));
    }
    paint::lines(buf, inner, &lines);
}
