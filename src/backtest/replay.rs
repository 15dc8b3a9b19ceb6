//! `autobot backtest --replay SESSION`: feeds a recorded session's engine inputs to a fresh
//! engine built with the session's settings, writes the decisions it makes, and checks that the
//! orders come out identical to the ones the session recorded.
//!
//! No venue takes part: the venue's reports are in the journal, in the order the engine saw
//! them, so the engine alone reproduces the run.

use super::runner::BacktestOutcome;
use crate::data::store::Store;
use crate::domain::{Action, ClientOrderId, EquityPoint, Event, Money, Order, Price, Qty, Side, Symbol};
use crate::engine::Engine;
use crate::engine::EngineConfig;
use crate::runtime::journal::{open_session, RecordedSession};
use std::borrow::Borrow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Column names of `decisions.csv`, in order.
pub const DECISIONS_CSV_HEADER: &str = "ts_ms,kind,symbol,side,qty,price,client_order_id,reason";

/// One thing the engine decided: an order action, a strategy signal, a mode switch or an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The engine's time when it decided (the latest event time it had seen).
    pub ts_ms: i64,
    /// `place_order`, `amend_order`, `cancel_order`, `cancel_all`, `signal`, `mode_switch`, `alert`.
    pub kind: &'static str,
    pub symbol: Option<Symbol>,
    pub side: Option<Side>,
    pub qty: Option<Qty>,
    pub price: Option<Price>,
    pub client_order_id: Option<ClientOrderId>,
    pub reason: String,
}

/// What replaying a session produced.
#[derive(Debug, Clone)]
pub struct Replayed {
    /// Trades, equity and counts, as a backtest reports them (fees from the recorded fills;
    /// funding is not an engine input and shows as zero).
    pub outcome: BacktestOutcome,
    pub decisions: Vec<Decision>,
    /// The last recorded state of every order, in creation order (as `Store::orders` lists them).
    pub orders: Vec<Order>,
    pub events: usize,
}

/// Feeds the session's events to a fresh engine and collects what it does.
pub fn replay(session: &RecordedSession) -> Replayed {
    match replay_events(session.engine_config.clone(), session.events.iter().map(Ok::<_, std::convert::Infallible>)) {
        Ok(r) => r,
        Err(never) => match never {},
    }
}

/// Feeds `events` (a stream that may fail, as a journal read from disk) to a fresh engine built
/// with `config` and collects what it does; stops at the first error.
pub fn replay_events<E: Borrow<Event>, X>(
    config: EngineConfig,
    events: impl IntoIterator<Item = Result<E, X>>,
) -> Result<Replayed, X> {
    let mut engine = Engine::new(config);
    // The equity curve follows the symbol of the first candle.
    let mut first = None;
    let mut count = 0usize;
    let mut actions = Vec::new();
    let mut switches = Vec::new();
    let mut decisions = Vec::new();
    let mut orders: Vec<Order> = Vec::new();
    let mut order_index: HashMap<ClientOrderId, usize> = HashMap::new();
    let mut equity = Vec::new();
    let (mut candles, mut exposure_ms, mut bar_ms, mut fees, mut fills) = (0u64, 0i64, 60_000i64, Money::ZERO, 0u64);
    let (mut first_close, mut last_close) = (None, None);
    for event in events {
        let event = event?;
        let event = event.borrow();
        count += 1;
        if let (None, Event::Candle(c)) = (first, event) {
            first = Some(c.symbol);
        }
        actions.clear();
        engine.on_event_into(event, &mut actions);
        for a in &actions {
            if let Action::RecordModeSwitch(m) = a {
                switches.push(m.clone());
            }
            if let Action::RecordOrder(o) = a {
                match order_index.get(&o.client_order_id()) {
                    Some(&i) => orders[i] = o.clone(),
                    None => {
                        order_index.insert(o.client_order_id(), orders.len());
                        orders.push(o.clone());
                    }
                }
            } else {
                decisions.push(decision(engine.now_ms(), a));
            }
        }
        match event {
            Event::Fill(f) => {
                fees += f.fee;
                fills += 1;
            }
            Event::Candle(c) if c.closed => {
                candles += 1;
                bar_ms = c.interval.duration_ms().unwrap_or(60_000);
                if !engine.position(c.symbol).is_zero() {
                    exposure_ms += bar_ms;
                }
                if Some(c.symbol) == first {
                    let (wallet, equity_now) = (engine.wallet_balance(), engine.equity());
                    if equity.is_empty() {
                        equity.push(EquityPoint {
                            ts_ms: c.ts_ms,
                            equity: equity_now,
                            wallet_balance: wallet,
                            unrealised_pnl: equity_now - wallet,
                        });
                    }
                    equity.push(EquityPoint {
                        ts_ms: c.close_ms(),
                        equity: equity_now,
                        wallet_balance: wallet,
                        unrealised_pnl: equity_now - wallet,
                    });
                    first_close.get_or_insert(c.close.to_f64());
                    last_close = Some(c.close.to_f64());
                }
            }
            _ => {}
        }
    }
    orders.sort_by(|a, b| {
        (a.created_ms, a.client_order_id().as_str()).cmp(&(b.created_ms, b.client_order_id().as_str()))
    });
    let snapshot = engine.snapshot();
    let buy_and_hold_return = match (first_close, last_close) {
        (Some(a), Some(b)) if a > 0.0 => b / a - 1.0,
        _ => 0.0,
    };
    let outcome = BacktestOutcome {
        equity,
        trades: engine.closed_trades().to_vec(),
        fees,
        funding: Money::ZERO,
        candles,
        orders: snapshot.stats.orders_placed,
        fills,
        exposure_ms,
        bar_ms,
        buy_and_hold_return,
        modes: snapshot.strategy.modes,
        switches,
    };
    Ok(Replayed { outcome, decisions, orders, events: count })
}

fn decision(ts_ms: i64, a: &Action) -> Decision {
    let blank = Decision {
        ts_ms,
        kind: "",
        symbol: None,
        side: None,
        qty: None,
        price: None,
        client_order_id: None,
        reason: String::new(),
    };
    match a {
        Action::PlaceOrder(r) => Decision {
            ts_ms: r.ts_ms,
            kind: "place_order",
            symbol: Some(r.symbol),
            side: Some(r.side),
            qty: Some(r.qty),
            price: r.price.or(r.trigger_price).or(Some(r.decision_price)),
            client_order_id: Some(r.client_order_id),
            reason: format!(
                "{:?} {:?} {:?}{}{}",
                r.origin,
                r.order_type,
                r.time_in_force,
                if r.trigger_price.is_some() { " stop" } else { "" },
                if r.reduce_only { " reduce-only" } else { "" }
            ),
            ..blank
        },
        Action::AmendOrder { symbol, client_order_id, qty, price, trigger_price } => Decision {
            kind: "amend_order",
            symbol: Some(*symbol),
            qty: *qty,
            price: price.or(*trigger_price),
            client_order_id: Some(*client_order_id),
            reason: if trigger_price.is_some() { "trigger".into() } else { String::new() },
            ..blank
        },
        Action::CancelOrder { symbol, client_order_id } => {
            Decision { kind: "cancel_order", symbol: Some(*symbol), client_order_id: Some(*client_order_id), ..blank }
        }
        Action::CancelAll { symbol } => Decision { kind: "cancel_all", symbol: *symbol, ..blank },
        Action::RecordSignal(s) => Decision {
            ts_ms: s.ts_ms,
            kind: "signal",
            symbol: Some(s.symbol),
            price: Some(s.price),
            reason: format!("{} {}: {}", s.mode, s.action, s.reason),
            ..blank
        },
        Action::RecordModeSwitch(m) => Decision {
            ts_ms: m.ts_ms,
            kind: "mode_switch",
            symbol: Some(m.symbol),
            reason: format!("{} -> {}: {}", m.from, m.to, m.reason),
            ..blank
        },
        Action::Alert(al) => Decision {
            ts_ms: al.ts_ms,
            kind: "alert",
            reason: format!("{} {}: {}", al.level.as_str(), al.kind, al.message),
            ..blank
        },
        // Order states are compared, not listed as decisions.
        Action::RecordOrder(o) => Decision { kind: "order_state", client_order_id: Some(o.client_order_id()), ..blank },
    }
}

fn csv_field(out: &mut String, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// The decisions as CSV text with [`DECISIONS_CSV_HEADER`].
pub fn decisions_csv(decisions: &[Decision]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(64 * decisions.len() + 64);
    out.push_str(DECISIONS_CSV_HEADER);
    out.push('\n');
    let opt = |v: Option<String>| v.unwrap_or_default();
    for d in decisions {
        let _ = write!(
            out,
            "{},{},{},{},{},{},{},",
            d.ts_ms,
            d.kind,
            opt(d.symbol.map(|s| s.to_string())),
            opt(d.side.map(|s| s.to_string())),
            opt(d.qty.map(|q| q.to_string())),
            opt(d.price.map(|p| p.to_string())),
            opt(d.client_order_id.map(|c| c.to_string())),
        );
        csv_field(&mut out, &d.reason);
        out.push('\n');
    }
    out
}

/// The first way the replayed orders differ from the recorded ones, in words; `None` when the
/// two lists are identical (same orders, same order, every field equal).
pub fn first_difference(replayed: &[Order], recorded: &[Order]) -> Option<String> {
    for (i, (a, b)) in replayed.iter().zip(recorded).enumerate() {
        if a == b {
            continue;
        }
        let id = a.client_order_id();
        if id != b.client_order_id() {
            return Some(format!("order #{}: the replay has `{id}`, the session `{}`", i + 1, b.client_order_id()));
        }
        return Some(format!("order #{} `{id}`: {}", i + 1, field_difference(a, b)));
    }
    match replayed.len().cmp(&recorded.len()) {
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Greater => Some(format!(
            "the replay has {} more order(s) than the session, first `{}`",
            replayed.len() - recorded.len(),
            replayed[recorded.len()].client_order_id()
        )),
        std::cmp::Ordering::Less => Some(format!(
            "the session has {} more order(s) than the replay, first `{}`",
            recorded.len() - replayed.len(),
            recorded[replayed.len()].client_order_id()
        )),
    }
}

/// Names the first field where two orders differ, with both values.
fn field_difference(a: &Order, b: &Order) -> String {
    let (Ok(serde_json::Value::Object(va)), Ok(serde_json::Value::Object(vb))) =
        (serde_json::to_value(a), serde_json::to_value(b))
    else {
        return format!("replay {a:?}, session {b:?}");
    };
    let flatten = |m: serde_json::Map<String, serde_json::Value>| -> Vec<(String, serde_json::Value)> {
        let mut out = Vec::new();
        for (k, v) in m {
            match v {
                serde_json::Value::Object(inner) => {
                    out.extend(inner.into_iter().map(|(k2, v2)| (format!("{k}.{k2}"), v2)))
                }
                v => out.push((k, v)),
            }
        }
        out
    };
    let (fa, fb) = (flatten(va), flatten(vb));
    for ((k, x), (_, y)) in fa.iter().zip(&fb) {
        if x != y {
            return format!("{k}: replay {x}, session {y}");
        }
    }
    format!("replay {a:?}, session {b:?}")
}

/// What `backtest --replay` did.
#[derive(Debug, Clone)]
pub struct ReplayReport {
    pub replayed: Replayed,
    pub recorded_orders: usize,
    /// `None` when every order is identical.
    pub difference: Option<String>,
    /// The engine settings read back to the same text (see `RecordedSession::config_exact`).
    pub config_exact: bool,
    /// Why the journal's last chunk could not be read (a crash mid-write): the replay stopped
    /// before its events.
    pub damaged_tail: Option<String>,
    pub report_dir: PathBuf,
}

impl ReplayReport {
    /// The verdict line: all identical, or the first difference.
    pub fn verdict(&self) -> String {
        let verdict = self.orders_verdict();
        match &self.damaged_tail {
            None => verdict,
            Some(why) => format!(
                "{verdict} (the journal ends early: its last chunk is lost, replayed the {} events before it; {why})",
                self.replayed.events
            ),
        }
    }

    fn orders_verdict(&self) -> String {
        match &self.difference {
            None => format!("replay: {} orders, all identical to the recorded session", self.replayed.orders.len()),
            Some(d) => format!(
                "replay: MISMATCH ({} replayed, {} recorded orders): {d}",
                self.replayed.orders.len(),
                self.recorded_orders
            ),
        }
    }
}

/// Replays session `session` of the database at `db`, writes the report and `decisions.csv`
/// into `dir`, and compares the orders with the recorded ones.
pub fn run(db: &Path, session: i64, dir: &Path) -> anyhow::Result<ReplayReport> {
    if !db.exists() {
        anyhow::bail!("no database at {}", db.display());
    }
    let store = Store::open(db)?;
    let recorded = open_session(&store, session)?;
    let recorded_orders = store.orders(session)?;
    // The events stream from the database a few chunks at a time.
    let mut symbols = Vec::new();
    let mut events = recorded.events();
    let replayed = replay_events(
        recorded.engine_config.clone(),
        events.by_ref().inspect(|e| {
            if let Ok(Event::Instrument(i)) = e {
                symbols.push(i.symbol);
            }
        }),
    )?;
    let damaged_tail = events.damaged_tail().map(|e| e.to_string());
    let context = super::ReportContext {
        symbols,
        buy_and_hold: None,
        extra: serde_json::Map::from_iter([("replay_of_session".to_string(), serde_json::json!(session))]),
    };
    super::write_outcome(dir, &replayed.outcome, &context)?;
    let path = dir.join("decisions.csv");
    std::fs::write(&path, decisions_csv(&replayed.decisions))
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    let difference = first_difference(&replayed.orders, &recorded_orders);
    Ok(ReplayReport {
        difference,
        recorded_orders: recorded_orders.len(),
        config_exact: recorded.config_exact,
        damaged_tail,
        replayed,
        report_dir: dir.to_path_buf(),
    })
}

#[cfg(test)]
#[path = "replay_tests.rs"]
mod tests;
