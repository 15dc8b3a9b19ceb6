//! Volume: on-balance volume, money flow index and the UTC-day anchored VWAP.

use super::volatility::is_zero;
use crate::indicators::window::Ring;

/// On-balance volume (TA-Lib OBV): starts at the first bar's volume.
#[derive(Debug, Clone, Default)]
pub struct Obv {
    prev_close: Option<f64>,
    value: f64,
}

impl Obv {
    #[inline]
    pub fn next(&mut self, close: f64, volume: f64) -> f64 {
        match self.prev_close.replace(close) {
            None => self.value = volume,
            Some(pc) => {
                // Branch-free (up or down is a coin flip on real data): `x − v` is `x + (−v)`
                // exactly, and an unchanged close adds 0.0, which changes no bit.
                let step = if close > pc {
                    volume
                } else if close < pc {
                    -volume
                } else {
                    0.0
                };
                self.value += step;
            }
        }
        self.value
    }
}

/// Typical price `(high + low + close) / 3`.
#[inline]
pub fn typical_price(high: f64, low: f64, close: f64) -> f64 {
    (high + low + close) / 3.0
}

/// Money flow index (TA-Lib MFI): positive and negative money flow over `period` typical-price
/// moves (a move under 1e-8 counts as none). A window whose total flow is below 1 (zero volume) gives 0, as TA-Lib does.
#[derive(Debug, Clone)]
pub struct Mfi {
    prev_tp: Option<f64>,
    /// Signed money flow of each move in the window: positive up, negative down, 0 none.
    flows: Ring,
    pos_sum: f64,
    neg_sum: f64,
    value: Option<f64>,
}

impl Mfi {
    pub fn new(period: usize) -> Self {
        let period = period.max(1);
        Self { prev_tp: None, flows: Ring::new(period), pos_sum: 0.0, neg_sum: 0.0, value: None }
    }
    #[inline]
    pub fn next(&mut self, high: f64, low: f64, close: f64, volume: f64) -> Option<f64> {
        let tp = typical_price(high, low, close);
        let prev = self.prev_tp.replace(tp)?;
        let diff = tp - prev;
        let flow = tp * volume;
        // TA-Lib treats a change below 1e-8 as none: typical prices that are equal in decimal
        // can differ by one rounding step after the division by 3.
        let (p, n) = if is_zero(diff) {
            (0.0, 0.0)
        } else if diff < 0.0 {
            (0.0, flow)
        } else {
            (flow, 0.0)
        };
        if let Some(old) = self.flows.push(p - n) {
            // Branch-free split of the leaving flow (the sign is a coin flip on real data):
            // subtracting the other side's 0.0 changes no bit.
            let (op, on) = if old > 0.0 { (old, 0.0) } else { (0.0, -old) };
            self.pos_sum -= op;
            self.neg_sum -= on;
        }
        self.pos_sum += p;
        self.neg_sum += n;
        if !self.flows.is_full() {
            return None;
        }
        let total = self.pos_sum + self.neg_sum;
        self.value = Some(if total < 1.0 { 0.0 } else { 100.0 * (self.pos_sum / total) });
        self.value
    }
    pub fn value(&self) -> Option<f64> {
        self.value
    }
}

const DAY_MS: i64 = 86_400_000;

/// Volume-weighted typical price since 00:00 UTC of the bar's day; `None` while the day has no
/// volume yet. A gap in time that crosses midnight starts a new day like any other bar.
#[derive(Debug, Clone)]
pub struct Vwap {
    day: i64,
    pv: f64,
    volume: f64,
    value: Option<f64>,
}

impl Default for Vwap {
    fn default() -> Self {
        Self { day: i64::MIN, pv: 0.0, volume: 0.0, value: None }
    }
}

impl Vwap {
    #[inline]
    pub fn next(&mut self, ts_ms: i64, high: f64, low: f64, close: f64, volume: f64) -> Option<f64> {
        let day = ts_ms.div_euclid(DAY_MS);
        if day != self.day {
            self.day = day;
            self.pv = 0.0;
            self.volume = 0.0;
        }
        self.pv += typical_price(high, low, close) * volume;
        self.volume += volume;
        self.value = (self.volume > 0.0).then(|| self.pv / self.volume);
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
    fn obv_adds_on_up_closes_and_subtracts_on_down_closes() {
        let mut o = Obv::default();
        assert_eq!(o.next(10.0, 5.0), 5.0);
        assert_eq!(o.next(11.0, 3.0), 8.0);
        assert_eq!(o.next(11.0, 7.0), 8.0);
        assert_eq!(o.next(9.0, 2.0), 6.0);
    }

    #[test]
    fn mfi_by_hand_and_zero_volume() {
        let mut m = Mfi::new(2);
        assert_eq!(m.next(3.0, 3.0, 3.0, 1.0), None); // tp 3
        assert_eq!(m.next(4.0, 4.0, 4.0, 2.0), None); // tp 4 up: +8
                                                      // tp 2 down: −4 -> 100·8/12
        assert_eq!(m.next(2.0, 2.0, 2.0, 2.0), Some(100.0 * (8.0 / 12.0)));
        // tp 5 up: +15; the +8 leaves -> 100·15/19
        assert_eq!(m.next(5.0, 5.0, 5.0, 3.0), Some(100.0 * (15.0 / 19.0)));
        let mut z = Mfi::new(2);
        for x in [1.0, 2.0, 3.0, 4.0] {
            z.next(x, x, x, 0.0);
        }
        assert_eq!(z.value(), Some(0.0));
    }

    #[test]
    fn vwap_resets_at_utc_midnight_and_skips_zero_volume() {
        let mut v = Vwap::default();
        let day = 86_400_000;
        assert_eq!(v.next(day - 60_000, 3.0, 3.0, 3.0, 0.0), None);
        assert_eq!(v.next(day - 1, 4.0, 4.0, 4.0, 1.0), Some(4.0));
        // new day: only this bar counts
        assert_eq!(v.next(day, 9.0, 6.0, 6.0, 2.0), Some(7.0));
        // (7·2 + 10·2) / 4 = 8.5
        assert_eq!(v.next(day + 60_000, 10.0, 10.0, 10.0, 2.0), Some(8.5));
    }
}
