//! Client order ids: `prefix-time-seq-tag` (`ab-lq2x1k0-42-t`), written into a buffer on the
//! stack (no allocation, no formatting machinery: an id is made on the bar that places an
//! order, where every cold cache line counts). The text is exactly what
//! `format!("{prefix}-{time}-{seq}-{tag}")` gives, so sessions recorded by older builds replay
//! with the same ids.

use crate::domain::ClientOrderId;

/// The longest text written: an 8-character prefix, 13 base-36 digits of time, 20 decimal digits
/// of sequence, a 4-character tag and three dashes.
const MAX_TEXT: usize = 8 + 13 + 20 + 4 + 3;

/// Bytes written so far into a fixed buffer (the caller sizes it for the longest text).
struct Text {
    buf: [u8; MAX_TEXT],
    len: usize,
}

impl Text {
    #[inline]
    fn push(&mut self, b: u8) {
        // The buffer holds the longest possible id; a byte past it is dropped (cannot happen).
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    /// `v` in `base` (10 or 36), lowercase digits, most significant first.
    #[inline]
    fn push_digits(&mut self, mut v: u64, base: u64) {
        let mut digits = [0u8; 20];
        let mut n = 0;
        loop {
            let d = (v % base) as u8;
            digits[n] = if d < 10 { b'0' + d } else { b'a' + d - 10 };
            n += 1;
            v /= base;
            if v == 0 {
                break;
            }
        }
        for &d in digits[..n].iter().rev() {
            self.push(d);
        }
    }
}

/// The id for `prefix` (already filtered to ASCII alphanumerics), event time `ts_ms` (negative
/// counts as 0), sequence `seq` and `tag` (its first four ASCII alphanumerics are kept). An id
/// longer than the venue allows becomes `ab-overflow`, as before.
pub fn client_order_id(prefix: &str, ts_ms: i64, seq: u64, tag: &str) -> ClientOrderId {
    let mut t = Text { buf: [0; MAX_TEXT], len: 0 };
    for b in prefix.bytes() {
        t.push(b);
    }
    t.push(b'-');
    t.push_digits(ts_ms.max(0) as u64, 36);
    t.push(b'-');
    t.push_digits(seq, 10);
    t.push(b'-');
    for b in tag.bytes().filter(u8::is_ascii_alphanumeric).take(4) {
        t.push(b);
    }
    // Only ASCII alphanumerics and '-' are written.
    let text = std::str::from_utf8(&t.buf[..t.len]).unwrap_or("");
    ClientOrderId::new(text).unwrap_or_else(|_| overflow())
}

#[cold]
fn overflow() -> ClientOrderId {
    ClientOrderId::new("ab-overflow").expect("static id is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ids as `OrderManager::next_client_id` made them before: base 36 through a `Vec`,
    /// then `format!`.
    fn reference(prefix: &str, ts_ms: i64, seq: u64, tag: &str) -> ClientOrderId {
        let mut t = ts_ms.max(0) as u64;
        let mut digits = Vec::new();
        loop {
            let d = (t % 36) as u8;
            digits.push(if d < 10 { b'0' + d } else { b'a' + d - 10 });
            t /= 36;
            if t == 0 {
                break;
            }
        }
        digits.reverse();
        let time = String::from_utf8_lossy(&digits);
        let tag: String = tag.chars().filter(|c| c.is_ascii_alphanumeric()).take(4).collect();
        let text = format!("{prefix}-{time}-{seq}-{tag}");
        ClientOrderId::new(&text).unwrap_or_else(|_| ClientOrderId::new("ab-overflow").unwrap())
    }

    #[test]
    fn ids_worked_out_by_hand() {
        // 1_700_000_000_000 ms = "loyw3v28" in base 36: 21·36^7 + 24·36^6 + 34·36^5 + 32·36^4
        // + 3·36^3 + 31·36^2 + 2·36 + 8.
        assert_eq!(client_order_id("ab", 1_700_000_000_000, 42, "t").as_str(), "ab-loyw3v28-42-t");
        assert_eq!(client_order_id("ab", 35, 1, "tp").as_str(), "ab-z-1-tp");
        assert_eq!(client_order_id("ab", 36, 7, "s").as_str(), "ab-10-7-s");
        // Negative time counts as zero; the tag keeps four alphanumerics.
        assert_eq!(client_order_id("bot1", -5, 0, "t-r_a.ilx").as_str(), "bot1-0-0-trai");
        assert_eq!(client_order_id("ab", 0, 9, "").as_str(), "ab-0-9-");
    }

    #[test]
    fn too_long_ids_overflow_as_before() {
        // 8 + 1 + 13 + 1 + 20 + 1 + 4 = 48 > 39 characters.
        let id = client_order_id("abcdefgh", i64::MAX, u64::MAX, "tttt");
        assert_eq!(id.as_str(), "ab-overflow");
        // Exactly 39 fits: 8 + 1 + 8 + 1 + 16 + 1 + 4.
        let id = client_order_id("abcdefgh", 1_700_000_000_000, 1_234_567_890_123_456, "tttt");
        assert_eq!(id.as_str().len(), 39);
        assert_eq!(id, reference("abcdefgh", 1_700_000_000_000, 1_234_567_890_123_456, "tttt"));
    }

    #[test]
    fn same_text_as_the_formatted_ids() {
        let times = [0, 1, 35, 36, 1295, 1296, 59_999, 1_700_000_000_000, 1_767_225_599_999, i64::MAX, -1];
        let seqs = [0, 1, 9, 10, 99, 100, 12_345, u64::MAX];
        for prefix in ["ab", "x", "autobot1"] {
            for &ts in &times {
                for &seq in &seqs {
                    for tag in ["t", "tp", "x", "s", "hedge", "", "a-b"] {
                        assert_eq!(client_order_id(prefix, ts, seq, tag), reference(prefix, ts, seq, tag));
                    }
                }
            }
        }
    }
}
