//! Momentum: RSI (Wilder), MACD with TA-Lib's alignment, and the charting-tool Stochastic RSI.

use super::average::Ema;
use super::volatility::is_zero;
use crate::indicators::window::{Extremum, Ring};

/// Relative strength index with Wilder's smoothing (TA-Lib RSI). A window with no movement at all
/// gives 0, as TA-Lib does.
#[derive(Debug, Clone)]
pub struct Rsi {
    period: usize,
    prev: Option<f64>,
    count: usize,
    gain: f64,
    loss: f64,
    value: Option<f64>,
}

impl Rsi {
    pub fn new(period: usize) -> Self {
        Self { period: period.max(1), prev: None, count: 0, gain: 0.0, loss: 0.0, value: None }
    }
    /// Feeds one close; the first value comes with the `period + 1`-th close.
    #[inline]
    pub fn next(&mut self, x: f64) -> Option<f64> {
        let prev = self.prev.replace(x)?;
        let diff = x - prev;
        let n = self.period as f64;
        // Branch-free split of the move: adding the other side's 0.0 changes no bit.
        if self.count < self.period {
            self.count += 1;
            self.loss -= diff.min(0.0);
            self.gain += diff.max(0.0);
            if self.count < self.period {
                return None;
            }
        } else {
            self.loss *= n - 1.0;
            self.gain *= n - 1.0;
            self.loss -= diff.min(0.0);
            self.gain += diff.max(0.0);
        }
        self.loss /= n;
        self.gain /= n;
        let total = self.gain + self.loss;
        self.value = Some(if is_zero(total) { 0.0 } else { 100.0 * (self.gain / total) });
        self.value
    }
    pub fn value(&self) -> Option<f64> {
        self.value
    }
}

/// One MACD step: the line, its signal and the histogram.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MacdValue {
    pub macd: f64,
    pub signal: f64,
    pub hist: f64,
}

/// MACD as TA-Lib computes it: the fast EMA is started late so that its SMA seed covers the
/// `fast` closes ending where the slow EMA's first value is, and nothing is output before the
/// signal EMA has its first value (`slow + signal − 2` bars of warm-up).
#[derive(Debug, Clone)]
pub struct Macd {
    fast_period: usize,
    recent: Ring,
    fast: Option<Ema>,
    slow: Ema,
    signal: Ema,
    value: Option<MacdValue>,
}

impl Macd {
    pub fn new(fast: usize, slow: usize, signal: usize) -> Self {
        let (fast, slow) = if fast > slow { (slow, fast) } else { (fast, slow) };
        let fast = fast.max(1);
        Self {
            fast_period: fast,
            recent: Ring::new(fast),
            fast: None,
            slow: Ema::new(slow.max(1)),
            signal: Ema::new(signal.max(1)),
            value: None,
        }
    }
    #[inline]
    pub fn next(&mut self, x: f64) -> Option<MacdValue> {
        let slow = self.slow.next(x);
        let fast = match &mut self.fast {
            Some(f) => f.next(x),
            None => {
                self.recent.push(x);
                slow?;
                // One-off seed: the mean of the last `fast` closes, summed oldest first.
                let mut sum = 0.0;
                for v in self.recent.iter() {
                    sum += v;
                }
                let seed = sum / self.fast_period as f64;
                self.fast = Some(Ema::seeded(self.fast_period, seed));
                Some(seed)
            }
        };
        let line = fast? - slow?;
        let signal = self.signal.next(line)?;
        self.value = Some(MacdValue { macd: line, signal, hist: line - signal });
        self.value
    }
    pub fn value(&self) -> Option<MacdValue> {
        self.value
    }
}

/// Range of RSI below which the stochastic is undefined (rounding noise, not movement).
pub const STOCH_RSI_MIN_RANGE: f64 = 1e-9;

/// Stochastic RSI as charting tools define it: `%K = SMA(k_smooth)` of the `stoch`-period
/// stochastic of RSI, `%D = SMA(d_smooth)` of `%K`. When RSI has not moved over the window
/// (range below [`STOCH_RSI_MIN_RANGE`]) the stochastic is undefined and so are the averages that
/// include it.
#[derive(Debug, Clone)]
pub struct StochRsi {
    rsi: Rsi,
    highest: Extremum,
    lowest: Extremum,
    stochs: Ring,
    stoch_run: usize,
    ks: Ring,
    k_run: usize,
    value: (Option<f64>, Option<f64>),
}

impl StochRsi {
    pub fn new(rsi_period: usize, stoch_period: usize, k_smooth: usize, d_smooth: usize) -> Self {
        Self {
            rsi: Rsi::new(rsi_period),
            highest: Extremum::max(stoch_period),
            lowest: Extremum::min(stoch_period),
            stochs: Ring::new(k_smooth.max(1)),
            stoch_run: 0,
            ks: Ring::new(d_smooth.max(1)),
            k_run: 0,
            value: (None, None),
        }
    }
    /// Feeds one close; returns `(%K, %D)`.
    #[inline]
    pub fn next(&mut self, close: f64) -> (Option<f64>, Option<f64>) {
        let rsi = self.rsi.next(close);
        self.next_rsi(rsi)
    }
    /// Feeds an RSI computed elsewhere (with the same period) instead of a close, so a set that
    /// already has RSI does not compute it twice. Use either this or [`StochRsi::next`].
    #[inline]
    pub fn next_rsi(&mut self, rsi: Option<f64>) -> (Option<f64>, Option<f64>) {
        let Some(rsi) = rsi else {
            return (None, None);
        };
        let (hh, ll) = (self.highest.next(rsi), self.lowest.next(rsi));
        let stoch = match (hh, ll) {
            (Some(hh), Some(ll)) if hh - ll > STOCH_RSI_MIN_RANGE => Some(100.0 * (rsi - ll) / (hh - ll)),
            _ => None,
        };
        let k = mean_of_run(&mut self.stochs, &mut self.stoch_run, stoch);
        let d = mean_of_run(&mut self.ks, &mut self.k_run, k);
        self.value = (k, d);
        self.value
    }
    pub fn value(&self) -> (Option<f64>, Option<f64>) {
        self.value
    }
}

/// Pushes `x` and returns the ring's mean when its last `capacity` inputs were all defined.
#[inline]
fn mean_of_run(ring: &mut Ring, run: &mut usize, x: Option<f64>) -> Option<f64> {
    let Some(x) = x else {
        *run = 0;
        return None;
    };
    ring.push(x);
    *run += 1;
    if *run < ring.capacity() {
        return None;
    }
    let n = ring.capacity();
    let mut sum = ring.get(0);
    for i in 1..n {
        sum += ring.get(i);
    }
    Some(sum / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsi_by_hand() {
        let mut r = Rsi::new(2);
        assert_eq!(r.next(10.0), None);
        assert_eq!(r.next(11.0), None); // +1
                                        // −0.5: gain 1/2 = 0.5, loss 0.5/2 = 0.25 -> 100·0.5/0.75
        assert_eq!(r.next(10.5), Some(100.0 * (0.5 / 0.75)));
        // +2: gain (0.5·1 + 2)/2 = 1.25, loss 0.25/2 = 0.125 -> 100·1.25/1.375
        assert_eq!(r.next(12.5), Some(100.0 * (1.25 / 1.375)));
    }

    #[test]
    fn rsi_without_movement_is_zero() {
        let mut r = Rsi::new(3);
        for _ in 0..3 {
            assert_eq!(r.next(5.0), None);
        }
        assert_eq!(r.next(5.0), Some(0.0));
    }

    #[test]
    fn macd_waits_for_signal_and_seeds_fast_late() {
        // fast 2, slow 3, signal 2: slow's first value at bar 2, signal's at bar 3.
        let mut m = Macd::new(2, 3, 2);
        assert_eq!(m.next(1.0), None);
        assert_eq!(m.next(2.0), None);
        // bar 2: slow = 2, fast seeded with mean(2, 3) = 2.5 (not the EMA started at bar 1), line 0.5
        assert_eq!(m.next(3.0), None);
        // bar 3: slow = 2 + 0.5·(5 − 2) = 3.5, fast = 2.5 + (2/3)(5 − 2.5) = 25/6, line = 2/3;
        // signal = mean(0.5, 2/3) = 7/12, hist = 1/12
        let v = m.next(5.0).unwrap();
        assert!((v.macd - 2.0 / 3.0).abs() < 1e-15);
        assert!((v.signal - 7.0 / 12.0).abs() < 1e-15);
        assert!((v.hist - 1.0 / 12.0).abs() < 1e-15);
    }

    #[test]
    fn stoch_rsi_flat_is_undefined_then_recovers() {
        let mut s = StochRsi::new(2, 2, 1, 1);
        // Flat closes: RSI 0 throughout, range 0 -> undefined.
        for _ in 0..5 {
            assert_eq!(s.next(1.0), (None, None));
        }
        // Rise: RSI jumps to 100 with the window [0, 100] -> stochastic 100.
        assert_eq!(s.next(2.0), (Some(100.0), Some(100.0)));
    }
}
