//! Scenario tests of the trading modes: deterministic synthetic 1-minute series, one per regime
//! (trend, range, breakout, reversal, volatility shock), run through the real indicator set,
//! analyzer and `ModeSet`, with a tiny position book that fills intents at the close and stops
//! on the bar's range (harness in `modes_support`). Each test checks the switcher picks the
//! regime's mode (a one-candle blip does not switch it) and the mode enters and leaves as designed.

mod modes_support;

use autobot::analysis::Regime;
use autobot::domain::Command;
use autobot::strategy::{Direction, IntentKind, ModeId, ModesConfig, PositionView};
use modes_support::*;

#[test]
fn trend_mode_buys_pullbacks_scales_in_trails_and_exits() {
    let (s, start, fall) = trend_series();
    let blips = [start + 100, start + 250];
    let regime = |i: usize| match i {
        _ if blips.contains(&i) => Regime::Range,
        i if i == start + 200 => Regime::HighVolatility,
        i if i < start => Regime::Range,
        i if i < fall => Regime::TrendUp,
        _ => Regime::TrendDown,
    };
    let steps = scripted(&s.candles, &regime);
    let sw = switches(&steps);
    // Trend is picked on the third trend bar and one-bar blips do not move it.
    let to_trend: Vec<_> = sw.iter().filter(|(_, to, _)| *to == Some(ModeId::Trend)).collect();
    assert_eq!(to_trend[0].0, start + 2, "{sw:?}");
    assert!(to_trend[0].2.contains("regime trend-up for 3 bars"), "{}", to_trend[0].2);
    assert!(sw.iter().all(|(i, _, _)| *i <= start + 2 || *i > fall), "no switch inside the climb: {sw:?}");
    let acts = actions(&steps, ModeId::Trend, start, fall);
    let entries = acts.iter().filter(|(_, a)| *a == "enter_long").count();
    assert!(entries >= 1, "{acts:?}");
    assert!(acts.iter().any(|(_, a)| *a == "scale_in"), "{acts:?}");
    assert!(acts.iter().filter(|(_, a)| *a == "stop_moved").count() >= 10, "{acts:?}");
    assert!(acts.iter().all(|(_, a)| *a != "enter_short"), "no shorts in an uptrend: {acts:?}");
    assert_stops_only_tighten(&steps, ModeId::Trend);
    // Every long is gone before the fall ends (trailing stop or the alignment turning).
    assert!(steps.last().unwrap().pos.direction != Direction::Long, "the long is closed by the end of the fall");
}

#[test]
fn range_mode_fades_the_edges_and_stands_aside_after_the_break() {
    let (s, slide) = range_series();
    let regime = |i: usize| if i == 600 { Regime::TrendUp } else { Regime::Range };
    let steps = scripted(&s.candles, &regime);
    let sw = switches(&steps);
    assert_eq!(sw.len(), 1, "one switch (to range), none for the blip: {sw:?}");
    assert_eq!(sw[0].1, Some(ModeId::Range));
    let acts = actions(&steps, ModeId::Range, 0, slide);
    let longs = acts.iter().filter(|(_, a)| *a == "enter_long").count();
    let shorts = acts.iter().filter(|(_, a)| *a == "enter_short").count();
    assert!(longs >= 2 && shorts >= 2, "buys support and sells resistance: {acts:?}");
    assert!(acts.iter().any(|(_, a)| *a == "partial_exit"), "takes part off at the middle: {acts:?}");
    assert!(acts.iter().filter(|(_, a)| *a == "exit").count() >= 2, "{acts:?}");
    // Entries happen near the range edges.
    for st in &steps[..slide] {
        for i in st.intents.iter().filter(|i| i.mode == ModeId::Range) {
            if let IntentKind::Enter { direction, stop, target } = i.kind {
                let (lo, hi) = st.range.expect("a range is in force");
                let c = s.candles[st.i].close.to_f64();
                let zone = 0.2 * (hi - lo);
                match direction {
                    Direction::Long => assert!(c <= lo + zone && stop < lo && target.unwrap() > c, "{i:?}"),
                    _ => assert!(c >= hi - zone && stop > hi && target.unwrap() < c, "{i:?}"),
                }
            }
        }
    }
    assert_stops_only_tighten(&steps, ModeId::Range);
    // The slide breaks the last range: it is dropped, the mode stands aside (no range for 20
    // bars, no entries) and holds no position.
    let gone = (slide + 1..s.len())
        .rev()
        .find(|&i| steps[i - 1].range.is_some() && steps[i].range.is_none())
        .expect("range dropped on the break");
    assert!(gone + 20 < s.len(), "broke at {gone}");
    assert!(steps[gone..gone + 20].iter().all(|s| s.range.is_none()));
    assert!(actions(&steps, ModeId::Range, gone, gone + 20).iter().all(|(_, a)| !a.starts_with("enter")));
    assert!(!steps[gone].pos.is_open(), "no range position survives the break");
}

#[test]
fn breakout_mode_enters_a_volume_break_and_exits() {
    let (s, brk) = breakout_series();
    let regime = |i: usize| match i {
        i if i < brk => Regime::Range,
        i if i < brk + 6 => Regime::Breakout,
        _ => Regime::TrendUp,
    };
    let steps = scripted(&s.candles, &regime);
    if std::env::var("MODES_TRACE").is_ok_and(|v| v == "brk") {
        trace(&steps, brk - 5, brk + 40);
    }
    let sw = switches(&steps);
    assert!(sw.iter().any(|(i, to, _)| *i == brk + 2 && *to == Some(ModeId::Breakout)), "{sw:?}");
    let acts = actions(&steps, ModeId::Breakout, brk, brk + 6);
    let entry = steps[brk..brk + 6]
        .iter()
        .flat_map(|s| s.intents.iter())
        .find(|i| i.mode == ModeId::Breakout && matches!(i.kind, IntentKind::Enter { .. }))
        .unwrap_or_else(|| panic!("breakout entry: {acts:?}"));
    let IntentKind::Enter { direction, stop, target } = entry.kind else { unreachable!() };
    assert_eq!(direction, Direction::Long);
    assert!(stop < 103.6 && target.unwrap() > 106.0, "{entry:?}");
    assert!(entry.reason.contains("volume"), "{}", entry.reason);
    // It leaves later: at the measured move, or on its stop once raised to break-even.
    let later = actions(&steps, ModeId::Breakout, brk + 1, s.len());
    let left = later.iter().any(|(_, a)| *a == "exit") || steps[brk..].iter().any(|s| s.stopped);
    assert!(left, "{later:?}");
    assert_stops_only_tighten(&steps, ModeId::Breakout);
}

#[test]
fn failed_breakout_is_exited() {
    let (mut s, brk) = breakout_series();
    s.candles.truncate(brk + 3);
    s.last = s.candles.last().unwrap().close.to_f64();
    s.walk(30, 0.1, 100.0, |_, x| x + 0.1 * (101.0 - x));
    let regime = |i: usize| match i {
        i if i < brk => Regime::Range,
        _ => Regime::Breakout,
    };
    let steps = scripted(&s.candles, &regime);
    if std::env::var("MODES_TRACE").is_ok_and(|v| v == "failed") {
        trace(&steps, brk - 5, s.len());
    }
    let exits: Vec<_> = steps[brk..]
        .iter()
        .flat_map(|s| s.intents.iter())
        .filter(|i| i.mode == ModeId::Breakout && i.kind == IntentKind::Exit)
        .collect();
    assert!(exits.iter().any(|i| i.reason.starts_with("failed breakout")), "{exits:?}");
}

#[test]
fn reversal_mode_waits_for_confirmation_and_keeps_a_tight_stop() {
    let (s, top) = reversal_series();
    let regime = |i: usize| match i {
        i if i < top - 4 => Regime::TrendUp,
        i if i < top + 30 => Regime::ReversalRisk,
        _ => Regime::TrendDown,
    };
    let steps = scripted(&s.candles, &regime);
    let sw = switches(&steps);
    assert!(sw.iter().any(|(i, to, _)| *i == top - 2 && *to == Some(ModeId::Reversal)), "{sw:?}");
    let (at, entry) = steps[top - 4..top + 30]
        .iter()
        .flat_map(|s| s.intents.iter().map(move |i| (s.i, i)))
        .find(|(_, i)| i.mode == ModeId::Reversal && matches!(i.kind, IntentKind::Enter { .. }))
        .unwrap_or_else(|| panic!("no reversal entry"));
    let IntentKind::Enter { direction, stop, .. } = entry.kind else { unreachable!() };
    assert_eq!(direction, Direction::Short, "{entry:?}");
    assert!(entry.reason.contains("confirmed"), "{}", entry.reason);
    // The stop sits just above the exhaustion high, within a few ATRs of the entry.
    let high = s.candles[top - 10..=at].iter().map(|c| c.high.to_f64()).fold(f64::MIN, f64::max);
    let close = s.candles[at].close.to_f64();
    let atr = 4.0 * steps[at].analysis.atr_pct.map_or(1.0, |p| p * close / 100.0);
    assert!(stop > high - 1e-9 && stop - close <= atr.max(2.0), "stop {stop} high {high} close {close}");
    let later = actions(&steps, ModeId::Reversal, at + 1, s.len());
    assert!(later.iter().any(|(_, a)| *a == "exit" || *a == "stop_moved"), "{later:?}");
    assert_stops_only_tighten(&steps, ModeId::Reversal);
}

fn hedge_only() -> ModesConfig {
    let mut cfg = ModesConfig::default();
    cfg.trend.enabled = false;
    cfg.range.enabled = false;
    cfg.breakout.enabled = false;
    cfg.reversal.enabled = false;
    cfg
}

#[test]
fn hedge_mode_hedges_a_spike_against_the_position_and_unwinds_when_calm() {
    let (s, shock) = shock_series();
    let entry = s.candles[shock - 10].close.to_f64();
    let long = PositionView { direction: Direction::Long, qty: 2.0, entry, stop: Some(50.0), hedge_qty: 0.0 };
    let regime = |i: usize| match i {
        i if i < shock => Regime::TrendUp,
        i if i < shock + 40 => Regime::HighVolatility,
        _ => Regime::Range,
    };
    let sc =
        Scenario { cfg: hedge_only(), adopt: Some((shock - 10, long)), regime: Some(&regime), ..Default::default() };
    let steps = run_with(&s.candles, sc);
    let acts = actions(&steps, ModeId::Hedge, 0, s.len());
    assert!(actions(&steps, ModeId::Hedge, 0, shock).is_empty(), "nothing before the shock: {acts:?}");
    let hedge_at = acts.iter().find(|(_, a)| *a == "hedge").expect("hedged").0;
    assert!(hedge_at >= shock && hedge_at < shock + 15, "{acts:?}");
    assert!(steps.iter().any(|s| s.active == Some(ModeId::Hedge)), "the switcher picks the hedge mode");
    let unwind_at = acts.iter().find(|(_, a)| *a == "unwind").expect("unwound").0;
    assert!(unwind_at > shock + 15, "unwinds only once calm: {acts:?}");
    let reason = &steps[unwind_at].intents.iter().find(|i| i.mode == ModeId::Hedge).unwrap().reason;
    assert!(reason.starts_with("volatility normal"), "{reason}");
    assert_eq!(acts.iter().filter(|(_, a)| *a == "hedge").count(), 1, "{acts:?}");
    // The reduce variant closes part of the position instead.
    let mut cfg = hedge_only();
    cfg.hedge.action = autobot::strategy::HedgeAction::Reduce;
    let sc = Scenario { cfg, adopt: Some((shock - 10, long)), regime: Some(&regime), ..Default::default() };
    let steps = run_with(&s.candles, sc);
    let acts = actions(&steps, ModeId::Hedge, 0, s.len());
    assert_eq!(acts.iter().map(|(_, a)| *a).collect::<Vec<_>>(), vec!["partial_exit"], "{acts:?}");
}

#[test]
fn pause_blocks_entries_and_lock_overrides_the_regime() {
    let (s, start, fall) = trend_series();
    let regime = |i: usize| {
        if i < start {
            Regime::Range
        } else if i < fall {
            Regime::TrendUp
        } else {
            Regime::TrendDown
        }
    };
    let commands = vec![(start, Command::PauseAutomation)];
    let sc = Scenario { commands, regime: Some(&regime), ..Default::default() };
    let steps = run_with(&s.candles, sc);
    let entries = steps.iter().flat_map(|s| s.intents.iter()).filter(|i| i.action().starts_with("enter")).count();
    let before =
        steps[..start].iter().flat_map(|s| s.intents.iter()).filter(|i| i.action().starts_with("enter")).count();
    assert_eq!(entries, before, "no entries once paused");
    // Locked to range: the trend regime never switches it, and trend never enters.
    let commands = vec![(10, Command::LockMode { mode: Some("range".into()) })];
    let sc = Scenario { commands, regime: Some(&regime), ..Default::default() };
    let steps = run_with(&s.candles, sc);
    assert!(steps[10..].iter().all(|s| s.active == Some(ModeId::Range)));
    assert!(actions(&steps, ModeId::Trend, 0, s.len()).is_empty());
    // Trend disabled: the trend regime leaves the symbol without a mode.
    let commands = vec![(0, Command::SetModeEnabled { mode: "trend".into(), enabled: false })];
    let sc = Scenario { commands, regime: Some(&regime), ..Default::default() };
    let steps = run_with(&s.candles, sc);
    assert!(steps[start + 5..fall].iter().all(|s| s.active.is_none()));
}

/// With the real regime classifier the trend mode is the active one for most of the climb.
#[test]
fn real_classifier_picks_trend_on_a_climb() {
    let (s, start, fall) = trend_series();
    let steps = run(&s.candles);
    let trend = steps[start..fall].iter().filter(|s| s.active == Some(ModeId::Trend)).count();
    assert!(trend * 2 > fall - start, "trend active on {trend} of {} bars", fall - start);
    assert!(actions(&steps, ModeId::Trend, start, fall).iter().any(|(_, a)| *a == "enter_long"));
}
