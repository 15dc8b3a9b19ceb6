//! Market analysis: volatility, multi-timeframe trend alignment, chop, structure, regime.
