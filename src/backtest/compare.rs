//! `autobot backtest --compare`: on one data set, all five modes on, each mode alone, the EMA
//! engine and buy-and-hold, each on the in-sample and the out-of-sample part, run in parallel
//! (every run is an independent pipeline over the shared events). Writes `compare.csv` and
//! `compare.md`.

use super::buyhold::buy_and_hold;
use super::data::{run_part, Prepared, Slice};
use super::metrics::Metrics;
use super::output::outcome_metrics;
use super::parallel::par_map;
use crate::config::{Config, StrategyEngine};
use crate::strategy::{ModeId, ModesConfig};
use std::fmt::Write as _;

/// Enables exactly the modes in `only` (the others off).
pub fn enable_only(modes: &mut ModesConfig, only: &[ModeId]) {
    let on = |m: ModeId| only.contains(&m);
    modes.trend.enabled = on(ModeId::Trend);
    modes.range.enabled = on(ModeId::Range);
    modes.breakout.enabled = on(ModeId::Breakout);
    modes.reversal.enabled = on(ModeId::Reversal);
    modes.hedge.enabled = on(ModeId::Hedge);
}

/// One strategy set-up of the comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Variant {
    /// The regime-mode engine with these modes enabled.
    Modes(Vec<ModeId>),
    /// The EMA-cross engine.
    Ema,
    /// Buy at the first close, sell at the last.
    BuyAndHold,
}

impl Variant {
    pub fn name(&self) -> String {
        match self {
            Variant::Modes(m) if m.len() == ModeId::ALL.len() => "all modes".into(),
            Variant::Modes(m) => m.iter().map(|x| x.as_str()).collect::<Vec<_>>().join("+") + " only",
            Variant::Ema => "ema engine".into(),
            Variant::BuyAndHold => "buy & hold".into(),
        }
    }
    /// The comparison's set: all modes, each alone, the EMA engine, buy-and-hold.
    pub fn standard() -> Vec<Variant> {
        let mut v = vec![Variant::Modes(ModeId::ALL.to_vec())];
        v.extend(ModeId::ALL.iter().map(|m| Variant::Modes(vec![*m])));
        v.push(Variant::Ema);
        v.push(Variant::BuyAndHold);
        v
    }
    /// `base` set up for this variant (buy-and-hold needs no config).
    pub fn config(&self, base: &Config) -> Config {
        let mut c = base.clone();
        match self {
            Variant::Modes(only) => {
                c.strategy.engine = StrategyEngine::Modes;
                enable_only(&mut c.strategy.modes, only);
            }
            Variant::Ema => c.strategy.engine = StrategyEngine::Ema,
            Variant::BuyAndHold => {}
        }
        c
    }
}

/// One line of the comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareRow {
    pub variant: String,
    /// `in-sample`, `out-of-sample` or `full`.
    pub part: String,
    pub metrics: Metrics,
}

/// Runs every variant on every part (`(name, events and warm-up)`), on up to `jobs` threads.
/// Buy-and-hold needs no warm-up.
pub fn run_compare(
    base: &Config,
    data: &Prepared,
    parts: &[(&str, Slice<'_>)],
    variants: &[Variant],
    jobs: usize,
) -> Vec<CompareRow> {
    let tasks: Vec<(usize, usize)> = (0..parts.len()).flat_map(|p| (0..variants.len()).map(move |v| (p, v))).collect();
    let fee = base.sim.taker_fee;
    let balance = base.demo.initial_balance;
    let results = par_map(&tasks, jobs, |&(p, v)| {
        let part = parts[p].1;
        match &variants[v] {
            Variant::BuyAndHold => buy_and_hold(part.events, balance, fee),
            other => Some(outcome_metrics(&run_part(&other.config(base), data, part))),
        }
    });
    tasks
        .iter()
        .zip(results)
        .filter_map(|(&(p, v), m)| {
            m.map(|metrics| CompareRow { variant: variants[v].name(), part: parts[p].0.to_string(), metrics })
        })
        .collect()
}

/// Column names of `compare.csv`.
pub const COMPARE_CSV_HEADER: &str =
    "part,variant,start,end,total_return,max_drawdown,sharpe,sortino,trades,win_rate,profit_factor,fees,funding,final_equity,exposure";

fn opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.4}")).unwrap_or_default()
}

/// The rows as CSV.
pub fn compare_csv(rows: &[CompareRow]) -> String {
    let mut out = String::from(COMPARE_CSV_HEADER);
    out.push('\n');
    for r in rows {
        let m = &r.metrics;
        let _ = writeln!(
            out,
            "{},{},{},{},{:.6},{:.6},{:.4},{:.4},{},{},{},{:.2},{:.2},{:.2},{:.4}",
            r.part,
            r.variant,
            super::report::iso_utc(m.start_ms),
            super::report::iso_utc(m.end_ms),
            m.total_return,
            m.max_drawdown,
            m.sharpe,
            m.sortino,
            m.trades,
            opt(m.win_rate),
            opt(m.profit_factor),
            m.fees,
            m.funding,
            m.final_equity,
            m.exposure
        );
    }
    out
}

/// A Markdown table per part: variant, return, max DD, Sharpe, trades, win rate, fees, funding.
pub fn compare_md(title: &str, rows: &[CompareRow]) -> String {
    let mut out = format!("### {title}\n");
    let mut parts: Vec<&str> = Vec::new();
    for r in rows {
        if !parts.contains(&r.part.as_str()) {
            parts.push(&r.part);
        }
    }
    for part in parts {
        let mut first = rows.iter().filter(|r| r.part == part);
        if let Some(r) = first.next() {
            let _ = write!(
                out,
                "\n**{part}** ({} → {})\n\n",
                &super::report::iso_utc(r.metrics.start_ms)[..16],
                &super::report::iso_utc(r.metrics.end_ms)[..16]
            );
        }
        out.push_str("| variant | return | max DD | Sharpe | trades | win rate | fees | funding |\n");
        out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for r in rows.iter().filter(|r| r.part == part) {
            let m = &r.metrics;
            let _ = writeln!(
                out,
                "| {} | {:+.2} % | {:.2} % | {:.2} | {} | {} | {:.2} | {:.2} |",
                r.variant,
                m.total_return * 100.0,
                m.max_drawdown * 100.0,
                m.sharpe,
                m.trades,
                m.win_rate.map(|w| format!("{:.0} %", w * 100.0)).unwrap_or_else(|| "–".into()),
                m.fees,
                m.funding
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_and_configs() {
        let v = Variant::standard();
        let names: Vec<String> = v.iter().map(Variant::name).collect();
        assert_eq!(
            names,
            [
                "all modes",
                "trend only",
                "range only",
                "breakout only",
                "reversal only",
                "hedge only",
                "ema engine",
                "buy & hold"
            ]
        );
        let c = Variant::Modes(vec![ModeId::Range]).config(&Config::default());
        assert_eq!(c.strategy.modes.enabled(), [false, true, false, false, false]);
        assert_eq!(Variant::Ema.config(&Config::default()).strategy.engine, StrategyEngine::Ema);
        let mut all_off = Config::default();
        enable_only(&mut all_off.strategy.modes, &[]);
        assert_eq!(Variant::standard()[0].config(&all_off).strategy.modes.enabled(), [true; 5]);
    }
}
