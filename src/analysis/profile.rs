//! Rolling volume profile: each bar's volume goes to the price bin of its typical price; bins are
//! `bin_width` wide (absolute price, fixed from the first bar) and kept in a circular array indexed
//! by `bin mod slots`, so adding and evicting a bar is O(1). High-volume nodes are found on demand.

/// One high-volume price bin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VolumeNode {
    /// Bin centre.
    pub price: f64,
    pub volume: f64,
    /// Share of the window's volume in this bin.
    pub share: f64,
}

/// Point of control and value area of the profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValueArea {
    /// Centre of the bin with the most volume.
    pub poc: f64,
    /// Top of the highest and bottom of the lowest bin of the value area.
    pub vah: f64,
    pub val: f64,
    /// Share of the window's volume inside [val, vah] (≥ the requested share unless the bins ran out).
    pub share: f64,
}

/// Volume by price over the last `window` bars.
///
/// A slot holds one bin key; if the window's price range spans more than `slots` bins, a new bin
/// takes over a slot of an old one (its volume is dropped). `slots` = 1,024 bins of 10 bp cover a
/// ±50 % move, far more than a day of 1-minute bars moves.
#[derive(Debug, Clone)]
pub struct VolumeProfile {
    bin_bp: f64,
    width: f64,
    keys: Box<[i64]>,
    vols: Box<[f64]>,
    hist_key: Box<[i64]>,
    hist_vol: Box<[f64]>,
    head: usize,
    len: usize,
    total: f64,
}

const SLOTS: usize = 1024;

/// `x.floor() as i64` without the `floor` library call (the baseline x86-64 target has no
/// rounding instruction): truncate, then step down when truncation rounded a negative value up.
/// Saturates like `as i64`; NaN gives 0, as `NaN.floor() as i64` does.
#[inline]
fn floor_i64(x: f64) -> i64 {
    let t = x as i64;
    if (t as f64) > x {
        t.saturating_sub(1)
    } else {
        t
    }
}

impl VolumeProfile {
    /// `window` bars, bins `bin_bp` basis points of the first price wide.
    pub fn new(window: usize, bin_bp: f64) -> Self {
        let w = window.max(1);
        Self {
            bin_bp: bin_bp.max(0.01),
            width: 0.0,
            keys: vec![i64::MIN; SLOTS].into_boxed_slice(),
            vols: vec![0.0; SLOTS].into_boxed_slice(),
            hist_key: vec![i64::MIN; w].into_boxed_slice(),
            hist_vol: vec![0.0; w].into_boxed_slice(),
            head: 0,
            len: 0,
            total: 0.0,
        }
    }
    #[inline]
    fn slot(key: i64) -> usize {
        key.rem_euclid(SLOTS as i64) as usize
    }
    /// Adds one bar's volume at `price` (its typical price); non-finite or negative input is
    /// recorded as zero volume.
    #[inline]
    pub fn update(&mut self, price: f64, volume: f64) {
        if self.width <= 0.0 && price > 0.0 && price.is_finite() {
            self.width = price * self.bin_bp * 1e-4;
        }
        let vol = if volume.is_finite() && volume > 0.0 { volume } else { 0.0 };
        let key = if self.width > 0.0 && price.is_finite() { floor_i64(price / self.width) } else { i64::MIN };
        let cap = self.hist_key.len();
        if self.len == cap {
            let (ok, ov) = (self.hist_key[self.head], self.hist_vol[self.head]);
            let s = Self::slot(ok);
            if ok != i64::MIN && self.keys[s] == ok {
                self.vols[s] = (self.vols[s] - ov).max(0.0);
                self.total = (self.total - ov).max(0.0);
            }
        } else {
            self.len += 1;
        }
        self.hist_key[self.head] = key;
        self.hist_vol[self.head] = vol;
        self.head = if self.head + 1 == cap { 0 } else { self.head + 1 };
        if key == i64::MIN {
            return;
        }
        let s = Self::slot(key);
        if self.keys[s] != key {
            self.total -= self.vols[s];
            self.keys[s] = key;
            self.vols[s] = 0.0;
        }
        self.vols[s] += vol;
        self.total += vol;
    }
    /// Total volume in the window.
    pub fn total(&self) -> f64 {
        self.total
    }
    /// Volume of the bin holding `price`.
    pub fn volume_at(&self, price: f64) -> f64 {
        if self.width <= 0.0 {
            return 0.0;
        }
        let key = floor_i64(price / self.width);
        let s = Self::slot(key);
        if self.keys[s] == key {
            self.vols[s]
        } else {
            0.0
        }
    }
    /// Point of control and the value area holding at least `share` of the volume (0.7 is the
    /// usual choice): starting at the POC bin, the area grows one bin at a time towards the
    /// neighbour with more volume (up on a tie) until it holds `share`. O(slots), no allocation.
    pub fn value_area(&self, share: f64) -> Option<ValueArea> {
        if self.total <= 0.0 || self.width <= 0.0 {
            return None;
        }
        let mut poc: Option<(i64, f64)> = None;
        for s in 0..SLOTS {
            let (k, v) = (self.keys[s], self.vols[s]);
            if k != i64::MIN && v > 0.0 && poc.is_none_or(|(pk, pv)| v > pv || (v == pv && k < pk)) {
                poc = Some((k, v));
            }
        }
        let (pk, pv) = poc?;
        let vol_of = |key: i64| {
            let s = Self::slot(key);
            if self.keys[s] == key {
                self.vols[s]
            } else {
                0.0
            }
        };
        let target = share.clamp(0.0, 1.0) * self.total;
        let (mut lo, mut hi, mut sum) = (pk, pk, pv);
        // At most SLOTS bins can hold volume, so 2·SLOTS steps always suffice.
        for _ in 0..2 * SLOTS {
            if sum >= target * (1.0 - 1e-12) {
                break;
            }
            let (up, down) = (vol_of(hi + 1), vol_of(lo - 1));
            if up >= down {
                hi += 1;
                sum += up;
            } else {
                lo -= 1;
                sum += down;
            }
        }
        Some(ValueArea {
            poc: (pk as f64 + 0.5) * self.width,
            vah: (hi + 1) as f64 * self.width,
            val: lo as f64 * self.width,
            share: (sum / self.total).min(1.0),
        })
    }
    /// Up to `k` high-volume nodes, largest first: bins that are local maxima (no more volume
    /// than either neighbour bin) with at least twice the mean volume of the non-empty bins.
    /// O(slots); meant for the UI, not per candle.
    pub fn nodes(&self, k: usize) -> Vec<VolumeNode> {
        let live: Vec<(i64, f64)> = (0..SLOTS)
            .filter(|&s| self.keys[s] != i64::MIN && self.vols[s] > 0.0)
            .map(|s| (self.keys[s], self.vols[s]))
            .collect();
        if live.is_empty() || self.total <= 0.0 {
            return Vec::new();
        }
        let mean = self.total / live.len() as f64;
        let vol_of = |key: i64| {
            let s = Self::slot(key);
            if self.keys[s] == key {
                self.vols[s]
            } else {
                0.0
            }
        };
        let mut out: Vec<VolumeNode> = live
            .iter()
            .filter(|&&(key, v)| v >= 2.0 * mean && v >= vol_of(key - 1) && v >= vol_of(key + 1))
            .map(|&(key, v)| VolumeNode { price: (key as f64 + 0.5) * self.width, volume: v, share: v / self.total })
            .collect();
        out.sort_by(|a, b| b.volume.total_cmp(&a.volume));
        out.truncate(k);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_without_the_library_call() {
        for x in [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.999, -2.001, 1e15 + 0.5, -1e15 - 0.5, 1e30, -1e30] {
            assert_eq!(floor_i64(x), x.floor() as i64, "{x}");
        }
        assert_eq!(floor_i64(f64::NAN), 0);
        assert_eq!(floor_i64(f64::INFINITY), i64::MAX);
        assert_eq!(floor_i64(f64::NEG_INFINITY), i64::MIN);
        assert_eq!(floor_i64(-3.0), -3);
        assert_eq!(floor_i64(-3.25), -4);
    }

    #[test]
    fn rolling_bins_and_nodes() {
        // First price 100, 100 bp bins → width 1.0.
        let mut p = VolumeProfile::new(4, 100.0);
        p.update(100.0, 1.0); // bin 100
        p.update(105.5, 10.0); // bin 105
        p.update(100.9, 2.0); // bin 100
        p.update(103.0, 1.0); // bin 103
        assert_eq!(p.total(), 14.0);
        assert_eq!(p.volume_at(100.5), 3.0);
        // Mean over 3 bins = 14/3 ≈ 4.67; only bin 105 (10 ≥ 9.33) is a node.
        let n = p.nodes(3);
        assert_eq!(n.len(), 1);
        assert_eq!((n[0].price, n[0].volume), (105.5, 10.0));
        assert!((n[0].share - 10.0 / 14.0).abs() < 1e-12);
        // A fifth bar evicts the first (1.0 at bin 100).
        p.update(f64::NAN, f64::NAN);
        assert_eq!(p.volume_at(100.0), 2.0);
        assert_eq!(p.total(), 13.0);
        p.update(100.0, -5.0);
        assert_eq!(p.total(), 3.0, "10 at 105 evicted, negative volume counts 0");
    }

    #[test]
    fn value_area_grows_from_the_poc_towards_more_volume() {
        // Width 1.0; bins 98..=102 hold 1, 3, 6, 4, 2 (total 16).
        let mut p = VolumeProfile::new(16, 100.0);
        for (price, v) in [(100.0, 6.0), (98.5, 1.0), (99.5, 3.0), (101.5, 4.0), (102.5, 2.0)] {
            p.update(price, v);
        }
        // 70 % of 16 = 11.2: POC 100 (6) → up to 101 (4 > 3) = 10 → down to 99 (3 > 2) = 13.
        let va = p.value_area(0.7).unwrap();
        assert_eq!((va.poc, va.val, va.vah), (100.5, 99.0, 102.0));
        assert!((va.share - 13.0 / 16.0).abs() < 1e-12);
        // The whole profile: bins 98..=102.
        let all = p.value_area(1.0).unwrap();
        assert_eq!((all.val, all.vah, all.share), (98.0, 103.0, 1.0));
        assert_eq!(VolumeProfile::new(4, 10.0).value_area(0.7), None);
    }
}
