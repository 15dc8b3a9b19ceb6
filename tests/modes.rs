//! Scenario tests of the trading modes: deterministic synthetic 1-minute series, one per regime
//! (trend, range, breakout, reversal, volatility shock), run through the real indicator set,
//! analyzer and `ModeSet`, with a tiny position book that fills intents at the close and stops
//! on the bar's range. Each test checks the switcher picks the regime's mode (a one-candle blip
//! does not switch it) and the mode enters and leaves as designed.

use autobot::analysis::{AnalysisConfig, AnalysisOutput, Analyzer, Regime};
use autobot::domain::{Candle, Command, Interval, Price, Symbol};
use autobot::indicators::{IndicatorSet, SetKind};
use autobot::strategy::{
    BarInput, Direction, Intent, IntentKind, ModeId, ModeSet, ModesConfig, PositionView, SwitchEvent,
};

/// 2023-11-14 04:00 UTC, a 4-hour boundary.
const T0: i64 = 1_700_006_400_000;

/// Deterministic noise in [−1, 1).
struct Noise(u64);
impl Noise {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

/// Builds candles from a close path: open = previous close, wicks of `wick` beyond the body.
struct Series {
    candles: Vec<Candle>,
    last: f64,
    noise: Noise,
}

impl Series {
    fn new(start: f64) -> Self {
        Self { candles: Vec::new(), last: start, noise: Noise(42) }
    }
    fn bar(&mut self, close: f64, wick: f64, volume: f64) {
        let p = |x: f64| Price::from_f64((x * 100.0).round() / 100.0).unwrap();
        let open = self.last;
        let i = self.candles.len() as i64;
        self.candles.push(Candle {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            interval: Interval::M1,
            ts_ms: T0 + i * 60_000,
            open: p(open),
            high: p(open.max(close) + wick),
            low: p(open.min(close) - wick),
            close: p(close),
            volume,
            turnover: 0.0,
            closed: true,
        });
        self.last = close;
    }
    /// `n` bars of a noisy walk: close = `mean(i, previous close)` + uniform noise of ±`step`.
    fn walk(&mut self, n: usize, step: f64, volume: f64, mean: impl Fn(usize, f64) -> f64) {
        for i in 0..n {
            let c = mean(i, self.last) + step * self.noise.next();
            let w = 0.3 * step * self.noise.next().abs();
            let v = volume * (1.0 + 0.2 * self.noise.next());
            self.bar(c, w, v);
        }
    }
    fn len(&self) -> usize {
        self.candles.len()
    }
}

/// What happened on one bar.
#[derive(Debug, Clone)]
struct Step {
    i: usize,
    analysis: AnalysisOutput,
    active: Option<ModeId>,
    intents: Vec<Intent>,
    switch: Option<SwitchEvent>,
    /// Stopped out on this bar (at the stop price).
    stopped: bool,
    /// The range mode's range after this bar.
    range: Option<(f64, f64)>,
    /// The book's position after this bar's intents.
    pos: PositionView,
}

/// A one-symbol position book filling intents at the close.
struct Book {
    pos: PositionView,
}

impl Book {
    fn apply(&mut self, i: &Intent, close: f64) {
        let p = &mut self.pos;
        match i.kind {
            IntentKind::Enter { direction, stop, .. } => {
                *p = PositionView { direction, qty: 1.0, entry: close, stop: Some(stop), hedge_qty: 0.0 }
            }
            IntentKind::ScaleIn { stop, risk_fraction } => {
                p.entry = (p.entry * p.qty + close * risk_fraction) / (p.qty + risk_fraction);
                p.qty += risk_fraction;
                p.stop = Some(stop);
            }
            IntentKind::PartialExit { fraction } => p.qty *= 1.0 - fraction,
            IntentKind::Exit => {
                let hedge = p.hedge_qty;
                *p = PositionView { hedge_qty: hedge, ..PositionView::FLAT }
            }
            IntentKind::MoveStop { stop } => p.stop = Some(stop),
            IntentKind::Hedge { fraction, .. } => p.hedge_qty = p.qty * fraction,
            IntentKind::Unwind => p.hedge_qty = 0.0,
        }
    }
    /// Whether the bar's range hit the stop (the position is then closed).
    fn check_stop(&mut self, c: &Candle) -> bool {
        let (Some(stop), true) = (self.pos.stop, self.pos.is_open()) else { return false };
        let hit = match self.pos.direction {
            Direction::Long => c.low.to_f64() <= stop,
            Direction::Short => c.high.to_f64() >= stop,
            Direction::Flat => false,
        };
        if hit {
            self.pos = PositionView { hedge_qty: self.pos.hedge_qty, ..PositionView::FLAT };
        }
        hit
    }
}

fn analysis_config() -> AnalysisConfig {
    // Shorter volatility windows than the 1-minute defaults so a shock registers in a short test.
    AnalysisConfig { vol_window: 20, vol_history: 300, ..AnalysisConfig::default() }
}

/// A scenario run: the regime can be scripted per bar (the rest of the analysis stays real), so
/// the modes and the switcher are tested against a known regime, not the classifier's tuning.
#[derive(Default)]
struct Scenario<'a> {
    cfg: ModesConfig,
    commands: Vec<(usize, Command)>,
    adopt: Option<(usize, PositionView)>,
    regime: Option<&'a dyn Fn(usize) -> Regime>,
}

/// Runs the series through indicators → analyzer → modes; `commands` are applied before bar i.
fn run_with(candles: &[Candle], sc: Scenario<'_>) -> Vec<Step> {
    let Scenario { cfg, commands, adopt, regime } = sc;
    let mut ind = IndicatorSet::new(SetKind::Default);
    let mut an = Analyzer::new(analysis_config());
    let mut modes = ModeSet::new(cfg).expect("valid config");
    let mut book = Book { pos: PositionView::FLAT };
    let mut steps = Vec::with_capacity(candles.len());
    let mut out = Vec::new();
    for (i, c) in candles.iter().enumerate() {
        for (_, cmd) in commands.iter().filter(|(at, _)| *at == i) {
            modes.apply_command(cmd, c.ts_ms).expect("command applies");
        }
        if let Some((_, p)) = adopt.filter(|(at, _)| *at == i) {
            book.pos = p;
        }
        let stopped = book.check_stop(c);
        let v = *ind.update(c);
        let mut a = *an.update(c, &v);
        if let Some(f) = regime {
            a.regime = f(i);
            a.confidence = 0.8;
        }
        out.clear();
        let input = BarInput { candle: c, ind: &v, analysis: &a, levels: an.levels(), position: book.pos };
        let switch = modes.on_bar(&input, &mut out);
        for it in &out {
            book.apply(it, c.close.to_f64());
        }
        let (active, range, pos) = (modes.active(), modes.range(), book.pos);
        steps.push(Step { i, analysis: a, active, intents: out.clone(), switch, stopped, range, pos });
    }
    steps
}

fn run(candles: &[Candle]) -> Vec<Step> {
    run_with(candles, Scenario::default())
}

fn scripted<'a>(candles: &[Candle], regime: &'a dyn Fn(usize) -> Regime) -> Vec<Step> {
    run_with(candles, Scenario { regime: Some(regime), ..Default::default() })
}

/// Stops asked for (enter, scale-in, move) by `mode`, per position, must never loosen.
fn assert_stops_only_tighten(steps: &[Step], mode: ModeId) {
    let mut last: Option<(Direction, f64)> = None;
    for s in steps {
        if !s.pos.is_open() && s.intents.iter().all(|i| !matches!(i.kind, IntentKind::Enter { .. })) {
            last = None;
        }
        for i in s.intents.iter().filter(|i| i.mode == mode) {
            match i.kind {
                IntentKind::Enter { direction, stop, .. } => last = Some((direction, stop)),
                IntentKind::MoveStop { stop } | IntentKind::ScaleIn { stop, .. } => {
                    let (d, prev) = last.expect("a stop change needs a position");
                    let ok = if d == Direction::Long { stop >= prev } else { stop <= prev };
                    assert!(ok, "bar {}: {} stop {stop} looser than {prev}", s.i, i.action());
                    last = Some((d, stop));
                }
                _ => {}
            }
        }
    }
}

/// Intents of `mode` in bars [from, to) as (bar, action).
fn actions(steps: &[Step], mode: ModeId, from: usize, to: usize) -> Vec<(usize, &'static str)> {
    steps[from..to.min(steps.len())]
        .iter()
        .flat_map(|s| s.intents.iter().filter(|i| i.mode == mode).map(move |i| (s.i, i.action())))
        .collect()
}

fn switches(steps: &[Step]) -> Vec<(usize, Option<ModeId>, String)> {
    steps.iter().filter_map(|s| s.switch.as_ref().map(|e| (s.i, e.to, e.reason.clone()))).collect()
}

/// Prints a compact trace (for `cargo test -- --nocapture` when tuning a scenario).
fn trace(steps: &[Step], from: usize, to: usize) {
    for s in &steps[from..to.min(steps.len())] {
        let a = &s.analysis;
        let intents: Vec<String> =
            s.intents.iter().map(|i| format!("{}:{} {}", i.mode, i.action(), i.reason)).collect();
        println!(
            "{:4} {:?} {:.2} al {:.2} sup {:?} res {:?} vr {:?} act {:?} {}{:?} {}",
            s.i,
            a.regime,
            a.confidence,
            a.alignment,
            a.support.map(|l| (l.price, l.touches)),
            a.resistance.map(|l| (l.price, l.touches)),
            a.vol_ratio.map(|v| (v * 100.0).round() / 100.0),
            s.active,
            if s.stopped { "STOPPED " } else { "" },
            s.switch.as_ref().map(|e| &e.reason),
            intents.join(" | ")
        );
    }
}

/// `n` bars of noise pulled toward `level`.
fn quiet(s: &mut Series, n: usize, level: f64) {
    s.walk(n, 0.3, 100.0, |_, x| x + 0.1 * (level - x));
}

/// Triangle wave between `lo` and `hi` with `period` bars, starting at the middle going up.
fn triangle(i: usize, lo: f64, hi: f64, period: usize) -> f64 {
    let ph = (i + period / 4) % period;
    let half = period / 2;
    let x = if ph < half { ph as f64 / half as f64 } else { 2.0 - ph as f64 / half as f64 };
    lo + (hi - lo) * x
}

/// Quiet, then a noisy climb (drift 0.06 per bar), then a noisy fall: (series, climb start, fall start).
fn trend_series() -> (Series, usize, usize) {
    let mut s = Series::new(100.0);
    quiet(&mut s, 300, 100.0);
    let start = s.len();
    s.walk(500, 0.3, 100.0, |_, x| x + 0.06);
    let end = s.len();
    s.walk(300, 0.3, 100.0, |_, x| x - 0.08);
    (s, start, end)
}

/// A choppy range around 96–104 (a noisy 40-bar swing), then a slide out of it: (series, slide start).
fn range_series() -> (Series, usize) {
    let mut s = Series::new(100.0);
    s.walk(1200, 0.5, 100.0, |i, x| x + 0.3 * (triangle(i, 96.0, 104.0, 40) - x));
    let end = s.len();
    s.walk(150, 0.3, 100.0, |_, x| x - 0.1);
    (s, end)
}

/// The range, a drift to its top, one wide high-volume bar through it, then a climb: (series, break bar).
fn breakout_series() -> (Series, usize) {
    let mut s = Series::new(100.0);
    s.walk(1000, 0.5, 100.0, |i, x| x + 0.3 * (triangle(i, 96.0, 104.0, 40) - x));
    s.walk(20, 0.2, 100.0, |_, x| x + 0.3 * (103.5 - x));
    let brk = s.len();
    let from = s.last;
    s.bar(from + 1.8, 0.1, 500.0);
    s.walk(150, 0.3, 150.0, |_, x| x + 0.08);
    (s, brk)
}

/// A climb, a blow-off, a marginal new high on fading momentum, a bearish engulfing bar, then a
/// fall: (series, engulfing bar).
fn reversal_series() -> (Series, usize) {
    let mut s = Series::new(100.0);
    quiet(&mut s, 300, 100.0);
    s.walk(250, 0.3, 100.0, |_, x| x + 0.08);
    s.walk(12, 0.15, 120.0, |_, x| x + 0.3);
    s.walk(8, 0.15, 100.0, |_, x| x - 0.1);
    s.walk(8, 0.1, 100.0, |_, x| x + 0.12);
    let hi = s.last;
    s.bar(hi + 0.25, 0.05, 120.0);
    let top = s.len();
    s.bar(hi - 0.6, 0.05, 250.0);
    s.walk(200, 0.3, 120.0, |_, x| x - 0.1);
    (s, top)
}

/// A gentle climb, fifteen violent bars against it, then calm: (series, shock start).
fn shock_series() -> (Series, usize) {
    let mut s = Series::new(100.0);
    quiet(&mut s, 300, 100.0);
    s.walk(300, 0.3, 100.0, |_, x| x + 0.04);
    let shock = s.len();
    s.walk(15, 0.3, 400.0, |i, x| x - 0.3 + if i % 2 == 0 { -2.0 } else { 2.0 });
    s.walk(250, 0.3, 100.0, |_, x| x);
    (s, shock)
}

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

#[test]
fn debug_trace() {
    let which = std::env::var("MODES_TRACE").unwrap_or_default();
    let (s, from) = match which.as_str() {
        "trend" => {
            let (s, a, _) = trend_series();
            (s, a)
        }
        "range" => (range_series().0, 100),
        "breakout" => {
            let (s, b) = breakout_series();
            (s, b - 200)
        }
        "reversal" => {
            let (s, t) = reversal_series();
            (s, t - 250)
        }
        "shock" => {
            let (s, t) = shock_series();
            (s, t - 50)
        }
        _ => return,
    };
    let steps = run(&s.candles);
    trace(&steps, from, s.len());
    println!("{:?}", switches(&steps));
    assert!(!steps.is_empty());
    let _ = Regime::Range;
}
