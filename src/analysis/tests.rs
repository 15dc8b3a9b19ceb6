//! The analyzer on crafted series, driven through the real `IndicatorSet`.

use super::*;
use crate::domain::{Price, Symbol};
use crate::indicators::{IndicatorSet, SetKind};

const T0: i64 = 1_700_000_100_000;

fn candle(i: usize, o: f64, h: f64, l: f64, c: f64, v: f64) -> Candle {
    let p = |x: f64| Price::from_f64(x).unwrap();
    Candle {
        symbol: Symbol::new("BTCUSDT").unwrap(),
        interval: Interval::M1,
        ts_ms: T0 + i as i64 * 60_000,
        open: p(o),
        high: p(h),
        low: p(l),
        close: p(c),
        volume: v,
        turnover: 0.0,
        closed: true,
    }
}

/// Runs the candles through indicators and analyzer; returns every output.
fn run(cs: &[Candle]) -> (Analyzer, Vec<AnalysisOutput>) {
    let mut set = IndicatorSet::new(SetKind::Default);
    let mut a = Analyzer::new(AnalysisConfig::default());
    let outs = cs.iter().map(|c| *a.update(c, set.update(c))).collect();
    (a, outs)
}

fn switches(outs: &[AnalysisOutput]) -> usize {
    outs.windows(2).filter(|w| w[0].regime != w[1].regime).count()
}

#[test]
fn regime_names() {
    let names: Vec<&str> = Regime::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(names, ["trend-up", "trend-down", "range", "breakout", "reversal-risk", "high-volatility"]);
    assert_eq!(Regime::Breakout.index(), 3);
}

#[test]
fn steady_uptrend_is_trend_up_after_warm_up() {
    let mut c = 100.0;
    let cs: Vec<Candle> = (0..1500)
        .map(|i| {
            let o = c;
            c *= 1.0002;
            candle(i, o, c + 0.01, o - 0.01, c, 1.0)
        })
        .collect();
    let (_, outs) = run(&cs);
    assert!(!outs[50].ready && outs[299].ready);
    for (i, o) in outs.iter().enumerate().skip(300) {
        assert_eq!(o.regime, Regime::TrendUp, "bar {i}: {o:?}");
        assert!(o.confidence > 0.7 && o.confidence <= 1.0);
        // Timeframes count once their EMA(20) exists, at first ½ (no slope yet). Until the 15m
        // slope exists (minute ~315): (1 + 1.5·½)/2.5 = 0.7; when the 1h EMA appears (minute
        // ~1185): (1 + 1.5 + 2·½)/4.5 = 0.78; from the 1h slope on (minute ~1245) it is 1.
        assert!(o.alignment >= 0.7 - 1e-9, "bar {i}: {o:?}");
        if i >= 1250 {
            assert_eq!(o.alignment, 1.0, "bar {i}: {o:?}");
        }
    }
    // 4h has no EMA yet after 25 hours: it counts 0 and is left out of the weights.
    assert_eq!(outs[1499].tf_directions, [1.0, 1.0, 1.0, 0.0]);
    // The mirror image is a downtrend.
    let mut c = 100.0;
    let down: Vec<Candle> = (0..600)
        .map(|i| {
            let o = c;
            c /= 1.0002;
            candle(i, o, o + 0.01, c - 0.01, c, 1.0)
        })
        .collect();
    let (_, outs) = run(&down);
    assert!(outs[300..].iter().all(|o| o.regime == Regime::TrendDown));
}

#[test]
fn pullback_in_a_stretched_uptrend_is_reversal_risk() {
    // Returns alternate +0.05 % / −0.01 %: RSI ≈ 5/6 ≈ 83, every other bar closes down. A single
    // down bar makes a ReversalRisk candidate that never lasts 2 bars, so the label stays
    // TrendUp; the first second-in-a-row down bar (1,500 after 1,499) confirms ReversalRisk.
    let mut c = 100.0;
    let mut cs: Vec<Candle> = (0..1501)
        .map(|i| {
            let o = c;
            c *= if i % 2 == 0 && i < 1500 { 1.0005 } else { 0.9999 };
            candle(i, o, o.max(c) + 0.01, o.min(c) - 0.01, c, 1.0)
        })
        .collect();
    let (_, outs) = run(&cs);
    for (i, o) in outs.iter().enumerate().take(1500).skip(400) {
        assert_eq!(o.regime, Regime::TrendUp, "bar {i}: {o:?}");
    }
    let o = outs[1500];
    assert_eq!(o.regime, Regime::ReversalRisk, "{o:?}");
    assert!(o.confidence >= 0.75, "{o:?}");
    // A fresh up bar is a TrendUp candidate again; it takes 2 bars to return.
    let up = |i: usize, o: f64| candle(i, o, o * 1.0005 + 0.01, o - 0.01, o * 1.0005, 1.0);
    let last = cs[1500].close.to_f64();
    cs.push(up(1501, last));
    cs.push(up(1502, last * 1.0005));
    let (_, outs) = run(&cs);
    assert_eq!((outs[1501].regime, outs[1502].regime), (Regime::ReversalRisk, Regime::TrendUp));
}

/// Closes alternating 100 / 100.1: no trend, no swings, constant volatility.
fn alternating(n: usize, lo: f64, hi: f64, start: usize) -> Vec<Candle> {
    (0..n)
        .map(|i| {
            let (o, c) = if i % 2 == 0 { (hi, lo) } else { (lo, hi) };
            candle(start + i, o, hi, lo, c, 1.0)
        })
        .collect()
}

#[test]
fn flat_noise_is_range_without_flip_flopping() {
    let cs = alternating(3000, 100.0, 100.1, 0);
    let (_, outs) = run(&cs);
    assert!(outs[100..].iter().all(|o| o.regime == Regime::Range), "{:?}", outs[2999]);
    assert_eq!(switches(&outs[100..]), 0);
    assert!(outs[2999].chop_score.unwrap() > 0.9);
}

#[test]
fn volatility_shock_is_high_volatility() {
    let mut cs = alternating(2000, 100.0, 100.05, 0);
    cs.extend(alternating(20, 98.0, 102.0, 2000));
    let (_, outs) = run(&cs);
    assert_eq!(outs[1999].regime, Regime::Range);
    assert!((outs[1999].vol_percentile.unwrap() - 0.5).abs() < 1e-9);
    let o = outs[2001];
    assert_eq!(o.regime, Regime::HighVolatility, "{o:?}");
    assert!(o.vol_percentile.unwrap() > 0.99 && o.confidence > 0.9);
}

#[test]
fn break_of_touched_resistance_on_volume_is_breakout() {
    // Closes zig-zag 100 → 102 → 100 in steps of 0.4 (period 10); each bar opens at its close
    // and spans ±0.05, so every peak makes a swing high at 102.05 and every trough a low at 99.95.
    let tri = [100.0, 100.4, 100.8, 101.2, 101.6, 102.0, 101.6, 101.2, 100.8, 100.4];
    let mut cs: Vec<Candle> = (0..200)
        .map(|i| {
            let c = tri[i % 10];
            candle(i, c, c + 0.05, c - 0.05, c, 1.0)
        })
        .collect();
    // Bars 200..204 climb to 101.6, then bar 205 closes at 103 on five times the volume.
    for (k, c) in [100.0, 100.4, 100.8, 101.2, 101.6].into_iter().enumerate() {
        cs.push(candle(200 + k, c, c + 0.05, c - 0.05, c, 1.0));
    }
    cs.push(candle(205, 101.6, 103.05, 101.55, 103.0, 5.0));
    let (a, outs) = run(&cs);
    let before = outs[204];
    assert_eq!(before.regime, Regime::Range, "{before:?}");
    let r = before.resistance.unwrap();
    assert!((r.price - 102.05).abs() < 1e-9 && r.touches >= 10, "{r:?}");
    assert!((before.support.unwrap().price - 99.95).abs() < 1e-9);
    let o = outs[205];
    assert_eq!((o.regime, o.breakout_dir), (Regime::Breakout, 1), "{o:?}");
    assert_eq!(o.volume_ratio, Some(5.0));
    assert!(o.confidence > 0.6);
    // The broken level is now support.
    assert!((o.support.unwrap().price - 102.05).abs() < 1e-9);
    assert_eq!(a.levels().len(), 2);
    assert!(!a.swings().is_empty());
}

#[test]
fn flat_candles_and_zero_volume_do_not_panic() {
    let cs: Vec<Candle> = (0..2000).map(|i| candle(i, 50.0, 50.0, 50.0, 50.0, 0.0)).collect();
    let (a, outs) = run(&cs);
    let o = outs[1999];
    assert_eq!(o.regime, Regime::Range);
    assert!(o.confidence.is_finite() && (0.0..=1.0).contains(&o.confidence));
    assert_eq!(o.realized_vol, Some(0.0));
    assert_eq!(o.volume_ratio, None);
    assert!(a.levels().is_empty() && a.volume_nodes(3).is_empty());
    assert_eq!(switches(&outs), 0);
}

#[test]
fn recorded_classifier_inputs_replay_to_the_same_decisions() {
    // A trend up, a sideways stretch, then a slide: the classifier passes through several labels.
    let mut c = 100.0;
    let cs: Vec<Candle> = (0..1200)
        .map(|i| {
            let o = c;
            c *= match i {
                0..=499 => 1.0003,
                500..=799 => {
                    if i % 2 == 0 {
                        1.002
                    } else {
                        1.0 / 1.002
                    }
                }
                _ => 1.0 / 1.0004,
            };
            candle(i, o, o.max(c) + 0.02, o.min(c) - 0.02, c, 1.0 + (i % 7) as f64)
        })
        .collect();
    let mut set = IndicatorSet::new(SetKind::Default);
    let mut a = Analyzer::new(AnalysisConfig::default());
    let mut k = RegimeClassifier::new(RegimeThresholds::default());
    let mut seen = std::collections::HashSet::new();
    for (i, candle) in cs.iter().enumerate() {
        let (out, inputs) = a.update_with_inputs(candle, set.update(candle));
        assert_eq!(inputs.close, candle.close.to_f64(), "bar {i}");
        let (r, conf) = k.update(&inputs);
        assert_eq!((r, conf), (out.regime, out.confidence), "bar {i}");
        seen.insert(r);
    }
    assert!(seen.contains(&Regime::TrendUp) && seen.contains(&Regime::TrendDown), "{seen:?}");
}
