use super::*;
use crate::domain::Symbol;

fn btc() -> Instrument {
    Instrument::demo(Symbol::new("BTCUSDT").unwrap(), "0.1", "0.001", "0.001", "100")
}

fn cfg() -> StopConfig {
    StopConfig {
        stop_atr_multiple: 2.0,
        trail_atr_multiple: 3.0,
        break_even_r: 1.0,
        targets: vec![(1.5, 0.5), (3.0, 0.25)],
    }
}

fn p(v: &str) -> Price {
    v.parse().unwrap()
}

#[test]
fn long_stop_walks_break_even_targets_trailing_and_hit() {
    let i = btc();
    let mut s = StopManager::new(Side::Buy, p("50000"), "1".parse().unwrap(), 100.0, None, &cfg(), &i).unwrap();
    // 2 ATR below entry; R = 200; targets at 1.5R and 3R.
    assert_eq!(s.stop(), p("49800"));
    let t: Vec<_> = s.targets().iter().map(|t| (t.price.to_string(), t.qty.to_string())).collect();
    assert_eq!(t, [("50300".to_string(), "0.5".to_string()), ("50600".into(), "0.25".into())]);
    let mut ev = Vec::new();
    s.on_price(p("50100"), Some(100.0), &mut ev);
    assert!(ev.is_empty(), "{ev:?}"); // trail 50,100 - 300 = 49,800 is not better
    s.on_price(p("50200"), Some(100.0), &mut ev); // +1R: break-even
    assert_eq!(ev, [StopEvent::Moved { from: p("49800"), to: p("50000"), reason: StopReason::BreakEven }]);
    ev.clear();
    s.on_price(p("50350"), Some(100.0), &mut ev); // first target, then trail to 50,050
    assert_eq!(
        ev,
        [
            StopEvent::PartialExit { target: 0, price: p("50300"), qty: "0.5".parse().unwrap() },
            StopEvent::Moved { from: p("50000"), to: p("50050"), reason: StopReason::Trailing },
        ]
    );
    ev.clear();
    s.on_price(p("50100"), Some(50.0), &mut ev); // a tighter ATR from a lower best: 50,350-150 = 50,200 > price
    assert!(ev.is_empty(), "{ev:?}");
    s.on_price(p("50040"), Some(100.0), &mut ev);
    assert_eq!(ev, [StopEvent::StopHit { stop: p("50050"), qty: "0.5".parse().unwrap() }]);
    assert!(s.is_closed());
}

#[test]
fn short_stop_mirrors_and_structure_widens() {
    let i = btc();
    let mut s = StopManager::new(Side::Sell, p("50000"), "1".parse().unwrap(), 100.0, None, &cfg(), &i).unwrap();
    assert_eq!(s.stop(), p("50200"));
    assert_eq!(s.targets()[0].price, p("49700"));
    let mut ev = Vec::new();
    s.on_price(p("49800"), Some(100.0), &mut ev);
    assert_eq!(ev, [StopEvent::Moved { from: p("50200"), to: p("50000"), reason: StopReason::BreakEven }]);
    // A swing low 300 below a long entry is wider than 2 ATR: stop one tick under it.
    let s = StopManager::new(Side::Buy, p("50000"), "1".parse().unwrap(), 100.0, Some(p("49700")), &cfg(), &i).unwrap();
    assert_eq!(s.stop(), p("49699.9"));
    // A structure on the wrong side is ignored.
    let s = StopManager::new(Side::Buy, p("50000"), "1".parse().unwrap(), 100.0, Some(p("50100")), &cfg(), &i).unwrap();
    assert_eq!(s.stop(), p("49800"));
    assert!(StopManager::new(Side::Buy, p("50000"), "1".parse().unwrap(), f64::NAN, None, &cfg(), &i).is_none());
}
