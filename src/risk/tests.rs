use super::*;
use crate::domain::{ClientOrderId, OrderType, Symbol, TimeInForce};

fn btc() -> Instrument {
    Instrument::demo(Symbol::new("BTCUSDT").unwrap(), "0.1", "0.001", "0.001", "100")
}

fn req(side: Side, qty: &str, origin: OrderOrigin) -> OrderRequest {
    OrderRequest {
        client_order_id: ClientOrderId::new("r-1").unwrap(),
        symbol: Symbol::new("BTCUSDT").unwrap(),
        side,
        order_type: OrderType::Market,
        qty: qty.parse().unwrap(),
        price: None,
        trigger_price: None,
        trigger_direction: None,
        time_in_force: TimeInForce::Ioc,
        reduce_only: false,
        origin,
        decision_price: Price::from_int(50_000),
        ts_ms: 0,
    }
}

fn ctx<'a>(i: &'a Instrument, position: &str, exposure: i64) -> RiskContext<'a> {
    RiskContext {
        instrument: i,
        position: position.parse().unwrap(),
        last_price: Price::from_int(50_000),
        equity: Money::from_int(10_000),
        total_exposure: Money::from_int(exposure),
        open_positions: usize::from(!position.starts_with('0')),
    }
}

#[test]
fn sizing_risks_the_fraction_and_respects_caps() {
    let r = RiskEngine::new(RiskConfig::default());
    let i = btc();
    // 0.5 % of 10,000 = 50 USDT at risk over a 500 USDT stop distance = 0.1 BTC (5,000 USDT).
    let q = r.size_for_stop(Money::from_int(10_000), Price::from_int(50_000), Price::from_int(49_500), &i, Money::ZERO);
    assert_eq!(q.to_string(), "0.1");
    // A 50 USDT stop would ask for 1 BTC = 50,000 USDT; leverage 3x of 10,000 caps it at 30,000 -> 0.6.
    let q = r.size_for_stop(Money::from_int(10_000), Price::from_int(50_000), Price::from_int(49_950), &i, Money::ZERO);
    assert_eq!(q.to_string(), "0.6");
    // With 20,000 already exposed only 10,000 of headroom is left -> 0.2.
    let q = r.size_for_stop(
        Money::from_int(10_000),
        Price::from_int(50_000),
        Price::from_int(49_950),
        &i,
        Money::from_int(20_000),
    );
    assert_eq!(q.to_string(), "0.2");
    // 0.5 % of 10,000 over 700 = 0.0714.. rounds DOWN to the 0.001 step.
    let q = r.size_for_stop(Money::from_int(10_000), Price::from_int(50_000), Price::from_int(49_300), &i, Money::ZERO);
    assert_eq!(q.to_string(), "0.071");
    assert_eq!(
        r.size_for_stop(Money::from_int(10_000), Price::from_int(50_000), Price::from_int(50_000), &i, Money::ZERO),
        Qty::ZERO
    );
}

#[test]
fn limits_refuse_with_the_limit_and_the_excess() {
    let cfg = RiskConfig { max_position_notional: 20_000.0, ..RiskConfig::default() };
    let r = RiskEngine::new(cfg);
    let i = btc();
    assert!(r.check(req(Side::Buy, "0.4", OrderOrigin::Strategy(0)), &ctx(&i, "0", 0)).is_ok());
    let e = r.check(req(Side::Buy, "0.5", OrderOrigin::Strategy(0)), &ctx(&i, "0", 0)).unwrap_err();
    assert_eq!(e.reason, "BTCUSDT position would be 25000.00 USDT, over the per-symbol limit 20000.00 by 5000.00");
    // Total exposure: 3x of 10,000 = 30,000; 15,000 elsewhere + 0.4 BTC (20,000) = 35,000.
    let e = r.check(req(Side::Buy, "0.4", OrderOrigin::Strategy(0)), &ctx(&i, "0", 15_000)).unwrap_err();
    assert_eq!(e.reason, "total exposure would be 35000.00 USDT, over 3.0x equity (30000.00) by 5000.00");
    // Reducing orders always pass the size limits.
    assert!(r.check(req(Side::Sell, "0.5", OrderOrigin::Strategy(0)), &ctx(&i, "0.5", 25_000)).is_ok());
    // Instrument rules: off-step quantity.
    let e = r.check(req(Side::Buy, "0.0005", OrderOrigin::Strategy(0)), &ctx(&i, "0", 0)).unwrap_err();
    assert!(e.reason.contains("not a multiple of the step 0.001"), "{}", e.reason);
}

#[test]
fn halted_and_reducing_states_only_let_exits_through() {
    let mut r = RiskEngine::new(RiskConfig::default());
    let i = btc();
    r.set_state(TradingState::Halted);
    let e = r.check(req(Side::Buy, "0.1", OrderOrigin::Strategy(0)), &ctx(&i, "0", 0)).unwrap_err();
    assert!(e.reason.starts_with("trading is halted"));
    assert!(r.check(req(Side::Sell, "0.2", OrderOrigin::Flatten), &ctx(&i, "0.2", 10_000)).is_ok());
    r.set_state(TradingState::Reducing);
    assert!(r.check(req(Side::Buy, "0.1", OrderOrigin::Strategy(0)), &ctx(&i, "0.2", 10_000)).is_err());
    assert!(r.check(req(Side::Sell, "0.1", OrderOrigin::Strategy(0)), &ctx(&i, "0.2", 10_000)).is_ok());
    // A flip is not a reduction.
    assert!(r.check(req(Side::Sell, "0.3", OrderOrigin::Strategy(0)), &ctx(&i, "0.2", 10_000)).is_err());
}

#[test]
fn manual_orders_get_fat_finger_checks() {
    let r = RiskEngine::new(RiskConfig::default());
    let i = btc();
    let mut m = req(Side::Buy, "0.1", OrderOrigin::Manual);
    m.order_type = OrderType::Limit;
    m.price = Some(Price::from_int(56_000));
    let e = r.check(m, &ctx(&i, "0", 0)).unwrap_err();
    assert_eq!(e.reason, "fat finger: price 56000 is 12.00% from last 50000 (limit 5.00%)");
    m.price = Some(Price::from_int(49_000));
    assert!(r.check(m, &ctx(&i, "0", 0)).is_ok());
    let big = req(Side::Buy, "0.6", OrderOrigin::Manual);
    let e = r.check(big, &ctx(&i, "0", 0)).unwrap_err();
    assert_eq!(e.reason, "manual order value 30000.00 USDT exceeds the limit 25000.00 by 5000.00");
    let mut ro = req(Side::Buy, "0.1", OrderOrigin::Manual);
    ro.reduce_only = true;
    assert!(r.check(ro, &ctx(&i, "0", 0)).unwrap_err().reason.starts_with("reduce-only Buy 0.1"));
}

#[test]
fn stop_prices_land_on_the_tick_grid_away_from_entry() {
    let i = btc();
    assert_eq!(stop_price(Side::Buy, Price::from_int(50_000), 123.456, &i).unwrap().to_string(), "49876.5");
    assert_eq!(stop_price(Side::Sell, Price::from_int(50_000), 123.456, &i).unwrap().to_string(), "50123.5");
    assert_eq!(stop_price(Side::Buy, Price::from_int(100), 200.0, &i), None);
}
