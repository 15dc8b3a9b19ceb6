//! Rebalancing to target weights, by hand-fed events: exact quantities on the step, sides,
//! reducing orders first, `-rb` ids, flips, the band, refusals (kill switch, leverage cap, a
//! risk limit), skipped symbols, symbols not named left alone, the preview, and the schedule
//! (once per boundary, no catch-up, armed by the balance, skipped while paused).

use super::tests_hedge::market;
use super::tests_support::*;
use super::Engine;
use crate::domain::{
    Action, Balance, Command, Event, Money, OrderOrigin, OrderRequest, OrderType, Qty, Rate, Side, TimeInForce,
};
use crate::execution::RebalanceConfig;
use crate::risk::RiskConfig;

fn rate(v: &str) -> Rate {
    v.parse().unwrap()
}

fn targets(list: &[(&str, &str)]) -> Vec<(crate::domain::Symbol, Rate)> {
    list.iter().map(|(s, w)| (sym(s), rate(w))).collect()
}

fn rebalance(list: &[(&str, &str)]) -> Event {
    Event::Command(Command::Rebalance { targets: targets(list) })
}

/// `[execution.rebalance]` from TOML text.
fn settings(toml_text: &str) -> RebalanceConfig {
    toml::from_str(toml_text).unwrap()
}

/// BTCUSDT and ETHUSDT, 10,000 USDT, with `rebalance` settings; the balance arrives at T0.
fn engine_with(rebalance: RebalanceConfig) -> Engine {
    let mut e = Engine::new(super::EngineConfig { rebalance, ..config(RiskConfig::default()) });
    for s in ["BTCUSDT", "ETHUSDT"] {
        e.on_event(&Event::Instrument(inst(s)));
    }
    e.on_event(&balance(T0));
    e
}

fn balance(ts_ms: i64) -> Event {
    let m = Money::from_int(10_000);
    Event::Balance(Balance {
        wallet_balance: m,
        equity: m,
        available: m,
        used_margin: Money::ZERO,
        unrealised_pnl: Money::ZERO,
        ts_ms,
    })
}

/// The rebalance's orders among `actions` (ids ending in `-rb`), as (symbol, side, qty, reduce-only).
fn rb_orders(actions: &[Action]) -> Vec<(String, Side, Qty, bool)> {
    rb_requests(actions).iter().map(|r| (r.symbol.to_string(), r.side, r.qty, r.reduce_only)).collect()
}

fn rb_requests(actions: &[Action]) -> Vec<OrderRequest> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::PlaceOrder(r) if r.client_order_id.as_str().ends_with("-rb") => Some(*r),
            _ => None,
        })
        .collect()
}

fn o(symbol: &str, side: Side, qty: &str, reduce_only: bool) -> (String, Side, Qty, bool) {
    (symbol.to_string(), side, q(qty), reduce_only)
}

fn has(alerts: &[String], text: &str) -> bool {
    alerts.iter().any(|a| a.contains(text))
}

#[test]
fn from_flat_to_targets_exact_quantities_sides_ids_and_alerts() {
    let mut e = engine_with(RebalanceConfig::default());
    let mut desk = Desk::default();
    desk.feed(&mut e, &bar("BTCUSDT", 0, p("43210.55")));
    desk.feed(&mut e, &bar("ETHUSDT", 0, p("2345.67")));
    assert_eq!(e.equity(), Money::from_int(10_000));
    let acts = desk.feed(&mut e, &rebalance(&[("BTCUSDT", "0.3"), ("ETHUSDT", "-0.1")]));
    // 3,000 / 43,210.55 = 0.069427… → 0.069 on the 0.001 step; 1,000 / 2,345.67 = 0.426317… → 0.426.
    assert_eq!(rb_orders(&acts), [o("BTCUSDT", Side::Buy, "0.069", false), o("ETHUSDT", Side::Sell, "0.426", false)]);
    for r in rb_requests(&acts) {
        assert_eq!(
            (r.order_type, r.origin, r.time_in_force),
            (OrderType::Market, OrderOrigin::Manual, TimeInForce::Ioc)
        );
        let id = r.client_order_id.to_string();
        assert!(id.starts_with("ab-") && id.ends_with("-rb"), "{id}");
    }
    let alerts = alerts(&acts);
    assert!(has(&alerts, "Info rebalance: rebalance: buy 0.069 BTCUSDT (0.0% → 30.0% of equity)"), "{alerts:#?}");
    assert!(has(&alerts, "Info rebalance: rebalance: sell 0.426 ETHUSDT (0.0% → -10.0% of equity)"), "{alerts:#?}");
    assert_eq!((e.position(sym("BTCUSDT")), e.position(sym("ETHUSDT"))), (q("0.069"), q("-0.426")));
    // Again at the same prices: on target (to the step), nothing to trade.
    let acts = desk.feed(&mut e, &rebalance(&[("BTCUSDT", "0.3"), ("ETHUSDT", "-0.1")]));
    assert!(rb_orders(&acts).is_empty(), "{acts:?}");
    let want = "Info rebalance: rebalance: nothing to trade (2 on target to the quantity step)";
    assert!(has(&alerts_of(&acts), want), "{:?}", alerts_of(&acts));
}

fn alerts_of(actions: &[Action]) -> Vec<String> {
    alerts(actions)
}

#[test]
fn reducing_orders_go_first_and_unnamed_symbols_are_left_alone() {
    let mut e = engine_with(RebalanceConfig::default());
    let mut desk = Desk::default();
    desk.feed(&mut e, &bar("BTCUSDT", 0, p("50000")));
    desk.feed(&mut e, &bar("ETHUSDT", 0, p("2000")));
    desk.feed(&mut e, &market("ETHUSDT", Side::Buy, "1"));
    assert_eq!(e.position(sym("ETHUSDT")), q("1"));
    // ETH 5 % = 500 / 2,000 = 0.25: sell 0.75 reduce-only, BEFORE the BTC buy (symbol order would
    // put BTC first); BTC 30 % = 0.06.
    let acts = desk.feed(&mut e, &rebalance(&[("BTCUSDT", "0.3"), ("ETHUSDT", "0.05")]));
    assert_eq!(rb_orders(&acts), [o("ETHUSDT", Side::Sell, "0.75", true), o("BTCUSDT", Side::Buy, "0.06", false)]);
    assert!(has(&alerts(&acts), "rebalance: sell 0.75 ETHUSDT reduce-only (20.0% → 5.0% of equity)"));
    assert_eq!((e.position(sym("BTCUSDT")), e.position(sym("ETHUSDT"))), (q("0.06"), q("0.25")));
    // Only BTC named: the ETH long stays as it is (no flattening of what is not named).
    let acts = desk.feed(&mut e, &rebalance(&[("BTCUSDT", "0.1")]));
    assert_eq!(rb_orders(&acts), [o("BTCUSDT", Side::Sell, "0.04", true)]);
    assert_eq!((e.position(sym("BTCUSDT")), e.position(sym("ETHUSDT"))), (q("0.02"), q("0.25")));
}

#[test]
fn a_flip_is_a_reduce_only_close_then_an_opening_order() {
    let mut e = engine_with(RebalanceConfig::default());
    let mut desk = Desk::default();
    desk.feed(&mut e, &bar("BTCUSDT", 0, p("50000")));
    desk.feed(&mut e, &market("BTCUSDT", Side::Buy, "0.1"));
    assert_eq!(e.equity(), Money::from_int(10_000));
    // Long 0.1 (50 %) to short 20 % = -2,000 / 50,000 = -0.04.
    let acts = desk.feed(&mut e, &rebalance(&[("BTCUSDT", "-0.2")]));
    assert_eq!(rb_orders(&acts), [o("BTCUSDT", Side::Sell, "0.1", true), o("BTCUSDT", Side::Sell, "0.04", false)]);
    let alerts = alerts(&acts);
    assert!(has(&alerts, "rebalance: sell 0.1 BTCUSDT reduce-only (50.0% → -20.0% of equity)"), "{alerts:#?}");
    assert!(has(&alerts, "rebalance: sell 0.04 BTCUSDT (50.0% → -20.0% of equity)"), "{alerts:#?}");
    assert_eq!(e.position(sym("BTCUSDT")), q("-0.04"));
}

#[test]
fn the_band_leaves_symbols_near_their_target() {
    let mut e = engine_with(settings("band = 0.05"));
    let mut desk = Desk::default();
    desk.feed(&mut e, &bar("BTCUSDT", 0, p("50000")));
    desk.feed(&mut e, &market("BTCUSDT", Side::Buy, "0.06"));
    // 30 % now: 33 % is 3 points away (inside 5), 36 % is 6 points away (outside).
    let acts = desk.feed(&mut e, &rebalance(&[("BTCUSDT", "0.33")]));
    assert!(rb_orders(&acts).is_empty(), "{acts:?}");
    assert!(
        has(&alerts(&acts), "rebalance: nothing to trade (1 within the band of its target)"),
        "{:?}",
        alerts(&acts)
    );
    let acts = desk.feed(&mut e, &rebalance(&[("BTCUSDT", "0.36")]));
    assert_eq!(rb_orders(&acts), [o("BTCUSDT", Side::Buy, "0.012", false)]);
    assert_eq!(e.position(sym("BTCUSDT")), q("0.072"));
}

#[test]
fn refusals_kill_switch_leverage_cap_and_a_risk_limit_with_its_excess() {
    let mut e = engine_with(RebalanceConfig::default());
    let mut desk = Desk::default();
    desk.feed(&mut e, &bar("BTCUSDT", 0, p("50000")));
    desk.feed(&mut e, &bar("ETHUSDT", 0, p("2000")));
    // |2.5| + |-1| = 3.5 × equity > risk.max_leverage 3.
    let acts = desk.feed(&mut e, &rebalance(&[("BTCUSDT", "2.5"), ("ETHUSDT", "-1")]));
    assert!(rb_orders(&acts).is_empty());
    let want = "Warning rebalance: rebalance refused: target weights: leverage 3.50x exceeds limit 3.00x by 0.50x";
    assert!(has(&alerts(&acts), want), "{:?}", alerts(&acts));
    // 2.9 × 10,000 = 29,000 USDT in one manual order: over max_manual_notional 25,000 by 4,000.
    let acts = desk.feed(&mut e, &rebalance(&[("BTCUSDT", "2.9")]));
    assert!(rb_orders(&acts).is_empty());
    let refused = alerts(&acts);
    assert!(
        has(&refused, "BTCUSDT Buy 0.58 refused: manual order size 29,000.00 USDT exceeds limit 25,000.00 by 4,000.00"),
        "{refused:#?}"
    );
    assert!(!has(&refused, "rebalance: buy"), "{refused:#?}");
    // The kill switch: refused as a whole, nothing placed.
    desk.feed(&mut e, &Event::Command(Command::KillSwitch { engage: true }));
    let acts = desk.feed(&mut e, &rebalance(&[("BTCUSDT", "0.3")]));
    assert!(rb_orders(&acts).is_empty());
    assert!(has(&alerts(&acts), "Warning rebalance: rebalance refused: the kill switch is engaged (trading halted)"));
    let view = e.snapshot().rebalance;
    assert!(view.is_none(), "no targets configured: no preview");
}

#[test]
fn unknown_symbols_and_missing_prices_are_skipped_with_a_warning_and_pause_does_not_block() {
    let mut e = engine_with(RebalanceConfig::default());
    let mut desk = Desk::default();
    desk.feed(&mut e, &bar("BTCUSDT", 0, p("50000")));
    desk.feed(&mut e, &Event::Command(Command::PauseAutomation));
    let acts = desk.feed(&mut e, &rebalance(&[("SOLUSDT", "0.1"), ("ETHUSDT", "0.1"), ("BTCUSDT", "0.1")]));
    let alerts = alerts(&acts);
    assert!(has(&alerts, "Warning rebalance: rebalance: unknown symbol SOLUSDT skipped"), "{alerts:#?}");
    assert!(has(&alerts, "Warning rebalance: rebalance: no price for ETHUSDT yet; skipped"), "{alerts:#?}");
    // Paused automation: the operator's rebalance still trades BTC (1,000 / 50,000 = 0.02).
    assert_eq!(rb_orders(&acts), [o("BTCUSDT", Side::Buy, "0.02", false)]);
}

#[test]
fn the_snapshot_previews_the_configured_targets_without_trading() {
    let mut e = engine_with(settings("targets = { BTCUSDT = 0.3, ETHUSDT = -0.1 }\nband = 0.01"));
    let mut desk = Desk::default();
    desk.feed(&mut e, &bar("BTCUSDT", 0, p("43210.55")));
    desk.feed(&mut e, &bar("ETHUSDT", 0, p("2345.67")));
    let view = e.snapshot().rebalance.expect("targets configured");
    assert_eq!(view.orders, ["buy 0.069 BTCUSDT  0.0% → 30.0%", "sell 0.426 ETHUSDT  0.0% → -10.0%"]);
    assert_eq!(view.targets, targets(&[("BTCUSDT", "0.3"), ("ETHUSDT", "-0.1")]));
    assert_eq!((view.band, view.every.as_deref(), view.next_ms), (rate("0.01"), None, None));
    assert!(view.notes.is_empty(), "{:?}", view.notes);
    assert_eq!(e.position(sym("BTCUSDT")), Qty::ZERO, "a preview places nothing");
}

// --- the schedule -------------------------------------------------------------------------

/// T0 + 47 minutes is the first whole hour after T0 (1,700,002,800,000 ms).
const FIRST_HOUR_BAR: i64 = 47;

/// Feeds one-minute BTC bars `from..to` at `close`; returns the `-rb` orders placed and the alerts.
fn drive(e: &mut Engine, desk: &mut Desk, from: i64, to: i64, close: &str) -> (Vec<(i64, Side, Qty)>, Vec<String>) {
    let (mut orders, mut all) = (Vec::new(), Vec::new());
    for k in from..to {
        let acts = desk.feed(e, &bar("BTCUSDT", k, p(close)));
        orders.extend(rb_requests(&acts).iter().map(|r| (k, r.side, r.qty)));
        all.extend(alerts(&acts));
    }
    (orders, all)
}

#[test]
fn the_schedule_runs_once_per_boundary_and_not_again_until_the_next() {
    assert_eq!((T0 + FIRST_HOUR_BAR * 60_000) % 3_600_000, 0);
    let mut e = engine_with(settings("targets = { BTCUSDT = 0.3 }\nevery = \"1h\""));
    let mut desk = Desk::default();
    assert_eq!(e.next_rebalance_ms(), Some(T0 + FIRST_HOUR_BAR * 60_000), "armed by the balance at T0");
    // Up to the boundary: nothing; on the bar AT the boundary: buy 3,000 / 50,000 = 0.06.
    let (orders, _) = drive(&mut e, &mut desk, 0, FIRST_HOUR_BAR, "50000");
    assert!(orders.is_empty(), "{orders:?}");
    let (orders, alerts) = drive(&mut e, &mut desk, FIRST_HOUR_BAR, FIRST_HOUR_BAR + 1, "50000");
    assert_eq!(orders, [(FIRST_HOUR_BAR, Side::Buy, q("0.06"))]);
    assert!(has(&alerts, "rebalance: buy 0.06 BTCUSDT (0.0% → 30.0% of equity)"), "{alerts:#?}");
    assert_eq!(e.next_rebalance_ms(), Some(T0 + (FIRST_HOUR_BAR + 60) * 60_000));
    // The price falls to 40,000: off target, but the next run waits for the next hour.
    let (orders, _) = drive(&mut e, &mut desk, FIRST_HOUR_BAR + 1, FIRST_HOUR_BAR + 60, "40000");
    assert!(orders.is_empty(), "{orders:?}");
    // Equity 10,000 − 0.06 × 10,000 = 9,400: 30 % = 2,820 / 40,000 = 0.0705 → 0.070: buy 0.01.
    let (orders, _) = drive(&mut e, &mut desk, FIRST_HOUR_BAR + 60, FIRST_HOUR_BAR + 61, "40000");
    assert_eq!(orders, [(FIRST_HOUR_BAR + 60, Side::Buy, q("0.01"))]);
}

#[test]
fn missed_boundaries_are_not_caught_up() {
    let mut e = engine_with(settings("targets = { BTCUSDT = 0.3 }\nevery = \"15m\""));
    let mut desk = Desk::default();
    drive(&mut e, &mut desk, 0, 1, "50000");
    // From minute 1 straight to minute 200: 13 boundaries passed, one run.
    let (orders, _) = drive(&mut e, &mut desk, 200, 201, "50000");
    assert_eq!(orders, [(200, Side::Buy, q("0.06"))]);
    let next = e.next_rebalance_ms().unwrap();
    assert_eq!(next % 900_000, 0);
    assert!(next > T0 + 200 * 60_000 && next <= T0 + 215 * 60_000, "{next}");
}

#[test]
fn the_schedule_starts_once_the_balance_is_known() {
    let cfg = super::EngineConfig {
        rebalance: settings("targets = { BTCUSDT = 0.3 }\nevery = \"1h\""),
        ..config(RiskConfig::default())
    };
    let mut e = Engine::new(cfg);
    e.on_event(&Event::Instrument(inst("BTCUSDT")));
    let mut desk = Desk::default();
    // The first hour passes without a balance: no run, nothing scheduled.
    let (orders, _) = drive(&mut e, &mut desk, 0, 60, "50000");
    assert!(orders.is_empty());
    assert_eq!(e.next_rebalance_ms(), None);
    // The balance arrives at minute 60 (its own time is older): the first run is at the next
    // boundary after the market's time, minute 107, not at once.
    desk.feed(&mut e, &balance(T0));
    assert_eq!(e.next_rebalance_ms(), Some(T0 + (FIRST_HOUR_BAR + 60) * 60_000));
    let (orders, _) = drive(&mut e, &mut desk, 60, FIRST_HOUR_BAR + 61, "50000");
    assert_eq!(orders, [(FIRST_HOUR_BAR + 60, Side::Buy, q("0.06"))]);
}

#[test]
fn a_paused_engine_skips_the_scheduled_run_and_runs_at_the_next_boundary_after_resuming() {
    let mut e = engine_with(settings("targets = { BTCUSDT = 0.3 }\nevery = \"1h\""));
    let mut desk = Desk::default();
    desk.feed(&mut e, &Event::Command(Command::PauseAutomation));
    let (orders, alerts) = drive(&mut e, &mut desk, 0, FIRST_HOUR_BAR + 1, "50000");
    assert!(orders.is_empty(), "{orders:?}");
    let skipped: Vec<&String> = alerts.iter().filter(|a| a.contains("scheduled rebalance skipped: paused")).collect();
    assert_eq!(skipped.len(), 1, "{alerts:#?}");
    desk.feed(&mut e, &Event::Command(Command::ResumeAutomation));
    let (orders, _) = drive(&mut e, &mut desk, FIRST_HOUR_BAR + 1, FIRST_HOUR_BAR + 61, "50000");
    assert_eq!(orders, [(FIRST_HOUR_BAR + 60, Side::Buy, q("0.06"))]);
}

#[test]
fn a_scheduled_run_under_the_kill_switch_is_refused_and_alerted() {
    let mut e = engine_with(settings("targets = { BTCUSDT = 0.3 }\nevery = \"1h\""));
    let mut desk = Desk::default();
    desk.feed(&mut e, &Event::Command(Command::KillSwitch { engage: true }));
    let (orders, alerts) = drive(&mut e, &mut desk, 0, FIRST_HOUR_BAR + 1, "50000");
    assert!(orders.is_empty());
    assert!(has(&alerts, "scheduled rebalance refused: the kill switch is engaged (trading halted)"), "{alerts:#?}");
}
