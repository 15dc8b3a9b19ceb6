//! Quality score in [0, 1] for a detection, computed only when a pattern fires.
//!
//! `quality = 0.5 × shape + 0.25 × volume + 0.25 × context`, where
//! * **shape** is how decisively the candles clear the pattern's defining threshold (for example a
//!   doji's body against 10% of the average range, a hammer's lower shadow as a share of its range,
//!   how far an engulfing body overreaches the one it covers, the penetration of a star or piercing
//!   line into the first body), scaled to [0, 1], and multiplied by 0.8 for TA-Lib's ±80 "one edge
//!   equal" variants;
//! * **volume** is the pattern bar's volume against the average of the 10 bars before it:
//!   `min(v / (2 × avg), 1)` (0.5 when there is no volume history, e.g. all-zero volume);
//! * **context** is the move that led into the pattern: the close just before the pattern against
//!   the close 5 bars earlier, in units of the average high-low range. A reversal pattern scores high
//!   when that move ran against its direction, a continuation pattern when it ran with it, and an
//!   indecision candle (doji, spinning top) when the move was large in either direction.

use super::stats::CandleStats;
use super::{PatternId, PatternKind};

#[inline]
fn clamp01(x: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(0.0, 1.0)
    }
}

/// `a / b` in [0, 1], or `empty` when `b` is not positive.
#[inline]
fn ratio(a: f64, b: f64, empty: f64) -> f64 {
    if b > 0.0 {
        clamp01(a / b)
    } else {
        empty
    }
}

fn shape(s: &CandleStats, id: PatternId) -> f64 {
    let (b0, b1, b2) = (s.bar(0), s.bar(1), s.bar(2));
    match id {
        PatternId::Doji => 1.0 - ratio(b0.body(), s.doji(0), 0.0),
        PatternId::SpinningTop => 1.0 - ratio(b0.body(), s.body_avg(0), 0.0),
        PatternId::Marubozu => ratio(b0.body(), b0.range(), 1.0),
        PatternId::Hammer | PatternId::HangingMan => ratio(b0.lower_shadow(), b0.range(), 0.0),
        PatternId::InvertedHammer | PatternId::ShootingStar => ratio(b0.upper_shadow(), b0.range(), 0.0),
        PatternId::Engulfing => 1.0 - ratio(b1.body(), b0.body(), 0.0),
        PatternId::Harami => 1.0 - ratio(b0.body(), b1.body(), 1.0),
        PatternId::Piercing => 2.0 * ratio(b0.close - b1.close, b1.body(), 0.0) - 1.0,
        PatternId::DarkCloudCover => 2.0 * ratio(b1.close - b0.close, b1.body(), 0.0) - 1.0,
        PatternId::MorningStar => ratio(b0.close - b2.close, b2.body(), 0.0),
        PatternId::EveningStar => ratio(b2.close - b0.close, b2.body(), 0.0),
        PatternId::ThreeWhiteSoldiers | PatternId::ThreeBlackCrows => {
            ratio(b0.body() + b1.body() + b2.body(), 6.0 * s.body_avg(0), 1.0)
        }
    }
}

/// The volume part, the same for every pattern on the newest bar.
pub fn volume(s: &CandleStats) -> f64 {
    let avg = s.volume_avg();
    if avg > 0.0 {
        clamp01(s.bar(0).volume / (2.0 * avg))
    } else {
        0.5
    }
}

fn context(s: &CandleStats, candles: usize, kind: PatternKind, signal: i32) -> f64 {
    let (k, back) = (candles, candles + 5);
    if s.count() <= back as u64 {
        return 0.5;
    }
    let unit = s.doji(0) * 10.0 * 5.0; // 5 average ranges
    let z = if unit > 0.0 { (s.bar(k).close - s.bar(back).close) / unit } else { 0.0 };
    let dir = signal.signum() as f64;
    match kind {
        PatternKind::Reversal => clamp01(0.5 - dir * z),
        PatternKind::Continuation => clamp01(0.5 + dir * z),
        PatternKind::Indecision => clamp01(z.abs()),
    }
}

/// The quality of a detection of `id` with TA-Lib value `signal` on the newest bar of `s`, given
/// the bar's [`volume`] part.
#[inline]
pub fn score(s: &CandleStats, id: PatternId, signal: i32, volume: f64) -> f64 {
    let info = id.info();
    let mut sh = clamp01(shape(s, id));
    if signal.abs() == 80 {
        sh *= 0.8;
    }
    clamp01(0.5 * sh + 0.25 * volume + 0.25 * context(s, info.candles, info.kind, signal))
}
