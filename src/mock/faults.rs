//! Fault injection for client tests: dropped connections, delayed and malformed frames,
//! order-book sequence gaps and failed REST calls. Everything is off by default and
//! deterministic for a given seed (a counter-based hash, no global RNG).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Which faults to inject.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultConfig {
    /// Close every WebSocket connection this long after it opened (no close frame).
    pub drop_every: Option<Duration>,
    /// Hold every outgoing WebSocket data frame this long before sending it.
    pub delay: Option<Duration>,
    /// Replace every Nth outgoing data frame of a connection with a truncated, invalid JSON text.
    pub malformed_every: Option<u32>,
    /// Skip one `u` in every Nth order-book delta (the client sees a gap).
    pub skip_seq_every: Option<u32>,
    /// Fraction (0..=1) of REST calls answered HTTP 503 with a plain-text body.
    pub fail_rate: f64,
}

impl FaultConfig {
    /// Whether any fault is enabled.
    pub fn any(&self) -> bool {
        self.drop_every.is_some()
            || self.delay.is_some()
            || self.malformed_every.is_some()
            || self.skip_seq_every.is_some()
            || self.fail_rate > 0.0
    }
}

/// Runtime state of the faults.
#[derive(Debug)]
pub(crate) struct Faults {
    pub config: FaultConfig,
    seed: u64,
    rest_calls: AtomicU64,
    book_deltas: AtomicU64,
}

impl Faults {
    pub fn new(config: FaultConfig, seed: u64) -> Self {
        Self { config, seed, rest_calls: AtomicU64::new(0), book_deltas: AtomicU64::new(0) }
    }

    /// Whether this REST call fails with a 5xx.
    pub fn fail_rest(&self) -> bool {
        if self.config.fail_rate <= 0.0 {
            return false;
        }
        let n = self.rest_calls.fetch_add(1, Ordering::Relaxed);
        unit_interval(mix(self.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15))) < self.config.fail_rate
    }

    /// Extra `u` increment for the next order-book delta (1 when a gap is injected).
    pub fn seq_skip(&self) -> u64 {
        match self.config.skip_seq_every {
            Some(n) if n > 0 => {
                let k = self.book_deltas.fetch_add(1, Ordering::Relaxed) + 1;
                u64::from(k % u64::from(n) == 0)
            }
            _ => 0,
        }
    }

    /// Whether the `n`th (1-based) data frame of a connection is sent malformed.
    pub fn malformed(&self, n: u64) -> bool {
        matches!(self.config.malformed_every, Some(k) if k > 0 && n % u64::from(k) == 0)
    }
}

/// SplitMix64 finaliser.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn unit_interval(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// A frame that is not valid JSON: the first half of `text`.
pub(crate) fn corrupt(text: &str) -> String {
    let mut cut = text.len() / 2;
    while cut > 0 && !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}\u{0}", &text[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_rate_is_roughly_the_fraction_asked() {
        let f = Faults::new(FaultConfig { fail_rate: 0.25, ..Default::default() }, 7);
        let fails = (0..4000).filter(|_| f.fail_rest()).count();
        assert!((800..1200).contains(&fails), "{fails}");
        let none = Faults::new(FaultConfig::default(), 7);
        assert!(!(0..100).any(|_| none.fail_rest()));
    }

    #[test]
    fn seq_skip_every_third_delta() {
        let f = Faults::new(FaultConfig { skip_seq_every: Some(3), ..Default::default() }, 1);
        let skips: Vec<u64> = (0..6).map(|_| f.seq_skip()).collect();
        assert_eq!(skips, vec![0, 0, 1, 0, 0, 1]);
        assert!(
            f.malformed(0) == false
                && Faults::new(FaultConfig { malformed_every: Some(2), ..Default::default() }, 1).malformed(4)
        );
    }

    #[test]
    fn corrupt_is_not_json() {
        let t = r#"{"topic":"publicTrade.BTCUSDT","data":[]}"#;
        assert!(serde_json::from_str::<serde_json::Value>(&corrupt(t)).is_err());
        assert_eq!(corrupt("ab"), "a\u{0}");
    }
}
