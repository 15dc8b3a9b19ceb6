//! Hand-rolled scanners for the hottest frames, `publicTrade` and `orderbook.*` (and, in
//! `kline`, the kline frames that drive the strategy).
//!
//! They read the compact, escape-free JSON Bybit sends, in any key order, and skip unknown
//! fields. Anything unusual (escapes, numbers where strings are expected, bad structure) makes
//! them return `None`, and the caller falls back to the serde path, which gives the precise
//! error. So they are only a shortcut, never a looser parser.

use super::public::MsgHead;
use crate::domain::{BookUpdate, Level, Price, Qty, Side, Symbol, Trade};

mod book;
mod kline;
mod trade;
pub use kline::kline;

struct Scan<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    #[inline]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if c == b' ' || c == b'\n' || c == b'\r' || c == b'\t' {
                self.i += 1;
            } else {
                break;
            }
        }
    }
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }
    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        if self.peek()? == c {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }
    /// A quoted decimal (`"69712.40"`) as raw 1e-8 units, in one pass over the bytes. The
    /// common shape (1-10 integer digits, up to 8 decimals) is read here; anything else is
    /// handed to `str` + [`decimal`] from the same position, so the result is always theirs.
    #[inline]
    fn quoted_decimal(&mut self) -> Option<i64> {
        let before = self.i;
        self.eat(b'"')?;
        let b = self.b;
        if let Some((raw, end)) = swar_decimal(b, self.i) {
            self.i = end;
            return Some(raw);
        }
        let mut i = self.i;
        let neg = b.get(i) == Some(&b'-');
        i += neg as usize;
        let int_start = i;
        let mut v: u64 = 0;
        while let Some(&c) = b.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            v = v.wrapping_mul(10).wrapping_add((c - b'0') as u64);
            i += 1;
        }
        let int_len = i - int_start;
        let mut frac_len = 0;
        let mut dot_ok = true;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let frac_start = i;
            while let Some(&c) = b.get(i) {
                if !c.is_ascii_digit() {
                    break;
                }
                v = v.wrapping_mul(10).wrapping_add((c - b'0') as u64);
                i += 1;
            }
            frac_len = i - frac_start;
            dot_ok = frac_len > 0;
        }
        if dot_ok && (1..=10).contains(&int_len) && frac_len <= 8 && b.get(i) == Some(&b'"') {
            const POW: [u64; 9] = [100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];
            self.i = i + 1;
            // At most 18 digits: the value is below 1e18, far inside i64.
            let raw = (v * POW[frac_len]) as i64;
            return Some(if neg { -raw } else { raw });
        }
        self.i = before;
        decimal(self.str()?)
    }
    /// A string without escapes (escapes or control characters: `None`).
    #[inline]
    fn str(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        let len = string_len(&self.b[start..])?;
        self.i = start + len;
        if self.b[self.i] != b'"' {
            return None;
        }
        self.i += 1;
        // Quotes are ASCII, so both ends are char boundaries of the original text.
        self.s.get(start..start + len)
    }
    #[inline]
    fn uint(&mut self) -> Option<u64> {
        self.ws();
        let start = self.i;
        let mut v: u64 = 0;
        while let Some(&c) = self.b.get(self.i) {
            if !c.is_ascii_digit() {
                break;
            }
            v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
            self.i += 1;
        }
        let leading_zero = self.i - start > 1 && self.b[start] == b'0';
        if self.i == start || leading_zero || matches!(self.b.get(self.i), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        Some(v)
    }
    #[inline]
    fn int(&mut self) -> Option<i64> {
        i64::try_from(self.uint()?).ok()
    }
    #[inline]
    fn boolean(&mut self) -> Option<()> {
        self.ws();
        let rest = &self.b[self.i..];
        let n = if rest.starts_with(b"true") {
            4
        } else if rest.starts_with(b"false") {
            5
        } else {
            return None;
        };
        self.i += n;
        match self.b.get(self.i) {
            Some(c) if c.is_ascii_alphanumeric() => None,
            _ => Some(()),
        }
    }
    /// After a value: `,` (more) or the closing bracket `close` (done).
    #[inline]
    fn next(&mut self, close: u8) -> Option<bool> {
        match self.peek()? {
            b',' => {
                self.i += 1;
                Some(true)
            }
            c if c == close => {
                self.i += 1;
                Some(false)
            }
            _ => None,
        }
    }
    /// Skips any JSON value, checking its structure (bails on escapes and deep nesting).
    fn skip(&mut self) -> Option<()> {
        self.skip_at(0)
    }
    fn skip_at(&mut self, depth: u32) -> Option<()> {
        if depth > 32 {
            return None;
        }
        match self.peek()? {
            b'"' => self.str().map(|_| ()),
            b'{' => self.object(|_, s| s.skip_at(depth + 1)),
            b'[' => self.array(|s| s.skip_at(depth + 1)),
            _ => self.scalar(),
        }
    }
    /// A number, `true`, `false` or `null`.
    fn scalar(&mut self) -> Option<()> {
        let start = self.i;
        while let Some(&c) = self.b.get(self.i) {
            if c.is_ascii_alphanumeric() || c == b'-' || c == b'+' || c == b'.' {
                self.i += 1;
            } else {
                break;
            }
        }
        let tok = &self.b[start..self.i];
        (matches!(tok, b"true" | b"false" | b"null") || is_json_number(tok)).then_some(())
    }
    /// Iterates an object: calls `f(key, scan)` for each key, `f` must consume the value.
    #[inline]
    fn object(&mut self, mut f: impl FnMut(&'a str, &mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let k = self.str()?;
            self.eat(b':')?;
            f(k, self)?;
            if !self.next(b'}')? {
                return Some(());
            }
        }
    }
    /// Iterates an array: calls `f(scan)` for each element.
    #[inline]
    fn array(&mut self, mut f: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.i += 1;
            return Some(());
        }
        loop {
            f(self)?;
            if !self.next(b']')? {
                return Some(());
            }
        }
    }
    fn end(&mut self) -> Option<()> {
        self.ws();
        (self.i == self.b.len()).then_some(())
    }
}

/// Bytes before the first `"`, `\\` or control character, eight bytes at a time (SWAR: a
/// byte-equality test per lane with the classic "has zero byte" trick; the lowest flagged lane
/// is always exact).
#[inline]
fn string_len(b: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while i + 8 <= b.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        let v = u64::from_le_bytes(w);
        let quote = v ^ (LO * b'"' as u64);
        let slash = v ^ (LO * b'\\' as u64);
        let m =
            (quote.wrapping_sub(LO) & !quote) | (slash.wrapping_sub(LO) & !slash) | (v.wrapping_sub(LO * 0x20) & !v);
        let m = m & HI;
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..].iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).map(|p| i + p)
}

const ASCII_ZEROS: u64 = 0x3030_3030_3030_3030;

/// The eight bytes at `at` as a little-endian word (first byte lowest), if there are eight.
#[inline]
fn word_at(b: &[u8], at: usize) -> Option<u64> {
    let bytes: [u8; 8] = b.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// How many of the word's bytes, from the first, are ASCII digits (0-8).
#[inline]
fn digit_run(w: u64) -> usize {
    const LO_NIBBLES: u64 = 0x0F0F_0F0F_0F0F_0F0F;
    let x = w ^ ASCII_ZEROS;
    // A digit byte is 0x00-0x09 after the xor: no high nibble, and adding 6 to the low nibble
    // does not reach 0x10 (no carry between lanes: a low nibble plus 6 stays below 0x16).
    let flags = (x & !LO_NIBBLES) | (((x & LO_NIBBLES) + 0x0606_0606_0606_0606) & 0x1010_1010_1010_1010);
    // A lane is flagged when its byte is not zero.
    let nonzero = (((flags & 0x7F7F_7F7F_7F7F_7F7F) + 0x7F7F_7F7F_7F7F_7F7F) | flags) & 0x8080_8080_8080_8080;
    (nonzero.trailing_zeros() / 8) as usize
}

/// The value of the first `n` (1-8) digit bytes of `w`: they are moved to the top of the word
/// and the rest filled with `'0'`, then combined pairwise (2, 4, 8 digits) with multiplies.
#[inline]
fn digits_value(w: u64, n: usize) -> u64 {
    let w = if n >= 8 { w } else { (w << (8 * (8 - n))) | (ASCII_ZEROS >> (8 * n)) };
    // The products carry past bit 63 by design: only bits 32-63 of the sum are kept.
    let v = w.wrapping_sub(ASCII_ZEROS);
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    let lo = (v & 0x0000_00FF_0000_00FF).wrapping_mul(100 + (1_000_000 << 32));
    let hi = ((v >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32));
    lo.wrapping_add(hi) >> 32
}

/// Word-at-a-time reading of the usual quoted decimal, from just after its opening quote at
/// `at`: 1-7 integer digits, optionally `.` and 1-8 fraction digits, then `"`. Returns the raw
/// 1e-8 value and the position after the closing quote; `None` for any other shape (the
/// byte-wise reader then decides), so the result is always the byte-wise reader's.
#[inline]
fn swar_decimal(b: &[u8], at: usize) -> Option<(i64, usize)> {
    const POW: [u64; 9] = [100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];
    let w = word_at(b, at)?;
    let int_len = digit_run(w);
    if int_len == 0 || int_len == 8 {
        return None;
    }
    let int = digits_value(w, int_len);
    let after = at + int_len;
    match b[after] {
        b'"' => Some(((int * POW[0]) as i64, after + 1)),
        b'.' => {
            let f = word_at(b, after + 1)?;
            let frac_len = digit_run(f);
            let close = after + 1 + frac_len;
            if frac_len == 0 || b.get(close) != Some(&b'"') {
                return None;
            }
            // Below 1e7 · 1e8 + 1e8: far inside i64.
            Some(((int * POW[0] + digits_value(f, frac_len) * POW[frac_len]) as i64, close + 1))
        }
        _ => None,
    }
}

/// A decimal string as raw 1e-8 units, exactly like the domain parser: the plain shape
/// `-?digits[.digits]` with at most 10 integer and 8 fraction digits is read here with `u64`
/// arithmetic; anything else goes through `crate::domain` parsing (`None` if that fails).
#[inline]
pub(crate) fn decimal(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    let dot = digits.iter().position(|&c| c == b'.').unwrap_or(digits.len());
    let (int, frac) = (&digits[..dot], digits.get(dot + 1..).unwrap_or(&[]));
    let plain = !int.is_empty()
        && int.len() <= 10
        && frac.len() <= 8
        && (dot == digits.len() || !frac.is_empty())
        && int.iter().chain(frac).all(u8::is_ascii_digit);
    if !plain {
        return t.parse::<Price>().ok().map(Price::raw);
    }
    let mut v: u64 = 0;
    for &c in int {
        v = v * 10 + (c - b'0') as u64;
    }
    let mut f: u64 = 0;
    for &c in frac {
        f = f * 10 + (c - b'0') as u64;
    }
    const POW: [u64; 9] = [100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];
    let raw = v * 100_000_000 + f * POW[frac.len()];
    let raw = raw as i64; // < 1e18: at most 10 + 8 digits, far inside i64.
    Some(if neg { -raw } else { raw })
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
fn is_json_number(t: &[u8]) -> bool {
    let mut i = 0;
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < t.len() && t[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - s
    };
    if t.first() == Some(&b'-') {
        i += 1;
    }
    let int_start = i;
    let n = digits(&mut i);
    if n == 0 || (n > 1 && t[int_start] == b'0') {
        return false;
    }
    if t.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(t.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(t.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == t.len()
}

fn side(s: &str) -> Option<Side> {
    match s {
        "Buy" => Some(Side::Buy),
        "Sell" => Some(Side::Sell),
        _ => None,
    }
}

/// Envelope with a `data` reader; checks `topic` and `ts` are present and nothing trails.
fn envelope<'a>(text: &'a str, mut data: impl FnMut(&mut Scan<'a>) -> Option<()>) -> Option<MsgHead<'a>> {
    let mut s = Scan { s: text, b: text.as_bytes(), i: 0 };
    let mut head = MsgHead::default();
    let (mut has_topic, mut has_ts, mut has_data) = (false, false, false);
    s.object(|k, s| {
        match k {
            "topic" => {
                head.topic = s.str()?;
                has_topic = true;
            }
            "type" => head.kind = s.str()?,
            "ts" => {
                head.ts = s.int()?;
                has_ts = true;
            }
            "cts" => head.cts = Some(s.int()?),
            "data" if !has_data => {
                data(s)?;
                has_data = true;
            }
            "data" => return None,
            _ => s.skip()?,
        }
        Some(())
    })?;
    s.end()?;
    (has_topic && has_ts && has_data).then_some(head)
}

/// Fast `publicTrade` parse; `None` means "use the serde path" (`out` is left as it was).
/// Bybit's own layout is read in order (`trade::in_bybit_order`), anything else by key.
pub fn trades<'a>(text: &'a str, out: &mut Vec<Trade>) -> Option<MsgHead<'a>> {
    trade::in_bybit_order(text, out).or_else(|| trades_by_keys(text, out))
}

/// `publicTrade` in any key order, with whitespace and unknown keys.
fn trades_by_keys<'a>(text: &'a str, out: &mut Vec<Trade>) -> Option<MsgHead<'a>> {
    let len = out.len();
    let head = envelope(text, |s| {
        s.array(|s| {
            let (mut t, mut sym, mut sd, mut q, mut p, mut id) = (None, None, None, None, None, None);
            s.object(|k, s| {
                // A repeated field is an error for serde: leave it to that path.
                match k {
                    "T" if t.is_none() => t = Some(s.int()?),
                    "s" if sym.is_none() => sym = Some(Symbol::new(s.str()?).ok()?),
                    "S" if sd.is_none() => sd = Some(side(s.str()?)?),
                    "v" if q.is_none() => q = Some(Qty::from_raw(s.quoted_decimal()?)),
                    "p" if p.is_none() => p = Some(Price::from_raw(s.quoted_decimal()?)),
                    "i" if id.is_none() => id = Some(super::public::trade_id_of(s.str()?)),
                    "T" | "s" | "S" | "v" | "p" | "i" => return None,
                    // Typed by the serde path too, so checked here the same way.
                    "seq" => {
                        s.uint()?;
                    }
                    "BT" | "RPI" => s.boolean()?,
                    "L" => {
                        s.str()?;
                    }
                    _ => s.skip()?,
                }
                Some(())
            })?;
            out.push(Trade { symbol: sym?, ts_ms: t?, price: p?, qty: q?, taker_side: sd?, trade_id: id? });
            Some(())
        })
    });
    if head.is_none() {
        out.truncate(len);
    }
    head
}

fn levels(s: &mut Scan<'_>, out: &mut Vec<Level>) -> Option<()> {
    s.array(|s| {
        s.eat(b'[')?;
        let price = Price::from_raw(s.quoted_decimal()?);
        s.eat(b',')?;
        let qty = Qty::from_raw(s.quoted_decimal()?);
        s.eat(b']')?;
        out.push(Level { price, qty });
        Some(())
    })
}

/// Fast `orderbook.*` parse into `out` (kind and ts are set by the caller); `None` means "use
/// the serde path". Bybit's own layout is read in order (`book::in_bybit_order`), anything
/// else by key.
pub fn book<'a>(text: &'a str, out: &mut BookUpdate) -> Option<MsgHead<'a>> {
    book::in_bybit_order(text, out).or_else(|| book_by_keys(text, out))
}

/// `orderbook.*` in any key order, with whitespace and unknown keys.
fn book_by_keys<'a>(text: &'a str, out: &mut BookUpdate) -> Option<MsgHead<'a>> {
    envelope(text, |s| {
        out.bids.clear();
        out.asks.clear();
        let (mut has_s, mut has_u) = (false, false);
        s.object(|k, s| {
            match k {
                "s" => {
                    out.symbol = Symbol::new(s.str()?).ok()?;
                    has_s = true;
                }
                "b" => levels(s, &mut out.bids)?,
                "a" => levels(s, &mut out.asks)?,
                "u" => {
                    out.update_id = s.uint()?;
                    has_u = true;
                }
                "seq" => out.seq = s.uint()?,
                _ => s.skip()?,
            }
            Some(())
        })?;
        (has_s && has_u).then_some(())
    })
}

#[cfg(test)]
pub(crate) fn string_len_for_tests(b: &[u8]) -> Option<usize> {
    string_len(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass reader must agree with `str` + `decimal` on every input, and leave the
    /// scanner at the same place.
    fn both(text: &str) -> (Option<i64>, usize, Option<i64>, usize) {
        let mut a = Scan { s: text, b: text.as_bytes(), i: 0 };
        let fast = a.quoted_decimal();
        let mut b = Scan { s: text, b: text.as_bytes(), i: 0 };
        let slow = b.str().and_then(decimal);
        (fast, a.i, slow, b.i)
    }

    #[test]
    fn quoted_decimal_matches_the_general_path() {
        let cases = [
            "\"69712.40\"",
            "\"0.001\"",
            "\"12\"",
            "\"-3.5\"",
            "\"1234567890.12345678\"",
            "\"12345678901\"",
            "\"1.123456789\"",
            "\"5.\"",
            "\".5\"",
            "\"-\"",
            "\"\"",
            "\"1e5\"",
            "\"00012.5\"",
            "\"99999999999999999999999\"",
            "\"1.5",
            "  \"7.25\"",
            "7.25",
        ];
        for c in cases {
            let (fast, fi, slow, si) = both(c);
            assert_eq!(fast, slow, "value of {c}");
            if fast.is_some() {
                assert_eq!(fi, si, "position after {c}");
            }
        }
        assert_eq!(both("\"69712.40\"").0, Some(6_971_240_000_000));
        assert_eq!(both("\"-3.5\"").0, Some(-350_000_000));
    }

    #[test]
    fn word_reader_handles_digit_runs() {
        let w = |s: &str| word_at(s.as_bytes(), 0).unwrap();
        assert_eq!(digit_run(w("69712.40")), 5);
        assert_eq!(digit_run(w("12345678")), 8);
        assert_eq!(digit_run(w("/:09\"xyz")), 0); // '/' and ':' border the digits
        assert_eq!(digit_run(w("9:000000")), 1);
        assert_eq!(digits_value(w("69712.40"), 5), 69_712);
        assert_eq!(digits_value(w("12345678"), 8), 12_345_678);
        assert_eq!(digits_value(w("40\"]]xyz"), 2), 40);
        // Through the scanner, with room after the number for a whole word.
        let text = "\"69712.40\",\"0.001\"]]";
        let mut s = Scan { s: text, b: text.as_bytes(), i: 0 };
        assert_eq!(s.quoted_decimal(), Some(6_971_240_000_000));
        assert_eq!(s.eat(b','), Some(()));
        assert_eq!(s.quoted_decimal(), Some(100_000));
        assert_eq!(&text[s.i..], "]]");
    }

    proptest::proptest! {
        /// Numbers followed by more frame, so the word-at-a-time reader gets its eight bytes.
        #[test]
        fn quoted_decimal_agrees_inside_a_frame(body in "[-0-9.e]{0,20}", tail in "[0-9.\",\\]]{0,12}") {
            let text = format!("\"{body}\"{tail}");
            let (fast, fi, slow, si) = both(&text);
            proptest::prop_assert_eq!(fast, slow);
            if fast.is_some() {
                proptest::prop_assert_eq!(fi, si);
            }
        }

        #[test]
        fn quoted_decimal_agrees_on_arbitrary_text(body in "[-0-9.e]{0,24}") {
            let text = format!("\"{body}\"");
            let (fast, fi, slow, si) = both(&text);
            proptest::prop_assert_eq!(fast, slow);
            if fast.is_some() {
                proptest::prop_assert_eq!(fi, si);
            }
        }
    }
}
