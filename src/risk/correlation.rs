//! Rolling return correlation between symbols (f64 analytics), used to count the exposure of
//! highly correlated same-direction positions together.

use crate::domain::{Money, Symbol};
use std::collections::VecDeque;

#[derive(Debug, Clone)]
struct Series {
    symbol: Symbol,
    last: Option<(i64, f64)>,
    /// (bar time, log return), oldest first.
    returns: VecDeque<(i64, f64)>,
}

/// Log returns of closed candles per symbol over a rolling window, and the pairwise Pearson
/// correlations, refreshed for a symbol each time one of its candles closes.
///
/// The refresh is lazy: a close only marks its symbol's pairs stale, and a stale pair is worked
/// out when it is read (orders are rare, closes are every bar). A pair's correlation depends
/// only on the two series, which change only at their own closes, so the value read is the one
/// an eager refresh at the last close would have stored.
#[derive(Debug, Clone)]
pub struct CorrelationTracker {
    window: usize,
    series: Vec<Series>,
    /// (a, b, correlation, stale) with a < b; a stale pair's value is worked out on reading.
    pairs: Vec<(Symbol, Symbol, f64, bool)>,
}

impl CorrelationTracker {
    pub fn new(window: usize) -> Self {
        Self { window: window.max(3), series: Vec::new(), pairs: Vec::new() }
    }

    /// A closed candle of `symbol` at bar time `ts_ms`. Repeated or older bars are ignored.
    pub fn on_close(&mut self, symbol: Symbol, ts_ms: i64, close: f64) {
        if !(close.is_finite() && close > 0.0) {
            return;
        }
        let i = match self.series.iter().position(|s| s.symbol == symbol) {
            Some(i) => i,
            None => {
                self.series.push(Series { symbol, last: None, returns: VecDeque::with_capacity(self.window + 1) });
                self.series.len() - 1
            }
        };
        let s = &mut self.series[i];
        match s.last {
            Some((t, _)) if ts_ms <= t => return,
            Some((_, prev)) => {
                s.returns.push_back((ts_ms, (close / prev).ln()));
                if s.returns.len() > self.window {
                    s.returns.pop_front();
                }
            }
            None => {}
        }
        s.last = Some((ts_ms, close));
        for j in 0..self.series.len() {
            if j != i {
                let (a, b) = ordered(self.series[i].symbol, self.series[j].symbol);
                match self.pairs.iter_mut().find(|p| p.0 == a && p.1 == b) {
                    Some(p) => p.3 = true,
                    None => self.pairs.push((a, b, f64::NAN, true)),
                }
            }
        }
    }

    /// The latest correlation of two symbols' returns; `None` until enough bars overlap.
    pub fn correlation(&self, a: Symbol, b: Symbol) -> Option<f64> {
        let (a, b) = ordered(a, b);
        let &(_, _, c, stale) = self.pairs.iter().find(|p| p.0 == a && p.1 == b)?;
        let c = if stale { self.pearson_of(a, b).unwrap_or(f64::NAN) } else { c };
        Some(c).filter(|c| c.is_finite())
    }

    fn pearson_of(&self, a: Symbol, b: Symbol) -> Option<f64> {
        let x = self.series.iter().find(|s| s.symbol == a)?;
        let y = self.series.iter().find(|s| s.symbol == b)?;
        pearson(&x.returns, &y.returns, self.window)
    }

    /// Sets a correlation directly (tests, or a value computed elsewhere); it holds until
    /// either symbol's next close.
    pub fn set_correlation(&mut self, a: Symbol, b: Symbol, c: f64) {
        let (a, b) = ordered(a, b);
        match self.pairs.iter_mut().find(|p| p.0 == a && p.1 == b) {
            Some(p) => (p.2, p.3) = (c, false),
            None => self.pairs.push((a, b, c, false)),
        }
    }

    /// |notional| of `symbol`'s signed notional `own` plus every other position in `others`
    /// (signed notionals) in the same direction whose correlation with it is at least `threshold`.
    pub fn correlated_exposure(&self, symbol: Symbol, own: Money, others: &[(Symbol, Money)], threshold: f64) -> Money {
        let mut total = own.abs();
        if own.is_zero() {
            return total;
        }
        for &(s, n) in others {
            if s != symbol && n.is_positive() == own.is_positive() && !n.is_zero() {
                if self.correlation(symbol, s).is_some_and(|c| c >= threshold) {
                    total += n.abs();
                }
            }
        }
        total
    }
}

fn ordered(a: Symbol, b: Symbol) -> (Symbol, Symbol) {
    if a.as_str() <= b.as_str() {
        (a, b)
    } else {
        (b, a)
    }
}

/// Pearson correlation over the bars both series have; needs at least half a window of them.
fn pearson(x: &VecDeque<(i64, f64)>, y: &VecDeque<(i64, f64)>, window: usize) -> Option<f64> {
    let (mut i, mut j) = (0, 0);
    let (mut n, mut sx, mut sy, mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    while i < x.len() && j < y.len() {
        let (tx, vx) = x[i];
        let (ty, vy) = y[j];
        if tx < ty {
            i += 1;
        } else if ty < tx {
            j += 1;
        } else {
            n += 1.0;
            sx += vx;
            sy += vy;
            sxx += vx * vx;
            syy += vy * vy;
            sxy += vx * vy;
            i += 1;
            j += 1;
        }
    }
    if n < (window as f64 / 2.0).max(3.0) {
        return None;
    }
    let cov = sxy - sx * sy / n;
    let vx = sxx - sx * sx / n;
    let vy = syy - sy * sy / n;
    if vx <= 0.0 || vy <= 0.0 {
        return None;
    }
    Some((cov / (vx * vy).sqrt()).clamp(-1.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_value_holds_until_either_symbol_closes_then_the_series_decide() {
        let (a, b) = (Symbol::new("AUSDT").unwrap(), Symbol::new("BUSDT").unwrap());
        let mut t = CorrelationTracker::new(4);
        // Returns of A: +10%, -10%, +10%; of B the same moves mirrored: correlation -1.
        for (k, (pa, pb)) in [(100.0, 100.0), (110.0, 90.0), (99.0, 99.0), (108.9, 89.1)].into_iter().enumerate() {
            t.on_close(a, k as i64, pa);
            t.on_close(b, k as i64, pb);
        }
        assert!((t.correlation(a, b).unwrap() + 1.0).abs() < 1e-12);
        t.set_correlation(b, a, 0.25);
        assert_eq!(t.correlation(a, b), Some(0.25));
        // A repeated bar changes nothing; a new bar of A brings the series' answer back.
        t.on_close(a, 3, 50.0);
        assert_eq!(t.correlation(a, b), Some(0.25));
        t.on_close(a, 4, 108.9 * 1.1);
        // B has no bar 4 yet: the three shared returns still mirror each other.
        assert!((t.correlation(b, a).unwrap() + 1.0).abs() < 1e-12);
    }
}
