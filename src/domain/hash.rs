//! A fast hasher for the maps on the hot path, keyed by our own inline ids and symbols
//! (`ClientOrderId`, `ExecId`, `Symbol`).
//!
//! The standard library's SipHash resists hash flooding by someone choosing keys; it costs a few
//! hundred instructions for a 40-byte order id, and an order decision hashes several ids
//! (placing, the working quantities, the venue's answers). These keys are made by us or come from
//! our own account's private stream, so flooding is not a threat here, and a multiply-rotate hash
//! over 8-byte words with a final mix does the same job in a few dozen.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

const K: u64 = 0x517c_c1b7_2722_0a95;

/// Multiply-rotate over 8-byte words, mixed once more at the end so the low bits (the bucket
/// index) depend on every input bit.
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher(u64);

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn finish(&self) -> u64 {
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^ (x >> 33)
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}

/// A `HashMap` with `FastHasher`.
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
/// A `HashSet` with `FastHasher`.
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ClientOrderId, Symbol};
    use std::hash::BuildHasher;

    fn hash<T: std::hash::Hash>(v: &T) -> u64 {
        BuildHasherDefault::<FastHasher>::default().hash_one(v)
    }

    #[test]
    fn ids_that_differ_in_one_digit_spread_over_the_buckets() {
        // 4,096 sequential order ids into 1,024 buckets (the low 10 bits hashbrown indexes by):
        // a good hash fills most buckets and overloads none.
        let mut buckets = vec![0u32; 1024];
        for seq in 0..4096 {
            let id = ClientOrderId::new(&format!("ab-lqxpoew0-{seq}-t")).unwrap();
            buckets[(hash(&id) & 1023) as usize] += 1;
        }
        let empty = buckets.iter().filter(|&&n| n == 0).count();
        let max = buckets.iter().copied().max().unwrap_or(0);
        // A uniform hash leaves e^-4 ≈ 1.8% (about 19) empty; the largest bucket is about 12.
        assert!(empty < 40, "{empty} empty buckets");
        assert!(max <= 16, "a bucket holds {max}");
        // The top 7 bits (hashbrown's tag) vary too.
        let tags: std::collections::BTreeSet<u64> =
            (0..256).map(|seq| hash(&ClientOrderId::new(&format!("ab-x-{seq}-t")).unwrap()) >> 57).collect();
        assert!(tags.len() > 100, "{} distinct tags", tags.len());
    }

    #[test]
    fn maps_work_and_equal_keys_hash_equal() {
        let a = Symbol::new("BTCUSDT").unwrap();
        assert_eq!(hash(&a), hash(&Symbol::new("BTCUSDT").unwrap()));
        assert_ne!(hash(&a), hash(&Symbol::new("BTCUSDC").unwrap()));
        let mut m: FastMap<Symbol, u32> = FastMap::default();
        m.insert(a, 1);
        *m.entry(a).or_default() += 1;
        assert_eq!(m.get(&a), Some(&2));
        let mut s: FastSet<u64> = FastSet::default();
        assert!(s.insert(7) && !s.insert(7));
    }
}
