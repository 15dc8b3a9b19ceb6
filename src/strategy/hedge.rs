//! Volatility hedging mode: never opens a position of its own. When volatility spikes (realised
//! volatility well above its norm, or one bar's range many ATRs wide) while the market moves
//! against the open position, it hedges (an opposite position in the same or a correlated
//! symbol) or reduces; once volatility has been calm for a few bars it unwinds the hedge.
//!
//! In one-way position mode (the default) a venue cannot hold an opposite position in the same
//! symbol: the engine carries a `Hedge` out in the configured correlated `symbol` it also trades,
//! or reduces the position when that is not possible (`engine::hedge`). With `position_mode =
//! "hedge"` (Bybit positionIdx 1/2) the hedge is the opposite side of the same symbol.

use super::{check_positive, check_range, Intent, IntentKind, Mode, ModeContext, ModeId, Role};
use crate::domain::reason::{fx, signed, Arg};
use crate::domain::{PositionMode, Symbol};
use crate::reason;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// What the mode does on a spike against the position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HedgeAction {
    /// Open an opposite position of `fraction` × the position.
    Hedge,
    /// Close `fraction` of the position.
    Reduce,
}

/// Parameters of the volatility-hedging mode (`[strategy.modes.hedge]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HedgeConfig {
    pub enabled: bool,
    /// Also protect positions while another mode is active (not only when the switcher has
    /// picked this mode).
    pub overlay: bool,
    pub action: HedgeAction,
    pub fraction: f64,
    /// The venue's position mode for the traded symbols: in `hedge` (Bybit positionIdx 1/2) the
    /// hedge is the opposite side of the position's own symbol; in `one-way` (the default) it is
    /// the correlated `symbol`, or a reduction.
    pub position_mode: PositionMode,
    /// Hedge instrument: a correlated symbol the run also trades. None (or the position's own
    /// symbol): one-way mode cannot hedge, the position is reduced by `fraction` instead.
    pub symbol: Option<Symbol>,
    /// Least rolling return correlation (the risk engine's, over `risk.correlation_window`
    /// bars) between the position's symbol and `symbol` for a hedge there; below it, or while
    /// not known, the position is reduced instead.
    pub min_correlation: f64,
    /// Spike: realised-volatility ratio at or above this, or a bar's true range at or above
    /// `spike_range_atr` × the previous ATR.
    pub spike_vol_ratio: f64,
    pub spike_range_atr: f64,
    /// Against the position: the close moved this many ATRs against it over `adverse_bars`.
    pub adverse_atr: f64,
    pub adverse_bars: usize,
    /// Calm: volatility ratio at or below this and true range at or below `calm_range_atr` ATRs,
    /// for `calm_bars` bars in a row.
    pub calm_vol_ratio: f64,
    pub calm_range_atr: f64,
    pub calm_bars: u32,
}

impl Default for HedgeConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            overlay: true,
            action: HedgeAction::Hedge,
            fraction: 0.5,
            position_mode: PositionMode::OneWay,
            symbol: None,
            min_correlation: 0.5,
            spike_vol_ratio: 2.0,
            spike_range_atr: 3.0,
            adverse_atr: 1.5,
            adverse_bars: 3,
            calm_vol_ratio: 1.3,
            calm_range_atr: 1.5,
            calm_bars: 5,
        }
    }
}

impl HedgeConfig {
    pub fn validate(&self) -> Result<(), String> {
        const M: &str = "hedge";
        check_range(M, "fraction", self.fraction, 0.01, 1.0)?;
        check_range(M, "min_correlation", self.min_correlation, 0.01, 1.0)?;
        for (n, v) in [
            ("spike_vol_ratio", self.spike_vol_ratio),
            ("spike_range_atr", self.spike_range_atr),
            ("calm_vol_ratio", self.calm_vol_ratio),
            ("calm_range_atr", self.calm_range_atr),
        ] {
            check_positive(M, n, v, false)?;
        }
        check_positive(M, "adverse_atr", self.adverse_atr, true)?;
        if self.calm_vol_ratio >= self.spike_vol_ratio || self.calm_range_atr >= self.spike_range_atr {
            return Err(format!("strategy.modes.{M}: the calm thresholds must lie below the spike thresholds"));
        }
        if !(1..=100).contains(&self.adverse_bars) || self.calm_bars == 0 {
            return Err(format!(
                "strategy.modes.{M}: adverse_bars must be within [1, 100] and calm_bars at least 1, got {} and {}",
                self.adverse_bars, self.calm_bars
            ));
        }
        Ok(())
    }

    /// A configured hedge symbol must be one of the symbols the run trades (`traded`).
    pub fn check_symbol<S: AsRef<str>>(&self, traded: &[S]) -> Result<(), String> {
        match self.symbol {
            Some(s) if self.enabled && !traded.iter().any(|t| t.as_ref() == s.as_str()) => {
                let list: Vec<&str> = traded.iter().map(|t| t.as_ref()).collect();
                Err(format!(
                    "strategy.modes.hedge.symbol `{s}` is not traded by this run (symbols: {}); \
                     add it to the symbols or remove the setting",
                    list.join(", ")
                ))
            }
            _ => Ok(()),
        }
    }
}

/// State of the hedging mode for one symbol.
#[derive(Debug, Clone)]
pub struct VolHedge {
    cfg: HedgeConfig,
    /// Closes of the last `adverse_bars` bars, this one excluded.
    closes: VecDeque<f64>,
    prev_close: Option<f64>,
    prev_atr: Option<f64>,
    hedged: bool,
    reduced: bool,
    calm: u32,
}

impl VolHedge {
    pub fn new(cfg: HedgeConfig) -> Self {
        Self {
            closes: VecDeque::with_capacity(cfg.adverse_bars + 1),
            cfg,
            prev_close: None,
            prev_atr: None,
            hedged: false,
            reduced: false,
            calm: 0,
        }
    }
    pub fn config(&self) -> &HedgeConfig {
        &self.cfg
    }
    /// Whether a hedge is (believed to be) open.
    pub fn is_hedged(&self) -> bool {
        self.hedged
    }
    /// Whether this mode has something to manage even when the position is flat.
    pub fn has_hedge(&self) -> bool {
        self.hedged
    }

    /// The hedge asked for was not placed (automation paused).
    pub(crate) fn forget_hedge(&mut self) {
        self.hedged = false;
    }

    fn remember(&mut self, ctx: &ModeContext<'_>) {
        if self.closes.len() == self.cfg.adverse_bars {
            self.closes.pop_front();
        }
        self.closes.push_back(ctx.close());
        self.prev_close = Some(ctx.close());
        self.prev_atr = ctx.atr().or(self.prev_atr);
    }
}

impl Mode for VolHedge {
    fn id(&self) -> ModeId {
        ModeId::Hedge
    }

    /// The hedge outlives the position only until the next bar (which unwinds it).
    fn reset_position(&mut self) {
        self.reduced = false;
    }

    fn on_bar(&mut self, ctx: &ModeContext<'_>, role: Role) -> Option<Intent> {
        let (Some(prev_close), Some(atr)) = (self.prev_close, self.prev_atr) else {
            self.remember(ctx);
            return None;
        };
        let close = ctx.close();
        let tr = ctx.high().max(prev_close) - ctx.low().min(prev_close);
        let ratio = ctx.analysis.vol_ratio;
        let spike = ratio.is_some_and(|r| r >= self.cfg.spike_vol_ratio) || tr >= self.cfg.spike_range_atr * atr;
        let calm = ratio.is_none_or(|r| r <= self.cfg.calm_vol_ratio) && tr <= self.cfg.calm_range_atr * atr;
        let from = self.closes.front().copied().unwrap_or(prev_close);
        self.remember(ctx);
        if ctx.position.hedge_qty > 0.0 {
            self.hedged = true;
        }
        if role != Role::Manage {
            return None;
        }
        let pos = ctx.position;
        let intent = |kind, reason| Some(Intent { mode: ModeId::Hedge, kind, reason });
        if !pos.is_open() {
            if self.hedged {
                self.hedged = false;
                self.calm = 0;
                return intent(IntentKind::Unwind, reason!("position closed: unwind the hedge"));
            }
            return None;
        }
        let side = pos.sign();
        let adverse = side * (close - from) <= -self.cfg.adverse_atr * atr;
        if !self.hedged && !self.reduced {
            if spike && adverse {
                self.calm = 0;
                let why = reason!(
                    "volatility spike (range {} ATR, vol ratio {}) against the position ({} ATR over {} bars)",
                    fx(tr / atr, 1),
                    ratio.map_or(Arg::Str("n/a"), |r| fx(r, 2)),
                    signed(side * (close - from) / atr, 1),
                    self.closes.len()
                );
                return match self.cfg.action {
                    HedgeAction::Hedge => {
                        self.hedged = true;
                        intent(
                            IntentKind::Hedge { fraction: self.cfg.fraction, symbol: self.cfg.symbol },
                            why.then(reason!(": hedge")),
                        )
                    }
                    HedgeAction::Reduce => {
                        self.reduced = true;
                        intent(IntentKind::PartialExit { fraction: self.cfg.fraction }, why.then(reason!(": reduce")))
                    }
                };
            }
            return None;
        }
        self.calm = if calm { self.calm + 1 } else { 0 };
        if self.calm >= self.cfg.calm_bars {
            self.calm = 0;
            self.reduced = false;
            if std::mem::replace(&mut self.hedged, false) {
                return intent(
                    IntentKind::Unwind,
                    reason!("volatility normal for {} bars: unwind the hedge", self.cfg.calm_bars),
                );
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_checks() {
        assert!(HedgeConfig::default().validate().is_ok());
        assert!(HedgeConfig { fraction: 1.5, ..Default::default() }.validate().is_err());
        assert!(HedgeConfig { calm_vol_ratio: 2.5, ..Default::default() }.validate().is_err());
        let e = HedgeConfig { min_correlation: 0.0, ..Default::default() }.validate().unwrap_err();
        assert_eq!(e, "strategy.modes.hedge.min_correlation must be within [0.01, 1], got 0");
        assert!(HedgeConfig { min_correlation: 1.2, ..Default::default() }.validate().is_err());
        let eth = HedgeConfig { symbol: Symbol::new("ETHUSDT").ok(), ..Default::default() };
        assert!(eth.check_symbol(&["BTCUSDT", "ETHUSDT"]).is_ok());
        let e = eth.check_symbol(&["BTCUSDT"]).unwrap_err();
        assert!(
            e.starts_with("strategy.modes.hedge.symbol `ETHUSDT` is not traded by this run (symbols: BTCUSDT)"),
            "{e}"
        );
        assert!(HedgeConfig::default().check_symbol(&["BTCUSDT"]).is_ok());
        let c: HedgeConfig = toml::from_str("action = \"reduce\"\nsymbol = \"ETHUSDT\"").unwrap();
        assert_eq!((c.action, c.symbol.map(|s| s.to_string())), (HedgeAction::Reduce, Some("ETHUSDT".to_string())));
    }
}
