//! `autobot analyze`: indicators, the market regime (and candlestick patterns) for a candle file,
//! as CSV — one row per input candle, `ts_ms` first, empty cells before an indicator has enough
//! data, floats in Rust's shortest round-trip form. After the indicator columns come `regime`
//! (one of [`Regime::as_str`]) and `regime_confidence` (4 decimals), both empty until the
//! classifier has its inputs; the pattern columns follow.

use crate::analysis::{AnalysisConfig, Analyzer};
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
    out.write_all(b",regime,regime_confidence")?;
    if opts.patterns {
        write!(out, ",{}", pattern_columns_header())?;
    }
    out.write_all(b"\n")?;
    let mut set = IndicatorSet::new(opts.set);
    let base = candles.first().map_or(Interval::M1, |c| c.interval);
    let mut analyzer = Analyzer::new(AnalysisConfig::for_base(base));
    let mut patterns = PatternSet::new();
    let mut line = String::with_capacity(256);
    for c in candles {
        let v = *set.update(c);
        write!(out, "{}", c.ts_ms)?;
        cells(&v.default_row(), out)?;
        if opts.set == SetKind::Advanced {
            cells(&v.advanced_row(), out)?;
        }
        let a = analyzer.update(c, &v);
        if a.ready {
            write!(out, ",{},{:.4}", a.regime.as_str(), a.confidence)?;
        } else {
            out.write_all(b",,")?;
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
        // The regime columns sit between the indicators and the patterns.
        let ri = header.iter().position(|h| *h == "regime").unwrap();
        assert_eq!(header[ri + 1], "regime_confidence");
        assert!(ri > header.iter().position(|h| *h == "vwap").unwrap());
        assert!(ri < header.iter().position(|h| *h == "cdl_doji").unwrap());
        assert_eq!((rows[0][ri], rows[0][ri + 1]), ("", ""), "warm-up rows are empty");
    }

    /// 400 one-minute bars: a zig-zag that keeps rising, so every warmed-up row has a label.
    #[test]
    fn regime_column_has_valid_labels_after_warm_up() {
        let s = Symbol::new("BTCUSDT").unwrap();
        let candles: Vec<Candle> = (0..400i64)
            .map(|i| {
                let p = Price::from_f64(100.0 + 0.05 * i as f64 + if i % 3 == 0 { 0.3 } else { 0.0 }).unwrap();
                Candle {
                    symbol: s,
                    interval: Interval::M1,
                    ts_ms: i * 60_000,
                    open: p,
                    high: p + Price::ONE,
                    low: p - Price::ONE,
                    close: p,
                    volume: 1.0 + (i % 5) as f64,
                    turnover: 0.0,
                    closed: true,
                }
            })
            .collect();
        let mut buf = Vec::new();
        write_analysis(&candles, AnalyzeOptions { set: SetKind::Default, patterns: false }, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(&header[header.len() - 2..], ["regime", "regime_confidence"]);
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        let labels: Vec<&str> = crate::analysis::Regime::ALL.iter().map(|r| r.as_str()).collect();
        let mut labelled = 0;
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(r.len(), header.len(), "row {i}");
            let (label, conf) = (r[r.len() - 2], r[r.len() - 1]);
            if label.is_empty() {
                assert!(conf.is_empty() && i < 150, "row {i} still warming up");
                continue;
            }
            labelled += 1;
            assert!(labels.contains(&label), "row {i}: {label}");
            let c: f64 = conf.parse().unwrap();
            assert!((0.0..=1.0).contains(&c), "row {i}: {c}");
        }
        assert!(labelled >= 250, "{labelled}");
        assert!(rows[..60].iter().all(|r| r[r.len() - 2].is_empty()), "60 returns are needed first");
    }
}
