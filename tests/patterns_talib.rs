//! Agreement of `autobot::patterns` with TA-Lib's CDL functions.
//!
//! Expected values were produced by `scripts/make_pattern_fixtures.py` (TA-Lib's PyPI wheel) and are
//! committed under `tests/fixtures/patterns/`; these tests need no Python. The generated series is
//! committed with its candles; for the real data only TA-Lib's outputs are committed and the candles
//! are read from `../shared/data`, skipping with a printed reason when that folder is absent.
//! Set `PATTERNS_DEBUG=1` to print the first mismatches of each pattern.

use autobot::domain::Price;
use autobot::patterns::{registry, Bar, PatternSet, PATTERN_COUNT};
use std::path::{Path, PathBuf};

const MIN_ALL: f64 = 0.995;
const MIN_FIRED: f64 = 0.97;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn price(s: &str) -> f64 {
    let p: Price = s.trim().parse().unwrap_or_else(|e| panic!("bad price {s:?}: {e:?}"));
    p.to_f64()
}

/// Reads `ts_ms,open,high,low,close,volume[,...]` rows.
fn read_candles(path: &Path) -> Vec<(i64, Bar, Vec<i32>)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        assert!(f.len() >= 6, "{}:{}: short line {line:?}", path.display(), n + 1);
        let ts: i64 = f[0].parse().unwrap_or_else(|_| panic!("{}:{}: bad ts", path.display(), n + 1));
        let vol: f64 = f[5].parse().unwrap_or_else(|_| panic!("{}:{}: bad volume", path.display(), n + 1));
        let bar = Bar::new(price(f[1]), price(f[2]), price(f[3]), price(f[4]), vol);
        let extra = f[6..].iter().map(|v| v.parse().unwrap_or_else(|_| panic!("bad value {v:?}"))).collect();
        out.push((ts, bar, extra));
    }
    out
}

/// Reads a sparse expected file: header comments with `rows=`, then `row_step,col=value;...`.
fn read_expected(path: &Path) -> (usize, i64, i64, Vec<[i32; PATTERN_COUNT]>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (mut rows, mut first, mut last) = (None, 0, 0);
    let mut fired: Vec<(usize, usize, i32)> = Vec::new();
    let mut row: i64 = -1;
    for line in text.lines() {
        if let Some(c) = line.strip_prefix("# rows=") {
            let parts: Vec<&str> = c.split_whitespace().collect();
            rows = Some(parts[0].parse::<usize>().expect("rows"));
            first = parts[1].trim_start_matches("first_ts=").parse().expect("first_ts");
            last = parts[2].trim_start_matches("last_ts=").parse().expect("last_ts");
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (step, cols) = line.split_once(',').expect("row step");
        row += step.parse::<i64>().expect("step");
        for kv in cols.split(';') {
            let (k, v) = kv.split_once('=').expect("col=value");
            fired.push((row as usize, k.parse().expect("col"), v.parse().expect("value")));
        }
    }
    let rows = rows.expect("rows= header");
    let mut table = vec![[0i32; PATTERN_COUNT]; rows];
    for (r, k, v) in fired {
        table[r][k] = v;
    }
    (rows, first, last, table)
}

/// Compares, prints a per-pattern table and returns the failures.
fn compare(label: &str, bars: &[Bar], expected: &[[i32; PATTERN_COUNT]]) -> Vec<String> {
    let debug = std::env::var("PATTERNS_DEBUG").is_ok();
    let mut set = PatternSet::new();
    let mut same = [0usize; PATTERN_COUNT];
    let mut fired = [0usize; PATTERN_COUNT];
    let mut fired_same = [0usize; PATTERN_COUNT];
    let mut ours_fired = [0usize; PATTERN_COUNT];
    let mut shown = [0usize; PATTERN_COUNT];
    for (i, (bar, exp)) in bars.iter().zip(expected).enumerate() {
        let got = set.update_bar(*bar);
        for k in 0..PATTERN_COUNT {
            let (g, e) = (got[k].signal, exp[k]);
            assert!((0.0..=1.0).contains(&got[k].quality));
            if g == e {
                same[k] += 1;
            }
            if e != 0 {
                fired[k] += 1;
                if g == e {
                    fired_same[k] += 1;
                }
            }
            if g != 0 {
                ours_fired[k] += 1;
            }
            if g != e && debug && shown[k] < 5 {
                shown[k] += 1;
                eprintln!("{label} {} row {i}: ours {g} talib {e}", registry()[k].column);
            }
        }
    }
    let n = bars.len();
    let mut failures = Vec::new();
    println!("{label}: {n} rows");
    println!("  {:<20} {:>9} {:>8} {:>8} {:>12}", "pattern", "all rows", "talib", "ours", "talib fires");
    for k in 0..PATTERN_COUNT {
        let all = same[k] as f64 / n as f64;
        let on_fired = if fired[k] == 0 { 1.0 } else { fired_same[k] as f64 / fired[k] as f64 };
        let col = registry()[k].column;
        println!(
            "  {:<20} {:>8.3}% {:>8} {:>8} {:>11.2}%",
            col,
            100.0 * all,
            fired[k],
            ours_fired[k],
            100.0 * on_fired
        );
        if all < MIN_ALL || on_fired < MIN_FIRED {
            failures.push(format!("{label} {col}: all {:.4} fired {:.4}", all, on_fired));
        }
    }
    failures
}

#[test]
fn generated_series_matches_talib() {
    let rows = read_candles(&root().join("tests/fixtures/patterns/generated.csv"));
    assert!(rows.len() > 1000);
    let bars: Vec<Bar> = rows.iter().map(|r| r.1).collect();
    let expected: Vec<[i32; PATTERN_COUNT]> = rows
        .iter()
        .map(|r| {
            let mut a = [0; PATTERN_COUNT];
            a.copy_from_slice(&r.2);
            a
        })
        .collect();
    // The series really exercises every pattern, flat bars and zero volume.
    for k in 0..PATTERN_COUNT {
        assert!(expected.iter().filter(|e| e[k] != 0).count() >= 20, "{} rarely fires", registry()[k].column);
    }
    assert!(bars.iter().any(|b| b.high == b.low) && bars.iter().any(|b| b.volume == 0.0));
    let failures = compare("generated", &bars, &expected);
    assert!(failures.is_empty(), "{failures:#?}");
}

fn real(name: &str) {
    let data = root().join("../shared/data").join(format!("{name}.csv"));
    if !data.exists() {
        println!("SKIP {name}: {} not found (real market data lives outside the repo)", data.display());
        return;
    }
    let (rows, first, last, expected) =
        read_expected(&root().join(format!("tests/fixtures/patterns/{name}.expected.csv")));
    let candles = read_candles(&data);
    assert_eq!(candles.len(), rows, "{name}: row count differs from the fixture");
    assert_eq!((candles[0].0, candles[rows - 1].0), (first, last), "{name}: different data file");
    let bars: Vec<Bar> = candles.iter().map(|r| r.1).collect();
    let failures = compare(name, &bars, &expected);
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn ftx_1m_matches_talib() {
    real("ftx_BTC-PERP_1m");
}

#[test]
fn binance_1h_matches_talib() {
    real("binance_BTCUSDT_1h");
}

#[test]
fn coinbase_4h_matches_talib() {
    real("coinbase_BTCUSD_4h");
}
