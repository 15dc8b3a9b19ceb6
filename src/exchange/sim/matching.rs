//! Pure matching helpers: walking a book (real or synthetic) for a taker order, and the assumed
//! price path inside a candle that orders stops, limit fills and liquidations within one bar.

use crate::domain::{Level, OrderBook, Price, Qty, Rounding, Side};

/// Walks the side of `book` that a `side` taker hits, taking up to `want` (in `step`s) at prices
/// no worse than `limit`, consuming the levels it takes from. Pushes `(price, qty)` per level
/// to `fills` and returns the total taken.
pub(super) fn walk_book(
    book: &mut OrderBook,
    side: Side,
    want: Qty,
    limit: Option<Price>,
    step: Qty,
    fills: &mut Vec<(Price, Qty)>,
) -> Qty {
    let levels = match side {
        Side::Buy => &mut book.asks,
        Side::Sell => &mut book.bids,
    };
    let mut left = want;
    let mut emptied = 0;
    for level in levels.iter_mut() {
        if !left.is_positive() || !acceptable(side, level.price, limit) {
            break;
        }
        let take = left.min(level.qty).round_to(step, Rounding::Down);
        if take.is_positive() {
            fills.push((level.price, take));
            level.qty -= take;
            left -= take;
        }
        if level.qty.is_positive() {
            break;
        }
        emptied += 1;
    }
    levels.drain(..emptied);
    want - left
}

/// What `walk_book` could take without taking it (for fill-or-kill).
pub(super) fn depth_within(book: &OrderBook, side: Side, limit: Option<Price>, step: Qty) -> Qty {
    let levels = match side {
        Side::Buy => &book.asks,
        Side::Sell => &book.bids,
    };
    levels
        .iter()
        .take_while(|l| acceptable(side, l.price, limit))
        .map(|l| l.qty.round_to(step, Rounding::Down))
        .sum::<Qty>()
}

/// The best opposite price a `side` taker would meet in a synced book.
pub(super) fn best_opposite(book: &OrderBook, side: Side) -> Option<Level> {
    if !book.synced {
        return None;
    }
    match side {
        Side::Buy => book.best_ask(),
        Side::Sell => book.best_bid(),
    }
}

fn acceptable(side: Side, price: Price, limit: Option<Price>) -> bool {
    match (side, limit) {
        (_, None) => true,
        (Side::Buy, Some(l)) => price <= l,
        (Side::Sell, Some(l)) => price >= l,
    }
}

/// A synthetic ladder for candle-only replays: levels one tick apart starting at `start` and
/// moving against the taker, each holding `level_qty` (raised so at most `max_levels` are used).
/// Pushes `(price, qty)` per level within `limit` and returns the total taken.
#[allow(clippy::too_many_arguments)]
pub(super) fn walk_synthetic(
    side: Side,
    start: Price,
    tick: Price,
    level_qty: Qty,
    max_levels: i64,
    want: Qty,
    limit: Option<Price>,
    step: Qty,
    fills: &mut Vec<(Price, Qty)>,
) -> Qty {
    let per_level_floor = Qty::from_raw((want.raw() + max_levels - 1) / max_levels).round_to(step, Rounding::Up);
    let per_level = level_qty.max(per_level_floor).max(step);
    let mut left = want;
    let mut price = start;
    while left.is_positive() && price.is_positive() && acceptable(side, price, limit) {
        let take = left.min(per_level);
        fills.push((price, take));
        left -= take;
        price = match side {
            Side::Buy => price + tick,
            Side::Sell => price - tick,
        };
    }
    want - left
}

/// Which way a price must move to reach a level: up to it (`Rising`) or down to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reach {
    /// The condition is `price >= level` (or `>` when strict).
    Rising,
    /// The condition is `price <= level` (or `<` when strict).
    Falling,
}

/// The assumed path of price inside a closed candle: open → low → high → close for a rising bar
/// (close ≥ open), open → high → low → close for a falling one. Positions along the path are
/// measured in raw price units travelled, which orders every event inside the bar.
#[derive(Debug, Clone, Copy)]
pub(super) struct CandlePath {
    points: [i64; 4],
}

impl CandlePath {
    pub fn new(open: Price, high: Price, low: Price, close: Price) -> Self {
        let (o, h, l, c) = (open.raw(), high.raw(), low.raw(), close.raw());
        let points = if c >= o { [o, l, h, c] } else { [o, h, l, c] };
        Self { points }
    }

    /// The first position at or after `from` where the condition holds, if the path meets it.
    pub fn first_touch(&self, level: Price, reach: Reach, strict: bool, from: i64) -> Option<i64> {
        let lv = level.raw();
        let holds = |x: i64| match (reach, strict) {
            (Reach::Rising, false) => x >= lv,
            (Reach::Rising, true) => x > lv,
            (Reach::Falling, false) => x <= lv,
            (Reach::Falling, true) => x < lv,
        };
        let mut t0 = 0i64;
        for w in self.points.windows(2) {
            let (a, b) = (w[0], w[1]);
            let len = (b - a).abs();
            let t1 = t0 + len;
            if t1 < from {
                t0 = t1;
                continue;
            }
            // Start of the part of this segment that lies at or after `from`.
            let skip = (from - t0).max(0);
            let dir = (b - a).signum();
            let start = a + dir * skip;
            let t_start = t0 + skip;
            if holds(start) {
                return Some(t_start);
            }
            if holds(b) {
                // Moving monotonically from `start` towards `b`: the first holding point is at the
                // level itself (or one raw unit past it when strict).
                let target = match (reach, strict) {
                    (_, false) => lv,
                    (Reach::Rising, true) => lv + 1,
                    (Reach::Falling, true) => lv - 1,
                };
                return Some(t_start + (target - start).abs());
            }
            t0 = t1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BookUpdate, BookUpdateKind, Symbol};

    fn p(s: &str) -> Price {
        s.parse().unwrap()
    }
    fn q(s: &str) -> Qty {
        s.parse().unwrap()
    }

    fn book() -> OrderBook {
        let s = Symbol::new("BTCUSDT").unwrap();
        let mut b = OrderBook::new(s);
        let lv = |pr: &str, qt: &str| Level { price: p(pr), qty: q(qt) };
        b.apply(&BookUpdate {
            symbol: s,
            ts_ms: 0,
            kind: BookUpdateKind::Snapshot,
            update_id: 1,
            seq: 1,
            bids: vec![lv("99", "1"), lv("98", "2")],
            asks: vec![lv("100", "0.5"), lv("101", "1"), lv("102", "2")],
        })
        .unwrap();
        b
    }

    #[test]
    fn walks_levels_within_limit_and_consumes_them() {
        let mut b = book();
        let mut fills = Vec::new();
        let step = q("0.001");
        assert_eq!(depth_within(&b, Side::Buy, Some(p("101")), step), q("1.5"));
        let got = walk_book(&mut b, Side::Buy, q("2"), Some(p("101")), step, &mut fills);
        assert_eq!(got, q("1.5"));
        assert_eq!(fills, vec![(p("100"), q("0.5")), (p("101"), q("1"))]);
        assert_eq!(b.asks, vec![Level { price: p("102"), qty: q("2") }]);
        fills.clear();
        let got = walk_book(&mut b, Side::Sell, q("0.4"), None, step, &mut fills);
        assert_eq!(got, q("0.4"));
        assert_eq!(b.bids[0].qty, q("0.6"));
    }

    #[test]
    fn synthetic_ladder_caps_level_count() {
        let mut fills = Vec::new();
        // 1 level qty 0.5 would need 7 levels for 3.2; capped at 4 levels -> 0.8 per level.
        let got = walk_synthetic(Side::Sell, p("100"), p("0.1"), q("0.5"), 4, q("3.2"), None, q("0.001"), &mut fills);
        assert_eq!(got, q("3.2"));
        assert_eq!(fills.len(), 4);
        assert_eq!(fills[3], (p("99.7"), q("0.8")));
    }

    #[test]
    fn candle_path_orders_touches() {
        // Rising bar O=100 L=95 H=110 C=108: path 100 -> 95 -> 110 -> 108.
        let path = CandlePath::new(p("100"), p("110"), p("95"), p("108"));
        let unit = SCALE_UNIT;
        assert_eq!(path.first_touch(p("97"), Reach::Falling, false, 0), Some(3 * unit));
        assert_eq!(path.first_touch(p("105"), Reach::Rising, false, 0), Some(15 * unit));
        assert_eq!(path.first_touch(p("100"), Reach::Rising, false, 0), Some(0));
        // Strictly below 95 never happens.
        assert_eq!(path.first_touch(p("95"), Reach::Falling, true, 0), None);
        // At position 6 the price is 96 (on the way up): 97 or lower holds right there.
        assert_eq!(path.first_touch(p("97"), Reach::Falling, false, 6 * unit), Some(6 * unit));
        // From position 8 (price 98), 97 is never reached again.
        assert_eq!(path.first_touch(p("97"), Reach::Falling, false, 8 * unit), None);
        // 109 from position 8: the 95 -> 110 leg reaches 109 at 5 + 14 = 19.
        assert_eq!(path.first_touch(p("109"), Reach::Rising, false, 8 * unit), Some(19 * unit));
        // Falling bar O=100 H=103 L=90 C=92: path 100 -> 103 -> 90 -> 92; 96 at 3 + 7 = 10.
        let down = CandlePath::new(p("100"), p("103"), p("90"), p("92"));
        assert_eq!(down.first_touch(p("96"), Reach::Falling, false, 0), Some(10 * unit));
    }

    const SCALE_UNIT: i64 = crate::domain::SCALE;
}
