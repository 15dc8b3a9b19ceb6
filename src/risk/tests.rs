use super::*;
use crate::domain::{ClientOrderId, OrderType, Symbol, TimeInForce};

fn btc() -> Instrument {
    Instrument::demo(Symbol::new("BTCUSDT").unwrap(), "0.1", "0.001", "0.001", "100")
}

fn req(side: Side, qty: &str, origin: OrderOrigin) -> OrderRequest {
    OrderRequest {
        position_idx: Default::default(),
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
        mark_price: Price::ZERO,
        open_buy: Qty::ZERO,
        open_sell: Qty::ZERO,
        others: &[],
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
    assert_eq!(e.reason(), "per-symbol exposure 25,000.00 USDT exceeds limit 20,000.00 by 5,000.00");
    let b = e.breach().unwrap();
    assert_eq!(
        (b.kind, b.value, b.limit, b.excess),
        (LimitKind::PerSymbolExposure, Money::from_int(25_000), Money::from_int(20_000), Money::from_int(5_000))
    );
    // Total exposure: 3x of 10,000 = 30,000; 15,000 elsewhere + 0.4 BTC (20,000) = 35,000.
    let e = r.check(req(Side::Buy, "0.4", OrderOrigin::Strategy(0)), &ctx(&i, "0", 15_000)).unwrap_err();
    assert_eq!(e.reason(), "leverage 3.50x exceeds limit 3.00x by 0.50x");
    // Reducing orders always pass the size limits.
    assert!(r.check(req(Side::Sell, "0.5", OrderOrigin::Strategy(0)), &ctx(&i, "0.5", 25_000)).is_ok());
    // Instrument rules: off-step quantity.
    let e = r.check(req(Side::Buy, "0.0005", OrderOrigin::Strategy(0)), &ctx(&i, "0", 0)).unwrap_err();
    assert!(e.reason().contains("not a multiple of the step 0.001"), "{}", e.reason());
}

#[test]
fn halted_and_reducing_states_only_let_exits_through() {
    let mut r = RiskEngine::new(RiskConfig::default());
    let i = btc();
    r.set_state(TradingState::Halted);
    let e = r.check(req(Side::Buy, "0.1", OrderOrigin::Strategy(0)), &ctx(&i, "0", 0)).unwrap_err();
    assert!(e.reason().starts_with("trading is halted"));
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
    assert_eq!(e.reason(), "price distance from mark 12.00% exceeds limit 5.00% by 7.00%");
    m.price = Some(Price::from_int(49_000));
    assert!(r.check(m, &ctx(&i, "0", 0)).is_ok());
    let big = req(Side::Buy, "0.6", OrderOrigin::Manual);
    let e = r.check(big, &ctx(&i, "0", 0)).unwrap_err();
    assert_eq!(e.reason(), "manual order size 30,000.00 USDT exceeds limit 25,000.00 by 5,000.00");
    let mut ro = req(Side::Buy, "0.1", OrderOrigin::Manual);
    ro.reduce_only = true;
    assert!(r.check(ro, &ctx(&i, "0", 0)).unwrap_err().reason().starts_with("reduce-only Buy 0.1"));
}

#[test]
fn stop_prices_land_on_the_tick_grid_away_from_entry() {
    let i = btc();
    assert_eq!(stop_price(Side::Buy, Price::from_int(50_000), 123.456, &i).unwrap().to_string(), "49876.5");
    assert_eq!(stop_price(Side::Sell, Price::from_int(50_000), 123.456, &i).unwrap().to_string(), "50123.5");
    assert_eq!(stop_price(Side::Buy, Price::from_int(100), 200.0, &i), None);
}

fn wide_ctx<'a>(i: &'a Instrument, others: &'a [(Symbol, Money)]) -> RiskContext<'a> {
    RiskContext {
        instrument: i,
        position: Qty::ZERO,
        last_price: Price::from_int(50_000),
        mark_price: Price::ZERO,
        equity: Money::from_int(100_000),
        total_exposure: others.iter().map(|o| o.1.abs()).sum(),
        open_positions: others.len(),
        open_buy: Qty::ZERO,
        open_sell: Qty::ZERO,
        others,
    }
}

#[test]
fn every_numeric_limit_names_itself_and_the_excess() {
    let i = btc();
    let strat = |side, qty| req(side, qty, OrderOrigin::Strategy(0));
    // Order size: 0.3 BTC x 50,000 = 15,000 over 10,000.
    let r = RiskEngine::new(RiskConfig { max_order_notional: 10_000.0, ..RiskConfig::default() });
    let e = r.check(strat(Side::Buy, "0.3"), &ctx(&i, "0", 0)).unwrap_err();
    assert_eq!(e.reason(), "order size 15,000.00 USDT exceeds limit 10,000.00 by 5,000.00");
    // Total notional (absolute): 15,000 elsewhere + 20,000 = 35,000 over 30,000 (leverage 10x is loose).
    let r = RiskEngine::new(RiskConfig { max_total_notional: 30_000.0, max_leverage: 10.0, ..RiskConfig::default() });
    let e = r.check(strat(Side::Buy, "0.4"), &ctx(&i, "0", 15_000)).unwrap_err();
    assert_eq!(e.reason(), "total exposure 35,000.00 USDT exceeds limit 30,000.00 by 5,000.00");
    // Open positions: 2 held, a third symbol would make 3.
    let r = RiskEngine::new(RiskConfig::default());
    let mut c = ctx(&i, "0", 0);
    c.open_positions = 2;
    let e = r.check(strat(Side::Buy, "0.01"), &c).unwrap_err();
    assert_eq!(e.reason(), "open positions 3 exceeds limit 2 by 1");
    assert_eq!(e.breach().unwrap().kind, LimitKind::OpenPositions);
}

#[test]
fn working_orders_count_toward_the_per_symbol_limit() {
    let r = RiskEngine::new(RiskConfig { max_position_notional: 20_000.0, ..RiskConfig::default() });
    let i = btc();
    let mut c = ctx(&i, "0", 0);
    c.open_buy = "0.3".parse().unwrap(); // 15,000 already working
    assert!(r.check(req(Side::Buy, "0.1", OrderOrigin::Strategy(0)), &c).is_ok());
    let e = r.check(req(Side::Buy, "0.2", OrderOrigin::Strategy(0)), &c).unwrap_err();
    assert_eq!(e.reason(), "per-symbol exposure 25,000.00 USDT exceeds limit 20,000.00 by 5,000.00");
    // Working buys do not count against a sell.
    assert!(r.check(req(Side::Sell, "0.2", OrderOrigin::Strategy(0)), &c).is_ok());
}

#[test]
fn correlated_same_direction_positions_count_together() {
    let mut r = RiskEngine::new(RiskConfig { max_correlated_notional: 30_000.0, ..RiskConfig::default() });
    let i = btc();
    let eth = Symbol::new("ETHUSDT").unwrap();
    let others = [(eth, Money::from_int(15_000))];
    r.correlations_mut().set_correlation(Symbol::new("BTCUSDT").unwrap(), eth, 0.9);
    // 20,000 BTC long + 15,000 ETH long, correlation 0.9 >= 0.8: 35,000 over 30,000.
    let e = r.check(req(Side::Buy, "0.4", OrderOrigin::Strategy(0)), &wide_ctx(&i, &others)).unwrap_err();
    assert_eq!(e.reason(), "correlated exposure 35,000.00 USDT exceeds limit 30,000.00 by 5,000.00");
    // Opposite direction is not added; neither is a weakly correlated symbol.
    assert!(r.check(req(Side::Sell, "0.4", OrderOrigin::Strategy(0)), &wide_ctx(&i, &others)).is_ok());
    r.correlations_mut().set_correlation(eth, Symbol::new("BTCUSDT").unwrap(), 0.5);
    assert!(r.check(req(Side::Buy, "0.4", OrderOrigin::Strategy(0)), &wide_ctx(&i, &others)).is_ok());
}

#[test]
fn rolling_correlation_of_returns() {
    let mut t = CorrelationTracker::new(10);
    let (a, b, c) = (Symbol::new("AUSDT").unwrap(), Symbol::new("BUSDT").unwrap(), Symbol::new("CUSDT").unwrap());
    let mut pa = 100.0;
    for k in 0..12 {
        let up = if k % 3 == 0 { 1.02 } else { 0.99 };
        pa *= up;
        t.on_close(a, k * 60_000, pa);
        // B moves with A exactly (same returns): correlation 1. C moves against A: -1.
        t.on_close(b, k * 60_000, pa * 2.0);
        t.on_close(c, k * 60_000, 10_000.0 / pa);
    }
    assert!((t.correlation(a, b).unwrap() - 1.0).abs() < 1e-9);
    assert!((t.correlation(c, a).unwrap() + 1.0).abs() < 1e-9);
    // Not enough overlapping bars: no answer.
    let mut t = CorrelationTracker::new(10);
    t.on_close(a, 0, 1.0);
    t.on_close(a, 1, 2.0);
    t.on_close(b, 0, 1.0);
    t.on_close(b, 1, 2.0);
    assert_eq!(t.correlation(a, b), None);
}

#[test]
fn daily_loss_reduces_and_drawdown_halts() {
    let mut r = RiskEngine::new(RiskConfig::default());
    let t0 = 1_700_000_000_000 - 1_700_000_000_000 % 86_400_000;
    assert_eq!(r.on_equity(t0, Money::from_int(10_000)), None);
    // Loss of 350 in the day, the limit is 3 % of 10,000 = 300.
    let b = r.on_equity(t0 + 3_600_000, Money::from_int(9_650)).unwrap();
    let EquityBreach::DailyLoss(b) = b else { panic!("{b:?}") };
    assert_eq!(b.to_string(), "daily loss 350.00 USDT exceeds limit 300.00 by 50.00");
    assert_eq!((r.state(), r.state_cause()), (TradingState::Reducing, Some(LimitKind::DailyLoss)));
    let i = btc();
    let e = r.check(req(Side::Buy, "0.01", OrderOrigin::Strategy(0)), &ctx(&i, "0", 0)).unwrap_err();
    assert_eq!(e.reason(), "trading is reducing-only: the order would not reduce the position (daily loss limit hit)");
    // The next UTC day trading resumes.
    assert_eq!(r.on_equity(t0 + 25 * 3_600_000, Money::from_int(9_650)), None);
    assert_eq!(r.state(), TradingState::Active);
    // Peak 10,000 -> 8,900 is an 11 % drawdown over the 10 % limit: halt.
    let EquityBreach::Drawdown(b) = r.on_equity(t0 + 26 * 3_600_000, Money::from_int(8_900)).unwrap() else {
        panic!("drawdown expected")
    };
    assert_eq!(b.to_string(), "drawdown 11.00% exceeds limit 10.00% by 1.00%");
    assert_eq!(r.state(), TradingState::Halted);
    // Released by the operator: the peak is re-based, no immediate re-trip.
    r.set_state(TradingState::Active);
    assert_eq!(r.on_equity(t0 + 27 * 3_600_000, Money::from_int(8_900)), None);
    assert_eq!(r.state(), TradingState::Active);
}

#[test]
fn daily_loss_applies_when_the_balance_arrives_after_the_day_started() {
    let mut r = RiskEngine::new(RiskConfig::default());
    let t0 = 1_700_000_000_000 - 1_700_000_000_000 % 86_400_000;
    // Warm-up candles before the account snapshot: the engine's equity is still zero.
    assert_eq!(r.on_equity(t0 + 60_000, Money::ZERO), None);
    assert_eq!(r.on_equity(t0 + 120_000, Money::from_int(100_000)), None);
    // 3,100 lost since the balance became known: over 3 % of 100,000.
    let EquityBreach::DailyLoss(b) = r.on_equity(t0 + 180_000, Money::from_int(96_900)).unwrap() else {
        panic!("daily loss expected")
    };
    assert_eq!(b.to_string(), "daily loss 3,100.00 USDT exceeds limit 3,000.00 by 100.00");
    assert_eq!(r.state(), TradingState::Reducing);
}

#[test]
fn fat_finger_measures_from_the_mark_when_known() {
    let r = RiskEngine::new(RiskConfig::default());
    let i = btc();
    let mut m = req(Side::Buy, "0.1", OrderOrigin::Manual);
    m.order_type = OrderType::Limit;
    m.price = Some(Price::from_int(52_000));
    let mut c = ctx(&i, "0", 0);
    assert!(r.check(m, &c).is_ok()); // 4 % from last 50,000
    c.mark_price = Price::from_int(49_000); // 6.12 % from the mark
    let e = r.check(m, &c).unwrap_err();
    assert_eq!(e.reason(), "price distance from mark 6.12% exceeds limit 5.00% by 1.12%");
}

#[test]
fn volatility_and_caps_bind_the_size() {
    let r = RiskEngine::new(RiskConfig::default());
    let i = btc();
    let input = |stop: i64, atr: Option<f64>| SizingInput {
        instrument: &i,
        equity: Money::from_int(10_000),
        entry: Price::from_int(50_000),
        stop: Price::from_int(stop),
        atr,
        exposure: Money::ZERO,
    };
    // 50 USDT of risk over 500 = 0.1; a 1,000 ATR allows 200/1,000 = 0.2: the stop binds.
    let s = r.size_position(&input(49_500, Some(1_000.0)));
    assert_eq!((s.qty.to_string().as_str(), s.bound_by), ("0.1", SizeCap::RiskToStop));
    // A 2,500 ATR allows 200/2,500 = 0.08.
    let s = r.size_position(&input(49_500, Some(2_500.0)));
    assert_eq!((s.qty.to_string().as_str(), s.bound_by), ("0.08", SizeCap::Volatility));
    // A 50 stop asks 1.0; 3x leverage of 10,000 allows 0.6.
    let s = r.size_position(&input(49_950, None));
    assert_eq!((s.qty.to_string().as_str(), s.bound_by), ("0.6", SizeCap::Leverage));
}

#[test]
fn money_is_written_with_thousands_and_cents() {
    let m = |s: &str| two_decimals(s.parse().unwrap());
    assert_eq!(m("12400.5"), "12,400.50");
    assert_eq!(m("0.005"), "0.01");
    assert_eq!(m("-1234567.891"), "-1,234,567.89");
    assert_eq!(m("999.999"), "1,000.00");
    assert_eq!(m("100"), "100.00");
    assert_eq!(m("0"), "0.00");
    assert_eq!(m("-0.004"), "0.00");
    assert_eq!(m("1000"), "1,000.00");
    assert_eq!(m("123456.7"), "123,456.70");
    assert_eq!(m("92233720368.54"), "92,233,720,368.54");
}

#[test]
fn config_validation_names_the_key() {
    let bad = RiskConfig { target_fraction: vec![0.5], ..RiskConfig::default() };
    assert_eq!(bad.validate().unwrap_err(), "risk.target_r has 2 entries but risk.target_fraction has 1");
    let bad = RiskConfig { max_drawdown_pct: 0.0, ..RiskConfig::default() };
    assert_eq!(bad.validate().unwrap_err(), "risk.max_drawdown_pct must be in (0, 1], got 0");
    let bad = RiskConfig { target_fraction: vec![0.8, 0.5], ..RiskConfig::default() };
    assert!(bad.validate().unwrap_err().contains("sum to at most 1"));
    assert!(RiskConfig::default().validate().is_ok());
}
