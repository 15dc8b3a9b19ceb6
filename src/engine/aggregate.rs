//! Builds higher-timeframe candles from closed base candles (1m → 15m, ...), locally.

use crate::domain::{Candle, Interval};

/// Accumulates closed candles into bars of `target`; a bar is emitted when its last base candle
/// closes (or, after a gap, when a candle of the next bar arrives).
#[derive(Debug, Clone)]
pub struct CandleAggregator {
    target: Interval,
    /// `target`'s length, when it has a fixed one.
    target_ms: Option<i64>,
    current: Option<Candle>,
    /// The last candle passed straight through (one as long as the target or longer).
    passed: Option<Candle>,
}

impl CandleAggregator {
    pub fn new(target: Interval) -> Self {
        Self { target, target_ms: target.duration_ms(), current: None, passed: None }
    }
    pub fn target(&self) -> Interval {
        self.target
    }

    /// When the next bar completes (fixed-length intervals only), with a guide to its size:
    /// the bar built so far, or when candles pass straight through, the last one (the next
    /// ends one length after it). None right after a bar completes, until the next one starts.
    pub fn next_bar(&self) -> Option<(&Candle, i64)> {
        if let Some(bar) = &self.current {
            return Some((bar, bar.ts_ms + self.target_ms?));
        }
        let last = self.passed.as_ref()?;
        Some((last, last.ts_ms + 2 * last.interval.duration_ms()?))
    }

    /// Feeds one closed candle; returns the bar it completes, if any. Candles as long as the
    /// target or longer pass straight through.
    #[inline]
    pub fn push(&mut self, c: &Candle) -> Option<Candle> {
        let (Some(base), Some(target)) = (c.interval.duration_ms(), self.target_ms) else {
            self.passed = Some(*c);
            return Some(*c);
        };
        if base >= target {
            self.passed = Some(*c);
            return Some(*c);
        }
        // Bars of a fixed length tile time: a candle inside the current bar's span belongs to it,
        // with no calendar arithmetic.
        let open = match &self.current {
            Some(bar) if c.ts_ms >= bar.ts_ms && c.ts_ms - bar.ts_ms < target => bar.ts_ms,
            _ => self.target.bar_open(c.ts_ms),
        };
        let mut finished = None;
        match self.current.as_mut() {
            Some(bar) if bar.ts_ms == open => {
                bar.high = bar.high.max(c.high);
                bar.low = bar.low.min(c.low);
                bar.close = c.close;
                bar.volume += c.volume;
                bar.turnover += c.turnover;
            }
            _ => {
                // A bar left unfinished by a gap in the data is still a bar.
                finished = self.current.take();
                self.current = Some(Candle { interval: self.target, ts_ms: open, closed: true, ..*c });
            }
        }
        if c.ts_ms + base >= open + target {
            return self.current.take();
        }
        finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Price, Symbol};

    fn m1(minute: i64, o: i64, h: i64, l: i64, c: i64) -> Candle {
        Candle {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            interval: Interval::M1,
            ts_ms: minute * 60_000,
            open: Price::from_int(o),
            high: Price::from_int(h),
            low: Price::from_int(l),
            close: Price::from_int(c),
            volume: 1.5,
            turnover: 0.0,
            closed: true,
        }
    }

    #[test]
    fn five_minute_bars_are_exact() {
        let mut a = CandleAggregator::new(Interval::M5);
        let bars: Vec<Candle> = [
            m1(0, 10, 12, 9, 11),
            m1(1, 11, 15, 10, 14),
            m1(2, 14, 14, 8, 9),
            m1(3, 9, 10, 9, 10),
            m1(4, 10, 11, 10, 11),
            m1(5, 11, 11, 11, 11),
        ]
        .iter()
        .filter_map(|c| a.push(c))
        .collect();
        assert_eq!(bars.len(), 1);
        let b = bars[0];
        assert_eq!((b.ts_ms, b.interval), (0, Interval::M5));
        assert_eq!(
            (b.open, b.high, b.low, b.close),
            (Price::from_int(10), Price::from_int(15), Price::from_int(8), Price::from_int(11))
        );
        assert_eq!(b.volume, 7.5);
    }

    #[test]
    fn a_gap_still_emits_the_unfinished_bar_and_long_bars_pass_through() {
        let mut a = CandleAggregator::new(Interval::M5);
        assert!(a.push(&m1(0, 10, 12, 9, 11)).is_none());
        assert!(a.push(&m1(1, 11, 13, 10, 12)).is_none());
        // Minutes 2-6 missing; minute 7 belongs to the next bar.
        let b = a.push(&m1(7, 20, 21, 19, 20)).unwrap();
        assert_eq!((b.ts_ms, b.close, b.high), (0, Price::from_int(12), Price::from_int(13)));
        let mut h = CandleAggregator::new(Interval::M15);
        let hour = Candle { interval: Interval::H1, ..m1(60, 1, 2, 1, 2) };
        assert_eq!(h.push(&hour), Some(hour));
    }
}
