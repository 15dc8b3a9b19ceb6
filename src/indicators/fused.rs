//! The default set computed as one unit (`DefaultCore`): every indicator of
//! [`crate::indicators::DEFAULT_COLUMNS`] from one pass over a candle, sharing what they have in
//! common — one ring of closes for SMA(20), the Bollinger middle, STDDEV(20), WMA(20) and the
//! Hull's WMA(10)/WMA(20) (WMA(20) is computed once for both), the true range once for ATR, DMI
//! and Choppiness, the typical price once for MFI and VWAP, RSI once for RSI and StochRSI, and the
//! close's 1e-8 raw units for the deviation. Each value is computed with the same floating-point
//! operations in the same order as the standalone indicator in `base`, so the outputs are the
//! same bits (checked against them in the tests below). State is fixed arrays: no allocation.

use crate::domain::Candle;
use crate::indicators::base::{i128_to_f64, is_zero, true_range, typical_price, Ema, GRID, STOCH_RSI_MIN_RANGE};
use crate::indicators::set::IndicatorValues;
use crate::indicators::window::{ring_at, ring_put, MaxMin, WmaSums, MAXMIN_PERIOD, RING};

const SMA: usize = 20;
const RSI: f64 = 14.0;
const ATR: f64 = 14.0;
const DMI: usize = 14;
const MFI: usize = 14;
/// The 14-long windows of MFI flows and Choppiness true ranges live in 16-slot rings.
const SHORT_MASK: usize = 15;
const MACD_FAST: usize = 12;
const VWAP_DAY_MS: i64 = 86_400_000;
/// Below this many raw units the close's raw value equals `round(close.to_f64() · 1e8)`, the
/// grid value `StdDev` derives (the round trip errs by under 0.25 units there).
const EXACT_RAW: i64 = 1 << 50;

#[inline(always)]
fn short_at(ring: &[f64; 16], idx: usize, back: usize) -> f64 {
    ring[idx.wrapping_sub(back) & SHORT_MASK]
}

/// Pushes `x` into a 4-slot ring of a 3-long run; returns the mean of the last three when the run
/// of defined inputs is that long (`StochRsi`'s `mean_of_run`, same order of additions).
#[inline(always)]
fn mean_of_run3(ring: &mut [f64; 4], next: &mut usize, run: &mut usize, x: Option<f64>) -> Option<f64> {
    let Some(x) = x else {
        *run = 0;
        return None;
    };
    let i = *next;
    ring[i & 3] = x;
    *next = i.wrapping_add(1);
    *run += 1;
    if *run < 3 {
        return None;
    }
    Some((ring[i.wrapping_sub(2) & 3] + ring[i.wrapping_sub(1) & 3] + x) / 3.0)
}

/// All default indicators of one symbol with their shared state.
#[derive(Debug, Clone)]
pub(crate) struct DefaultCore {
    /// Candles seen before the current one (the current candle's index).
    t: usize,
    closes: [f64; RING],
    raws: [i64; RING],
    prev_high: f64,
    prev_low: f64,
    // SMA(20), also the Bollinger middle: TA-Lib keeps 19 values in the sum between steps.
    sma_sum: f64,
    ema: Ema,
    wma20: WmaSums,
    wma10: WmaSums,
    hull: [f64; RING],
    hull_len: usize,
    hull_wma: WmaSums,
    rsi_gain: f64,
    rsi_loss: f64,
    macd_fast: Option<Ema>,
    macd_slow: Ema,
    macd_signal: Ema,
    atr_sum: f64,
    atr: f64,
    plus_dm: f64,
    minus_dm: f64,
    dm_tr: f64,
    dx_count: usize,
    dx_sum: f64,
    adx: Option<f64>,
    raw_sum: i128,
    raw_sum_sq: i128,
    obv: f64,
    prev_tp: f64,
    flows: [f64; 16],
    pos_flow: f64,
    neg_flow: f64,
    rsi_extremes: MaxMin,
    stochs: [f64; 4],
    stoch_next: usize,
    stoch_run: usize,
    ks: [f64; 4],
    k_next: usize,
    k_run: usize,
    hl_extremes: MaxMin,
    trs: [f64; 16],
    tr_sum: f64,
    log_period: f64,
    day: i64,
    day_start: i64,
    day_end: i64,
    pv: f64,
    day_volume: f64,
}

impl Default for DefaultCore {
    fn default() -> Self {
        Self {
            t: 0,
            closes: [0.0; RING],
            raws: [0; RING],
            prev_high: 0.0,
            prev_low: 0.0,
            sma_sum: 0.0,
            ema: Ema::new(20),
            wma20: WmaSums::default(),
            wma10: WmaSums::default(),
            hull: [0.0; RING],
            hull_len: 0,
            hull_wma: WmaSums::default(),
            rsi_gain: 0.0,
            rsi_loss: 0.0,
            macd_fast: None,
            macd_slow: Ema::new(26),
            macd_signal: Ema::new(9),
            atr_sum: 0.0,
            atr: 0.0,
            plus_dm: 0.0,
            minus_dm: 0.0,
            dm_tr: 0.0,
            dx_count: 0,
            dx_sum: 0.0,
            adx: None,
            raw_sum: 0,
            raw_sum_sq: 0,
            obv: 0.0,
            prev_tp: 0.0,
            flows: [0.0; 16],
            pos_flow: 0.0,
            neg_flow: 0.0,
            rsi_extremes: MaxMin::default(),
            stochs: [0.0; 4],
            stoch_next: 0,
            stoch_run: 0,
            ks: [0.0; 4],
            k_next: 0,
            k_run: 0,
            hl_extremes: MaxMin::default(),
            trs: [0.0; 16],
            tr_sum: 0.0,
            log_period: (MAXMIN_PERIOD as f64).log10(),
            day: i64::MIN,
            day_start: i64::MAX,
            day_end: i64::MIN,
            pv: 0.0,
            day_volume: 0.0,
        }
    }
}

impl DefaultCore {
    /// Feeds one closed candle and writes every default column of `v`; returns the candle's high,
    /// low and close as floats. O(1), no allocation.
    #[inline]
    pub(crate) fn update(&mut self, c: &Candle, v: &mut IndicatorValues) -> (f64, f64, f64) {
        let (h, l, x, vol) = (c.high.to_f64(), c.low.to_f64(), c.close.to_f64(), c.volume);
        let t = self.t;
        self.t = t + 1;
        let prev_close = ring_at(&self.closes, t, 1);
        ring_put(&mut self.closes, t, x);
        let tp = typical_price(h, l, x);
        // `None` on the first candle: ATR, DMI, RSI, MFI, OBV and Choppiness start on moves.
        let tr = true_range(h, l, prev_close);

        // SMA(20) and the Bollinger middle (the same running sum, so the same bits).
        self.sma_sum += x;
        let mean = if t + 1 >= SMA {
            let m = self.sma_sum / SMA as f64;
            self.sma_sum -= ring_at(&self.closes, t, SMA - 1);
            Some(m)
        } else {
            None
        };
        v.sma_20 = mean;
        v.ema_20 = self.ema.next(x);
        let wma20 = self.wma20.step::<20>(&self.closes, t, x);
        v.wma_20 = wma20;
        let wma10 = self.wma10.step::<10>(&self.closes, t, x);
        if let (Some(half), Some(full)) = (wma10, wma20) {
            let d = 2.0 * half - full;
            let i = self.hull_len;
            self.hull_len = i + 1;
            ring_put(&mut self.hull, i, d);
            v.hma_20 = self.hull_wma.step::<4>(&self.hull, i, d);
        } else {
            v.hma_20 = None;
        }

        self.step_deviation(c.close.raw(), x, mean, v);
        self.step_macd(x, v);
        self.step_vwap(c.ts_ms, tp, vol, v);
        let (hh, ll) = self.hl_extremes.next(h, l);
        if t == 0 {
            (v.rsi_14, v.atr_14, v.mfi_14, v.chop_14) = (None, None, None, None);
            (v.adx_14, v.plus_di_14, v.minus_di_14) = (None, None, None);
            (v.stochrsi_k, v.stochrsi_d) = (None, None);
            self.obv = vol;
        } else {
            let diff = x - prev_close;
            let step = if x > prev_close {
                vol
            } else if x < prev_close {
                -vol
            } else {
                0.0
            };
            self.obv += step;
            self.step_rsi(t, diff, v);
            self.step_atr(t, tr, v);
            self.step_dmi(t, h, l, tr, v);
            self.step_mfi(t - 1, tp, vol, v);
            self.step_chop(t - 1, tr, hh - ll, v);
        }
        v.obv = Some(self.obv);
        self.prev_high = h;
        self.prev_low = l;
        self.prev_tp = tp;
        (h, l, x)
    }

    /// Population deviation and bands, exact on the 1e-8 grid (as `StdDev`).
    #[inline(always)]
    fn step_deviation(&mut self, raw_close: i64, x: f64, mean: Option<f64>, v: &mut IndicatorValues) {
        let t = self.t - 1;
        let raw = if raw_close.unsigned_abs() < EXACT_RAW as u64 {
            raw_close
        } else {
            let scaled = x * GRID;
            (scaled + if scaled < 0.0 { -0.5 } else { 0.5 }) as i64
        };
        if t >= SMA {
            let old = self.raws[t.wrapping_sub(SMA) & (RING - 1)] as i128;
            self.raw_sum = self.raw_sum.wrapping_sub(old);
            self.raw_sum_sq = self.raw_sum_sq.wrapping_sub(old.wrapping_mul(old));
        }
        ring_put(&mut self.raws, t, raw);
        self.raw_sum = self.raw_sum.wrapping_add(raw as i128);
        self.raw_sum_sq = self.raw_sum_sq.wrapping_add((raw as i128).wrapping_mul(raw as i128));
        let Some(mean) = mean else {
            (v.bb_upper, v.bb_middle, v.bb_lower, v.stddev_20) = (None, None, None, None);
            return;
        };
        let n = SMA as i128;
        let num = n.wrapping_mul(self.raw_sum_sq).wrapping_sub(self.raw_sum.wrapping_mul(self.raw_sum));
        let var = i128_to_f64(num) / ((SMA * SMA) as f64 * GRID * GRID);
        let stddev = if var > 0.0 { var.sqrt() } else { 0.0 };
        let d = stddev * 2.0;
        (v.bb_upper, v.bb_middle, v.bb_lower, v.stddev_20) = (Some(mean + d), Some(mean), Some(mean - d), Some(stddev));
    }

    /// MACD(12, 26, 9) with TA-Lib's late-seeded fast EMA (as `Macd`).
    #[inline(always)]
    fn step_macd(&mut self, x: f64, v: &mut IndicatorValues) {
        let slow = self.macd_slow.next(x);
        let fast = match self.macd_fast {
            Some(ref mut f) => f.next(x),
            None => slow.map(|_| {
                let t = self.t - 1;
                let mut sum = 0.0;
                for back in (0..MACD_FAST).rev() {
                    sum += ring_at(&self.closes, t, back);
                }
                let seed = sum / MACD_FAST as f64;
                self.macd_fast = Some(Ema::seeded(MACD_FAST, seed));
                seed
            }),
        };
        let m = match (fast, slow) {
            (Some(f), Some(s)) => {
                let line = f - s;
                self.macd_signal.next(line).map(|signal| (line, signal, line - signal))
            }
            _ => None,
        };
        v.macd = m.map(|m| m.0);
        v.macd_signal = m.map(|m| m.1);
        v.macd_hist = m.map(|m| m.2);
    }

    /// Wilder's RSI(14) (as `Rsi`), then the Stochastic RSI of it (as `StochRsi::next_rsi`).
    #[inline(always)]
    fn step_rsi(&mut self, t: usize, diff: f64, v: &mut IndicatorValues) {
        if t > RSI as usize {
            self.rsi_loss *= RSI - 1.0;
            self.rsi_gain *= RSI - 1.0;
        }
        self.rsi_loss -= diff.min(0.0);
        self.rsi_gain += diff.max(0.0);
        if t < RSI as usize {
            (v.rsi_14, v.stochrsi_k, v.stochrsi_d) = (None, None, None);
            return;
        }
        self.rsi_loss /= RSI;
        self.rsi_gain /= RSI;
        let total = self.rsi_gain + self.rsi_loss;
        let rsi = if is_zero(total) { 0.0 } else { 100.0 * (self.rsi_gain / total) };
        v.rsi_14 = Some(rsi);
        let (hh, ll) = self.rsi_extremes.next(rsi, rsi);
        let stoch = (self.rsi_extremes.seen() >= MAXMIN_PERIOD && hh - ll > STOCH_RSI_MIN_RANGE)
            .then(|| 100.0 * (rsi - ll) / (hh - ll));
        let k = mean_of_run3(&mut self.stochs, &mut self.stoch_next, &mut self.stoch_run, stoch);
        v.stochrsi_k = k;
        v.stochrsi_d = mean_of_run3(&mut self.ks, &mut self.k_next, &mut self.k_run, k);
    }

    /// ATR(14) with Wilder's smoothing (as `Atr`); `t` ≥ 1 is the number of true ranges so far.
    #[inline(always)]
    fn step_atr(&mut self, t: usize, tr: f64, v: &mut IndicatorValues) {
        let n = ATR as usize;
        v.atr_14 = if t < n {
            self.atr_sum += tr;
            None
        } else if t == n {
            self.atr_sum += tr;
            self.atr = self.atr_sum / ATR;
            Some(self.atr)
        } else {
            self.atr = (self.atr * (ATR - 1.0) + tr) / ATR;
            Some(self.atr)
        };
    }

    /// +DI, −DI and ADX(14) (as `Dmi`); `t` ≥ 1 is the number of moves so far.
    #[inline(always)]
    fn step_dmi(&mut self, t: usize, h: f64, l: f64, tr: f64, v: &mut IndicatorValues) {
        let up = h - self.prev_high;
        let down = self.prev_low - l;
        let n = DMI as f64;
        let minus = down > 0.0 && up < down;
        let md = if minus { down } else { 0.0 };
        let pd = if !minus && up > 0.0 && up > down { up } else { 0.0 };
        if t < DMI {
            self.minus_dm += md;
            self.plus_dm += pd;
            self.dm_tr += tr;
            (v.adx_14, v.plus_di_14, v.minus_di_14) = (None, None, None);
            return;
        }
        self.minus_dm -= self.minus_dm / n;
        self.plus_dm -= self.plus_dm / n;
        self.minus_dm += md;
        self.plus_dm += pd;
        self.dm_tr = self.dm_tr - self.dm_tr / n + tr;
        let (mut plus_di, mut minus_di) = (0.0, 0.0);
        if !is_zero(self.dm_tr) {
            minus_di = 100.0 * (self.minus_dm / self.dm_tr);
            plus_di = 100.0 * (self.plus_dm / self.dm_tr);
            let sum = minus_di + plus_di;
            if !is_zero(sum) {
                let dx = 100.0 * ((minus_di - plus_di).abs() / sum);
                match self.adx {
                    Some(adx) => self.adx = Some((adx * (n - 1.0) + dx) / n),
                    None => self.dx_sum += dx,
                }
            }
        }
        if self.adx.is_none() {
            self.dx_count += 1;
            if self.dx_count == DMI {
                self.adx = Some(self.dx_sum / n);
            }
        }
        (v.adx_14, v.plus_di_14, v.minus_di_14) = (self.adx, Some(plus_di), Some(minus_di));
    }

    /// MFI(14) (as `Mfi`); `m` is the index of this typical-price move (the first is 0).
    #[inline(always)]
    fn step_mfi(&mut self, m: usize, tp: f64, vol: f64, v: &mut IndicatorValues) {
        let diff = tp - self.prev_tp;
        let flow = tp * vol;
        let (p, n) = if is_zero(diff) {
            (0.0, 0.0)
        } else if diff < 0.0 {
            (0.0, flow)
        } else {
            (flow, 0.0)
        };
        if m >= MFI {
            let old = short_at(&self.flows, m, MFI);
            let (op, on) = if old > 0.0 { (old, 0.0) } else { (0.0, -old) };
            self.pos_flow -= op;
            self.neg_flow -= on;
        }
        self.flows[m & SHORT_MASK] = p - n;
        self.pos_flow += p;
        self.neg_flow += n;
        v.mfi_14 = if m + 1 < MFI {
            None
        } else {
            let total = self.pos_flow + self.neg_flow;
            Some(if total < 1.0 { 0.0 } else { 100.0 * (self.pos_flow / total) })
        };
    }

    /// Choppiness(14) (as `Chop`); `k` is the index of this true range (the first is 0) and
    /// `range` the highest high minus the lowest low of the last 14 bars.
    #[inline(always)]
    fn step_chop(&mut self, k: usize, tr: f64, range: f64, v: &mut IndicatorValues) {
        if k >= MAXMIN_PERIOD {
            self.tr_sum -= short_at(&self.trs, k, MAXMIN_PERIOD);
        }
        self.tr_sum += tr;
        self.trs[k & SHORT_MASK] = tr;
        v.chop_14 =
            (k + 1 >= MAXMIN_PERIOD && range > 0.0).then(|| 100.0 * (self.tr_sum / range).log10() / self.log_period);
    }

    /// VWAP since 00:00 UTC (as `Vwap`); the day is recomputed only when `ts_ms` leaves it.
    #[inline(always)]
    fn step_vwap(&mut self, ts_ms: i64, tp: f64, vol: f64, v: &mut IndicatorValues) {
        if ts_ms < self.day_start || ts_ms >= self.day_end {
            let day = ts_ms.div_euclid(VWAP_DAY_MS);
            if day != self.day {
                self.day = day;
                self.pv = 0.0;
                self.day_volume = 0.0;
            }
            self.day_start = day.saturating_mul(VWAP_DAY_MS);
            self.day_end = self.day_start.saturating_add(VWAP_DAY_MS);
        }
        self.pv += tp * vol;
        self.day_volume += vol;
        v.vwap = (self.day_volume > 0.0).then(|| self.pv / self.day_volume);
    }
}

#[cfg(test)]
#[path = "fused_tests.rs"]
mod tests;
