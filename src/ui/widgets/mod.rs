//! Reusable pieces: the candlestick chart, the order ticket, the parameter editor, popups,
//! blocks and the venue badge.

pub mod candles;
pub mod curve;
pub mod params;
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

/// Draws a bordered box titled ` {title} ` (as `block` looks) straight into the frame's buffer and
/// returns the inside: the cheap way for every-frame panels (see `ui::paint`).
pub fn boxed(buf: &mut ratatui::buffer::Buffer, area: Rect, title: &str, theme: &Theme) -> Rect {
    let title = [Span::styled(" ", theme.title), Span::styled(title, theme.title), Span::styled(" ", theme.title)];
    crate::ui::paint::boxed(buf, area, &title, theme.border)
}

/// `boxed` with a title made of several styled parts.
pub fn boxed_line(buf: &mut ratatui::buffer::Buffer, area: Rect, title: &Line, theme: &Theme) -> Rect {
    crate::ui::paint::boxed(buf, area, &title.spans, theme.border)
}

/// Like `top_block`: a top rule with the title; returns the area under it.
pub fn ruled(buf: &mut ratatui::buffer::Buffer, area: Rect, title: &str, theme: &Theme) -> Rect {
    let title = [Span::styled(" ", theme.title), Span::styled(title, theme.title), Span::styled(" ", theme.title)];
    crate::ui::paint::rule(buf, area, &title, theme.border)
}

/// A `w` × `h` rectangle centred in `area`, shrunk to fit.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// What kind of venue a run trades on, from the snapshot's `venue` and `live`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VenueKind {
    /// Built-in simulated market and simulated fills.
    Demo,
    /// Live market data, simulated fills.
    Paper,
    /// Bybit testnet (test money on the exchange).
    Testnet,
    /// Bybit demo trading (mainnet data, demo money on the exchange).
    DemoTrading,
    /// The local mock exchange.
    Mock,
    /// Real money.
    Live,
    /// A name this build does not know (shown as given).
    Other,
}

impl VenueKind {
    /// `mainnet`, or anything with `live` set, is `Live`: the badge never understates the risk.
    pub fn of(venue: &str, live: bool) -> Self {
        if live {
            return VenueKind::Live;
        }
        match venue.trim().to_ascii_lowercase().as_str() {
            "demo" => VenueKind::Demo,
            "paper" => VenueKind::Paper,
            "testnet" => VenueKind::Testnet,
            "demo-trading" | "demo_trading" => VenueKind::DemoTrading,
            "mock" => VenueKind::Mock,
            "mainnet" | "live" => VenueKind::Live,
            _ => VenueKind::Other,
        }
    }

    /// Whether market data comes from a stream (so a stream lag means something).
    pub fn streams(self) -> bool {
        !matches!(self, VenueKind::Demo)
    }
}

/// The venue label: ` DEMO `, ` PAPER `, ` TESTNET `, ` DEMO-TRADING `, ` MOCK `, or
/// ` LIVE mainnet ` in the live style (red, bold: with the word, not only the colour).
pub fn venue_badge(venue: &str, live: bool, t: &Theme) -> Span<'static> {
    let (text, style) = match VenueKind::of(venue, live) {
        VenueKind::Demo => (" DEMO ".to_string(), t.ok),
        VenueKind::Paper => (" PAPER ".to_string(), t.ok),
        VenueKind::Testnet => (" TESTNET ".to_string(), t.warn),
        VenueKind::DemoTrading => (" DEMO-TRADING ".to_string(), t.warn),
        VenueKind::Mock => (" MOCK ".to_string(), t.ok),
        VenueKind::Live => (format!(" LIVE {} ", if venue.is_empty() { "mainnet" } else { venue }), t.live),
        VenueKind::Other => (format!(" {} ", venue.to_ascii_uppercase()), t.warn),
    };
    Span::styled(text, style)
}
