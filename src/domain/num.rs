//! Exact fixed-point numbers for the order path: prices, quantities, money and rates.
//!
//! Every value is an `i64` count of 1e-8 units, so tick/step rounding, notional and fee
//! arithmetic are integer operations (with `i128` intermediates) and never drift like `f64`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Number of fractional decimal digits every fixed-point value carries.
pub const DECIMALS: u32 = 8;
/// Raw units per whole unit (10^DECIMALS).
pub const SCALE: i64 = 100_000_000;

/// Why a decimal string could not be read as a fixed-point number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseDecimalError {
    #[error("empty number")]
    Empty,
    #[error("`{0}` is not a decimal number")]
    Invalid(String),
    #[error("`{0}` has more than 8 decimal places")]
    TooPrecise(String),
    #[error("`{0}` is out of range")]
    OutOfRange(String),
}

/// How to round a value onto a grid (tick size or quantity step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Towards negative infinity.
    Down,
    /// Towards positive infinity.
    Up,
    /// To the nearest grid point, halves to even.
    Nearest,
}

/// Parses a plain decimal (`-12.345`, `1e-3` is not accepted) into raw 1e-8 units, exactly.
pub fn parse_raw(s: &str) -> Result<i64, ParseDecimalError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(ParseDecimalError::Empty);
    }
    let bytes = s.as_bytes();
    let (neg, digits) = match bytes[0] {
        b'-' => (true, &bytes[1..]),
        b'+' => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    if digits.is_empty() {
        return Err(ParseDecimalError::Invalid(s.to_string()));
    }
    let mut int_part: i128 = 0;
    let mut frac_part: i128 = 0;
    let mut frac_digits = 0u32;
    let mut seen_dot = false;
    let mut any_digit = false;
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                any_digit = true;
                let d = (b - b'0') as i128;
                if seen_dot {
                    if frac_digits == DECIMALS {
                        if d != 0 {
                            return Err(ParseDecimalError::TooPrecise(s.to_string()));
                        }
                        continue;
                    }
                    frac_part = frac_part * 10 + d;
                    frac_digits += 1;
                } else {
                    int_part = int_part * 10 + d;
                    if int_part > i64::MAX as i128 {
                        return Err(ParseDecimalError::OutOfRange(s.to_string()));
                    }
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return Err(ParseDecimalError::Invalid(s.to_string())),
        }
    }
    if !any_digit {
        return Err(ParseDecimalError::Invalid(s.to_string()));
    }
    let raw = int_part * SCALE as i128 + frac_part * 10i128.pow(DECIMALS - frac_digits);
    let raw = if neg { -raw } else { raw };
    i64::try_from(raw).map_err(|_| ParseDecimalError::OutOfRange(s.to_string()))
}

/// Writes raw 1e-8 units as a plain decimal with trailing zeros dropped (`61837.63`).
/// The text is built in a stack buffer: printing a price or quantity allocates nothing.
pub fn format_raw(raw: i64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let mut buf = [0u8; RAW_TEXT_MAX];
    f.write_str(raw_text(raw, &mut buf))
}

/// The longest text of raw units: a sign, 11 integer digits, the point and 8 decimals.
const RAW_TEXT_MAX: usize = 24;

/// The text of `raw` (as `format_raw` writes it), right-aligned in `buf`.
fn raw_text(raw: i64, buf: &mut [u8; RAW_TEXT_MAX]) -> &str {
    let abs = raw.unsigned_abs();
    let mut int = abs / SCALE as u64;
    let mut frac = abs % SCALE as u64;
    let mut i = RAW_TEXT_MAX;
    if frac != 0 {
        let mut digits = DECIMALS;
        while frac % 10 == 0 {
            frac /= 10;
            digits -= 1;
        }
        for _ in 0..digits {
            i -= 1;
            buf[i] = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        i -= 1;
        buf[i] = b'.';
    }
    loop {
        i -= 1;
        buf[i] = b'0' + (int % 10) as u8;
        int /= 10;
        if int == 0 {
            break;
        }
    }
    if raw < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    // Only ASCII digits, '.' and '-' were written.
    std::str::from_utf8(&buf[i..]).unwrap_or_default()
}

/// Rounds `raw` to a multiple of `step` (both raw units, `step > 0`).
pub fn round_raw(raw: i64, step: i64, mode: Rounding) -> i64 {
    if step <= 1 {
        return raw;
    }
    let q = raw.div_euclid(step);
    let r = raw.rem_euclid(step);
    if r == 0 {
        return raw;
    }
    let down = q * step;
    match mode {
        Rounding::Down => down,
        Rounding::Up => down + step,
        Rounding::Nearest => {
            let twice = 2 * r;
            if twice > step || (twice == step && q % 2 != 0) {
                down + step
            } else {
                down
            }
        }
    }
}

/// Divides an i128 by a positive i128, rounding half to even.
pub fn div_round_half_even(num: i128, den: i128) -> i128 {
    debug_assert!(den > 0);
    let q = num.div_euclid(den);
    let r = num.rem_euclid(den);
    let twice = 2 * r;
    if twice > den || (twice == den && q % 2 != 0) {
        q + 1
    } else {
        q
    }
}

macro_rules! fixed_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(i64);

        impl $name {
            pub const ZERO: Self = Self(0);
            pub const ONE: Self = Self(SCALE);
            pub const MAX: Self = Self(i64::MAX);

            /// From raw 1e-8 units.
            #[inline]
            pub const fn from_raw(raw: i64) -> Self {
                Self(raw)
            }
            /// Raw 1e-8 units.
            #[inline]
            pub const fn raw(self) -> i64 {
                self.0
            }
            /// A whole number of units.
            #[inline]
            pub const fn from_int(v: i64) -> Self {
                Self(v * SCALE)
            }
            /// For analytics and display only; the order path stays exact.
            #[inline]
            pub fn to_f64(self) -> f64 {
                self.0 as f64 / SCALE as f64
            }
            /// Nearest representable value to `v`; `None` for NaN, infinities or out of range.
            pub fn from_f64(v: f64) -> Option<Self> {
                let scaled = (v * SCALE as f64).round();
                if scaled.is_finite() && scaled.abs() < 9.2e18 {
                    Some(Self(scaled as i64))
                } else {
                    None
                }
            }
            #[inline]
            pub fn is_zero(self) -> bool {
                self.0 == 0
            }
            #[inline]
            pub fn is_positive(self) -> bool {
                self.0 > 0
            }
            #[inline]
            pub fn is_negative(self) -> bool {
                self.0 < 0
            }
            #[inline]
            pub fn abs(self) -> Self {
                Self(self.0.abs())
            }
            #[inline]
            pub fn min(self, o: Self) -> Self {
                if self.0 <= o.0 { self } else { o }
            }
            #[inline]
            pub fn max(self, o: Self) -> Self {
                if self.0 >= o.0 { self } else { o }
            }
            /// Rounds onto a grid of `step` (a tick size or quantity step).
            #[inline]
            pub fn round_to(self, step: Self, mode: Rounding) -> Self {
                Self(round_raw(self.0, step.0, mode))
            }
            /// Whether the value lies exactly on the grid of `step`.
            #[inline]
            pub fn is_multiple_of(self, step: Self) -> bool {
                step.0 <= 0 || self.0 % step.0 == 0
            }
            #[inline]
            pub fn checked_add(self, o: Self) -> Option<Self> {
                self.0.checked_add(o.0).map(Self)
            }
            #[inline]
            pub fn checked_sub(self, o: Self) -> Option<Self> {
                self.0.checked_sub(o.0).map(Self)
            }
            /// Multiplies by an integer count.
            #[inline]
            pub fn times(self, n: i64) -> Self {
                Self(self.0 * n)
            }
            /// `self * rate`, rounded half to even at 1e-8.
            #[inline]
            pub fn mul_rate(self, rate: Rate) -> Self {
                Self(div_round_half_even(self.0 as i128 * rate.raw() as i128, SCALE as i128) as i64)
            }
            /// `self / rate`, rounded half to even at 1e-8; `None` when `rate` is zero.
            #[inline]
            pub fn div_rate(self, rate: Rate) -> Option<Self> {
                if rate.raw() == 0 {
                    return None;
                }
                let (n, d) = if rate.raw() < 0 {
                    (-(self.0 as i128) * SCALE as i128, -(rate.raw() as i128))
                } else {
                    (self.0 as i128 * SCALE as i128, rate.raw() as i128)
                };
                Some(Self(div_round_half_even(n, d) as i64))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                format_raw(self.0, f)
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                format_raw(self.0, f)
            }
        }
        impl FromStr for $name {
            type Err = ParseDecimalError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_raw(s).map(Self)
            }
        }
        impl std::ops::Add for $name {
            type Output = Self;
            #[inline]
            fn add(self, o: Self) -> Self {
                Self(self.0 + o.0)
            }
        }
        impl std::ops::Sub for $name {
            type Output = Self;
            #[inline]
            fn sub(self, o: Self) -> Self {
                Self(self.0 - o.0)
            }
        }
        impl std::ops::Neg for $name {
            type Output = Self;
            #[inline]
            fn neg(self) -> Self {
                Self(-self.0)
            }
        }
        impl std::ops::AddAssign for $name {
            #[inline]
            fn add_assign(&mut self, o: Self) {
                self.0 += o.0;
            }
        }
        impl std::ops::SubAssign for $name {
            #[inline]
            fn sub_assign(&mut self, o: Self) {
                self.0 -= o.0;
            }
        }
        impl std::iter::Sum for $name {
            fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
                Self(iter.map(|v| v.0).sum())
            }
        }
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a decimal number or string")
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        v.parse().map_err(E::custom)
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$name, E> {
                        v.checked_mul(SCALE).map($name).ok_or_else(|| E::custom("out of range"))
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<$name, E> {
                        i64::try_from(v)
                            .ok()
                            .and_then(|v| v.checked_mul(SCALE))
                            .map($name)
                            .ok_or_else(|| E::custom("out of range"))
                    }
                    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<$name, E> {
                        // Through the shortest decimal text, so 0.1 stays exactly 0.1.
                        let text = format!("{v}");
                        if text.contains('e') {
                            return $name::from_f64(v).ok_or_else(|| E::custom("out of range"));
                        }
                        text.parse().map_err(E::custom)
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

fixed_type!(
    /// A price in quote currency (USDT for linear perpetuals).
    Price
);
fixed_type!(
    /// A quantity in base currency (contracts of one coin for linear perpetuals).
    Qty
);
fixed_type!(
    /// An amount of settlement currency: balances, PnL, fees, notional.
    Money
);
fixed_type!(
    /// A dimensionless ratio: fee rates, funding rates, leverage, fractions.
    Rate
);

impl std::ops::Mul<Qty> for Price {
    type Output = Money;
    /// Notional value, rounded half to even at 1e-8.
    #[inline]
    fn mul(self, q: Qty) -> Money {
        Money::from_raw(div_round_half_even(self.0 as i128 * q.0 as i128, SCALE as i128) as i64)
    }
}

impl Money {
    /// How much of an asset at `price` this amount buys, rounded down to `step`.
    pub fn qty_at(self, price: Price, step: Qty) -> Qty {
        if price.0 <= 0 {
            return Qty::ZERO;
        }
        let raw = (self.0 as i128 * SCALE as i128) / price.0 as i128;
        let raw = raw.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
        Qty::from_raw(round_raw(raw, step.0, Rounding::Down))
    }
    /// The ratio `self / other` as a rate; `None` when `other` is zero.
    pub fn ratio(self, other: Money) -> Option<Rate> {
        if other.0 == 0 {
            return None;
        }
        Some(Rate(div_round_half_even(self.0 as i128 * SCALE as i128, other.0 as i128) as i64))
    }
}

impl Qty {
    /// Signed quantity for a side: buys positive, sells negative.
    #[inline]
    pub fn signed(self, side: super::Side) -> Qty {
        match side {
            super::Side::Buy => self,
            super::Side::Sell => -self,
        }
    }
}

impl Price {
    /// The average price of a notional over a quantity (`value / qty`), half-even at 1e-8.
    pub fn average(value: Money, qty: Qty) -> Option<Price> {
        if qty.0 == 0 {
            return None;
        }
        let (n, d) = if qty.0 < 0 {
            (-(value.0 as i128) * SCALE as i128, -(qty.0 as i128))
        } else {
            (value.0 as i128 * SCALE as i128, qty.0 as i128)
        };
        Some(Price(div_round_half_even(n, d) as i64))
    }
}

#[cfg(test)]
mod tests {

    /// The text of raw units, worked out the slow way (decimal arithmetic on strings).
    fn raw_text_reference(raw: i64) -> String {
        let abs = (raw as i128).unsigned_abs();
        let frac = format!("{:08}", abs % SCALE as u128);
        let frac = frac.trim_end_matches('0');
        let sign = if raw < 0 { "-" } else { "" };
        let int = abs / SCALE as u128;
        if frac.is_empty() {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{frac}")
        }
    }

    #[test]
    fn raw_text_matches_the_reference_at_the_edges_and_across_magnitudes() {
        let mut cases =
            vec![0, 1, -1, 5, -5, 10, 100_000_000, -100_000_000, 123_456_789, i64::MAX, i64::MIN, i64::MIN + 1];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            // xorshift: values of every magnitude, both signs, with and without trailing zeros.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = (x >> (x % 60)) as i64;
            let v = if x & 1 == 1 { -v } else { v };
            cases.push(v);
            cases.push(v / 1000 * 1000);
        }
        for raw in cases {
            let mut buf = [0u8; RAW_TEXT_MAX];
            assert_eq!(raw_text(raw, &mut buf), raw_text_reference(raw), "raw {raw}");
        }
        assert_eq!(Price::from_raw(6_183_763_000_000).to_string(), "61837.63");
        assert_eq!(Qty::from_raw(-1_000).to_string(), "-0.00001");
    }
    use super::*;

    #[test]
    fn parses_and_formats_exactly() {
        let p: Price = "61837.63".parse().unwrap();
        assert_eq!(p.raw(), 6_183_763_000_000);
        assert_eq!(p.to_string(), "61837.63");
        assert_eq!("-0.00000001".parse::<Qty>().unwrap().raw(), -1);
        assert_eq!("0.100000000".parse::<Qty>().unwrap().raw(), 10_000_000);
        assert_eq!(Qty::from_raw(-150_000_000).to_string(), "-1.5");
        assert_eq!(Money::ZERO.to_string(), "0");
        assert!(matches!("1.000000001".parse::<Price>(), Err(ParseDecimalError::TooPrecise(_))));
        assert!(matches!("1e5".parse::<Price>(), Err(ParseDecimalError::Invalid(_))));
        assert!(matches!("".parse::<Price>(), Err(ParseDecimalError::Empty)));
        assert!(matches!("-".parse::<Price>(), Err(ParseDecimalError::Invalid(_))));
        assert!(matches!("1.2.3".parse::<Price>(), Err(ParseDecimalError::Invalid(_))));
        assert!(matches!("99999999999999999999".parse::<Price>(), Err(ParseDecimalError::OutOfRange(_))));
    }

    #[test]
    fn rounds_to_tick_in_every_mode() {
        let tick: Price = "0.5".parse().unwrap();
        let p: Price = "100.26".parse().unwrap();
        assert_eq!(p.round_to(tick, Rounding::Down).to_string(), "100");
        assert_eq!(p.round_to(tick, Rounding::Up).to_string(), "100.5");
        assert_eq!(p.round_to(tick, Rounding::Nearest).to_string(), "100.5");
        let half: Price = "100.25".parse().unwrap();
        // 100.25 is exactly between 100 and 100.5: half-even picks 100 (200 ticks is even).
        assert_eq!(half.round_to(tick, Rounding::Nearest).to_string(), "100");
        let neg: Price = "-1.2".parse().unwrap();
        assert_eq!(neg.round_to(tick, Rounding::Down).to_string(), "-1.5");
        assert!(!p.is_multiple_of(tick));
        assert!(p.round_to(tick, Rounding::Up).is_multiple_of(tick));
    }

    #[test]
    fn notional_fee_and_average_are_exact() {
        let price: Price = "30000.5".parse().unwrap();
        let qty: Qty = "0.003".parse().unwrap();
        let notional = price * qty;
        assert_eq!(notional.to_string(), "90.0015");
        let taker: Rate = "0.00055".parse().unwrap();
        // 90.0015 * 0.00055 = 0.049500825 -> 0.04950082 (half-even at 1e-8, the 5 is followed by nothing... 0.049500825 rounds to even 0.04950082)
        assert_eq!(notional.mul_rate(taker).to_string(), "0.04950082");
        let avg = Price::average("90.0015".parse().unwrap(), qty).unwrap();
        assert_eq!(avg, price);
        let budget: Money = "100".parse().unwrap();
        let step: Qty = "0.001".parse().unwrap();
        assert_eq!(budget.qty_at(price, step).to_string(), "0.003");
        let lev: Rate = "10".parse().unwrap();
        assert_eq!(notional.div_rate(lev).unwrap().to_string(), "9.00015");
    }

    #[test]
    fn serde_round_trips_as_string_and_accepts_numbers() {
        let p: Price = serde_json::from_str("\"0.1\"").unwrap();
        assert_eq!(p.raw(), 10_000_000);
        let p: Price = serde_json::from_str("0.1").unwrap();
        assert_eq!(p.raw(), 10_000_000);
        let p: Price = serde_json::from_str("42").unwrap();
        assert_eq!(p, Price::from_int(42));
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"42\"");
    }
}
