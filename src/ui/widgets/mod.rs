//! Reusable pieces: the candlestick chart, the order ticket, popups and blocks.

pub mod candles;
pub mod ticket;

use crate::ui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

/// A bordered block with a styled title.
pub fn block<'a>(title: &'a str, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(format!(" {title} "), theme.title))
}

/// A bordered block owning its title text.
pub fn block_owned(title: String, theme: &Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(format!(" {title} "), theme.title))
}

/// A section with only a top rule carrying the title (saves rows on small screens).
pub fn top_block(title: String, theme: &Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(format!(" {title} "), theme.title))
}

/// A bordered block whose title is a whole line (several styled parts).
pub fn block_line<'a>(title: Line<'a>, theme: &Theme) -> Block<'a> {
    Block::default().borders(Borders::ALL).border_style(theme.border).title(title)
}

/// A `w` × `h` rectangle centred in `area`, shrunk to fit.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}
