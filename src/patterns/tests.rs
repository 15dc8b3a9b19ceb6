//! Hand-worked unit tests for the detectors (the TA-Lib agreement tests live in tests/).

use super::*;

fn feed(set: &mut PatternSet, bars: &[(f64, f64, f64, f64)]) -> Vec<Detection> {
    let mut last = Vec::new();
    for &(o, h, l, c) in bars {
        last = set.update_bar(Bar::new(o, h, l, c, 1.0)).to_vec();
    }
    last
}

/// Ten ordinary bars: body 1, range 2 (so BodyLong/BodyShort = 1, BodyDoji = ShadowVeryShort = 0.2,
/// Near = 0.4, Far = 1.2).
fn base() -> Vec<(f64, f64, f64, f64)> {
    (0..12).map(|k| if k % 2 == 0 { (100.0, 101.5, 99.5, 101.0) } else { (101.0, 101.5, 99.5, 100.0) }).collect()
}

fn signal(d: &[Detection], id: PatternId) -> i32 {
    d[id.index()].signal
}

#[test]
fn registry_is_in_id_order_with_unique_columns() {
    let r = registry();
    assert_eq!(r.len(), PATTERN_COUNT);
    for (k, p) in r.iter().enumerate() {
        assert_eq!(p.id.index(), k);
        assert_eq!(PatternId::from_column(p.column), Some(p.id));
    }
    assert!(pattern_columns_header().starts_with("cdl_doji,cdl_hammer,"));
    assert!(pattern_columns_header().ends_with(",cdl_spinningtop"));
}

#[test]
fn doji_needs_lookback_and_small_body() {
    let mut s = PatternSet::new();
    // A doji at index 9 is below the lookback of 10: no output.
    let mut bars = base()[..9].to_vec();
    bars.push((100.0, 101.0, 99.0, 100.1));
    assert_eq!(signal(&feed(&mut s, &bars), PatternId::Doji), 0);
    // At index 12: body 0.19 <= 0.2 fires, body 0.21 does not.
    let mut s = PatternSet::new();
    let mut bars = base();
    bars.push((100.0, 101.0, 99.0, 100.19));
    let d = feed(&mut s, &bars);
    assert_eq!(signal(&d, PatternId::Doji), 100);
    assert!(d[0].quality > 0.0 && d[0].quality <= 1.0);
    let mut s = PatternSet::new();
    let mut bars = base();
    bars.push((100.0, 101.0, 99.0, 100.21));
    assert_eq!(signal(&feed(&mut s, &bars), PatternId::Doji), 0);
}

#[test]
fn hammer_and_hanging_man_depend_on_the_previous_bar() {
    // Body 0.5 < 1, lower shadow 2 > 0.5, upper shadow 0.1 < 0.2.
    // Previous bar (101 → 100, low 99.5, high 101.5): body bottom 99.6 <= 99.5 + 0.4 → hammer.
    let mut s = PatternSet::new();
    let mut bars = base();
    bars.push((99.6, 100.2, 97.6, 100.1));
    let d = feed(&mut s, &bars);
    assert_eq!(signal(&d, PatternId::Hammer), 100);
    assert_eq!(signal(&d, PatternId::HangingMan), 0);
    // Same shape high up: bottom 101.2 >= 101.5 - 0.4 → hanging man.
    let mut s = PatternSet::new();
    let mut bars = base();
    bars.push((101.2, 101.8, 99.2, 101.7));
    let d = feed(&mut s, &bars);
    assert_eq!(signal(&d, PatternId::Hammer), 0);
    assert_eq!(signal(&d, PatternId::HangingMan), -100);
}

#[test]
fn engulfing_strict_and_equal_edges() {
    let mut s = PatternSet::new();
    // black 101 → 100 then white 99.9 → 101.1: strict.
    let d = feed(&mut s, &[(100.0, 101.5, 99.5, 101.0), (101.0, 101.5, 99.5, 100.0), (99.9, 101.5, 99.5, 101.1)]);
    assert_eq!(signal(&d, PatternId::Engulfing), 100);
    let mut s = PatternSet::new();
    // white 100 → 101, then black opening at 101 (equal) closing 99.9: -80.
    let d = feed(&mut s, &[(100.0, 101.5, 99.5, 101.0), (100.0, 101.5, 99.5, 101.0), (101.0, 101.5, 99.5, 99.9)]);
    assert_eq!(signal(&d, PatternId::Engulfing), -80);
    // Equal at both ends: no pattern.
    let mut s = PatternSet::new();
    let d = feed(&mut s, &[(100.0, 101.5, 99.5, 101.0), (100.0, 101.5, 99.5, 101.0), (101.0, 101.5, 99.5, 100.0)]);
    assert_eq!(signal(&d, PatternId::Engulfing), 0);
}

#[test]
fn harami_and_morning_star() {
    // Long black 103 → 100 (body 3 > 1), then small white 100.5 → 101 inside: +100.
    let mut s = PatternSet::new();
    let mut bars = base();
    bars.push((103.0, 103.2, 99.8, 100.0));
    bars.push((100.5, 101.2, 100.2, 101.0));
    assert_eq!(signal(&feed(&mut s, &bars), PatternId::Harami), 100);
    // Long black 103 → 100, small body gapping below (99.5 → 99.7), white closing at 102 > 100 + 0.9.
    let mut s = PatternSet::new();
    let mut bars = base();
    bars.push((103.0, 103.2, 99.8, 100.0));
    bars.push((99.5, 99.8, 99.3, 99.7));
    bars.push((99.8, 102.1, 99.7, 102.0));
    let d = feed(&mut s, &bars);
    assert_eq!(signal(&d, PatternId::MorningStar), 100);
    assert_eq!(signal(&d, PatternId::EveningStar), 0);
}

#[test]
fn marubozu_and_spinning_top() {
    let mut s = PatternSet::new();
    let mut bars = base();
    bars.push((100.0, 102.1, 99.9, 102.0));
    let d = feed(&mut s, &bars);
    assert_eq!(signal(&d, PatternId::Marubozu), 100);
    let mut s = PatternSet::new();
    let mut bars = base();
    bars.push((100.5, 101.5, 99.5, 100.2));
    let d = feed(&mut s, &bars);
    assert_eq!(signal(&d, PatternId::SpinningTop), -100);
    assert_eq!(signal(&d, PatternId::Marubozu), 0);
}

#[test]
fn values_line() {
    let mut s = PatternSet::new();
    let mut bars = base();
    bars.push((100.0, 102.1, 99.9, 102.0));
    feed(&mut s, &bars);
    let mut line = String::new();
    write_pattern_values(&mut line, s.last());
    // The previous base bar is black 101 → 100, so the white bar opening at 100 also engulfs it
    // with one equal edge (80).
    assert_eq!(line, "0,0,0,0,0,80,0,0,0,0,0,0,0,100,0");
}

#[test]
fn quality_worked_by_hand() {
    // Base bars have body 1 and range 2 (doji threshold 0.2, 5 average ranges = 10) and volume 1.
    let mut s = PatternSet::new();
    let mut bars = base();
    bars.push((100.0, 102.1, 99.9, 102.0));
    let d = feed(&mut s, &bars);
    // Marubozu (continuation): shape = body / range = 2 / 2.2; volume = 1 / (2 × 1) = 0.5;
    // context: close before it (bar 11: 100) vs 5 bars earlier (bar 6: 101) → z = -0.1 → 0.4.
    let q = 0.5 * (2.0 / 2.2) + 0.25 * 0.5 + 0.25 * 0.4;
    assert!((d[PatternId::Marubozu.index()].quality - q).abs() < 1e-9);
    // Engulfing at 80 (reversal, 2 candles): shape = (1 - 1/2) × 0.8 = 0.4; context: bar 10 (101)
    // vs bar 5 (100) → z = +0.1, a rise before a bullish reversal → 0.4.
    let q = 0.5 * 0.4 + 0.25 * 0.5 + 0.25 * 0.4;
    assert!((d[PatternId::Engulfing.index()].quality - q).abs() < 1e-9);
    // Patterns that did not fire have quality 0.
    assert_eq!(d[PatternId::Doji.index()].quality, 0.0);
}

#[test]
fn candle_path_equals_bar_path() {
    use crate::domain::{Candle, Interval, Price, Symbol};
    let mut a = PatternSet::new();
    let mut b = PatternSet::new();
    let mut bars = base();
    bars.push((99.6, 100.2, 97.6, 100.1));
    for (i, &(o, h, l, c)) in bars.iter().enumerate() {
        let px = |v: f64| Price::from_f64(v).expect("price");
        let candle = Candle {
            symbol: Symbol::new("BTCUSDT").expect("symbol"),
            interval: Interval::H1,
            ts_ms: i as i64,
            open: px(o),
            high: px(h),
            low: px(l),
            close: px(c),
            volume: 1.0,
            turnover: 0.0,
            closed: true,
        };
        assert_eq!(a.update(&candle), b.update_bar(Bar::new(o, h, l, c, 1.0)));
    }
    assert_eq!(a.last()[PatternId::Hammer.index()].signal, 100);
}
