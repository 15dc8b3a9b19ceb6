//! Overview: account (equity, day/total PnL, drawdown), the selected market with regime and
//! active mode, the candlestick chart with overlays, levels and volume, positions and orders.

use super::{decimals, orders_table, pairs, positions_table, price_text, regime_text};
use crate::engine::{MarketView, Snapshot};
use crate::ui::app::{App, Tab};
use crate::ui::fmt;
use crate::ui::paint;
use crate::ui::paint::Draw;
use crate::ui::widgets::candles::{aggregate, CandleChart, PatternMarker, PriceLevel};
use crate::ui::widgets::curve::{chart_graph_width, thin_for_braille};
use crate::ui::widgets::{boxed, boxed_line, ruled};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, TableState};

pub fn draw(app: &App, buf: &mut Buffer, area: Rect, snap: &Snapshot) {
    if area.height == 0 {
        return;
    }
    let t = &app.theme;
    let summary_h = area.height.min(2);
    let [summary, main] = Layout::vertical([Constraint::Length(summary_h), Constraint::Min(0)]).areas(area);
    let market = app.symbol_index(snap).map(|i| &snap.markets[i]);
    paint::lines(buf, summary, &summary_lines(app, snap, market, area.width >= 140));
    if main.height < 3 {
        return;
    }

    let wide = main.width >= 140;
    let mut equity_area = None;
    let (chart_area, pos_area, ord_area) = if wide {
        let [left, right] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(main);
        let pos_h = (snap.positions.len() as u16 + 3).max(4).min(right.height / 3);
        let ord_h = (snap.open_orders.len() as u16 + 3).max(4).min(right.height / 3);
        let [p, o, e] =
            Layout::vertical([Constraint::Length(pos_h), Constraint::Length(ord_h), Constraint::Min(0)]).areas(right);
        equity_area = Some(e);
        (left, p, o)
    } else {
        // Tables under the chart (top border only); the chart keeps at least half the height.
        let pos_h = (snap.positions.len() as u16 + 2).min(main.height / 4);
        let ord_h = (snap.open_orders.len() as u16 + 2).min(main.height / 4);
        let [c, p, o] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(pos_h), Constraint::Length(ord_h)]).areas(main);
        (c, p, o)
    };
    if let Some(e) = equity_area {
        draw_equity(app, buf, e, snap);
    }

    match market {
        Some(m) => draw_chart(app, buf, chart_area, snap, m),
        None => {
            let inner = boxed(buf, chart_area, "Chart", t);
            paint::lines(buf, inner, &[Line::from("waiting for market data…")]);
        }
    }

    let mut state = TableState::default().with_selected(app.selected(Tab::Overview, snap.positions.len()));
    let title = format!("Positions ({}) · F flatten", snap.positions.len());
    let section = |buf: &mut Buffer, area: Rect, title: &str| {
        if wide {
            boxed(buf, area, title, t)
        } else {
            ruled(buf, area, title, t)
        }
    };
    let inner = section(buf, pos_area, &title);
    buf.render_stateful_widget(positions_table(snap, t, wide), inner, &mut state);
    let title = format!("Active orders ({})", snap.open_orders.len());
    let inner = section(buf, ord_area, &title);
    buf.render_widget(orders_table(snap, t, wide), inner);
}

fn summary_lines(app: &App, snap: &Snapshot, market: Option<&MarketView>, wide: bool) -> Vec<Line<'static>> {
    let t = &app.theme;
    let a = &snap.account;
    let equity = a.balance.map(|b| fmt::amount(b.equity.to_f64(), 2)).unwrap_or_else(|| "—".into());
    let avail = a.balance.map(|b| fmt::amount(b.available.to_f64(), 2)).unwrap_or_else(|| "—".into());
    let line1 = pairs(
        vec![
            ("Equity", equity, t.title),
            ("Day PnL", fmt::signed_money(a.day_pnl), t.signed(a.day_pnl.to_f64())),
            ("Total PnL", fmt::signed_money(a.total_pnl), t.signed(a.total_pnl.to_f64())),
            ("Drawdown", fmt::drawdown_pct(a.drawdown), if a.drawdown > 0.05 { t.warn } else { t.text }),
            ("Available", avail, t.text),
            ("Fees", fmt::amount(a.fees_paid.to_f64(), 2), t.text),
        ],
        t,
    );
    let Some(m) = market else { return vec![line1] };
    let arrow = if m.change_pct >= 0.0 { "▲" } else { "▼" };
    let active = snap.strategy.modes.iter().find(|m| m.active).map(|m| m.name.clone()).unwrap_or_else(|| "none".into());
    let locked = snap.strategy.modes.iter().any(|m| m.locked);
    let mode = format!(
        "{active}{}",
        if locked {
            " (locked)"
        } else if snap.strategy.auto_switch {
            " (auto)"
        } else {
            ""
        }
    );
    let (pd, _) = decimals(snap, m.symbol);
    let book = match (m.bid, m.ask) {
        (Some(b), Some(a)) => format!("{} / {}", price_text(b.price, pd), price_text(a.price, pd)),
        _ => "—".into(),
    };
    let regime_style = if m.regime_confidence > 0.0 { t.key } else { t.dim };
    let mut items = vec![
        ("", m.symbol.to_string(), t.title),
        ("Last", price_text(m.last_price, pd), t.text),
        ("", format!("{arrow} {}", fmt::signed_f64(m.change_pct, 2) + "%"), t.signed(m.change_pct)),
        ("Regime", regime_text(m), regime_style),
        ("Mode", mode, t.key),
        ("Funding", format!("{}%", fmt::signed_f64(m.funding_rate.to_f64() * 100.0, 4)), t.text),
    ];
    if wide {
        items.push(("Mark", price_text(m.mark_price, pd), t.text));
        items.push(("Bid/Ask", book, t.text));
        items.push(("OI", fmt::amount(m.open_interest, 0), t.text));
    }
    let line2 = pairs(items, t);
    vec![line1, line2]
}

fn draw_chart(app: &App, buf: &mut Buffer, area: Rect, snap: &Snapshot, m: &MarketView) {
    let t = &app.theme;
    let mut candles_buf;
    let overlays_buf: Vec<(String, Vec<f64>)>;
    let interval = app.display_interval().filter(|iv| *iv > m.interval);
    let (candles, overlays): (&[_], &[(String, Vec<f64>)]) = match interval {
        None => {
            candles_buf = Vec::new();
            let all: &[_] = if let Some(p) = m.partial {
                candles_buf.reserve(m.candles.len() + 1);
                candles_buf.extend_from_slice(&m.candles);
                candles_buf.push(p);
                &candles_buf
            } else {
                &m.candles
            };
            (all, &m.overlays)
        }
        Some(iv) => {
            let mut src = m.candles.clone();
            src.extend(m.partial);
            let mut map = Vec::new();
            candles_buf = aggregate(&src, iv, &mut map);
            overlays_buf = m
                .overlays
                .iter()
                .map(|(name, v)| (name.clone(), map.iter().map(|&i| v.get(i).copied().unwrap_or(f64::NAN)).collect()))
                .collect();
            (&candles_buf, &overlays_buf)
        }
    };
    let mut levels = Vec::new();
    // Support/resistance first: position levels drawn later win a shared row.
    for (tag, price) in &m.levels {
        levels.push(PriceLevel { price: *price, tag: tag.clone(), style: t.dim });
    }
    if let Some(pv) = snap.positions.iter().find(|p| p.position.symbol == m.symbol) {
        if let Some(e) = pv.position.entry_price() {
            levels.push(PriceLevel { price: e.to_f64(), tag: "E".into(), style: t.marker });
        }
        if let Some(s) = pv.stop_price {
            levels.push(PriceLevel { price: s.to_f64(), tag: "SL".into(), style: t.down });
        }
        if let Some(tp) = pv.target_price {
            levels.push(PriceLevel { price: tp.to_f64(), tag: "TP".into(), style: t.up });
        }
    }
    // Patterns mark the display candle that contains them (the aggregated bar when zoomed out).
    let bar_open = |ts: i64| interval.map(|iv| iv.bar_open(ts)).unwrap_or(ts);
    let patterns: Vec<PatternMarker> = m
        .patterns
        .iter()
        .filter_map(|p| p.bullish.map(|b| PatternMarker { ts_ms: bar_open(p.ts_ms), name: &p.name, bullish: b }))
        .collect();
    let markers: Vec<(i64, f64, bool)> = snap
        .recent_fills
        .iter()
        .filter(|f| f.symbol == m.symbol)
        .map(|f| (f.ts_ms, f.price.to_f64(), f.side == crate::domain::Side::Buy))
        .collect();
    let (dec, _) = decimals(snap, m.symbol);
    let chart = CandleChart {
        candles,
        overlays,
        levels: &levels,
        markers: &markers,
        patterns: &patterns,
        decimals: dec,
        theme: t,
    };
    let iv = interval.unwrap_or(m.interval);
    let last = candles.last();
    let ohlc = last
        .map(|c| {
            format!(
                " {} O {:.dec$} H {:.dec$} L {:.dec$} C {:.dec$} ",
                if c.close >= c.open { "▲" } else { "▼" },
                c.open.to_f64(),
                c.high.to_f64(),
                c.low.to_f64(),
                c.close.to_f64()
            )
        })
        .unwrap_or_default();
    let title = Line::from(vec![
        Span::styled(format!(" {} {} ", m.symbol, iv), t.title),
        Span::styled(ohlc, t.text),
        Span::styled("s symbol · i interval ", t.dim),
    ]);
    let inner = boxed_line(buf, area, &title, t);
    if inner.height == 0 {
        return;
    }
    let max_legend = if inner.height >= 20 { 2 } else { u16::from(inner.height >= 6) };
    let legend_lines = if max_legend > 0 { chart.legend(inner.width, max_legend) } else { Vec::new() };
    let legend_h = legend_lines.len() as u16;
    let [legend, plot] = Layout::vertical([Constraint::Length(legend_h), Constraint::Min(0)]).areas(inner);
    paint::lines(buf, legend, &legend_lines);
    buf.render_widget(&chart, plot);
}

/// Equity curve (braille line) with start, low, high and last in the title.
fn draw_equity(app: &App, buf: &mut Buffer, area: Rect, snap: &Snapshot) {
    let t = &app.theme;
    let curve = &snap.account.equity_curve;
    if area.height < 5 || curve.len() < 2 {
        return;
    }
    let points: Vec<(f64, f64)> = curve.iter().map(|&(ts, e)| (ts as f64, e)).collect();
    let (lo, hi) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 1.0, hi + 1.0) };
    let (x0, x1) = (points[0].0, points[points.len() - 1].0);
    let first = points[0].1;
    let last = points[points.len() - 1].1;
    let title = Line::from(vec![
        Span::styled(" Equity ", t.title),
        Span::styled(format!("{} ", fmt::amount(last, 2)), t.text),
        Span::styled(format!("{} ", fmt::signed_f64(last - first, 2)), t.signed(last - first)),
        Span::styled(format!("low {} high {} ", fmt::amount(lo, 2), fmt::amount(hi, 2)), t.dim),
    ]);
    let style = if last >= first { t.up } else { t.down };
    let inner = boxed_line(buf, area, &title, t);
    let x_bounds = [x0, x1.max(x0 + 1.0)];
    let x_labels = [Span::styled(fmt::utc_time(x0 as i64), t.dim), Span::styled(fmt::utc_time(x1 as i64), t.dim)];
    let y_labels = [Span::styled(fmt::amount(lo, 0), t.dim), Span::styled(fmt::amount(hi, 0), t.dim)];
    let graph_w = chart_graph_width(inner.width, &y_labels, &x_labels[0]);
    let points = thin_for_braille(&points, x_bounds, [lo, hi], graph_w);
    let dataset = Dataset::default().marker(Marker::Braille).graph_type(GraphType::Line).style(style).data(&points);
    let chart = Chart::new(vec![dataset])
        .x_axis(Axis::default().bounds(x_bounds).labels(x_labels).style(t.border))
        .y_axis(Axis::default().bounds([lo, hi]).labels(y_labels).style(t.border));
    buf.render_widget(chart, inner);
}
