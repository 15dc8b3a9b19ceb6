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

use super::stats::{CandleStats, Feat};

/// Doji: body no larger than 10% of the average range.
#[inline]
pub fn doji(s: &CandleStats) -> i32 {
    if s.bar(0).body() <= s.doji(0) {
        100
    } else {
        0
    }
}

/// Spinning top: short body with both shadows longer than the body.
#[inline]
pub fn spinning_top(s: &CandleStats) -> i32 {
    let b = s.bar(0);
    let body = b.body();
    if (body < s.body_avg(0)) & (b.upper_shadow() > body) & (b.lower_shadow() > body) {
        100 * b.color()
    } else {
        0
    }
}

/// Marubozu: long body, both shadows very short.
#[inline]
pub fn marubozu(s: &CandleStats) -> i32 {
    let b = s.bar(0);
    let vs = s.doji(0);
    if (b.body() > s.body_avg(0)) & (b.upper_shadow() < vs) & (b.lower_shadow() < vs) {
        100 * b.color()
    } else {
        0
    }
}

/// The common shape of hammer and hanging man: short body, lower shadow longer than the body,
/// very short upper shadow.
#[inline]
fn hammer_shape(s: &CandleStats, b: &Feat) -> bool {
    let body = b.body();
    (body < s.body_avg(0)) & (b.lower_shadow() > body) & (b.upper_shadow() < s.doji(0))
}

/// Hammer: hammer shape whose body sits at or near the previous bar's low.
#[inline]
pub fn hammer(s: &CandleStats) -> i32 {
    let b = s.bar(0);
    if hammer_shape(s, b) & (b.bottom() <= s.bar(1).low + s.near(1)) {
        100
    } else {
        0
    }
}

/// Hanging man: hammer shape whose body sits at or near the previous bar's high.
#[inline]
pub fn hanging_man(s: &CandleStats) -> i32 {
    let b = s.bar(0);
    if hammer_shape(s, b) & (b.bottom() >= s.bar(1).high - s.near(1)) {
        -100
    } else {
        0
    }
}

/// Short body, upper shadow longer than the body, very short lower shadow.
#[inline]
fn inverted_shape(s: &CandleStats, b: &Feat) -> bool {
    let body = b.body();
    (body < s.body_avg(0)) & (b.upper_shadow() > body) & (b.lower_shadow() < s.doji(0))
}

/// Inverted hammer: inverted shape whose body gaps below the previous body.
#[inline]
pub fn inverted_hammer(s: &CandleStats) -> i32 {
    let b = s.bar(0);
    if inverted_shape(s, b) & (b.top() < s.bar(1).bottom()) {
        100
    } else {
        0
    }
}

/// Shooting star: inverted shape whose body gaps above the previous body.
#[inline]
pub fn shooting_star(s: &CandleStats) -> i32 {
    let b = s.bar(0);
    if inverted_shape(s, b) & (b.bottom() > s.bar(1).top()) {
        -100
    } else {
        0
    }
}

/// Engulfing: the body of the second bar, of the opposite colour, covers the first body.
/// ±100 when it overreaches both ends, ±80 when one end is equal.
#[inline]
pub fn engulfing(s: &CandleStats) -> i32 {
    let (b0, b1) = (s.bar(0), s.bar(1));
    let (c0, o0, c1, o1) = (b0.close, b0.open, b1.close, b1.open);
    let bull = b0.white() & b1.black() & (((c0 >= o1) & (o0 < c1)) | ((c0 > o1) & (o0 <= c1)));
    let bear = b0.black() & b1.white() & (((o0 >= c1) & (c0 < o1)) | ((o0 > c1) & (c0 <= o1)));
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
pub fn harami(s: &CandleStats) -> i32 {
    let (b0, b1) = (s.bar(0), s.bar(1));
    let bodies = (b1.body() > s.body_avg(1)) & (b0.body() <= s.body_avg(0));
    let inside = (b0.top() < b1.top()) & (b0.bottom() > b1.bottom());
    let within = (b0.top() <= b1.top()) & (b0.bottom() >= b1.bottom());
    let v = if inside { 100 } else { 80 };
    if bodies & within {
        -b1.color() * v
    } else {
        0
    }
}

/// Piercing: long black, then a long white opening below its low and closing above its midpoint
/// but below its open.
#[inline]
pub fn piercing(s: &CandleStats) -> i32 {
    let (b0, b1) = (s.bar(0), s.bar(1));
    if b1.black()
        & (b1.body() > s.body_avg(1))
        & b0.white()
        & (b0.body() > s.body_avg(0))
        & (b0.open < b1.low)
        & (b0.close < b1.open)
        & (b0.close > b1.close + b1.body() * 0.5)
    {
        100
    } else {
        0
    }
}

/// Dark cloud cover (penetration 0.5): long white, then a black opening above its high and closing
/// below its midpoint but above its open.
#[inline]
pub fn dark_cloud_cover(s: &CandleStats) -> i32 {
    let (b0, b1) = (s.bar(0), s.bar(1));
    if b1.white()
        & (b1.body() > s.body_avg(1))
        & b0.black()
        & (b0.open > b1.high)
        & (b0.close > b1.open)
        & (b0.close < b1.close - b1.body() * 0.5)
    {
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
pub fn morning_star(s: &CandleStats) -> i32 {
    let (b0, b1, b2) = (s.bar(0), s.bar(1), s.bar(2));
    if (b2.body() > s.body_avg(2))
        & b2.black()
        & (b1.body() <= s.body_avg(1))
        & (b1.top() < b2.bottom())
        & (b0.body() > s.body_avg(0))
        & b0.white()
        & (b0.close > b2.close + b2.body() * STAR_PENETRATION)
    {
        100
    } else {
        0
    }
}

/// Evening star: the mirror image of the morning star.
#[inline]
pub fn evening_star(s: &CandleStats) -> i32 {
    let (b0, b1, b2) = (s.bar(0), s.bar(1), s.bar(2));
    if (b2.body() > s.body_avg(2))
        & b2.white()
        & (b1.body() <= s.body_avg(1))
        & (b1.bottom() > b2.top())
        & (b0.body() > s.body_avg(0))
        & b0.black()
        & (b0.close < b2.close - b2.body() * STAR_PENETRATION)
    {
        -100
    } else {
        0
    }
}

/// Three white soldiers: three white bars with rising closes, very short upper shadows, each opening
/// within (or near the top of) the previous body, bodies not shrinking far, and a last body that is
/// not short.
#[inline]
pub fn three_white_soldiers(s: &CandleStats) -> i32 {
    let (b0, b1, b2) = (s.bar(0), s.bar(1), s.bar(2));
    if b2.white()
        & (b2.upper_shadow() < s.doji(2))
        & b1.white()
        & (b1.upper_shadow() < s.doji(1))
        & b0.white()
        & (b0.upper_shadow() < s.doji(0))
        & (b0.close > b1.close)
        & (b1.close > b2.close)
        & (b1.open > b2.open)
        & (b1.open <= b2.close + s.near(2))
        & (b0.open > b1.open)
        & (b0.open <= b1.close + s.near(1))
        & (b1.body() > b2.body() - s.far(2))
        & (b0.body() > b1.body() - s.far(1))
        & (b0.body() > s.body_avg(0))
    {
        100
    } else {
        0
    }
}

/// Three black crows: after a white bar, three black bars with falling closes, very short lower
/// shadows, each opening inside the previous body, the first closing below the white bar's high.
#[inline]
pub fn three_black_crows(s: &CandleStats) -> i32 {
    let (b0, b1, b2, b3) = (s.bar(0), s.bar(1), s.bar(2), s.bar(3));
    if b3.white()
        & b2.black()
        & (b2.lower_shadow() < s.doji(2))
        & b1.black()
        & (b1.lower_shadow() < s.doji(1))
        & b0.black()
        & (b0.lower_shadow() < s.doji(0))
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
