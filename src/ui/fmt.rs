//! Text formatting for the screens: signed amounts, prices, percentages, UTC times, durations.
//! Every signed value carries its sign in text, so colour is never the only signal.

use crate::domain::{civil_from_days, Money};

/// `+1,234.56` / `-12.30` / `0.00` with two decimals and thousands separators.
pub fn signed_money(m: Money) -> String {
    signed_f64(m.to_f64(), 2)
}

/// A signed number with `decimals` places and thousands separators (`+1,234.5`).
pub fn signed_f64(v: f64, decimals: usize) -> String {
    let body = grouped(v.abs(), decimals);
    if body.chars().all(|c| c == '0' || c == '.' || c == ',') {
        return body;
    }
    if v > 0.0 {
        format!("+{body}")
    } else if v < 0.0 {
        format!("-{body}")
    } else {
        body
    }
}

/// Unsigned amount with thousands separators (`12,345.67`); negative keeps its `-`.
pub fn amount(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "—".to_string();
    }
    let body = grouped(v.abs(), decimals);
    if v < 0.0 && body.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("-{body}")
    } else {
        body
    }
}

fn grouped(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "—".to_string();
    }
    let s = format!("{v:.decimals$}");
    let (int, frac) = match s.find('.') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s.as_str(), ""),
    };
    let mut out = String::with_capacity(s.len() + int.len() / 3);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out.push_str(frac);
    out
}

/// Decimals needed to show every multiple of a step given in 1e-8 raw units (`0.10` → 1,
/// `0.0001` → 4, `1` → 0); 8 for a zero or negative step.
pub fn step_decimals(step_raw: i64) -> usize {
    if step_raw <= 0 {
        return 8;
    }
    let mut d = 8;
    let mut raw = step_raw;
    while d > 0 && raw % 10 == 0 {
        raw /= 10;
        d -= 1;
    }
    d
}

/// An exact fixed-point value (1e-8 raw units) with exactly `decimals` places, rounded half away
/// from zero when it has more (`6543210000000`, 2 → `65432.10`). No float on the way.
pub fn fixed(raw: i64, decimals: usize) -> String {
    let decimals = decimals.min(8);
    let unit = 10i128.pow(8 - decimals as u32);
    let v = raw as i128;
    let rounded = (v.abs() + unit / 2) / unit;
    let scale = 10i128.pow(decimals as u32);
    let (int, frac) = (rounded / scale, rounded % scale);
    let sign = if v < 0 && rounded != 0 { "-" } else { "" };
    if decimals == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac:0decimals$}")
    }
}

/// A percentage from a fraction, signed: `+1.25%`.
pub fn signed_pct(fraction: f64) -> String {
    format!("{}%", signed_f64(fraction * 100.0, 2))
}

/// Drawdown (a fraction of the peak, >= 0) shown the one way the screens use: a negative percent
/// (`-5.25%`), and `0.00%` when there is none.
pub fn drawdown_pct(fraction: f64) -> String {
    if !fraction.is_finite() {
        return "—".to_string();
    }
    let pct = format!("{:.2}", fraction.abs() * 100.0);
    if pct == "0.00" {
        "0.00%".to_string()
    } else {
        format!("-{pct}%")
    }
}

/// Event time as `2024-03-09 14:05:00Z`.
pub fn utc_datetime(ts_ms: i64) -> String {
    let secs = ts_ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Time of day `14:05:00`.
pub fn utc_time(ts_ms: i64) -> String {
    let rem = ts_ms.div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// A duration as `3d 04h`, `2h 05m`, `4m 10s`, `12s`.
pub fn duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    if d > 0 {
        format!("{d}d {h:02}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m {sec:02}s")
    } else {
        format!("{sec}s")
    }
}

/// Truncates to at most `width` characters, marking the cut with `…`.
pub fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_signed_and_grouped() {
        assert_eq!(signed_money(Money::from_raw(123_456_789_000)), "+1,234.57");
        assert_eq!(signed_money(-Money::from_int(12)), "-12.00");
        assert_eq!(signed_money(Money::ZERO), "0.00");
        // -0.001 rounds to zero: no sign on a zero.
        assert_eq!(signed_money(Money::from_raw(-100_000)), "0.00");
        assert_eq!(amount(1_234_567.0, 0), "1,234,567");
        assert_eq!(amount(-950.5, 1), "-950.5");
        assert_eq!(amount(f64::NAN, 2), "—");
        assert_eq!(signed_pct(-0.0525), "-5.25%");
    }

    #[test]
    fn fixed_point_at_tick_decimals() {
        assert_eq!(step_decimals(10_000_000), 1); // 0.1
        assert_eq!(step_decimals(10_000), 4); // 0.0001
        assert_eq!(step_decimals(100_000_000), 0); // 1
        assert_eq!(step_decimals(1), 8);
        assert_eq!(step_decimals(0), 8);
        // 65,432.1 at 2 decimals keeps the trailing zero.
        assert_eq!(fixed(6_543_210_000_000, 2), "65432.10");
        assert_eq!(fixed(6_543_210_000_000, 0), "65432");
        // 1.23456789 at 4 decimals rounds half away from zero: 1.2346; negative mirrors it.
        assert_eq!(fixed(123_456_789, 4), "1.2346");
        assert_eq!(fixed(-123_456_789, 4), "-1.2346");
        assert_eq!(fixed(-4_000, 4), "0.0000");
        assert_eq!(drawdown_pct(0.0525), "-5.25%");
        assert_eq!(drawdown_pct(0.0), "0.00%");
        assert_eq!(drawdown_pct(0.00001), "0.00%");
    }

    #[test]
    fn times_and_durations() {
        // 2024-03-09 14:05:07 UTC = 1709993107 s.
        assert_eq!(utc_datetime(1_709_993_107_000), "2024-03-09 14:05:07Z");
        assert_eq!(utc_time(1_709_993_107_999), "14:05:07");
        assert_eq!(utc_datetime(0), "1970-01-01 00:00:00Z");
        assert_eq!(duration(3 * 86_400_000 + 4 * 3_600_000), "3d 04h");
        assert_eq!(duration(2 * 3_600_000 + 5 * 60_000), "2h 05m");
        assert_eq!(duration(250_000), "4m 10s");
        assert_eq!(duration(-5), "0s");
        assert_eq!(clip("BREAKOUT", 5), "BREA…");
        assert_eq!(clip("abc", 5), "abc");
    }
}
