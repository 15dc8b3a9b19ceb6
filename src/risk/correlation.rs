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
#[derive(Debug, Clone)]
pub struct CorrelationTracker {
    window: usize,
    series: Vec<Series>,
    /// (a, b, correlation) with a < b.
    pairs: Vec<(Symbol, Symbol, f64)>,
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
                let c = pearson(&self.series[i].returns, &self.series[j].returns, self.window);
                let (a, b) = ordered(self.series[i].symbol, self.series[j].symbol);
                match self.pairs.iter_mut().find(|p| p.0 == a && p.1 == b) {
                    Some(p) => p.2 = c.unwrap_or(f64::NAN),
                    None => self.pairs.push((a, b, c.unwrap_or(f64::NAN))),
                }
            }
        }
    }

    /// The latest correlation of two symbols' returns; `None` until enough bars overlap.
    pub fn correlation(&self, a: Symbol, b: Symbol) -> Option<f64> {
        let (a, b) = ordered(a, b);
        self.pairs.iter().find(|p| p.0 == a && p.1 == b).map(|p| p.2).filter(|c| c.is_finite())
    }

    /// Sets a correlation directly (tests, or a value computed elsewhere).
    pub fn set_correlation(&mut self, a: Symbol, b: Symbol, c: f64) {
        let (a, b) = ordered(a, b);
        match self.pairs.iter_mut().find(|p| p.0 == a && p.1 == b) {
            Some(p) => p.2 = c,
            None => self.pairs.push((a, b, c)),
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
