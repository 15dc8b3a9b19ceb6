//! Candlestick pattern detectors (TA-Lib conventions), with quality scores, in a registry.
//!
//! [`PatternSet`] runs all 15 detectors incrementally, O(1) per candle, over one shared
//! [`CandleStats`] (the last 16 bars plus the running sums behind TA-Lib's candle settings). Each
//! update yields one [`Detection`] per pattern in [`registry`] order, carrying TA-Lib's value
//! (+100 bullish, −100 bearish, ±80 for the "one edge equal" engulfing/harami variants that TA-Lib
//! 0.6+ reports, 0 none) and a quality score (see `quality`). Outputs are 0 until a pattern's
//! TA-Lib lookback is reached, so a run over a series matches TA-Lib's batch call row for row.

mod quality;
mod rules;
mod stats;

pub use stats::{Bar, CandleStats};

use crate::domain::Candle;
use std::fmt::Write as _;

/// Number of patterns in the registry.
pub const PATTERN_COUNT: usize = 15;

/// Every pattern, in registry (and CSV column) order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PatternId {
    Doji,
    Hammer,
    HangingMan,
    InvertedHammer,
    ShootingStar,
    Engulfing,
    Harami,
    Piercing,
    DarkCloudCover,
    MorningStar,
    EveningStar,
    ThreeWhiteSoldiers,
    ThreeBlackCrows,
    Marubozu,
    SpinningTop,
}

/// What a pattern says about the move leading into it (used by the quality score).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternKind {
    /// Signals a turn against the preceding move.
    Reversal,
    /// Signals the move goes on.
    Continuation,
    /// Signals indecision; the sign (if any) is just the candle colour.
    Indecision,
}

/// Which signs a pattern can produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Bullish,
    Bearish,
    Both,
}

/// Static description of a pattern for the engine and the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PatternInfo {
    pub id: PatternId,
    /// Human name.
    pub name: &'static str,
    /// Column name in `analyze --patterns` output.
    pub column: &'static str,
    /// TA-Lib function computing the same column.
    pub talib: &'static str,
    /// Candles the pattern spans.
    pub candles: usize,
    /// Bars TA-Lib needs before the first output (the first output is at index `lookback`).
    pub lookback: usize,
    pub direction: Direction,
    pub kind: PatternKind,
}

#[allow(clippy::too_many_arguments)]
const fn info(
    id: PatternId,
    name: &'static str,
    column: &'static str,
    talib: &'static str,
    candles: usize,
    lookback: usize,
    direction: Direction,
    kind: PatternKind,
) -> PatternInfo {
    PatternInfo { id, name, column, talib, candles, lookback, direction, kind }
}

use Direction::{Bearish, Both, Bullish};
use PatternKind::{Continuation, Indecision, Reversal};

static REGISTRY: [PatternInfo; PATTERN_COUNT] = [
    info(PatternId::Doji, "Doji", "cdl_doji", "CDLDOJI", 1, 10, Bullish, Indecision),
    info(PatternId::Hammer, "Hammer", "cdl_hammer", "CDLHAMMER", 1, 11, Bullish, Reversal),
    info(PatternId::HangingMan, "Hanging Man", "cdl_hangingman", "CDLHANGINGMAN", 1, 11, Bearish, Reversal),
    info(
        PatternId::InvertedHammer,
        "Inverted Hammer",
        "cdl_invertedhammer",
        "CDLINVERTEDHAMMER",
        1,
        11,
        Bullish,
        Reversal,
    ),
    info(PatternId::ShootingStar, "Shooting Star", "cdl_shootingstar", "CDLSHOOTINGSTAR", 1, 11, Bearish, Reversal),
    info(PatternId::Engulfing, "Engulfing", "cdl_engulfing", "CDLENGULFING", 2, 2, Both, Reversal),
    info(PatternId::Harami, "Harami", "cdl_harami", "CDLHARAMI", 2, 11, Both, Reversal),
    info(PatternId::Piercing, "Piercing Line", "cdl_piercing", "CDLPIERCING", 2, 11, Bullish, Reversal),
    info(
        PatternId::DarkCloudCover,
        "Dark Cloud Cover",
        "cdl_darkcloudcover",
        "CDLDARKCLOUDCOVER",
        2,
        11,
        Bearish,
        Reversal,
    ),
    info(PatternId::MorningStar, "Morning Star", "cdl_morningstar", "CDLMORNINGSTAR", 3, 12, Bullish, Reversal),
    info(PatternId::EveningStar, "Evening Star", "cdl_eveningstar", "CDLEVENINGSTAR", 3, 12, Bearish, Reversal),
    info(
        PatternId::ThreeWhiteSoldiers,
        "Three White Soldiers",
        "cdl_3whitesoldiers",
        "CDL3WHITESOLDIERS",
        3,
        12,
        Bullish,
        Continuation,
    ),
    info(
        PatternId::ThreeBlackCrows,
        "Three Black Crows",
        "cdl_3blackcrows",
        "CDL3BLACKCROWS",
        4,
        13,
        Bearish,
        Reversal,
    ),
    info(PatternId::Marubozu, "Marubozu", "cdl_marubozu", "CDLMARUBOZU", 1, 10, Both, Continuation),
    info(PatternId::SpinningTop, "Spinning Top", "cdl_spinningtop", "CDLSPINNINGTOP", 1, 10, Both, Indecision),
];

/// The largest lookback in the registry.
const MAX_LOOKBACK: u64 = 13;

/// Every pattern, in the fixed order of [`PatternSet::update`]'s output and of the CSV columns.
pub fn registry() -> &'static [PatternInfo] {
    &REGISTRY
}

impl PatternId {
    /// All ids in registry order.
    pub const ALL: [PatternId; PATTERN_COUNT] = [
        PatternId::Doji,
        PatternId::Hammer,
        PatternId::HangingMan,
        PatternId::InvertedHammer,
        PatternId::ShootingStar,
        PatternId::Engulfing,
        PatternId::Harami,
        PatternId::Piercing,
        PatternId::DarkCloudCover,
        PatternId::MorningStar,
        PatternId::EveningStar,
        PatternId::ThreeWhiteSoldiers,
        PatternId::ThreeBlackCrows,
        PatternId::Marubozu,
        PatternId::SpinningTop,
    ];

    /// Position in the registry.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn info(self) -> &'static PatternInfo {
        &REGISTRY[self as usize]
    }

    /// Looks a pattern up by its column name (`cdl_doji`, ...).
    pub fn from_column(column: &str) -> Option<PatternId> {
        REGISTRY.iter().find(|p| p.column == column).map(|p| p.id)
    }

    #[inline]
    fn rule(self, s: &CandleStats, f: u64) -> i32 {
        match self {
            PatternId::Doji => rules::doji(f),
            PatternId::Hammer => rules::hammer(s, f),
            PatternId::HangingMan => rules::hanging_man(s, f),
            PatternId::InvertedHammer => rules::inverted_hammer(s, f),
            PatternId::ShootingStar => rules::shooting_star(s, f),
            PatternId::Engulfing => rules::engulfing(s, f),
            PatternId::Harami => rules::harami(s, f),
            PatternId::Piercing => rules::piercing(s, f),
            PatternId::DarkCloudCover => rules::dark_cloud_cover(s, f),
            PatternId::MorningStar => rules::morning_star(s, f),
            PatternId::EveningStar => rules::evening_star(s, f),
            PatternId::ThreeWhiteSoldiers => rules::three_white_soldiers(s, f),
            PatternId::ThreeBlackCrows => rules::three_black_crows(s, f),
            PatternId::Marubozu => rules::marubozu(f),
            PatternId::SpinningTop => rules::spinning_top(f),
        }
    }
}

/// One pattern's output for one candle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Detection {
    pub pattern: PatternId,
    /// TA-Lib's value: ±100, ±80, or 0.
    pub signal: i32,
    /// In [0, 1]; 0 when `signal` is 0.
    pub quality: f64,
}

/// The 15 detectors over one symbol's candle stream.
#[derive(Clone, Debug)]
pub struct PatternSet {
    stats: CandleStats,
    out: [Detection; PATTERN_COUNT],
    /// Some slot of `out` is non-zero.
    dirty: bool,
}

impl Default for PatternSet {
    fn default() -> Self {
        Self::new()
    }
}

impl PatternSet {
    pub fn new() -> Self {
        let mut out = [Detection { pattern: PatternId::Doji, signal: 0, quality: 0.0 }; PATTERN_COUNT];
        for (d, id) in out.iter_mut().zip(PatternId::ALL) {
            d.pattern = id;
        }
        Self { stats: CandleStats::new(), out, dirty: false }
    }

    /// Feeds one closed candle; returns the 15 detections for it, in registry order.
    pub fn update(&mut self, candle: &Candle) -> &[Detection] {
        self.update_bar(Bar::new(
            candle.open.to_f64(),
            candle.high.to_f64(),
            candle.low.to_f64(),
            candle.close.to_f64(),
            candle.volume,
        ))
    }

    /// As [`update`](Self::update), from `f64` prices.
    pub fn update_bar(&mut self, bar: Bar) -> &[Detection] {
        self.stats.push(bar);
        // Index of this bar in the stream; TA-Lib's first output for a pattern is at its lookback.
        let idx = self.stats.count() - 1;
        let s = &self.stats;
        let f = rules::flags4(s);
        let signals: [i32; PATTERN_COUNT] = if idx >= MAX_LOOKBACK {
            // Straight-line evaluation, so the shared bar measures are loaded once.
            [
                rules::doji(f),
                rules::hammer(s, f),
                rules::hanging_man(s, f),
                rules::inverted_hammer(s, f),
                rules::shooting_star(s, f),
                rules::engulfing(s, f),
                rules::harami(s, f),
                rules::piercing(s, f),
                rules::dark_cloud_cover(s, f),
                rules::morning_star(s, f),
                rules::evening_star(s, f),
                rules::three_white_soldiers(s, f),
                rules::three_black_crows(s, f),
                rules::marubozu(f),
                rules::spinning_top(f),
            ]
        } else {
            let mut out = [0; PATTERN_COUNT];
            for (o, info) in out.iter_mut().zip(REGISTRY.iter()) {
                if idx >= info.lookback as u64 {
                    *o = info.id.rule(s, f);
                }
            }
            out
        };
        // Bit k set: pattern k fired.
        let mut fired = 0u32;
        for (k, &signal) in signals.iter().enumerate() {
            fired |= ((signal != 0) as u32) << k;
        }
        if fired == 0 {
            // Nothing fired: the slots only need writing if the previous candle left something.
            if self.dirty {
                for d in self.out.iter_mut() {
                    d.signal = 0;
                    d.quality = 0.0;
                }
                self.dirty = false;
            }
            return &self.out;
        }
        self.dirty = true;
        for (d, &signal) in self.out.iter_mut().zip(signals.iter()) {
            d.signal = signal;
            d.quality = 0.0;
        }
        // Quality only for the patterns that fired; the volume part is the same for all of them.
        let volume = quality::volume(s);
        while fired != 0 {
            let k = fired.trailing_zeros() as usize;
            fired &= fired - 1;
            self.out[k].quality = quality::score(s, PatternId::ALL[k], signals[k], volume);
        }
        &self.out
    }

    /// The detections of the last update.
    pub fn last(&self) -> &[Detection] {
        &self.out
    }

    /// The shared rolling statistics.
    pub fn stats(&self) -> &CandleStats {
        &self.stats
    }
}

/// The pattern column names joined by commas (no leading comma), for a CSV header.
pub fn pattern_columns_header() -> String {
    REGISTRY.iter().map(|p| p.column).collect::<Vec<_>>().join(",")
}

/// Appends the signals of one update as comma-separated values (no leading comma).
pub fn write_pattern_values(buf: &mut String, detections: &[Detection]) {
    for (k, d) in detections.iter().enumerate() {
        if k > 0 {
            buf.push(',');
        }
        // Writing to a String cannot fail.
        let _ = write!(buf, "{}", d.signal);
    }
}

#[cfg(test)]
mod tests;
