//! Fixed-capacity rolling windows: a ring buffer of the last `n` values and a block-decomposed
//! rolling maximum/minimum (O(1) amortised, branch-free per value), allocated once, never per
//! value; and the fixed-array pieces the fused default set shares (`RING`, `WmaSums`, `MaxMin`).

/// The last `capacity` values, oldest first; pushing into a full ring evicts the oldest.
#[derive(Debug, Clone)]
pub struct Ring {
    buf: Box<[f64]>,
    head: usize,
    len: usize,
}

impl Ring {
    pub fn new(capacity: usize) -> Self {
        Self { buf: vec![0.0; capacity.max(1)].into_boxed_slice(), head: 0, len: 0 }
    }
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn is_full(&self) -> bool {
        self.len == self.buf.len()
    }
    /// Adds `x`; returns the value it evicted when the ring was full.
    #[inline]
    pub fn push(&mut self, x: f64) -> Option<f64> {
        let cap = self.buf.len();
        if self.len < cap {
            let mut i = self.head + self.len;
            if i >= cap {
                i -= cap;
            }
            self.buf[i] = x;
            self.len += 1;
            None
        } else {
            let old = std::mem::replace(&mut self.buf[self.head], x);
            self.head += 1;
            if self.head == cap {
                self.head = 0;
            }
            Some(old)
        }
    }
    /// The `i`-th value, oldest first.
    #[inline]
    pub fn get(&self, i: usize) -> f64 {
        let cap = self.buf.len();
        let mut j = self.head + i;
        if j >= cap {
            j -= cap;
        }
        self.buf[j]
    }
    /// Values oldest first.
    pub fn iter(&self) -> impl Iterator<Item = f64> + '_ {
        (0..self.len).map(move |i| self.get(i))
    }
    pub fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }
}

/// Maximum (or minimum) of the last `period` values, van Herk/Gil-Werman style: the stream is cut
/// into blocks of `period` values; the window ending at position `p` of the current block is the
/// tail `p+1..` of the previous block plus the head `..=p` of the current one, so its extremum is
/// `max(suffix_max(previous block)[p+1], prefix_max(current block))`. The suffix maxima are
/// rebuilt once per block (`period` steps every `period` values), so a step is O(1) amortised and,
/// unlike a monotonic deque, has no data-dependent branch to mispredict. Minima are the negated
/// maxima of the negated values (negation is exact).
#[derive(Debug, Clone)]
pub struct Extremum {
    period: usize,
    /// −1 for a minimum (values are stored negated), +1 for a maximum.
    sign: f64,
    /// Values of the current block, by position (the previous block's where not yet overwritten).
    block: Box<[f64]>,
    /// `suffix[j]` = max of the previous block's values `j..period`; `suffix[period]` = −∞.
    suffix: Box<[f64]>,
    prefix: f64,
    pos: usize,
    seen: u64,
}

impl Extremum {
    pub fn max(period: usize) -> Self {
        Self::new(period, 1.0)
    }
    pub fn min(period: usize) -> Self {
        Self::new(period, -1.0)
    }
    fn new(period: usize, sign: f64) -> Self {
        let period = period.max(1);
        Self {
            period,
            sign,
            block: vec![f64::NEG_INFINITY; period].into_boxed_slice(),
            suffix: vec![f64::NEG_INFINITY; period + 1].into_boxed_slice(),
            prefix: f64::NEG_INFINITY,
            pos: 0,
            seen: 0,
        }
    }
    /// Rebuilds the suffix maxima from the block just completed.
    fn close_block(&mut self) {
        let mut m = f64::NEG_INFINITY;
        for j in (0..self.period).rev() {
            m = self.block[j].max(m);
            self.suffix[j] = m;
        }
    }
    /// Adds `x`; returns the extremum of the last `period` values once that many were seen.
    #[inline]
    pub fn next(&mut self, x: f64) -> Option<f64> {
        let v = self.sign * x;
        let p = self.pos;
        if p == 0 {
            if self.seen > 0 {
                self.close_block();
            }
            self.prefix = v;
        } else {
            self.prefix = self.prefix.max(v);
        }
        self.block[p] = v;
        let m = self.suffix[p + 1].max(self.prefix);
        self.pos = if p + 1 == self.period { 0 } else { p + 1 };
        self.seen += 1;
        (self.seen >= self.period as u64).then_some(self.sign * m)
    }
    pub fn clear(&mut self) {
        self.block.fill(f64::NEG_INFINITY);
        self.suffix.fill(f64::NEG_INFINITY);
        self.prefix = f64::NEG_INFINITY;
        self.pos = 0;
        self.seen = 0;
    }
}

/// Capacity of the fixed rings of the fused default set: a power of two at least as long as its
/// longest window (26 closes), so an index is masked instead of wrapped by a branch.
pub(crate) const RING: usize = 32;
const RING_MASK: usize = RING - 1;

/// The value `back` places before the `idx`-th of a series stored by index in a [`RING`]-long
/// array (`back` < [`RING`], `idx` ≥ `back`).
#[inline(always)]
pub(crate) fn ring_at(ring: &[f64; RING], idx: usize, back: usize) -> f64 {
    ring[idx.wrapping_sub(back) & RING_MASK]
}

/// Stores the `idx`-th value of a series in a [`RING`]-long array.
#[inline(always)]
pub(crate) fn ring_put<T>(ring: &mut [T; RING], idx: usize, x: T) {
    ring[idx & RING_MASK] = x;
}

/// The running sums of a WMA of period `P` over a series kept in a shared ring (the fused set's
/// closes feed WMA(20), the Hull's WMA(10) and WMA(20) from one ring). Same operations in the
/// same order as [`crate::indicators::Wma`], so the same bits.
#[derive(Debug, Clone, Default)]
pub(crate) struct WmaSums {
    seen: usize,
    sub: f64,
    sum: f64,
    trailing: f64,
    since_resync: usize,
}

impl WmaSums {
    /// `ring` already holds `x` as the `idx`-th value of the series (the first is 0).
    #[inline(always)]
    pub(crate) fn step<const P: usize>(&mut self, ring: &[f64; RING], idx: usize, x: f64) -> Option<f64> {
        if self.seen + 1 < P {
            self.seen += 1;
            self.sub += x;
            self.sum += x * self.seen as f64;
            return None;
        }
        self.seen = P;
        self.sub += x;
        self.sub -= self.trailing;
        self.sum += x * P as f64;
        self.trailing = ring_at(ring, idx, P - 1);
        let out = self.sum / (P * (P + 1) / 2) as f64;
        self.sum -= self.sub;
        self.since_resync += 1;
        if self.since_resync == P {
            self.resync::<P>(ring, idx);
        }
        Some(out)
    }
    /// Both sums recomputed from the window every `P` outputs (as `Wma` does), oldest first.
    #[inline]
    fn resync<const P: usize>(&mut self, ring: &[f64; RING], idx: usize) {
        self.since_resync = 0;
        let (mut sub, mut sum) = (0.0, 0.0);
        for j in 0..P {
            let v = ring_at(ring, idx, P - 1 - j);
            sub += v;
            sum += v * j as f64;
        }
        self.sub = sub;
        self.sum = sum;
    }
}

/// Window length of [`MaxMin`] (the set's StochRSI and Choppiness periods).
pub(crate) const MAXMIN_PERIOD: usize = 14;

#[inline(always)]
fn fmax(a: f64, b: f64) -> f64 {
    if a > b {
        a
    } else {
        b
    }
}

#[inline(always)]
fn fmin(a: f64, b: f64) -> f64 {
    if a < b {
        a
    } else {
        b
    }
}

/// The maximum of one stream and the minimum of another over the same last
/// [`MAXMIN_PERIOD`] positions, with [`Extremum`]'s block scheme on fixed arrays (no NaN inputs:
/// a plain comparison picks the extremum).
#[derive(Debug, Clone)]
pub(crate) struct MaxMin {
    block_hi: [f64; MAXMIN_PERIOD],
    block_lo: [f64; MAXMIN_PERIOD],
    suffix_hi: [f64; MAXMIN_PERIOD + 1],
    suffix_lo: [f64; MAXMIN_PERIOD + 1],
    prefix_hi: f64,
    prefix_lo: f64,
    pos: usize,
    seen: usize,
}

impl Default for MaxMin {
    fn default() -> Self {
        Self {
            block_hi: [f64::NEG_INFINITY; MAXMIN_PERIOD],
            block_lo: [f64::INFINITY; MAXMIN_PERIOD],
            suffix_hi: [f64::NEG_INFINITY; MAXMIN_PERIOD + 1],
            suffix_lo: [f64::INFINITY; MAXMIN_PERIOD + 1],
            prefix_hi: f64::NEG_INFINITY,
            prefix_lo: f64::INFINITY,
            pos: 0,
            seen: 0,
        }
    }
}

impl MaxMin {
    /// Adds `hi` and `lo`; returns (max of the `hi`s, min of the `lo`s) over the window, which
    /// mean something once [`MAXMIN_PERIOD`] pairs were seen.
    #[inline(always)]
    pub(crate) fn next(&mut self, hi: f64, lo: f64) -> (f64, f64) {
        let p = self.pos;
        if p == 0 {
            if self.seen > 0 {
                self.close_block();
            }
            self.prefix_hi = hi;
            self.prefix_lo = lo;
        } else {
            self.prefix_hi = fmax(self.prefix_hi, hi);
            self.prefix_lo = fmin(self.prefix_lo, lo);
        }
        self.block_hi[p] = hi;
        self.block_lo[p] = lo;
        let out = (fmax(self.suffix_hi[p + 1], self.prefix_hi), fmin(self.suffix_lo[p + 1], self.prefix_lo));
        self.pos = if p + 1 == MAXMIN_PERIOD { 0 } else { p + 1 };
        self.seen += 1;
        out
    }
    pub(crate) fn seen(&self) -> usize {
        self.seen
    }
    fn close_block(&mut self) {
        let (mut hi, mut lo) = (f64::NEG_INFINITY, f64::INFINITY);
        for j in (0..MAXMIN_PERIOD).rev() {
            hi = fmax(self.block_hi[j], hi);
            lo = fmin(self.block_lo[j], lo);
            self.suffix_hi[j] = hi;
            self.suffix_lo[j] = lo;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_evicts_oldest_and_reads_in_order() {
        let mut r = Ring::new(3);
        assert_eq!(r.push(1.0), None);
        assert_eq!(r.push(2.0), None);
        assert_eq!(r.push(3.0), None);
        assert!(r.is_full());
        assert_eq!(r.push(4.0), Some(1.0));
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![2.0, 3.0, 4.0]);
        assert_eq!(r.get(0), 2.0);
    }

    #[test]
    fn extremum_tracks_window_max_and_min() {
        let xs = [5.0, 1.0, 4.0, 2.0, 3.0, 0.5, 6.0];
        let mut mx = Extremum::max(3);
        let mut mn = Extremum::min(3);
        let got_max: Vec<_> = xs.iter().map(|&x| mx.next(x)).collect();
        let got_min: Vec<_> = xs.iter().map(|&x| mn.next(x)).collect();
        assert_eq!(got_max, vec![None, None, Some(5.0), Some(4.0), Some(4.0), Some(3.0), Some(6.0)]);
        assert_eq!(got_min, vec![None, None, Some(1.0), Some(1.0), Some(2.0), Some(0.5), Some(0.5)]);
    }

    #[test]
    fn extremum_min_and_period_one_match_brute_force_across_blocks() {
        // Periods 1, 4 and 7 over 300 values with ties and sign changes: every block boundary
        // (position 0 of a block) and every position inside one is checked.
        for period in [1usize, 4, 7] {
            let (mut mx, mut mn) = (Extremum::max(period), Extremum::min(period));
            let mut hist = Vec::new();
            for i in 0..300i64 {
                let v = ((i * 37) % 11 - 5) as f64 * 0.5;
                hist.push(v);
                let (gmax, gmin) = (mx.next(v), mn.next(v));
                if hist.len() < period {
                    assert_eq!((gmax, gmin), (None, None));
                    continue;
                }
                let w = &hist[hist.len() - period..];
                assert_eq!(gmax, Some(w.iter().cloned().fold(f64::MIN, f64::max)), "max p={period} i={i}");
                assert_eq!(gmin, Some(w.iter().cloned().fold(f64::MAX, f64::min)), "min p={period} i={i}");
            }
        }
    }

    #[test]
    fn extremum_matches_brute_force() {
        let mut mx = Extremum::max(5);
        let mut x = 0.3_f64;
        let mut hist = Vec::new();
        for _ in 0..500 {
            x = (x * 3.9 * (1.0 - x)).clamp(0.0, 1.0);
            let v = (x * 10.0).round();
            hist.push(v);
            let got = mx.next(v);
            if hist.len() >= 5 {
                let want = hist[hist.len() - 5..].iter().cloned().fold(f64::MIN, f64::max);
                assert_eq!(got, Some(want));
            }
        }
    }
    #[test]
    fn maxmin_matches_brute_force_and_wma_sums_match_wma() {
        let mut mm = MaxMin::default();
        let mut ring = [0.0; RING];
        let (mut sums, mut wma) = (WmaSums::default(), crate::indicators::Wma::new(5));
        let mut hist = Vec::new();
        let mut x = 0.3_f64;
        for i in 0..400usize {
            x = (x * 3.9 * (1.0 - x)).clamp(0.0, 1.0);
            let v = (x * 20.0).round() * 0.25 + 1000.0;
            hist.push(v);
            let (hi, lo) = mm.next(v, v - 1.0);
            if hist.len() >= MAXMIN_PERIOD {
                let w = &hist[hist.len() - MAXMIN_PERIOD..];
                assert_eq!(hi, w.iter().cloned().fold(f64::MIN, f64::max), "max i={i}");
                assert_eq!(lo, w.iter().cloned().fold(f64::MAX, f64::min) - 1.0, "min i={i}");
            }
            ring_put(&mut ring, i, v);
            let got = sums.step::<5>(&ring, i, v);
            assert_eq!(got.map(f64::to_bits), wma.next(v).map(f64::to_bits), "wma i={i}");
        }
        assert_eq!(mm.seen(), 400);
    }
}
