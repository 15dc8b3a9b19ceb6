//! Moving averages and volatility.

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

/// Average true range with Wilder's smoothing (TA-Lib ATR): the first value is the mean of the
/// first `period` true ranges (which start at the second bar), then `(prev·(n−1) + TR) / n`.
#[derive(Debug, Clone)]
pub struct Atr {
    period: usize,
    prev_close: Option<f64>,
    count: usize,
    sum: f64,
    value: f64,
}

impl Atr {
    pub fn new(period: usize) -> Self {
        Self { period: period.max(1), prev_close: None, count: 0, sum: 0.0, value: f64::NAN }
    }
    /// Feeds one bar; `None` during warm-up (the first `period` bars).
    #[inline]
    pub fn next(&mut self, high: f64, low: f64, close: f64) -> Option<f64> {
        let Some(pc) = self.prev_close.replace(close) else {
            return None;
        };
        let tr = (high - low).max((high - pc).abs()).max((low - pc).abs());
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
