//! Fixed-capacity rolling windows: a ring buffer of the last `n` values and a monotonic deque that
//! gives the window's maximum or minimum in O(1) amortised. Allocated once, never per value.

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

/// Maximum (or minimum) of the last `period` values with a monotonic deque: each value enters and
/// leaves the deque once, so a step is O(1) amortised.
#[derive(Debug, Clone)]
pub struct Extremum {
    period: u64,
    want_max: bool,
    /// Capacity − 1; the capacity is a power of two so slots are masked, not divided.
    mask: usize,
    /// (sequence number, value) pairs, values monotonic from front (the extremum) to back.
    idx: Box<[u64]>,
    val: Box<[f64]>,
    /// Front and back positions as free-running counters (slot = counter & mask).
    head: usize,
    tail: usize,
    seq: u64,
}

impl Extremum {
    pub fn max(period: usize) -> Self {
        Self::new(period, true)
    }
    pub fn min(period: usize) -> Self {
        Self::new(period, false)
    }
    fn new(period: usize, want_max: bool) -> Self {
        let period = period.max(1);
        let cap = period.next_power_of_two();
        Self {
            period: period as u64,
            want_max,
            mask: cap - 1,
            idx: vec![0; cap].into_boxed_slice(),
            val: vec![0.0; cap].into_boxed_slice(),
            head: 0,
            tail: 0,
            seq: 0,
        }
    }
    /// Adds `x`; returns the extremum of the last `period` values once that many were seen.
    #[inline]
    pub fn next(&mut self, x: f64) -> Option<f64> {
        let seq = self.seq;
        self.seq += 1;
        // Drop the front when it has left the window.
        if self.head != self.tail && self.idx[self.head & self.mask] + self.period <= seq {
            self.head = self.head.wrapping_add(1);
        }
        // Drop values from the back that can never be the extremum again.
        while self.head != self.tail {
            let back = self.val[self.tail.wrapping_sub(1) & self.mask];
            let dominated = if self.want_max { back <= x } else { back >= x };
            if !dominated {
                break;
            }
            self.tail = self.tail.wrapping_sub(1);
        }
        let s = self.tail & self.mask;
        self.idx[s] = seq;
        self.val[s] = x;
        self.tail = self.tail.wrapping_add(1);
        if self.seq >= self.period {
            Some(self.val[self.head & self.mask])
        } else {
            None
        }
    }
    pub fn clear(&mut self) {
        self.head = 0;
        self.tail = 0;
        self.seq = 0;
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
}
