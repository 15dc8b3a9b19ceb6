//! The mode switcher: maps the regime to a mode (trend → trend, range → range, breakout →
//! breakout, reversal risk → reversal, high volatility → hedge) and switches only when the new
//! mode has been called for `confirm_bars` bars in a row and the current one has been active for
//! at least `min_dwell_bars`; the operator can disable modes, lock one, or turn auto-switching
//! off. Every switch carries its reason.

use super::{check_range, ModeId, UnknownMode};
use crate::analysis::Regime;
use crate::domain::reason::fx;
use crate::domain::{Command, ModeSwitch, Reason, Symbol};
use crate::reason;
use serde::{Deserialize, Serialize};

/// Parameters of the switcher (`[strategy.modes.switcher]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SwitcherConfig {
    /// Switch automatically from the regime (the operator can turn it off at run time).
    pub auto_switch: bool,
    /// Bars in a row the regime must call for a new mode (at least 2: never on one candle).
    pub confirm_bars: u32,
    /// Bars the active mode stays before another may replace it.
    pub min_dwell_bars: u32,
    /// Regime bars below this confidence do not count toward a switch.
    pub min_confidence: f64,
}

impl Default for SwitcherConfig {
    fn default() -> Self {
        Self { auto_switch: true, confirm_bars: 3, min_dwell_bars: 10, min_confidence: 0.3 }
    }
}

impl SwitcherConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.confirm_bars < 2 {
            return Err(format!("strategy.modes.switcher.confirm_bars must be at least 2, got {}", self.confirm_bars));
        }
        check_range("switcher", "min_confidence", self.min_confidence, 0.0, 1.0)
    }
}

/// The mode the switcher calls for in a regime.
pub fn mode_for(regime: Regime) -> ModeId {
    match regime {
        Regime::TrendUp | Regime::TrendDown => ModeId::Trend,
        Regime::Range => ModeId::Range,
        Regime::Breakout => ModeId::Breakout,
        Regime::ReversalRisk => ModeId::Reversal,
        Regime::HighVolatility => ModeId::Hedge,
    }
}

/// A change of the active mode (`None`: no mode, the symbol stands aside).
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchEvent {
    pub ts_ms: i64,
    pub from: Option<ModeId>,
    pub to: Option<ModeId>,
    pub reason: Reason,
}

impl SwitchEvent {
    /// The record the engine stores (`Action::RecordModeSwitch`).
    pub fn into_record(self, symbol: Symbol) -> ModeSwitch {
        let name = |m: Option<ModeId>| m.map_or("none", ModeId::as_str).into();
        ModeSwitch { ts_ms: self.ts_ms, symbol, from: name(self.from), to: name(self.to), reason: self.reason }
    }
}

/// An operator command the switcher cannot apply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModeCommandError {
    #[error(transparent)]
    Unknown(#[from] UnknownMode),
    #[error("cannot lock mode `{0}`: it is disabled")]
    LockDisabled(ModeId),
}

/// Picks the active mode for one symbol.
#[derive(Debug, Clone)]
pub struct ModeSwitcher {
    cfg: SwitcherConfig,
    enabled: [bool; 5],
    locked: Option<ModeId>,
    auto: bool,
    active: Option<ModeId>,
    /// Bars since the last switch.
    dwell: u32,
    /// The mode the regime has been calling for, and for how many bars in a row.
    pending: Option<ModeId>,
    pending_bars: u32,
}

impl ModeSwitcher {
    pub fn new(cfg: SwitcherConfig, enabled: [bool; 5]) -> Self {
        Self {
            auto: cfg.auto_switch,
            dwell: cfg.min_dwell_bars,
            cfg,
            enabled,
            locked: None,
            active: None,
            pending: None,
            pending_bars: 0,
        }
    }
    pub fn active(&self) -> Option<ModeId> {
        self.active
    }
    pub fn locked(&self) -> Option<ModeId> {
        self.locked
    }
    pub fn auto_switch(&self) -> bool {
        self.auto
    }
    pub fn is_enabled(&self, mode: ModeId) -> bool {
        self.enabled[mode.index()]
    }
    /// New parameters; the state (active, locked, enabled) stays.
    pub fn set_config(&mut self, cfg: SwitcherConfig) {
        if cfg.auto_switch != self.cfg.auto_switch {
            self.auto = cfg.auto_switch;
        }
        self.cfg = cfg;
    }
    /// Bars the active mode has been active.
    pub fn dwell_bars(&self) -> u32 {
        self.dwell
    }
    /// The mode waiting to take over and its bars so far.
    pub fn pending(&self) -> Option<(ModeId, u32)> {
        self.pending.map(|m| (m, self.pending_bars))
    }

    fn switch(&mut self, to: Option<ModeId>, ts_ms: i64, reason: Reason) -> Option<SwitchEvent> {
        let from = std::mem::replace(&mut self.active, to);
        self.dwell = 0;
        self.pending = None;
        self.pending_bars = 0;
        (from != to).then_some(SwitchEvent { ts_ms, from, to, reason })
    }

    /// Feeds the regime of a closed bar; returns the switch it causes, if any.
    pub fn on_bar(&mut self, regime: Regime, confidence: f64, ts_ms: i64) -> Option<SwitchEvent> {
        self.dwell = self.dwell.saturating_add(1);
        if self.locked.is_some() || !self.auto {
            return None;
        }
        let wanted = mode_for(regime);
        if self.active == Some(wanted) || confidence < self.cfg.min_confidence {
            self.pending = None;
            self.pending_bars = 0;
            return None;
        }
        // A disabled mode's regime means standing aside (the current mode does not fit either).
        let target = self.enabled[wanted.index()].then_some(wanted);
        if target == self.active {
            self.pending = None;
            self.pending_bars = 0;
            return None;
        }
        if self.pending == Some(wanted) {
            self.pending_bars += 1;
        } else {
            self.pending = Some(wanted);
            self.pending_bars = 1;
        }
        if self.pending_bars < self.cfg.confirm_bars || self.dwell < self.cfg.min_dwell_bars {
            return None;
        }
        let from = self.active.map_or("none", ModeId::as_str);
        let reason = reason!(
            "regime {} for {} bars (confidence {}); {} → ",
            regime.as_str(),
            self.pending_bars,
            fx(confidence, 2),
            from
        )
        .then(match target {
            Some(m) => reason!("{}", m.as_str()),
            None => reason!("none ({} disabled)", wanted.as_str()),
        })
        .then(reason!(" after {} bars", self.dwell));
        self.switch(target, ts_ms, reason)
    }

    /// Applies an operator command (others are ignored); returns the switch it causes.
    pub fn apply(&mut self, cmd: &Command, ts_ms: i64) -> Result<Option<SwitchEvent>, ModeCommandError> {
        match cmd {
            Command::SetModeEnabled { mode, enabled } => {
                let m: ModeId = mode.parse()?;
                self.enabled[m.index()] = *enabled;
                if !enabled {
                    if self.locked == Some(m) {
                        self.locked = None;
                    }
                    if self.active == Some(m) {
                        return Ok(self.switch(None, ts_ms, reason!("{} disabled by the operator", m.as_str())));
                    }
                }
                Ok(None)
            }
            Command::LockMode { mode: Some(name) } => {
                let m: ModeId = name.parse()?;
                if !self.enabled[m.index()] {
                    return Err(ModeCommandError::LockDisabled(m));
                }
                self.locked = Some(m);
                Ok(self.switch(Some(m), ts_ms, reason!("{} locked by the operator", m.as_str())))
            }
            Command::LockMode { mode: None } => {
                // Unlocked: the locked mode stays until the regime calls for another.
                self.locked = None;
                self.dwell = 0;
                Ok(None)
            }
            Command::SetAutoSwitch { enabled } => {
                self.auto = *enabled;
                self.pending = None;
                self.pending_bars = 0;
                Ok(None)
            }
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sw() -> ModeSwitcher {
        ModeSwitcher::new(SwitcherConfig { confirm_bars: 3, min_dwell_bars: 5, ..Default::default() }, [true; 5])
    }

    /// Feeds `n` bars of `regime`; returns the bars (1-based) on which a switch happened.
    fn feed(s: &mut ModeSwitcher, regime: Regime, n: u32) -> Vec<(u32, Option<ModeId>)> {
        (1..=n).filter_map(|i| s.on_bar(regime, 0.8, i as i64).map(|e| (i, e.to))).collect()
    }

    #[test]
    fn switches_after_confirmation_and_dwell_only() {
        let mut s = sw();
        // From no mode: the third range bar switches (dwell starts satisfied).
        assert_eq!(feed(&mut s, Regime::Range, 4), vec![(3, Some(ModeId::Range))]);
        // One-bar blips of other regimes never switch.
        for r in [Regime::TrendUp, Regime::Breakout, Regime::HighVolatility] {
            assert!(feed(&mut s, r, 1).is_empty());
            assert!(feed(&mut s, Regime::Range, 1).is_empty());
        }
        // 7 bars since the switch (1 + 6 blips); a trend confirmed on its third bar switches.
        assert_eq!(feed(&mut s, Regime::TrendDown, 3), vec![(3, Some(ModeId::Trend))]);
        // Dwell: a confirmed breakout (3 bars) must wait until 5 bars have passed.
        assert_eq!(feed(&mut s, Regime::Breakout, 6), vec![(5, Some(ModeId::Breakout))]);
        assert_eq!(s.dwell_bars(), 1);
    }

    #[test]
    fn low_confidence_does_not_count() {
        let mut s = sw();
        for i in 0..10 {
            assert_eq!(s.on_bar(Regime::TrendUp, 0.1, i), None);
        }
        assert_eq!(s.active(), None);
        let e = (0..3).find_map(|i| s.on_bar(Regime::TrendUp, 0.9, i)).unwrap();
        assert_eq!((e.from, e.to), (None, Some(ModeId::Trend)));
        assert!(e.reason.to_string().contains("regime trend-up for 3 bars"), "{}", e.reason);
        assert_eq!(e.into_record(Symbol::new("BTCUSDT").unwrap()).from, "none");
    }

    #[test]
    fn disable_lock_and_auto_off() {
        let mut s = sw();
        feed(&mut s, Regime::Range, 3);
        assert_eq!(s.active(), Some(ModeId::Range));
        // Disabling the active mode stands aside at once, with the reason.
        let cmd = Command::SetModeEnabled { mode: "range".into(), enabled: false };
        let e = s.apply(&cmd, 10).unwrap().unwrap();
        assert_eq!(
            (e.from, e.to, e.reason.to_string().as_str()),
            (Some(ModeId::Range), None, "range disabled by the operator")
        );
        // The range regime now keeps the symbol out (no mode), and nothing switches.
        assert!(feed(&mut s, Regime::Range, 10).is_empty());
        // Locking a disabled mode is refused; an unknown one too.
        assert_eq!(
            s.apply(&Command::LockMode { mode: Some("range".into()) }, 11),
            Err(ModeCommandError::LockDisabled(ModeId::Range))
        );
        assert!(matches!(
            s.apply(&Command::LockMode { mode: Some("scalp".into()) }, 11),
            Err(ModeCommandError::Unknown(_))
        ));
        // Lock breakout: immediate, and the regime cannot move it.
        let e = s.apply(&Command::LockMode { mode: Some("breakout".into()) }, 12).unwrap().unwrap();
        assert_eq!((e.to, e.reason.to_string().as_str()), (Some(ModeId::Breakout), "breakout locked by the operator"));
        assert!(feed(&mut s, Regime::TrendUp, 20).is_empty());
        assert_eq!(s.active(), Some(ModeId::Breakout));
        // Unlock: the regime takes over again after confirmation and the dwell (reset at unlock).
        assert_eq!(s.apply(&Command::LockMode { mode: None }, 13), Ok(None));
        assert_eq!(feed(&mut s, Regime::TrendUp, 6), vec![(5, Some(ModeId::Trend))]);
        // Auto-switch off: the active mode stays whatever the regime says.
        assert_eq!(s.apply(&Command::SetAutoSwitch { enabled: false }, 14), Ok(None));
        assert!(feed(&mut s, Regime::HighVolatility, 30).is_empty());
        assert_eq!(s.active(), Some(ModeId::Trend));
        s.apply(&Command::SetAutoSwitch { enabled: true }, 15).unwrap();
        assert_eq!(feed(&mut s, Regime::HighVolatility, 3), vec![(3, Some(ModeId::Hedge))]);
        // Re-enabling range lets the range regime pick it again.
        s.apply(&Command::SetModeEnabled { mode: "chop".into(), enabled: true }, 16).unwrap();
        assert_eq!(feed(&mut s, Regime::Range, 5), vec![(5, Some(ModeId::Range))]);
    }

    #[test]
    fn config_checks() {
        assert!(SwitcherConfig::default().validate().is_ok());
        assert!(SwitcherConfig { confirm_bars: 1, ..Default::default() }.validate().is_err());
        assert!(SwitcherConfig { min_confidence: 2.0, ..Default::default() }.validate().is_err());
    }
}
