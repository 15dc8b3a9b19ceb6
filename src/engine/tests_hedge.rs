//! Hedge legs in the engine: two generated correlated symbols (BTCUSDT and ETHUSDT), a manual
//! BTC long, a volatility spike against it under the volatility-hedging mode alone, and the
//! venue double of `tests_support` filling orders at the last close.

use super::tests_support::{inst, p, q, sym, Desk, T0};
use super::{Engine, EngineConfig};
use crate::domain::{
    Action, Balance, Candle, Command, Event, Interval, ManualOrder, Money, OrderStatus, OrderType, OrderUpdate, Price,
    Side, SignalRecord, TimeInForce,
};
use crate::risk::RiskConfig;
use crate::strategy::{Direction, Intent, IntentKind, ModeId, ModesConfig, TrendConfig};

/// Deterministic noise in [−1, 1).
struct Noise(u64);
impl Noise {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

/// Bar of the volatility spike; the BTC long is opened at bar `ENTRY`.
pub(super) const ENTRY: i64 = 70;
pub(super) const SPIKE: i64 = 90;

/// Closes of both symbols, bar by bar: BTC noise (about ±0.05 %) pulled toward 29,700 before
/// the spike and 29,400 after it; ETH follows BTC's level / 15 with a little noise of its own
/// (return correlation near 0.9). The spike bar closes exactly at 29,400 and 1,961.
pub(super) fn closes(n: i64) -> Vec<(f64, f64)> {
    let mut noise = Noise(7);
    let mut btc = 29_700.0;
    let round = |x: f64| (x * 100.0).round() / 100.0;
    (0..n)
        .map(|k| {
            if k == SPIKE {
                btc = 29_400.0;
                return (btc, 1_961.0);
            }
            let level = if k < SPIKE { 29_700.0 } else { 29_400.0 };
            btc = round(btc + 0.2 * (level - btc) + 15.0 * noise.next());
            (btc, round(btc / 15.0 * (1.0 + 0.0002 * noise.next())))
        })
        .collect()
}

pub(super) fn candle(symbol: &str, k: i64, open: f64, close: f64) -> Event {
    let px = |x: f64| Price::from_f64(x).unwrap();
    let wick = if symbol == "BTCUSDT" { 3.0 } else { 0.2 };
    Event::Candle(Candle {
        symbol: sym(symbol),
        interval: Interval::M1,
        ts_ms: T0 + k * 60_000,
        open: px(open),
        high: px(open.max(close) + wick),
        low: px(open.min(close) - wick),
        close: px(close),
        volume: 100.0,
        turnover: 0.0,
        closed: true,
    })
}

/// The volatility-hedging mode alone (the others off), hedging in `hedge_symbol`.
fn engine(hedge_symbol: Option<&str>, risk: RiskConfig) -> Engine {
    engine_in(hedge_symbol, risk, crate::domain::PositionMode::OneWay)
}

/// `engine` with the venue's position mode.
pub(super) fn engine_in(hedge_symbol: Option<&str>, risk: RiskConfig, mode: crate::domain::PositionMode) -> Engine {
    let mut modes = ModesConfig::default();
    modes.trend.enabled = false;
    modes.range.enabled = false;
    modes.breakout.enabled = false;
    modes.reversal.enabled = false;
    modes.hedge.symbol = hedge_symbol.map(sym);
    modes.hedge.position_mode = mode;
    let cfg = EngineConfig {
        interval: Interval::M1,
        trend: TrendConfig { enabled: false, timeframe: Interval::M1, ..TrendConfig::default() },
        modes: Some(modes),
        analysis: true,
        history_len: 0,
        risk,
        ..EngineConfig::default()
    };
    let mut e = Engine::new(cfg);
    e.on_event(&Event::Instrument(inst("BTCUSDT")));
    e.on_event(&Event::Instrument(inst("ETHUSDT")));
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

pub(super) fn market(symbol: &str, side: Side, qty: &str) -> Event {
    Event::Command(Command::PlaceOrder(ManualOrder {
        symbol: sym(symbol),
        side,
        order_type: OrderType::Market,
        qty: q(qty),
        price: None,
        trigger_price: None,
        time_in_force: TimeInForce::Ioc,
        reduce_only: false,
    }))
}

/// The hedge mode's records among `actions`: (symbol, action, reason).
pub(super) fn records(actions: &[Action]) -> Vec<(String, String, String)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::RecordSignal(SignalRecord { symbol, mode, action, reason, .. }) if mode == "hedge" => {
                Some((symbol.to_string(), action.to_string(), reason.to_string()))
            }
            _ => None,
        })
        .collect()
}

/// Runs bars `from..to` (ETH's bar first, then BTC's), returning every action per bar.
pub(super) struct Run {
    pub e: Engine,
    pub desk: Desk,
    pub closes: Vec<(f64, f64)>,
}

impl Run {
    fn new(hedge_symbol: Option<&str>, risk: RiskConfig) -> Self {
        Self { e: engine(hedge_symbol, risk), desk: Desk::default(), closes: closes(400) }
    }
    /// In hedge position mode (a same-symbol leg).
    pub(super) fn hedge_mode(risk: RiskConfig) -> Self {
        let e = engine_in(None, risk, crate::domain::PositionMode::Hedge);
        Self { e, desk: Desk::default(), closes: closes(400) }
    }
    pub(super) fn bar(&mut self, k: i64) -> Vec<Action> {
        let (b, e) = self.closes[k as usize];
        let (b0, e0) = if k == 0 { (b, e) } else { self.closes[k as usize - 1] };
        let mut all = self.desk.feed(&mut self.e, &candle("ETHUSDT", k, e0, e));
        all.extend(self.desk.feed(&mut self.e, &candle("BTCUSDT", k, b0, b)));
        all
    }
    pub(super) fn bars(&mut self, from: i64, to: i64) -> Vec<(i64, Vec<Action>)> {
        (from..to).map(|k| (k, self.bar(k))).collect()
    }
    pub(super) fn feed(&mut self, ev: &Event) -> Vec<Action> {
        self.desk.feed(&mut self.e, ev)
    }
    pub(super) fn pos(&self, symbol: &str) -> String {
        self.e.position(sym(symbol)).to_string()
    }
    /// Warm-up, the BTC long of 0.1 at bar `ENTRY` (after `first`, if any), then bars up to
    /// the spike (excluded).
    pub(super) fn run_to_spike_after(&mut self, first: Option<Event>) {
        self.bars(0, ENTRY + 1);
        if let Some(ev) = first {
            self.feed(&ev);
        }
        self.feed(&market("BTCUSDT", Side::Buy, "0.1"));
        assert_eq!(self.pos("BTCUSDT"), "0.1");
        let quiet = self.bars(ENTRY + 1, SPIKE);
        assert!(quiet.iter().all(|(_, a)| records(a).is_empty()), "no hedge before the spike");
    }
    pub(super) fn run_to_spike(&mut self) {
        self.run_to_spike_after(None)
    }
}

#[test]
fn a_spike_against_a_long_opens_a_short_in_the_correlated_symbol_until_calm() {
    let mut r = Run::new(Some("ETHUSDT"), RiskConfig::default());
    r.run_to_spike();
    let corr = r.e.risk.correlations().correlation(sym("BTCUSDT"), sym("ETHUSDT")).unwrap();
    assert!(corr > 0.5, "{corr}");
    let acts = r.bar(SPIKE);
    let rec = records(&acts);
    assert_eq!(rec.len(), 1, "{rec:?}");
    assert_eq!((rec[0].0.as_str(), rec[0].1.as_str()), ("BTCUSDT", "hedge"));
    // Half of 0.1 BTC at 29,400 is 1,470 USDT; at 1,961 that is 0.74961 ETH, down to 0.749.
    assert!(rec[0].2.contains("short 0.749 ETHUSDT @ 1961"), "{}", rec[0].2);
    // The leg, then its protective stop (every position has one).
    let n = r.desk.placed.len();
    let (leg, stop) = (&r.desk.placed[n - 2], &r.desk.placed[n - 1]);
    assert_eq!(
        (stop.symbol, stop.side, stop.reduce_only, stop.trigger_price.is_some()),
        (sym("ETHUSDT"), Side::Buy, true, true)
    );
    assert_eq!((leg.symbol, leg.side, leg.qty, leg.reduce_only), (sym("ETHUSDT"), Side::Sell, q("0.749"), false));
    assert_eq!((r.pos("ETHUSDT"), r.pos("BTCUSDT")), ("-0.749".to_string(), "0.1".to_string()));
    assert_eq!(r.e.hedge_legs(), vec![(sym("ETHUSDT"), sym("BTCUSDT"))]);
    assert_eq!(r.e.hedge_qty(0), 0.749);
    // The snapshot shows the leg and what it hedges.
    let snap = r.e.snapshot();
    let eth = snap.positions.iter().find(|v| v.position.symbol == sym("ETHUSDT")).unwrap();
    assert_eq!(eth.mode.as_deref(), Some("hedge for BTCUSDT"));
    // Calm bars: the leg is closed (reduce-only market) and its round trip counts for the hedge mode.
    let later = r.bars(SPIKE + 1, 400);
    let (at, unwind) = later
        .iter()
        .find_map(|(k, a)| records(a).into_iter().find(|x| x.1 == "unwind").map(|x| (*k, x)))
        .expect("the hedge is unwound");
    assert!(at >= SPIKE + 5, "unwinds after calm bars only: bar {at}");
    assert!(unwind.2.starts_with("volatility normal") && unwind.2.contains("close ETHUSDT hedge -0.749"), "{unwind:?}");
    assert_eq!((r.pos("ETHUSDT"), r.pos("BTCUSDT")), ("0".to_string(), "0.1".to_string()));
    assert!(r.e.hedge_legs().is_empty());
    let close = r.desk.placed.iter().rev().find(|o| o.symbol == sym("ETHUSDT") && o.trigger_price.is_none()).unwrap();
    assert_eq!((close.side, close.qty, close.reduce_only), (Side::Buy, q("0.749"), true));
    let hedge = &r.e.modes[ModeId::Hedge.index()];
    assert_eq!(hedge.trades, 1);
    let trade = r.e.closed_trades().iter().find(|t| t.symbol == sym("ETHUSDT")).unwrap();
    assert_eq!((trade.mode, hedge.pnl), (Some(4), trade.net_pnl()));
    assert_eq!(r.e.modes[0].trades, 0, "nothing counted for the trend mode");
}

#[test]
fn the_leg_closes_on_the_bar_the_hedged_position_is_stopped_out() {
    let mut r = Run::new(Some("ETHUSDT"), RiskConfig::default());
    r.run_to_spike();
    r.bar(SPIKE);
    assert_eq!(r.pos("ETHUSDT"), "-0.749");
    // The venue triggers BTC's resting stop on the next bar.
    r.bar(SPIKE + 1);
    let stop = r.e.symbols[0].stop.expect("the long has a stop order working");
    let ts = T0 + (SPIKE + 1) * 60_000;
    let f = r.desk.fill(stop.client_order_id, sym("BTCUSDT"), Side::Sell, q("0.1"), p("29300"), ts);
    let mut acts = r.e.on_event(&Event::Fill(f));
    let up = OrderUpdate {
        client_order_id: stop.client_order_id,
        order_id: None,
        symbol: sym("BTCUSDT"),
        status: OrderStatus::Filled,
        qty: q("0.1"),
        price: None,
        trigger_price: Some(stop.price),
        filled_qty: q("0.1"),
        ts_ms: ts,
        reason: None,
    };
    acts.extend(r.e.on_event(&Event::Order(up)));
    let acts = r.desk.settle(&mut r.e, acts, ts);
    assert_eq!((r.pos("BTCUSDT"), r.pos("ETHUSDT")), ("0".to_string(), "0".to_string()));
    let rec = records(&acts);
    assert!(
        rec.iter().any(|x| x.1 == "unwind" && x.2 == "BTCUSDT position closed: close ETHUSDT hedge -0.749"),
        "{rec:?}"
    );
    assert!(r.e.hedge_legs().is_empty());
    assert!(r.e.orders.open_orders().is_empty(), "{:?}", r.e.orders.open_orders());
}

#[test]
fn a_hedge_symbol_that_is_not_flat_means_a_reduce_with_that_reason() {
    let mut r = Run::new(Some("ETHUSDT"), RiskConfig::default());
    r.run_to_spike_after(Some(market("ETHUSDT", Side::Buy, "0.5")));
    let rec = records(&r.bar(SPIKE));
    // ETH's bar comes first: the spike is against the ETH long too, whose hedge in its own
    // symbol falls back to a reduce (0.5 of 0.5); BTC then finds ETH not flat.
    assert_eq!(rec.len(), 2, "{rec:?}");
    assert_eq!((rec[0].0.as_str(), rec[0].1.as_str()), ("ETHUSDT", "hedge"));
    assert!(
        rec[0].2.contains("hedge symbol ETHUSDT is the position's own") && rec[0].2.ends_with("reduce 0.25"),
        "{rec:?}"
    );
    assert_eq!((rec[1].0.as_str(), rec[1].1.as_str()), ("BTCUSDT", "hedge"));
    let want = "(reduced instead of hedged: hedge symbol ETHUSDT is not flat (position 0.25)): reduce 0.05";
    assert!(rec[1].2.ends_with(want), "{}", rec[1].2);
    assert_eq!((r.pos("BTCUSDT"), r.pos("ETHUSDT")), ("0.05".to_string(), "0.25".to_string()));
    assert!(r.e.hedge_legs().is_empty());
}

#[test]
fn without_a_hedge_symbol_the_position_is_reduced_as_before() {
    let mut r = Run::new(None, RiskConfig::default());
    r.run_to_spike();
    let rec = records(&r.bar(SPIKE));
    assert_eq!(rec.len(), 1, "{rec:?}");
    assert!(rec[0].2.contains("(reduced instead of hedged: no hedge symbol configured"), "{}", rec[0].2);
    assert_eq!((r.pos("BTCUSDT"), r.pos("ETHUSDT")), ("0.05".to_string(), "0".to_string()));
}

#[test]
fn the_kill_switch_leaves_nothing_open() {
    let mut r = Run::new(Some("ETHUSDT"), RiskConfig::default());
    r.run_to_spike();
    r.bar(SPIKE);
    assert_eq!(r.pos("ETHUSDT"), "-0.749");
    r.feed(&Event::Command(Command::KillSwitch { engage: true }));
    assert_eq!((r.pos("BTCUSDT"), r.pos("ETHUSDT")), ("0".to_string(), "0".to_string()));
    assert!(r.e.hedge_legs().is_empty());
    assert!(r.e.orders.open_orders().is_empty(), "{:?}", r.e.orders.open_orders());
    // One close order per position: the leg is not closed twice.
    let closes = r.desk.placed.iter().filter(|o| o.reduce_only && o.trigger_price.is_none()).count();
    assert_eq!(closes, 2);
}

pub(super) fn intent(mode: ModeId, kind: IntentKind) -> Intent {
    Intent { mode, kind, reason: "test".into() }
}

/// BTC long 0.1 and some history, no spike: the `Hedge` intent is handed in directly.
fn with_long(hedge_symbol: Option<&str>, risk: RiskConfig) -> Run {
    let mut r = Run::new(hedge_symbol, risk);
    r.run_to_spike();
    r
}

fn hedge_now(r: &mut Run, symbol: Option<&str>) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let kind = IntentKind::Hedge { fraction: 0.5, symbol: symbol.map(sym) };
    r.e.carry_out(0, intent(ModeId::Hedge, kind), T0 + SPIKE * 60_000, &mut out);
    let acts = r.desk.settle(&mut r.e, out, T0 + SPIKE * 60_000);
    records(&acts)
}

#[test]
fn each_fallback_reduces_and_says_why() {
    let cases: [(Option<&str>, &str); 3] = [
        (Some("BTCUSDT"), "hedge symbol BTCUSDT is the position's own"),
        (Some("XRPUSDT"), "hedge symbol XRPUSDT is not traded by this run"),
        (None, "no hedge symbol configured"),
    ];
    for (symbol, why) in cases {
        let mut r = with_long(symbol, RiskConfig::default());
        let rec = hedge_now(&mut r, symbol);
        assert!(rec[0].2.contains(why) && rec[0].2.ends_with("reduce 0.05"), "{rec:?}");
        assert_eq!(r.pos("BTCUSDT"), "0.05");
    }
    // Correlation below the threshold (set directly; it holds until the next close).
    let mut r = with_long(Some("ETHUSDT"), RiskConfig::default());
    r.e.risk.correlations_mut().set_correlation(sym("ETHUSDT"), sym("BTCUSDT"), 0.2);
    let rec = hedge_now(&mut r, Some("ETHUSDT"));
    assert!(rec[0].2.contains("correlation of BTCUSDT and ETHUSDT is 0.20, below min_correlation 0.5"), "{rec:?}");
    assert_eq!((r.pos("BTCUSDT"), r.pos("ETHUSDT")), ("0.05".to_string(), "0".to_string()));
    // Not known yet: too few bars.
    let mut r = Run::new(Some("ETHUSDT"), RiskConfig::default());
    r.bars(0, 10);
    r.feed(&market("BTCUSDT", Side::Buy, "0.1"));
    let rec = hedge_now(&mut r, Some("ETHUSDT"));
    assert!(rec[0].2.contains("correlation of BTCUSDT and ETHUSDT not known yet"), "{rec:?}");
    // The risk checks refuse the leg (one open position at most): recorded with the limit.
    let risk = RiskConfig { max_open_positions: 1, ..RiskConfig::default() };
    let mut r = with_long(Some("ETHUSDT"), risk);
    let rec = hedge_now(&mut r, Some("ETHUSDT"));
    assert!(rec[0].2.contains("risk refused the ETHUSDT hedge: "), "{rec:?}");
    assert!(r.e.rejections.front().is_some_and(|(_, why)| rec[0].2.contains(&*why.as_text())), "{rec:?}");
    assert_eq!((r.pos("BTCUSDT"), r.pos("ETHUSDT")), ("0.05".to_string(), "0".to_string()));
}

#[test]
fn a_symbol_carrying_a_leg_refuses_its_own_modes() {
    let mut r = Run::new(Some("ETHUSDT"), RiskConfig::default());
    r.run_to_spike();
    r.bar(SPIKE);
    assert_eq!(r.pos("ETHUSDT"), "-0.749");
    let ts = T0 + SPIKE * 60_000;
    let kinds = [
        IntentKind::Exit,
        IntentKind::PartialExit { fraction: 0.5 },
        IntentKind::ScaleIn { stop: 2_100.0, risk_fraction: 0.5 },
        IntentKind::Enter { direction: Direction::Long, stop: 1_900.0, target: None },
        IntentKind::Hedge { fraction: 0.5, symbol: Some(sym("BTCUSDT")) },
    ];
    for kind in kinds {
        let mut out = Vec::new();
        r.e.carry_out(1, intent(ModeId::Trend, kind), ts, &mut out);
        let acts = r.desk.settle(&mut r.e, out, ts);
        let why: Vec<String> = acts
            .iter()
            .filter_map(|a| match a {
                Action::RecordSignal(x) => Some(format!("{} {}", x.action, x.reason)),
                _ => None,
            })
            .collect();
        assert_eq!(why.len(), 1, "{why:?}");
        assert!(why[0].starts_with("rejected carrying a hedge for BTCUSDT"), "{why:?}");
        assert!(!acts.iter().any(|a| matches!(a, Action::PlaceOrder(_))), "{acts:?}");
    }
    assert_eq!(r.pos("ETHUSDT"), "-0.749");
    // A flatten of the leg itself closes it and forgets it.
    r.feed(&Event::Command(Command::Flatten { symbol: sym("ETHUSDT") }));
    assert_eq!((r.pos("ETHUSDT"), r.pos("BTCUSDT")), ("0".to_string(), "0.1".to_string()));
    assert!(r.e.hedge_legs().is_empty());
}

#[test]
fn a_leg_the_venue_rejects_is_forgotten_on_the_next_bar() {
    let mut r = with_long(Some("ETHUSDT"), RiskConfig::default());
    let ts = T0 + SPIKE * 60_000;
    let mut out = Vec::new();
    let kind = IntentKind::Hedge { fraction: 0.5, symbol: Some(sym("ETHUSDT")) };
    r.e.carry_out(0, intent(ModeId::Hedge, kind), ts, &mut out);
    let leg = out
        .iter()
        .find_map(|a| match a {
            Action::PlaceOrder(o) => Some(*o),
            _ => None,
        })
        .expect("the leg is sent");
    assert_eq!((leg.symbol, leg.side), (sym("ETHUSDT"), Side::Sell));
    assert_eq!(r.e.hedge_legs(), vec![(sym("ETHUSDT"), sym("BTCUSDT"))]);
    let up = OrderUpdate {
        client_order_id: leg.client_order_id,
        order_id: None,
        symbol: sym("ETHUSDT"),
        status: OrderStatus::Rejected,
        qty: leg.qty,
        price: None,
        trigger_price: None,
        filled_qty: q("0"),
        ts_ms: ts,
        reason: None,
    };
    r.e.on_event(&Event::Order(up));
    // Until the next bar it still counts as opening; then it is gone and ETH trades freely again.
    assert_eq!(r.e.hedge_legs().len(), 1);
    let (prev, now) = (r.closes[SPIKE as usize - 1].1, r.closes[SPIKE as usize].1);
    r.feed(&candle("ETHUSDT", SPIKE, prev, now));
    assert!(r.e.hedge_legs().is_empty());
    assert_eq!((r.pos("BTCUSDT"), r.pos("ETHUSDT")), ("0.1".to_string(), "0".to_string()));
}
