//! CSV candle files (`ts_ms,open,high,low,close,volume`): strict parsing with line-numbered errors.
