//! `ModeSet`: the five modes and the switcher for one symbol, called once per closed bar. It owns
//! the candlestick-pattern detectors the modes read, decides which mode may enter (the active
//! one) and which manages the open position (the one that opened it), and vets every intent:
//! no entries while paused, stops only on the losing side of the price and only ever tightened.

use super::{
    stop_is_protective, tighter_stop, BreakoutConfig, BreakoutMode, Direction, HedgeConfig, Intent, IntentKind, Mode,
    ModeCommandError, ModeContext, ModeId, ModeSwitcher, PositionView, PullbackConfig, RangeConfig, RangeReversion,
    ReversalConfig, ReversalMode, Role, SwitchEvent, SwitcherConfig, TrendPullback, VolHedge,
};
use crate::analysis::{AnalysisOutput, Level};
use crate::domain::{Candle, Command};
use crate::indicators::IndicatorValues;
use crate::patterns::{Detection, PatternSet, PATTERN_COUNT};
use serde::{Deserialize, Serialize};

/// Settings of all modes and the switcher (`[strategy.modes]` in the config).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModesConfig {
    pub switcher: SwitcherConfig,
    pub trend: PullbackConfig,
    pub range: RangeConfig,
    pub breakout: BreakoutConfig,
    pub reversal: ReversalConfig,
    pub hedge: HedgeConfig,
}

impl ModesConfig {
    pub fn validate(&self) -> Result<(), String> {
        self.switcher.validate()?;
        self.trend.validate()?;
        self.range.validate()?;
        self.breakout.validate()?;
        self.reversal.validate()?;
        self.hedge.validate()
    }
    /// The `enabled` flags in `ModeId::ALL` order.
    pub fn enabled(&self) -> [bool; 5] {
        [self.trend.enabled, self.range.enabled, self.breakout.enabled, self.reversal.enabled, self.hedge.enabled]
    }
}

/// What the engine hands the mode set for one closed bar of one symbol.
#[derive(Debug, Clone, Copy)]
pub struct BarInput<'a> {
    pub candle: &'a Candle,
    /// The symbol's `IndicatorSet` values after this candle.
    pub ind: &'a IndicatorValues,
    /// The symbol's `Analyzer` output after this candle.
    pub analysis: &'a AnalysisOutput,
    /// The symbol's `Analyzer::levels()` after this candle.
    pub levels: &'a [Level],
    pub position: PositionView,
}

/// The trading modes of one symbol.
#[derive(Debug, Clone)]
pub struct ModeSet {
    cfg: ModesConfig,
    switcher: ModeSwitcher,
    trend: TrendPullback,
    range: RangeReversion,
    breakout: BreakoutMode,
    reversal: ReversalMode,
    hedge: VolHedge,
    patterns: PatternSet,
    /// The mode managing the open position.
    owner: Option<ModeId>,
    /// The mode whose entry was asked for on the last bar.
    entering: Option<ModeId>,
    /// The tightest stop asked for on the open position.
    last_stop: Option<f64>,
    paused: bool,
}

impl ModeSet {
    pub fn new(cfg: ModesConfig) -> Result<Self, String> {
        cfg.validate()?;
        Ok(Self {
            switcher: ModeSwitcher::new(cfg.switcher.clone(), cfg.enabled()),
            trend: TrendPullback::new(cfg.trend.clone()),
            range: RangeReversion::new(cfg.range.clone()),
            breakout: BreakoutMode::new(cfg.breakout.clone()),
            reversal: ReversalMode::new(cfg.reversal.clone()),
            hedge: VolHedge::new(cfg.hedge.clone()),
            cfg,
            patterns: PatternSet::new(),
            owner: None,
            entering: None,
            last_stop: None,
            paused: false,
        })
    }
    pub fn config(&self) -> &ModesConfig {
        &self.cfg
    }
    /// The mode that may open positions now (`None`: stand aside).
    pub fn active(&self) -> Option<ModeId> {
        self.switcher.active()
    }
    /// The mode managing the open position.
    pub fn owner(&self) -> Option<ModeId> {
        self.owner
    }
    pub fn switcher(&self) -> &ModeSwitcher {
        &self.switcher
    }
    pub fn is_paused(&self) -> bool {
        self.paused
    }
    /// The range mode's current range (support, resistance), for the UI.
    pub fn range(&self) -> Option<(f64, f64)> {
        self.range.range()
    }

    /// Applies an operator command: mode enable/disable, lock, auto-switch, pause/resume.
    pub fn apply_command(&mut self, cmd: &Command, ts_ms: i64) -> Result<Option<SwitchEvent>, ModeCommandError> {
        match cmd {
            Command::PauseAutomation => self.paused = true,
            Command::ResumeAutomation => self.paused = false,
            _ => {}
        }
        let out = self.switcher.apply(cmd, ts_ms)?;
        if let Command::SetModeEnabled { mode, enabled } = cmd {
            // Keep the config in step so the UI editor shows (and saves) the live flag.
            let m: ModeId = mode.parse()?;
            match m {
                ModeId::Trend => self.cfg.trend.enabled = *enabled,
                ModeId::Range => self.cfg.range.enabled = *enabled,
                ModeId::Breakout => self.cfg.breakout.enabled = *enabled,
                ModeId::Reversal => self.cfg.reversal.enabled = *enabled,
                ModeId::Hedge => self.cfg.hedge.enabled = *enabled,
            }
        }
        Ok(out)
    }

    /// Replaces the parameters (the UI editor); modes whose parameters changed start afresh.
    pub fn set_config(&mut self, cfg: ModesConfig, ts_ms: i64) -> Result<Vec<SwitchEvent>, String> {
        cfg.validate()?;
        if cfg.trend != self.cfg.trend {
            self.trend = TrendPullback::new(cfg.trend.clone());
        }
        if cfg.range != self.cfg.range {
            self.range = RangeReversion::new(cfg.range.clone());
        }
        if cfg.breakout != self.cfg.breakout {
            self.breakout = BreakoutMode::new(cfg.breakout.clone());
        }
        if cfg.reversal != self.cfg.reversal {
            self.reversal = ReversalMode::new(cfg.reversal.clone());
        }
        if cfg.hedge != self.cfg.hedge && !self.hedge.has_hedge() {
            self.hedge = VolHedge::new(cfg.hedge.clone());
        }
        let mut events = Vec::new();
        if cfg.switcher != self.cfg.switcher {
            self.switcher.set_config(cfg.switcher.clone());
        }
        for (m, on) in ModeId::ALL.into_iter().zip(cfg.enabled()) {
            if self.switcher.is_enabled(m) != on {
                let cmd = Command::SetModeEnabled { mode: m.as_str().into(), enabled: on };
                if let Ok(Some(e)) = self.switcher.apply(&cmd, ts_ms) {
                    events.push(e);
                }
            }
        }
        self.cfg = cfg;
        Ok(events)
    }

    /// Feeds one closed bar: appends the vetted intents to `out` (at most one per mode, the
    /// owner's first, the hedge's last) and returns the mode switch it caused, if any.
    pub fn on_bar(&mut self, input: &BarInput<'_>, out: &mut Vec<Intent>) -> Option<SwitchEvent> {
        let mut patterns =
            [Detection { pattern: crate::patterns::PatternId::Doji, signal: 0, quality: 0.0 }; PATTERN_COUNT];
        patterns.copy_from_slice(self.patterns.update(input.candle));
        let ctx = ModeContext {
            candle: input.candle,
            ind: input.ind,
            analysis: input.analysis,
            patterns: &patterns,
            levels: input.levels,
            position: input.position,
        };
        let pos = input.position;
        // A classifier still missing inputs (ATR, ADX, the volatility percentile, a higher
        // timeframe's trend) has no estimate: its bars never count toward a switch.
        let confidence = if input.analysis.ready { input.analysis.confidence } else { 0.0 };
        let switch = self.switcher.on_bar(input.analysis.regime, confidence, ctx.ts_ms());
        if !pos.is_open() {
            if let Some(o) = self.owner.take() {
                self.mode_mut(o).reset_position();
            }
            self.last_stop = None;
        } else if self.owner.is_none() {
            // Our entry filled, or a position appeared (manual, adopted): the entering or active
            // mode manages it.
            self.owner = self.entering.or(self.switcher.active()).filter(|m| *m != ModeId::Hedge);
        }
        self.entering = None;
        let active = self.switcher.active();
        let first = out.len();
        for m in [ModeId::Trend, ModeId::Range, ModeId::Breakout, ModeId::Reversal] {
            let role = if pos.is_open() {
                if self.owner == Some(m) {
                    Role::Manage
                } else {
                    Role::Observe
                }
            } else if active == Some(m) && !self.paused {
                Role::Seek
            } else {
                Role::Observe
            };
            if let Some(i) = self.mode_mut(m).on_bar(&ctx, role) {
                if let Some(i) = self.vet(i, &ctx) {
                    out.push(i);
                }
            }
        }
        let guard =
            self.switcher.is_enabled(ModeId::Hedge) && (self.cfg.hedge.overlay || active == Some(ModeId::Hedge));
        // No hedge for a position its owner is closing on this bar.
        let exiting = out[first..].iter().any(|i| i.kind == IntentKind::Exit);
        let role =
            if self.hedge.has_hedge() || (pos.is_open() && guard && !exiting) { Role::Manage } else { Role::Observe };
        if let Some(i) = self.hedge.on_bar(&ctx, role) {
            let hedging = matches!(i.kind, IntentKind::Hedge { .. });
            match self.vet(i, &ctx) {
                Some(i) => out.push(i),
                None if hedging => self.hedge.forget_hedge(),
                None => {}
            }
        }
        switch
    }

    fn mode_mut(&mut self, m: ModeId) -> &mut dyn Mode {
        match m {
            ModeId::Trend => &mut self.trend,
            ModeId::Range => &mut self.range,
            ModeId::Breakout => &mut self.breakout,
            ModeId::Reversal => &mut self.reversal,
            ModeId::Hedge => &mut self.hedge,
        }
    }

    /// The working stop: the tighter of the engine's and the last one asked for.
    fn current_stop(&self, pos: &PositionView) -> Option<f64> {
        match (pos.stop, self.last_stop) {
            (Some(a), Some(b)) => Some(if pos.direction == Direction::Short { a.min(b) } else { a.max(b) }),
            (a, b) => a.or(b),
        }
    }

    /// Drops or corrects intents that break the rules; remembers entries and stops.
    fn vet(&mut self, mut i: Intent, ctx: &ModeContext<'_>) -> Option<Intent> {
        let pos = ctx.position;
        let close = ctx.close();
        let current = self.current_stop(&pos);
        match &mut i.kind {
            IntentKind::Enter { direction, stop, .. } => {
                if self.paused || pos.is_open() || !stop_is_protective(*direction, close, *stop) {
                    return None;
                }
                self.entering = Some(i.mode);
                self.last_stop = Some(*stop);
            }
            IntentKind::ScaleIn { stop, risk_fraction } => {
                if self.paused || !pos.is_open() || !(*risk_fraction > 0.0) {
                    return None;
                }
                // Never looser than the working stop.
                if let Some(c) = current {
                    if tighter_stop(pos.direction, Some(c), *stop).is_none() {
                        *stop = c;
                    }
                }
                if !stop_is_protective(pos.direction, close, *stop) {
                    return None;
                }
                self.last_stop = Some(*stop);
            }
            IntentKind::MoveStop { stop } => {
                let s = tighter_stop(pos.direction, current, *stop)?;
                if !pos.is_open() || !stop_is_protective(pos.direction, close, s) {
                    return None;
                }
                self.last_stop = Some(s);
            }
            IntentKind::PartialExit { fraction } => {
                if !pos.is_open() || !(*fraction > 0.0) {
                    return None;
                }
                *fraction = fraction.min(1.0);
            }
            IntentKind::Exit => {
                if !pos.is_open() {
                    return None;
                }
            }
            IntentKind::Hedge { .. } => {
                if self.paused || !pos.is_open() {
                    return None;
                }
            }
            IntentKind::Unwind => {}
        }
        Some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Interval, Price, Symbol};

    fn candle(close: f64) -> Candle {
        let p = |v: f64| Price::from_f64(v).unwrap();
        Candle {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            interval: Interval::M1,
            ts_ms: 0,
            open: p(close),
            high: p(close + 1.0),
            low: p(close - 1.0),
            close: p(close),
            volume: 1.0,
            turnover: 0.0,
            closed: true,
        }
    }

    fn intent(kind: IntentKind) -> Intent {
        Intent { mode: ModeId::Trend, kind, reason: "test".into() }
    }

    #[test]
    fn stops_never_loosen_and_entries_respect_pause() {
        let mut set = ModeSet::new(ModesConfig::default()).unwrap();
        let (c, ind, an) = (candle(100.0), IndicatorValues::default(), AnalysisOutput::default());
        let long = PositionView { direction: Direction::Long, qty: 1.0, entry: 95.0, stop: Some(97.0), hedge_qty: 0.0 };
        let ctx = ModeContext { candle: &c, ind: &ind, analysis: &an, patterns: &[], levels: &[], position: long };
        // Looser or equal: dropped. Tighter: kept and remembered, so a later 97.5 is looser too.
        assert_eq!(set.vet(intent(IntentKind::MoveStop { stop: 96.0 }), &ctx), None);
        assert_eq!(set.vet(intent(IntentKind::MoveStop { stop: 97.0 }), &ctx), None);
        assert!(set.vet(intent(IntentKind::MoveStop { stop: 98.0 }), &ctx).is_some());
        assert_eq!(set.vet(intent(IntentKind::MoveStop { stop: 97.5 }), &ctx), None);
        // A stop at or through the price would be an exit in disguise: dropped.
        assert_eq!(set.vet(intent(IntentKind::MoveStop { stop: 100.5 }), &ctx), None);
        // A scale-in with a looser stop gets the working stop (98).
        let add = set.vet(intent(IntentKind::ScaleIn { stop: 90.0, risk_fraction: 0.5 }), &ctx).unwrap();
        assert_eq!(add.kind, IntentKind::ScaleIn { stop: 98.0, risk_fraction: 0.5 });
        // A short: lower is tighter.
        let short = PositionView { direction: Direction::Short, stop: Some(103.0), ..long };
        let ctx_s = ModeContext { position: short, ..ctx };
        set.last_stop = None;
        assert_eq!(set.vet(intent(IntentKind::MoveStop { stop: 104.0 }), &ctx_s), None);
        assert!(set.vet(intent(IntentKind::MoveStop { stop: 102.0 }), &ctx_s).is_some());
        // Entries: only flat, with a protective stop, and not while paused.
        let flat = ModeContext { position: PositionView::FLAT, ..ctx };
        let enter = |stop| intent(IntentKind::Enter { direction: Direction::Long, stop, target: None });
        assert_eq!(set.vet(enter(95.0), &ctx), None, "already positioned");
        assert_eq!(set.vet(enter(101.0), &flat), None, "stop above a long's entry");
        set.apply_command(&Command::PauseAutomation, 0).unwrap();
        assert_eq!(set.vet(enter(95.0), &flat), None, "paused");
        assert_eq!(
            set.vet(intent(IntentKind::Exit), &ctx).map(|i| i.kind),
            Some(IntentKind::Exit),
            "exits pass while paused"
        );
        set.apply_command(&Command::ResumeAutomation, 0).unwrap();
        assert!(set.vet(enter(95.0), &flat).is_some());
        assert_eq!(set.entering, Some(ModeId::Trend));
    }

    #[test]
    fn an_unready_classifier_never_switches_the_mode() {
        let mut set = ModeSet::new(ModesConfig::default()).unwrap();
        let (c, ind) = (candle(100.0), IndicatorValues::default());
        let confident = AnalysisOutput {
            regime: crate::analysis::Regime::TrendUp,
            confidence: 0.9,
            ready: false,
            ..AnalysisOutput::default()
        };
        let bar = |set: &mut ModeSet, an: &AnalysisOutput| {
            let input = BarInput { candle: &c, ind: &ind, analysis: an, levels: &[], position: PositionView::FLAT };
            set.on_bar(&input, &mut Vec::new())
        };
        // Inputs missing: 30 confident trend-up bars are no evidence.
        for _ in 0..30 {
            assert_eq!(bar(&mut set, &confident), None);
        }
        assert_eq!(set.active(), None);
        // Once ready, the switcher confirms the regime over its confirmation bars (3 by default;
        // the dwell time has long passed) and then switches.
        let ready = AnalysisOutput { ready: true, ..confident };
        assert_eq!(bar(&mut set, &ready), None);
        assert_eq!(bar(&mut set, &ready), None);
        let switch = bar(&mut set, &ready).expect("switches on the third ready bar");
        assert_eq!(switch.to, Some(ModeId::Trend));
        assert_eq!(set.active(), Some(ModeId::Trend));
    }

    #[test]
    fn config_round_trips_and_commands_update_it() {
        let text = "[switcher]\nmin_dwell_bars = 20\n[breakout]\nentry = \"retest\"\n[hedge]\nenabled = false\n";
        let cfg: ModesConfig = toml::from_str(text).unwrap();
        assert_eq!((cfg.switcher.min_dwell_bars, cfg.hedge.enabled), (20, false));
        assert!(toml::from_str::<ModesConfig>("[scalp]\nenabled = true").is_err());
        let mut set = ModeSet::new(cfg).unwrap();
        assert!(!set.switcher().is_enabled(ModeId::Hedge));
        set.apply_command(&Command::SetModeEnabled { mode: "hedge".into(), enabled: true }, 0).unwrap();
        assert!(set.config().hedge.enabled && set.switcher().is_enabled(ModeId::Hedge));
        let mut bad = ModesConfig::default();
        bad.switcher.confirm_bars = 1;
        assert!(ModeSet::new(bad.clone()).is_err());
        assert!(set.set_config(bad, 0).is_err());
        // Disabling the active mode through the editor reports the switch.
        set.apply_command(&Command::LockMode { mode: Some("range".into()) }, 0).unwrap();
        let mut cfg = set.config().clone();
        cfg.range.enabled = false;
        let events = set.set_config(cfg, 5).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!((events[0].from, events[0].to), (Some(ModeId::Range), None));
    }
}
