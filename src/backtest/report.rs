//! Writes a backtest report to a directory: `report.json`, `trades.csv` and `equity.png`.
//!
//! Each file is written to a temporary name in the same directory and renamed into place, so a
//! reader never sees a half-written file.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use thiserror::Error;

use super::metrics::Metrics;
use super::plot::plot_equity;
use crate::domain::{civil_from_days, ClosedTrade, EquityPoint, Side};

/// Why a report (or one of its files) could not be written; always names the path.
#[derive(Debug, Error)]
pub enum ReportError {
    #[error("cannot create report directory {}: {source}", path.display())]
    CreateDir { path: PathBuf, source: io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot encode {}: {source}", path.display())]
    Json { path: PathBuf, source: serde_json::Error },
    #[error("cannot draw plot {}: {message}", path.display())]
    Plot { path: PathBuf, message: String },
}

/// Paths of the files a report consists of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    pub report_json: PathBuf,
    pub trades_csv: PathBuf,
    pub equity_png: PathBuf,
}

/// Column names of `trades.csv`, in order.
pub const TRADES_CSV_HEADER: &str =
    "symbol,side,mode,entry_time,exit_time,qty,entry_price,exit_price,gross_pnl,fees,funding,net_pnl";

/// Writes `report.json` (metrics at top level, `start_time`/`end_time` in ISO-8601, and `extra`,
/// e.g. per-mode attribution), `trades.csv` and `equity.png` into `dir`, creating it if needed.
/// A string `extra["title"]` (e.g. "BTCUSDT 1m, 2024") becomes the plot title.
pub fn write_report(
    dir: &Path,
    metrics: &Metrics,
    equity: &[EquityPoint],
    trades: &[ClosedTrade],
    extra: serde_json::Value,
) -> Result<ReportFiles, ReportError> {
    fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir { path: dir.to_path_buf(), source })?;
    let files = ReportFiles {
        report_json: dir.join("report.json"),
        trades_csv: dir.join("trades.csv"),
        equity_png: dir.join("equity.png"),
    };

    let title = extra.get("title").and_then(|t| t.as_str()).unwrap_or("Equity and drawdown").to_string();
    let json = report_json(metrics, extra);
    let text = serde_json::to_string_pretty(&json)
        .map_err(|source| ReportError::Json { path: files.report_json.clone(), source })?;
    write_atomic(&files.report_json, format!("{text}\n").as_bytes())?;

    write_atomic(&files.trades_csv, trades_csv(trades).as_bytes())?;

    plot_equity(&files.equity_png, equity, &title)?;
    Ok(files)
}

fn report_json(metrics: &Metrics, extra: serde_json::Value) -> serde_json::Value {
    let mut map = match serde_json::to_value(metrics) {
        Ok(serde_json::Value::Object(map)) => map,
        // A plain struct of numbers always serialises to an object.
        _ => serde_json::Map::new(),
    };
    map.insert("start_time".into(), iso_utc(metrics.start_ms).into());
    map.insert("end_time".into(), iso_utc(metrics.end_ms).into());
    map.insert("extra".into(), extra);
    serde_json::Value::Object(map)
}

/// The trades as CSV (header plus one row per trade); decimals are exact, times ISO-8601 UTC, side
/// is the position's (`long`/`short`), mode the engine's mode index (empty when none).
pub fn trades_csv(trades: &[ClosedTrade]) -> String {
    let mut out = String::with_capacity(64 + trades.len() * 160);
    out.push_str(TRADES_CSV_HEADER);
    out.push('\n');
    for t in trades {
        let side = match t.side {
            Side::Buy => "long",
            Side::Sell => "short",
        };
        let mode = t.mode.map(|m| m.to_string()).unwrap_or_default();
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "{},{side},{mode},{},{},{},{},{},{},{},{},{}",
            csv_field(t.symbol.as_str()),
            iso_utc(t.entry_ts_ms),
            iso_utc(t.exit_ts_ms),
            t.qty,
            t.entry_price,
            t.exit_price,
            t.gross_pnl,
            t.fees,
            t.funding,
            t.net_pnl(),
        );
    }
    out
}

/// Quotes a field when it holds a comma, quote or line break (RFC 4180).
fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// Milliseconds since the Unix epoch as ISO-8601 UTC with milliseconds (`2024-03-01T12:00:00.000Z`).
pub fn iso_utc(ts_ms: i64) -> String {
    let days = ts_ms.div_euclid(86_400_000);
    let ms_of_day = ts_ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, min, s, ms) = (ms_of_day / 3_600_000, ms_of_day / 60_000 % 60, ms_of_day / 1000 % 60, ms_of_day % 1000);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{ms:03}Z")
}

/// A hidden temporary name beside `path` that keeps its extension (the PNG encoder picks the format
/// from it), unique per process and call.
pub(crate) fn temp_sibling(path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let tag = format!("{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("report");
    let name = match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => format!(".{stem}.tmp-{tag}.{ext}"),
        None => format!(".{stem}.tmp-{tag}"),
    };
    path.with_file_name(name)
}

/// Moves a finished temporary file onto `path`, removing the temporary on failure.
pub(crate) fn commit_temp(tmp: &Path, path: &Path) -> Result<(), ReportError> {
    fs::rename(tmp, path).map_err(|source| {
        let _ = fs::remove_file(tmp);
        ReportError::Write { path: path.to_path_buf(), source }
    })
}

/// Writes `bytes` to a temporary sibling, syncs it, then renames it onto `path`.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let tmp = temp_sibling(path);
    let written = fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(source) = written {
        let _ = fs::remove_file(&tmp);
        return Err(ReportError::Write { path: path.to_path_buf(), source });
    }
    commit_temp(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::metrics::{compute, MetricsInput};
    use crate::domain::{Money, Price, Symbol};

    fn sample() -> (Vec<EquityPoint>, Vec<ClosedTrade>) {
        let day = 86_400_000;
        let start = 1_704_067_200_000; // 2024-01-01T00:00:00Z
        let equity = [100, 110, 99, 121]
            .iter()
            .enumerate()
            .map(|(i, &e)| EquityPoint {
                ts_ms: start + i as i64 * day,
                equity: Money::from_int(e),
                wallet_balance: Money::from_int(e),
                unrealised_pnl: Money::ZERO,
            })
            .collect();
        let trade = |side, gross: &str, exit_ts_ms| ClosedTrade {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            side,
            mode: Some(1),
            entry_ts_ms: start,
            exit_ts_ms,
            qty: "0.001".parse().unwrap(),
            entry_price: Price::from_int(42_000),
            exit_price: "42100.5".parse().unwrap(),
            gross_pnl: gross.parse().unwrap(),
            fees: "0.0462".parse().unwrap(),
            funding: "-0.01".parse().unwrap(),
        };
        let trades = vec![trade(Side::Buy, "0.1005", start + 3_723_004), trade(Side::Sell, "-0.5", start + day)];
        (equity, trades)
    }

    #[test]
    fn iso_times() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_utc(1_704_067_200_000 + 3_723_004), "2024-01-01T01:02:03.004Z");
        assert_eq!(iso_utc(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso_utc(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn csv_rows_are_exact() {
        let (_, trades) = sample();
        let csv = trades_csv(&trades);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], TRADES_CSV_HEADER);
        // net = 0.1005 − 0.0462 − (−0.01) = 0.0643
        assert_eq!(
            lines[1],
            "BTCUSDT,long,1,2024-01-01T00:00:00.000Z,2024-01-01T01:02:03.004Z,0.001,42000,42100.5,0.1005,0.0462,-0.01,0.0643"
        );
        // net = −0.5 − 0.0462 + 0.01 = −0.5362
        assert!(lines[2].starts_with("BTCUSDT,short,1,"), "{}", lines[2]);
        assert!(lines[2].ends_with(",-0.5,0.0462,-0.01,-0.5362"), "{}", lines[2]);
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
    }

    #[test]
    fn writes_three_files() {
        let (equity, trades) = sample();
        let metrics = compute(&MetricsInput {
            equity: &equity,
            trades: &trades,
            fees: Money::ZERO,
            funding: Money::ZERO,
            exposure_ms: 0,
            bar_ms: 86_400_000,
        });
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("nested").join("run1");
        let extra = serde_json::json!({ "title": "BTCUSDT 1d test", "modes": { "trend": { "net_pnl": 1.5 } } });
        let files = write_report(&dir, &metrics, &equity, &trades, extra).unwrap();
        assert_eq!(files.report_json, dir.join("report.json"));

        let json: serde_json::Value = serde_json::from_str(&fs::read_to_string(&files.report_json).unwrap()).unwrap();
        for key in [
            "total_return",
            "cagr",
            "sharpe",
            "sortino",
            "max_drawdown",
            "profit_factor",
            "win_rate",
            "trades",
            "fees",
            "funding",
        ] {
            assert!(json.get(key).is_some(), "missing {key}");
        }
        assert!((json["total_return"].as_f64().unwrap() - 0.21).abs() < 1e-12);
        assert_eq!(json["trades"], 2);
        assert_eq!(json["start_time"], "2024-01-01T00:00:00.000Z");
        assert_eq!(json["extra"]["modes"]["trend"]["net_pnl"], 1.5);

        let csv = fs::read_to_string(&files.trades_csv).unwrap();
        assert_eq!(csv.lines().count(), 1 + trades.len());

        let png = fs::read(&files.equity_png).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        // No temporaries left behind.
        let names: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 3, "{names:?}");
    }

    #[test]
    fn unwritable_dir_is_an_error_with_the_path() {
        let tmp = tempfile::tempdir().unwrap();
        // A regular file where the directory should be: cannot create a directory below it.
        let blocker = tmp.path().join("file");
        fs::write(&blocker, b"x").unwrap();
        let dir = blocker.join("report");
        let (equity, trades) = sample();
        let metrics = compute(&MetricsInput {
            equity: &equity,
            trades: &trades,
            fees: Money::ZERO,
            funding: Money::ZERO,
            exposure_ms: 0,
            bar_ms: 60_000,
        });
        let err = write_report(&dir, &metrics, &equity, &trades, serde_json::Value::Null).unwrap_err();
        assert!(matches!(err, ReportError::CreateDir { .. }), "{err:?}");
        assert!(err.to_string().contains(&dir.display().to_string()), "{err}");
    }

    #[test]
    fn write_into_missing_parent_fails_cleanly() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("gone").join("report.json");
        let err = write_atomic(&path, b"{}").unwrap_err();
        assert!(matches!(err, ReportError::Write { .. }), "{err:?}");
        assert!(err.to_string().contains("report.json"), "{err}");
    }
}
