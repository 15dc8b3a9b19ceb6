//! Calibration table: statistics of 1-minute log returns of the demo generator side by side
//! with real 1-minute files from `../shared/data` (those that are absent are skipped).
//!
//! `cargo run --release --example calibrate [minutes=200000] [seed=42] [param=value ...]`
//! where `param` is a `ModelParams` field, for tuning experiments.

use autobot::data::csv::read_candles;
use autobot::data::generator::stats::{correlation, log_returns, return_stats, ReturnStats, ABS_ACF_LAGS};
use autobot::data::generator::{GeneratorConfig, MarketGenerator, ModelParams};
use autobot::domain::{Candle, Event, Interval, Symbol};
use std::path::Path;

const REAL: [(&str, &str); 3] = [
    ("ftx_BTC-PERP_1m.csv", "FTX BTC-PERP"),
    ("bybit-linear_BTCUSDT_1m.csv", "Bybit BTCUSDT"),
    ("binance_BTCBUSD_1m.csv", "Binance BTCBUSD"),
];

fn set_param(p: &mut ModelParams, key: &str, v: f64) -> bool {
    let slot = match key {
        "base_sigma" => &mut p.base_sigma,
        "garch_alpha" => &mut p.garch_alpha,
        "garch_beta" => &mut p.garch_beta,
        "fast_alpha" => &mut p.fast_alpha,
        "fast_beta" => &mut p.fast_beta,
        "volume_noise" => &mut p.volume_noise,
        "variance_cap" => &mut p.variance_cap,
        "tail_dof" => &mut p.tail_dof,
        "correlation" => &mut p.correlation,
        "range_scale" => &mut p.range_scale,
        "trend_strength" => &mut p.trend_strength,
        "ar1" => &mut p.ar1,
        "seasonal_amplitude" => &mut p.seasonal_amplitude,
        "volume_vol_elasticity" => &mut p.volume_vol_elasticity,
        "liquidation_base" => &mut p.liquidation_base,
        _ => return false,
    };
    *slot = v;
    true
}

fn main() {
    let mut minutes = 200_000usize;
    let mut config = GeneratorConfig { intra_minute_steps: 0, ..GeneratorConfig::default() };
    for arg in std::env::args().skip(1) {
        let Some((k, v)) = arg.split_once('=') else {
            eprintln!("ignoring `{arg}` (expected key=value)");
            continue;
        };
        let Ok(x) = v.parse::<f64>() else {
            eprintln!("ignoring `{arg}`: `{v}` is not a number");
            continue;
        };
        match k {
            "minutes" => minutes = x as usize,
            "seed" => config.seed = x as u64,
            _ if set_param(&mut config.model, k, x) => {}
            _ => eprintln!("ignoring unknown parameter `{k}`"),
        }
    }

    let mut gen = MarketGenerator::new(config);
    let mut btc: Vec<Candle> = Vec::with_capacity(minutes);
    let mut eth: Vec<Candle> = Vec::with_capacity(minutes);
    let mut regime_minutes = std::collections::BTreeMap::<&str, usize>::new();
    let mut buf = Vec::new();
    let started = std::time::Instant::now();
    for _ in 0..minutes {
        buf.clear();
        gen.next_minute(&mut buf);
        *regime_minutes.entry(gen.current_regime()).or_default() += 1;
        for e in &buf {
            if let Event::Candle(c) = e {
                if c.symbol.as_str() == "BTCUSDT" {
                    btc.push(*c);
                } else {
                    eth.push(*c);
                }
            }
        }
    }
    let elapsed = started.elapsed();

    let mut columns: Vec<(String, ReturnStats)> = vec![
        (format!("gen BTC ({}k)", minutes / 1000), return_stats(&btc)),
        ("gen ETH".to_string(), return_stats(&eth)),
    ];
    let dir = Path::new("../shared/data");
    for (file, label) in REAL {
        let path = dir.join(file);
        if !path.exists() {
            eprintln!("SKIP {}: not found", path.display());
            continue;
        }
        let symbol = Symbol::new("BTCUSDT").expect("literal symbol");
        match read_candles(&path, symbol, Interval::M1) {
            Ok(c) => columns.push((format!("{label} ({})", c.len()), return_stats(&c))),
            Err(e) => eprintln!("SKIP {}: {e}", path.display()),
        }
    }
    print_table(&columns);

    let rb = log_returns(&btc.iter().map(|c| c.close.to_f64()).collect::<Vec<_>>());
    let re = log_returns(&eth.iter().map(|c| c.close.to_f64()).collect::<Vec<_>>());
    println!("\ngenerator BTC/ETH 1m return correlation: {:.3}", correlation(&rb, &re));
    for (name, c) in [("BTC", &btc), ("ETH", &eth)] {
        let closes: Vec<f64> = c.iter().map(|c| c.close.to_f64()).collect();
        let (lo, hi) = closes.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let (first, last) = (closes.first().copied().unwrap_or(0.0), closes.last().copied().unwrap_or(0.0));
        println!("generator {name} close: first {first:.2}, last {last:.2}, min {lo:.2}, max {hi:.2}");
    }
    let shares: Vec<String> =
        regime_minutes.iter().map(|(k, v)| format!("{k} {:.1}%", 100.0 * *v as f64 / minutes.max(1) as f64)).collect();
    println!("hidden regime time shares: {}", shares.join(", "));
    println!(
        "generated {minutes} minutes x 2 symbols (no intra-minute detail) in {:.1} ms wall",
        elapsed.as_secs_f64() * 1e3,
    );
    cost_figures();
}

/// CPU time of this thread in seconds (robust to other processes loading the machine).
fn thread_cpu_s() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime only writes the timespec we pass.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0.0;
    }
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Per-call costs in thread CPU time: `next_minute` at two detail levels and CSV parsing.
fn cost_figures() {
    for (steps, minutes) in [(0u32, 500_000usize), (6, 20_000)] {
        let mut g = MarketGenerator::new(GeneratorConfig { intra_minute_steps: steps, ..GeneratorConfig::default() });
        let mut out = Vec::with_capacity(256);
        let t0 = thread_cpu_s();
        for _ in 0..minutes {
            out.clear();
            std::hint::black_box(g.next_minute(&mut out));
        }
        let ns = (thread_cpu_s() - t0) * 1e9 / minutes as f64;
        println!("next_minute, 2 symbols, intra_minute_steps {steps}: {ns:.0} ns CPU per call");
    }
    let mut g = MarketGenerator::new(GeneratorConfig { intra_minute_steps: 0, ..GeneratorConfig::default() });
    let mut text = String::from("ts_ms,open,high,low,close,volume\n");
    let rows = 200_000;
    for c in g.candles(rows, 0) {
        text.push_str(&format!("{},{},{},{},{},{}\n", c.ts_ms, c.open, c.high, c.low, c.close, c.volume));
    }
    let symbol = Symbol::new("BTCUSDT").expect("literal symbol");
    let t0 = thread_cpu_s();
    let reps = 10;
    for _ in 0..reps {
        let parsed = autobot::data::csv::parse_candles(&text, Path::new("synthetic"), symbol, Interval::M1);
        std::hint::black_box(parsed.map(|v| v.len()).unwrap_or(0));
    }
    let secs = (thread_cpu_s() - t0) / reps as f64;
    println!(
        "CSV parse: {rows} rows ({:.1} MB) in {:.1} ms CPU = {:.2} M rows/s",
        text.len() as f64 / 1e6,
        secs * 1e3,
        rows as f64 / secs / 1e6
    );
}

fn print_table(columns: &[(String, ReturnStats)]) {
    type Row = (&'static str, fn(&ReturnStats) -> String);
    let pct = |v: f64| format!("{:.4}%", v * 100.0);
    let _ = pct;
    let rows: Vec<Row> = vec![
        ("returns", |s| s.returns.to_string()),
        ("std", |s| format!("{:.4}%", s.std * 100.0)),
        ("excess kurtosis", |s| format!("{:.1}", s.excess_kurtosis)),
        ("skew", |s| format!("{:.2}", s.skew)),
        ("q01", |s| format!("{:.4}%", s.q01 * 100.0)),
        ("q99", |s| format!("{:.4}%", s.q99 * 100.0)),
        ("acf |r| lag 1", |s| format!("{:.3}", s.abs_acf[0])),
        ("acf |r| lag 5", |s| format!("{:.3}", s.abs_acf[1])),
        ("acf |r| lag 30", |s| format!("{:.3}", s.abs_acf[2])),
        ("acf |r| lag 60", |s| format!("{:.3}", s.abs_acf[3])),
        ("acf r lag 1", |s| format!("{:.3}", s.acf1)),
        ("mean (H-L)/C", |s| format!("{:.4}%", s.mean_range * 100.0)),
        ("corr(ln vol, |r|)", |s| format!("{:.3}", s.volume_abs_corr)),
        ("run len up (min)", |s| format!("{:.1}", s.runs.mean_len[0])),
        ("run len flat (min)", |s| format!("{:.1}", s.runs.mean_len[1])),
        ("run len down (min)", |s| format!("{:.1}", s.runs.mean_len[2])),
        ("vol run len high", |s| format!("{:.1}", s.vol_runs[0])),
        ("vol run len low", |s| format!("{:.1}", s.vol_runs[1])),
        ("share up/flat/down", |s| {
            format!("{:.0}/{:.0}/{:.0}%", s.runs.share[0] * 100.0, s.runs.share[1] * 100.0, s.runs.share[2] * 100.0)
        }),
    ];
    let _ = ABS_ACF_LAGS;
    let width = columns.iter().map(|(n, _)| n.len()).max().unwrap_or(10).max(12) + 2;
    print!("| {:<20}", "statistic");
    for (name, _) in columns {
        print!("| {name:>width$} ");
    }
    println!("|");
    print!("|{}", "-".repeat(21));
    for _ in columns {
        print!("|{}:", "-".repeat(width + 1));
    }
    println!("|");
    for (label, f) in rows {
        print!("| {label:<20}");
        for (_, s) in columns {
            print!("| {:>width$} ", f(s));
        }
        println!("|");
    }
    println!(
        "\nrun lengths: label each minute by R60 / (std of the 60 one-minute returns x sqrt 60): \
         > 1 up, < -1 down, else flat; vol runs: 60-minute rolling std above / below its median \
         over the series. The same rules for every column."
    );
}
