//! The manual order ticket: its fields as data, key editing, exact parsing into a `ManualOrder`
//! (typed text → `Qty`/`Price` without floats), and its popup. A parse error stays in the ticket.

use crate::domain::{ManualOrder, OrderType, ParseDecimalError, Price, Qty, Side, Symbol, TimeInForce};
use crate::ui::paint::Draw;
use crate::ui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use std::str::FromStr;

/// Market, limit, or stop (conditional; market or, with a price, limit once triggered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketKind {
    Market,
    Limit,
    Stop,
}

impl TicketKind {
    fn label(self) -> &'static str {
        match self {
            TicketKind::Market => "Market",
            TicketKind::Limit => "Limit",
            TicketKind::Stop => "Stop",
        }
    }
    fn next(self) -> Self {
        match self {
            TicketKind::Market => TicketKind::Limit,
            TicketKind::Limit => TicketKind::Stop,
            TicketKind::Stop => TicketKind::Market,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Symbol,
    Side,
    Kind,
    Qty,
    Price,
    Trigger,
    ReduceOnly,
    PostOnly,
}

const FIELDS: [Field; 8] = [
    Field::Symbol,
    Field::Side,
    Field::Kind,
    Field::Qty,
    Field::Price,
    Field::Trigger,
    Field::ReduceOnly,
    Field::PostOnly,
];

/// Why a ticket cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    #[error("unknown symbol `{0}`")]
    UnknownSymbol(String),
    #[error("qty: {0}")]
    BadQty(ParseDecimalError),
    #[error("qty must be above 0 (got `{0}`)")]
    QtyNotPositive(String),
    #[error("price: {0}")]
    BadPrice(ParseDecimalError),
    #[error("trigger: {0}")]
    BadTrigger(ParseDecimalError),
    #[error("price must be above 0 (got `{0}`)")]
    PriceNotPositive(String),
    #[error("a limit order needs a price")]
    MissingPrice,
    #[error("a stop order needs a trigger price")]
    MissingTrigger,
    #[error("post-only needs a limit price")]
    PostOnlyNeedsPrice,
}

/// What a key did to the ticket.
#[derive(Debug, Clone, PartialEq)]
pub enum TicketOutcome {
    Editing,
    Close,
    Submit(ManualOrder),
}

#[derive(Debug, Clone)]
pub struct Ticket {
    pub field: usize,
    pub symbol: String,
    pub side: Side,
    pub kind: TicketKind,
    pub qty: String,
    pub price: String,
    pub trigger: String,
    pub reduce_only: bool,
    pub post_only: bool,
    pub error: Option<String>,
}

fn parse_positive<T: FromStr<Err = ParseDecimalError> + PartialOrd + Default>(
    text: &str,
    bad: fn(ParseDecimalError) -> TicketError,
    not_positive: fn(String) -> TicketError,
) -> Result<T, TicketError> {
    let v: T = text.trim().parse().map_err(bad)?;
    if v <= T::default() {
        return Err(not_positive(text.trim().to_string()));
    }
    Ok(v)
}

impl Ticket {
    pub fn new(symbol: Symbol) -> Self {
        Ticket {
            field: Field::Qty as usize,
            symbol: symbol.to_string(),
            side: Side::Buy,
            kind: TicketKind::Limit,
            qty: String::new(),
            price: String::new(),
            trigger: String::new(),
            reduce_only: false,
            post_only: false,
            error: None,
        }
    }

    pub fn current(&self) -> Field {
        FIELDS[self.field.min(FIELDS.len() - 1)]
    }

    fn applies(&self, f: Field) -> bool {
        match f {
            Field::Price => self.kind != TicketKind::Market,
            Field::Trigger => self.kind == TicketKind::Stop,
            Field::PostOnly => self.kind != TicketKind::Market,
            _ => true,
        }
    }

    /// Reads the fields into an order, exactly; `known` are the symbols the engine trades.
    pub fn build(&self, known: &[Symbol]) -> Result<ManualOrder, TicketError> {
        let symbol = known
            .iter()
            .copied()
            .find(|s| s.as_str().eq_ignore_ascii_case(self.symbol.trim()))
            .ok_or_else(|| TicketError::UnknownSymbol(self.symbol.trim().to_string()))?;
        let qty: Qty = parse_positive(&self.qty, TicketError::BadQty, TicketError::QtyNotPositive)?;
        let price_text = self.price.trim();
        let price = |missing: Option<TicketError>| -> Result<Option<Price>, TicketError> {
            if price_text.is_empty() {
                return match missing {
                    Some(e) => Err(e),
                    None => Ok(None),
                };
            }
            parse_positive(price_text, TicketError::BadPrice, TicketError::PriceNotPositive).map(Some)
        };
        let (order_type, price, trigger_price) = match self.kind {
            TicketKind::Market => (OrderType::Market, None, None),
            TicketKind::Limit => (OrderType::Limit, price(Some(TicketError::MissingPrice))?, None),
            TicketKind::Stop => {
                if self.trigger.trim().is_empty() {
                    return Err(TicketError::MissingTrigger);
                }
                let trigger: Price =
                    parse_positive(&self.trigger, TicketError::BadTrigger, TicketError::PriceNotPositive)?;
                let limit = price(None)?;
                (if limit.is_some() { OrderType::Limit } else { OrderType::Market }, limit, Some(trigger))
            }
        };
        let time_in_force = match (order_type, self.post_only && self.kind != TicketKind::Market) {
            (OrderType::Limit, true) => TimeInForce::PostOnly,
            (OrderType::Market, true) => return Err(TicketError::PostOnlyNeedsPrice),
            (OrderType::Limit, false) => TimeInForce::Gtc,
            (OrderType::Market, false) => TimeInForce::Ioc,
        };
        Ok(ManualOrder {
            symbol,
            side: self.side,
            order_type,
            qty,
            price,
            trigger_price,
            time_in_force,
            reduce_only: self.reduce_only,
        })
    }

    /// Edits the ticket; Tab/↓ and Shift-Tab/↑ move between fields, Enter submits, Esc closes.
    pub fn handle_key(&mut self, key: &KeyEvent, known: &[Symbol]) -> TicketOutcome {
        let n = FIELDS.len();
        match key.code {
            KeyCode::Esc => return TicketOutcome::Close,
            KeyCode::Enter => {
                return match self.build(known) {
                    Ok(order) => TicketOutcome::Submit(order),
                    Err(e) => {
                        self.error = Some(e.to_string());
                        TicketOutcome::Editing
                    }
                }
            }
            KeyCode::Tab | KeyCode::Down => self.field = (self.field + 1) % n,
            KeyCode::BackTab | KeyCode::Up => self.field = (self.field + n - 1) % n,
            code => self.edit(code, key.modifiers, known),
        }
        TicketOutcome::Editing
    }

    fn edit(&mut self, code: KeyCode, mods: KeyModifiers, known: &[Symbol]) {
        if mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
            return;
        }
        let toggle = matches!(code, KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right);
        match self.current() {
            Field::Symbol => match code {
                KeyCode::Left | KeyCode::Right if !known.is_empty() => {
                    let pos = known.iter().position(|s| s.as_str().eq_ignore_ascii_case(&self.symbol));
                    let next = match (pos, code) {
                        (Some(p), KeyCode::Left) => (p + known.len() - 1) % known.len(),
                        (Some(p), _) => (p + 1) % known.len(),
                        (None, _) => 0,
                    };
                    self.symbol = known[next].to_string();
                }
                KeyCode::Char(c) if c.is_ascii_alphanumeric() && self.symbol.len() < Symbol::CAPACITY => {
                    self.symbol.push(c.to_ascii_uppercase())
                }
                KeyCode::Backspace => {
                    self.symbol.pop();
                }
                _ => {}
            },
            Field::Side => match code {
                KeyCode::Char('b') => self.side = Side::Buy,
                KeyCode::Char('s') => self.side = Side::Sell,
                _ if toggle => self.side = self.side.opposite(),
                _ => {}
            },
            Field::Kind => match code {
                KeyCode::Char('m') => self.kind = TicketKind::Market,
                KeyCode::Char('l') => self.kind = TicketKind::Limit,
                KeyCode::Char('s') => self.kind = TicketKind::Stop,
                _ if toggle => self.kind = self.kind.next(),
                _ => {}
            },
            Field::Qty | Field::Price | Field::Trigger => {
                let text = match self.current() {
                    Field::Qty => &mut self.qty,
                    Field::Price => &mut self.price,
                    _ => &mut self.trigger,
                };
                match code {
                    KeyCode::Char(c) if (c.is_ascii_digit() || c == '.') && text.len() < 24 => text.push(c),
                    KeyCode::Backspace => {
                        text.pop();
                    }
                    _ => {}
                }
            }
            Field::ReduceOnly => match code {
                KeyCode::Char('y') => self.reduce_only = true,
                KeyCode::Char('n') => self.reduce_only = false,
                _ if toggle => self.reduce_only = !self.reduce_only,
                _ => {}
            },
            Field::PostOnly => match code {
                KeyCode::Char('y') => self.post_only = true,
                KeyCode::Char('n') => self.post_only = false,
                _ if toggle => self.post_only = !self.post_only,
                _ => {}
            },
        }
        self.error = None;
    }

    /// Draws the popup centred in `area`. `venue` is shown in the title, red with LIVE when live.
    pub fn draw(&self, buf: &mut Buffer, area: Rect, theme: &Theme, venue: &str, live: bool, info: &[Line<'static>]) {
        let w = area.width.min(56);
        let h = area.height.min(14 + info.len() as u16);
        let popup = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
        buf.render_widget(Clear, popup);
        let venue_span = super::venue_badge(venue, live, theme);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if live { theme.down } else { theme.border_focus })
            .title(Line::from(vec![Span::styled(" Order ticket ", theme.title), venue_span]));
        let yes_no = |b: bool| if b { "[x] yes" } else { "[ ] no" };
        let mut lines = Vec::with_capacity(12 + info.len());
        for (i, f) in FIELDS.iter().enumerate() {
            let (label, value) = match f {
                Field::Symbol => ("Symbol", self.symbol.clone()),
                Field::Side => ("Side", if self.side == Side::Buy { "▲ Buy".into() } else { "▼ Sell".into() }),
                Field::Kind => ("Type", self.kind.label().to_string()),
                Field::Qty => ("Qty", self.qty.clone()),
                Field::Price => ("Price", self.price.clone()),
                Field::Trigger => ("Trigger", self.trigger.clone()),
                Field::ReduceOnly => ("Reduce-only", yes_no(self.reduce_only).to_string()),
                Field::PostOnly => ("Post-only", yes_no(self.post_only).to_string()),
            };
            let focused = i == self.field;
            let applies = self.applies(*f);
            let value_style = if !applies {
                theme.dim
            } else if *f == Field::Side {
                if self.side == Side::Buy {
                    theme.up
                } else {
                    theme.down
                }
            } else {
                theme.text
            };
            let shown = if applies { value } else { format!("{value} (n/a)") };
            let cursor = if focused && matches!(f, Field::Symbol | Field::Qty | Field::Price | Field::Trigger) {
                "▏"
            } else {
                ""
            };
            lines.push(Line::from(vec![
                Span::styled(if focused { "› " } else { "  " }, theme.key),
                Span::styled(format!("{label:<12}"), if focused { theme.selected } else { theme.dim }),
                Span::raw(" "),
                Span::styled(format!("{shown}{cursor}"), value_style),
            ]));
        }
        lines.push(Line::default());
        if let Some(err) = &self.error {
            lines.push(Line::from(vec![Span::styled("✗ ", theme.down), Span::styled(err.clone(), theme.warn)]));
        } else {
            lines.push(Line::from(Span::styled("Tab/↑↓ field · type/space edit · Enter send · Esc close", theme.dim)));
        }
        lines.extend(info.iter().cloned());
        buf.render_widget(Paragraph::new(lines).block(block).style(Style::default()).wrap(Wrap { trim: false }), popup);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<Symbol> {
        vec![Symbol::new("BTCUSDT").unwrap(), Symbol::new("ETHUSDT").unwrap()]
    }

    fn ticket() -> Ticket {
        Ticket::new(Symbol::new("BTCUSDT").unwrap())
    }

    #[test]
    fn limit_ticket_parses_exactly() {
        let mut t = ticket();
        t.qty = "0.123".into();
        t.price = "67000.5".into();
        t.post_only = true;
        let o = t.build(&known()).unwrap();
        assert_eq!(o.qty, Qty::from_raw(12_300_000));
        assert_eq!(o.price, Some(Price::from_raw(6_700_050_000_000)));
        assert_eq!(o.order_type, OrderType::Limit);
        assert_eq!(o.time_in_force, TimeInForce::PostOnly);
        assert_eq!(o.trigger_price, None);
    }

    #[test]
    fn stop_and_market_variants() {
        let mut t = ticket();
        t.kind = TicketKind::Stop;
        t.side = Side::Sell;
        t.qty = "2".into();
        t.trigger = "65000".into();
        t.price = "".into();
        t.reduce_only = true;
        let o = t.build(&known()).unwrap();
        assert_eq!((o.order_type, o.price, o.trigger_price), (OrderType::Market, None, Some(Price::from_int(65_000))));
        assert_eq!(o.time_in_force, TimeInForce::Ioc);
        assert!(o.reduce_only);
        t.post_only = true;
        assert_eq!(t.build(&known()), Err(TicketError::PostOnlyNeedsPrice));
        t.price = "64990".into();
        let o = t.build(&known()).unwrap();
        assert_eq!(
            (o.order_type, o.price, o.time_in_force),
            (OrderType::Limit, Some(Price::from_int(64_990)), TimeInForce::PostOnly)
        );
        // A market ticket ignores the (greyed) price field.
        t.kind = TicketKind::Market;
        let o = t.build(&known()).unwrap();
        assert_eq!((o.order_type, o.price, o.trigger_price), (OrderType::Market, None, None));
    }

    #[test]
    fn errors_name_the_bad_text() {
        let mut t = ticket();
        t.qty = "1.2.3".into();
        t.price = "100".into();
        assert_eq!(t.build(&known()).unwrap_err().to_string(), "qty: `1.2.3` is not a decimal number");
        t.qty = "0".into();
        assert_eq!(t.build(&known()), Err(TicketError::QtyNotPositive("0".into())));
        t.qty = "0.000000001".into();
        assert!(matches!(t.build(&known()), Err(TicketError::BadQty(ParseDecimalError::TooPrecise(_)))));
        t.qty = "1".into();
        t.price = "".into();
        assert_eq!(t.build(&known()), Err(TicketError::MissingPrice));
        t.symbol = "DOGEUSDT".into();
        assert_eq!(t.build(&known()), Err(TicketError::UnknownSymbol("DOGEUSDT".into())));
        t.symbol = "ethusdt".into();
        t.price = "3000".into();
        assert_eq!(t.build(&known()).unwrap().symbol, known()[1]);
    }

    #[test]
    fn keys_edit_fields_and_errors_stay_in_the_ticket() {
        let k = |c: KeyCode| KeyEvent::new(c, KeyModifiers::NONE);
        let mut t = ticket();
        assert_eq!(t.current(), Field::Qty);
        for c in "0.5".chars() {
            t.handle_key(&k(KeyCode::Char(c)), &known());
        }
        // Enter without a price: the error is kept, nothing is submitted.
        assert_eq!(t.handle_key(&k(KeyCode::Enter), &known()), TicketOutcome::Editing);
        assert_eq!(t.error.as_deref(), Some("a limit order needs a price"));
        t.handle_key(&k(KeyCode::Tab), &known());
        assert_eq!(t.current(), Field::Price);
        // Moving between fields keeps the error; typing clears it.
        assert!(t.error.is_some());
        for c in "100x1".chars() {
            t.handle_key(&k(KeyCode::Char(c)), &known());
        }
        assert_eq!(t.price, "1001");
        assert_eq!(t.error, None);
        t.handle_key(&k(KeyCode::Backspace), &known());
        t.handle_key(&k(KeyCode::BackTab), &known());
        t.handle_key(&k(KeyCode::BackTab), &known());
        t.handle_key(&k(KeyCode::BackTab), &known());
        assert_eq!(t.current(), Field::Side);
        t.handle_key(&k(KeyCode::Char(' ')), &known());
        assert_eq!(t.side, Side::Sell);
        t.handle_key(&k(KeyCode::BackTab), &known());
        t.handle_key(&k(KeyCode::Right), &known());
        assert_eq!(t.symbol, "ETHUSDT");
        match t.handle_key(&k(KeyCode::Enter), &known()) {
            TicketOutcome::Submit(o) => {
                assert_eq!(
                    (o.side, o.qty, o.price),
                    (Side::Sell, Qty::from_raw(50_000_000), Some(Price::from_int(100)))
                );
                assert_eq!(o.symbol.as_str(), "ETHUSDT");
            }
            other => panic!("expected a submit, got {other:?}"),
        }
        assert_eq!(t.handle_key(&k(KeyCode::Esc), &known()), TicketOutcome::Close);
    }
}
