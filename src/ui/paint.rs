//! Cheap drawing for the hot path (every frame): bordered boxes and plain lines written straight
//! into the buffer. ratatui's `Block` and `Paragraph` restyle every cell of their area and run
//! each line through the truncation/alignment machinery; for unwrapped text in a box this does
//! the same drawing with one pass over the cells that actually carry something.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{StatefulWidget, Widget};

/// `Frame`'s two drawing calls on a bare buffer, so the app renders into any `Buffer` (the frame
/// loop's own, a test's) without a `Terminal`.
pub trait Draw {
    /// Renders `widget` into `area`.
    fn render_widget<W: Widget>(&mut self, widget: W, area: Rect);
    /// Renders a stateful `widget` into `area` with its `state`.
    fn render_stateful_widget<W: StatefulWidget>(&mut self, widget: W, area: Rect, state: &mut W::State);
}

impl Draw for Buffer {
    #[inline]
    fn render_widget<W: Widget>(&mut self, widget: W, area: Rect) {
        widget.render(area, self);
    }
    #[inline]
    fn render_stateful_widget<W: StatefulWidget>(&mut self, widget: W, area: Rect, state: &mut W::State) {
        widget.render(area, self, state);
    }
}

/// Draws a plain box border with `title` (spans) after the top-left corner; returns the inside.
pub fn boxed(buf: &mut Buffer, area: Rect, title: &[Span], border: Style) -> Rect {
    let area = area.intersection(buf.area);
    if area.width < 2 || area.height < 2 {
        // Too small for a border: ratatui's Block would draw a clipped one; nothing fits inside.
        if !area.is_empty() {
            rule(buf, area, title, border);
        }
        return Rect { x: area.x, y: area.y, width: 0, height: 0 };
    }
    let (l, r, t, b) = (area.left(), area.right() - 1, area.top(), area.bottom() - 1);
    for x in l + 1..r {
        buf[(x, t)].set_symbol("─").set_style(border);
        buf[(x, b)].set_symbol("─").set_style(border);
    }
    for y in t + 1..b {
        buf[(l, y)].set_symbol("│").set_style(border);
        buf[(r, y)].set_symbol("│").set_style(border);
    }
    buf[(l, t)].set_symbol("┌").set_style(border);
    buf[(r, t)].set_symbol("┐").set_style(border);
    buf[(l, b)].set_symbol("└").set_style(border);
    buf[(r, b)].set_symbol("┘").set_style(border);
    title_at(buf, l + 1, t, area.width - 2, title);
    Rect { x: l + 1, y: t + 1, width: area.width - 2, height: area.height - 2 }
}

/// A top rule carrying `title` (a section without side borders); returns the area under it.
pub fn rule(buf: &mut Buffer, area: Rect, title: &[Span], border: Style) -> Rect {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return area;
    }
    for x in area.left()..area.right() {
        buf[(x, area.y)].set_symbol("─").set_style(border);
    }
    title_at(buf, area.x, area.y, area.width, title);
    Rect { y: area.y + 1, height: area.height - 1, ..area }
}

fn title_at(buf: &mut Buffer, x: u16, y: u16, width: u16, title: &[Span]) {
    let mut x = x;
    let end = x + width;
    for span in title {
        if x >= end {
            break;
        }
        let (nx, _) = buf.set_stringn(x, y, span.content.as_ref(), (end - x) as usize, span.style);
        x = nx;
    }
}

/// Writes `lines` from the top of `area`, one per row, clipped to its width (no wrapping);
/// right/centre alignment and a line's own style are honoured as `Paragraph` does.
pub fn lines(buf: &mut Buffer, area: Rect, lines: &[Line]) {
    let area = area.intersection(buf.area);
    for (line, y) in lines.iter().zip(area.top()..area.bottom()) {
        line_at(buf, Rect { y, height: 1, ..area }, line);
    }
}

/// One line in a one-row `area` (clipped, aligned).
pub fn line_at(buf: &mut Buffer, area: Rect, line: &Line) {
    if area.is_empty() {
        return;
    }
    if line.style != Style::default() {
        buf.set_style(area, line.style);
    }
    let x = match line.alignment {
        Some(Alignment::Right) | Some(Alignment::Center) => {
            let w = line.width().min(area.width as usize) as u16;
            let room = area.width - w;
            area.x + if line.alignment == Some(Alignment::Right) { room } else { room / 2 }
        }
        _ => area.x,
    };
    let end = area.right();
    let mut x = x;
    for span in &line.spans {
        if x >= end {
            break;
        }
        let style = line.style.patch(span.style);
        let (nx, _) = buf.set_stringn(x, area.y, span.content.as_ref(), (end - x) as usize, style);
        x = nx;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Color;
    use ratatui::widgets::{Block, Borders, Paragraph, Widget};

    fn text(buf: &Buffer) -> Vec<String> {
        (0..buf.area.height).map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect()).collect()
    }

    #[test]
    fn boxed_lines_match_block_and_paragraph() {
        let title = [Span::styled(" Limits ", Style::new().fg(Color::Yellow))];
        let border = Style::new().fg(Color::DarkGray);
        let body = vec![
            Line::from(vec![Span::raw("Daily loss "), Span::styled("80%", Style::new().red())]),
            Line::from("right").right_aligned(),
            Line::from("a line longer than the box is wide"),
        ];
        let area = Rect::new(0, 0, 16, 5);
        let mut ours = Buffer::empty(area);
        let inner = boxed(&mut ours, area, &title, border);
        assert_eq!(inner, Rect::new(1, 1, 14, 3));
        lines(&mut ours, inner, &body);
        let mut theirs = Buffer::empty(area);
        let block = Block::default().borders(Borders::ALL).border_style(border).title(Line::from(title.to_vec()));
        Paragraph::new(body.clone()).block(block).render(area, &mut theirs);
        assert_eq!(text(&ours), text(&theirs));
        assert_eq!(ours, theirs, "styles too");
        // A top rule section.
        let mut ours = Buffer::empty(area);
        let inner = rule(&mut ours, area, &title, border);
        lines(&mut ours, inner, &body);
        let mut theirs = Buffer::empty(area);
        let block = Block::default().borders(Borders::TOP).border_style(border).title(Line::from(title.to_vec()));
        Paragraph::new(body).block(block).render(area, &mut theirs);
        assert_eq!(ours, theirs);
    }

    #[test]
    fn tiny_areas_do_not_panic() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 3, 3));
        for area in [Rect::new(0, 0, 0, 0), Rect::new(0, 0, 1, 1), Rect::new(1, 1, 5, 5), Rect::new(0, 0, 2, 2)] {
            let inner = boxed(&mut buf, area, &[Span::raw(" T ")], Style::default());
            lines(&mut buf, inner, &[Line::from("xyz")]);
            rule(&mut buf, area, &[Span::raw(" T ")], Style::default());
        }
    }
}
