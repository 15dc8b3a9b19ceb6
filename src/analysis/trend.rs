//! Multi-timeframe trend: base bars are aggregated locally into higher-timeframe bars (boundaries
//! from `Interval::bar_open`), each timeframe keeps an EMA of its closed bars, and the alignment
//! score is the weighted mean of the per-timeframe directions, in [−1, 1].

use crate::domain::Interval;
use crate::indicators::Ema;

/// One aggregated OHLCV bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    pub open_ms: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}

/// Builds `interval` bars from base bars. A bar is emitted when its last base bar arrives
/// (`base open + base length ≥ bar open + bar length`) or, after a gap, when a base bar of a
/// later bar arrives.
#[derive(Debug, Clone)]
pub struct BarAggregator {
    interval: Interval,
    len_ms: Option<i64>,
    cur: Option<Bar>,
}

impl BarAggregator {
    pub fn new(interval: Interval) -> Self {
        Self { interval, len_ms: interval.duration_ms(), cur: None }
    }
    pub fn interval(&self) -> Interval {
        self.interval
    }
    /// The bar being built, if any.
    pub fn partial(&self) -> Option<&Bar> {
        self.cur.as_ref()
    }
    /// Feeds one base bar (open time `ts_ms`, length `base_ms`); returns the bar it completed.
    /// When the base bar itself completes a bar, that bar is returned; when the base bar starts a
    /// new bar while an older one is still open (a gap), the older one is returned.
    #[inline]
    pub fn push(&mut self, ts_ms: i64, base_ms: i64, o: f64, h: f64, l: f64, c: f64, v: f64) -> Option<Bar> {
        // Inside the bar being built no division is needed to find its open time.
        let open_ms = match (&self.cur, self.len_ms) {
            (Some(b), Some(len)) if ts_ms >= b.open_ms && ts_ms < b.open_ms + len => b.open_ms,
            _ => self.interval.bar_open(ts_ms),
        };
        let mut done = None;
        match &mut self.cur {
            Some(b) if b.open_ms == open_ms => {
                b.high = b.high.max(h);
                b.low = b.low.min(l);
                b.close = c;
                b.volume += v;
            }
            cur => {
                done = cur.take();
                *cur = Some(Bar { open_ms, open: o, high: h, low: l, close: c, volume: v });
            }
        }
        let complete = match self.len_ms {
            Some(len) => ts_ms + base_ms >= open_ms + len,
            None => false,
        };
        if complete {
            // A gap bar (`done`) and a completed bar on the same push: the newer one wins; the
            // gap bar was partial anyway.
            return self.cur.take().or(done);
        }
        done
    }
}

/// The close-only core of [`BarAggregator`]: the same bar boundaries and the same emitted bar,
/// but it keeps only the open time and the latest close, which is all the trend EMA reads (no
/// high/low/volume bookkeeping per base bar).
#[derive(Debug, Clone)]
struct CloseAggregator {
    interval: Interval,
    /// Bar length, or `i64::MAX` for calendar intervals without a fixed length (never complete by
    /// length; `bar_open` then decides every push, as in `BarAggregator`).
    len_ms: Option<i64>,
    /// Open time and close of the bar being built.
    cur: Option<(i64, f64)>,
}

impl CloseAggregator {
    fn new(interval: Interval) -> Self {
        Self { interval, len_ms: interval.duration_ms(), cur: None }
    }
    /// As [`BarAggregator::push`], returning the completed bar's close.
    #[inline]
    fn push(&mut self, ts_ms: i64, base_ms: i64, c: f64) -> Option<f64> {
        let open_ms = match (self.cur, self.len_ms) {
            (Some((o, _)), Some(len)) if ts_ms >= o && ts_ms < o + len => o,
            _ => self.interval.bar_open(ts_ms),
        };
        let mut done = None;
        match &mut self.cur {
            Some((o, close)) if *o == open_ms => *close = c,
            cur => done = cur.replace((open_ms, c)).map(|b| b.1),
        }
        let complete = match self.len_ms {
            Some(len) => ts_ms + base_ms >= open_ms + len,
            None => false,
        };
        if complete {
            return self.cur.take().map(|b| b.1).or(done);
        }
        done
    }
}

/// Trend of one timeframe: EMA of its closed bars and the EMA's slope over the last bar.
#[derive(Debug, Clone)]
struct TfTrend {
    agg: CloseAggregator,
    ema: Ema,
    prev_ema: Option<f64>,
    ema_now: Option<f64>,
    /// Set when the EMA changes: the tolerance `|EMA|·1e-9` and `½·sign(EMA slope)`.
    tol: f64,
    half_slope: f64,
}

/// Multi-timeframe trend alignment for one symbol.
#[derive(Debug, Clone)]
pub struct TrendAlignment {
    tfs: [TfTrend; 4],
    weights: [f64; 4],
    dirs: [f64; 4],
    score: f64,
}

impl TrendAlignment {
    pub fn new(timeframes: [Interval; 4], weights: [f64; 4], ema_period: usize) -> Self {
        let tf = |i: Interval| TfTrend {
            agg: CloseAggregator::new(i),
            ema: Ema::new(ema_period),
            prev_ema: None,
            ema_now: None,
            tol: 0.0,
            half_slope: 0.0,
        };
        Self { tfs: timeframes.map(tf), weights, dirs: [0.0; 4], score: 0.0 }
    }
    /// Feeds one closed base bar (open time, length, close: only closes enter the EMAs). Each
    /// timeframe's direction is
    /// `½·sign(close − EMA) + ½·sign(EMA − previous EMA)` (the live close against the EMA of the
    /// closed higher-timeframe bars), so it is one of −1, −½, 0, ½, 1 and reacts every base bar;
    /// timeframes whose EMA is still warming up count 0 and are left out of the weights.
    #[inline]
    pub fn update(&mut self, ts_ms: i64, base_ms: i64, c: f64) -> f64 {
        let (mut num, mut den) = (0.0, 0.0);
        for (i, t) in self.tfs.iter_mut().enumerate() {
            if let Some(close) = t.agg.push(ts_ms, base_ms, c) {
                if let Some(e) = t.ema.next(close) {
                    t.prev_ema = t.ema_now.replace(e);
                    t.tol = e.abs() * 1e-9;
                    t.half_slope = 0.5 * t.prev_ema.map_or(0.0, |p| sign(e - p, t.tol));
                }
            }
            self.dirs[i] = 0.0;
            if let Some(e) = t.ema_now {
                self.dirs[i] = 0.5 * sign(c - e, t.tol) + t.half_slope;
                num += self.weights[i] * self.dirs[i];
                den += self.weights[i];
            }
        }
        self.score = if den > 0.0 { num / den } else { 0.0 };
        self.score
    }
    /// Weighted agreement in [−1, 1]: 1 = every warmed-up timeframe up, −1 = all down.
    pub fn score(&self) -> f64 {
        self.score
    }
    /// Number of higher timeframes whose EMA has warmed up.
    pub fn directions_ready(&self) -> usize {
        self.tfs.iter().filter(|t| t.ema_now.is_some()).count()
    }
    /// Per-timeframe directions, in the order of the configured timeframes.
    pub fn directions(&self) -> [f64; 4] {
        self.dirs
    }
    pub fn timeframes(&self) -> [Interval; 4] {
        [0, 1, 2, 3].map(|i| self.tfs[i].agg.interval)
    }
}

#[inline]
fn sign(x: f64, tol: f64) -> f64 {
    if x > tol {
        1.0
    } else if x < -tol {
        -1.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_100_000; // 2023-11-14 22:15:00 UTC, a 5-minute boundary.

    #[test]
    fn one_minute_into_five_minute_ohlcv() {
        assert_eq!(Interval::M5.bar_open(T0), T0);
        let mut a = BarAggregator::new(Interval::M5);
        // (o, h, l, c, v) for 7 one-minute bars: the first 5 make one 5m bar.
        let bars = [
            (10.0, 12.0, 9.0, 11.0, 1.0),
            (11.0, 15.0, 10.0, 14.0, 2.0),
            (14.0, 14.5, 8.0, 9.0, 3.0),
            (9.0, 10.0, 8.5, 9.5, 0.0),
            (9.5, 11.0, 9.0, 10.5, 4.0),
            (10.5, 13.0, 10.0, 12.0, 5.0),
            (12.0, 12.5, 11.0, 11.5, 6.0),
        ];
        let mut out = vec![];
        for (i, (o, h, l, c, v)) in bars.iter().enumerate() {
            if let Some(b) = a.push(T0 + i as i64 * 60_000, 60_000, *o, *h, *l, *c, *v) {
                out.push((i, b));
            }
        }
        assert_eq!(out.len(), 1);
        let (i, b) = out[0];
        assert_eq!(i, 4, "emitted on the fifth minute");
        assert_eq!(b, Bar { open_ms: T0, open: 10.0, high: 15.0, low: 8.0, close: 10.5, volume: 10.0 });
        let p = a.partial().unwrap();
        assert_eq!((p.open_ms, p.open, p.high, p.low, p.close, p.volume), (T0 + 300_000, 10.5, 13.0, 10.0, 11.5, 11.0));
    }

    #[test]
    fn gap_emits_the_partial_bar() {
        let mut a = BarAggregator::new(Interval::M5);
        assert_eq!(a.push(T0, 60_000, 1.0, 2.0, 0.5, 1.5, 1.0), None);
        assert_eq!(a.push(T0 + 60_000, 60_000, 1.5, 3.0, 1.0, 2.5, 1.0), None);
        // Jump to the 3rd minute of the next 5m bar: the first bar comes out partial.
        let b = a.push(T0 + 420_000, 60_000, 2.0, 2.0, 2.0, 2.0, 0.0).unwrap();
        assert_eq!((b.open_ms, b.high, b.low, b.close, b.volume), (T0, 3.0, 0.5, 2.5, 2.0));
        // An hour bar from 1m: boundary at the full hour (T0 is 22:15).
        let mut h = BarAggregator::new(Interval::H1);
        let mut n = 0;
        for i in 0..45 {
            if h.push(T0 + i * 60_000, 60_000, 1.0, 1.0, 1.0, 1.0, 1.0).is_some() {
                n += 1;
                assert_eq!(i, 44, "22:59 closes the 22:00 bar");
            }
        }
        assert_eq!(n, 1);
    }

    #[test]
    fn close_aggregator_emits_the_bars_of_bar_aggregator() {
        // 1-minute bars with gaps (a skipped minute, a skipped 5m bar, a jump over an hour, a jump
        // over 8 days) into 5m, 1h, 1w and calendar-month bars (no fixed length): the same bars
        // come out, with the same closes, on the same pushes.
        for iv in [Interval::M5, Interval::H1, Interval::W1, Interval::Month] {
            let mut ts = T0 - 120_000;
            let (mut full, mut lean) = (BarAggregator::new(iv), CloseAggregator::new(iv));
            let mut emitted = 0;
            for i in 0..3_000i64 {
                ts += match i % 97 {
                    13 => 120_000,
                    40 => 600_000,
                    77 => 3_900_000,
                    89 => 8 * 86_400_000,
                    _ => 60_000,
                };
                let c = 100.0 + (i % 17) as f64 - 0.5 * (i % 5) as f64;
                let want = full.push(ts, 60_000, c + 1.0, c + 2.0, c - 2.0, c, 1.0).map(|b| b.close);
                assert_eq!(lean.push(ts, 60_000, c), want, "{iv:?} push {i}");
                emitted += want.is_some() as usize;
            }
            assert!(emitted > 0, "{iv:?}");
        }
    }

    #[test]
    fn alignment_of_a_rising_series() {
        let tfs = [Interval::M5, Interval::M15, Interval::H1, Interval::H4];
        let mut t = TrendAlignment::new(tfs, [1.0, 1.5, 2.0, 2.5], 3);
        let mut s = 0.0;
        for i in 0..60 {
            let c = 100.0 + i as f64;
            s = t.update(T0 + i * 60_000, 60_000, c);
        }
        // After 60 minutes: 5m has 12 bars (EMA and slope up), 15m has 4 (EMA from bar 3, slope
        // from bar 4), 1h and 4h have no EMA yet → only 5m and 15m count, both +1.
        assert_eq!(t.directions(), [1.0, 1.0, 0.0, 0.0]);
        assert_eq!(s, 1.0);
        // Now the price drops below both EMAs, slopes still up → each ½·(−1) + ½·1 = 0.
        let s = t.update(T0 + 60 * 60_000, 60_000, 50.0);
        assert_eq!(t.directions()[0], 0.0);
        assert_eq!(s, 0.0);
    }
}
