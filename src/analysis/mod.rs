//! Market analysis for one symbol: volatility (`volatility`), multi-timeframe trend alignment
//! (`trend`), chop (`chop`), market structure and volume profile (`structure`, `profile`) and the
//! regime classifier (`regime`), all owned by one [`Analyzer`] fed one closed candle at a time
//! together with the symbol's [`IndicatorValues`]. Every part is incremental: O(1) amortised per
//! candle (O(log 256) for the volatility percentile, O(levels) ≤ 16 for the level search), and
//! nothing allocates per candle once constructed.
//!
//! # How the regime is decided
//!
//! Each closed bar gets a *candidate* label from the first rule that holds:
//!
//! 1. **Breakout** — the bar closes beyond a support/resistance level that has at least 2 touches
//!    (swing points merged into it), by at least 0.1 × ATR, having closed on the other side on the
//!    previous bar, with volume ≥ 1.5 × its 20-bar mean. The label then holds for up to 5 bars
//!    while the close stays beyond the level. Confidence 0.4 + 0.2·min(distance/ATR, 1.5) +
//!    0.1·min(volume ratio − 1, 2), capped at 1.
//! 2. **HighVolatility** — realised volatility (std of 60 log returns) ranks at or above the 95th
//!    percentile of its last 1,440 values *and* is ≥ 1.5 × its slow EMA (span 1,440); once in, it
//!    stays while the percentile is ≥ 0.85. Confidence max(0.5 + 0.25·(ratio − 1), ½·percentile).
//! 3. **ReversalRisk** — only while the label is already a trend (or ReversalRisk): the
//!    timeframes agree on a trend (|alignment| ≥ 0.5) but either RSI(14)
//!    is stretched in the trend's direction (≥ 75 up / ≤ 25 down) on a bar that closes against
//!    the trend, or the base timeframe's DIs have crossed against the trend with ADX ≥ 20.
//!    Confidence 0.5 + 0.5·(RSI excess, at least 0.5 when stretched; 0.5 for a DI cross).
//! 4. **TrendUp / TrendDown** — |alignment| ≥ 0.5, ADX ≥ 20 and the chop flag off; once in a
//!    trend (or ReversalRisk), it stays while |alignment| ≥ 0.25 and ADX ≥ 15. Direction = sign
//!    of the alignment. Confidence ½·|alignment| + ½·clamp((ADX − 15)/25).
//! 5. **Range** — everything else. Confidence ½·chop score + ½·(1 − |alignment|).
//!
//! The alignment is the weighted mean (weights 1, 1.5, 2, 2.5) of the 5m, 15m, 1h and 4h
//! directions, each `½·sign(close − EMA20) + ½·sign(EMA20 slope)` on bars aggregated locally from
//! the base bars. The chop score is `½·CHOP part + ½·ADX part` (see [`ChopDetector`]); the flag
//! turns on at 0.6 and off below 0.45.
//!
//! Hysteresis is light: besides the enter/exit thresholds above, a new candidate must hold for 2
//! consecutive bars before it replaces the current label, except Breakout and HighVolatility,
//! which switch at once. While a disagreeing candidate waits, the reported confidence is half the
//! confidence of the last bar that agreed with the label. A mode switcher may add its own dwell
//! time; the classifier does not.
//!
//! `docs/regime.md` has the same rules as a table and the classifier measured on the real data
//! (`cargo run --release --example regime_stats`).

mod chop;
mod profile;
mod regime;
mod structure;
mod trend;
mod volatility;

#[cfg(test)]
mod tests;

pub use chop::ChopDetector;
pub use profile::{ValueArea, VolumeNode, VolumeProfile};
pub use regime::{Regime, RegimeClassifier, RegimeInputs, RegimeThresholds};
pub use structure::{Level, MarketStructure, Swing};
pub use trend::{Bar, BarAggregator, TrendAlignment};
pub use volatility::{VolPercentile, VolSnapshot, VolatilityTracker};

use crate::domain::{Candle, Interval};
use crate::indicators::{typical_price, IndicatorValues, Sma};

/// Settings of an [`Analyzer`]; the defaults are for 1-minute base bars.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnalysisConfig {
    /// Log returns per realised-volatility value.
    pub vol_window: usize,
    /// Realised-volatility values the percentile ranks against.
    pub vol_history: usize,
    /// Base bars per year, to annualise realised volatility (525,600 for 1-minute bars).
    pub bars_per_year: f64,
    /// Higher timeframes aggregated from the base bars, and their weights in the alignment.
    pub timeframes: [Interval; 4],
    pub timeframe_weights: [f64; 4],
    /// EMA period on each higher timeframe.
    pub trend_ema: usize,
    /// Chop flag enter/exit scores.
    pub chop_enter: f64,
    pub chop_exit: f64,
    /// Fractal swing: bars on each side.
    pub swing_bars: usize,
    /// Levels merge within this many ATRs.
    pub level_merge_atr: f64,
    pub max_levels: usize,
    pub max_swings: usize,
    /// Volume profile window (bars) and bin width (bp of the first price).
    pub profile_window: usize,
    pub profile_bin_bp: f64,
    pub thresholds: RegimeThresholds,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        Self {
            vol_window: 60,
            vol_history: 1440,
            bars_per_year: 525_600.0,
            timeframes: [Interval::M5, Interval::M15, Interval::H1, Interval::H4],
            timeframe_weights: [1.0, 1.5, 2.0, 2.5],
            trend_ema: 20,
            chop_enter: 0.6,
            chop_exit: 0.45,
            swing_bars: 3,
            level_merge_atr: 0.5,
            max_levels: 16,
            max_swings: 32,
            profile_window: 1440,
            profile_bin_bp: 10.0,
            thresholds: RegimeThresholds::default(),
        }
    }
}

impl AnalysisConfig {
    /// Defaults scaled for another base interval: annualisation from its length, and the four
    /// higher timeframes the next ones up (1h base → 4h, 12h, 1d, 1w; 4h base → 12h, 1d, 1w, 1M).
    pub fn for_base(base: Interval) -> Self {
        let mut c = Self::default();
        let minutes = base.duration_ms().map_or(43_200.0, |d| d as f64 / 60_000.0);
        c.bars_per_year = 525_600.0 / minutes;
        c.timeframes = match base {
            Interval::M1 | Interval::M3 => c.timeframes,
            Interval::M5 | Interval::M15 | Interval::M30 => [Interval::M30, Interval::H1, Interval::H4, Interval::D1],
            Interval::H1 | Interval::H2 => [Interval::H4, Interval::H12, Interval::D1, Interval::W1],
            _ => [Interval::H12, Interval::D1, Interval::W1, Interval::Month],
        };
        c
    }
}

/// A support or resistance level as reported per bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelRef {
    pub price: f64,
    pub touches: u32,
    pub last_touch_ms: i64,
}

/// Everything the analyzer concluded about the latest closed bar.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AnalysisOutput {
    pub ts_ms: i64,
    pub regime: Regime,
    pub confidence: f64,
    /// Direction of an active breakout: 1 up, −1 down, 0 none.
    pub breakout_dir: i8,
    pub atr_pct: Option<f64>,
    pub realized_vol: Option<f64>,
    pub vol_percentile: Option<f64>,
    pub vol_ratio: Option<f64>,
    /// Multi-timeframe alignment in [−1, 1] and the per-timeframe directions.
    pub alignment: f64,
    pub tf_directions: [f64; 4],
    pub chop_score: Option<f64>,
    pub choppy: bool,
    /// Nearest level at or below the close, and above it.
    pub support: Option<LevelRef>,
    pub resistance: Option<LevelRef>,
    /// This bar's volume over its 20-bar mean.
    pub volume_ratio: Option<f64>,
    /// Closed bars seen.
    pub bars: u64,
    /// The classifier had all its inputs on this bar (ATR, ADX, the volatility percentile and at
    /// least one warmed-up higher timeframe); before that the label is a placeholder `Range`.
    pub ready: bool,
}

/// All analysis state of one symbol.
#[derive(Debug, Clone)]
pub struct Analyzer {
    vol: VolatilityTracker,
    trend: TrendAlignment,
    chop: ChopDetector,
    structure: MarketStructure,
    profile: VolumeProfile,
    volume_mean: Sma,
    classifier: RegimeClassifier,
    prev_close: Option<f64>,
    out: AnalysisOutput,
}

fn level_ref(l: Level) -> LevelRef {
    LevelRef { price: l.price, touches: l.touches, last_touch_ms: l.last_touch_ms }
}

impl Analyzer {
    pub fn new(cfg: AnalysisConfig) -> Self {
        Self {
            vol: VolatilityTracker::new(cfg.vol_window, cfg.vol_history, cfg.bars_per_year),
            trend: TrendAlignment::new(cfg.timeframes, cfg.timeframe_weights, cfg.trend_ema),
            chop: ChopDetector::new(cfg.chop_enter, cfg.chop_exit),
            structure: MarketStructure::new(cfg.swing_bars, cfg.level_merge_atr, cfg.max_levels, cfg.max_swings),
            profile: VolumeProfile::new(cfg.profile_window, cfg.profile_bin_bp),
            volume_mean: Sma::new(20),
            classifier: RegimeClassifier::new(cfg.thresholds),
            prev_close: None,
            out: AnalysisOutput::default(),
        }
    }

    /// Feeds one closed candle and the indicator values computed from it (same candle).
    #[inline]
    pub fn update(&mut self, c: &Candle, ind: &IndicatorValues) -> &AnalysisOutput {
        self.step(c, ind);
        &self.out
    }

    /// As [`update`](Self::update), also returning the inputs the regime classifier was given
    /// for this candle: a fresh [`RegimeClassifier`] fed these inputs in order makes the same
    /// decisions as the analyzer (the benches time the classifier alone this way).
    pub fn update_with_inputs(&mut self, c: &Candle, ind: &IndicatorValues) -> (&AnalysisOutput, RegimeInputs) {
        let inputs = self.step(c, ind);
        (&self.out, inputs)
    }

    /// One candle through every tracker and the classifier; returns the classifier's inputs.
    #[inline(always)]
    fn step(&mut self, c: &Candle, ind: &IndicatorValues) -> RegimeInputs {
        let (h, l, cl) = (c.high.to_f64(), c.low.to_f64(), c.close.to_f64());
        let v = if c.volume.is_finite() && c.volume > 0.0 { c.volume } else { 0.0 };
        let base_ms = c.interval.duration_ms().unwrap_or(60_000);
        let prev_close = self.prev_close.replace(cl).unwrap_or(cl);

        let vs = self.vol.update(cl, ind.atr_14);
        let alignment = self.trend.update(c.ts_ms, base_ms, cl);
        let chop_score = self.chop.update(ind.chop_14, ind.adx_14);
        // Levels as they stood before this bar's swings: a break is judged against the old map.
        // That is the previous bar's nearest pair (same levels, same price), so no second search.
        let (sup_prev, res_prev) = (self.out.support, self.out.resistance);
        self.structure.update(c.ts_ms, h, l, ind.atr_14);
        self.profile.update(typical_price(h, l, cl), v);
        let volume_ratio = self.volume_mean.value().filter(|m| *m > 0.0).map(|m| v / m);
        self.volume_mean.next(v);

        let inputs = RegimeInputs {
            close: cl,
            prev_close,
            atr: ind.atr_14,
            vol_percentile: vs.percentile,
            vol_ratio: vs.vol_ratio,
            alignment,
            chop_score,
            choppy: self.chop.is_choppy(),
            adx: ind.adx_14,
            plus_di: ind.plus_di_14,
            minus_di: ind.minus_di_14,
            rsi: ind.rsi_14,
            resistance: res_prev.map(|l| (l.price, l.touches)),
            support: sup_prev.map(|l| (l.price, l.touches)),
            volume_ratio,
        };
        let (regime, confidence) = self.classifier.update(&inputs);
        let ready = ind.atr_14.is_some()
            && ind.adx_14.is_some()
            && vs.percentile.is_some()
            && self.trend.directions_ready() > 0;
        let (support, resistance) = self.structure.nearest_cached(cl);
        self.out = AnalysisOutput {
            ts_ms: c.ts_ms,
            regime,
            confidence,
            breakout_dir: self.classifier.breakout_direction(),
            atr_pct: vs.atr_pct,
            realized_vol: vs.realized_vol,
            vol_percentile: vs.percentile,
            vol_ratio: vs.vol_ratio,
            alignment,
            tf_directions: self.trend.directions(),
            chop_score,
            choppy: self.chop.is_choppy(),
            support: support.map(level_ref),
            resistance: resistance.map(level_ref),
            volume_ratio,
            bars: self.out.bars + 1,
            ready,
        };
        inputs
    }

    /// The result of the latest [`update`](Self::update) (all `None`/`Range` before the first).
    pub fn output(&self) -> &AnalysisOutput {
        &self.out
    }
    /// Current regime label and its confidence in [0, 1].
    pub fn regime(&self) -> Regime {
        self.out.regime
    }
    pub fn confidence(&self) -> f64 {
        self.out.confidence
    }
    /// Whether the classifier has all its inputs (see [`AnalysisOutput::ready`]).
    pub fn is_ready(&self) -> bool {
        self.out.ready
    }
    /// Point of control and the 70 % value area of the rolling volume profile. O(1,024), no
    /// allocation: call it for a snapshot, not necessarily per candle.
    pub fn value_area(&self) -> Option<ValueArea> {
        self.profile.value_area(0.7)
    }
    /// Support/resistance levels (unordered), for the UI.
    pub fn levels(&self) -> &[Level] {
        self.structure.levels()
    }
    /// Recent confirmed swings, oldest first (allocates).
    pub fn swings(&self) -> Vec<Swing> {
        self.structure.swings()
    }
    /// Up to `k` high-volume nodes of the rolling volume profile, largest first (allocates).
    pub fn volume_nodes(&self, k: usize) -> Vec<VolumeNode> {
        self.profile.nodes(k)
    }
    /// The higher timeframes of the alignment score.
    pub fn timeframes(&self) -> [Interval; 4] {
        self.trend.timeframes()
    }
}
