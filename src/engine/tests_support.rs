//! Test support for the engine's risk wiring: a hand-driven venue double (`Desk`) that answers
//! the engine's actions at a price the test sets (or never answers), and candle/fill builders.

use super::{Engine, EngineConfig};
use crate::domain::{
    Action, Balance, Candle, ClientOrderId, Event, ExecId, Fill, Instrument, Interval, Money, OrderId, OrderStatus,
    OrderType, OrderUpdate, Price, Qty, Rate, Side, Symbol,
};
use crate::strategy::TrendConfig;
use std::collections::HashMap;

pub(super) const T0: i64 = 1_700_000_000_000 - 1_700_000_000_000 % 60_000;

pub(super) fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap()
}

pub(super) fn inst(s: &str) -> Instrument {
    Instrument::demo(sym(s), "0.01", "0.001", "0.001", "1000")
}

pub(super) fn p(v: &str) -> Price {
    v.parse().unwrap()
}

pub(super) fn q(v: &str) -> Qty {
    v.parse().unwrap()
}

/// One-minute bars, the trend follower off (no signals of its own), no analysis.
pub(super) fn config(risk: crate::risk::RiskConfig) -> EngineConfig {
    EngineConfig {
        interval: Interval::M1,
        trend: TrendConfig { enabled: false, timeframe: Interval::M1, ..TrendConfig::default() },
        analysis: false,
        history_len: 0,
        risk,
        ..EngineConfig::default()
    }
}

/// An engine with `symbols` and 10,000 USDT.
pub(super) fn engine(risk: crate::risk::RiskConfig, symbols: &[&str]) -> Engine {
    let mut e = Engine::new(config(risk));
    for s in symbols {
        e.on_event(&Event::Instrument(inst(s)));
    }
    let m = Money::from_int(10_000);
    let b = Balance {
        wallet_balance: m,
        equity: m,
        available: m,
        used_margin: Money::ZERO,
        unrealised_pnl: Money::ZERO,
        ts_ms: T0,
    };
    e.on_event(&Event::Balance(b));
    e
}

/// A closed one-minute bar `k` closing at `close` with a true range of 2 (high/low ±1).
pub(super) fn bar(symbol: &str, k: i64, close: Price) -> Event {
    let one = Price::from_int(1);
    Event::Candle(Candle {
        symbol: sym(symbol),
        interval: Interval::M1,
        ts_ms: T0 + k * 60_000,
        open: close,
        high: close + one,
        low: close - one,
        close,
        volume: 1.0,
        turnover: 0.0,
        closed: true,
    })
}

/// What the double knows of an order.
#[derive(Debug, Clone, Copy)]
pub(super) struct Held {
    pub symbol: Symbol,
    pub status: OrderStatus,
    pub qty: Qty,
    pub trigger: Option<Price>,
}

/// A venue double: acknowledges orders, fills market orders at `price` with a 0.055 % taker
/// fee, applies amendments and cancels. With `silent` it answers nothing.
#[derive(Debug, Default)]
pub(super) struct Desk {
    pub price: HashMap<Symbol, Price>,
    pub orders: HashMap<ClientOrderId, Held>,
    pub silent: bool,
    pub fills: Vec<Fill>,
    pub amends: Vec<(ClientOrderId, Price)>,
    pub placed: Vec<crate::domain::OrderRequest>,
    pub seq: u64,
}

impl Desk {
    /// Answers `actions` and feeds the answers back, until the engine is quiet; returns every
    /// action seen.
    pub fn settle(&mut self, e: &mut Engine, first: Vec<Action>, ts: i64) -> Vec<Action> {
        let mut all = Vec::new();
        let mut todo = first;
        for _ in 0..16 {
            if todo.is_empty() {
                break;
            }
            let mut events = Vec::new();
            for a in &todo {
                self.answer(a, ts, &mut events);
            }
            all.append(&mut todo);
            for ev in events {
                todo.extend(e.on_event(&ev));
            }
        }
        all.extend(todo);
        all
    }

    /// Feeds one event and settles its consequences.
    pub fn feed(&mut self, e: &mut Engine, ev: &Event) -> Vec<Action> {
        if let Event::Candle(c) = ev {
            self.price.insert(c.symbol, c.close);
        }
        let ts = ev.ts_ms().unwrap_or(e.now_ms());
        let first = e.on_event(ev);
        self.settle(e, first, ts)
    }

    fn update(&self, id: ClientOrderId, h: &Held, ts: i64) -> Event {
        Event::Order(OrderUpdate {
            client_order_id: id,
            order_id: None,
            symbol: h.symbol,
            status: h.status,
            qty: h.qty,
            price: None,
            trigger_price: h.trigger,
            filled_qty: if h.status == OrderStatus::Filled { h.qty } else { Qty::ZERO },
            ts_ms: ts,
            reason: None,
        })
    }

    pub fn fill(&mut self, id: ClientOrderId, symbol: Symbol, side: Side, qty: Qty, price: Price, ts: i64) -> Fill {
        self.seq += 1;
        let fee = Money::from_f64((price * qty).to_f64() * 0.00055).unwrap_or(Money::ZERO);
        let f = Fill {
            symbol,
            client_order_id: id,
            order_id: OrderId::new(&format!("o{}", self.seq)).unwrap(),
            exec_id: ExecId::new(&format!("x{}", self.seq)).unwrap(),
            side,
            price,
            qty,
            fee,
            fee_rate: Rate::from_f64(0.00055).unwrap(),
            is_maker: false,
            ts_ms: ts,
        };
        self.fills.push(f);
        f
    }

    fn answer(&mut self, a: &Action, ts: i64, out: &mut Vec<Event>) {
        if self.silent {
            return;
        }
        match a {
            Action::PlaceOrder(r) => {
                self.placed.push(*r);
                let id = r.client_order_id;
                let mut h = Held { symbol: r.symbol, status: OrderStatus::New, qty: r.qty, trigger: None };
                if let Some(t) = r.trigger_price {
                    h.status = OrderStatus::Untriggered;
                    h.trigger = Some(t);
                    out.push(self.update(id, &h, ts));
                } else if r.order_type == OrderType::Market {
                    out.push(self.update(id, &h, ts));
                    let px = self.price.get(&r.symbol).copied().unwrap_or(r.decision_price);
                    let f = self.fill(id, r.symbol, r.side, r.qty, px, ts);
                    out.push(Event::Fill(f));
                    h.status = OrderStatus::Filled;
                    out.push(self.update(id, &h, ts));
                } else {
                    out.push(self.update(id, &h, ts));
                }
                self.orders.insert(id, h);
            }
            Action::AmendOrder { client_order_id, qty, trigger_price, .. } => {
                if let Some(h) = self.orders.get_mut(client_order_id) {
                    if let Some(t) = trigger_price {
                        h.trigger = Some(*t);
                        self.amends.push((*client_order_id, *t));
                    }
                    if let Some(q) = qty {
                        h.qty = *q;
                    }
                    let h = *h;
                    out.push(self.update(*client_order_id, &h, ts));
                }
            }
            Action::CancelOrder { client_order_id, .. } => {
                if let Some(h) = self.orders.get_mut(client_order_id) {
                    if h.status.is_open() {
                        h.status = OrderStatus::Cancelled;
                        let h = *h;
                        out.push(self.update(*client_order_id, &h, ts));
                    }
                }
            }
            Action::CancelAll { symbol } => {
                let ids: Vec<_> = self
                    .orders
                    .iter()
                    .filter(|(_, h)| h.status.is_open() && symbol.is_none_or(|s| s == h.symbol))
                    .map(|(id, _)| *id)
                    .collect();
                for id in ids {
                    if let Some(h) = self.orders.get_mut(&id) {
                        h.status = OrderStatus::Cancelled;
                        let h = *h;
                        out.push(self.update(id, &h, ts));
                    }
                }
            }
            _ => {}
        }
    }
}

/// The alerts' messages among `actions`.
pub(super) fn alerts(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Alert(x) => Some(format!("{:?} {}: {}", x.level, x.kind, x.message)),
            _ => None,
        })
        .collect()
}
