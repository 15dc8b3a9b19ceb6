//! End-to-end checks of the backtest on a generated market (and on the real data in
//! `../shared/data` when it is there): attribution, the timeline, `--modes`, sweep determinism,
//! the split, and the command's files.

use super::command::{execute, strategy_config};
use super::compare::{run_compare, Variant};
use super::data::{new_pipeline, prepare, run_part, run_slice, split, warm_up, warmup_candles, Prepared, Slice};
use super::output::outcome_metrics;
use super::runner::run_events;
use super::sweep::{apply, parse_all};
use super::sweep_run::{run_sweep, RankBy, SweepOptions};
use super::timeline::switches_csv;
use crate::cli::BacktestArgs;
use crate::config::{Config, Speed};
use crate::domain::Money;
use crate::runtime::RunOptions;
use std::path::PathBuf;

/// Generated 1m candles of one symbol; enough for the modes to switch and trade.
const CANDLES: u64 = 12_000;

fn opts(candles: u64) -> RunOptions {
    let mut config = Config::default();
    config.demo.symbols = vec!["BTCUSDT".into()];
    config.demo.intra_minute_steps = 0;
    RunOptions {
        config,
        db_path: PathBuf::from("unused.db"),
        data: None,
        speed: Speed::Max,
        max_candles: Some(candles),
        exit_at_end: true,
        seed: 7,
        headless: true,
        venue: Default::default(),
        config_path: None,
    }
}

fn data() -> (RunOptions, Prepared) {
    let o = opts(CANDLES);
    let d = prepare(&o).unwrap();
    (o, d)
}

#[test]
fn per_mode_attribution_sums_to_the_total() {
    let (o, d) = data();
    let out = run_slice(&o.config, &d, &d.events);
    assert!(out.trades.len() >= 3, "the generated market should trade: {} trades", out.trades.len());
    let trades: u32 = out.modes.iter().map(|m| m.trades).sum();
    assert_eq!(trades as usize, out.trades.len());
    let pnl = out.modes.iter().fold(Money::ZERO, |a, m| a + m.pnl);
    let total = out.trades.iter().fold(Money::ZERO, |a, t| a + t.net_pnl());
    assert_eq!(pnl, total, "per-mode PnL must add up exactly");
    let wins: u32 = out.modes.iter().map(|m| m.wins).sum();
    assert_eq!(wins as usize, out.trades.iter().filter(|t| t.net_pnl().is_positive()).count());
}

#[test]
fn timeline_matches_the_engine() {
    let (o, d) = data();
    let mut p = new_pipeline(&o.config, &d);
    let out = run_events(&mut p, &d.events);
    assert!(out.switches.len() >= 2, "expected mode switches, got {}", out.switches.len());
    // The engine keeps the last 100, newest first.
    let recent = p.engine.snapshot().strategy.switches;
    assert_eq!(recent.len(), out.switches.len().min(100));
    for (r, s) in recent.iter().zip(out.switches.iter().rev()) {
        assert_eq!((r.0, r.2.as_str(), r.3.as_str(), r.4.as_str()), (s.ts_ms, &*s.from, &*s.to, &*s.reason.as_text()));
    }
    let csv = switches_csv(&out.switches);
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), out.switches.len());
    for (row, s) in rows.iter().zip(&out.switches) {
        let cols: Vec<&str> = row.splitn(6, ',').collect();
        assert_eq!(cols[0], s.ts_ms.to_string());
        assert_eq!((cols[3], cols[4]), (&*s.from, &*s.to));
    }
    // Switches alternate consistently: each starts where the previous ended.
    for w in out.switches.windows(2) {
        assert_eq!(w[1].from, w[0].to.split(' ').next().unwrap());
        assert!(w[1].ts_ms >= w[0].ts_ms);
    }
}

#[test]
fn modes_flag_disables_the_others() {
    let (o, d) = data();
    let only = ["trend".to_string()];
    let c = strategy_config(&o.config, None, Some(&only)).unwrap();
    assert_eq!(c.strategy.modes.enabled(), [true, false, false, false, false]);
    let out = run_slice(&c, &d, &d.events);
    assert!(out.trades.iter().all(|t| t.mode.is_none_or(|m| m == 0)), "a trade from another mode");
    for m in out.modes.iter().filter(|m| m.name != "trend") {
        assert_eq!((m.trades, m.active_ms), (0, 0), "{} traded or was active", m.name);
    }
    assert!(out.switches.iter().all(|s| s.to == "trend" || s.to.starts_with("none")), "{:?}", out.switches);
    // All five on trades modes other than trend on this series, so the flag changed something.
    let all = run_slice(&o.config, &d, &d.events);
    assert_ne!(all.trades.len(), 0);
    assert!(strategy_config(&o.config, None, Some(&["sideways".to_string()])).is_err());
    assert!(strategy_config(&o.config, Some("ema"), Some(&only)).is_err());
}

#[test]
fn sweep_equals_separate_backtests_on_any_thread_count() {
    let (o, d) = data();
    let (is, oos) = split(&d.events, 0.7).unwrap();
    let specs = ["trend.stop_atr=1.5,2.5".to_string(), "switcher.confirm_bars=2,4".to_string()];
    let params = parse_all(&specs, &o.config.strategy).unwrap();
    let opts = SweepOptions { jobs: 3, rank: RankBy::Return, top: 2 };
    let res = run_sweep(&o.config, &d, is, oos, params.clone(), opts).unwrap();
    assert_eq!(res.rows.len(), 4);
    for r in &res.rows {
        let c = apply(&o.config, &params, &r.point).unwrap();
        assert_eq!(r.in_sample, outcome_metrics(&run_slice(&c, &d, is)), "{}", r.label);
    }
    // Ranked best first; the top two have out-of-sample results, the rest none.
    assert!(res.rows.windows(2).all(|w| w[0].in_sample.total_return >= w[1].in_sample.total_return));
    assert_eq!(res.rows.iter().filter(|r| r.out_of_sample.is_some()).count(), 2);
    let single = run_sweep(&o.config, &d, is, oos, params, SweepOptions { jobs: 1, ..opts }).unwrap();
    assert_eq!(single.rows, res.rows);
}

#[test]
fn compare_and_split_cover_disjoint_windows() {
    let (o, d) = data();
    let (is, oos) = split(&d.events, 0.7).unwrap();
    let parts = [("in-sample", Slice::cold(is)), ("out-of-sample", Slice::cold(oos))];
    let rows = run_compare(&o.config, &d, &parts, &Variant::standard(), 2);
    assert_eq!(rows.len(), 16);
    let (a, b) = (&rows[0].metrics, &rows[8].metrics);
    assert_eq!((rows[0].part.as_str(), rows[8].part.as_str()), ("in-sample", "out-of-sample"));
    assert!(a.end_ms <= b.start_ms, "in-sample ends {} after out-of-sample starts {}", a.end_ms, b.start_ms);
    // 70 % of 12 000 one-minute candles: 8 400 minutes in sample.
    assert_eq!(a.start_ms + 8_400 * 60_000, a.end_ms);
    assert_eq!(b.end_ms - b.start_ms, 3_600 * 60_000);
}

#[test]
fn out_of_sample_starts_warm_on_the_in_sample_tail() {
    let (o, d) = data();
    let (is, oos) = split(&d.events, 0.7).unwrap();
    let n = warmup_candles(&o.config, d.interval);
    let part = Slice::within(&d.events, is.len()..d.events.len(), n);
    assert_eq!(part.events.len(), oos.len());
    // 500 fifteen-minute bars of one-minute candles, the last ones of the in-sample part.
    let closed = part.warm.iter().filter(|e| matches!(e, crate::domain::Event::Candle(c) if c.closed)).count();
    assert_eq!((n, closed), (7_500, 7_500));
    assert!(std::ptr::eq(part.warm.last().unwrap(), is.last().unwrap()));
    // Warming up trades nothing and the venue sees none of it.
    let mut p = new_pipeline(&o.config, &d);
    let warmed = warm_up(&mut p, part.warm);
    let sym = d.instruments[0].symbol;
    assert!(p.engine.position(sym).is_zero());
    assert_eq!(p.venue.balance().equity, Money::from_int(10_000));
    assert_eq!((p.venue.open_orders().count(), p.venue.fees_paid()), (0, Money::ZERO));
    // The switcher chose a mode while warming up: the run starts with it in force.
    let initial = warmed.switches.expect("a mode chosen during the warm-up");
    assert_eq!(initial.len(), 1);
    let start = match &part.events[0] {
        crate::domain::Event::Candle(c) => c.ts_ms,
        e => panic!("{e:?}"),
    };
    assert!(initial[0].ts_ms < start);
    // Same candles and the same start as a cold run; the cold one has no mode until it has
    // warmed up on its own bars, the warm one has one from the first bar.
    let warm = run_part(&o.config, &d, part);
    let cold = run_slice(&o.config, &d, oos);
    assert_eq!((warm.candles, warm.equity[0]), (cold.candles, cold.equity[0]));
    assert_eq!(warm.switches[0], initial[0]);
    assert!(cold.switches.first().is_none_or(|s| s.ts_ms >= start));
}

fn args(dir: &std::path::Path) -> BacktestArgs {
    BacktestArgs { report: dir.to_path_buf(), rank: "sharpe".into(), top: 2, jobs: Some(2), ..Default::default() }
}

#[test]
fn command_writes_split_compare_and_sweep_files() {
    let tmp = tempfile::tempdir().unwrap();
    let o = opts(4_000);
    let dir = tmp.path().join("split");
    execute(o.clone(), &BacktestArgs { split: Some(0.5), ..args(&dir) }).unwrap();
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    let (i, s) = (&report["in_sample"], &report["out_of_sample"]);
    assert!(i["end_time"].as_str().unwrap() <= s["start_time"].as_str().unwrap());
    assert_eq!(i["extra"]["candles"].as_u64().unwrap() + s["extra"]["candles"].as_u64().unwrap(), 4_000);
    for part in ["in_sample", "out_of_sample"] {
        for f in ["report.json", "trades.csv", "equity.png", "mode_switches.csv"] {
            assert!(dir.join(part).join(f).exists(), "{part}/{f}");
        }
        assert!(report[part]["extra"]["buy_and_hold"]["max_drawdown"].is_number());
        let share = &report[part]["extra"]["mode_switches"]["time_share"];
        let total: f64 = share.as_object().unwrap().values().map(|v| v.as_f64().unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-9, "{share}");
    }

    let dir = tmp.path().join("compare");
    execute(o.clone(), &BacktestArgs { compare: true, ..args(&dir) }).unwrap();
    let csv = std::fs::read_to_string(dir.join("compare.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 16);
    assert!(std::fs::read_to_string(dir.join("compare.md")).unwrap().contains("| buy & hold |"));

    let dir = tmp.path().join("sweep");
    let sweep = vec!["range.entry_zone=0.1:0.3:0.1".to_string()];
    execute(o.clone(), &BacktestArgs { sweep, ..args(&dir) }).unwrap();
    let csv = std::fs::read_to_string(dir.join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3);
    assert!(csv.starts_with("rank,range.entry_zone,is_return"), "{csv}");

    let bad = execute(o, &BacktestArgs { sweep: vec!["range.zone=1".into()], ..args(&tmp.path().join("x")) });
    let msg = bad.unwrap_err().to_string();
    assert!(msg.contains("entry_zone") && msg.contains("range.zone=1"), "{msg}");
}

#[test]
fn real_data_compare_when_available() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/binance_BTCUSDT_5m.csv");
    if !path.exists() {
        eprintln!("skipped: {} is absent (no ../shared/data)", path.display());
        return;
    }
    let mut o = opts(0);
    o.max_candles = None;
    o.data = Some(path);
    let d = prepare(&o).unwrap();
    assert_eq!(d.events.len(), 499);
    let (is, oos) = split(&d.events, 0.7).unwrap();
    assert_eq!((is.len(), oos.len()), (349, 150));
    let parts = [("in-sample", Slice::cold(is)), ("out-of-sample", Slice::cold(oos))];
    let rows = run_compare(&o.config, &d, &parts, &Variant::standard(), 2);
    assert_eq!(rows.len(), 16);
    let bh = rows.iter().find(|r| r.variant == "buy & hold" && r.part == "in-sample").unwrap();
    assert_eq!(bh.metrics.trades, 0);
    assert!(bh.metrics.fees > 0.0);
}
