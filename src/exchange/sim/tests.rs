//! Order-path tests of the simulator: fees, book walking, time in force, post-only, reduce-only,
//! maker fills from trades and candles, stops, rejections. Numbers are worked out by hand.

use super::*;
use crate::domain::{
    BookUpdate, BookUpdateKind, Candle, Fill, Interval, Level, OrderOrigin, OrderRequest, OrderType, Side, Ticker,
    TimeInForce, Trade,
};

pub(super) fn p(s: &str) -> Price {
    s.parse().unwrap()
}
pub(super) fn q(s: &str) -> Qty {
    s.parse().unwrap()
}
pub(super) fn m(s: &str) -> Money {
    s.parse().unwrap()
}
pub(super) fn btc() -> Symbol {
    Symbol::new("BTCUSDT").unwrap()
}
pub(super) fn eth() -> Symbol {
    Symbol::new("ETHUSDT").unwrap()
}

pub(super) fn config() -> SimConfig {
    SimConfig { slippage_bps: 0, ..SimConfig::default() }
}

pub(super) fn sim_with(cfg: SimConfig, balance: &str) -> SimExchange {
    let insts = [
        Instrument::demo(btc(), "0.1", "0.001", "0.001", "100"),
        Instrument::demo(eth(), "0.01", "0.01", "0.01", "1000"),
    ];
    SimExchange::new(cfg, &insts, m(balance))
}

pub(super) fn sim() -> SimExchange {
    sim_with(config(), "10000")
}

pub(super) fn req(id: &str, side: Side, qty: &str, price: Option<&str>) -> OrderRequest {
    OrderRequest {
        position_idx: Default::default(),
        client_order_id: ClientOrderId::new(id).unwrap(),
        symbol: btc(),
        side,
        order_type: if price.is_some() { OrderType::Limit } else { OrderType::Market },
        qty: q(qty),
        price: price.map(p),
        trigger_price: None,
        trigger_direction: None,
        time_in_force: TimeInForce::Gtc,
        reduce_only: false,
        origin: OrderOrigin::Manual,
        decision_price: Price::ZERO,
        ts_ms: 0,
    }
}

pub(super) fn trade(ts: i64, price: &str, qty: &str) -> Event {
    Event::Trade(Trade {
        symbol: btc(),
        ts_ms: ts,
        price: p(price),
        qty: q(qty),
        taker_side: Side::Sell,
        trade_id: ts as u64,
    })
}

pub(super) fn candle(ts: i64, o: &str, h: &str, l: &str, c: &str) -> Event {
    Event::Candle(Candle {
        symbol: btc(),
        interval: Interval::M1,
        ts_ms: ts,
        open: p(o),
        high: p(h),
        low: p(l),
        close: p(c),
        volume: 10.0,
        turnover: 0.0,
        closed: true,
    })
}

pub(super) fn ticker(symbol: Symbol, ts: i64, last: &str, mark: &str, rate: &str) -> Event {
    Event::Ticker(Ticker {
        symbol,
        ts_ms: ts,
        last_price: p(last),
        mark_price: p(mark),
        index_price: p(mark),
        bid1: Price::ZERO,
        ask1: Price::ZERO,
        funding_rate: rate.parse().unwrap(),
        next_funding_ms: 0,
        open_interest: 0.0,
        volume_24h: 0.0,
        turnover_24h: 0.0,
        price_24h_pct: 0.0,
    })
}

fn book(update_id: u64, kind: BookUpdateKind, bids: &[(&str, &str)], asks: &[(&str, &str)]) -> Event {
    let lv = |v: &[(&str, &str)]| v.iter().map(|(a, b)| Level { price: p(a), qty: q(b) }).collect();
    Event::Book(BookUpdate {
        symbol: btc(),
        ts_ms: update_id as i64,
        kind,
        update_id,
        seq: update_id,
        bids: lv(bids),
        asks: lv(asks),
    })
}

pub(super) fn place(s: &mut SimExchange, r: OrderRequest, ts: i64) -> Vec<Event> {
    let mut out = Vec::new();
    s.execute(&Action::PlaceOrder(r), ts, &mut out);
    out
}

pub(super) fn feed(s: &mut SimExchange, e: Event) -> Vec<Event> {
    let mut out = Vec::new();
    s.on_market(&e, &mut out);
    out
}

pub(super) fn fills(events: &[Event]) -> Vec<Fill> {
    events.iter().filter_map(|e| if let Event::Fill(f) = e { Some(*f) } else { None }).collect()
}

pub(super) fn updates(events: &[Event]) -> Vec<OrderUpdate> {
    events.iter().filter_map(|e| if let Event::Order(o) = e { Some(*o) } else { None }).collect()
}

/// Fills `side qty` at `price` with a market order in a trade-driven market.
pub(super) fn open_at(s: &mut SimExchange, id: &str, side: Side, qty: &str, price: &str, ts: i64) -> Vec<Event> {
    feed(s, trade(ts, price, "1"));
    let placed = place(s, req(id, side, qty, None), ts);
    assert_eq!(updates(&placed)[0].status, OrderStatus::New, "{placed:?}");
    feed(s, trade(ts + 1, price, "1"))
}

#[test]
fn taker_market_fill_pays_taker_fee_and_slippage() {
    let mut s = sim_with(SimConfig { slippage_bps: 10, ..config() }, "10000");
    feed(&mut s, trade(1, "30000", "1"));
    let placed = place(&mut s, req("a", Side::Buy, "0.1", None), 1);
    assert_eq!(updates(&placed)[0].status, OrderStatus::New);
    assert!(fills(&placed).is_empty(), "orders act on the next market event");
    // Acts at the last price before this trade: 30000 × 1.001 = 30030; value 3003; fee × 0.00055.
    let out = feed(&mut s, trade(2, "30010", "1"));
    let f = fills(&out);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].price, f[0].qty, f[0].is_maker), (p("30030"), q("0.1"), false));
    assert_eq!(f[0].fee, m("1.65165"));
    assert_eq!(f[0].exec_id.as_str(), "sim-e-000001");
    assert_eq!(f[0].order_id.as_str(), "sim-o-000001");
    assert_eq!(updates(&out).last().unwrap().status, OrderStatus::Filled);
    assert!(matches!(out[out.len() - 2], Event::Position(_)));
    let Event::Balance(b) = out[out.len() - 1] else { panic!("balance last: {out:?}") };
    // At the fill the mark is still 30000: unrealised 3000 − 3003 = −3; margin 3003 / 10.
    assert_eq!(b.wallet_balance, m("9998.34835"));
    assert_eq!((b.unrealised_pnl, b.equity), (m("-3"), m("9995.34835")));
    assert_eq!((b.used_margin, b.available), (m("300.3"), m("9695.04835")));
    // After the trade the mark is 30010: unrealised 3001 − 3003 = −2; available 9998.34835 − 2 − 300.3.
    let b = s.balance();
    assert_eq!((b.unrealised_pnl, b.equity), (m("-2"), m("9996.34835")));
    assert_eq!(b.available, m("9696.04835"));
    // Unrealised profit is not spendable: at mark 30100 (3010 − 3003 = +7) available is 9998.34835 − 300.3.
    feed(&mut s, trade(3, "30100", "1"));
    let b = s.balance();
    assert_eq!((b.unrealised_pnl, b.equity, b.available), (m("7"), m("10005.34835"), m("9698.04835")));
    assert_eq!(s.fees_paid(), m("1.65165"));
}

#[test]
fn market_order_walks_three_levels_then_cancels_the_rest() {
    let mut s = sim();
    let asks = [("100", "0.5"), ("101", "1"), ("102", "2")];
    feed(&mut s, book(1, BookUpdateKind::Snapshot, &[("99", "1")], &asks));
    place(&mut s, req("a", Side::Buy, "4", None), 1);
    let out = feed(&mut s, book(2, BookUpdateKind::Delta, &[], &[]));
    let f = fills(&out);
    let got: Vec<_> = f.iter().map(|f| (f.price, f.qty)).collect();
    assert_eq!(got, vec![(p("100"), q("0.5")), (p("101"), q("1")), (p("102"), q("2"))]);
    // Fees 50 × 0.00055 + 101 × 0.00055 + 204 × 0.00055 = 0.0275 + 0.05555 + 0.1122.
    assert_eq!(f.iter().map(|f| f.fee).sum::<Money>(), m("0.19525"));
    let last = *updates(&out).last().unwrap();
    assert_eq!((last.status, last.filled_qty), (OrderStatus::PartiallyFilledCanceled, q("3.5")));
    // VWAP 355 / 3.5 = 101.428571428... -> 101.42857143.
    let pos = s.position(btc());
    assert_eq!(pos.entry_value, m("355"));
    assert_eq!(pos.entry_price().unwrap(), p("101.42857143"));
    assert_eq!(s.open_orders().count(), 0);
}

#[test]
fn ioc_and_fok_limits_against_the_book() {
    let mut s = sim();
    let asks = [("100", "0.5"), ("101", "1"), ("102", "2")];
    feed(&mut s, book(1, BookUpdateKind::Snapshot, &[("99", "1")], &asks));
    place(&mut s, req("fok", Side::Buy, "2", Some("101")).with_tif(TimeInForce::Fok), 1);
    let out = feed(&mut s, book(2, BookUpdateKind::Delta, &[], &[]));
    assert!(fills(&out).is_empty());
    let u = updates(&out)[0];
    assert_eq!((u.status, u.reason), (OrderStatus::Cancelled, Some(RejectReason::NoLiquidity)));
    place(&mut s, req("ioc", Side::Buy, "2", Some("101")).with_tif(TimeInForce::Ioc), 2);
    let out = feed(&mut s, book(3, BookUpdateKind::Delta, &[], &[]));
    assert_eq!(fills(&out).iter().map(|f| f.qty).sum::<Qty>(), q("1.5"));
    assert_eq!(updates(&out).last().unwrap().status, OrderStatus::PartiallyFilledCanceled);
    // A GTC limit takes what is within its price and rests the remainder.
    place(&mut s, req("gtc", Side::Buy, "3", Some("102")), 3);
    let out = feed(&mut s, book(4, BookUpdateKind::Delta, &[], &[]));
    assert_eq!(fills(&out).iter().map(|f| f.qty).sum::<Qty>(), q("2"));
    assert_eq!(updates(&out).last().unwrap().status, OrderStatus::PartiallyFilled);
    assert_eq!(s.open_orders().next().unwrap().remaining(), q("1"));
}

#[test]
fn post_only_that_would_take_is_cancelled() {
    let mut s = sim();
    feed(&mut s, book(1, BookUpdateKind::Snapshot, &[("99", "1")], &[("100", "1")]));
    place(&mut s, req("po1", Side::Buy, "0.1", Some("100")).with_tif(TimeInForce::PostOnly), 1);
    place(&mut s, req("po2", Side::Buy, "0.1", Some("99.5")).with_tif(TimeInForce::PostOnly), 1);
    let out = feed(&mut s, book(2, BookUpdateKind::Delta, &[], &[]));
    let u = updates(&out);
    assert_eq!(u.len(), 1);
    assert_eq!(u[0].client_order_id.as_str(), "po1");
    assert_eq!((u[0].status, u[0].reason), (OrderStatus::Cancelled, Some(RejectReason::PostOnlyWouldTake)));
    assert!(fills(&out).is_empty());
    let rest: Vec<_> = s.open_orders().map(|o| o.client_order_id().to_string()).collect();
    assert_eq!(rest, vec!["po2".to_string()]);
}

#[test]
fn reduce_only_is_clipped_to_the_position_and_refused_when_it_would_increase() {
    let mut s = sim();
    open_at(&mut s, "open", Side::Buy, "0.1", "100", 1);
    assert_eq!(s.position(btc()).size, q("0.1"));
    let mut r = req("tp", Side::Sell, "0.3", Some("110"));
    r.reduce_only = true;
    let u = updates(&place(&mut s, r, 5))[0];
    assert_eq!((u.status, u.qty), (OrderStatus::New, q("0.1")));
    let mut grow = req("grow", Side::Buy, "0.1", Some("90"));
    grow.reduce_only = true;
    let u = updates(&place(&mut s, grow, 5))[0];
    assert_eq!((u.status, u.reason), (OrderStatus::Rejected, Some(RejectReason::ReduceOnlyWouldIncrease)));
    // A trade through 110 fills the clipped 0.1 and the position is flat.
    feed(&mut s, trade(6, "105", "1"));
    let out = feed(&mut s, trade(7, "110.5", "1"));
    assert_eq!(fills(&out)[0].qty, q("0.1"));
    assert!(s.position(btc()).is_flat());
}

#[test]
fn resting_limit_fills_as_maker_from_trade_prints() {
    let mut s = sim();
    feed(&mut s, trade(1, "100", "1"));
    place(&mut s, req("bid", Side::Buy, "0.5", Some("99")), 1);
    assert!(fills(&feed(&mut s, trade(2, "99.5", "1"))).is_empty());
    // A print at our price is not through it.
    assert!(fills(&feed(&mut s, trade(3, "99", "1"))).is_empty());
    let out = feed(&mut s, trade(4, "98.9", "0.2"));
    let f = fills(&out);
    assert_eq!((f[0].price, f[0].qty, f[0].is_maker), (p("99"), q("0.2"), true));
    // 19.8 × 0.0002 = 0.00396.
    assert_eq!(f[0].fee, m("0.00396"));
    assert_eq!(updates(&out)[0].status, OrderStatus::PartiallyFilled);
    let out = feed(&mut s, trade(5, "98.8", "1"));
    let f = fills(&out);
    assert_eq!((f[0].qty, f[0].fee), (q("0.3"), m("0.00594")));
    assert_eq!(updates(&out)[0].status, OrderStatus::Filled);
    assert_eq!(s.fees_paid(), m("0.0099"));
    assert_eq!(s.balance().wallet_balance, m("9999.9901"));
}

#[test]
fn resting_limit_fills_from_a_candle_range() {
    let mut s = sim();
    feed(&mut s, candle(0, "100", "101", "99", "100"));
    place(&mut s, req("bid", Side::Buy, "1", Some("98")), 60_000);
    // The low only touches 98: no fill.
    assert!(fills(&feed(&mut s, candle(60_000, "100", "100.5", "98", "99"))).is_empty());
    let out = feed(&mut s, candle(120_000, "99", "99.5", "97.5", "98.5"));
    let f = fills(&out);
    assert_eq!((f[0].price, f[0].qty, f[0].is_maker), (p("98"), q("1"), true));
    assert_eq!(f[0].fee, m("0.0196"));
    assert_eq!(s.position(btc()).size, q("1"));
    // Mark is the close 98.5: unrealised +0.5.
    assert_eq!(s.balance().unrealised_pnl, m("0.5"));
}

#[test]
fn stop_triggers_on_a_candle_and_fills_at_the_gap_open() {
    let mut s = sim();
    feed(&mut s, candle(0, "100", "100", "100", "100"));
    place(&mut s, req("buy", Side::Buy, "1", None), 0);
    let out = feed(&mut s, candle(60_000, "100", "101", "99", "100"));
    assert_eq!(fills(&out)[0].price, p("100"));
    let mut stop = req("sl", Side::Sell, "1", None);
    stop.trigger_price = Some(p("95"));
    stop.trigger_direction = Some(TriggerDirection::Falling);
    stop.reduce_only = true;
    assert_eq!(updates(&place(&mut s, stop, 60_000))[0].status, OrderStatus::Untriggered);
    // The bar opens at 93, through the 95 trigger: the sell fills at the worse price, 93.
    let out = feed(&mut s, candle(120_000, "93", "94", "92", "93.5"));
    let statuses: Vec<_> = updates(&out).iter().map(|u| u.status).collect();
    assert_eq!(statuses, vec![OrderStatus::Triggered, OrderStatus::Filled]);
    let f = fills(&out);
    assert_eq!((f[0].price, f[0].fee), (p("93"), m("0.05115")));
    // (93 − 100) × 1 − 0.055 − 0.05115.
    assert_eq!(s.balance().wallet_balance, m("9992.89385"));
    assert!(s.position(btc()).is_flat());
}

#[test]
fn stop_inside_a_bar_fills_at_the_trigger_plus_slippage() {
    let mut s = sim_with(SimConfig { slippage_bps: 10, ..config() }, "10000");
    feed(&mut s, candle(0, "100", "100", "100", "100"));
    let mut stop = req("brk", Side::Buy, "1", None);
    stop.trigger_price = Some(p("105"));
    // Direction inferred from the last price (105 > 100: rising).
    place(&mut s, stop, 0);
    let out = feed(&mut s, candle(60_000, "101", "106", "100.5", "105.5"));
    // 105 × 1.001 = 105.105 -> up to the tick: 105.2.
    assert_eq!(fills(&out)[0].price, p("105.2"));
}

#[test]
fn stop_limit_takes_when_marketable_and_rests_after_a_gap() {
    let mut s = sim();
    feed(&mut s, candle(0, "100", "100", "100", "100"));
    let stop_limit = |id: &str| {
        let mut r = req(id, Side::Buy, "1", Some("105.5"));
        r.trigger_price = Some(p("105"));
        r.trigger_direction = Some(TriggerDirection::Rising);
        r
    };
    place(&mut s, stop_limit("a"), 0);
    // Triggered at 105 inside the bar; 105.5 >= 105 so it takes at 105.
    let out = feed(&mut s, candle(60_000, "101", "107", "100.5", "106"));
    assert_eq!(fills(&out)[0].price, p("105"));
    place(&mut s, stop_limit("b"), 60_000);
    // Opens at 106, through the trigger: base 106 is above the 105.5 limit, so it rests.
    let out = feed(&mut s, candle(120_000, "106", "107", "105.6", "106.5"));
    assert!(fills(&out).is_empty());
    assert_eq!(updates(&out)[0].status, OrderStatus::Triggered);
    // A later bar trading through 105.5 fills it as maker.
    let f = fills(&feed(&mut s, candle(180_000, "106", "106", "105", "105.2")));
    assert_eq!((f[0].price, f[0].is_maker), (p("105.5"), true));
}

#[test]
fn candle_orders_arriving_inside_a_bar_act_at_its_close() {
    let mut s = sim_with(SimConfig { latency_ms: 30_000, ..config() }, "10000");
    feed(&mut s, candle(0, "100", "100", "100", "100"));
    place(&mut s, req("late", Side::Buy, "1", None), 60_000);
    let f = fills(&feed(&mut s, candle(60_000, "101", "103", "99", "102")));
    assert_eq!((f[0].price, f[0].ts_ms), (p("102"), 120_000));
    // An unfinished bar is a price tick: a market order acts at its close.
    place(&mut s, req("tick", Side::Sell, "1", None), 120_000);
    let mut partial = candle(120_000, "102", "104", "101", "103.5");
    if let Event::Candle(c) = &mut partial {
        c.closed = false;
    }
    feed(&mut s, partial.clone());
    let f = fills(
        &feed(&mut s, Event::Timer { ts_ms: 150_000 }).into_iter().chain(feed(&mut s, partial)).collect::<Vec<_>>(),
    );
    assert_eq!(f[0].price, p("103.5"));
    assert!(s.position(btc()).is_flat());
}

#[test]
fn rejections_carry_reasons() {
    let mut s = sim_with(config(), "100");
    feed(&mut s, trade(1, "100", "1"));
    let reason = |s: &mut SimExchange, r| updates(&place(s, r, 1))[0].reason;
    assert_eq!(reason(&mut s, req("t", Side::Buy, "0.1", Some("100.05"))), Some(RejectReason::InvalidPrice));
    // 0.001 × 100 = 0.1 USDT, below the 5 USDT minimum value.
    assert_eq!(reason(&mut s, req("n", Side::Buy, "0.001", Some("100"))), Some(RejectReason::InvalidQty));
    // 11 × 100 / 10 = 110 initial margin > 100 available.
    assert_eq!(reason(&mut s, req("b", Side::Buy, "11", Some("100"))), Some(RejectReason::InsufficientBalance));
    assert_eq!(reason(&mut s, req("ok", Side::Buy, "9", Some("99"))), None);
    assert_eq!(reason(&mut s, req("ok", Side::Buy, "0.1", Some("99"))), Some(RejectReason::DuplicateClientId));
    // 9 × 99 / 10 = 89.1 is now held for the resting order: 0.2 × 99 / 10 = 1.98 more is fine,
    // 1.2 × 99 / 10 = 11.88 is not (100 − 89.1 = 10.9 left).
    let b = s.balance();
    assert_eq!((b.used_margin, b.available), (m("89.1"), m("10.9")));
    assert_eq!(reason(&mut s, req("c", Side::Buy, "1.2", Some("99"))), Some(RejectReason::InsufficientBalance));
    let r = updates(&place(&mut s, req("d", Side::Buy, "0.001", Some("100")), 1))[0];
    assert_eq!((r.status, r.order_id), (OrderStatus::Rejected, None));
}

#[test]
fn latency_delays_arrival_and_amend_reprices() {
    let mut s = sim_with(SimConfig { latency_ms: 500, ..config() }, "10000");
    feed(&mut s, trade(1000, "100", "1"));
    place(&mut s, req("mkt", Side::Buy, "1", None), 1000);
    assert!(fills(&feed(&mut s, trade(1200, "101", "1"))).is_empty());
    let out = feed(&mut s, trade(1500, "102", "1"));
    assert_eq!(fills(&out)[0].price, p("101"));
    place(&mut s, req("bid", Side::Buy, "1", Some("95")), 1500);
    feed(&mut s, trade(2000, "102", "1"));
    let mut out = Vec::new();
    let amend = Action::AmendOrder {
        symbol: btc(),
        client_order_id: ClientOrderId::new("bid").unwrap(),
        qty: None,
        price: Some(p("103")),
        trigger_price: None,
    };
    s.execute(&amend, 2100, &mut out);
    assert_eq!(updates(&out)[0].price, Some(p("103")));
    // It crosses the last price 102 and trades as taker once it arrives (2600).
    assert!(fills(&feed(&mut s, trade(2500, "102", "1"))).is_empty());
    let f = fills(&feed(&mut s, trade(2600, "102.5", "1")));
    assert_eq!((f[0].price, f[0].is_maker), (p("102"), false));
    let mut out = Vec::new();
    let cancel = Action::CancelOrder { symbol: btc(), client_order_id: ClientOrderId::new("nope").unwrap() };
    s.execute(&cancel, 2700, &mut out);
    assert_eq!(updates(&out)[0].reason, Some(RejectReason::UnknownOrder));
}

#[test]
fn same_inputs_give_the_same_events() {
    let run = || {
        let mut s = sim_with(SimConfig { slippage_bps: 3, synthetic_depth: true, ..config() }, "10000");
        let mut all = Vec::new();
        all.extend(feed(&mut s, candle(0, "100", "101", "99", "100")));
        all.extend(place(&mut s, req("a", Side::Buy, "20", None), 0));
        all.extend(place(&mut s, req("b", Side::Sell, "5", Some("101.5")), 0));
        all.extend(feed(&mut s, candle(60_000, "100", "102", "99.5", "101")));
        all.extend(feed(&mut s, ticker(btc(), 70_000, "101", "101", "0.0001")));
        (all, s.balance())
    };
    let (a, ba) = run();
    let (b, bb) = run();
    assert_eq!(a, b);
    assert_eq!(ba, bb);
    // Synthetic ladder: 1 % of volume 10 = 0.1 per level, raised to 20 / 20 = 1 per level.
    let f = fills(&a);
    assert_eq!(f.len(), 21);
    assert_eq!((f[0].price, f[0].qty), (p("100.1"), q("1")));
    assert_eq!((f[19].price, f[19].qty), (p("102"), q("1")));
    assert_eq!((f[20].price, f[20].is_maker), (p("101.5"), true));
}

trait WithTif {
    fn with_tif(self, tif: TimeInForce) -> Self;
}

impl WithTif for OrderRequest {
    fn with_tif(mut self, tif: TimeInForce) -> Self {
        self.time_in_force = tif;
        self
    }
}
