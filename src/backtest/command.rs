//! `autobot backtest`: turns the flags into runs. A plain run writes one report; `--split`
//! writes an in-sample and an out-of-sample report side by side; `--compare` runs the standard
//! variants (all modes, each alone, EMA, buy-and-hold) on both parts; `--sweep` runs a grid.

use super::buyhold::buy_and_hold;
use super::compare::{compare_csv, compare_md, enable_only, run_compare, Variant};
use super::data::{parse_date, prepare, run_part, split, warmup_candles, window_range, DataError, Slice};
use super::output::{write_outcome, ReportContext};
use super::parallel::{available_jobs, par_map};
use super::sweep::parse_all;
use super::sweep_run::{run_sweep_parts, sweep_csv, top_table, RankBy, SweepOptions};
use crate::cli::BacktestArgs;
use crate::config::{Config, Speed, StrategyEngine};
use crate::domain::Event;
use crate::runtime::RunOptions;
use crate::strategy::ModeId;
use anyhow::Context;
use std::path::Path;
use std::time::Instant;

/// The split `--compare` and `--sweep` use when `--split` is not given.
pub const DEFAULT_SPLIT: f64 = 0.7;

/// The config with `--engine` and `--modes` applied, checked.
pub fn strategy_config(base: &Config, engine: Option<&str>, modes: Option<&[String]>) -> anyhow::Result<Config> {
    let mut c = base.clone();
    if let Some(e) = engine {
        c.strategy.engine = match e.trim().to_ascii_lowercase().as_str() {
            "modes" => StrategyEngine::Modes,
            "ema" => StrategyEngine::Ema,
            other => anyhow::bail!("unknown --engine `{other}`: use modes or ema"),
        };
    }
    if let Some(list) = modes {
        if c.strategy.engine != StrategyEngine::Modes {
            anyhow::bail!("--modes needs the modes engine (--engine modes)");
        }
        let only = list.iter().map(|m| m.parse::<ModeId>()).collect::<Result<Vec<_>, _>>()?;
        enable_only(&mut c.strategy.modes, &only);
    }
    c.validate().map_err(|m| anyhow::anyhow!("invalid settings: {m}"))?;
    Ok(c)
}

/// Runs `autobot backtest` with its flags.
pub fn execute(mut opts: RunOptions, args: &BacktestArgs) -> anyhow::Result<()> {
    opts.speed = Speed::Max;
    let config = strategy_config(&opts.config, args.engine.as_deref(), args.modes.as_deref())?;
    let jobs = args.jobs.unwrap_or_else(available_jobs).max(1);
    let rank: RankBy = args.rank.parse().map_err(anyhow::Error::msg)?;
    let from = args.from.as_deref().map(parse_date).transpose()?;
    let to = args.to.as_deref().map(parse_date).transpose()?;
    if let Some(f) = args.split {
        if !(f > 0.0 && f < 1.0) {
            return Err(DataError::BadSplit(f).into());
        }
    }
    if args.compare && !args.sweep.is_empty() {
        anyhow::bail!("--compare and --sweep are separate runs: give one of them");
    }
    // Parse the sweep before loading the data, so a typo fails at once.
    let params = parse_all(&args.sweep, &config.strategy)?;

    let loaded = Instant::now();
    let data = prepare(&opts)?;
    let range = window_range(&data.events, from, to);
    let events = &data.events[range.clone()];
    // A part that starts inside the data warms up on the candles before it (see `data`).
    let warm = warmup_candles(&config, data.interval);
    let parts = |f: f64| {
        let (is, _) = split(events, f)?;
        let cut = range.start + is.len();
        let (all, start, end) = (&data.events, range.start, range.end);
        Ok::<_, DataError>((Slice::within(all, start..cut, warm), Slice::within(all, cut..end, warm)))
    };
    if !events.iter().any(|e| matches!(e, Event::Candle(_))) {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "…".into());
        return Err(DataError::EmptyWindow { from: show(&args.from), to: show(&args.to) }.into());
    }
    let title = opts
        .data
        .as_deref()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| format!("generated market, seed {}", opts.seed));
    eprintln!("backtest: {title}: {} events loaded in {:.3} s", events.len(), loaded.elapsed().as_secs_f64());
    let dir = args.report.as_path();

    if !params.is_empty() {
        let (is, oos) = parts(args.split.unwrap_or(DEFAULT_SPLIT))?;
        let started = Instant::now();
        let result = run_sweep_parts(&config, &data, is, oos, params, SweepOptions { jobs, rank, top: args.top })?;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join("sweep.csv");
        std::fs::write(&path, sweep_csv(&result)).with_context(|| format!("cannot write {}", path.display()))?;
        println!("{}", top_table(&result, 10));
        eprintln!(
            "sweep: {} points in {:.3} s on {} jobs ({:.2} points/s in sample), top {} re-run out of sample; total {:.3} s; {}",
            result.rows.len(),
            result.grid_seconds,
            result.jobs,
            result.points_per_second(),
            args.top.min(result.rows.len()),
            started.elapsed().as_secs_f64(),
            path.display()
        );
        return Ok(());
    }

    if args.compare {
        let (is, oos) = parts(args.split.unwrap_or(DEFAULT_SPLIT))?;
        let started = Instant::now();
        let parts = [("in-sample", is), ("out-of-sample", oos)];
        let rows = run_compare(&config, &data, &parts, &Variant::standard(), jobs);
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let md = compare_md(&title, &rows);
        for (name, text) in [("compare.csv", compare_csv(&rows)), ("compare.md", md.clone())] {
            let path = dir.join(name);
            std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        }
        println!("{md}");
        eprintln!(
            "compare: {} runs in {:.3} s on {jobs} jobs; {}",
            rows.len(),
            started.elapsed().as_secs_f64(),
            dir.join("compare.md").display()
        );
        return Ok(());
    }

    let ctx = |part: &str, ev: &[Event]| {
        let mut extra = serde_json::Map::new();
        extra.insert("title".into(), format!("{title} {part}").trim().to_string().into());
        extra.insert("engine".into(), serde_json::to_value(config.strategy.engine).unwrap_or_default());
        extra.insert("modes_enabled".into(), enabled_names(&config).into());
        ReportContext {
            symbols: data.instruments.iter().map(|i| i.symbol).collect(),
            buy_and_hold: buy_and_hold(ev, config.demo.initial_balance, config.sim.taker_fee),
            extra,
        }
    };
    match args.split {
        None => {
            let started = Instant::now();
            let outcome = run_part(&config, &data, Slice::within(&data.events, range.clone(), warm));
            let elapsed = started.elapsed().as_secs_f64();
            write_outcome(dir, &outcome, &ctx("", events))?;
            eprintln!(
                "backtest: {} candles in {:.3} s ({:.0} candles/s), {} trades, {} mode switches; report in {}",
                outcome.candles,
                elapsed,
                outcome.candles as f64 / elapsed.max(1e-9),
                outcome.trades.len(),
                outcome.switches.len(),
                dir.display()
            );
        }
        Some(f) => {
            let (is, oos) = parts(f)?;
            let parts = [("in_sample", is), ("out_of_sample", oos)];
            let outcomes = par_map(&parts, jobs.min(2), |(_, part)| run_part(&config, &data, *part));
            let mut top = serde_json::Map::new();
            top.insert("split".into(), f.into());
            for ((name, part), outcome) in parts.iter().zip(&outcomes) {
                let report = write_outcome(&dir.join(name), outcome, &ctx(name, part.events))?;
                top.insert(name.to_string(), report);
            }
            write_json(&dir.join("report.json"), &serde_json::Value::Object(top))?;
            eprintln!(
                "backtest: split {f}: in-sample {} candles / {} trades, out-of-sample {} candles / {} trades; report in {}",
                outcomes[0].candles,
                outcomes[0].trades.len(),
                outcomes[1].candles,
                outcomes[1].trades.len(),
                dir.display()
            );
        }
    }
    Ok(())
}

fn enabled_names(c: &Config) -> Vec<String> {
    match c.strategy.engine {
        StrategyEngine::Ema => vec!["ema".into()],
        StrategyEngine::Modes => ModeId::ALL
            .iter()
            .zip(c.strategy.modes.enabled())
            .filter(|(_, on)| *on)
            .map(|(m, _)| m.as_str().to_string())
            .collect(),
    }
}

fn write_json(path: &Path, v: &serde_json::Value) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(v)?;
    std::fs::write(path, format!("{text}\n")).with_context(|| format!("cannot write {}", path.display()))
}
