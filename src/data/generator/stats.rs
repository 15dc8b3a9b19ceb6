//! Return statistics for calibrating the generator against real 1-minute data: moments and
//! quantiles of log returns, volatility clustering (autocorrelation of |r|), the return/volume
//! link, and the lengths of trend/flat runs under one fixed rule.

use crate::domain::Candle;

/// Lags at which the autocorrelation of |r| is reported.
pub const ABS_ACF_LAGS: [usize; 4] = [1, 5, 30, 60];
/// Window (minutes) of the trend rule used for run lengths.
pub const TREND_WINDOW: usize = 60;
/// A window is trending when its return exceeds this many of its own standard deviations.
pub const TREND_THRESHOLD: f64 = 1.0;

/// Summary of a series of 1-minute bars.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReturnStats {
    pub returns: usize,
    pub std: f64,
    pub excess_kurtosis: f64,
    pub skew: f64,
    pub q01: f64,
    pub q99: f64,
    /// Autocorrelation of |r| at [`ABS_ACF_LAGS`].
    pub abs_acf: [f64; 4],
    /// Autocorrelation of r at lag 1.
    pub acf1: f64,
    /// Mean of (high - low) / close.
    pub mean_range: f64,
    /// Correlation of ln(volume) with |r|.
    pub volume_abs_corr: f64,
    pub runs: TrendRuns,
    /// Mean run lengths (minutes) of the volatility band rule: [high, low].
    pub vol_runs: [f64; 2],
}

/// Run lengths of the trend rule: index 0 up, 1 flat, 2 down.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TrendRuns {
    /// Mean length in minutes of uninterrupted runs of each label.
    pub mean_len: [f64; 3],
    /// Share of labelled minutes with each label.
    pub share: [f64; 3],
}

/// ln(c[t] / c[t-1]).
pub fn log_returns(closes: &[f64]) -> Vec<f64> {
    closes.windows(2).map(|w| (w[1] / w[0]).ln()).collect()
}

pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    x.iter().sum::<f64>() / x.len() as f64
}

/// Sample autocorrelation at `lag` (0 when undefined).
pub fn autocorrelation(x: &[f64], lag: usize) -> f64 {
    if x.len() <= lag + 1 {
        return 0.0;
    }
    let m = mean(x);
    let var: f64 = x.iter().map(|v| (v - m) * (v - m)).sum();
    if var == 0.0 {
        return 0.0;
    }
    let cov: f64 = x.windows(lag + 1).map(|w| (w[0] - m) * (w[lag] - m)).sum();
    cov / var
}

/// Pearson correlation (0 when undefined).
pub fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    if n < 2 {
        return 0.0;
    }
    let (ma, mb) = (mean(&a[..n]), mean(&b[..n]));
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (da, db) = (a[i] - ma, b[i] - mb);
        sab += da * db;
        saa += da * da;
        sbb += db * db;
    }
    if saa == 0.0 || sbb == 0.0 {
        return 0.0;
    }
    sab / (saa * sbb).sqrt()
}

/// Quantile `q` of sorted data by linear interpolation.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (i, f) = (pos.floor() as usize, pos.fract());
    let next = sorted[(i + 1).min(sorted.len() - 1)];
    sorted[i] + f * (next - sorted[i])
}

/// (std, skew, excess kurtosis) with population moments.
pub fn moments(x: &[f64]) -> (f64, f64, f64) {
    let m = mean(x);
    let n = x.len().max(1) as f64;
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for v in x {
        let d = v - m;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    let (m2, m3, m4) = (m2 / n, m3 / n, m4 / n);
    if m2 == 0.0 {
        return (0.0, 0.0, 0.0);
    }
    (m2.sqrt(), m3 / m2.powf(1.5), m4 / (m2 * m2) - 3.0)
}

/// Labels each minute by the rule: the return over the last [`TREND_WINDOW`] minutes divided
/// by (the std of those minute returns x sqrt(window)) above +threshold is up (0), below
/// -threshold down (2), otherwise flat (1); then measures the runs of equal labels.
pub fn trend_runs(returns: &[f64], window: usize, threshold: f64) -> TrendRuns {
    let mut runs = TrendRuns::default();
    if returns.len() <= window {
        return runs;
    }
    let (mut s1, mut s2) = (0.0, 0.0);
    for r in &returns[..window] {
        s1 += r;
        s2 += r * r;
    }
    let mut counts = [0usize; 3];
    let mut run_counts = [0usize; 3];
    let mut current: Option<(usize, usize)> = None;
    let w = window as f64;
    for t in window..=returns.len() {
        let var = (s2 / w - (s1 / w) * (s1 / w)).max(0.0);
        let score = if var > 0.0 { s1 / (var.sqrt() * w.sqrt()) } else { 0.0 };
        let label = if score > threshold {
            0
        } else if score < -threshold {
            2
        } else {
            1
        };
        counts[label] += 1;
        current = match current {
            Some((l, len)) if l == label => Some((l, len + 1)),
            Some((l, _)) => {
                run_counts[l] += 1;
                Some((label, 1))
            }
            None => Some((label, 1)),
        };
        if t < returns.len() {
            s1 += returns[t] - returns[t - window];
            s2 += returns[t] * returns[t] - returns[t - window] * returns[t - window];
        }
    }
    if let Some((l, _)) = current {
        run_counts[l] += 1;
    }
    let total: usize = counts.iter().sum();
    for k in 0..3 {
        runs.mean_len[k] = if run_counts[k] > 0 { counts[k] as f64 / run_counts[k] as f64 } else { 0.0 };
        runs.share[k] = counts[k] as f64 / total.max(1) as f64;
    }
    runs
}

/// Labels each minute by whether the std of the last `window` returns is above the median of
/// that rolling std over the whole series (high) or not (low), and returns the mean run
/// lengths [high, low] in minutes.
pub fn vol_band_runs(returns: &[f64], window: usize) -> [f64; 2] {
    if returns.len() <= window {
        return [0.0; 2];
    }
    let w = window as f64;
    let (mut s1, mut s2) = (0.0, 0.0);
    for r in &returns[..window] {
        s1 += r;
        s2 += r * r;
    }
    let mut vols = Vec::with_capacity(returns.len() - window + 1);
    for t in window..=returns.len() {
        vols.push((s2 / w - (s1 / w) * (s1 / w)).max(0.0).sqrt());
        if t < returns.len() {
            s1 += returns[t] - returns[t - window];
            s2 += returns[t] * returns[t] - returns[t - window] * returns[t - window];
        }
    }
    let mut sorted = vols.clone();
    sorted.sort_by(f64::total_cmp);
    let median = quantile(&sorted, 0.5);
    let (mut minutes, mut runs) = ([0usize; 2], [0usize; 2]);
    let mut prev: Option<usize> = None;
    for v in vols {
        let label = if v > median { 0 } else { 1 };
        minutes[label] += 1;
        if prev != Some(label) {
            runs[label] += 1;
        }
        prev = Some(label);
    }
    [0, 1].map(|k| if runs[k] > 0 { minutes[k] as f64 / runs[k] as f64 } else { 0.0 })
}

/// All statistics of a contiguous 1-minute candle series.
pub fn return_stats(candles: &[Candle]) -> ReturnStats {
    let closes: Vec<f64> = candles.iter().map(|c| c.close.to_f64()).collect();
    let r = log_returns(&closes);
    let (std, skew, excess_kurtosis) = moments(&r);
    let mut sorted = r.clone();
    sorted.sort_by(f64::total_cmp);
    let abs: Vec<f64> = r.iter().map(|v| v.abs()).collect();
    let mut abs_acf = [0.0; 4];
    for (a, lag) in abs_acf.iter_mut().zip(ABS_ACF_LAGS) {
        *a = autocorrelation(&abs, lag);
    }
    let ranges: Vec<f64> = candles.iter().map(|c| (c.high.to_f64() - c.low.to_f64()) / c.close.to_f64()).collect();
    let log_vol: Vec<f64> = candles.iter().skip(1).map(|c| (c.volume + 1e-9).ln()).collect();
    ReturnStats {
        returns: r.len(),
        std,
        excess_kurtosis,
        skew,
        q01: quantile(&sorted, 0.01),
        q99: quantile(&sorted, 0.99),
        abs_acf,
        acf1: autocorrelation(&r, 1),
        mean_range: mean(&ranges),
        volume_abs_corr: correlation(&log_vol, &abs),
        runs: trend_runs(&r, TREND_WINDOW, TREND_THRESHOLD),
        vol_runs: vol_band_runs(&r, TREND_WINDOW),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_quantiles_and_autocorrelation_by_hand() {
        // 1, 2, 3, 4: mean 2.5, population variance 1.25, symmetric so skew 0;
        // m4 = (2.25^2 * 2 + 0.25^2 * 2) / 4 = 2.5625, kurtosis 2.5625 / 1.5625 - 3 = -1.36.
        let (sd, skew, kurt) = moments(&[1.0, 2.0, 3.0, 4.0]);
        assert!((sd - 1.25f64.sqrt()).abs() < 1e-12);
        assert!(skew.abs() < 1e-12);
        assert!((kurt + 1.36).abs() < 1e-12);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.25), 2.0);
        assert_eq!(quantile(&[0.0, 10.0], 0.99), 9.9);
        // Alternating series: lag-1 autocorrelation (sum of -1 over 3 pairs) / 4 = -0.75.
        assert!((autocorrelation(&[1.0, -1.0, 1.0, -1.0], 1) + 0.75).abs() < 1e-12);
        assert!((correlation(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn vol_band_runs_by_hand() {
        // Window 2: rolling stds are 0, 0, 0.5, 1, 1, 1, 1, 1, 0.5, 0, 0 (exact in binary).
        // Their median is 0.5, so "high" is the single run of five 1s and "low" is two runs
        // of three (0, 0, 0.5 and 0.5, 0, 0).
        let r = [0.0, 0.0, 0.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 0.0, 0.0, 0.0];
        assert_eq!(vol_band_runs(&r, 2), [5.0, 3.0]);
    }

    #[test]
    fn trend_runs_label_a_steady_rise_then_a_flat_stretch() {
        // 100 minutes of +1 bp (tiny noise), then 100 alternating +-1 bp.
        let mut r: Vec<f64> = (0..100).map(|i| 1e-4 + if i % 2 == 0 { 1e-6 } else { -1e-6 }).collect();
        r.extend((0..100).map(|i| if i % 2 == 0 { 1e-4 } else { -1e-4 }));
        let runs = trend_runs(&r, 10, 1.0);
        // Windows ending at t = 10..=200: 91 full-rise windows plus 1 mixing window until the
        // alternating part dominates; the tail is flat. No down minutes.
        assert_eq!(runs.share[2], 0.0);
        assert!(runs.share[0] > 0.45 && runs.share[1] > 0.45, "{runs:?}");
        assert!(runs.mean_len[0] >= 90.0, "{runs:?}");
    }
}
