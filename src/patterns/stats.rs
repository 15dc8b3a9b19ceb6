//! Rolling candle statistics shared by every pattern detector: the last few bars and the running
//! sums behind TA-Lib's "candle settings" (body, high-low range and volume averages).
//!
//! TA-Lib judges a candle against averages of the candles *before* it. For candle `i` the settings
//! used here are (factor × average over the period):
//!
//! | setting | measure | period | factor |
//! | --- | --- | ---: | ---: |
//! | BodyLong, BodyShort | real body | 10 | 1.0 |
//! | BodyDoji | high − low | 10 | 0.1 |
//! | ShadowVeryShort | high − low | 10 | 0.1 |
//! | ShadowLong | the candle's own real body | 0 | 1.0 |
//! | Near | high − low | 5 | 0.2 |
//! | Far | high − low | 5 | 0.6 |
//!
//! Multi-candle patterns evaluate a setting at an earlier candle (`i-1`, `i-2`), so each running sum
//! is kept for the windows ending before `i`, `i-1` and `i-2`. Updating costs a handful of adds.

/// One bar as `f64` (analytics only).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Bar {
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}

impl Bar {
    pub fn new(open: f64, high: f64, low: f64, close: f64, volume: f64) -> Self {
        Self { open, high, low, close, volume }
    }
    /// Length of the real body.
    #[inline]
    pub fn body(&self) -> f64 {
        (self.close - self.open).abs()
    }
    /// High minus low.
    #[inline]
    pub fn range(&self) -> f64 {
        self.high - self.low
    }
    /// Top of the real body.
    #[inline]
    pub fn top(&self) -> f64 {
        if self.close >= self.open {
            self.close
        } else {
            self.open
        }
    }
    /// Bottom of the real body.
    #[inline]
    pub fn bottom(&self) -> f64 {
        if self.close >= self.open {
            self.open
        } else {
            self.close
        }
    }
    #[inline]
    pub fn upper_shadow(&self) -> f64 {
        self.high - self.top()
    }
    #[inline]
    pub fn lower_shadow(&self) -> f64 {
        self.bottom() - self.low
    }
    /// +1 white (close ≥ open, as TA-Lib counts a doji), −1 black.
    #[inline]
    pub fn color(&self) -> i32 {
        if self.close >= self.open {
            1
        } else {
            -1
        }
    }
}

/// A bar with the measures every rule reads, computed once when the bar is pushed.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Feat {
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
    body: f64,
    range: f64,
    top: f64,
    bottom: f64,
    upper: f64,
    lower: f64,
    white: bool,
    /// The bar's comparisons against its own thresholds (see [`flag`]), fixed when it is pushed.
    flags: u16,
}

/// Bits of [`Feat::flags`]: each comparison a rule makes between a bar and the candle-setting
/// thresholds *at that bar* (`body_avg(k)`, `doji(k)` for the bar `k` back). A threshold at lag `k`
/// is the one that held when that bar was the newest, so the comparison is made once, at push
/// time, and read back by every later rule that looks at the bar.
pub mod flag {
    /// close ≥ open.
    pub const WHITE: u16 = 1;
    /// body > BodyLong (average body of the 10 bars before).
    pub const BODY_LONG: u16 = 1 << 1;
    /// body < BodyShort.
    pub const BODY_SHORT: u16 = 1 << 2;
    /// body ≤ BodyShort.
    pub const BODY_LE_AVG: u16 = 1 << 3;
    /// body ≤ BodyDoji.
    pub const DOJI: u16 = 1 << 4;
    /// upper shadow < ShadowVeryShort.
    pub const UPPER_VERY_SHORT: u16 = 1 << 5;
    /// lower shadow < ShadowVeryShort.
    pub const LOWER_VERY_SHORT: u16 = 1 << 6;
    /// upper shadow > body.
    pub const UPPER_GT_BODY: u16 = 1 << 7;
    /// lower shadow > body.
    pub const LOWER_GT_BODY: u16 = 1 << 8;
}

impl Feat {
    #[inline]
    fn new(b: &Bar, body_avg: f64, doji: f64) -> Self {
        let top = b.top();
        let bottom = b.bottom();
        let body = b.body();
        let (upper, lower) = (b.high - top, bottom - b.low);
        let bit = |c: bool, f: u16| if c { f } else { 0 };
        let flags = bit(b.close >= b.open, flag::WHITE)
            | bit(body > body_avg, flag::BODY_LONG)
            | bit(body < body_avg, flag::BODY_SHORT)
            | bit(body <= body_avg, flag::BODY_LE_AVG)
            | bit(body <= doji, flag::DOJI)
            | bit(upper < doji, flag::UPPER_VERY_SHORT)
            | bit(lower < doji, flag::LOWER_VERY_SHORT)
            | bit(upper > body, flag::UPPER_GT_BODY)
            | bit(lower > body, flag::LOWER_GT_BODY);
        Feat {
            open: b.open,
            high: b.high,
            low: b.low,
            close: b.close,
            volume: b.volume,
            body,
            range: b.range(),
            top,
            bottom,
            upper,
            lower,
            white: b.close >= b.open,
            flags,
        }
    }
    /// The [`flag`] bits of this bar.
    #[inline]
    pub fn flags(&self) -> u16 {
        self.flags
    }
    /// Length of the real body.
    #[inline]
    pub fn body(&self) -> f64 {
        self.body
    }
    /// High minus low.
    #[inline]
    pub fn range(&self) -> f64 {
        self.range
    }
    #[inline]
    pub fn top(&self) -> f64 {
        self.top
    }
    #[inline]
    pub fn bottom(&self) -> f64 {
        self.bottom
    }
    #[inline]
    pub fn upper_shadow(&self) -> f64 {
        self.upper
    }
    #[inline]
    pub fn lower_shadow(&self) -> f64 {
        self.lower
    }
    /// Close ≥ open (TA-Lib counts a doji as white).
    #[inline]
    pub fn white(&self) -> bool {
        self.white
    }
    #[inline]
    pub fn black(&self) -> bool {
        !self.white
    }
    /// +1 white, −1 black.
    #[inline]
    pub fn color(&self) -> i32 {
        if self.white {
            1
        } else {
            -1
        }
    }
}

const HIST: usize = 16;
const LONG: usize = 10;
const SHORT: usize = 5;

/// The shared rolling state: the last 16 bars, the running sums and the thresholds they give.
#[derive(Clone, Debug)]
pub struct CandleStats {
    bars: [Feat; HIST],
    count: u64,
    /// Sums over the 10 (5) bars before the newest bar: real bodies, ranges, ranges, volumes.
    body10: f64,
    range10: f64,
    range5: f64,
    volume10: f64,
    /// Thresholds at bars `i`, `i-1`, `i-2` (index = lag).
    body_avg: [f64; 3],
    doji: [f64; 3],
    near: [f64; 3],
    far: [f64; 3],
}

impl Default for CandleStats {
    fn default() -> Self {
        Self::new()
    }
}

impl CandleStats {
    pub fn new() -> Self {
        Self {
            bars: [Feat::default(); HIST],
            count: 0,
            body10: 0.0,
            range10: 0.0,
            range5: 0.0,
            volume10: 0.0,
            body_avg: [0.0; 3],
            doji: [0.0; 3],
            near: [0.0; 3],
            far: [0.0; 3],
        }
    }

    /// Adds the next bar; afterwards `bar(0)` is this bar and the sums refer to the bars before it.
    #[inline]
    pub fn push(&mut self, bar: Bar) {
        let n = self.count as usize;
        if n > 0 {
            // The window before the new bar gains the previous bar and loses the one 10 (5) back.
            let prev = *self.bar(0);
            let (old_body, old_range, old_vol) = if n > LONG {
                let old = self.bar(LONG);
                (old.body, old.range, old.volume)
            } else {
                (0.0, 0.0, 0.0)
            };
            let old_range5 = if n > SHORT { self.bar(SHORT).range } else { 0.0 };
            self.body10 += prev.body - old_body;
            self.range10 += prev.range - old_range;
            self.range5 += prev.range - old_range5;
            self.volume10 += prev.volume - old_vol;
            // TA-Lib: factor × (sum / period).
            let avg10 = self.range10 / LONG as f64;
            let avg5 = self.range5 / SHORT as f64;
            self.body_avg = [1.0 * (self.body10 / LONG as f64), self.body_avg[0], self.body_avg[1]];
            self.doji = [0.1 * avg10, self.doji[0], self.doji[1]];
            self.near = [0.2 * avg5, self.near[0], self.near[1]];
            self.far = [0.6 * avg5, self.far[0], self.far[1]];
        }
        self.bars[n % HIST] = Feat::new(&bar, self.body_avg[0], self.doji[0]);
        self.count += 1;
    }

    /// Number of bars pushed so far.
    #[inline]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The bar `k` candles back (0 = the newest). Callers check `count() > k`.
    #[inline]
    pub fn bar(&self, k: usize) -> &Feat {
        &self.bars[(self.count as usize).wrapping_sub(1 + k) % HIST]
    }

    /// BodyLong (= BodyShort) threshold at candle `i - k`: average real body of the 10 bars before it.
    #[inline]
    pub fn body_avg(&self, k: usize) -> f64 {
        self.body_avg[k]
    }
    /// BodyDoji (= ShadowVeryShort) threshold at `i - k`: 10% of the average range of the 10 bars before.
    #[inline]
    pub fn doji(&self, k: usize) -> f64 {
        self.doji[k]
    }
    /// Near threshold at `i - k`: 20% of the average range of the 5 bars before.
    #[inline]
    pub fn near(&self, k: usize) -> f64 {
        self.near[k]
    }
    /// Far threshold at `i - k`: 60% of the average range of the 5 bars before.
    #[inline]
    pub fn far(&self, k: usize) -> f64 {
        self.far[k]
    }
    /// Average volume of the 10 bars before the newest (0 until one bar is known).
    #[inline]
    pub fn volume_avg(&self) -> f64 {
        let n = (self.count.saturating_sub(1)).min(LONG as u64);
        if n == 0 {
            0.0
        } else {
            self.volume10 / n as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_measures() {
        let b = Bar::new(10.0, 14.0, 7.0, 12.0, 1.0);
        assert_eq!((b.body(), b.range(), b.upper_shadow(), b.lower_shadow(), b.color()), (2.0, 7.0, 2.0, 3.0, 1));
        let d = Bar::new(12.0, 12.5, 11.0, 11.0, 1.0);
        assert_eq!((d.top(), d.bottom(), d.lower_shadow(), d.color()), (12.0, 11.0, 0.0, -1));
    }

    #[test]
    fn sums_cover_the_bars_before_each_lag() {
        let mut s = CandleStats::new();
        // Bodies 1..=13, ranges 2×body.
        for k in 1..=13 {
            let x = k as f64;
            s.push(Bar::new(100.0, 100.0 + 2.0 * x, 100.0, 100.0 + x, 10.0 * x));
        }
        // Bars before the 13th: bodies 3..=12 → 75 / 10; before the 12th: 2..=11 → 65/10.
        assert_eq!(s.body_avg(0), 7.5);
        assert_eq!(s.body_avg(1), 6.5);
        assert_eq!(s.body_avg(2), 5.5);
        // Ranges before the 13th: 2×(3..=12) = 150 → doji = 0.1 × 15.
        assert!((s.doji(0) - 1.5).abs() < 1e-12);
        // Last 5 ranges before the 13th: 2×(8..=12) = 100 → near = 0.2 × 20, far = 0.6 × 20.
        assert!((s.near(0) - 4.0).abs() < 1e-12 && (s.far(0) - 12.0).abs() < 1e-12);
        assert!((s.near(2) - 0.2 * 2.0 * 40.0 / 5.0).abs() < 1e-12);
        assert_eq!(s.volume_avg(), 75.0);
        assert_eq!(s.bar(0).close, 113.0);
        assert_eq!(s.bar(12).close, 101.0);
    }

    #[test]
    fn flags_compare_each_bar_with_the_thresholds_of_its_own_time() {
        let mut s = CandleStats::new();
        // Ten bars of body 2, range 4 (open 100, close 102, high 103, low 99): BodyLong 2 and
        // BodyDoji 0.4 for the 11th bar.
        for _ in 0..10 {
            s.push(Bar::new(100.0, 103.0, 99.0, 102.0, 1.0));
        }
        // Black, body 3 > 2 (long), upper shadow 0.3 < 0.4, lower shadow 0.5 — not very short.
        s.push(Bar::new(103.0, 103.3, 99.5, 100.0, 1.0));
        let f = s.bar(0).flags();
        assert_eq!(f, flag::BODY_LONG | flag::UPPER_VERY_SHORT);
        // 12th bar: averages now 2.1 (body) and 0.1·(36 + 3.8)/10 = 0.398; a white bar with body
        // 0.3 and shadows 1: short, ≤ avg, doji, both shadows longer than the body.
        s.push(Bar::new(100.0, 101.3, 99.0, 100.3, 1.0));
        let want =
            flag::WHITE | flag::BODY_SHORT | flag::BODY_LE_AVG | flag::DOJI | flag::UPPER_GT_BODY | flag::LOWER_GT_BODY;
        assert_eq!(s.bar(0).flags(), want);
        // The 11th bar keeps the flags it got when it was the newest.
        assert_eq!(s.bar(1).flags(), f);
        assert!((s.body_avg(0) - 2.1).abs() < 1e-12 && (s.doji(0) - 0.398).abs() < 1e-12);
    }
}
