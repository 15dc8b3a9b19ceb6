//! Volatility state of one symbol: ATR% (ATR over close), realised volatility (standard deviation
//! of log returns over a window, annualised) and where the current realised volatility ranks among
//! its own recent history (a percentile over a Fenwick tree of log-spaced bins, O(log bins)).

use crate::indicators::Ring;

/// Log-spaced histogram bins per octave of annualised volatility.
const BINS_PER_OCTAVE: f64 = 8.0;
/// Number of bins (power of two for the Fenwick tree): 256 bins / 8 per octave = 32 octaves.
const BINS: usize = 256;
/// Annualised volatility mapped to bin 0 (2^-16 ≈ 0.0015 %); everything below clamps there.
const LOG2_FLOOR: f64 = -16.0;

/// Realised-volatility percentile over the last `capacity` values: a ring of bin indices, the
/// bin counts and a Fenwick tree over them, so adding, evicting and ranking are each O(log 256).
/// The count of the value's own bin is read from `counts` (no second tree query), and when the
/// evicted value sat in the same bin as the new one the tree is left as it is.
#[derive(Debug, Clone)]
pub struct VolPercentile {
    ring: Box<[u8]>,
    head: usize,
    len: usize,
    counts: Box<[u32; BINS]>,
    tree: Box<[u32; BINS + 1]>,
    /// Smallest and largest value seen in each bin, and the bin of the previous value: `bin` is
    /// monotone, so a value between two values of one bin is in that bin, and the `log2` is
    /// skipped when the new value falls in the previous value's seen range.
    seen_lo: Box<[f64; BINS]>,
    seen_hi: Box<[f64; BINS]>,
    last_bin: u8,
}

impl VolPercentile {
    pub fn new(capacity: usize) -> Self {
        Self {
            ring: vec![0; capacity.max(1)].into_boxed_slice(),
            head: 0,
            len: 0,
            counts: Box::new([0; BINS]),
            tree: Box::new([0; BINS + 1]),
            seen_lo: Box::new([f64::INFINITY; BINS]),
            seen_hi: Box::new([f64::NEG_INFINITY; BINS]),
            last_bin: 0,
        }
    }
    /// Bin of a (positive) volatility: monotone in `v`, 1/8 octave wide (≈ 9 % steps).
    #[inline]
    fn bin(v: f64) -> u8 {
        if !(v > 0.0) {
            return 0;
        }
        let b = (v.log2() - LOG2_FLOOR) * BINS_PER_OCTAVE;
        if b <= 0.0 {
            0
        } else if b >= (BINS - 1) as f64 {
            (BINS - 1) as u8
        } else {
            b as u8
        }
    }
    #[inline]
    fn add(&mut self, bin: usize, delta: i32) {
        let mut i = bin + 1;
        while i <= BINS {
            self.tree[i] = (self.tree[i] as i32 + delta) as u32;
            i += i & i.wrapping_neg();
        }
    }
    /// Number of stored values in bins `< bin`.
    #[inline]
    fn below(&self, bin: usize) -> u32 {
        let (mut i, mut s) = (bin, 0);
        while i > 0 {
            s += self.tree[i];
            i &= i - 1;
        }
        s
    }
    /// Adds `v` and returns its mid-rank percentile in [0, 1] among the stored values (itself
    /// included): `(count below + ½·count in the same bin) / n`. Equal values give 0.5.
    #[inline]
    pub fn push(&mut self, v: f64) -> f64 {
        let last = self.last_bin as usize;
        let b = if v >= self.seen_lo[last] && v <= self.seen_hi[last] {
            self.last_bin
        } else {
            let b = Self::bin(v);
            if !v.is_nan() {
                let i = b as usize;
                self.seen_lo[i] = self.seen_lo[i].min(v);
                self.seen_hi[i] = self.seen_hi[i].max(v);
            }
            b
        };
        self.last_bin = b;
        let cap = self.ring.len();
        let old = if self.len == cap {
            let old = self.ring[self.head];
            self.counts[old as usize] -= 1;
            Some(old)
        } else {
            self.len += 1;
            None
        };
        self.ring[self.head] = b;
        self.head = if self.head + 1 == cap { 0 } else { self.head + 1 };
        self.counts[b as usize] += 1;
        match old {
            Some(o) if o == b => {}
            Some(o) => {
                self.add(o as usize, -1);
                self.add(b as usize, 1);
            }
            None => self.add(b as usize, 1),
        }
        let below = self.below(b as usize) as f64;
        let same = self.counts[b as usize] as f64;
        (below + 0.5 * same) / self.len as f64
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// One step of the volatility tracker.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct VolSnapshot {
    /// ATR / close (a fraction; 0.001 = 10 bp), when ATR is known.
    pub atr_pct: Option<f64>,
    /// Annualised realised volatility (fraction; 0.5 = 50 %/yr) once the window is full.
    pub realized_vol: Option<f64>,
    /// Rank of `realized_vol` among its last `history` values, in [0, 1].
    pub percentile: Option<f64>,
    /// `realized_vol` over its slow EMA (about the history length); > 1 means above normal.
    pub vol_ratio: Option<f64>,
}

/// ATR%, realised volatility and its percentile; O(1) + O(log 256) per bar, no allocation.
#[derive(Debug, Clone)]
pub struct VolatilityTracker {
    returns: Ring,
    sum: f64,
    sum_sq: f64,
    prev_close: Option<f64>,
    annualise: f64,
    pct: VolPercentile,
    slow_alpha: f64,
    slow: Option<f64>,
    snap: VolSnapshot,
}

impl VolatilityTracker {
    /// `window` log returns per realised-vol value, `history` values per percentile,
    /// `bars_per_year` to annualise (525,600 for 1-minute bars).
    pub fn new(window: usize, history: usize, bars_per_year: f64) -> Self {
        Self {
            returns: Ring::new(window.max(2)),
            sum: 0.0,
            sum_sq: 0.0,
            prev_close: None,
            annualise: bars_per_year.max(1.0).sqrt(),
            pct: VolPercentile::new(history),
            slow_alpha: 2.0 / (history.max(1) as f64 + 1.0),
            slow: None,
            snap: VolSnapshot::default(),
        }
    }
    /// Feeds one closed bar's close and the ATR of the indicator set (if warmed up).
    #[inline]
    pub fn update(&mut self, close: f64, atr: Option<f64>) -> VolSnapshot {
        self.snap.atr_pct = match atr {
            Some(a) if close > 0.0 => Some(a / close),
            _ => None,
        };
        let prev = self.prev_close.replace(close);
        let r = match prev {
            Some(p) if p > 0.0 && close > 0.0 => (close / p).ln(),
            Some(_) => 0.0,
            None => return self.snap,
        };
        if let Some(old) = self.returns.push(r) {
            self.sum -= old;
            self.sum_sq -= old * old;
        }
        self.sum += r;
        self.sum_sq += r * r;
        if !self.returns.is_full() {
            return self.snap;
        }
        let n = self.returns.len() as f64;
        let var = ((self.sum_sq - self.sum * self.sum / n) / (n - 1.0)).max(0.0);
        let rv = var.sqrt() * self.annualise;
        self.snap.realized_vol = Some(rv);
        self.snap.percentile = Some(self.pct.push(rv));
        let slow = match self.slow {
            Some(s) => s + self.slow_alpha * (rv - s),
            None => rv,
        };
        self.slow = Some(slow);
        self.snap.vol_ratio = if slow > 0.0 { Some(rv / slow) } else { Some(1.0) };
        self.snap
    }
    pub fn snapshot(&self) -> VolSnapshot {
        self.snap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_of_known_sequence() {
        // Values 1..=10 are each in their own bin (steps of ≥ 10 % > one bin of 9 %).
        let mut p = VolPercentile::new(10);
        let mut last = 0.0;
        for v in 1..=10 {
            last = p.push(v as f64 * 0.1);
        }
        // 1.0 is the largest of 10: 9 below + ½ of itself = 9.5 / 10.
        assert!((last - 0.95).abs() < 1e-12, "{last}");
        // Push 0.05: evicts 0.1; below it none, itself ½ → 0.05.
        assert!((p.push(0.05) - 0.05).abs() < 1e-12);
        // Push 0.45: window is 0.3..1.0, 0.05, 0.45 → below: 0.05, 0.3, 0.4 = 3 → 3.5/10.
        assert!((p.push(0.45) - 0.35).abs() < 1e-12);
        // Equal values rank in the middle.
        let mut q = VolPercentile::new(4);
        for _ in 0..4 {
            q.push(0.2);
        }
        assert!((q.push(0.2) - 0.5).abs() < 1e-12);
        assert_eq!(q.len(), 4);
    }

    #[test]
    fn cached_bins_match_a_plain_recount() {
        // A slowly drifting, sometimes jumping series (and a few odd values) through a window of
        // 7: each percentile must equal the one counted from the bins of the stored values.
        let mut p = VolPercentile::new(7);
        let mut kept: Vec<f64> = vec![];
        let mut v = 0.3;
        for i in 0..400 {
            v *= if i % 37 == 0 {
                1.9
            } else if i % 11 == 0 {
                0.6
            } else {
                1.01
            };
            let x = match i % 97 {
                5 => 0.0,
                6 => -1.0,
                7 => f64::NAN,
                _ => v,
            };
            let got = p.push(x);
            kept.push(x);
            if kept.len() > 7 {
                kept.remove(0);
            }
            let b = VolPercentile::bin(x);
            let below = kept.iter().filter(|&&y| VolPercentile::bin(y) < b).count() as f64;
            let same = kept.iter().filter(|&&y| VolPercentile::bin(y) == b).count() as f64;
            assert_eq!(got, (below + 0.5 * same) / kept.len() as f64, "step {i}");
        }
    }

    #[test]
    fn realised_vol_of_alternating_returns() {
        // Closes alternate 100, 101, 100, 101 …: log returns ±ln(1.01), mean ≈ 0 over an even
        // window, sample std = |ln 1.01|·sqrt(n/(n−1)) for n = 4 (mean exactly 0).
        let mut t = VolatilityTracker::new(4, 10, 1.0);
        let mut s = VolSnapshot::default();
        for i in 0..5 {
            s = t.update(if i % 2 == 0 { 100.0 } else { 101.0 }, Some(2.0));
        }
        let r = (1.01f64).ln();
        let want = r * (4.0f64 / 3.0).sqrt();
        assert!((s.realized_vol.unwrap() - want).abs() < 1e-12);
        assert_eq!(s.atr_pct, Some(0.02));
        assert_eq!(s.percentile, Some(0.5));
    }

    #[test]
    fn flat_and_zero_prices_do_not_panic() {
        let mut t = VolatilityTracker::new(3, 5, 525_600.0);
        for c in [0.0, 0.0, 5.0, 5.0, 5.0, 5.0, 0.0] {
            let s = t.update(c, None);
            if let Some(v) = s.realized_vol {
                assert!(v.is_finite());
            }
        }
    }
}
