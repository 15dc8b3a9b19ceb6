//! Backtest runner and report (metrics, trades CSV, equity plot).
