//! Directional movement: +DI, −DI and ADX with Wilder's sums (TA-Lib PLUS_DI, MINUS_DI, ADX).

use super::volatility::{is_zero, true_range};

/// One step of the directional movement system.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DmiValue {
    pub plus_di: f64,
    pub minus_di: f64,
    /// `None` until `2·period − 1` bars have been seen.
    pub adx: Option<f64>,
}

/// +DI/−DI/ADX. The smoothed sums start as the plain sums of the first `period − 1` moves and
/// then follow `S ← S − S/n + x`; DI = 100·DM/TR; ADX is the mean of the first `period` DX values
/// and then Wilder-smoothed. When TR or DI+ + DI− is (nearly) zero the DIs are 0 and ADX keeps
/// its previous value, as TA-Lib does.
#[derive(Debug, Clone)]
pub struct Dmi {
    period: usize,
    prev: Option<(f64, f64, f64)>,
    moves: usize,
    plus_dm: f64,
    minus_dm: f64,
    tr: f64,
    dx_count: usize,
    dx_sum: f64,
    adx: Option<f64>,
    value: Option<DmiValue>,
}

impl Dmi {
    pub fn new(period: usize) -> Self {
        Self {
            period: period.max(1),
            prev: None,
            moves: 0,
            plus_dm: 0.0,
            minus_dm: 0.0,
            tr: 0.0,
            dx_count: 0,
            dx_sum: 0.0,
            adx: None,
            value: None,
        }
    }
    #[inline]
    pub fn next(&mut self, high: f64, low: f64, close: f64) -> Option<DmiValue> {
        let (ph, pl, pc) = self.prev.replace((high, low, close))?;
        let up = high - ph;
        let down = pl - low;
        let tr = true_range(high, low, pc);
        let n = self.period as f64;
        // Branch-free: the move's direction is a coin flip on real data, and adding 0.0 to the
        // (non-negative) sums changes no bit.
        let minus = down > 0.0 && up < down;
        let md = if minus { down } else { 0.0 };
        let pd = if !minus && up > 0.0 && up > down { up } else { 0.0 };
        self.moves += 1;
        if self.moves < self.period {
            self.minus_dm += md;
            self.plus_dm += pd;
            self.tr += tr;
            return None;
        }
        self.minus_dm -= self.minus_dm / n;
        self.plus_dm -= self.plus_dm / n;
        self.minus_dm += md;
        self.plus_dm += pd;
        self.tr = self.tr - self.tr / n + tr;
        let (mut plus_di, mut minus_di) = (0.0, 0.0);
        if !is_zero(self.tr) {
            minus_di = 100.0 * (self.minus_dm / self.tr);
            plus_di = 100.0 * (self.plus_dm / self.tr);
            let sum = minus_di + plus_di;
            if !is_zero(sum) {
                let dx = 100.0 * ((minus_di - plus_di).abs() / sum);
                match self.adx {
                    Some(adx) => self.adx = Some((adx * (n - 1.0) + dx) / n),
                    None => self.dx_sum += dx,
                }
            }
        }
        if self.adx.is_none() {
            self.dx_count += 1;
            if self.dx_count == self.period {
                self.adx = Some(self.dx_sum / n);
            }
        }
        self.value = Some(DmiValue { plus_di, minus_di, adx: self.adx });
        self.value
    }
    pub fn value(&self) -> Option<DmiValue> {
        self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dmi_by_hand_period_2() {
        let mut d = Dmi::new(2);
        assert_eq!(d.next(10.0, 8.0, 9.0), None);
        // move 1: up 2, down −1 -> +DM 2; TR max(3, 3, 0) = 3 (plain sums)
        assert_eq!(d.next(12.0, 9.0, 11.0), None);
        // move 2: up 1, down −1 -> +DM: 2 − 1 + 1 = 2; −DM 0; TR: 3 − 1.5 + max(2, 2, 0) = 3.5
        let v = d.next(13.0, 11.0, 12.0).unwrap();
        assert!((v.plus_di - 100.0 * 2.0 / 3.5).abs() < 1e-12);
        assert_eq!(v.minus_di, 0.0);
        assert_eq!(v.adx, None);
        // move 3: up −2, down 3 -> −DM 0 + 3 = 3; +DM 2 − 1 = 1; TR 3.5 − 1.75 + max(3, 1, 4) = 5.75
        let v = d.next(11.0, 8.0, 9.0).unwrap();
        let (p, m) = (100.0 * 1.0 / 5.75, 100.0 * 3.0 / 5.75);
        assert!((v.plus_di - p).abs() < 1e-12 && (v.minus_di - m).abs() < 1e-12);
        // ADX = mean(DX at move 2 = 100, DX at move 3 = 100·|m − p|/(m + p) = 50)
        assert!((v.adx.unwrap() - 75.0).abs() < 1e-12, "{v:?}");
    }

    #[test]
    fn flat_bars_give_zero_di_without_dividing_by_zero() {
        let mut d = Dmi::new(3);
        let mut last = None;
        for _ in 0..10 {
            last = d.next(5.0, 5.0, 5.0);
        }
        let v = last.unwrap();
        assert_eq!((v.plus_di, v.minus_di), (0.0, 0.0));
        // No DX was ever defined, so ADX is the mean of nothing counted: 0.
        assert_eq!(v.adx, Some(0.0));
    }
}
