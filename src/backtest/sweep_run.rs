//! Running a parameter sweep: every grid point is a full backtest on the in-sample part, run in
//! parallel; the points are ranked by a chosen metric and the best few are re-run on the
//! out-of-sample part. Writes `sweep.csv` (one row per point) and the top-10 table.

use super::data::{run_part, Prepared, Slice};
use super::metrics::Metrics;
use super::output::outcome_metrics;
use super::parallel::par_map;
use super::sweep::{apply, grid, label, Point, SweepError, SweepParam};
use crate::config::Config;
use crate::domain::Event;
use std::fmt::Write as _;
use std::time::Instant;

/// The metric a sweep ranks by (best first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RankBy {
    Sharpe,
    Sortino,
    Return,
    Calmar,
    ProfitFactor,
    WinRate,
    Expectancy,
    /// Smallest drawdown first.
    MaxDrawdown,
}

impl std::str::FromStr for RankBy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "sharpe" => RankBy::Sharpe,
            "sortino" => RankBy::Sortino,
            "return" | "total_return" => RankBy::Return,
            "calmar" => RankBy::Calmar,
            "profit_factor" | "pf" => RankBy::ProfitFactor,
            "win_rate" => RankBy::WinRate,
            "expectancy" => RankBy::Expectancy,
            "max_drawdown" | "drawdown" | "dd" => RankBy::MaxDrawdown,
            _ => {
                return Err(format!(
                    "unknown --rank `{s}`: use sharpe, sortino, return, calmar, profit_factor, win_rate, expectancy or max_drawdown"
                ))
            }
        })
    }
}

impl RankBy {
    /// Higher is better; undefined ratios rank last.
    pub fn score(self, m: &Metrics) -> f64 {
        match self {
            RankBy::Sharpe => m.sharpe,
            RankBy::Sortino => m.sortino,
            RankBy::Return => m.total_return,
            RankBy::Calmar => m.calmar.unwrap_or(f64::NEG_INFINITY),
            RankBy::ProfitFactor => {
                m.profit_factor.unwrap_or(if m.trades > 0 { f64::INFINITY } else { f64::NEG_INFINITY })
            }
            RankBy::WinRate => m.win_rate.unwrap_or(f64::NEG_INFINITY),
            RankBy::Expectancy => m.expectancy,
            RankBy::MaxDrawdown => -m.max_drawdown,
        }
    }
}

/// How to run a sweep.
#[derive(Debug, Clone, Copy)]
pub struct SweepOptions {
    pub jobs: usize,
    pub rank: RankBy,
    /// Points re-run out of sample (the best by `rank`).
    pub top: usize,
}

/// One grid point's results.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    pub point: Point,
    pub label: String,
    pub in_sample: Metrics,
    /// Only for the top points.
    pub out_of_sample: Option<Metrics>,
}

/// A finished sweep, rows best first.
#[derive(Debug, Clone)]
pub struct SweepResult {
    pub params: Vec<SweepParam>,
    pub rows: Vec<SweepRow>,
    pub rank: RankBy,
    /// Wall time of the in-sample grid.
    pub grid_seconds: f64,
    pub jobs: usize,
}

impl SweepResult {
    /// In-sample backtests per second.
    pub fn points_per_second(&self) -> f64 {
        self.rows.len() as f64 / self.grid_seconds.max(1e-9)
    }
}

/// Runs the grid on `in_sample` and the best `top` again on `out_of_sample` (empty: none),
/// both from cold.
pub fn run_sweep(
    base: &Config,
    data: &Prepared,
    in_sample: &[Event],
    out_of_sample: &[Event],
    params: Vec<SweepParam>,
    opts: SweepOptions,
) -> Result<SweepResult, SweepError> {
    run_sweep_parts(base, data, Slice::cold(in_sample), Slice::cold(out_of_sample), params, opts)
}

/// [`run_sweep`] with each part warmed up on its `warm` events.
pub fn run_sweep_parts(
    base: &Config,
    data: &Prepared,
    in_sample: Slice<'_>,
    out_of_sample: Slice<'_>,
    params: Vec<SweepParam>,
    opts: SweepOptions,
) -> Result<SweepResult, SweepError> {
    let points = grid(&params);
    // Every point is checked before any runs, so a bad value stops the sweep at once.
    let configs: Vec<Config> = points.iter().map(|p| apply(base, &params, p)).collect::<Result<_, _>>()?;
    let started = Instant::now();
    let metrics = par_map(&configs, opts.jobs, |c| outcome_metrics(&run_part(c, data, in_sample)));
    let grid_seconds = started.elapsed().as_secs_f64();
    let mut rows: Vec<SweepRow> = points
        .into_iter()
        .zip(metrics)
        .map(|(point, m)| SweepRow { label: label(&params, &point), point, in_sample: m, out_of_sample: None })
        .collect();
    // Stable: equal scores keep grid order, so the ranking does not depend on the threads.
    rows.sort_by(|a, b| opts.rank.score(&b.in_sample).total_cmp(&opts.rank.score(&a.in_sample)));
    let top = opts.top.min(rows.len());
    if !out_of_sample.events.is_empty() && top > 0 {
        let best: Vec<Config> = rows[..top].iter().map(|r| apply(base, &params, &r.point)).collect::<Result<_, _>>()?;
        let oos = par_map(&best, opts.jobs, |c| outcome_metrics(&run_part(c, data, out_of_sample)));
        for (r, m) in rows.iter_mut().zip(oos) {
            r.out_of_sample = Some(m);
        }
    }
    Ok(SweepResult { params, rows, rank: opts.rank, grid_seconds, jobs: opts.jobs })
}

fn num(v: f64) -> String {
    format!("{v:.6}")
}
fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

/// `sweep.csv`: rank, the parameters, then in-sample and (for the top points) out-of-sample metrics.
pub fn sweep_csv(result: &SweepResult) -> String {
    let mut out = String::from("rank");
    for p in &result.params {
        let _ = write!(out, ",{}", p.name());
    }
    for pre in ["is", "oos"] {
        for col in
            ["return", "max_drawdown", "sharpe", "sortino", "trades", "win_rate", "profit_factor", "fees", "funding"]
        {
            let _ = write!(out, ",{pre}_{col}");
        }
    }
    out.push('\n');
    for (i, r) in result.rows.iter().enumerate() {
        let _ = write!(out, "{}", i + 1);
        for (p, &ix) in result.params.iter().zip(&r.point) {
            let _ = write!(out, ",{}", p.values[ix].to_string().trim_matches('"'));
        }
        for m in [Some(&r.in_sample), r.out_of_sample.as_ref()] {
            match m {
                Some(m) => {
                    let _ = write!(
                        out,
                        ",{},{},{},{},{},{},{},{:.2},{:.2}",
                        num(m.total_return),
                        num(m.max_drawdown),
                        num(m.sharpe),
                        num(m.sortino),
                        m.trades,
                        opt(m.win_rate),
                        opt(m.profit_factor),
                        m.fees,
                        m.funding
                    );
                }
                None => out.push_str(",,,,,,,,,"),
            }
        }
        out.push('\n');
    }
    out
}

/// The best `n` rows as an aligned text table (in-sample, and out-of-sample where run).
pub fn top_table(result: &SweepResult, n: usize) -> String {
    let mut out = format!(
        "{:>4}  {:<48} {:>9} {:>8} {:>7} {:>6} | {:>9} {:>8} {:>7} {:>6}\n",
        "rank", "point", "IS ret", "IS DD", "IS shp", "IS n", "OOS ret", "OOS DD", "OOS shp", "OOS n"
    );
    for (i, r) in result.rows.iter().take(n).enumerate() {
        let m = &r.in_sample;
        let _ = write!(
            out,
            "{:>4}  {:<48} {:>+8.2}% {:>7.2}% {:>7.2} {:>6} |",
            i + 1,
            r.label,
            m.total_return * 100.0,
            m.max_drawdown * 100.0,
            m.sharpe,
            m.trades
        );
        match &r.out_of_sample {
            Some(o) => {
                let _ = writeln!(
                    out,
                    " {:>+8.2}% {:>7.2}% {:>7.2} {:>6}",
                    o.total_return * 100.0,
                    o.max_drawdown * 100.0,
                    o.sharpe,
                    o.trades
                );
            }
            None => out.push_str("        -        -       -      -\n"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_names() {
        assert_eq!("Sharpe".parse::<RankBy>(), Ok(RankBy::Sharpe));
        assert_eq!("max-drawdown".parse::<RankBy>(), Ok(RankBy::MaxDrawdown));
        assert!("luck".parse::<RankBy>().unwrap_err().contains("sharpe, sortino"));
    }
}
