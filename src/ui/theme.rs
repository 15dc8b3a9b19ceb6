//! Colours of the workstation: one palette in 256 colours that degrades to the 16 basic ANSI
//! colours when the terminal says it has no more. Colour never carries meaning alone: every
//! styled value also has a sign, a label or a glyph (see `fmt`).

use ratatui::style::{Color, Modifier, Style};

/// How many colours the terminal offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    /// The 16 basic ANSI colours.
    Basic16,
    /// The xterm 256-colour palette (also used on truecolor terminals).
    Indexed256,
}

impl ColorDepth {
    /// Decides from `COLORTERM` and `TERM` (as tmux and SSH pass them on).
    pub fn detect(colorterm: Option<&str>, term: Option<&str>) -> Self {
        let colorterm = colorterm.unwrap_or("").to_ascii_lowercase();
        let term = term.unwrap_or("").to_ascii_lowercase();
        if colorterm.contains("truecolor")
            || colorterm.contains("24bit")
            || term.contains("256color")
            || term.contains("direct")
        {
            ColorDepth::Indexed256
        } else {
            ColorDepth::Basic16
        }
    }

    /// Reads the environment of this process.
    pub fn from_env() -> Self {
        let colorterm = std::env::var("COLORTERM").ok();
        let term = std::env::var("TERM").ok();
        Self::detect(colorterm.as_deref(), term.as_deref())
    }
}

/// Every style the UI uses, by role.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub depth: ColorDepth,
    pub text: Style,
    pub dim: Style,
    pub title: Style,
    pub border: Style,
    pub border_focus: Style,
    pub header: Style,
    pub selected: Style,
    pub tab_active: Style,
    pub up: Style,
    pub down: Style,
    pub neutral: Style,
    pub warn: Style,
    pub critical: Style,
    pub ok: Style,
    pub live: Style,
    pub key: Style,
    pub gauge_ok: Style,
    pub gauge_warn: Style,
    pub gauge_bad: Style,
    /// Colours of the chart overlays, in order.
    pub overlays: [Color; 6],
    pub volume: Style,
    pub marker: Style,
}

impl Theme {
    pub fn new(depth: ColorDepth) -> Self {
        // (256-colour index, basic fallback)
        let c = |idx: u8, basic: Color| match depth {
            ColorDepth::Indexed256 => Color::Indexed(idx),
            ColorDepth::Basic16 => basic,
        };
        let green = c(71, Color::Green);
        let red = c(167, Color::Red);
        let amber = c(178, Color::Yellow);
        let grey = c(244, Color::DarkGray);
        let light = c(252, Color::White);
        let blue = c(74, Color::Cyan);
        Theme {
            depth,
            text: Style::new().fg(light),
            dim: Style::new().fg(grey),
            title: Style::new().fg(blue).add_modifier(Modifier::BOLD),
            border: Style::new().fg(c(240, Color::DarkGray)),
            border_focus: Style::new().fg(blue),
            header: Style::new().fg(c(250, Color::Gray)).add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            selected: Style::new().bg(c(237, Color::Blue)).fg(c(255, Color::White)).add_modifier(Modifier::BOLD),
            tab_active: Style::new().fg(c(16, Color::Black)).bg(blue).add_modifier(Modifier::BOLD),
            up: Style::new().fg(green),
            down: Style::new().fg(red),
            neutral: Style::new().fg(light),
            warn: Style::new().fg(amber).add_modifier(Modifier::BOLD),
            critical: Style::new().fg(c(231, Color::White)).bg(c(124, Color::Red)).add_modifier(Modifier::BOLD),
            ok: Style::new().fg(green).add_modifier(Modifier::BOLD),
            live: Style::new().fg(c(231, Color::White)).bg(c(160, Color::Red)).add_modifier(Modifier::BOLD),
            key: Style::new().fg(amber).add_modifier(Modifier::BOLD),
            gauge_ok: Style::new().fg(green).bg(c(235, Color::Black)),
            gauge_warn: Style::new().fg(amber).bg(c(235, Color::Black)),
            gauge_bad: Style::new().fg(red).bg(c(235, Color::Black)),
            overlays: [
                c(75, Color::Cyan),
                c(213, Color::Magenta),
                c(222, Color::Yellow),
                c(147, Color::LightBlue),
                c(120, Color::LightGreen),
                c(210, Color::LightRed),
            ],
            volume: Style::new().fg(c(60, Color::Blue)),
            marker: Style::new().fg(amber).add_modifier(Modifier::BOLD),
        }
    }

    pub fn from_env() -> Self {
        Self::new(ColorDepth::from_env())
    }

    /// Green for > 0, red for < 0, plain for 0.
    pub fn signed(&self, v: f64) -> Style {
        if v > 0.0 {
            self.up
        } else if v < 0.0 {
            self.down
        } else {
            self.neutral
        }
    }

    /// Gauge colour by utilisation: < 70 % fine, < 90 % warning, above bad.
    pub fn gauge(&self, utilisation: f64) -> Style {
        if utilisation >= 0.9 {
            self.gauge_bad
        } else if utilisation >= 0.7 {
            self.gauge_warn
        } else {
            self.gauge_ok
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_follows_colorterm_and_term() {
        assert_eq!(ColorDepth::detect(Some("truecolor"), Some("xterm")), ColorDepth::Indexed256);
        assert_eq!(ColorDepth::detect(None, Some("screen-256color")), ColorDepth::Indexed256);
        assert_eq!(ColorDepth::detect(None, Some("xterm")), ColorDepth::Basic16);
        assert_eq!(ColorDepth::detect(None, Some("linux")), ColorDepth::Basic16);
        assert_eq!(ColorDepth::detect(None, None), ColorDepth::Basic16);
    }

    #[test]
    fn basic_palette_uses_only_the_16_colours() {
        let t = Theme::new(ColorDepth::Basic16);
        for style in [t.up, t.down, t.warn, t.live, t.text, t.dim, t.selected] {
            for c in [style.fg, style.bg].into_iter().flatten() {
                assert!(!matches!(c, Color::Indexed(_) | Color::Rgb(..)), "{c:?} is not a basic colour");
            }
        }
        let t = Theme::new(ColorDepth::Indexed256);
        assert_eq!(t.up.fg, Some(Color::Indexed(71)));
    }

    #[test]
    fn gauge_thresholds() {
        let t = Theme::new(ColorDepth::Basic16);
        assert_eq!(t.gauge(0.5), t.gauge_ok);
        assert_eq!(t.gauge(0.75), t.gauge_warn);
        assert_eq!(t.gauge(0.95), t.gauge_bad);
        assert_eq!(t.signed(-1.0), t.down);
    }
}
