//! The candle rules of the 15 patterns, as TA-Lib states them, evaluated on the newest bar of a
//! [`CandleStats`]. Each function returns TA-Lib's value (+100 / −100, ±80 for the "equal edge"
//! variants of engulfing and harami, 0 for none). The caller checks the lookback first.
//!
//! Notation: `b0` is the bar being judged, `b1` the one before, and so on; `s.body_avg(k)`,
//! `s.doji(k)`, `s.near(k)`, `s.far(k)` are the candle-setting thresholds at bar `i - k` (averages of
//! the bars before that bar, see `stats`).
//!
//! The conditions are joined with the non-short-circuit `&` (each is a plain comparison without
//! side effects), so every rule is straight-line code: which of them holds changes from candle to
//! candle at random, and a branch per condition costs more in mispredictions than evaluating all.
//! Every comparison of a bar with a threshold *of its own time* (long/short body, doji body, very
//! short shadows, shadow longer than body, colour) was made once when the bar was pushed and is
//! read here as a bit of [`Feat::flags`](super::stats::Feat::flags): a rule tests all of them with one mask compare over the
//! flags of its bars, then makes only the comparisons between bars.

use super::stats::{flag, CandleStats};
use flag::{
    BODY_LE_AVG, BODY_LONG, BODY_SHORT, DOJI, LOWER_GT_BODY, LOWER_VERY_SHORT, UPPER_GT_BODY, UPPER_VERY_SHORT, WHITE,
};

/// The flags of bars 0..4 back in one word (bar `k` in bits `16k..16k+16`).
#[inline]
pub fn flags4(s: &CandleStats) -> u64 {
    s.bar(0).flags() as u64
        | (s.bar(1).flags() as u64) << 16
        | (s.bar(2).flags() as u64) << 32
        | (s.bar(3).flags() as u64) << 48
}

/// `bits` of bar `k`, placed as in [`flags4`].
const fn at(k: u32, bits: u16) -> u64 {
    (bits as u64) << (16 * k)
}

/// Whether the `mask` bits of `f` equal `want`.
#[inline]
fn has(f: u64, mask: u64, want: u64) -> bool {
    f & mask == want
}

/// Doji: body no larger than 10% of the average range.
#[inline]
pub fn doji(f: u64) -> i32 {
    if has(f, at(0, DOJI), at(0, DOJI)) {
        100
    } else {
        0
    }
}

/// +100 for a white newest bar, −100 for a black one.
#[inline]
fn color100(f: u64) -> i32 {
    if f & at(0, WHITE) != 0 {
        100
    } else {
        -100
    }
}

/// Spinning top: short body with both shadows longer than the body.
#[inline]
pub fn spinning_top(f: u64) -> i32 {
    const M: u64 = at(0, BODY_SHORT | UPPER_GT_BODY | LOWER_GT_BODY);
    if has(f, M, M) {
        color100(f)
    } else {
        0
    }
}

/// Marubozu: long body, both shadows very short.
#[inline]
pub fn marubozu(f: u64) -> i32 {
    const M: u64 = at(0, BODY_LONG | UPPER_VERY_SHORT | LOWER_VERY_SHORT);
    if has(f, M, M) {
        color100(f)
    } else {
        0
    }
}

/// The common shape of hammer and hanging man: short body, lower shadow longer than the body,
/// very short upper shadow.
const HAMMER: u64 = at(0, BODY_SHORT | LOWER_GT_BODY | UPPER_VERY_SHORT);

/// Hammer: hammer shape whose body sits at or near the previous bar's low.
#[inline]
pub fn hammer(s: &CandleStats, f: u64) -> i32 {
    if has(f, HAMMER, HAMMER) & (s.bar(0).bottom() <= s.bar(1).low + s.near(1)) {
        100
    } else {
        0
    }
}

/// Hanging man: hammer shape whose body sits at or near the previous bar's high.
#[inline]
pub fn hanging_man(s: &CandleStats, f: u64) -> i32 {
    if has(f, HAMMER, HAMMER) & (s.bar(0).bottom() >= s.bar(1).high - s.near(1)) {
        -100
    } else {
        0
    }
}

/// Short body, upper shadow longer than the body, very short lower shadow.
const INVERTED: u64 = at(0, BODY_SHORT | UPPER_GT_BODY | LOWER_VERY_SHORT);

/// Inverted hammer: inverted shape whose body gaps below the previous body.
#[inline]
pub fn inverted_hammer(s: &CandleStats, f: u64) -> i32 {
    if has(f, INVERTED, INVERTED) & (s.bar(0).top() < s.bar(1).bottom()) {
        100
    } else {
        0
    }
}

/// Shooting star: inverted shape whose body gaps above the previous body.
#[inline]
pub fn shooting_star(s: &CandleStats, f: u64) -> i32 {
    if has(f, INVERTED, INVERTED) & (s.bar(0).bottom() > s.bar(1).top()) {
        -100
    } else {
        0
    }
}

/// Engulfing: the body of the second bar, of the opposite colour, covers the first body.
/// ±100 when it overreaches both ends, ±80 when one end is equal.
#[inline]
pub fn engulfing(s: &CandleStats, f: u64) -> i32 {
    let (b0, b1) = (s.bar(0), s.bar(1));
    let (c0, o0, c1, o1) = (b0.close, b0.open, b1.close, b1.open);
    const M: u64 = at(0, WHITE) | at(1, WHITE);
    let bull = has(f, M, at(0, WHITE)) & (((c0 >= o1) & (o0 < c1)) | ((c0 > o1) & (o0 <= c1)));
    let bear = has(f, M, at(1, WHITE)) & (((o0 >= c1) & (c0 < o1)) | ((o0 > c1) & (c0 <= o1)));
    let strict = (o0 != c1) & (c0 != o1);
    let v = if strict { 100 } else { 80 };
    if bull | bear {
        b0.color() * v
    } else {
        0
    }
}

/// Harami: a long body followed by a short body inside it; the sign is opposite to the first
/// colour. ±100 strictly inside, ±80 when one end touches.
#[inline]
pub fn harami(s: &CandleStats, f: u64) -> i32 {
    let (b0, b1) = (s.bar(0), s.bar(1));
    const M: u64 = at(1, BODY_LONG) | at(0, BODY_LE_AVG);
    let inside = (b0.top() < b1.top()) & (b0.bottom() > b1.bottom());
    let within = (b0.top() <= b1.top()) & (b0.bottom() >= b1.bottom());
    let v = if inside { 100 } else { 80 };
    if has(f, M, M) & within {
        -b1.color() * v
    } else {
        0
    }
}

/// Piercing: long black, then a long white opening below its low and closing above its midpoint
/// but below its open.
#[inline]
pub fn piercing(s: &CandleStats, f: u64) -> i32 {
    let (b0, b1) = (s.bar(0), s.bar(1));
    const M: u64 = at(1, WHITE | BODY_LONG) | at(0, WHITE | BODY_LONG);
    const W: u64 = at(1, BODY_LONG) | at(0, WHITE | BODY_LONG);
    if has(f, M, W) & (b0.open < b1.low) & (b0.close < b1.open) & (b0.close > b1.close + b1.body() * 0.5) {
        100
    } else {
        0
    }
}

/// Dark cloud cover (penetration 0.5): long white, then a black opening above its high and closing
/// below its midpoint but above its open.
#[inline]
pub fn dark_cloud_cover(s: &CandleStats, f: u64) -> i32 {
    let (b0, b1) = (s.bar(0), s.bar(1));
    const M: u64 = at(1, WHITE | BODY_LONG) | at(0, WHITE);
    const W: u64 = at(1, WHITE | BODY_LONG);
    if has(f, M, W) & (b0.open > b1.high) & (b0.close > b1.open) & (b0.close < b1.close - b1.body() * 0.5) {
        -100
    } else {
        0
    }
}

/// Star penetration for morning/evening star.
const STAR_PENETRATION: f64 = 0.3;

/// Morning star: long black, a short body gapping below it, then a white body (longer than short)
/// closing well into the first body.
#[inline]
pub fn morning_star(s: &CandleStats, f: u64) -> i32 {
    let (b0, b1, b2) = (s.bar(0), s.bar(1), s.bar(2));
    const M: u64 = at(2, BODY_LONG | WHITE) | at(1, BODY_LE_AVG) | at(0, BODY_LONG | WHITE);
    const W: u64 = at(2, BODY_LONG) | at(1, BODY_LE_AVG) | at(0, BODY_LONG | WHITE);
    if has(f, M, W) & (b1.top() < b2.bottom()) & (b0.close > b2.close + b2.body() * STAR_PENETRATION) {
        100
    } else {
        0
    }
}

/// Evening star: the mirror image of the morning star.
#[inline]
pub fn evening_star(s: &CandleStats, f: u64) -> i32 {
    let (b0, b1, b2) = (s.bar(0), s.bar(1), s.bar(2));
    const M: u64 = at(2, BODY_LONG | WHITE) | at(1, BODY_LE_AVG) | at(0, BODY_LONG | WHITE);
    const W: u64 = at(2, BODY_LONG | WHITE) | at(1, BODY_LE_AVG) | at(0, BODY_LONG);
    if has(f, M, W) & (b1.bottom() > b2.top()) & (b0.close < b2.close - b2.body() * STAR_PENETRATION) {
        -100
    } else {
        0
    }
}

/// Three white soldiers: three white bars with rising closes, very short upper shadows, each opening
/// within (or near the top of) the previous body, bodies not shrinking far, and a last body that is
/// not short.
#[inline]
pub fn three_white_soldiers(s: &CandleStats, f: u64) -> i32 {
    let (b0, b1, b2) = (s.bar(0), s.bar(1), s.bar(2));
    const M: u64 =
        at(2, WHITE | UPPER_VERY_SHORT) | at(1, WHITE | UPPER_VERY_SHORT) | at(0, WHITE | UPPER_VERY_SHORT | BODY_LONG);
    if has(f, M, M)
        & (b0.close > b1.close)
        & (b1.close > b2.close)
        & (b1.open > b2.open)
        & (b1.open <= b2.close + s.near(2))
        & (b0.open > b1.open)
        & (b0.open <= b1.close + s.near(1))
        & (b1.body() > b2.body() - s.far(2))
        & (b0.body() > b1.body() - s.far(1))
    {
        100
    } else {
        0
    }
}

/// Three black crows: after a white bar, three black bars with falling closes, very short lower
/// shadows, each opening inside the previous body, the first closing below the white bar's high.
#[inline]
pub fn three_black_crows(s: &CandleStats, f: u64) -> i32 {
    let (b0, b1, b2, b3) = (s.bar(0), s.bar(1), s.bar(2), s.bar(3));
    const M: u64 = at(3, WHITE)
        | at(2, WHITE | LOWER_VERY_SHORT)
        | at(1, WHITE | LOWER_VERY_SHORT)
        | at(0, WHITE | LOWER_VERY_SHORT);
    const W: u64 = at(3, WHITE) | at(2, LOWER_VERY_SHORT) | at(1, LOWER_VERY_SHORT) | at(0, LOWER_VERY_SHORT);
    if has(f, M, W)
        & (b1.open < b2.open)
        & (b1.open > b2.close)
        & (b0.open < b1.open)
        & (b0.open > b1.close)
        & (b3.high > b2.close)
        & (b2.close > b1.close)
        & (b1.close > b0.close)
    {
        -100
    } else {
        0
    }
}
