//! Session volume profile: volume per price bin since 00:00 UTC, its point of control and the
//! value area holding 70 % of the volume.

use std::collections::VecDeque;

const DAY_MS: i64 = 86_400_000;
/// A session never holds more bins than this; a bar that would need more starts a new session.
const MAX_BINS: usize = 4096;
/// Share of the session's volume inside the value area.
pub const VALUE_AREA_SHARE: f64 = 0.70;

/// Point of control and value area of the current session.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ProfileValue {
    pub poc: Option<f64>,
    pub value_area_high: Option<f64>,
    pub value_area_low: Option<f64>,
}

/// Volume profile anchored at each UTC day. Bins are `bin_fraction` of the session's first
/// price wide; a bar's volume is spread evenly over the bins its range touches. The point of
/// control is the fullest bin (the lower one on ties); the value area grows from it, one bin at a
/// time towards the fuller neighbour (up on ties), until it holds 70 % of the volume.
#[derive(Debug, Clone)]
pub struct VolumeProfile {
    bin_fraction: f64,
    day: i64,
    width: f64,
    /// Index of `bins[0]` on the price grid (`floor(price / width)`).
    origin: i64,
    bins: VecDeque<f64>,
    total: f64,
    poc: usize,
    value: ProfileValue,
}

impl VolumeProfile {
    /// `bin_fraction`: bin width as a share of the session's first price (0.001 = 0.1 %).
    pub fn new(bin_fraction: f64) -> Self {
        let bin_fraction = if bin_fraction.is_finite() && bin_fraction > 0.0 { bin_fraction } else { 0.001 };
        Self {
            bin_fraction,
            day: i64::MIN,
            width: 0.0,
            origin: 0,
            bins: VecDeque::with_capacity(256),
            total: 0.0,
            poc: 0,
            value: ProfileValue::default(),
        }
    }

    fn reset(&mut self, day: i64, price: f64) {
        self.day = day;
        self.width = price * self.bin_fraction;
        self.origin = (price / self.width).floor() as i64;
        self.bins.clear();
        self.bins.push_back(0.0);
        self.total = 0.0;
        self.poc = 0;
    }

    /// Adds one bar and returns the session's profile.
    pub fn next(&mut self, ts_ms: i64, high: f64, low: f64, volume: f64) -> ProfileValue {
        if !(low > 0.0 && high >= low && high.is_finite() && volume.is_finite()) {
            return self.value;
        }
        let day = ts_ms.div_euclid(DAY_MS);
        if day != self.day {
            self.reset(day, low);
        }
        if !(self.width > 0.0 && self.width.is_finite() && high / self.width < 1e15) {
            return self.value;
        }
        let (mut lo, mut hi) = ((low / self.width).floor() as i64, (high / self.width).floor() as i64);
        let first = self.origin.min(lo);
        let last = (self.origin + self.bins.len() as i64 - 1).max(hi);
        if (last - first) as usize >= MAX_BINS {
            self.reset(day, low);
            lo = (low / self.width).floor() as i64;
            hi = ((high / self.width).floor() as i64).min(lo + MAX_BINS as i64 - 1);
        }
        while self.origin > lo {
            self.bins.push_front(0.0);
            self.origin -= 1;
            self.poc += 1;
        }
        while self.origin + (self.bins.len() as i64) <= hi {
            self.bins.push_back(0.0);
        }
        if volume > 0.0 {
            let share = volume / (hi - lo + 1) as f64;
            for idx in lo..=hi {
                let i = (idx - self.origin) as usize;
                self.bins[i] += share;
                let (b, p) = (self.bins[i], self.bins[self.poc]);
                if b > p || (b == p && i < self.poc) {
                    self.poc = i;
                }
            }
            self.total += volume;
        }
        self.value = if self.total > 0.0 { self.value_area() } else { ProfileValue::default() };
        self.value
    }

    fn value_area(&self) -> ProfileValue {
        let target = self.total * VALUE_AREA_SHARE;
        let (mut lo, mut hi) = (self.poc, self.poc);
        let mut inside = self.bins[self.poc];
        let n = self.bins.len();
        while inside < target && (lo > 0 || hi + 1 < n) {
            let below = if lo > 0 { self.bins[lo - 1] } else { -1.0 };
            let above = if hi + 1 < n { self.bins[hi + 1] } else { -1.0 };
            if above >= below {
                hi += 1;
                inside += above;
            } else {
                lo -= 1;
                inside += below;
            }
        }
        let price = |i: usize| (self.origin + i as i64) as f64 * self.width;
        ProfileValue {
            poc: Some(price(self.poc) + self.width / 2.0),
            value_area_high: Some(price(hi) + self.width),
            value_area_low: Some(price(lo)),
        }
    }

    pub fn value(&self) -> ProfileValue {
        self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poc_and_value_area_by_hand() {
        // width = 100 · 0.01 = 1: bins are whole numbers.
        let mut p = VolumeProfile::new(0.01);
        let t = 0;
        p.next(t, 100.5, 100.0, 10.0); // bin 100: 10
        p.next(t, 101.5, 101.0, 50.0); // bin 101: 50
        p.next(t, 102.5, 102.0, 20.0); // bin 102: 20
        let v = p.next(t, 99.5, 99.0, 20.0); // bin 99: 20; total 100, target 70
        assert_eq!(v.poc, Some(101.5));
        // From 101 (50): above 20 vs below 10 -> take 102 (70) -> done: [101, 103)
        assert_eq!(v.value_area_low, Some(101.0));
        assert_eq!(v.value_area_high, Some(103.0));
    }

    #[test]
    fn spreads_volume_over_the_range_and_resets_each_day() {
        let mut p = VolumeProfile::new(0.01);
        // 100..=103 -> four bins of 1 each; ties go to the lowest bin.
        let v = p.next(0, 103.5, 100.0, 4.0);
        assert_eq!(v.poc, Some(100.5));
        let v = p.next(DAY_MS, 200.0, 200.0, 0.0);
        assert_eq!(v, ProfileValue::default());
    }
}
