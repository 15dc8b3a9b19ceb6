//! Hedge position mode in the simulator: the switch and its refusals, two positions per symbol
//! with their own entry, PnL, margin and liquidation, reduce-only against the order's idx, the
//! wrong idx rejected. Numbers worked out by hand (taker fee 0.00055, leverage 10, mmr 0.005).

use super::tests::{btc, eth, feed, fills, m, p, place, q, req, sim, trade, updates};
use super::*;
use crate::domain::{OrderRequest, Side, Trade};

fn on(idx: PositionIdx, mut r: OrderRequest) -> OrderRequest {
    r.position_idx = idx;
    r
}

/// Places `r` and lets it fill on a trade at `price`.
fn fill_at(s: &mut SimExchange, r: OrderRequest, price: &str, ts: i64) -> Vec<Event> {
    feed(s, trade(ts, price, "1"));
    let placed = place(s, r, ts);
    assert_eq!(updates(&placed)[0].status, OrderStatus::New, "{placed:?}");
    feed(s, trade(ts + 1, price, "1"))
}

fn hedge_sim() -> SimExchange {
    let mut s = sim();
    feed(&mut s, trade(1, "30000", "1"));
    assert_eq!(s.switch_position_mode(btc(), PositionMode::Hedge), Ok(()));
    s
}

#[test]
fn switch_is_refused_when_unchanged_with_a_position_or_with_orders() {
    let mut s = sim();
    feed(&mut s, trade(1, "30000", "1"));
    assert_eq!(s.switch_position_mode(btc(), PositionMode::OneWay), Err(SwitchRefused::NotModified));
    assert_eq!(
        s.switch_position_mode(Symbol::new("XRPUSDT").unwrap(), PositionMode::Hedge),
        Err(SwitchRefused::UnknownSymbol)
    );
    // A resting limit: open orders refuse the switch (110028).
    place(&mut s, req("l", Side::Buy, "0.1", Some("29000")), 2);
    feed(&mut s, trade(3, "30000", "1"));
    assert_eq!(s.switch_position_mode(btc(), PositionMode::Hedge), Err(SwitchRefused::HasOrders));
    let mut out = Vec::new();
    s.execute(&Action::CancelAll { symbol: Some(btc()) }, 4, &mut out);
    assert_eq!(s.switch_position_mode(btc(), PositionMode::Hedge), Ok(()));
    assert_eq!(s.position_mode(btc()), PositionMode::Hedge);
    assert_eq!(s.position_mode(eth()), PositionMode::OneWay);
    assert_eq!(s.switch_position_mode(btc(), PositionMode::Hedge), Err(SwitchRefused::NotModified));
    // A position refuses it (110024).
    fill_at(&mut s, on(PositionIdx::Long, req("a", Side::Buy, "0.1", None)), "30000", 10);
    assert_eq!(s.switch_position_mode(btc(), PositionMode::OneWay), Err(SwitchRefused::HasPosition));
}

#[test]
fn the_wrong_idx_for_the_mode_is_rejected() {
    let mut s = hedge_sim();
    let out = place(&mut s, req("z", Side::Buy, "0.1", None), 2);
    let u = updates(&out)[0];
    assert_eq!((u.status, u.reason), (OrderStatus::Rejected, Some(RejectReason::Other)));
    // ETHUSDT is still one-way: idx 1 does not match it.
    let mut r = on(PositionIdx::Long, req("y", Side::Buy, "1", None));
    r.symbol = eth();
    let t = Trade { symbol: eth(), ts_ms: 3, price: p("2000"), qty: q("1"), taker_side: Side::Sell, trade_id: 3 };
    feed(&mut s, Event::Trade(t));
    assert_eq!(updates(&place(&mut s, r, 3))[0].status, OrderStatus::Rejected);
}

#[test]
fn long_and_short_sides_carry_their_own_entry_pnl_margin_and_liquidation() {
    let mut s = hedge_sim();
    // Long 0.1 @ 30,000: fee 3,000 × 0.00055 = 1.65. Short 0.2 @ 30,000: fee 6,000 × 0.00055 = 3.3.
    let out = fill_at(&mut s, on(PositionIdx::Long, req("a", Side::Buy, "0.1", None)), "30000", 10);
    assert_eq!(fills(&out)[0].fee, m("1.65"));
    // Both sides are reported after a change.
    let reported: Vec<(PositionIdx, Qty)> = out
        .iter()
        .filter_map(|e| if let Event::Position(p) = e { Some((p.position_idx, p.size)) } else { None })
        .collect();
    assert_eq!(reported, vec![(PositionIdx::Long, q("0.1")), (PositionIdx::Short, Qty::ZERO)]);
    fill_at(&mut s, on(PositionIdx::Short, req("b", Side::Sell, "0.2", None)), "30000", 20);
    let long = s.position_of(btc(), PositionIdx::Long).unwrap();
    let short = s.position_of(btc(), PositionIdx::Short).unwrap();
    assert_eq!((long.size, long.entry_value, long.margin), (q("0.1"), m("3000"), m("300")));
    assert_eq!((short.size, short.entry_value, short.margin), (q("-0.2"), m("6000"), m("600")));
    // Liquidation: long 30,000 × (1 − 0.1 + 0.005) = 27,150; short 30,000 × 1.095 = 32,850.
    assert_eq!((long.liq_price, short.liq_price), (Some(p("27150")), Some(p("32850"))));
    assert_eq!(s.position_of(btc(), PositionIdx::OneWay), None);
    // Wallet 10,000 − 1.65 − 3.3; both margins held.
    let b = s.balance();
    assert_eq!((b.wallet_balance, b.used_margin), (m("9995.05"), m("900")));
    // At 31,000: long +100, short −200 unrealised.
    feed(&mut s, trade(30, "31000", "1"));
    assert_eq!(s.balance().unrealised_pnl, m("-100"));

    // A reduce-only Sell on idx 1 closes part of the long: (31,000 − 30,000) × 0.05 = +50, fee
    // 1,550 × 0.00055 = 0.8525. The short does not move.
    let mut r = on(PositionIdx::Long, req("c", Side::Sell, "0.05", None));
    r.reduce_only = true;
    fill_at(&mut s, r, "31000", 40);
    let long = s.position_of(btc(), PositionIdx::Long).unwrap();
    assert_eq!((long.size, long.entry_value), (q("0.05"), m("1500")));
    assert_eq!(s.position_of(btc(), PositionIdx::Short).unwrap().size, q("-0.2"));
    // A Buy on idx 2 closes the short (reduce-only or not): (30,000 − 31,000) × 0.2 = −200, fee 3.41.
    fill_at(&mut s, on(PositionIdx::Short, req("d", Side::Buy, "0.5", None)), "31000", 50);
    let short = s.position_of(btc(), PositionIdx::Short).unwrap();
    assert_eq!((short.size, short.margin), (Qty::ZERO, Money::ZERO));
    // 9,995.05 + 50 − 0.8525 − 200 − 3.41.
    assert_eq!(s.balance().wallet_balance, m("9840.7875"));
    assert_eq!(s.position_of(btc(), PositionIdx::Long).unwrap().size, q("0.05"));
}

#[test]
fn reduce_only_goes_against_the_orders_idx_side() {
    let mut s = hedge_sim();
    fill_at(&mut s, on(PositionIdx::Long, req("a", Side::Buy, "0.1", None)), "30000", 10);
    // Reduce-only Buy on idx 1 would grow the long: rejected.
    let mut r = on(PositionIdx::Long, req("b", Side::Buy, "0.1", None));
    r.reduce_only = true;
    let u = updates(&place(&mut s, r, 20))[0];
    assert_eq!((u.status, u.reason), (OrderStatus::Rejected, Some(RejectReason::ReduceOnlyWouldIncrease)));
    // Reduce-only Buy on idx 2 with no short: nothing to reduce.
    let mut r = on(PositionIdx::Short, req("c", Side::Buy, "0.1", None));
    r.reduce_only = true;
    assert_eq!(updates(&place(&mut s, r, 21))[0].status, OrderStatus::Rejected);
    // A Sell of 0.3 on idx 1 is clipped to the long's 0.1: it never opens a short there.
    let mut r = on(PositionIdx::Long, req("d", Side::Sell, "0.3", None));
    r.reduce_only = true;
    let out = fill_at(&mut s, r, "30000", 30);
    assert_eq!(fills(&out).iter().map(|f| f.qty).sum::<Qty>(), q("0.1"));
    assert_eq!(s.position_of(btc(), PositionIdx::Long).unwrap().size, Qty::ZERO);
    assert_eq!(s.position_of(btc(), PositionIdx::Short).unwrap().size, Qty::ZERO);
}

#[test]
fn one_side_liquidates_alone() {
    let mut s = hedge_sim();
    fill_at(&mut s, on(PositionIdx::Long, req("a", Side::Buy, "0.1", None)), "30000", 10);
    fill_at(&mut s, on(PositionIdx::Short, req("b", Side::Sell, "0.1", None)), "30000", 20);
    // A trade at 27,150 reaches the long's liquidation price; the short stays.
    let out = feed(&mut s, trade(30, "27150", "1"));
    let f = fills(&out);
    assert_eq!((f.len(), f[0].side, f[0].price, f[0].qty), (1, Side::Sell, p("27150"), q("0.1")));
    assert_eq!(s.position_of(btc(), PositionIdx::Long).unwrap().size, Qty::ZERO);
    let short = s.position_of(btc(), PositionIdx::Short).unwrap();
    // The short gained (30,000 − 27,150) × 0.1 = 285 unrealised.
    assert_eq!((short.size, short.unrealised_pnl), (q("-0.1"), m("285")));
}

#[test]
fn a_sim_configured_for_hedge_mode_starts_every_symbol_in_it() {
    let cfg = SimConfig { position_mode: PositionMode::Hedge, ..super::tests::config() };
    let s = super::tests::sim_with(cfg, "10000");
    assert_eq!((s.position_mode(btc()), s.position_mode(eth())), (PositionMode::Hedge, PositionMode::Hedge));
    assert_eq!(s.position(btc()).position_idx, PositionIdx::Long);
}
