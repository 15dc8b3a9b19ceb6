//! Regime statistics on the real candles in `../shared/data/`: how often the classifier flips,
//! how long regimes last, the share of time in each, and forward returns and volatility per
//! regime. Prints markdown tables (the ones in `docs/regime.md`).
//!
//! `cargo run --release --example regime_stats [FILE ...]` — without arguments it runs every
//! candle file in `../shared/data` (`*_1m.csv`, `*_5m.csv`, `*_1h.csv`, `*_4h.csv`), each bar
//! being the base bar of `AnalysisConfig::for_base(interval)`. Statistics start at the first
//! bar where the classifier is ready. Prints a SKIP line when the data is absent.

use std::path::{Path, PathBuf};

use autobot::analysis::{AnalysisConfig, AnalysisOutput, Analyzer, Regime};
use autobot::data::csv::read_candles;
use autobot::domain::{Interval, Symbol};
use autobot::indicators::{IndicatorSet, SetKind};

fn main() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let files: Vec<PathBuf> = if args.is_empty() {
        match std::fs::read_dir(&data) {
            Ok(rd) => {
                let mut v: Vec<PathBuf> = rd
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| guess_interval(&p.to_string_lossy()).is_some())
                    .collect();
                // Longest first: the long histories are the ones worth reading.
                v.sort_by_key(|p| std::cmp::Reverse(std::fs::metadata(p).map_or(0, |m| m.len())));
                v
            }
            Err(e) => {
                println!("SKIP: {} not readable ({e}); the real data lives in ../shared/data", data.display());
                return;
            }
        }
    } else {
        args.iter().map(PathBuf::from).collect()
    };
    for path in files {
        let Some(interval) = guess_interval(&path.to_string_lossy()) else {
            println!("SKIP {}: cannot tell the interval from the name (_1m/_5m/_1h/_4h.csv)", path.display());
            continue;
        };
        let symbol = Symbol::new("BTC").expect("static symbol");
        match read_candles(&path, symbol, interval) {
            Ok(cs) => report(&path, interval, &cs),
            Err(e) => println!("SKIP {}: {e}", path.display()),
        }
    }
}

fn guess_interval(name: &str) -> Option<Interval> {
    [("_1m.csv", Interval::M1), ("_5m.csv", Interval::M5), ("_1h.csv", Interval::H1), ("_4h.csv", Interval::H4)]
        .into_iter()
        .find(|(suffix, _)| name.ends_with(suffix))
        .map(|(_, i)| i)
}

#[derive(Default, Clone)]
struct Acc {
    n: usize,
    f15: Vec<f64>,
    f60: Vec<f64>,
    fvol: Vec<f64>,
    runs: Vec<usize>,
    conf: f64,
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

fn up_share(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        100.0 * v.iter().filter(|x| **x > 0.0).count() as f64 / v.len() as f64
    }
}

fn median(v: &mut [usize]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable();
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m] as f64
    } else {
        (v[m - 1] + v[m]) as f64 / 2.0
    }
}

/// A table cell: `—` where a regime never occurred (no value to show).
fn cell(x: f64, signed: bool, digits: usize) -> String {
    match (x.is_finite(), signed) {
        (false, _) => "—".to_string(),
        (true, true) => format!("{x:+.digits$}"),
        (true, false) => format!("{x:.digits$}"),
    }
}

fn report(path: &Path, interval: Interval, cs: &[autobot::domain::Candle]) {
    let cfg = AnalysisConfig::for_base(interval);
    let mut set = IndicatorSet::new(SetKind::Default);
    let mut an = Analyzer::new(cfg);
    let t0 = std::time::Instant::now();
    let outs: Vec<AnalysisOutput> = cs.iter().map(|c| *an.update(c, set.update(c))).collect();
    let ns = t0.elapsed().as_nanos() as f64 / cs.len().max(1) as f64;
    let closes: Vec<f64> = cs.iter().map(|c| c.close.to_f64()).collect();
    let lr: Vec<f64> =
        closes.windows(2).map(|w| if w[0] > 0.0 && w[1] > 0.0 { (w[1] / w[0]).ln() } else { 0.0 }).collect();

    let mut acc = vec![Acc::default(); 6];
    let mut all = Acc::default();
    let n = outs.len();
    let warm_up = outs.iter().position(|o| o.ready).unwrap_or(n);
    let mut flips = 0;
    let mut run_start = warm_up;
    for i in warm_up..n {
        let r = outs[i].regime.index();
        if i > warm_up && outs[i].regime != outs[i - 1].regime {
            flips += 1;
            acc[outs[i - 1].regime.index()].runs.push(i - run_start);
            run_start = i;
        }
        for a in [&mut acc[r], &mut all] {
            a.n += 1;
            a.conf += outs[i].confidence;
            if i + 15 < n {
                a.f15.push(1e4 * (closes[i + 15] / closes[i]).ln());
            }
            if i + 60 < n {
                a.f60.push(1e4 * (closes[i + 60] / closes[i]).ln());
                let w = &lr[i..i + 60];
                let m = mean(w);
                let var = w.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / 59.0;
                a.fvol.push(1e4 * var.sqrt());
            }
        }
    }
    if n > warm_up {
        acc[outs[n - 1].regime.index()].runs.push(n - run_start);
    }
    let bars = n.saturating_sub(warm_up);
    let name = path.file_name().map_or(String::new(), |f| f.to_string_lossy().into_owned());
    let tfs = cfg.timeframes.map(|t| t.label()).join("/");
    let base = format!("{} base bars, alignment on {tfs}", interval.label());
    println!("\n### {name} — {n} bars ({base})\n");
    if n <= warm_up {
        println!("The classifier never became ready on {n} bars.");
        return;
    }
    println!(
        "{bars} bars after a {warm_up}-bar warm-up (first ready bar); {flips} switches = **{:.1} per 1,000 bars**; analyzer + indicators {ns:.0} ns/bar (wall, release).\n",
        1000.0 * flips as f64 / bars.max(1) as f64
    );
    println!("| regime | share % | runs | mean run | median run | mean conf | fwd 15 bp | up15 % | fwd 60 bp | up60 % | fwd vol bp/bar |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in Regime::ALL {
        let a = &mut acc[r.index()];
        let runs = a.runs.len();
        let mean_run = if runs > 0 { a.runs.iter().sum::<usize>() as f64 / runs as f64 } else { f64::NAN };
        let med = median(&mut a.runs);
        println!(
            "| {} | {:.1} | {} | {} | {} | {:.2} | {} | {} | {} | {} | {} |",
            r.as_str(),
            100.0 * a.n as f64 / bars.max(1) as f64,
            runs,
            cell(mean_run, false, 1),
            cell(med, false, 1),
            a.conf / a.n.max(1) as f64,
            cell(mean(&a.f15), true, 2),
            cell(up_share(&a.f15), false, 1),
            cell(mean(&a.f60), true, 2),
            cell(up_share(&a.f60), false, 1),
            cell(mean(&a.fvol), false, 2)
        );
    }
    println!(
        "| **all** | 100.0 | {} | | | {:.2} | {:+.2} | {:.1} | {:+.2} | {:.1} | {:.2} |",
        flips + 1,
        all.conf / all.n.max(1) as f64,
        mean(&all.f15),
        up_share(&all.f15),
        mean(&all.f60),
        up_share(&all.f60),
        mean(&all.fvol)
    );
}
