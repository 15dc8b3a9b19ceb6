//! Simulated exchange for linear perpetuals: matching against the book, fees, slippage,
//! funding, margin and liquidation; the paper account of the `demo` venue and of backtests.
