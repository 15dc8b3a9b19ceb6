//! The four screens, plus the tables two of them share (positions, working orders).

pub mod execution;
pub mod overview;
pub mod risk;
pub mod strategies;

use crate::domain::{Order, Price, Qty, Side, Symbol};
use crate::engine::Snapshot;
use crate::ui::fmt;
use crate::ui::theme::Theme;
use ratatui::layout::Constraint;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

/// Price and quantity decimals of `symbol`: from its instrument's tick and step when the snapshot
/// has the market, else 2 and 3.
pub(crate) fn decimals(snap: &Snapshot, symbol: Symbol) -> (usize, usize) {
    snap.markets
        .iter()
        .find(|m| m.symbol == symbol)
        .filter(|m| m.tick_size.raw() > 0)
        .map(|m| (fmt::step_decimals(m.tick_size.raw()), fmt::step_decimals(m.qty_step.raw())))
        .unwrap_or((2, 3))
}

pub(crate) fn price_text(p: Price, dec: usize) -> String {
    fmt::fixed(p.raw(), dec)
}

pub(crate) fn qty_text(q: Qty, dec: usize) -> String {
    fmt::fixed(q.raw(), dec)
}

pub(crate) fn opt_price(p: Option<Price>, dec: usize) -> String {
    p.map(|p| price_text(p, dec)).unwrap_or_else(|| "—".to_string())
}

/// A number right-aligned in its column.
pub(crate) fn num_cell(text: String, style: Style) -> Cell<'static> {
    Cell::from(Line::from(Span::styled(text, style)).right_aligned())
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

/// A header whose columns at `right` are right-aligned (over right-aligned numbers).
pub(crate) fn header_aligned(cols: &[&'static str], right: &[usize], t: &Theme) -> Row<'static> {
    Row::new(cols.iter().enumerate().map(|(i, c)| {
        if right.contains(&i) {
            Cell::from(Line::from(*c).right_aligned())
        } else {
            Cell::from(*c)
        }
    }))
    .style(t.header)
}

/// Open positions: symbol, side, size, entry, mark, uPnL, stop, target (+ mode when wide).
pub(crate) fn positions_table(snap: &Snapshot, t: &Theme, wide: bool) -> Table<'static> {
    let rows = snap.positions.iter().map(|pv| {
        let p = &pv.position;
        let (pd, qd) = decimals(snap, p.symbol);
        let side = match p.side() {
            Some(Side::Buy) => Cell::from(Span::styled("▲ Long", t.up)),
            Some(Side::Sell) => Cell::from(Span::styled("▼ Short", t.down)),
            None => Cell::from(Span::styled("flat", t.dim)),
        };
        let mut cells = vec![
            Cell::from(p.symbol.to_string()),
            side,
            num_cell(qty_text(p.size.abs(), qd), t.text),
            num_cell(opt_price(p.entry_price(), pd), t.text),
            num_cell(price_text(p.mark_price, pd), t.text),
            num_cell(fmt::signed_money(p.unrealised_pnl), t.signed(p.unrealised_pnl.to_f64())),
            num_cell(opt_price(pv.stop_price, pd), t.text),
            num_cell(opt_price(pv.target_price, pd), t.text),
        ];
        if wide {
            cells.push(Cell::from(pv.mode.clone().unwrap_or_else(|| "manual".into())));
        }
        Row::new(cells)
    });
    // Side is `▼ Short` (7) and gets two spaces before the right-aligned numbers.
    let mut widths = vec![
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(9),
    ];
    let mut cols = vec!["Symbol", "Side", "Size", "Entry", "Mark", "uPnL", "Stop", "Target"];
    if wide {
        widths.push(Constraint::Min(8));
        cols.push("Mode");
    }
    Table::new(rows, widths)
        .header(header_aligned(&cols, &[2, 3, 4, 5, 6, 7], t))
        .row_highlight_style(t.selected)
        .column_spacing(1)
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
        let (pd, qd) = decimals(snap, o.symbol());
        let qty = if o.filled_qty.is_zero() {
            qty_text(o.qty, qd)
        } else {
            format!("{}/{}", qty_text(o.filled_qty, qd), qty_text(o.qty, qd))
        };
        let mut cells = vec![
            Cell::from(o.client_order_id().to_string()),
            Cell::from(o.symbol().to_string()),
            side_cell(o.side(), t),
            Cell::from(order_type(o)),
            num_cell(qty, t.text),
        ];
        if wide {
            cells.push(num_cell(opt_price(o.price, pd), t.text));
            cells.push(num_cell(opt_price(o.trigger_price, pd), t.text));
        } else {
            // One column: the limit price, or the trigger of a stop.
            cells.push(num_cell(
                match (o.price, o.trigger_price) {
                    (Some(p), _) => price_text(p, pd),
                    (None, Some(tr)) => format!("trg {}", price_text(tr, pd)),
                    (None, None) => "market".into(),
                },
                t.text,
            ));
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
        Constraint::Length(if wide { 11 } else { 6 }),
    ];
    let mut cols = vec!["Order", "Symbol", "Side", "Type", "Qty"];
    let right: &[usize] = if wide {
        widths.extend([Constraint::Length(10), Constraint::Length(10), Constraint::Length(12), Constraint::Length(3)]);
        cols.extend(["Price", "Trigger", "Status", "RO"]);
        &[4, 5, 6]
    } else {
        widths.push(Constraint::Length(11));
        cols.push("Price");
        &[4, 5]
    };
    Table::new(rows, widths).header(header_aligned(&cols, right, t)).row_highlight_style(t.selected).column_spacing(1)
}

/// The regime as the trader should read it: `trending up 72%`, or `n/a (warming up)` while
/// there is no estimate (confidence 0: the analysis module has not produced one yet).
pub(crate) fn regime_text(m: &crate::engine::MarketView) -> String {
    if m.regime_confidence > 0.0 && m.regime_confidence.is_finite() {
        format!("{} {:.0}%", m.regime, m.regime_confidence * 100.0)
    } else {
        "n/a (warming up)".to_string()
    }
}

/// `label value` pairs on one line, the value styled (an empty label adds no space).
pub(crate) fn pairs(items: Vec<(&'static str, String, ratatui::style::Style)>, t: &Theme) -> Line<'static> {
    let mut spans = Vec::with_capacity(items.len() * 3);
    for (i, (k, v, s)) in items.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled("  ", t.dim));
        }
        if !k.is_empty() {
            spans.push(Span::styled(format!("{k} "), t.dim));
        }
        spans.push(Span::styled(v, s));
    }
    Line::from(spans)
}
