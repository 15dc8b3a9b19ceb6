//! serde helpers for Bybit's number conventions: numbers sent as strings (`"1718000000201"`),
//! absent values sent as `""`, and numbers formatted with a fixed count of decimals.

use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};
use std::fmt::{self, Display};
use std::marker::PhantomData;
use std::str::FromStr;

struct OptVisitor<T>(PhantomData<T>);

impl<'de, T> Visitor<'de> for OptVisitor<T>
where
    T: FromStr,
    T::Err: Display,
{
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, a numeric string, \"\" or null")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<T>, E> {
        if v.is_empty() {
            return Ok(None);
        }
        v.parse().map(Some).map_err(|e| E::custom(format_args!("`{v}`: {e}")))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<T>, E> {
        self.visit_str(&v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<T>, E> {
        self.visit_str(&v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<T>, E> {
        if !v.is_finite() {
            return Err(E::custom("non-finite number"));
        }
        self.visit_str(&format!("{v}"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_any(self)
    }
}

/// `Option<T>` from a string or number; `""`, `null` and a missing field (with
/// `#[serde(default)]`) are `None`. Serialises `None` as `""`, as Bybit does.
pub mod opt {
    use super::*;

    pub fn deserialize<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: FromStr,
        T::Err: Display,
    {
        d.deserialize_any(OptVisitor(PhantomData))
    }

    pub fn serialize<S: Serializer, T: Display>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.collect_str(v),
            None => s.serialize_str(""),
        }
    }
}

/// A required value sent as a string or a number (`"1718000000201"` or `1718000000201`);
/// serialised as a string.
pub mod text {
    use super::*;

    pub fn deserialize<'de, D, T>(d: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: FromStr,
        T::Err: Display,
    {
        d.deserialize_any(OptVisitor(PhantomData))?
            .ok_or_else(|| de::Error::custom("empty value where one is required"))
    }

    pub fn serialize<S: Serializer, T: Display>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }
}

/// A value that is a string on one endpoint and a number on another (`seq`, `positionIdx`);
/// read either way, written as a JSON number. Missing or `""` is `None`.
pub mod opt_num {
    use super::*;

    pub fn deserialize<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: FromStr,
        T::Err: Display,
    {
        d.deserialize_any(OptVisitor(PhantomData))
    }

    pub fn serialize<S: Serializer, T: serde::Serialize>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => v.serialize(s),
            None => s.serialize_none(),
        }
    }
}

/// Formats raw 1e-8 units with exactly the decimals a grid step implies (`step` 0.001 → `"0.010"`).
/// This is how Bybit prints prices and quantities; use it when a wire value must look exactly
/// like Bybit's (the mock server, order bodies).
pub fn format_on_step(raw: i64, step_raw: i64) -> String {
    let decimals = decimals_of(step_raw);
    let scale = crate::domain::SCALE;
    let neg = raw < 0;
    let abs = (raw as i128).unsigned_abs();
    let int = abs / scale as u128;
    let frac = abs % scale as u128;
    let mut s = String::with_capacity(24);
    if neg {
        s.push('-');
    }
    s.push_str(&int.to_string());
    if decimals > 0 {
        let digits = format!("{frac:08}");
        s.push('.');
        s.push_str(&digits[..decimals as usize]);
    }
    s
}

/// Number of decimals of a step in raw units (`0.001` → 3, `1` → 0, `0.5` → 1).
pub fn decimals_of(step_raw: i64) -> u32 {
    if step_raw <= 0 {
        return crate::domain::DECIMALS;
    }
    let mut d = crate::domain::DECIMALS;
    let mut v = step_raw;
    while d > 0 && v % 10 == 0 {
        v /= 10;
        d -= 1;
    }
    d
}

/// `None` for Bybit's "not set" values (`""` already maps to `None`; `"0"`/`"0.00"` here).
pub fn nonzero<T: Copy + Default + PartialEq>(v: Option<T>) -> Option<T> {
    v.filter(|x| *x != T::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Price, Qty};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct S {
        #[serde(default, with = "opt")]
        p: Option<Price>,
        #[serde(with = "text")]
        t: i64,
        #[serde(default, with = "opt_num")]
        seq: Option<u64>,
    }

    #[test]
    fn empty_strings_are_none_and_numbers_may_be_strings() {
        let s: S = serde_json::from_str(r#"{"p":"","t":"1718000000201","seq":"42"}"#).unwrap();
        assert_eq!(s, S { p: None, t: 1_718_000_000_201, seq: Some(42) });
        let s: S = serde_json::from_str(r#"{"p":"69712.40","t":17,"seq":9512347765}"#).unwrap();
        assert_eq!(s.p.unwrap().raw(), 6_971_240_000_000);
        assert_eq!(s.seq, Some(9_512_347_765));
        let s: S = serde_json::from_str(r#"{"t":"1"}"#).unwrap();
        assert_eq!((s.p, s.seq), (None, None));
        assert!(serde_json::from_str::<S>(r#"{"t":""}"#).is_err());
        assert!(serde_json::from_str::<S>(r#"{"p":"abc","t":"1"}"#).unwrap_err().to_string().contains("`abc`"));
        let out = serde_json::to_string(&S { p: None, t: 5, seq: Some(7) }).unwrap();
        assert_eq!(out, r#"{"p":"","t":"5","seq":7}"#);
    }

    #[test]
    fn formats_with_step_decimals() {
        let step: Qty = "0.001".parse().unwrap();
        let q: Qty = "0.01".parse().unwrap();
        assert_eq!(format_on_step(q.raw(), step.raw()), "0.010");
        let tick: Price = "0.10".parse().unwrap();
        assert_eq!(format_on_step(Price::from_int(69000).raw(), tick.raw()), "69000.0");
        assert_eq!(format_on_step(-150_000_000, Price::ONE.raw()), "-1");
        assert_eq!(decimals_of("0.5".parse::<Price>().unwrap().raw()), 1);
        assert_eq!(nonzero(Some(Price::ZERO)), None);
        assert_eq!(nonzero(Some(Price::ONE)), Some(Price::ONE));
    }
}
