//! The four screens, plus the tables two of them share (positions, working orders).

pub mod execution;
pub mod overview;
pub mod risk;
pub mod strategies;

use crate::domain::{Order, Price, Side};
use crate::engine::Snapshot;
use crate::ui::fmt;
use crate::ui::theme::Theme;
use ratatui::layout::Constraint;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

pub(crate) fn opt_price(p: Option<Price>) -> String {
    p.map(|p| p.to_string()).unwrap_or_else(|| "—".to_string())
}

/// `▲ Buy` / `▼ Sell` in the side's colour.
pub(crate) fn side_cell(side: Side, t: &Theme) -> Cell<'static> {
    match side {
        Side::Buy => Cell::from(Span::styled("▲ Buy", t.up)),
        Side::Sell => Cell::from(Span::styled("▼ Sell", t.down)),
    }
}

pub(crate) fn header(cols: &[&'static str], t: &Theme) -> Row<'static> {
    Row::new(cols.iter().map(|c| Cell::from(*c))).style(t.header)
}

/// Open positions: symbol, side, size, entry, mark, uPnL, stop, target (+ mode when wide).
pub(crate) fn positions_table(snap: &Snapshot, t: &Theme, wide: bool) -> Table<'static> {
    let rows = snap.positions.iter().map(|pv| {
        let p = &pv.position;
        let side = match p.side() {
            Some(Side::Buy) => Cell::from(Span::styled("▲ Long", t.up)),
            Some(Side::Sell) => Cell::from(Span::styled("▼ Short", t.down)),
            None => Cell::from(Span::styled("flat", t.dim)),
        };
        let mut cells = vec![
            Cell::from(p.symbol.to_string()),
            side,
            Cell::from(p.size.abs().to_string()),
            Cell::from(opt_price(p.entry_price())),
            Cell::from(p.mark_price.to_string()),
            Cell::from(Span::styled(fmt::signed_money(p.unrealised_pnl), t.signed(p.unrealised_pnl.to_f64()))),
            Cell::from(opt_price(pv.stop_price)),
            Cell::from(opt_price(pv.target_price)),
        ];
        if wide {
            cells.push(Cell::from(pv.mode.clone().unwrap_or_else(|| "manual".into())));
        }
        Row::new(cells)
    });
    let mut widths = vec![
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Length(6),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(8),
        Constraint::Length(8),
    ];
    let mut cols = vec!["Symbol", "Side", "Size", "Entry", "Mark", "uPnL", "Stop", "Target"];
    if wide {
        widths.push(Constraint::Min(8));
        cols.push("Mode");
    }
    Table::new(rows, widths).header(header(&cols, t)).row_highlight_style(t.selected).column_spacing(1)
}

fn order_type(o: &Order) -> &'static str {
    use crate::domain::{OrderType, TimeInForce};
    match (o.trigger_price.is_some(), o.request.order_type, o.request.time_in_force) {
        (true, OrderType::Market, _) => "Stop",
        (true, OrderType::Limit, _) => "StopLmt",
        (false, OrderType::Market, _) => "Market",
        (false, OrderType::Limit, TimeInForce::PostOnly) => "LmtPO",
        (false, OrderType::Limit, _) => "Limit",
    }
}

/// Working orders: id, symbol, side, type, qty (filled), price, trigger, status, reduce-only.
pub(crate) fn orders_table(snap: &Snapshot, t: &Theme, wide: bool) -> Table<'static> {
    let rows = snap.open_orders.iter().map(|o| {
        let mut cells = vec![
            Cell::from(o.client_order_id().to_string()),
            Cell::from(o.symbol().to_string()),
            side_cell(o.side(), t),
            Cell::from(order_type(o)),
            Cell::from(if o.filled_qty.is_zero() { o.qty.to_string() } else { format!("{}/{}", o.filled_qty, o.qty) }),
        ];
        if wide {
            cells.push(Cell::from(opt_price(o.price)));
            cells.push(Cell::from(opt_price(o.trigger_price)));
        } else {
            // One column: the limit price, or the trigger of a stop.
            cells.push(Cell::from(match (o.price, o.trigger_price) {
                (Some(p), _) => p.to_string(),
                (None, Some(tr)) => format!("trg {tr}"),
                (None, None) => "market".into(),
            }));
        }
        if wide {
            cells.push(Cell::from(o.status.to_string()));
            cells.push(Cell::from(if o.request.reduce_only { "RO" } else { "" }));
        }
        Row::new(cells)
    });
    let mut widths = vec![
        if wide { Constraint::Length(16) } else { Constraint::Max(16) },
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Length(7),
        Constraint::Length(6),
    ];
    let mut cols = vec!["Order", "Symbol", "Side", "Type", "Qty"];
    if wide {
        widths.extend([Constraint::Length(9), Constraint::Length(9), Constraint::Length(12), Constraint::Length(3)]);
        cols.extend(["Price", "Trigger", "Status", "RO"]);
    } else {
        widths.push(Constraint::Length(11));
        cols.push("Price");
    }
    Table::new(rows, widths).header(header(&cols, t)).row_highlight_style(t.selected).column_spacing(1)
}

/// `label value` pairs on one line, the value styled.
pub(crate) fn pairs(items: Vec<(&'static str, String, ratatui::style::Style)>, t: &Theme) -> Line<'static> {
    let mut spans = Vec::with_capacity(items.len() * 3);
    for (i, (k, v, s)) in items.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled("  ", t.dim));
        }
        spans.push(Span::styled(format!("{k} "), t.dim));
        spans.push(Span::styled(v, s));
    }
    Line::from(spans)
}
