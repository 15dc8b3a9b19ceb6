//! Turns a backtest outcome into the report files: `report.json` (metrics, per-mode attribution,
//! the mode-switch summary, buy-and-hold beside the strategy), `trades.csv`, `equity.png` and
//! `mode_switches.csv`.

use super::metrics::{compute, Metrics, MetricsInput};
use super::report::{write_report, ReportError};
use super::runner::BacktestOutcome;
use super::timeline::{summary_json, switches_csv};
use crate::domain::Symbol;
use std::path::Path;

/// What the report needs beyond the outcome.
#[derive(Debug, Clone, Default)]
pub struct ReportContext {
    /// The symbols of the run (time shares weigh them equally).
    pub symbols: Vec<Symbol>,
    /// Buy-and-hold of the first symbol over the same candles.
    pub buy_and_hold: Option<Metrics>,
    /// More keys for `report.json`'s `extra` (e.g. `title`, `window`, `engine`).
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The headline metrics of an outcome.
pub fn outcome_metrics(outcome: &BacktestOutcome) -> Metrics {
    compute(&MetricsInput {
        equity: &outcome.equity,
        trades: &outcome.trades,
        fees: outcome.fees,
        funding: outcome.funding,
        exposure_ms: outcome.exposure_ms,
        bar_ms: outcome.bar_ms,
    })
}

/// The per-mode attribution: trades, wins, win rate, net PnL and time active per mode.
pub fn per_mode_json(outcome: &BacktestOutcome) -> serde_json::Value {
    outcome
        .modes
        .iter()
        .map(|m| {
            serde_json::json!({
                "mode": m.name,
                "enabled": m.enabled,
                "trades": m.trades,
                "wins": m.wins,
                "win_rate": if m.trades > 0 { Some(m.wins as f64 / m.trades as f64) } else { None },
                "net_pnl": m.pnl.to_f64(),
                "time_active_ms": m.active_ms,
            })
        })
        .collect()
}

/// `{return, max_drawdown, sharpe, fees, final_equity}` of a buy-and-hold.
pub fn buy_and_hold_json(m: &Metrics) -> serde_json::Value {
    serde_json::json!({
        "total_return": m.total_return,
        "max_drawdown": m.max_drawdown,
        "sharpe": m.sharpe,
        "fees": m.fees,
        "final_equity": m.final_equity,
    })
}

/// Writes `report.json`, `trades.csv`, `equity.png` and `mode_switches.csv` into `dir` and returns
/// the `report.json` value.
pub fn write_outcome(dir: &Path, outcome: &BacktestOutcome, ctx: &ReportContext) -> anyhow::Result<serde_json::Value> {
    let metrics = outcome_metrics(outcome);
    let mut extra = ctx.extra.clone();
    extra.insert("candles".into(), outcome.candles.into());
    extra.insert("orders".into(), outcome.orders.into());
    extra.insert("fills".into(), outcome.fills.into());
    extra.insert("buy_and_hold_return".into(), outcome.buy_and_hold_return.into());
    if let Some(bh) = &ctx.buy_and_hold {
        extra.insert("buy_and_hold".into(), buy_and_hold_json(bh));
    }
    extra.insert("per_mode".into(), per_mode_json(outcome));
    extra.insert(
        "mode_switches".into(),
        summary_json(&outcome.switches, &ctx.symbols, metrics.start_ms, metrics.end_ms),
    );
    let files = write_report(dir, &metrics, &outcome.equity, &outcome.trades, extra.into())?;
    let path = dir.join("mode_switches.csv");
    std::fs::write(&path, switches_csv(&outcome.switches)).map_err(|source| ReportError::Write { path, source })?;
    let text = std::fs::read_to_string(&files.report_json)?;
    Ok(serde_json::from_str(&text)?)
}
