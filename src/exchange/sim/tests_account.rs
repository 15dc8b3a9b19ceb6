//! Account tests of the simulator: realised PnL on close and flip, funding at a boundary,
//! liquidation from trades and from a candle's path. Numbers are worked out by hand.

use super::tests::{btc, candle, eth, feed, fills, m, open_at, p, place, q, req, sim, ticker, trade, updates};
use super::*;
use crate::domain::{Side, Trade};

#[test]
fn realised_pnl_on_a_flip_and_a_close() {
    let mut s = sim();
    open_at(&mut s, "l", Side::Buy, "1", "100", 1);
    // Sell 3 at 110: closes the long (+10) and opens a short 2 @ 110; fee 330 × 0.00055 = 0.1815.
    let out = open_at(&mut s, "flip", Side::Sell, "3", "110", 10);
    assert_eq!(fills(&out)[0].fee, m("0.1815"));
    let pos = s.position(btc());
    assert_eq!((pos.size, pos.entry_value, pos.entry_price()), (q("-2"), m("220"), Some(p("110"))));
    // Realised since the position left flat: −0.055 + 10 − 0.1815.
    assert_eq!(pos.realised_pnl, m("9.7635"));
    assert_eq!(s.balance().wallet_balance, m("10009.7635"));
    // Short 2 @ 110 at 10x: liquidation 110 × 1.095 = 120.45 -> down to the tick 120.4.
    assert_eq!(pos.liq_price, Some(p("120.4")));
    // Buy 2 at 105 closes: (110 − 105) × 2 = +10, fee 210 × 0.00055 = 0.1155.
    let out = open_at(&mut s, "close", Side::Buy, "2", "105", 20);
    let Some(Event::Position(pos)) = out.iter().rev().find(|e| matches!(e, Event::Position(_))) else {
        panic!("no position event in {out:?}")
    };
    assert!(pos.is_flat());
    assert_eq!(pos.realised_pnl, m("19.648"));
    assert_eq!(pos.liq_price, None);
    assert_eq!(s.balance().wallet_balance, m("10019.648"));
    assert_eq!(s.fees_paid(), m("0.352"));
    let b = s.balance();
    assert_eq!((b.used_margin, b.available, b.equity), (Money::ZERO, m("10019.648"), m("10019.648")));
}

#[test]
fn funding_at_a_boundary_long_pays_short_receives() {
    let mut s = sim();
    let day = 1_704_067_200_000; // 2024-01-01 00:00 UTC
    let t0 = day + 7 * 3_600_000;
    open_at(&mut s, "long", Side::Buy, "1", "100", t0);
    let eth_trade = |ts: i64, price: &str| {
        Event::Trade(Trade {
            symbol: eth(),
            ts_ms: ts,
            price: p(price),
            qty: q("1"),
            taker_side: Side::Buy,
            trade_id: 1,
        })
    };
    feed(&mut s, eth_trade(t0 + 10, "2000"));
    let mut short = req("short", Side::Sell, "2", None);
    short.symbol = eth();
    place(&mut s, short, t0 + 10);
    feed(&mut s, eth_trade(t0 + 20, "2000"));
    assert_eq!(s.position(eth()).size, q("-2"));
    // BTC funding 0.0003, mark 101 from the ticker; ETH keeps the default 0.0001.
    feed(&mut s, ticker(btc(), t0 + 1_800_000, "101", "101", "0.0003"));
    let wallet_before = s.balance().wallet_balance;
    assert!(feed(&mut s, trade(day + 8 * 3_600_000 - 1, "102", "1")).is_empty());
    let out = feed(&mut s, trade(day + 8 * 3_600_000 + 5_000, "102", "1"));
    // Long BTC pays 101 × 1 × 0.0003 = 0.0303; short ETH receives 2000 × 2 × 0.0001 = 0.4.
    assert_eq!(s.funding_paid(), m("-0.3697"));
    assert_eq!(s.balance().wallet_balance - wallet_before, m("0.3697"));
    let positions: Vec<_> = out.iter().filter(|e| matches!(e, Event::Position(_))).collect();
    assert_eq!(positions.len(), 2);
    assert!(matches!(out.last(), Some(Event::Balance(_))));
    assert_eq!(s.position(eth()).realised_pnl, m("-2.2") + m("0.4"));
    // The next boundary is 16:00; nothing more before it.
    assert!(feed(&mut s, trade(day + 16 * 3_600_000 - 1, "102", "1")).is_empty());
}

#[test]
fn liquidation_when_the_mark_crosses() {
    let mut s = sim();
    open_at(&mut s, "l", Side::Buy, "1", "100", 1);
    // Long 1 @ 100 at 10x with mmr 0.005: 100 × 0.905 = 90.5.
    assert_eq!(s.position(btc()).liq_price, Some(p("90.5")));
    let mut tp = req("tp", Side::Sell, "1", Some("120"));
    tp.reduce_only = true;
    place(&mut s, tp, 2);
    assert!(fills(&feed(&mut s, trade(3, "90.6", "1"))).is_empty());
    let out = feed(&mut s, trade(4, "90.4", "1"));
    let u = updates(&out);
    assert_eq!((u[0].client_order_id.as_str(), u[0].status), ("tp", OrderStatus::Cancelled));
    assert_eq!(u[0].reason, Some(RejectReason::Liquidation));
    assert_eq!((u[1].client_order_id.as_str(), u[1].status), ("sim-liq-000001", OrderStatus::Filled));
    let f = fills(&out);
    // Closed at 90.5: (90.5 − 100) × 1 = −9.5, fee 90.5 × 0.00055 = 0.049775.
    assert_eq!((f[0].price, f[0].qty, f[0].side, f[0].fee), (p("90.5"), q("1"), Side::Sell, m("0.049775")));
    assert!(s.position(btc()).is_flat());
    assert_eq!(s.balance().wallet_balance, m("10000") - m("0.055") - m("9.5") - m("0.049775"));
    assert_eq!(s.open_orders().count(), 0);
}

#[test]
fn liquidation_inside_a_candle_comes_before_a_later_stop() {
    let mut s = sim();
    feed(&mut s, candle(0, "100", "100", "100", "100"));
    place(&mut s, req("l", Side::Buy, "1", None), 0);
    feed(&mut s, candle(60_000, "100", "100", "100", "100"));
    // A buy-to-close trigger above would never matter; a take-profit at 104 after the low does.
    let mut tp = req("tp", Side::Sell, "1", Some("104"));
    tp.reduce_only = true;
    place(&mut s, tp, 60_000);
    // Rising bar 99 -> 90 -> 105 -> 101: the low passes 90.5 before the high reaches 104.
    let out = feed(&mut s, candle(120_000, "99", "105", "90", "101"));
    let f = fills(&out);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].price, p("90.5"));
    assert_eq!(updates(&out)[0].reason, Some(RejectReason::Liquidation));
    assert!(s.position(btc()).is_flat());
}

#[test]
fn no_liquidation_when_the_stop_comes_first_on_the_path() {
    let mut s = sim();
    feed(&mut s, candle(0, "100", "100", "100", "100"));
    place(&mut s, req("l", Side::Buy, "1", None), 0);
    feed(&mut s, candle(60_000, "100", "100", "100", "100"));
    let mut sl = req("sl", Side::Sell, "1", None);
    sl.trigger_price = Some(p("95"));
    sl.reduce_only = true;
    place(&mut s, sl, 60_000);
    let out = feed(&mut s, candle(120_000, "99", "105", "90", "101"));
    let f = fills(&out);
    assert_eq!(f.len(), 1);
    // The stop at 95 is reached at path position 4, the liquidation price 90.5 at 8.5.
    assert_eq!(f[0].price, p("95"));
    assert!(updates(&out).iter().all(|u| u.reason.is_none()));
}
