//! Every default indicator column against TA-Lib reference values made by
//! `scripts/make_talib_fixtures.py`: on a generated series with flat candles, zero volume, jumps
//! and time gaps (input committed), and on slices of the real data in `../shared/data` (only the
//! expected numbers are committed; the test skips with a message when the data is absent).
//!
//! Agreement required: `|ours − talib| ≤ 1e-9·max(1, |talib|)` on every row — from the very first
//! candle, not only after the 300-candle warm-up the issue allows — and a cell is empty exactly
//! where the reference is.

use std::path::{Path, PathBuf};

use autobot::domain::{Candle, Interval, Price, Symbol};
use autobot::indicators::{analyze_columns, IndicatorSet, SetKind};

const TOLERANCE: f64 = 1e-9;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_candles(path: &Path, first: usize, count: usize) -> Vec<Candle> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let symbol = Symbol::new("TEST").unwrap();
    text.lines()
        .skip(1 + first)
        .take(count)
        .enumerate()
        .map(|(i, line)| {
            let f: Vec<&str> = line.split(',').collect();
            let px = |k: usize| -> Price { f[k].parse().unwrap_or_else(|e| panic!("line {}: {e:?}", first + i + 2)) };
            Candle {
                symbol,
                interval: Interval::M1,
                ts_ms: f[0].parse().unwrap(),
                open: px(1),
                high: px(2),
                low: px(3),
                close: px(4),
                volume: f[5].parse().unwrap(),
                turnover: 0.0,
                closed: true,
            }
        })
        .collect()
}

/// Expected rows: `ts_ms` and one `Option<f64>` per analyze column.
fn read_expected(path: &Path) -> Vec<(i64, Vec<Option<f64>>)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[0], "ts_ms");
    assert_eq!(&header[1..], analyze_columns(), "fixture columns differ from analyze_columns()");
    lines
        .map(|line| {
            let mut f = line.split(',');
            let ts = f.next().unwrap().parse().unwrap();
            let vals = f.map(|s| if s.is_empty() { None } else { Some(s.parse::<f64>().unwrap()) }).collect();
            (ts, vals)
        })
        .collect()
}

fn compare(label: &str, candles: &[Candle], expected: &[(i64, Vec<Option<f64>>)]) {
    assert_eq!(candles.len(), expected.len(), "{label}: row count");
    let cols = analyze_columns();
    let mut set = IndicatorSet::new(SetKind::Default);
    let mut failures = Vec::new();
    let mut worst = vec![0.0f64; cols.len()];
    let mut checked = vec![0usize; cols.len()];
    for (row, (c, (ts, want))) in candles.iter().zip(expected).enumerate() {
        assert_eq!(c.ts_ms, *ts, "{label}: row {row} timestamp");
        let got = set.update(c).default_row();
        for (k, (g, w)) in got.iter().zip(want).enumerate() {
            match (g, w) {
                (None, None) => {}
                (Some(g), Some(w)) => {
                    let err = (g - w).abs() / w.abs().max(1.0);
                    worst[k] = worst[k].max(err);
                    checked[k] += 1;
                    if err.is_nan() || err > TOLERANCE {
                        failures.push(format!("row {row} {}: ours {g} talib {w} (rel err {err:e})", cols[k]));
                    }
                }
                _ => failures.push(format!("row {row} {}: ours {g:?} talib {w:?}", cols[k])),
            }
        }
    }
    for (k, name) in cols.iter().enumerate() {
        println!("{label}: {name:12} {:5} values, worst rel err {:.2e}", checked[k], worst[k]);
        assert!(checked[k] > expected.len() / 2, "{label}: {name} has too few values to mean anything");
    }
    assert!(
        failures.is_empty(),
        "{label}: {} mismatches, first ones:\n{}",
        failures.len(),
        failures[..failures.len().min(25)].join("\n")
    );
}

#[test]
fn generated_series_matches_talib() {
    let dir = root().join("tests/fixtures");
    let candles = read_candles(&dir.join("talib_generated_input.csv"), 0, usize::MAX);
    let expected = read_expected(&dir.join("talib_generated_expected.csv"));
    compare("generated", &candles, &expected);
}

fn real_slice(file: &str, first: usize, count: usize) {
    let data = root().join("../shared/data").join(file);
    if !data.exists() {
        println!("SKIP {file}: {} not found (real market data lives outside the repo)", data.display());
        return;
    }
    let fixture =
        root().join(format!("tests/fixtures/talib_{}_{first}_{count}_expected.csv", file.trim_end_matches(".csv")));
    let candles = read_candles(&data, first, count);
    compare(&format!("{file}[{first}..+{count}]"), &candles, &read_expected(&fixture));
}

#[test]
fn ftx_btc_perp_1m_matches_talib() {
    real_slice("ftx_BTC-PERP_1m.csv", 0, 3000);
}

#[test]
fn binance_btcusdt_1h_with_zero_volume_bars_matches_talib() {
    real_slice("binance_BTCUSDT_1h.csv", 28200, 2500);
}

#[test]
fn binance_btcusdt_1h_across_the_2018_outage_matches_talib() {
    real_slice("binance_BTCUSDT_1h.csv", 3900, 1500);
}

/// Whole real files, when `scripts/make_talib_fixtures.py --full` has written their expected
/// values into `target/talib-fixtures/` (too big to commit).
#[test]
fn whole_real_files_match_talib_when_generated() {
    let dir = root().join("target/talib-fixtures");
    let data = root().join("../shared/data");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("SKIP: {} absent (run scripts/make_talib_fixtures.py --full)", dir.display());
        return;
    };
    let mut names: Vec<String> = entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
    names.sort();
    for name in names {
        let Some(file) = name.strip_prefix("talib_").and_then(|n| n.strip_suffix("_full_expected.csv")) else {
            continue;
        };
        let input = data.join(format!("{file}.csv"));
        if !input.exists() {
            println!("SKIP {file}: {} not found", input.display());
            continue;
        }
        let candles = read_candles(&input, 0, usize::MAX);
        compare(file, &candles, &read_expected(&dir.join(&name)));
    }
}
