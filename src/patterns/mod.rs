//! Candlestick pattern detectors (TA-Lib conventions), with quality scores, in a registry.
