//! The indicator part of `autobot analyze`: one CSV row per candle, `ts_ms` first, then the
//! set's columns, empty before an indicator has enough data, floats in Rust's shortest
//! round-trip form.

use std::io::{self, Write};

use crate::domain::Candle;
use crate::indicators::set::{IndicatorSet, SetKind, ADVANCED_COLUMNS, DEFAULT_COLUMNS};

/// The default set's columns in output order (without `ts_ms`).
pub fn analyze_columns() -> &'static [&'static str] {
    &DEFAULT_COLUMNS
}

/// Columns of `kind` in output order (without `ts_ms`): the default ones, then for the advanced
/// set [`ADVANCED_COLUMNS`].
pub fn analyze_columns_for(kind: SetKind) -> impl Iterator<Item = &'static str> {
    let extra = if kind == SetKind::Advanced { &ADVANCED_COLUMNS[..] } else { &[] };
    DEFAULT_COLUMNS.iter().chain(extra.iter()).copied()
}

/// Writes the header line (`ts_ms` and the columns of `kind`).
pub fn write_analyze_header(kind: SetKind, out: &mut impl Write) -> io::Result<()> {
    out.write_all(b"ts_ms")?;
    for c in analyze_columns_for(kind) {
        out.write_all(b",")?;
        out.write_all(c.as_bytes())?;
    }
    out.write_all(b"\n")
}

/// Writes one row: `ts_ms` and the values of `kind` (no trailing columns of other features).
pub fn write_analyze_row(ts_ms: i64, set: &IndicatorSet, kind: SetKind, out: &mut impl Write) -> io::Result<()> {
    let v = set.values();
    write!(out, "{ts_ms}")?;
    write_cells(&v.default_row(), out)?;
    if kind == SetKind::Advanced {
        write_cells(&v.advanced_row(), out)?;
    }
    out.write_all(b"\n")
}

#[inline]
fn write_cells(cells: &[Option<f64>], out: &mut impl Write) -> io::Result<()> {
    for c in cells {
        match c {
            Some(x) if x.is_finite() => write!(out, ",{x}")?,
            _ => out.write_all(b",")?,
        }
    }
    Ok(())
}

/// Runs a fresh set of `kind` over `candles` and writes the whole CSV (header included).
pub fn write_analyze_csv(candles: &[Candle], kind: SetKind, out: &mut impl Write) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    write_analyze_header(kind, &mut out)?;
    let mut set = IndicatorSet::new(kind);
    for c in candles {
        set.update(c);
        write_analyze_row(c.ts_ms, &set, kind, &mut out)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Interval, Price, Symbol};

    fn candle(ts_ms: i64, close: i64, volume: f64) -> Candle {
        let p = Price::from_int(close);
        Candle {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            interval: Interval::M1,
            ts_ms,
            open: p,
            high: p,
            low: p,
            close: p,
            volume,
            turnover: 0.0,
            closed: true,
        }
    }

    #[test]
    fn header_and_rows_have_the_same_width_and_empty_warm_up_cells() {
        let candles: Vec<_> = (0..30).map(|i| candle(i * 60_000, 100 + i % 3, 1.5)).collect();
        let mut buf = Vec::new();
        write_analyze_csv(&candles, SetKind::Default, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 31);
        assert!(lines[0].starts_with("ts_ms,sma_20,ema_20,wma_20,rsi_14,macd,"));
        assert!(lines.iter().all(|l| l.split(',').count() == 23));
        // First row: only obv (first volume) and vwap (flat price) are defined.
        assert_eq!(lines[1], format!("0{}1.5{}100{}", ",".repeat(16), ",".repeat(6), ""));
        // Row 20 (index 19): sma_20 of 100,101,102,... = (7·100 + 7·101 + 6·102)/20 = 100.95
        assert!(lines[20].starts_with("1140000,100.95,"), "{}", lines[20]);
    }

    #[test]
    fn advanced_rows_add_the_advanced_columns() {
        let candles: Vec<_> = (0..3).map(|i| candle(i * 60_000, 100, 1.0)).collect();
        let mut buf = Vec::new();
        write_analyze_csv(&candles, SetKind::Advanced, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let width = 1 + DEFAULT_COLUMNS.len() + ADVANCED_COLUMNS.len();
        assert!(text.lines().all(|l| l.split(',').count() == width));
        assert!(text.lines().next().unwrap().ends_with(",liq_cascade"));
    }
}
