//! Number coding for journal format 2: fixed-point values as small multiples of the symbol's
//! tick or step relative to a reference value, counters and times as deltas, and the chunk
//! checksum.
//!
//! Exact division by a tick runs on every book level, so it is done without a divide: a tick is
//! `2^shift * m` with `m` odd, and `x` is a multiple of it when its low `shift` bits are zero and
//! `(x >> shift) * inverse(m)` (mod 2^64) is at most `u64::MAX / m`; that product is then the
//! quotient.

use super::codec::{put_varint, unzigzag, zigzag, Dec, JournalError};

/// A positive fixed-point unit (tick size or quantity step, in raw 1e-8 units) prepared for
/// exact division.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    raw: i64,
    shift: u32,
    inverse: u64,
    max_quotient: u64,
}

impl Unit {
    /// The raw unit: values are coded as raw integers.
    pub const ONE: Unit = Unit { raw: 1, shift: 0, inverse: 1, max_quotient: u64::MAX };

    /// The unit of `raw` raw units; anything below 1 means [`Unit::ONE`].
    pub fn new(raw: i64) -> Unit {
        if raw <= 1 {
            return Unit::ONE;
        }
        let shift = raw.trailing_zeros();
        let m = (raw as u64) >> shift;
        // Newton's iteration for the inverse mod 2^64: m*m = 1 (mod 8) gives 3 correct bits,
        // each step doubles them (3, 6, 12, 24, 48, 96).
        let mut inverse = m;
        for _ in 0..5 {
            inverse = inverse.wrapping_mul(2u64.wrapping_sub(m.wrapping_mul(inverse)));
        }
        Unit { raw, shift, inverse, max_quotient: u64::MAX / m }
    }

    pub fn raw(&self) -> i64 {
        self.raw
    }

    /// `x / raw` when `x` is a whole multiple of the unit, else `None`.
    #[inline]
    pub fn exact(&self, x: i64) -> Option<i64> {
        let a = x.unsigned_abs();
        if a.trailing_zeros() < self.shift {
            return None;
        }
        let q = (a >> self.shift).wrapping_mul(self.inverse);
        if q > self.max_quotient {
            return None;
        }
        // q <= 2^63: for x = i64::MIN and unit 1 the negation wraps back to i64::MIN, exactly.
        Some(if x < 0 { (q as i64).wrapping_neg() } else { q as i64 })
    }
}

/// Largest zigzagged value that still fits beside the two mode bits of [`put_value`].
const MODE_LIMIT: u64 = 1 << 62;

/// Writes `v` relative to `reference`: `zigzag(q) << 2` for a whole number `q` of units,
/// `zigzag(d) << 2 | 1` for a raw difference `d`, or `2` then `zigzag(v)` for anything else.
#[inline]
pub fn put_value(out: &mut Vec<u8>, v: i64, reference: i64, unit: Unit) {
    if let Some(d) = v.checked_sub(reference) {
        if let Some(q) = unit.exact(d) {
            let z = zigzag(q);
            if z < MODE_LIMIT {
                put_varint(out, z << 2);
                return;
            }
        }
        let z = zigzag(d);
        if z < MODE_LIMIT {
            put_varint(out, (z << 2) | 1);
            return;
        }
    }
    put_varint(out, 2);
    put_varint(out, zigzag(v));
}

/// Reads a value written by [`put_value`] with the same `reference` and `unit`.
#[inline]
pub fn get_value(d: &mut Dec<'_>, reference: i64, unit: Unit, what: &'static str) -> Result<i64, JournalError> {
    let at = d.at();
    let x = d.varint(what)?;
    let out_of_range = || JournalError::OutOfRange { what, value: x, at };
    match x & 3 {
        0 => unzigzag(x >> 2).checked_mul(unit.raw).and_then(|v| v.checked_add(reference)).ok_or_else(out_of_range),
        1 => unzigzag(x >> 2).checked_add(reference).ok_or_else(out_of_range),
        2 if x == 2 => Ok(unzigzag(d.varint(what)?)),
        _ => Err(JournalError::BadTag { what: "value mode", tag: x, at }),
    }
}

/// Writes `v` as the wrapping difference from `*last`, and makes it the new `last`.
#[inline]
pub fn put_delta(out: &mut Vec<u8>, v: u64, last: &mut u64) {
    put_varint(out, zigzag(v.wrapping_sub(*last) as i64));
    *last = v;
}

/// Reads a value written by [`put_delta`].
#[inline]
pub fn get_delta(d: &mut Dec<'_>, last: &mut u64, what: &'static str) -> Result<u64, JournalError> {
    let v = last.wrapping_add(unzigzag(d.varint(what)?) as u64);
    *last = v;
    Ok(v)
}

/// A 64-bit check value of a chunk body: any change to one 8-byte word changes it (each step is
/// a bijection of the state), and other damage changes it with odds of 1 in 2^64. It guards
/// against torn or overwritten payloads, not against tampering.
pub fn checksum(data: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = K ^ (data.len() as u64);
    let mut words = data.chunks_exact(8);
    let mut mix = |w: u64| h = (h ^ w).wrapping_mul(K).rotate_left(29);
    for c in &mut words {
        let mut a = [0u8; 8];
        a.copy_from_slice(c);
        mix(u64::from_le_bytes(a));
    }
    let rest = words.remainder();
    let mut a = [0u8; 8];
    a[..rest.len()].copy_from_slice(rest);
    mix(u64::from_le_bytes(a));
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_division_by_ticks_and_steps() {
        // 0.1 = 10,000,000 raw = 2^7 * 78,125.
        let tick = Unit::new(10_000_000);
        assert_eq!(tick.shift, 7);
        assert_eq!(tick.exact(6_500_010_000_000), Some(650_001));
        assert_eq!(tick.exact(-30_000_000), Some(-3));
        assert_eq!(tick.exact(0), Some(0));
        assert_eq!(tick.exact(10_000_001), None);
        assert_eq!(tick.exact(5_000_000), None); // half a tick: the low bits pass, the odd part fails
        assert_eq!(tick.exact(78_125), None); // the odd part alone
                                              // An odd step: 3 raw units.
        let three = Unit::new(3);
        assert_eq!(three.exact(9), Some(3));
        assert_eq!(three.exact(-9), Some(-3));
        assert_eq!(three.exact(10), None);
        // i64::MAX = 2^63 - 1 has digit sum 88, so it is 1 more than a multiple of 3.
        assert_eq!(three.exact(i64::MAX), None);
        assert_eq!(three.exact(i64::MAX - 1), Some(3_074_457_345_618_258_602));
    }

    #[test]
    fn extremes_divide_or_refuse_without_overflow() {
        assert_eq!(Unit::ONE.exact(i64::MIN), Some(i64::MIN));
        assert_eq!(Unit::ONE.exact(i64::MAX), Some(i64::MAX));
        assert_eq!(Unit::new(2).exact(i64::MIN), Some(i64::MIN / 2));
        assert_eq!(Unit::new(0), Unit::ONE);
        assert_eq!(Unit::new(-5), Unit::ONE);
        for raw in [1i64, 2, 3, 7, 10, 100_000, 10_000_000, 123_456_789, i64::MAX] {
            let u = Unit::new(raw);
            for k in [-1_000i64, -1, 0, 1, 17, 1_000_000] {
                if let Some(x) = k.checked_mul(raw) {
                    assert_eq!(u.exact(x), Some(k), "{k} * {raw}");
                    if let (true, Some(next)) = (raw > 1, x.checked_add(1)) {
                        assert_eq!(u.exact(next), None, "{k} * {raw} + 1");
                    }
                }
            }
        }
    }

    fn round_trip(v: i64, reference: i64, unit: Unit) -> usize {
        let mut b = Vec::new();
        put_value(&mut b, v, reference, unit);
        let mut d = Dec::new(&b);
        assert_eq!(get_value(&mut d, reference, unit, "v").unwrap(), v, "{v} vs {reference}");
        assert!(d.is_empty());
        b.len()
    }

    #[test]
    fn values_take_one_byte_per_small_tick_move() {
        let tick = Unit::new(10_000_000);
        // +1 tick: zigzag(1) = 2, << 2 = 8: one byte [8].
        let mut b = Vec::new();
        put_value(&mut b, 6_500_010_000_000, 6_500_000_000_000, tick);
        assert_eq!(b, [8]);
        // Half a tick off: raw difference 5e6, zigzag 1e7, << 2 | 1 = 40,000,001: four bytes.
        assert_eq!(round_trip(6_500_005_000_000, 6_500_000_000_000, tick), 4);
        // Differences that overflow fall back to the absolute value.
        assert_eq!(round_trip(i64::MAX, i64::MIN, tick), 11);
        assert_eq!(round_trip(i64::MIN, 1, Unit::ONE), 11);
        assert_eq!(round_trip(0, 0, tick), 1);
    }

    #[test]
    fn hostile_values_are_errors() {
        // Mode 3 does not exist; mode 2 carries no high bits.
        let mut d = Dec::new(&[3]);
        assert!(matches!(get_value(&mut d, 0, Unit::ONE, "v"), Err(JournalError::BadTag { tag: 3, .. })));
        let mut d = Dec::new(&[6, 0]);
        assert!(matches!(get_value(&mut d, 0, Unit::ONE, "v"), Err(JournalError::BadTag { tag: 6, .. })));
        // A multiple of the tick beyond i64.
        let mut b = Vec::new();
        put_varint(&mut b, zigzag(i64::MAX / 4) << 2);
        let mut d = Dec::new(&b);
        assert!(matches!(get_value(&mut d, 0, Unit::new(100), "v"), Err(JournalError::OutOfRange { .. })));
    }

    #[test]
    fn deltas_wrap_exactly() {
        let mut b = Vec::new();
        let mut last = 0u64;
        for v in [5u64, 3, u64::MAX, 0, 1 << 63] {
            put_delta(&mut b, v, &mut last);
        }
        assert_eq!(&b[..3], &[10, 3, 7]); // +5 -> 10, -2 -> 3, -4 (wrapping) -> 7
        let mut d = Dec::new(&b);
        let mut last = 0u64;
        let back: Vec<u64> = (0..5).map(|_| get_delta(&mut d, &mut last, "v").unwrap()).collect();
        assert_eq!(back, [5, 3, u64::MAX, 0, 1 << 63]);
    }

    #[test]
    fn checksum_sees_every_single_byte_change_and_cut() {
        let data: Vec<u8> = (0..100u8).collect();
        let sum = checksum(&data);
        for i in 0..data.len() {
            let mut bad = data.clone();
            bad[i] ^= 0x10;
            assert_ne!(checksum(&bad), sum, "byte {i}");
        }
        for cut in 0..data.len() {
            assert_ne!(checksum(&data[..cut]), sum, "cut {cut}");
        }
        // A trailing zero byte is not invisible either (the length is mixed in).
        let mut longer = data.clone();
        longer.push(0);
        assert_ne!(checksum(&longer), sum);
    }
}
