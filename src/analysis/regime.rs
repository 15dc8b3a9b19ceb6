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
    /// Confidence of the last bar whose candidate matched the label.
    held_conf: f64,
    pending: Regime,
    pending_bars: u32,
    /// Active breakout: level, direction (+1 up, −1 down), bars left.
    breakout: Option<(f64, i8, u32)>,
}

impl RegimeClassifier {
    pub fn new(th: RegimeThresholds) -> Self {
        Self {
            th,
            current: Regime::Range,
            confidence: 0.0,
            held_conf: 0.0,
            pending: Regime::Range,
            pending_bars: 0,
            breakout: None,
        }
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
        // Reversal risk is a warning about a trend that is already on; from anything else the
        // same bar only counts towards entering the trend.
        if was_trend && a.abs() >= th.trend_enter {
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
            self.held_conf = conf;
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
                self.held_conf = conf;
                self.pending_bars = 0;
            } else {
                // Holding the old label on a disagreeing bar: half its last confidence.
                self.confidence = 0.5 * self.held_conf;
            }
        }
        (self.current, self.confidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A calm, directionless bar: ATR 1, mid volatility, ADX 30 with +DI 25 / −DI 15, RSI 50.
    fn calm() -> RegimeInputs {
        RegimeInputs {
            close: 100.0,
            prev_close: 100.0,
            atr: Some(1.0),
            vol_percentile: Some(0.5),
            vol_ratio: Some(1.0),
            alignment: 0.0,
            chop_score: Some(0.3),
            choppy: false,
            adx: Some(30.0),
            plus_di: Some(25.0),
            minus_di: Some(15.0),
            rsi: Some(50.0),
            resistance: None,
            support: None,
            volume_ratio: Some(1.0),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn trend_needs_two_bars_to_enter_and_holds_between_exit_and_enter() {
        let mut k = RegimeClassifier::new(RegimeThresholds::default());
        let up = RegimeInputs { alignment: 0.8, rsi: Some(60.0), ..calm() };
        // First bar: candidate TrendUp, label stays Range (confidence 0 halves to 0).
        assert_eq!(k.update(&up), (Regime::Range, 0.0));
        // Second bar: TrendUp, ½·0.8 + ½·(30 − 15)/25 = 0.4 + 0.3.
        let (r, c) = k.update(&up);
        assert!(r == Regime::TrendUp && close(c, 0.7), "{r:?} {c}");
        // Alignment 0.3 and ADX 16 are below the entry bars but above the exit bars: it stays,
        // with ½·0.3 + ½·(16 − 15)/25 = 0.17.
        let weak = RegimeInputs { alignment: 0.3, adx: Some(16.0), ..calm() };
        let (r, c) = k.update(&weak);
        assert!(r == Regime::TrendUp && close(c, 0.17), "{r:?} {c}");
        // Alignment 0.2: the Range candidate waits one bar (confidence halves), then takes over
        // with ½·0.3 (chop) + ½·(1 − 0.2) = 0.55.
        let flat = RegimeInputs { alignment: 0.2, ..calm() };
        let (r, c) = k.update(&flat);
        assert!(r == Regime::TrendUp && close(c, 0.085), "{r:?} {c}");
        let (r, c) = k.update(&flat);
        assert!(r == Regime::Range && close(c, 0.55), "{r:?} {c}");
        // From Range, the weak inputs are not enough to enter: Range, ½·0.3 + ½·0.7 = 0.5.
        let mut k = RegimeClassifier::new(RegimeThresholds::default());
        k.update(&weak);
        let (r, c) = k.update(&weak);
        assert!(r == Regime::Range && close(c, 0.5), "{r:?} {c}");
        // A choppy market does not enter a trend either.
        let mut k = RegimeClassifier::new(RegimeThresholds::default());
        k.update(&RegimeInputs { choppy: true, ..up });
        assert_eq!(k.update(&RegimeInputs { choppy: true, ..up }).0, Regime::Range);
    }

    #[test]
    fn alternating_candidates_never_switch() {
        let mut k = RegimeClassifier::new(RegimeThresholds::default());
        let up = RegimeInputs { alignment: 0.8, ..calm() };
        let down = RegimeInputs { alignment: -0.8, plus_di: Some(15.0), minus_di: Some(25.0), ..calm() };
        for i in 0..20 {
            let x = if i % 2 == 0 { up } else { down };
            assert_eq!(k.update(&x).0, Regime::Range, "bar {i}");
        }
    }

    #[test]
    fn stretched_rsi_against_the_trend_and_di_cross_are_reversal_risk() {
        let mut k = RegimeClassifier::new(RegimeThresholds::default());
        let up = RegimeInputs { alignment: 0.8, rsi: Some(70.0), ..calm() };
        k.update(&up);
        assert_eq!(k.update(&up).0, Regime::TrendUp);
        // RSI 87.5 on a down close: excess (87.5 − 75)/25 = 0.5 → 0.5 + 0.5·0.5 = 0.75.
        let pull = RegimeInputs { rsi: Some(87.5), close: 99.0, ..up };
        assert_eq!(k.update(&pull).0, Regime::TrendUp);
        let (r, c) = k.update(&pull);
        assert!(r == Regime::ReversalRisk && close(c, 0.75), "{r:?} {c}");
        // RSI 95 → excess 0.8 → 0.9. An up close with RSI 95 is not a reversal sign.
        let (r, c) = k.update(&RegimeInputs { rsi: Some(95.0), ..pull });
        assert!(r == Regime::ReversalRisk && close(c, 0.9), "{r:?} {c}");
        let mut k2 = k.clone();
        k2.update(&RegimeInputs { rsi: Some(95.0), close: 101.0, ..up });
        assert_eq!(k2.update(&RegimeInputs { rsi: Some(95.0), close: 101.0, ..up }).0, Regime::TrendUp);
        // Downtrend whose +DI (25) is above −DI (15) with ADX 30: 0.5 + 0.5·0.5.
        let mut k = RegimeClassifier::new(RegimeThresholds::default());
        let crossed = RegimeInputs { alignment: -0.8, ..calm() };
        // From Range the same bars only enter the downtrend (reversal risk needs a trend on).
        k.update(&crossed);
        assert_eq!(k.update(&crossed).0, Regime::TrendDown);
        k.update(&crossed);
        let (r, c) = k.update(&crossed);
        assert!(r == Regime::ReversalRisk && close(c, 0.75), "{r:?} {c}");
    }

    #[test]
    fn high_volatility_enters_at_once_and_exits_below_the_lower_percentile() {
        let mut k = RegimeClassifier::new(RegimeThresholds::default());
        // Percentile 0.9 with ratio 1.6: not enough to enter.
        assert_eq!(
            k.update(&RegimeInputs { vol_percentile: Some(0.9), vol_ratio: Some(1.6), ..calm() }).0,
            Regime::Range
        );
        // 0.96 and 1.6: at once, max(0.5 + 0.25·0.6, ½·0.96) = 0.65.
        let (r, c) = k.update(&RegimeInputs { vol_percentile: Some(0.96), vol_ratio: Some(1.6), ..calm() });
        assert!(r == Regime::HighVolatility && close(c, 0.65), "{r:?} {c}");
        // 0.9 stays (≥ 0.85): max(0.5 + 0.25·0.2, 0.45) = 0.55.
        let (r, c) = k.update(&RegimeInputs { vol_percentile: Some(0.9), vol_ratio: Some(1.2), ..calm() });
        assert!(r == Regime::HighVolatility && close(c, 0.55), "{r:?} {c}");
        // 0.8: Range after the one-bar wait, ½·0.3 + ½·1 = 0.65.
        let calmer = RegimeInputs { vol_percentile: Some(0.8), ..calm() };
        let (r, c) = k.update(&calmer);
        assert!(r == Regime::HighVolatility && close(c, 0.275), "{r:?} {c}");
        let (r, c) = k.update(&calmer);
        assert!(r == Regime::Range && close(c, 0.65), "{r:?} {c}");
    }

    #[test]
    fn breakout_needs_touches_margin_and_volume_then_holds_five_bars() {
        let base = RegimeInputs { resistance: Some((101.0, 2)), prev_close: 100.5, close: 101.2, ..calm() };
        let on_volume = RegimeInputs { volume_ratio: Some(2.0), ..base };
        for miss in [
            base,                                                       // volume ratio 1 < 1.5
            RegimeInputs { resistance: Some((101.0, 1)), ..on_volume }, // one touch
            RegimeInputs { close: 101.05, ..on_volume },                // 0.05 < 0.1·ATR beyond
            RegimeInputs { prev_close: 101.1, ..on_volume },            // was already above
        ] {
            let mut k = RegimeClassifier::new(RegimeThresholds::default());
            assert_eq!(k.update(&miss).0, Regime::Range, "{miss:?}");
        }
        let mut k = RegimeClassifier::new(RegimeThresholds::default());
        // 0.4 + 0.2·0.2 (ATRs beyond) + 0.1·(2 − 1) = 0.54.
        let (r, c) = k.update(&on_volume);
        assert!(r == Regime::Breakout && close(c, 0.54) && k.breakout_direction() == 1, "{r:?} {c}");
        // Holds while the close stays above 101: bars 2..=5, then the hold runs out.
        let after = RegimeInputs { prev_close: 101.2, close: 101.5, ..base };
        for bar in 2..=5 {
            assert_eq!(k.update(&after).0, Regime::Breakout, "bar {bar}");
        }
        assert_eq!(k.update(&after).0, Regime::Breakout, "Range candidate waits a bar");
        assert_eq!(k.update(&after).0, Regime::Range);
        // A close back below the level ends it at once (the candidate becomes Range).
        let mut k = RegimeClassifier::new(RegimeThresholds::default());
        k.update(&on_volume);
        k.update(&RegimeInputs { prev_close: 101.2, close: 100.9, ..base });
        assert_eq!(k.breakout_direction(), 0);
        // Support broken downwards: direction −1.
        let mut k = RegimeClassifier::new(RegimeThresholds::default());
        let down =
            RegimeInputs { support: Some((99.0, 3)), prev_close: 99.5, close: 98.8, volume_ratio: Some(2.0), ..calm() };
        assert_eq!(k.update(&down).0, Regime::Breakout);
        assert_eq!(k.breakout_direction(), -1);
    }
}
