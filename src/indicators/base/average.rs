//! Moving averages of one series: SMA, EMA (SMA-seeded), WMA and Hull. Each keeps TA-Lib's order
//! of floating-point operations, so the outputs agree with TA-Lib to the last bit or nearly so.

use crate::indicators::window::Ring;

/// Simple moving average (TA-Lib SMA): a running sum over a ring of the last `period` values.
#[derive(Debug, Clone)]
pub struct Sma {
    ring: Ring,
    sum: f64,
    value: Option<f64>,
}

impl Sma {
    pub fn new(period: usize) -> Self {
        Self { ring: Ring::new(period.max(1)), sum: 0.0, value: None }
    }
    /// Feeds one value; `None` until `period` values have been seen.
    #[inline]
    pub fn next(&mut self, x: f64) -> Option<f64> {
        // TA-Lib keeps `period - 1` values in the sum between steps: add, divide, drop the oldest.
        self.ring.push(x);
        self.sum += x;
        if !self.ring.is_full() {
            return None;
        }
        let out = self.sum / self.ring.capacity() as f64;
        self.sum -= self.ring.get(0);
        self.value = Some(out);
        self.value
    }
    pub fn value(&self) -> Option<f64> {
        self.value
    }
}

/// Exponential moving average, seeded with the SMA of the first `period` values (TA-Lib EMA).
#[derive(Debug, Clone)]
pub struct Ema {
    period: usize,
    alpha: f64,
    count: usize,
    sum: f64,
    value: f64,
}

impl Ema {
    pub fn new(period: usize) -> Self {
        let period = period.max(1);
        Self { period, alpha: 2.0 / (period as f64 + 1.0), count: 0, sum: 0.0, value: f64::NAN }
    }
    /// An EMA whose seed is given instead of accumulated (used by MACD's late-started fast line).
    pub fn seeded(period: usize, seed: f64) -> Self {
        let mut e = Self::new(period);
        e.count = e.period;
        e.value = seed;
        e
    }
    /// Feeds one value; `None` until `period` values have been seen.
    #[inline]
    pub fn next(&mut self, x: f64) -> Option<f64> {
        if self.count < self.period {
            self.count += 1;
            self.sum += x;
            if self.count == self.period {
                self.value = self.sum / self.period as f64;
                return Some(self.value);
            }
            return None;
        }
        self.value += self.alpha * (x - self.value);
        Some(self.value)
    }
    pub fn value(&self) -> Option<f64> {
        (self.count >= self.period).then_some(self.value)
    }
    pub fn period(&self) -> usize {
        self.period
    }
}

/// Linearly weighted moving average (TA-Lib WMA), weights 1..=period, newest heaviest. Keeps the
/// weighted sum and the plain sum so a step is one add, one subtract and one divide; every
/// `period` steps both sums are recomputed from the window (O(1) amortised), which stops rounding
/// drift from building up over long series (TA-Lib's own WMA is that accurate too).
#[derive(Debug, Clone)]
pub struct Wma {
    period: usize,
    divider: f64,
    ring: Ring,
    seen: usize,
    /// Plain sum of the window (TA-Lib's `periodSub`).
    sub: f64,
    /// Weighted sum, kept one step ahead (TA-Lib's `periodSum`).
    sum: f64,
    trailing: f64,
    since_resync: usize,
    value: Option<f64>,
}

impl Wma {
    pub fn new(period: usize) -> Self {
        let period = period.max(1);
        Self {
            period,
            divider: (period * (period + 1) / 2) as f64,
            ring: Ring::new(period),
            seen: 0,
            sub: 0.0,
            sum: 0.0,
            trailing: 0.0,
            since_resync: 0,
            value: None,
        }
    }
    /// Feeds one value; `None` until `period` values have been seen.
    #[inline]
    pub fn next(&mut self, x: f64) -> Option<f64> {
        self.ring.push(x);
        if self.seen + 1 < self.period {
            self.seen += 1;
            self.sub += x;
            self.sum += x * self.seen as f64;
            return None;
        }
        self.seen = self.period;
        self.sub += x;
        self.sub -= self.trailing;
        self.sum += x * self.period as f64;
        self.trailing = self.ring.get(0);
        let out = self.sum / self.divider;
        self.sum -= self.sub;
        self.since_resync += 1;
        if self.since_resync == self.period {
            self.resync();
        }
        self.value = Some(out);
        self.value
    }
    /// Recomputes the sums as they stand after an output: `sub` over the whole window, `sum`
    /// with weights 0..period−1 (the oldest value is about to leave).
    #[cold]
    fn resync(&mut self) {
        self.since_resync = 0;
        let (mut sub, mut sum) = (0.0, 0.0);
        for (j, v) in self.ring.iter().enumerate() {
            sub += v;
            sum += v * j as f64;
        }
        self.sub = sub;
        self.sum = sum;
    }
    pub fn value(&self) -> Option<f64> {
        self.value
    }
}

/// Hull moving average: `WMA(2·WMA(n/2) − WMA(n), floor(√n))`.
#[derive(Debug, Clone)]
pub struct Hma {
    half: Wma,
    full: Wma,
    outer: Wma,
}

impl Hma {
    pub fn new(period: usize) -> Self {
        let period = period.max(2);
        let root = (period as f64).sqrt().floor() as usize;
        Self { half: Wma::new(period / 2), full: Wma::new(period), outer: Wma::new(root.max(1)) }
    }
    /// Feeds one value; `None` until `period + floor(√period) − 1` values have been seen.
    #[inline]
    pub fn next(&mut self, x: f64) -> Option<f64> {
        let h = self.half.next(x);
        let f = self.full.next(x);
        match (h, f) {
            (Some(h), Some(f)) => self.outer.next(2.0 * h - f),
            _ => None,
        }
    }
    pub fn value(&self) -> Option<f64> {
        self.outer.value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sma_slides() {
        let mut s = Sma::new(3);
        assert_eq!(s.next(1.0), None);
        assert_eq!(s.next(2.0), None);
        assert_eq!(s.next(3.0), Some(2.0));
        assert_eq!(s.next(7.0), Some(4.0));
        assert_eq!(s.value(), Some(4.0));
    }

    #[test]
    fn ema_is_sma_seeded() {
        let mut e = Ema::new(3);
        assert_eq!(e.next(1.0), None);
        assert_eq!(e.next(2.0), None);
        assert_eq!(e.next(3.0), Some(2.0));
        // alpha = 0.5: 2 + 0.5 * (6 - 2) = 4
        assert_eq!(e.next(6.0), Some(4.0));
    }

    #[test]
    fn wma_weights_newest_heaviest() {
        let mut w = Wma::new(3);
        assert_eq!(w.next(1.0), None);
        assert_eq!(w.next(2.0), None);
        // (1·1 + 2·2 + 3·3) / 6 = 14/6
        assert_eq!(w.next(3.0), Some(14.0 / 6.0));
        // (2·1 + 3·2 + 6·3) / 6 = 26/6
        assert_eq!(w.next(6.0), Some(26.0 / 6.0));
        // (3·1 + 6·2 + 0·3) / 6 = 15/6
        assert_eq!(w.next(0.0), Some(15.0 / 6.0));
    }

    #[test]
    fn hma_of_a_line_is_the_line_ahead() {
        // On a straight line the Hull MA removes the WMA lag: HMA(4) of 0,1,2,... equals the input.
        let mut h = Hma::new(4);
        let mut last = None;
        for i in 0..10 {
            last = h.next(i as f64);
            if i < 4 {
                assert_eq!(last, None, "i={i}");
            }
        }
        // WMA(2) of i = i − 1/3, WMA(4) of i = i − 1, so 2·WMA2 − WMA4 = i + 1/3, and its WMA(2)
        // is i + 1/3 − 1/3 = i.
        assert!((last.unwrap() - 9.0).abs() < 1e-12, "{last:?}");
    }
}
