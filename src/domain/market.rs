//! Market data: candles, trades, order book, tickers and liquidations.

use super::{Interval, Price, Qty, Rate, Side, Symbol};
use serde::{Deserialize, Serialize};

/// One OHLCV bar. `ts_ms` is the bar's open time (UTC ms), as Bybit and the data files use.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Candle {
    pub symbol: Symbol,
    pub interval: Interval,
    pub ts_ms: i64,
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    /// Base-asset volume (analytics only, hence `f64`).
    pub volume: f64,
    /// Quote turnover, when the source has it (0 otherwise).
    pub turnover: f64,
    /// Whether the bar is closed (Bybit `confirm`); only closed bars drive strategies.
    pub closed: bool,
}

impl Candle {
    /// Checks the OHLC invariants a real bar satisfies.
    pub fn is_consistent(&self) -> bool {
        self.high >= self.open
            && self.high >= self.close
            && self.low <= self.open
            && self.low <= self.close
            && self.high >= self.low
            && self.low.is_positive()
            && self.volume >= 0.0
            && self.volume.is_finite()
    }
    /// Close time (exclusive) for fixed-length intervals.
    pub fn close_ms(&self) -> i64 {
        self.ts_ms + self.interval.duration_ms().unwrap_or(0)
    }
}

/// A public trade print; `taker_side` is the aggressor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Trade {
    pub symbol: Symbol,
    pub ts_ms: i64,
    pub price: Price,
    pub qty: Qty,
    pub taker_side: Side,
    pub trade_id: u64,
}

/// One price level of a book side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub price: Price,
    pub qty: Qty,
}

/// Whether a book message replaces the book or changes some levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BookUpdateKind {
    Snapshot,
    Delta,
}

/// A book message as venues send it: a snapshot or a delta (qty 0 deletes the level).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookUpdate {
    pub symbol: Symbol,
    pub ts_ms: i64,
    pub kind: BookUpdateKind,
    /// Venue update id (Bybit `u`); a delta must follow the previous id by one.
    pub update_id: u64,
    /// Cross sequence (Bybit `seq`), for ordering against other streams.
    pub seq: u64,
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
}

/// Why a book update could not be applied; the book must be resynced from a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookError {
    #[error("{symbol}: update id gap, expected {expected}, got {got}")]
    Gap { symbol: Symbol, expected: u64, got: u64 },
    #[error("{symbol}: delta before any snapshot")]
    NoSnapshot { symbol: Symbol },
    #[error("{symbol}: crossed book, best bid {bid} >= best ask {ask}")]
    Crossed { symbol: Symbol, bid: Price, ask: Price },
}

/// A price-level order book: bids best (highest) first, asks best (lowest) first.
///
/// Sorted vectors beat tree maps for the 1-500 levels venues send: a delta is a binary search
/// and a short memmove.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderBook {
    pub symbol: Option<Symbol>,
    pub ts_ms: i64,
    pub update_id: u64,
    pub seq: u64,
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
    /// False until a snapshot arrives and after a gap: the book must not be trusted.
    pub synced: bool,
}

impl OrderBook {
    pub fn new(symbol: Symbol) -> Self {
        Self { symbol: Some(symbol), ..Default::default() }
    }

    /// Applies a snapshot or a delta, checking update-id continuity (`u` must be previous + 1;
    /// Bybit's `u == 1` snapshot-by-delta convention is treated as a snapshot by the caller).
    pub fn apply(&mut self, up: &BookUpdate) -> Result<(), BookError> {
        match up.kind {
            BookUpdateKind::Snapshot => {
                self.bids.clear();
                self.asks.clear();
                for l in &up.bids {
                    if l.qty.is_positive() {
                        self.bids.push(*l);
                    }
                }
                for l in &up.asks {
                    if l.qty.is_positive() {
                        self.asks.push(*l);
                    }
                }
                self.bids.sort_unstable_by(|a, b| b.price.cmp(&a.price));
                self.asks.sort_unstable_by(|a, b| a.price.cmp(&b.price));
                self.bids.dedup_by_key(|l| l.price);
                self.asks.dedup_by_key(|l| l.price);
                self.synced = true;
            }
            BookUpdateKind::Delta => {
                if !self.synced {
                    return Err(BookError::NoSnapshot { symbol: up.symbol });
                }
                let expected = self.update_id.wrapping_add(1);
                if up.update_id != expected {
                    self.synced = false;
                    return Err(BookError::Gap { symbol: up.symbol, expected, got: up.update_id });
                }
                Self::apply_side(&mut self.bids, &up.bids, true);
                Self::apply_side(&mut self.asks, &up.asks, false);
            }
        }
        self.ts_ms = up.ts_ms;
        self.update_id = up.update_id;
        self.seq = up.seq;
        if let (Some(b), Some(a)) = (self.best_bid(), self.best_ask()) {
            if b.price >= a.price {
                self.synced = false;
                return Err(BookError::Crossed { symbol: up.symbol, bid: b.price, ask: a.price });
            }
        }
        Ok(())
    }

    /// Applies one side of a delta. Venues send a side's changes in book order; a long sorted
    /// delta is merged into the book in one pass (each level moves once) instead of one
    /// binary search and memmove per change. Short or unsorted deltas go level by level. Both
    /// give the same book.
    #[inline]
    fn apply_side(side: &mut Vec<Level>, delta: &[Level], descending: bool) {
        const MERGE_FROM: usize = 6;
        let ordered = |a: &Level, b: &Level| if descending { a.price > b.price } else { a.price < b.price };
        if delta.len() >= MERGE_FROM && delta.windows(2).all(|w| ordered(&w[0], &w[1])) {
            Self::merge_side(side, delta, descending);
        } else {
            for l in delta {
                Self::set_level(side, *l, descending);
            }
        }
    }

    /// One-pass merge of a strictly ordered delta into a side (same result as `set_level` on
    /// each change in turn), in place: the side's levels move to the tail of the vector, then
    /// the merge writes from the front. The write position never passes the next unread level
    /// (it trails it by at least the number of delta levels not yet consumed), so nothing is
    /// overwritten before it is read, and once the vector has grown no call allocates.
    fn merge_side(side: &mut Vec<Level>, delta: &[Level], descending: bool) {
        let (n, d) = (side.len(), delta.len());
        let Some(&filler) = delta.first() else { return };
        side.resize(n + d, filler);
        side.copy_within(0..n, d);
        let end = n + d;
        let (mut r, mut j, mut w) = (d, 0, 0);
        while r < end && j < d {
            let (a, dl) = (side[r], delta[j]);
            if a.price == dl.price {
                if dl.qty.is_positive() {
                    side[w] = dl;
                    w += 1;
                }
                r += 1;
                j += 1;
            } else if if descending { a.price > dl.price } else { a.price < dl.price } {
                side[w] = a;
                w += 1;
                r += 1;
            } else {
                if dl.qty.is_positive() {
                    side[w] = dl;
                    w += 1;
                }
                j += 1;
            }
        }
        side.copy_within(r..end, w);
        w += end - r;
        for dl in &delta[j..] {
            if dl.qty.is_positive() {
                side[w] = *dl;
                w += 1;
            }
        }
        side.truncate(w);
    }

    #[inline]
    fn set_level(side: &mut Vec<Level>, level: Level, descending: bool) {
        let found = if descending {
            side.binary_search_by(|l| level.price.cmp(&l.price))
        } else {
            side.binary_search_by(|l| l.price.cmp(&level.price))
        };
        match (found, level.qty.is_positive()) {
            (Ok(i), true) => side[i].qty = level.qty,
            (Ok(i), false) => {
                side.remove(i);
            }
            (Err(i), true) => side.insert(i, level),
            (Err(_), false) => {}
        }
    }

    pub fn best_bid(&self) -> Option<Level> {
        self.bids.first().copied()
    }
    pub fn best_ask(&self) -> Option<Level> {
        self.asks.first().copied()
    }
    /// Mid price as `f64` (analytics).
    pub fn mid(&self) -> Option<f64> {
        Some((self.best_bid()?.price.to_f64() + self.best_ask()?.price.to_f64()) / 2.0)
    }
    pub fn spread(&self) -> Option<Price> {
        Some(self.best_ask()?.price - self.best_bid()?.price)
    }
}

/// Ticker: last, mark and index prices, funding and open interest.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Ticker {
    pub symbol: Symbol,
    pub ts_ms: i64,
    pub last_price: Price,
    pub mark_price: Price,
    pub index_price: Price,
    pub bid1: Price,
    pub ask1: Price,
    /// Current funding rate per interval (usually 8 h).
    pub funding_rate: Rate,
    pub next_funding_ms: i64,
    /// Open interest in base units (analytics).
    pub open_interest: f64,
    pub volume_24h: f64,
    pub turnover_24h: f64,
    pub price_24h_pct: f64,
}

/// A forced liquidation print. `side` is the side of the position that was liquidated
/// (Bybit: `Buy` means a long was liquidated).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Liquidation {
    pub symbol: Symbol,
    pub ts_ms: i64,
    pub side: Side,
    pub price: Price,
    pub qty: Qty,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lv(p: &str, q: &str) -> Level {
        Level { price: p.parse().unwrap(), qty: q.parse().unwrap() }
    }

    /// Level-by-level application, the definition the merge must agree with.
    fn one_by_one(side: &[Level], delta: &[Level], descending: bool) -> Vec<Level> {
        let mut v = side.to_vec();
        for l in delta {
            OrderBook::set_level(&mut v, *l, descending);
        }
        v
    }

    #[test]
    fn long_sorted_delta_merges_like_level_by_level() {
        // Bids 100..91 descending; the delta deletes 100 and 95, changes 97, inserts 99.5, 92.5
        // and 90, and deletes 80 (absent: nothing happens).
        let side: Vec<Level> = (0..10).map(|i| lv(&format!("{}", 100 - i), "1")).collect();
        let delta = vec![
            lv("100", "0"),
            lv("99.5", "2"),
            lv("97", "3"),
            lv("95", "0"),
            lv("92.5", "4"),
            lv("90", "5"),
            lv("80", "0"),
        ];
        let mut merged = side.clone();
        OrderBook::apply_side(&mut merged, &delta, true);
        let prices: Vec<String> = merged.iter().map(|l| l.price.to_string()).collect();
        assert_eq!(prices, ["99.5", "99", "98", "97", "96", "94", "93", "92.5", "92", "91", "90"]);
        assert_eq!(merged[3], lv("97", "3"));
        assert_eq!(merged, one_by_one(&side, &delta, true));
    }

    proptest::proptest! {
        #[test]
        fn merge_equals_level_by_level(
            book in proptest::collection::btree_map(1i64..200, 1i64..50, 0..60),
            changes in proptest::collection::btree_map(1i64..200, 0i64..50, 0..80),
            descending in proptest::bool::ANY,
        ) {
            let to_levels = |m: &std::collections::BTreeMap<i64, i64>| {
                let mut v: Vec<Level> =
                    m.iter().map(|(p, q)| Level { price: Price::from_raw(p * 1000), qty: Qty::from_raw(q * 1000) }).collect();
                if descending {
                    v.reverse();
                }
                v
            };
            let side = to_levels(&book);
            let delta = to_levels(&changes);
            let mut merged = side.clone();
            OrderBook::apply_side(&mut merged, &delta, descending);
            proptest::prop_assert_eq!(merged, one_by_one(&side, &delta, descending));
        }
    }

    #[test]
    fn book_applies_snapshot_and_deltas_and_detects_gaps() {
        let s = Symbol::new("BTCUSDT").unwrap();
        let mut book = OrderBook::new(s);
        let snap = BookUpdate {
            symbol: s,
            ts_ms: 1,
            kind: BookUpdateKind::Snapshot,
            update_id: 10,
            seq: 100,
            bids: vec![lv("99", "1"), lv("100", "2")],
            asks: vec![lv("102", "1"), lv("101", "3")],
        };
        book.apply(&snap).unwrap();
        assert_eq!(book.best_bid().unwrap(), lv("100", "2"));
        assert_eq!(book.best_ask().unwrap(), lv("101", "3"));
        let delta = BookUpdate {
            kind: BookUpdateKind::Delta,
            update_id: 11,
            bids: vec![lv("100", "0"), lv("99.5", "4")],
            asks: vec![lv("101", "1.5")],
            ..snap.clone()
        };
        book.apply(&delta).unwrap();
        assert_eq!(book.bids, vec![lv("99.5", "4"), lv("99", "1")]);
        assert_eq!(book.asks, vec![lv("101", "1.5"), lv("102", "1")]);
        assert_eq!(book.spread().unwrap().to_string(), "1.5");
        let gap = BookUpdate { update_id: 13, ..delta.clone() };
        assert!(matches!(book.apply(&gap), Err(BookError::Gap { expected: 12, got: 13, .. })));
        assert!(!book.synced);
        assert!(matches!(book.apply(&delta), Err(BookError::NoSnapshot { .. })));
    }

    #[test]
    fn candle_consistency() {
        let c = Candle {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            interval: Interval::M1,
            ts_ms: 0,
            open: Price::from_int(10),
            high: Price::from_int(12),
            low: Price::from_int(9),
            close: Price::from_int(11),
            volume: 1.0,
            turnover: 0.0,
            closed: true,
        };
        assert!(c.is_consistent());
        assert_eq!(c.close_ms(), 60_000);
        assert!(!Candle { high: Price::from_int(10), ..c }.is_consistent());
    }
}
