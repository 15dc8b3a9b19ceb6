//! Turns a backtest outcome into the report files, with per-mode attribution.

use super::metrics::{compute, MetricsInput};
use super::report::write_report;
use super::runner::BacktestOutcome;
use std::path::{Path, PathBuf};

/// Computes the metrics and writes `report.json`, `trades.csv` and `equity.png` into `dir`.
pub fn write_outcome(dir: &Path, outcome: &BacktestOutcome) -> anyhow::Result<PathBuf> {
    let metrics = compute(&MetricsInput {
        equity: &outcome.equity,
        trades: &outcome.trades,
        fees: outcome.fees,
        funding: outcome.funding,
        exposure_ms: outcome.exposure_ms,
        bar_ms: outcome.bar_ms,
    });
    let modes: Vec<serde_json::Value> = outcome
        .modes
        .iter()
        .map(|m| {
            serde_json::json!({
                "mode": m.name,
                "trades": m.trades,
                "wins": m.wins,
                "win_rate": if m.trades > 0 { Some(m.wins as f64 / m.trades as f64) } else { None },
                "net_pnl": m.pnl.to_f64(),
                "time_active_ms": m.active_ms,
            })
        })
        .collect();
    let extra = serde_json::json!({
        "candles": outcome.candles,
        "orders": outcome.orders,
        "fills": outcome.fills,
        "buy_and_hold_return": outcome.buy_and_hold_return,
        "per_mode": modes,
    });
    write_report(dir, &metrics, &outcome.equity, &outcome.trades, extra)?;
    Ok(dir.to_path_buf())
}
