//! Harness of the mode scenario tests: deterministic synthetic series, a one-symbol position
//! book, and the run loop (indicators → analyzer → `ModeSet`) with an optional scripted regime.
#![allow(dead_code)]

use autobot::analysis::{AnalysisConfig, AnalysisOutput, Analyzer, Regime};
use autobot::domain::{Candle, Command, Interval, Price, Symbol};
use autobot::indicators::{IndicatorSet, SetKind};
use autobot::strategy::{
    BarInput, Direction, Intent, IntentKind, ModeId, ModeSet, ModesConfig, PositionView, SwitchEvent,
};

/// 2023-11-14 04:00 UTC, a 4-hour boundary.
pub const T0: i64 = 1_700_006_400_000;

/// Deterministic noise in [−1, 1).
pub struct Noise(pub u64);
impl Noise {
    pub fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

/// Builds candles from a close path: open = previous close, wicks of `wick` beyond the body.
pub struct Series {
    pub candles: Vec<Candle>,
    pub last: f64,
    pub noise: Noise,
}

impl Series {
    pub fn new(start: f64) -> Self {
        Self { candles: Vec::new(), last: start, noise: Noise(42) }
    }
    pub fn bar(&mut self, close: f64, wick: f64, volume: f64) {
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
    pub fn walk(&mut self, n: usize, step: f64, volume: f64, mean: impl Fn(usize, f64) -> f64) {
        for i in 0..n {
            let c = mean(i, self.last) + step * self.noise.next();
            let w = 0.3 * step * self.noise.next().abs();
            let v = volume * (1.0 + 0.2 * self.noise.next());
            self.bar(c, w, v);
        }
    }
    pub fn len(&self) -> usize {
        self.candles.len()
    }
}

/// What happened on one bar.
#[derive(Debug, Clone)]
pub struct Step {
    pub i: usize,
    pub analysis: AnalysisOutput,
    pub active: Option<ModeId>,
    pub intents: Vec<Intent>,
    pub switch: Option<SwitchEvent>,
    /// Stopped out on this bar (at the stop price).
    pub stopped: bool,
    /// The range mode's range after this bar.
    pub range: Option<(f64, f64)>,
    /// The book's position after this bar's intents.
    pub pos: PositionView,
}

/// A one-symbol position book filling intents at the close.
pub struct Book {
    pub pos: PositionView,
}

impl Book {
    pub fn apply(&mut self, i: &Intent, close: f64) {
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
    pub fn check_stop(&mut self, c: &Candle) -> bool {
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

pub fn analysis_config() -> AnalysisConfig {
    // Shorter volatility windows than the 1-minute defaults so a shock registers in a short test.
    AnalysisConfig { vol_window: 20, vol_history: 300, ..AnalysisConfig::default() }
}

/// A scenario run: the regime can be scripted per bar (the rest of the analysis stays real), so
/// the modes and the switcher are tested against a known regime, not the classifier's tuning.
#[derive(Default)]
pub struct Scenario<'a> {
    pub cfg: ModesConfig,
    pub commands: Vec<(usize, Command)>,
    pub adopt: Option<(usize, PositionView)>,
    pub regime: Option<&'a dyn Fn(usize) -> Regime>,
}

/// Runs the series through indicators → analyzer → modes; `commands` are applied before bar i.
pub fn run_with(candles: &[Candle], sc: Scenario<'_>) -> Vec<Step> {
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

pub fn run(candles: &[Candle]) -> Vec<Step> {
    run_with(candles, Scenario::default())
}

pub fn scripted<'a>(candles: &[Candle], regime: &'a dyn Fn(usize) -> Regime) -> Vec<Step> {
    run_with(candles, Scenario { regime: Some(regime), ..Default::default() })
}

/// Stops asked for (enter, scale-in, move) by `mode`, per position, must never loosen.
pub fn assert_stops_only_tighten(steps: &[Step], mode: ModeId) {
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
pub fn actions(steps: &[Step], mode: ModeId, from: usize, to: usize) -> Vec<(usize, &'static str)> {
    steps[from..to.min(steps.len())]
        .iter()
        .flat_map(|s| s.intents.iter().filter(|i| i.mode == mode).map(move |i| (s.i, i.action())))
        .collect()
}

pub fn switches(steps: &[Step]) -> Vec<(usize, Option<ModeId>, String)> {
    steps.iter().filter_map(|s| s.switch.as_ref().map(|e| (s.i, e.to, e.reason.to_string()))).collect()
}

/// Prints a compact trace (for `cargo test -- --nocapture` when tuning a scenario).
pub fn trace(steps: &[Step], from: usize, to: usize) {
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
pub fn quiet(s: &mut Series, n: usize, level: f64) {
    s.walk(n, 0.3, 100.0, |_, x| x + 0.1 * (level - x));
}

/// Triangle wave between `lo` and `hi` with `period` bars, starting at the middle going up.
pub fn triangle(i: usize, lo: f64, hi: f64, period: usize) -> f64 {
    let ph = (i + period / 4) % period;
    let half = period / 2;
    let x = if ph < half { ph as f64 / half as f64 } else { 2.0 - ph as f64 / half as f64 };
    lo + (hi - lo) * x
}

/// Quiet, then a noisy climb (drift 0.06 per bar), then a noisy fall: (series, climb start, fall start).
pub fn trend_series() -> (Series, usize, usize) {
    let mut s = Series::new(100.0);
    quiet(&mut s, 300, 100.0);
    let start = s.len();
    s.walk(500, 0.3, 100.0, |_, x| x + 0.06);
    let end = s.len();
    s.walk(300, 0.3, 100.0, |_, x| x - 0.08);
    (s, start, end)
}

/// A choppy range around 96–104 (a noisy 40-bar swing), then a slide out of it: (series, slide start).
pub fn range_series() -> (Series, usize) {
    let mut s = Series::new(100.0);
    s.walk(1200, 0.5, 100.0, |i, x| x + 0.3 * (triangle(i, 96.0, 104.0, 40) - x));
    let end = s.len();
    s.walk(150, 0.3, 100.0, |_, x| x - 0.1);
    (s, end)
}

/// The range, a drift to its top, one wide high-volume bar through it, then a climb: (series, break bar).
pub fn breakout_series() -> (Series, usize) {
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
pub fn reversal_series() -> (Series, usize) {
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
pub fn shock_series() -> (Series, usize) {
    let mut s = Series::new(100.0);
    quiet(&mut s, 300, 100.0);
    s.walk(300, 0.3, 100.0, |_, x| x + 0.04);
    let shock = s.len();
    s.walk(15, 0.3, 400.0, |i, x| x - 0.3 + if i % 2 == 0 { -2.0 } else { 2.0 });
    s.walk(250, 0.3, 100.0, |_, x| x);
    (s, shock)
}
