//! Volatility: true range, ATR (Wilder), rolling standard deviation with Bollinger bands, and the
//! Choppiness index.

use crate::indicators::window::{Extremum, Ring};

/// TA-Lib's "too small to divide by" test (`TA_IS_ZERO`).
#[inline]
pub(crate) fn is_zero(v: f64) -> bool {
    -1e-8 < v && v < 1e-8
}

/// True range against the previous close; the first bar has none (TA-Lib TRANGE).
#[derive(Debug, Clone, Default)]
pub struct TrueRange {
    prev_close: Option<f64>,
}

impl TrueRange {
    #[inline]
    pub fn next(&mut self, high: f64, low: f64, close: f64) -> Option<f64> {
        let pc = self.prev_close.replace(close)?;
        Some(true_range(high, low, pc))
    }
}

#[inline]
pub(crate) fn true_range(high: f64, low: f64, prev_close: f64) -> f64 {
    // Branch-free maxima: on real data the comparisons are coin flips the CPU mispredicts.
    (high - low).max((high - prev_close).abs()).max((low - prev_close).abs())
}

/// Average true range with Wilder's smoothing (TA-Lib ATR): the first value is the mean of the
/// first `period` true ranges (which start at the second bar), then `(prev·(n−1) + TR) / n`.
#[derive(Debug, Clone)]
pub struct Atr {
    period: usize,
    tr: TrueRange,
    count: usize,
    sum: f64,
    value: f64,
}

impl Atr {
    pub fn new(period: usize) -> Self {
        Self { period: period.max(1), tr: TrueRange::default(), count: 0, sum: 0.0, value: f64::NAN }
    }
    /// Feeds one bar; `None` during warm-up (the first `period` bars).
    #[inline]
    pub fn next(&mut self, high: f64, low: f64, close: f64) -> Option<f64> {
        let tr = self.tr.next(high, low, close)?;
        if self.count < self.period {
            self.count += 1;
            self.sum += tr;
            if self.count == self.period {
                self.value = self.sum / self.period as f64;
                return Some(self.value);
            }
            return None;
        }
        let n = self.period as f64;
        self.value = (self.value * (n - 1.0) + tr) / n;
        Some(self.value)
    }
    pub fn value(&self) -> Option<f64> {
        (self.count >= self.period).then_some(self.value)
    }
}

/// One step of Bollinger bands: middle (SMA), population deviation, upper and lower.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bands {
    pub upper: f64,
    pub middle: f64,
    pub lower: f64,
    pub stddev: f64,
}

/// Decimal grid on which [`StdDev`] sums its inputs exactly (the 1e-8 of `Price`).
pub(crate) const GRID: f64 = 1e8;

/// `i128` to `f64` without the slow library call: the high and low halves separately (at most
/// one extra rounding, 1e-16 relative).
#[inline]
pub(crate) fn i128_to_f64(v: i128) -> f64 {
    if let Ok(small) = i64::try_from(v) {
        return small as f64;
    }
    ((v >> 64) as i64 as f64) * 18_446_744_073_709_551_616.0 + (v as u64) as f64
}

/// Rolling population standard deviation and Bollinger bands (TA-Lib STDDEV and BBANDS with an
/// SMA middle). The middle is TA-Lib's running SMA; the variance is exact: inputs are taken on
/// the 1e-8 grid prices live on (exact for `Price` values below 2·10¹⁰) and `n·Σx² − (Σx)²` is
/// summed in `i128`, so a flat window gives exactly 0 and tiny deviations are not lost to
/// cancellation. TA-Lib's own variance is accurate to about 1e-12, so the two agree far inside
/// 1e-9.
#[derive(Debug, Clone)]
pub struct StdDev {
    ring: Ring,
    sum: f64,
    raws: Box<[i64]>,
    raw_sum: i128,
    raw_sum_sq: i128,
    next_slot: usize,
    width: f64,
    value: Option<Bands>,
}

impl StdDev {
    /// `width` is the band distance in deviations (2 for the usual bands).
    pub fn new(period: usize, width: f64) -> Self {
        let period = period.max(1);
        Self {
            ring: Ring::new(period),
            sum: 0.0,
            raws: vec![0; period].into_boxed_slice(),
            raw_sum: 0,
            raw_sum_sq: 0,
            next_slot: 0,
            width,
            value: None,
        }
    }
    #[inline]
    pub fn next(&mut self, x: f64) -> Option<Bands> {
        let was_full = self.ring.is_full();
        self.ring.push(x);
        self.sum += x;
        // Saturating conversion: only absurd inputs (|x| > 9·10¹⁰) leave the grid.
        let scaled = x * GRID;
        let raw = (scaled + if scaled < 0.0 { -0.5 } else { 0.5 }) as i64;
        let slot = self.next_slot;
        self.next_slot = if slot + 1 == self.raws.len() { 0 } else { slot + 1 };
        // Wrapping arithmetic: exact for any real price (|x| < 10⁹ with periods up to 10⁴), and
        // absurd inputs give a wrong deviation rather than a panic.
        if was_full {
            let old = self.raws[slot] as i128;
            self.raw_sum = self.raw_sum.wrapping_sub(old);
            self.raw_sum_sq = self.raw_sum_sq.wrapping_sub(old.wrapping_mul(old));
        }
        self.raws[slot] = raw;
        self.raw_sum = self.raw_sum.wrapping_add(raw as i128);
        self.raw_sum_sq = self.raw_sum_sq.wrapping_add((raw as i128).wrapping_mul(raw as i128));
        if !self.ring.is_full() {
            return None;
        }
        let n = self.ring.capacity();
        let mean = self.sum / n as f64;
        self.sum -= self.ring.get(0);
        let num = (n as i128).wrapping_mul(self.raw_sum_sq).wrapping_sub(self.raw_sum.wrapping_mul(self.raw_sum));
        let var = i128_to_f64(num) / ((n * n) as f64 * GRID * GRID);
        let stddev = if var > 0.0 { var.sqrt() } else { 0.0 };
        let d = stddev * self.width;
        self.value = Some(Bands { upper: mean + d, middle: mean, lower: mean - d, stddev });
        self.value
    }
    pub fn value(&self) -> Option<Bands> {
        self.value
    }
}

/// Choppiness index: `100·log10(ΣTR(n) / (highest high − lowest low)) / log10(n)` over the same
/// `n` bars. TR is TA-Lib's (none on the first bar), so the first value comes on bar `n` (0-based).
/// A window with no range gives `None`.
#[derive(Debug, Clone)]
pub struct Chop {
    tr: TrueRange,
    trs: Ring,
    sum: f64,
    highest: Extremum,
    lowest: Extremum,
    log_n: f64,
    value: Option<f64>,
}

impl Chop {
    pub fn new(period: usize) -> Self {
        let period = period.max(2);
        Self {
            tr: TrueRange::default(),
            trs: Ring::new(period),
            sum: 0.0,
            highest: Extremum::max(period),
            lowest: Extremum::min(period),
            log_n: (period as f64).log10(),
            value: None,
        }
    }
    #[inline]
    pub fn next(&mut self, high: f64, low: f64, close: f64) -> Option<f64> {
        let hh = self.highest.next(high);
        let ll = self.lowest.next(low);
        let tr = self.tr.next(high, low, close)?;
        if let Some(old) = self.trs.push(tr) {
            self.sum -= old;
        }
        self.sum += tr;
        self.value = None;
        if let (true, Some(hh), Some(ll)) = (self.trs.is_full(), hh, ll) {
            let range = hh - ll;
            if range > 0.0 {
                self.value = Some(100.0 * (self.sum / range).log10() / self.log_n);
            }
        }
        self.value
    }
    pub fn value(&self) -> Option<f64> {
        self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atr_uses_wilder_smoothing() {
        let mut a = Atr::new(2);
        assert_eq!(a.next(10.0, 8.0, 9.0), None);
        // TR = max(3, |12-9|, |9-9|) = 3
        assert_eq!(a.next(12.0, 9.0, 11.0), None);
        // TR = max(2, |12-11|, |10-11|) = 2 -> first ATR = (3 + 2) / 2 = 2.5
        assert_eq!(a.next(12.0, 10.0, 10.0), Some(2.5));
        // TR = max(1, |11-10|, |10-10|) = 1 -> (2.5 * 1 + 1) / 2 = 1.75
        assert_eq!(a.next(11.0, 10.0, 10.5), Some(1.75));
    }

    #[test]
    fn bands_use_population_deviation() {
        let mut s = StdDev::new(4, 2.0);
        for x in [2.0, 4.0, 4.0] {
            assert_eq!(s.next(x), None);
        }
        // 2,4,4,6: mean 4, E[x²] = (4+16+16+36)/4 = 18, var = 2
        let b = s.next(6.0).unwrap();
        assert_eq!(b.middle, 4.0);
        assert!((b.stddev - 2f64.sqrt()).abs() < 1e-15);
        assert!((b.upper - (4.0 + 2.0 * 2f64.sqrt())).abs() < 1e-14);
        // Flat window: deviation exactly 0, bands collapse on the mean.
        let mut f = StdDev::new(3, 2.0);
        f.next(5.0);
        f.next(5.0);
        assert_eq!(f.next(5.0), Some(Bands { upper: 5.0, middle: 5.0, lower: 5.0, stddev: 0.0 }));
    }

    #[test]
    fn chop_by_hand_and_flat_window() {
        let mut c = Chop::new(2);
        assert_eq!(c.next(10.0, 9.0, 9.5), None);
        // TR = max(1, |11-9.5|, |10-9.5|) = 1.5
        assert_eq!(c.next(11.0, 10.0, 10.5), None);
        // TR = max(2, |12-10.5|, |10-10.5|) = 2; ΣTR = 3.5; range over bars 1..2 = 12 − 10 = 2
        let v = c.next(12.0, 10.0, 11.0).unwrap();
        assert!((v - 100.0 * (3.5f64 / 2.0).log10() / 2f64.log10()).abs() < 1e-12);
        let mut flat = Chop::new(2);
        for _ in 0..5 {
            assert_eq!(flat.next(7.0, 7.0, 7.0), None);
        }
    }
}
