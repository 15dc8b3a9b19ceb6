//! Kline intervals, exactly the set Bybit V5 offers.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// A candle interval; names follow Bybit's `interval` parameter (`1m`-style labels are accepted
/// when reading too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Interval {
    #[serde(rename = "1")]
    M1,
    #[serde(rename = "3")]
    M3,
    #[serde(rename = "5")]
    M5,
    #[serde(rename = "15")]
    M15,
    #[serde(rename = "30")]
    M30,
    #[serde(rename = "60")]
    H1,
    #[serde(rename = "120")]
    H2,
    #[serde(rename = "240")]
    H4,
    #[serde(rename = "360")]
    H6,
    #[serde(rename = "720")]
    H12,
    #[serde(rename = "D")]
    D1,
    #[serde(rename = "W")]
    W1,
    #[serde(rename = "M")]
    Month,
}

/// An interval name that Bybit does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown interval `{0}` (use one of 1 3 5 15 30 60 120 240 360 720 D W M, or 1m 5m 1h 4h 1d ...)")]
pub struct UnknownInterval(pub String);

impl Interval {
    pub const ALL: [Interval; 13] = [
        Interval::M1,
        Interval::M3,
        Interval::M5,
        Interval::M15,
        Interval::M30,
        Interval::H1,
        Interval::H2,
        Interval::H4,
        Interval::H6,
        Interval::H12,
        Interval::D1,
        Interval::W1,
        Interval::Month,
    ];

    /// Bybit's spelling (`1`, `60`, `D`, ...).
    pub fn as_bybit(self) -> &'static str {
        match self {
            Interval::M1 => "1",
            Interval::M3 => "3",
            Interval::M5 => "5",
            Interval::M15 => "15",
            Interval::M30 => "30",
            Interval::H1 => "60",
            Interval::H2 => "120",
            Interval::H4 => "240",
            Interval::H6 => "360",
            Interval::H12 => "720",
            Interval::D1 => "D",
            Interval::W1 => "W",
            Interval::Month => "M",
        }
    }

    /// The interval for Bybit's exact spelling (`"1"`, `"60"`, `"D"`), without trimming or
    /// labels: the wire's fast path (anything else goes through `FromStr`).
    pub fn from_bybit(s: &str) -> Option<Interval> {
        Some(match s {
            "1" => Interval::M1,
            "3" => Interval::M3,
            "5" => Interval::M5,
            "15" => Interval::M15,
            "30" => Interval::M30,
            "60" => Interval::H1,
            "120" => Interval::H2,
            "240" => Interval::H4,
            "360" => Interval::H6,
            "720" => Interval::H12,
            "D" => Interval::D1,
            "W" => Interval::W1,
            "M" => Interval::Month,
            _ => return None,
        })
    }

    /// The short human label (`1m`, `1h`, `1d`).
    pub fn label(self) -> &'static str {
        match self {
            Interval::M1 => "1m",
            Interval::M3 => "3m",
            Interval::M5 => "5m",
            Interval::M15 => "15m",
            Interval::M30 => "30m",
            Interval::H1 => "1h",
            Interval::H2 => "2h",
            Interval::H4 => "4h",
            Interval::H6 => "6h",
            Interval::H12 => "12h",
            Interval::D1 => "1d",
            Interval::W1 => "1w",
            Interval::Month => "1M",
        }
    }

    /// Fixed length in milliseconds; `None` for the calendar month.
    pub fn duration_ms(self) -> Option<i64> {
        const MIN: i64 = 60_000;
        Some(match self {
            Interval::M1 => MIN,
            Interval::M3 => 3 * MIN,
            Interval::M5 => 5 * MIN,
            Interval::M15 => 15 * MIN,
            Interval::M30 => 30 * MIN,
            Interval::H1 => 60 * MIN,
            Interval::H2 => 120 * MIN,
            Interval::H4 => 240 * MIN,
            Interval::H6 => 360 * MIN,
            Interval::H12 => 720 * MIN,
            Interval::D1 => 1440 * MIN,
            Interval::W1 => 7 * 1440 * MIN,
            Interval::Month => return None,
        })
    }

    /// Open time of the bar that contains `ts_ms` (weeks start on Monday, as on Bybit).
    pub fn bar_open(self, ts_ms: i64) -> i64 {
        match self {
            Interval::W1 => {
                // 1970-01-01 was a Thursday; Monday 1970-01-05 is 4 days later.
                let week = 7 * 86_400_000;
                let offset = 4 * 86_400_000;
                (ts_ms - offset).div_euclid(week) * week + offset
            }
            Interval::Month => {
                let (y, m, _) = civil_from_days(ts_ms.div_euclid(86_400_000));
                days_from_civil(y, m, 1) * 86_400_000
            }
            other => {
                let d = other.duration_ms().unwrap_or(60_000);
                ts_ms.div_euclid(d) * d
            }
        }
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl std::str::FromStr for Interval {
    type Err = UnknownInterval;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        for i in Interval::ALL {
            if t == i.as_bybit() || t == i.label() {
                return Ok(i);
            }
        }
        Err(UnknownInterval(s.to_string()))
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) to days since 1970-01-01, proleptic Gregorian.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bybit_and_human_names() {
        assert_eq!("60".parse::<Interval>().unwrap(), Interval::H1);
        assert_eq!("4h".parse::<Interval>().unwrap(), Interval::H4);
        assert_eq!("D".parse::<Interval>().unwrap(), Interval::D1);
        assert!("7".parse::<Interval>().is_err());
        assert_eq!(Interval::ALL.len(), 13);
    }

    #[test]
    fn bar_open_aligns_to_calendar() {
        // 2024-01-03 12:34:56 UTC (a Wednesday)
        let ts = 1_704_285_296_000;
        assert_eq!(Interval::H1.bar_open(ts), 1_704_283_200_000);
        assert_eq!(Interval::D1.bar_open(ts), 1_704_240_000_000);
        // Monday 2024-01-01 00:00 UTC
        assert_eq!(Interval::W1.bar_open(ts), 1_704_067_200_000);
        assert_eq!(Interval::Month.bar_open(ts), 1_704_067_200_000);
        assert_eq!(civil_from_days(19_725), (2024, 1, 3));
    }
}
