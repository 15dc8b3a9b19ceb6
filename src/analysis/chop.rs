//! Chop detector: turns the Choppiness index and ADX of the indicator set into a chop score in
//! [0, 1] and a range/chop flag with enter/exit hysteresis.

/// Chop score and flag from CHOP(14) and ADX(14).
///
/// `score = ½·clamp((CHOP − 38.2) / (61.8 − 38.2)) + ½·clamp((25 − ADX) / (25 − 15))`: CHOP at or
/// above 61.8 and ADX at or below 15 give 1 (pure chop); CHOP ≤ 38.2 and ADX ≥ 25 give 0. When
/// only one input is known it alone is the score. The flag turns on at `score ≥ enter` and off at
/// `score < exit`.
#[derive(Debug, Clone)]
pub struct ChopDetector {
    enter: f64,
    exit: f64,
    choppy: bool,
    score: Option<f64>,
}

impl ChopDetector {
    pub fn new(enter: f64, exit: f64) -> Self {
        Self { enter, exit: exit.min(enter), choppy: false, score: None }
    }
    #[inline]
    pub fn update(&mut self, chop: Option<f64>, adx: Option<f64>) -> Option<f64> {
        let c = chop.map(|c| clamp01((c - 38.2) / (61.8 - 38.2)));
        let a = adx.map(|a| clamp01((25.0 - a) / 10.0));
        self.score = match (c, a) {
            (Some(c), Some(a)) => Some(0.5 * c + 0.5 * a),
            (Some(x), None) | (None, Some(x)) => Some(x),
            (None, None) => None,
        };
        if let Some(s) = self.score {
            if self.choppy {
                self.choppy = s >= self.exit;
            } else {
                self.choppy = s >= self.enter;
            }
        }
        self.score
    }
    pub fn score(&self) -> Option<f64> {
        self.score
    }
    pub fn is_choppy(&self) -> bool {
        self.choppy
    }
}

#[inline]
pub(crate) fn clamp01(x: f64) -> f64 {
    if x > 1.0 {
        1.0
    } else if x > 0.0 {
        x
    } else {
        0.0 // also NaN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_and_hysteresis() {
        let mut d = ChopDetector::new(0.6, 0.45);
        // CHOP 50 → (50 − 38.2)/23.6 = 0.5; ADX 20 → 0.5; score 0.5 → not choppy yet.
        assert!((d.update(Some(50.0), Some(20.0)).unwrap() - 0.5).abs() < 1e-12);
        assert!(!d.is_choppy());
        // CHOP 61.8, ADX 15 → 1.0 → choppy.
        assert_eq!(d.update(Some(61.8), Some(15.0)), Some(1.0));
        assert!(d.is_choppy());
        // Back to 0.5: above exit 0.45 → stays choppy.
        d.update(Some(50.0), Some(20.0));
        assert!(d.is_choppy());
        // CHOP 38.2, ADX 30 → 0 → off.
        assert_eq!(d.update(Some(38.2), Some(30.0)), Some(0.0));
        assert!(!d.is_choppy());
        // Only ADX known: 22.5 → 0.25.
        assert!((d.update(None, Some(22.5)).unwrap() - 0.25).abs() < 1e-12);
        assert_eq!(d.update(None, None), None);
        assert_eq!(clamp01(f64::NAN), 0.0);
    }
}
