//! Market structure: fractal swing highs/lows (a bar whose high/low beats the `n` bars on each
//! side, confirmed `n` bars late) and support/resistance levels clustered from those swings
//! (merged within `k × ATR`, with touch counts and the last touch time, at most `max_levels`).

/// A confirmed swing point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Swing {
    /// Open time of the swing bar (it was confirmed `n` bars later).
    pub ts_ms: i64,
    pub price: f64,
    /// `true` for a swing high, `false` for a swing low.
    pub high: bool,
}

/// A price level clustered from swings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Touch-weighted mean of the swing prices merged into it.
    pub price: f64,
    /// Number of swings merged into it.
    pub touches: u32,
    pub first_touch_ms: i64,
    pub last_touch_ms: i64,
}

/// Swings and levels of one symbol. Per bar: O(n) for the fractal test (n = 2..5 typically);
/// clustering runs only when a swing is confirmed, and the nearest-level search (O(max_levels))
/// only after the levels changed or the price left the gap between the last support and
/// resistance found (see [`nearest_cached`](Self::nearest_cached)).
#[derive(Debug, Clone)]
pub struct MarketStructure {
    n: usize,
    /// The last `2n + 1` bars' highs, lows and open times in power-of-two rings (`mask` = size − 1),
    /// indexed by the bar count.
    highs: Box<[f64]>,
    lows: Box<[f64]>,
    times: Box<[i64]>,
    mask: usize,
    seen: usize,
    merge_atr: f64,
    max_levels: usize,
    levels: Vec<Level>,
    swings: Vec<Swing>,
    max_swings: usize,
    swing_head: usize,
    /// Result of the last search: indices of the support and resistance, valid for any price in
    /// `[lo, hi)` while `cache_ok` (cleared whenever a level changes).
    cache_ok: bool,
    cache_lo: f64,
    cache_hi: f64,
    cache_idx: (Option<usize>, Option<usize>),
}

impl MarketStructure {
    /// Fractal with `n` bars each side; levels merge within `merge_atr × ATR`; at most
    /// `max_levels` levels and the last `max_swings` swings are kept (allocated once).
    pub fn new(n: usize, merge_atr: f64, max_levels: usize, max_swings: usize) -> Self {
        let n = n.max(1);
        let size = (2 * n + 1).next_power_of_two();
        Self {
            n,
            highs: vec![0.0; size].into_boxed_slice(),
            lows: vec![0.0; size].into_boxed_slice(),
            times: vec![0; size].into_boxed_slice(),
            mask: size - 1,
            seen: 0,
            merge_atr,
            max_levels: max_levels.max(1),
            levels: Vec::with_capacity(max_levels.max(1) + 1),
            swings: Vec::with_capacity(max_swings.max(1)),
            max_swings: max_swings.max(1),
            swing_head: 0,
            cache_ok: false,
            cache_lo: 0.0,
            cache_hi: 0.0,
            cache_idx: (None, None),
        }
    }

    /// Feeds one closed bar; `atr` sets the merge distance (levels are not clustered before ATR
    /// is known — swings are still recorded). Returns the swing high and/or low confirmed now.
    #[inline]
    pub fn update(&mut self, ts_ms: i64, high: f64, low: f64, atr: Option<f64>) -> [Option<Swing>; 2] {
        let mask = self.mask;
        let at = self.seen & mask;
        self.highs[at] = high;
        self.lows[at] = low;
        self.times[at] = ts_ms;
        self.seen += 1;
        let mut out = [None, None];
        let m = self.n;
        let w = 2 * m + 1;
        if self.seen < w {
            return out;
        }
        // Oldest bar of the window first; the middle one is the candidate. Every neighbour is
        // compared (no early exit): the outcome is random from bar to bar, so a short fixed loop
        // without branches is cheaper than stopping early.
        let base = self.seen - w;
        let mid = (base + m) & mask;
        let (mh, ml) = (self.highs[mid], self.lows[mid]);
        let (mut is_high, mut is_low) = (true, true);
        for i in 0..m {
            let (a, b) = ((base + i) & mask, (base + m + 1 + i) & mask);
            is_high &= (self.highs[a] < mh) & (self.highs[b] < mh);
            is_low &= (self.lows[a] > ml) & (self.lows[b] > ml);
        }
        let t = self.times[mid];
        if is_high {
            out[0] = Some(Swing { ts_ms: t, price: mh, high: true });
        }
        if is_low {
            out[1] = Some(Swing { ts_ms: t, price: ml, high: false });
        }
        for s in out.into_iter().flatten() {
            self.record(s);
            if let Some(a) = atr {
                self.cluster(s, a * self.merge_atr);
            }
        }
        out
    }

    fn record(&mut self, s: Swing) {
        if self.swings.len() < self.max_swings {
            self.swings.push(s);
        } else {
            self.swings[self.swing_head] = s;
            self.swing_head = (self.swing_head + 1) % self.max_swings;
        }
    }

    /// Merges swing `s` into the nearest level within `tol`, or adds a new level (evicting the
    /// level with the fewest touches, oldest last touch first, when full); then merges any two
    /// levels that the update brought within `tol` of each other.
    fn cluster(&mut self, s: Swing, tol: f64) {
        self.cache_ok = false;
        let near = self
            .levels
            .iter()
            .enumerate()
            .map(|(i, l)| (i, (l.price - s.price).abs()))
            .filter(|&(_, d)| d <= tol)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i);
        let idx = match near {
            Some(i) => {
                let l = &mut self.levels[i];
                l.price = (l.price * l.touches as f64 + s.price) / (l.touches as f64 + 1.0);
                l.touches += 1;
                l.last_touch_ms = l.last_touch_ms.max(s.ts_ms);
                i
            }
            None => {
                if self.levels.len() >= self.max_levels {
                    let weakest = (0..self.levels.len())
                        .min_by_key(|&i| (self.levels[i].touches, self.levels[i].last_touch_ms))
                        .unwrap_or(0);
                    self.levels.swap_remove(weakest);
                }
                self.levels.push(Level { price: s.price, touches: 1, first_touch_ms: s.ts_ms, last_touch_ms: s.ts_ms });
                self.levels.len() - 1
            }
        };
        // The moved level may now sit within `tol` of another one: fold that one in.
        let p = self.levels[idx].price;
        if let Some(j) = (0..self.levels.len()).find(|&j| j != idx && (self.levels[j].price - p).abs() <= tol) {
            let (a, b) = (self.levels[idx], self.levels[j]);
            let t = a.touches + b.touches;
            self.levels[idx] = Level {
                price: (a.price * a.touches as f64 + b.price * b.touches as f64) / t as f64,
                touches: t,
                first_touch_ms: a.first_touch_ms.min(b.first_touch_ms),
                last_touch_ms: a.last_touch_ms.max(b.last_touch_ms),
            };
            self.levels.swap_remove(j);
        }
    }

    /// The nearest level at or below `price` (support) and strictly above it (resistance).
    #[inline]
    pub fn nearest(&self, price: f64) -> (Option<Level>, Option<Level>) {
        let (below, above) = self.search(price);
        (below.map(|i| self.levels[i]), above.map(|i| self.levels[i]))
    }

    /// As [`nearest`](Self::nearest), remembering the answer: while no level changes and the price
    /// stays at or above the support found and below the resistance found, the answer is the same
    /// (no level lies strictly between those two), so the search is skipped.
    #[inline]
    pub fn nearest_cached(&mut self, price: f64) -> (Option<Level>, Option<Level>) {
        // A NaN bound or price fails the test and searches again.
        if !(self.cache_ok && self.cache_lo <= price && price < self.cache_hi) {
            let (below, above) = self.search(price);
            self.cache_idx = (below, above);
            self.cache_lo = below.map_or(f64::NEG_INFINITY, |i| self.levels[i].price);
            self.cache_hi = above.map_or(f64::INFINITY, |i| self.levels[i].price);
            self.cache_ok = true;
        }
        let (below, above) = self.cache_idx;
        (below.map(|i| self.levels[i]), above.map(|i| self.levels[i]))
    }

    /// Indices of the nearest level at or below `price` and strictly above it; of equal prices the
    /// first wins. Branch-free selects over all levels (their side of the price is random).
    #[inline]
    fn search(&self, price: f64) -> (Option<usize>, Option<usize>) {
        let (mut below, mut above) = (usize::MAX, usize::MAX);
        let (mut bp, mut ap) = (0.0f64, 0.0f64);
        for (i, l) in self.levels.iter().enumerate() {
            let p = l.price;
            let le = p <= price;
            let take_below = le & ((below == usize::MAX) | (p > bp));
            let take_above = !le & ((above == usize::MAX) | (p < ap));
            below = if take_below { i } else { below };
            bp = if take_below { p } else { bp };
            above = if take_above { i } else { above };
            ap = if take_above { p } else { ap };
        }
        let some = |i: usize| (i != usize::MAX).then_some(i);
        (some(below), some(above))
    }

    /// Levels in no particular order (at most `max_levels`).
    pub fn levels(&self) -> &[Level] {
        &self.levels
    }

    /// The kept swings, oldest first (allocates; for the UI).
    pub fn swings(&self) -> Vec<Swing> {
        let (a, b) = self.swings.split_at(self.swing_head.min(self.swings.len()));
        b.iter().chain(a).copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds bars with the given highs; lows are high − 1.
    fn feed(ms: &mut MarketStructure, highs: &[f64], atr: f64) -> Vec<Swing> {
        let mut out = vec![];
        for (i, h) in highs.iter().enumerate() {
            for s in ms.update(i as i64 * 60_000, *h, h - 1.0, Some(atr)).into_iter().flatten() {
                out.push(s);
            }
        }
        out
    }

    #[test]
    fn zigzag_swings_confirmed_with_lag() {
        let mut ms = MarketStructure::new(2, 0.5, 8, 16);
        // Highs: 1 2 3 2 1 2 3 2 1 — peaks at bars 2 and 6, trough at bar 4 (low = 0).
        let highs = [1.0, 2.0, 3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0];
        let s = feed(&mut ms, &highs, 1.0);
        assert_eq!(
            s,
            vec![
                Swing { ts_ms: 2 * 60_000, price: 3.0, high: true },
                Swing { ts_ms: 4 * 60_000, price: 0.0, high: false },
                Swing { ts_ms: 6 * 60_000, price: 3.0, high: true },
            ]
        );
        // Both peaks at 3.0 merge into one level with 2 touches; the trough is its own level.
        let mut lv = ms.levels().to_vec();
        lv.sort_by(|a, b| a.price.total_cmp(&b.price));
        assert_eq!(lv.len(), 2);
        assert_eq!((lv[1].price, lv[1].touches, lv[1].first_touch_ms, lv[1].last_touch_ms), (3.0, 2, 120_000, 360_000));
        assert_eq!((lv[0].price, lv[0].touches), (0.0, 1));
        let (sup, res) = ms.nearest(1.5);
        assert_eq!(sup.unwrap().price, 0.0);
        assert_eq!(res.unwrap().touches, 2);
        assert_eq!(ms.swings().len(), 3);
    }

    #[test]
    fn clustering_within_k_atr_and_eviction() {
        let mut ms = MarketStructure::new(1, 0.5, 2, 4);
        let sw = |t: i64, p: f64| Swing { ts_ms: t, price: p, high: true };
        // ATR 2 → tolerance 1.0. 100 and 100.8 merge: (100 + 100.8)/2 = 100.4, 2 touches.
        ms.cluster(sw(1, 100.0), 1.0);
        ms.cluster(sw(2, 100.8), 1.0);
        assert_eq!(ms.levels().len(), 1);
        assert!((ms.levels()[0].price - 100.4).abs() < 1e-12);
        // 101.5 is 1.1 away → a new level; 105 then evicts the weakest (101.5, 1 touch).
        ms.cluster(sw(3, 101.5), 1.0);
        assert_eq!(ms.levels().len(), 2);
        ms.cluster(sw(4, 105.0), 1.0);
        let mut p: Vec<f64> = ms.levels().iter().map(|l| l.price).collect();
        p.sort_by(f64::total_cmp);
        assert_eq!(p.len(), 2);
        assert!((p[0] - 100.4).abs() < 1e-12 && p[1] == 105.0);
        // 104.2 merges into 105 → (105 + 104.2)/2 = 104.6; 3 touches after another 104.6.
        ms.cluster(sw(5, 104.2), 1.0);
        ms.cluster(sw(6, 104.6), 1.0);
        let l = ms.levels().iter().find(|l| l.price > 104.0).unwrap();
        assert_eq!((l.touches, l.first_touch_ms, l.last_touch_ms), (3, 4, 6));
        assert!((l.price - 104.6).abs() < 1e-12);
    }

    #[test]
    fn cached_nearest_matches_a_fresh_search() {
        // A wandering series with swings every few bars: the cached answer must equal the plain
        // search on every bar, also for prices exactly on a level.
        let mut ms = MarketStructure::new(2, 0.5, 6, 8);
        let mut x = 100.0;
        for i in 0..3_000i64 {
            x += match i % 7 {
                0 | 1 | 2 => 1.5,
                3 => -4.0,
                _ => 0.25,
            } * if (i / 50) % 2 == 0 { 1.0 } else { -1.0 };
            ms.update(i * 60_000, x + 1.0, x - 1.0, Some(2.0));
            for p in [x, x + 0.7, ms.levels().first().map_or(x, |l| l.price)] {
                assert_eq!(ms.nearest_cached(p), ms.nearest(p), "bar {i} price {p}");
            }
        }
        assert!(ms.levels().len() > 1);
        assert_eq!(ms.nearest_cached(f64::NAN), ms.nearest(f64::NAN));
    }

    #[test]
    fn flat_bars_make_no_swings() {
        let mut ms = MarketStructure::new(3, 0.5, 8, 8);
        assert!(feed(&mut ms, &[5.0; 50], 0.0).is_empty());
        assert!(ms.levels().is_empty());
        assert_eq!(ms.nearest(5.0), (None, None));
    }
}
