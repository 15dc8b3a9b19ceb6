//! The regime classifier: one label per closed bar from the volatility, trend-alignment, chop and
//! structure signals, with a confidence in [0, 1]. See the `analysis` module doc for the rules.

use super::chop::clamp01;

/// Market regime of one symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Regime {
    TrendUp,
    TrendDown,
    #[default]
    Range,
    Breakout,
    ReversalRisk,
    HighVolatility,
}

impl Regime {
    pub const ALL: [Regime; 6] = [
        Regime::TrendUp,
        Regime::TrendDown,
        Regime::Range,
        Regime::Breakout,
        Regime::ReversalRisk,
        Regime::HighVolatility,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Regime::TrendUp => "trend-up",
            Regime::TrendDown => "trend-down",
            Regime::Range => "range",
            Regime::Breakout => "breakout",
            Regime::ReversalRisk => "reversal-risk",
            Regime::HighVolatility => "high-volatility",
        }
    }
    /// Index into `ALL`.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Regime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Thresholds of the classifier (see the module doc of `analysis`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegimeThresholds {
    /// HighVolatility: enter at percentile ≥ `vol_pct_enter` and vol ratio ≥ `vol_ratio_enter`;
    /// stay while percentile ≥ `vol_pct_exit`.
    pub vol_pct_enter: f64,
    pub vol_pct_exit: f64,
    pub vol_ratio_enter: f64,
    /// Trend: enter at |alignment| ≥ `trend_enter`, ADX ≥ `adx_enter` and not choppy; stay while
    /// |alignment| ≥ `trend_exit` and ADX ≥ `adx_exit`.
    pub trend_enter: f64,
    pub trend_exit: f64,
    pub adx_enter: f64,
    pub adx_exit: f64,
    /// ReversalRisk: with |alignment| ≥ `trend_enter`, RSI at or beyond these in the trend's
    /// direction on a bar that closes against it, or the base-timeframe DIs crossed against the
    /// trend with ADX ≥ `adx_enter`.
    pub rsi_high: f64,
    pub rsi_low: f64,
    /// Breakout: close beyond a level with ≥ `breakout_touches` touches by ≥ `breakout_atr × ATR`
    /// on volume ≥ `breakout_volume` × its 20-bar mean; holds `breakout_hold` bars while the
    /// close stays beyond the level.
    pub breakout_touches: u32,
    pub breakout_atr: f64,
    pub breakout_volume: f64,
    pub breakout_hold: u32,
    /// Bars a new candidate label must persist before it replaces the current one (1 = switch at
    /// once). HighVolatility and Breakout switch at once.
    pub confirm_bars: u32,
}

impl Default for RegimeThresholds {
    fn default() -> Self {
        Self {
            vol_pct_enter: 0.95,
            vol_pct_exit: 0.85,
            vol_ratio_enter: 1.5,
            trend_enter: 0.5,
            trend_exit: 0.25,
            adx_enter: 20.0,
            adx_exit: 15.0,
            rsi_high: 75.0,
            rsi_low: 25.0,
            breakout_touches: 2,
            breakout_atr: 0.1,
            breakout_volume: 1.5,
            breakout_hold: 5,
            confirm_bars: 2,
        }
    }
}

/// Everything the classifier looks at for one bar.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RegimeInputs {
    pub close: f64,
    pub prev_close: f64,
    pub atr: Option<f64>,
    pub vol_percentile: Option<f64>,
    pub vol_ratio: Option<f64>,
    pub alignment: f64,
    pub chop_score: Option<f64>,
    pub choppy: bool,
    pub adx: Option<f64>,
    pub plus_di: Option<f64>,
    pub minus_di: Option<f64>,
    pub rsi: Option<f64>,
    /// Nearest resistance (price, touches) above the previous close and support below it.
    pub resistance: Option<(f64, u32)>,
    pub support: Option<(f64, u32)>,
    /// This bar's volume over its 20-bar mean.
    pub volume_ratio: Option<f64>,
}

/// Regime classifier with light hysteresis (enter/exit thresholds and a short confirmation).
#[derive(Debug, Clone)]
pub struct RegimeClassifier {
    th: RegimeThresholds,
    current: Regime,
    confidence: f64,
    pending: Regime,
    pending_bars: u32,
    /// Active breakout: level, direction (+1 up, −1 down), bars left.
    breakout: Option<(f64, i8, u32)>,
}

impl RegimeClassifier {
    pub fn new(th: RegimeThresholds) -> Self {
        Self { th, current: Regime::Range, confidence: 0.0, pending: Regime::Range, pending_bars: 0, breakout: None }
    }
    pub fn regime(&self) -> Regime {
        self.current
    }
    pub fn confidence(&self) -> f64 {
        self.confidence
    }
    /// Direction of the active breakout: 1 up, −1 down, 0 none.
    pub fn breakout_direction(&self) -> i8 {
        self.breakout.map_or(0, |b| b.1)
    }

    /// The raw label of this bar (before confirmation) and its confidence.
    #[inline]
    fn candidate(&mut self, x: &RegimeInputs) -> (Regime, f64) {
        let th = &self.th;
        let atr = x.atr.unwrap_or(0.0);
        // 1. Breakout: a fresh break of a well-touched level on volume, then held.
        let vol_ok = x.volume_ratio.is_some_and(|v| v >= th.breakout_volume);
        let margin = th.breakout_atr * atr;
        if let Some((lvl, dir, left)) = self.breakout {
            let beyond = if dir > 0 { x.close > lvl } else { x.close < lvl };
            self.breakout = if beyond && left > 1 { Some((lvl, dir, left - 1)) } else { None };
        }
        if vol_ok && atr > 0.0 {
            if let Some((r, t)) = x.resistance.filter(|&(_, t)| t >= th.breakout_touches) {
                if x.prev_close <= r && x.close > r + margin {
                    self.breakout = Some((r, 1, th.breakout_hold.max(1)));
                    let _ = t;
                }
            }
            if let Some((s, _)) = x.support.filter(|&(_, t)| t >= th.breakout_touches) {
                if x.prev_close >= s && x.close < s - margin {
                    self.breakout = Some((s, -1, th.breakout_hold.max(1)));
                }
            }
        }
        if let Some((lvl, _, _)) = self.breakout {
            let dist = if atr > 0.0 { (x.close - lvl).abs() / atr } else { 1.0 };
            let vr = x.volume_ratio.unwrap_or(1.0);
            return (Regime::Breakout, clamp01(0.4 + 0.2 * dist.min(1.5) + 0.1 * (vr - 1.0).min(2.0)));
        }
        // 2. High volatility: realised vol in the top of its history and well above its norm.
        if let (Some(p), Some(r)) = (x.vol_percentile, x.vol_ratio) {
            let staying = self.current == Regime::HighVolatility && p >= th.vol_pct_exit;
            if (p >= th.vol_pct_enter && r >= th.vol_ratio_enter) || staying {
                return (Regime::HighVolatility, clamp01(0.5 + 0.25 * (r - 1.0)).max(0.5 * p));
            }
        }
        // 3/4. Trend with its direction, or an exhausted/turning trend.
        let a = x.alignment;
        let adx = x.adx.unwrap_or(0.0);
        let was_trend = matches!(self.current, Regime::TrendUp | Regime::TrendDown | Regime::ReversalRisk);
        let (need_a, need_adx) = if was_trend { (th.trend_exit, th.adx_exit) } else { (th.trend_enter, th.adx_enter) };
        if a.abs() >= th.trend_enter {
            let up = a > 0.0;
            let rsi_ext = x.rsi.map_or(0.0, |r| {
                if up {
                    (r - th.rsi_high) / (100.0 - th.rsi_high)
                } else {
                    (th.rsi_low - r) / th.rsi_low
                }
            });
            let di_against = match (x.plus_di, x.minus_di) {
                (Some(p), Some(m)) if adx >= th.adx_enter => {
                    if up {
                        m > p
                    } else {
                        p > m
                    }
                }
                _ => false,
            };
            let turned = if up { x.close < x.prev_close } else { x.close > x.prev_close };
            let exhausted = rsi_ext >= 0.0 && turned;
            if exhausted || di_against {
                let rsi_part = if exhausted { rsi_ext.max(0.5) } else { 0.0 };
                let di_part = if di_against { 0.5 } else { 0.0 };
                let c = 0.5 + 0.5 * clamp01(rsi_part.max(di_part));
                return (Regime::ReversalRisk, c);
            }
        }
        if a.abs() >= need_a && adx >= need_adx && (!x.choppy || was_trend) {
            let c = 0.5 * a.abs() + 0.5 * clamp01((adx - th.adx_exit) / 25.0);
            return (if a > 0.0 { Regime::TrendUp } else { Regime::TrendDown }, clamp01(c));
        }
        // 5. Range.
        let chop = x.chop_score.unwrap_or(0.5);
        (Regime::Range, clamp01(0.5 * chop + 0.5 * (1.0 - a.abs())))
    }

    /// Classifies one bar. A change of label needs `confirm_bars` consecutive bars of the new
    /// candidate, except into Breakout or HighVolatility, which switch at once.
    #[inline]
    pub fn update(&mut self, x: &RegimeInputs) -> (Regime, f64) {
        let (cand, conf) = self.candidate(x);
        if cand == self.current {
            self.pending_bars = 0;
            self.confidence = conf;
        } else {
            if cand == self.pending {
                self.pending_bars += 1;
            } else {
                self.pending = cand;
                self.pending_bars = 1;
            }
            let instant = matches!(cand, Regime::Breakout | Regime::HighVolatility);
            if instant || self.pending_bars >= self.th.confirm_bars {
                self.current = cand;
                self.confidence = conf;
                self.pending_bars = 0;
            } else {
                // Holding the old label on a disagreeing bar: confidence reflects the doubt.
                self.confidence *= 0.5;
            }
        }
        (self.current, self.confidence)
    }
}
