//! `DefaultCore` against the standalone indicators it fuses: the same bits on every column and
//! every candle, warm-up included.

use super::*;
use crate::domain::{Interval, Price, Symbol};
use crate::indicators::{Atr, Chop, Dmi, Hma, Macd, Mfi, Obv, Rsi, Sma, StdDev, StochRsi, Vwap, Wma};

/// The default set as the standalone indicators compute it (the set before the fusion).
struct Reference {
    sma: Sma,
    ema: Ema,
    wma: Wma,
    rsi: Rsi,
    macd: Macd,
    atr: Atr,
    dmi: Dmi,
    bands: StdDev,
    obv: Obv,
    mfi: Mfi,
    stoch_rsi: StochRsi,
    hma: Hma,
    chop: Chop,
    vwap: Vwap,
}

impl Reference {
    fn new() -> Self {
        Self {
            sma: Sma::new(20),
            ema: Ema::new(20),
            wma: Wma::new(20),
            rsi: Rsi::new(14),
            macd: Macd::new(12, 26, 9),
            atr: Atr::new(14),
            dmi: Dmi::new(14),
            bands: StdDev::new(20, 2.0),
            obv: Obv::default(),
            mfi: Mfi::new(14),
            stoch_rsi: StochRsi::new(14, 14, 3, 3),
            hma: Hma::new(20),
            chop: Chop::new(14),
            vwap: Vwap::default(),
        }
    }

    fn row(&mut self, c: &Candle) -> [Option<f64>; 22] {
        let (h, l, x, vol) = (c.high.to_f64(), c.low.to_f64(), c.close.to_f64(), c.volume);
        let rsi = self.rsi.next(x);
        let m = self.macd.next(x);
        let d = self.dmi.next(h, l, x);
        let b = self.bands.next(x);
        let (k, dd) = self.stoch_rsi.next_rsi(rsi);
        [
            self.sma.next(x),
            self.ema.next(x),
            self.wma.next(x),
            rsi,
            m.map(|m| m.macd),
            m.map(|m| m.signal),
            m.map(|m| m.hist),
            self.atr.next(h, l, x),
            d.and_then(|d| d.adx),
            d.map(|d| d.plus_di),
            d.map(|d| d.minus_di),
            b.map(|b| b.upper),
            b.map(|b| b.middle),
            b.map(|b| b.lower),
            b.map(|b| b.stddev),
            Some(self.obv.next(x, vol)),
            self.mfi.next(h, l, x, vol),
            k,
            dd,
            self.hma.next(x),
            self.chop.next(h, l, x),
            self.vwap.next(c.ts_ms, h, l, x, vol),
        ]
    }
}

/// A random walk with flat stretches, zero-volume bars, jumps, time gaps across midnight and a
/// stretch of prices above 2^50 raw units (the deviation's float path).
fn series(n: usize) -> Vec<Candle> {
    let symbol = Symbol::new("TEST").unwrap();
    let mut state: u64 = 7;
    let mut rnd = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut price = 30_000.0;
    let mut ts = 1_600_000_000_000i64;
    (0..n)
        .map(|i| {
            let open = price;
            let flat = (i / 40) % 7 == 3;
            if !flat {
                price *= 1.0 + (rnd() - 0.5) * 0.004;
            }
            if i % 997 == 500 {
                price *= 1.3;
            }
            let scale = if (3000..3200).contains(&i) { 1000.0 } else { 1.0 };
            let (high, low) = if flat {
                (price, price)
            } else {
                (open.max(price) * (1.0 + rnd() * 0.001), open.min(price) * (1.0 - rnd() * 0.001))
            };
            let p = |v: f64| Price::from_f64((v * scale * 100.0).round() / 100.0).unwrap();
            ts += if i % 613 == 0 { 7 * 3_600_000 } else { 60_000 };
            Candle {
                symbol,
                interval: Interval::M1,
                ts_ms: ts,
                open: p(open),
                high: p(high),
                low: p(low),
                close: p(price),
                volume: if flat || i % 50 == 0 { 0.0 } else { (rnd() * 10.0 * 1e6).round() / 1e6 },
                turnover: 0.0,
                closed: true,
            }
        })
        .collect()
}

#[test]
fn fused_core_gives_the_standalone_indicators_bits() {
    let candles = series(6000);
    assert!(candles[3100].close.raw() >= EXACT_RAW, "the series must reach the float path");
    let mut reference = Reference::new();
    let mut core = DefaultCore::default();
    let mut v = IndicatorValues::default();
    let mut defined = [0usize; 22];
    for (i, c) in candles.iter().enumerate() {
        core.update(c, &mut v);
        let want = reference.row(c);
        let got = v.default_row();
        for (k, (g, w)) in got.iter().zip(want).enumerate() {
            assert_eq!(g.map(f64::to_bits), w.map(f64::to_bits), "candle {i} column {k}: {g:?} vs {w:?}");
            defined[k] += g.is_some() as usize;
        }
    }
    // Every column is exercised well past its warm-up (StochRSI and Choppiness go undefined on
    // the flat stretches, so they have fewer values).
    assert!(defined.iter().all(|&d| d > 4000), "{defined:?}");
    assert!(defined[17] < defined[3] && defined[20] < defined[7], "{defined:?}");
}

#[test]
fn first_candle_defines_only_obv_and_vwap() {
    let c = Candle { volume: 2.5, ..series(1)[0] };
    let mut core = DefaultCore::default();
    let mut v = IndicatorValues { sma_20: Some(1.0), rsi_14: Some(1.0), ..IndicatorValues::default() };
    core.update(&c, &mut v);
    let row = v.default_row();
    let defined: Vec<usize> = (0..22).filter(|&k| row[k].is_some()).collect();
    assert_eq!(defined, vec![15, 21], "{row:?}");
    assert_eq!(v.obv, Some(2.5));
    let tp = (c.high.to_f64() + c.low.to_f64() + c.close.to_f64()) / 3.0;
    assert_eq!(v.vwap, Some(tp * 2.5 / 2.5));
}
