//! `autobot analyze`: indicators (and candlestick patterns) for a candle file, as CSV — one row
//! per input candle, `ts_ms` first, empty cells before an indicator has enough data, floats in
//! Rust's shortest round-trip form.

use crate::data::csv::{infer_interval, read_candles, symbol_from_file_name};
use crate::domain::{Candle, Interval, Symbol};
use crate::indicators::{analyze_columns_for, IndicatorSet, SetKind};
use crate::patterns::{pattern_columns_header, write_pattern_values, PatternSet};
use std::io::{self, Write};
use std::path::Path;

/// What to compute.
#[derive(Debug, Clone, Copy)]
pub struct AnalyzeOptions {
    pub set: SetKind,
    pub patterns: bool,
}

/// Reads `input`, writes the analysis CSV to `output` (through a temp file, so a failure never
/// leaves a half-written file). Returns the number of rows.
pub fn analyze_file(input: &Path, output: &Path, opts: AnalyzeOptions) -> anyhow::Result<usize> {
    let symbol = symbol_from_file_name(input).unwrap_or(Symbol::new("UNKNOWN")?);
    let candles = read_candles(input, symbol, Interval::M1)?;
    let interval = infer_interval(&candles).unwrap_or(Interval::M1);
    let candles: Vec<Candle> = candles.into_iter().map(|c| Candle { interval, ..c }).collect();
    let tmp = output.with_extension("csv.partial");
    let file = std::fs::File::create(&tmp).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", tmp.display()))?;
    let mut out = io::BufWriter::with_capacity(1 << 16, file);
    write_analysis(&candles, opts, &mut out).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", tmp.display()))?;
    out.flush()?;
    drop(out);
    std::fs::rename(&tmp, output).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", output.display()))?;
    Ok(candles.len())
}

/// The CSV for `candles`, header included.
pub fn write_analysis(candles: &[Candle], opts: AnalyzeOptions, out: &mut impl Write) -> io::Result<()> {
    out.write_all(b"ts_ms")?;
    for c in analyze_columns_for(opts.set) {
        write!(out, ",{c}")?;
    }
    if opts.patterns {
        write!(out, ",{}", pattern_columns_header())?;
    }
    out.write_all(b"\n")?;
    let mut set = IndicatorSet::new(opts.set);
    let mut patterns = PatternSet::new();
    let mut line = String::with_capacity(256);
    for c in candles {
        let v = *set.update(c);
        write!(out, "{}", c.ts_ms)?;
        cells(&v.default_row(), out)?;
        if opts.set == SetKind::Advanced {
            cells(&v.advanced_row(), out)?;
        }
        if opts.patterns {
            line.clear();
            write_pattern_values(&mut line, patterns.update(c));
            out.write_all(b",")?;
            out.write_all(line.as_bytes())?;
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[inline]
fn cells(values: &[Option<f64>], out: &mut impl Write) -> io::Result<()> {
    for v in values {
        match v {
            Some(x) if x.is_finite() => write!(out, ",{x}")?,
            _ => out.write_all(b",")?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Price;

    #[test]
    fn rows_line_up_with_the_header() {
        let s = Symbol::new("BTCUSDT").unwrap();
        let candles: Vec<Candle> = (0..40)
            .map(|i| {
                let p = Price::from_int(100 + (i % 7));
                Candle {
                    symbol: s,
                    interval: Interval::M1,
                    ts_ms: i * 60_000,
                    open: p,
                    high: p + Price::ONE,
                    low: p - Price::ONE,
                    close: p,
                    volume: 1.0 + i as f64,
                    turnover: 0.0,
                    closed: true,
                }
            })
            .collect();
        let mut buf = Vec::new();
        write_analysis(&candles, AnalyzeOptions { set: SetKind::Default, patterns: true }, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(header[0], "ts_ms");
        assert_eq!(header[1], "sma_20");
        assert!(header.contains(&"cdl_doji") && header.contains(&"vwap"));
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        assert_eq!(rows.len(), 40);
        assert!(rows.iter().all(|r| r.len() == header.len()));
        // SMA20 is empty for the first 19 rows, then the mean of closes 100..=106 cycling.
        assert_eq!(rows[18][1], "");
        let expected: f64 = (0..20).map(|i| 100.0 + (i % 7) as f64).sum::<f64>() / 20.0;
        assert_eq!(rows[19][1].parse::<f64>().unwrap(), expected);
    }
}
