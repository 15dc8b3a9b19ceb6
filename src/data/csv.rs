//! CSV candle files (`ts_ms,open,high,low,close,volume`): strict parsing with line-numbered errors.
//!
//! The parser works on line slices of the whole text (no per-row allocation): prices go through
//! the exact fixed-point parser, volume through `f64`. Every malformed row is an error naming the
//! file and the 1-based line number; nothing is skipped silently. The store's bulk import reuses
//! [`parse_candles_into`].

use crate::domain::{Candle, Interval, Price, Symbol};
use std::path::{Path, PathBuf};

/// The only header accepted (surrounding whitespace and a UTF-8 BOM are tolerated).
pub const HEADER: &str = "ts_ms,open,high,low,close,volume";

/// Why a candle file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: expected the header `{HEADER}`, found `{found}`", path.display())]
    Header { path: PathBuf, found: String },
    #[error("{}:{line}: {message}", path.display())]
    Row { path: PathBuf, line: usize, message: String },
    #[error("{}: no candles in the file", path.display())]
    Empty { path: PathBuf },
}

/// Reads a whole candle file; any malformed row is an error naming the file and line.
pub fn read_candles(path: &Path, symbol: Symbol, interval: Interval) -> Result<Vec<Candle>, CsvError> {
    let bytes = std::fs::read(path).map_err(|source| CsvError::Io { path: path.to_path_buf(), source })?;
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => {
            // Name the line the bad byte sits on.
            let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
            return Err(CsvError::Row { path: path.to_path_buf(), line, message: "not valid UTF-8".into() });
        }
    };
    parse_candles(text, path, symbol, interval)
}

/// Parses candle text; `source` only names the origin in errors (use any label for strings).
pub fn parse_candles(text: &str, source: &Path, symbol: Symbol, interval: Interval) -> Result<Vec<Candle>, CsvError> {
    // ~48 bytes per row in typical files: reserve once.
    let mut out = Vec::with_capacity(text.len() / 40 + 1);
    parse_candles_into(text, source, symbol, interval, &mut out)?;
    if out.is_empty() {
        return Err(CsvError::Empty { path: source.to_path_buf() });
    }
    Ok(out)
}

/// Parses candle text, appending to `out` (which may hold earlier rows; timestamps must still
/// increase across the boundary). Returns the number of rows appended; zero rows is not an error
/// here. On error, `out` keeps the rows parsed before the bad one.
pub fn parse_candles_into(
    text: &str,
    source: &Path,
    symbol: Symbol,
    interval: Interval,
    out: &mut Vec<Candle>,
) -> Result<usize, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split('\n').enumerate();
    let header = loop {
        match lines.next() {
            None => return Err(CsvError::Empty { path: source.to_path_buf() }),
            Some((_, l)) if l.trim().is_empty() => continue,
            Some((_, l)) => break l.trim(),
        }
    };
    if header != HEADER {
        let found: String = header.chars().take(120).collect();
        return Err(CsvError::Header { path: source.to_path_buf(), found });
    }
    let start = out.len();
    let mut prev_ts = out.last().map(|c| c.ts_ms);
    for (idx, line) in lines {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let row_err = |message: String| CsvError::Row { path: source.to_path_buf(), line: idx + 1, message };
        let c = parse_row(line, symbol, interval).map_err(row_err)?;
        if let Some(p) = prev_ts {
            if c.ts_ms <= p {
                return Err(row_err(format!("timestamp {} does not increase (previous row has {p})", c.ts_ms)));
            }
        }
        prev_ts = Some(c.ts_ms);
        out.push(c);
    }
    Ok(out.len() - start)
}

/// Parses one data row (`ts_ms,open,high,low,close,volume`) into a closed candle, checking the
/// OHLC invariants. The message names the bad field; it allocates only on error.
pub fn parse_row(line: &str, symbol: Symbol, interval: Interval) -> Result<Candle, String> {
    let mut fields: [&str; 6] = [""; 6];
    let bytes = line.as_bytes();
    let (mut n, mut start) = (0usize, 0usize);
    for (i, &b) in bytes.iter().enumerate() {
        if b == b',' {
            if n == 5 {
                return Err(format!("expected 6 columns, found more in `{}`", clip(line)));
            }
            // Commas are ASCII, so these are char boundaries.
            fields[n] = &line[start..i];
            n += 1;
            start = i + 1;
        }
    }
    fields[n] = &line[start..];
    n += 1;
    if n != 6 {
        return Err(format!("expected 6 columns, found {n} in `{}`", clip(line)));
    }
    let ts_ms = parse_ts(fields[0])?;
    let open = price_field(fields[1], "open")?;
    let high = price_field(fields[2], "high")?;
    let low = price_field(fields[3], "low")?;
    let close = price_field(fields[4], "close")?;
    let vtext = fields[5].trim();
    let volume: f64 = vtext.parse().map_err(|_| format!("bad volume `{}`", clip(vtext)))?;
    if !volume.is_finite() || volume < 0.0 {
        return Err(format!("volume must be finite and not negative, got {}", clip(vtext)));
    }
    if high < low {
        return Err(format!("high {high} is below low {low}"));
    }
    if high < open || high < close {
        return Err(format!("high {high} is below open {open} or close {close}"));
    }
    if low > open || low > close {
        return Err(format!("low {low} is above open {open} or close {close}"));
    }
    Ok(Candle { symbol, interval, ts_ms, open, high, low, close, volume, turnover: 0.0, closed: true })
}

const POW10: [i64; 9] = [100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

/// Fast path for the plain prices data files hold (`61837.63`: up to 10 integer digits and
/// 1-8 decimals). `None` sends anything else to the full fixed-point parser, so results and
/// error messages are exactly those of `str::parse::<Price>()`.
#[inline]
fn plain_price_raw(s: &[u8]) -> Option<i64> {
    let mut i = 0;
    let mut int: i64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        int = int * 10 + (s[i] - b'0') as i64;
        i += 1;
    }
    if i == 0 || i > 10 {
        return None;
    }
    if i == s.len() {
        return Some(int * POW10[0]);
    }
    if s[i] != b'.' || s.len() - i - 1 > 8 || s.len() - i - 1 == 0 {
        return None;
    }
    let mut frac: i64 = 0;
    for &b in &s[i + 1..] {
        if !b.is_ascii_digit() {
            return None;
        }
        frac = frac * 10 + (b - b'0') as i64;
    }
    Some(int * POW10[0] + frac * POW10[s.len() - i - 1])
}

#[inline]
fn price_field(text: &str, name: &str) -> Result<Price, String> {
    let p = match plain_price_raw(text.as_bytes()) {
        Some(raw) => Price::from_raw(raw),
        None => text.parse().map_err(|e| format!("bad {name} `{}`: {e}", clip(text)))?,
    };
    if !p.is_positive() {
        return Err(format!("{name} must be positive, got {p}"));
    }
    Ok(p)
}

fn parse_ts(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let b = t.as_bytes();
    if b.is_empty() || b.len() > 18 || !b.iter().all(u8::is_ascii_digit) {
        return Err(format!("bad timestamp `{}` (expected milliseconds since 1970)", clip(t)));
    }
    Ok(b.iter().fold(0i64, |acc, &d| acc * 10 + (d - b'0') as i64))
}

fn clip(s: &str) -> &str {
    match s.char_indices().nth(60) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The interval whose length is the most common timestamp step (ties go to the shorter step);
/// steps of 28-31 days read as a calendar month. `None` with fewer than two candles or when the
/// step matches no interval.
pub fn infer_interval(candles: &[Candle]) -> Option<Interval> {
    let mut steps: Vec<i64> = candles.windows(2).map(|w| w[1].ts_ms - w[0].ts_ms).filter(|&d| d > 0).collect();
    if steps.is_empty() {
        return None;
    }
    steps.sort_unstable();
    let (mut best, mut best_n) = (steps[0], 0usize);
    let mut i = 0;
    while i < steps.len() {
        let j = steps[i..].iter().position(|&s| s != steps[i]).map_or(steps.len(), |k| i + k);
        if j - i > best_n {
            best = steps[i];
            best_n = j - i;
        }
        i = j;
    }
    const DAY: i64 = 86_400_000;
    if (28 * DAY..=31 * DAY).contains(&best) {
        return Some(Interval::Month);
    }
    Interval::ALL.into_iter().find(|i| i.duration_ms() == Some(best))
}

/// The symbol in a data file name `exchange_SYMBOL_interval.csv` (`binance_BTCUSDT_1h.csv` ->
/// `BTCUSDT`, `ftx_BTC-PERP_1m.csv` -> `BTC-PERP`); a bare `BTCUSDT.csv` gives `BTCUSDT`.
pub fn symbol_from_file_name(path: &Path) -> Option<Symbol> {
    let stem = path.file_stem()?.to_str()?;
    let mut parts = stem.split('_');
    let first = parts.next()?;
    let candidate = match parts.next() {
        Some(second) => second,
        None if first.bytes().all(|b| !b.is_ascii_lowercase()) => first,
        None => return None,
    };
    Symbol::new(candidate).ok()
}

/// The interval in a data file name (`binance_BTCUSDT_1h.csv` -> 1h), from its last `_` part.
pub fn interval_from_file_name(path: &Path) -> Option<Interval> {
    let stem = path.file_stem()?.to_str()?;
    let last = stem.rsplit('_').next()?;
    if !stem.contains('_') {
        return None;
    }
    last.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn btc() -> Symbol {
        Symbol::new("BTCUSDT").unwrap()
    }
    fn parse(text: &str) -> Result<Vec<Candle>, CsvError> {
        parse_candles(text, Path::new("t.csv"), btc(), Interval::M1)
    }

    #[test]
    fn parses_a_good_file_exactly() {
        let text = "ts_ms,open,high,low,close,volume\r\n\
                    1640991600000,46319,46385,46319,46377,2300413.7295\r\n\
                    1640991660000,46377.5,46411.25,46377,46411.25,0\r\n\n";
        let c = parse(text).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].ts_ms, 1_640_991_600_000);
        assert_eq!(c[0].open.raw(), 4_631_900_000_000);
        assert_eq!(c[1].open.raw(), 4_637_750_000_000);
        assert_eq!(c[1].high.to_string(), "46411.25");
        assert_eq!(c[0].volume, 2300413.7295);
        assert!(c[0].closed && c[0].turnover == 0.0 && c[0].symbol == btc());
        assert_eq!(infer_interval(&c), Some(Interval::M1));
    }

    #[test]
    fn malformed_rows_name_the_line() {
        let head = "ts_ms,open,high,low,close,volume\n1,10,11,9,10,1\n";
        let e = parse(&format!("{head}2,10,11,9,abc,1\n")).unwrap_err();
        assert_eq!(e.to_string(), "t.csv:3: bad close `abc`: `abc` is not a decimal number");
        let e = parse(&format!("{head}2,10,11,9,10\n")).unwrap_err();
        assert!(matches!(e, CsvError::Row { line: 3, .. }), "{e}");
        let e = parse(&format!("{head}2,10,11,9,10,1,7\n")).unwrap_err();
        assert!(e.to_string().contains("found more"), "{e}");
        let e = parse(&format!("{head}\n2,10,9,11,10,1\n")).unwrap_err();
        assert_eq!(e.to_string(), "t.csv:4: high 9 is below low 11");
        let e = parse(&format!("{head}2,10,10.5,9,11,1\n")).unwrap_err();
        assert!(e.to_string().contains("below open 10 or close 11"), "{e}");
        let e = parse(&format!("{head}2,10,11,9,10,-1\n")).unwrap_err();
        assert!(e.to_string().contains("volume must be"), "{e}");
        let e = parse(&format!("{head}2,0,11,0,10,1\n")).unwrap_err();
        assert!(e.to_string().contains("open must be positive"), "{e}");
        let e = parse(&format!("{head}2x,10,11,9,10,1\n")).unwrap_err();
        assert!(e.to_string().contains("bad timestamp `2x`"), "{e}");
    }

    #[test]
    fn non_increasing_timestamp_is_an_error() {
        let e = parse("ts_ms,open,high,low,close,volume\n60000,1,1,1,1,0\n60000,1,1,1,1,0\n").unwrap_err();
        assert_eq!(e.to_string(), "t.csv:3: timestamp 60000 does not increase (previous row has 60000)");
        let e = parse("ts_ms,open,high,low,close,volume\n120000,1,1,1,1,0\n60000,1,1,1,1,0\n").unwrap_err();
        assert!(matches!(e, CsvError::Row { line: 3, .. }));
    }

    #[test]
    fn wrong_header_and_empty_input() {
        let e = parse("time,o,h,l,c,v\n1,1,1,1,1,1\n").unwrap_err();
        assert!(matches!(&e, CsvError::Header { found, .. } if found == "time,o,h,l,c,v"), "{e}");
        assert!(matches!(parse(""), Err(CsvError::Empty { .. })));
        assert!(matches!(parse("\n\n"), Err(CsvError::Empty { .. })));
        assert!(matches!(parse("ts_ms,open,high,low,close,volume\n"), Err(CsvError::Empty { .. })));
        // A data row where the header should be is a header error, not silently data.
        assert!(matches!(parse("1,1,1,1,1,1\n"), Err(CsvError::Header { .. })));
    }

    #[test]
    fn fast_price_path_agrees_with_the_fixed_point_parser() {
        for t in [
            "0",
            "7",
            "61837.63",
            "0.00000001",
            "9999999999.99999999",
            "46319",
            "17199.5",
            "1.10",
            "12.",
            ".5",
            "1.000000001",
            "1.000000000",
            "12345678901",
            "+5",
            "-5",
            " 5",
            "5 ",
            "1e5",
            "1.2.3",
            "",
            "0x10",
        ] {
            let full = t.parse::<Price>().map(Price::raw).ok();
            // `None` falls back to the full parser.
            if let Some(raw) = plain_price_raw(t.as_bytes()) {
                assert_eq!(Some(raw), full, "`{t}`");
            }
            assert_eq!(price_field(t, "x").ok().map(Price::raw), full.filter(|&r| r > 0), "`{t}`");
        }
        assert_eq!(plain_price_raw(b"61837.63"), Some(6_183_763_000_000));
        assert_eq!(plain_price_raw(b"12."), None);
    }

    proptest::proptest! {
        #[test]
        fn fast_price_path_matches_on_random_decimals(t in "[0-9]{0,12}(\\.[0-9]{0,10})?") {
            let full = t.parse::<Price>().map(Price::raw).ok();
            if let Some(raw) = plain_price_raw(t.as_bytes()) {
                proptest::prop_assert_eq!(Some(raw), full);
            }
        }
    }

    #[test]
    fn read_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.csv");
        let e = read_candles(&missing, btc(), Interval::M1).unwrap_err();
        assert!(matches!(e, CsvError::Io { .. }) && e.to_string().contains("nope.csv"), "{e}");
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, b"ts_ms,open,high,low,close,volume\n1,1,1,1,1,1\n2,1,1,1,\xff,1\n").unwrap();
        let e = read_candles(&bad, btc(), Interval::M1).unwrap_err();
        assert!(matches!(e, CsvError::Row { line: 3, .. }), "{e}");
    }

    #[test]
    fn infers_interval_from_the_most_common_step() {
        let mk = |ts: i64| Candle { ts_ms: ts, ..parse("ts_ms,open,high,low,close,volume\n0,1,1,1,1,0").unwrap()[0] };
        let h = 3_600_000;
        // Steps 1h, 1h, 3h (a gap), 1h: the mode is 1h.
        let c: Vec<Candle> = [0, h, 2 * h, 5 * h, 6 * h].into_iter().map(mk).collect();
        assert_eq!(infer_interval(&c), Some(Interval::H1));
        assert_eq!(infer_interval(&c[..1]), None);
        let odd: Vec<Candle> = [0, 7_000, 14_000].into_iter().map(mk).collect();
        assert_eq!(infer_interval(&odd), None);
    }

    #[test]
    fn symbol_and_interval_from_file_names() {
        let s = |n: &str| symbol_from_file_name(Path::new(n)).map(|s| s.to_string());
        assert_eq!(s("binance_BTCUSDT_1h.csv").as_deref(), Some("BTCUSDT"));
        assert_eq!(s("../shared/data/ftx_BTC-PERP_1m.csv").as_deref(), Some("BTC-PERP"));
        assert_eq!(s("bybit-linear_BTCUSDT_1m.csv").as_deref(), Some("BTCUSDT"));
        assert_eq!(s("ETHUSDT.csv").as_deref(), Some("ETHUSDT"));
        assert_eq!(s("candles.csv"), None);
        let i = |n: &str| interval_from_file_name(Path::new(n));
        assert_eq!(i("coinbase_BTCUSD_4h.csv"), Some(Interval::H4));
        assert_eq!(i("binance_BTCUSDT_trades.csv"), None);
    }

    #[test]
    fn reads_the_biggest_real_file() {
        let path = Path::new("../shared/data/binance_BTCUSDT_1h.csv");
        if !path.exists() {
            eprintln!("SKIP: {} is absent (no shared data in this checkout)", path.display());
            return;
        }
        let c = read_candles(path, btc(), Interval::H1).unwrap();
        assert_eq!(c.len(), 55_765);
        // First row: 1502942400000,4261.48,4313.62,4261.32,4308.83,47.181009
        assert_eq!(c[0].ts_ms, 1_502_942_400_000);
        assert_eq!(c[0].open.to_string(), "4261.48");
        assert_eq!(c[0].close.raw(), 430_883_000_000);
        assert!(c.iter().all(Candle::is_consistent));
        assert_eq!(infer_interval(&c), Some(Interval::H1));
        assert_eq!(symbol_from_file_name(path), Some(btc()));
    }
}
