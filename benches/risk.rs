//! Pre-trade risk check and order-manager updates.

use autobot::domain::{
    ClientOrderId, ExecId, Fill, Instrument, Money, OrderId, OrderOrigin, OrderRequest, OrderStatus, OrderType,
    OrderUpdate, Price, Qty, Rate, Side, Symbol, TimeInForce,
};
use autobot::execution::OrderManager;
use autobot::risk::{RiskConfig, RiskContext, RiskEngine};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn request(id: ClientOrderId, origin: OrderOrigin) -> OrderRequest {
    OrderRequest {
        position_idx: Default::default(),
        client_order_id: id,
        symbol: Symbol::new("BTCUSDT").unwrap(),
        side: Side::Buy,
        order_type: OrderType::Limit,
        qty: "0.05".parse().unwrap(),
        price: Some(Price::from_int(49_900)),
        trigger_price: None,
        trigger_direction: None,
        time_in_force: TimeInForce::Gtc,
        reduce_only: false,
        origin,
        decision_price: Price::from_int(50_000),
        ts_ms: 1,
    }
}

fn bench(c: &mut Criterion) {
    let inst = Instrument::demo(Symbol::new("BTCUSDT").unwrap(), "0.1", "0.001", "0.001", "100");
    let mut risk = RiskEngine::new(RiskConfig::default());
    let eth = Symbol::new("ETHUSDT").unwrap();
    let sol = Symbol::new("SOLUSDT").unwrap();
    risk.correlations_mut().set_correlation(inst.symbol, eth, 0.9);
    risk.correlations_mut().set_correlation(inst.symbol, sol, 0.4);
    let others = [(eth, Money::from_int(8_000)), (sol, Money::from_int(-3_000))];
    let ctx = RiskContext {
        instrument: &inst,
        position: "0.1".parse().unwrap(),
        last_price: Price::from_int(50_000),
        mark_price: Price::from_int(50_010),
        equity: Money::from_int(20_000),
        total_exposure: Money::from_int(16_000),
        open_positions: 3,
        open_buy: "0.02".parse().unwrap(),
        open_sell: Qty::ZERO,
        others: &others,
    };
    let id = ClientOrderId::new("ab-bench-1").unwrap();
    c.bench_function("risk/pre_trade_check_auto", |b| {
        b.iter(|| black_box(risk.check(black_box(request(id, OrderOrigin::Strategy(0))), &ctx).is_ok()))
    });
    c.bench_function("risk/pre_trade_check_manual", |b| {
        b.iter(|| black_box(risk.check(black_box(request(id, OrderOrigin::Manual)), &ctx).is_ok()))
    });

    // Order-manager updates: acknowledgement + partial fill + fill of a fresh order each time.
    let mut m = OrderManager::new("ab");
    let mut out = Vec::with_capacity(16);
    let approved_ctx = RiskContext { position: Qty::ZERO, open_positions: 0, open_buy: Qty::ZERO, ..ctx };
    let mut n = 0u64;
    c.bench_function("execution/order_life_cycle_ack_partial_fill", |b| {
        b.iter(|| {
            n += 1;
            let id = m.next_client_id(1_700_000_000_000, "b");
            let a = risk.check(request(id, OrderOrigin::Strategy(0)), &approved_ctx).unwrap();
            out.clear();
            m.submit(a, &mut out);
            let up = OrderUpdate {
                client_order_id: id,
                order_id: Some(OrderId::new("v-1").unwrap()),
                symbol: inst.symbol,
                status: OrderStatus::New,
                qty: "0.05".parse().unwrap(),
                price: Some(Price::from_int(49_900)),
                trigger_price: None,
                filled_qty: Qty::ZERO,
                ts_ms: 2,
                reason: None,
            };
            m.on_update(&up, &mut out);
            for (k, q) in ["0.02", "0.03"].iter().enumerate() {
                let f = Fill {
                    symbol: inst.symbol,
                    client_order_id: id,
                    order_id: OrderId::new("v-1").unwrap(),
                    exec_id: ExecId::new(&format!("e{n}-{k}")).unwrap(),
                    side: Side::Buy,
                    price: Price::from_int(49_900),
                    qty: q.parse().unwrap(),
                    fee: Money::from_raw(1_000_000),
                    fee_rate: Rate::ZERO,
                    is_maker: true,
                    ts_ms: 3,
                };
                m.on_fill_costed(&f, &mut out);
            }
            black_box(out.len())
        })
    });
    let mut m2 = OrderManager::new("ab");
    let id = m2.next_client_id(1, "b");
    let a = risk.check(request(id, OrderOrigin::Strategy(0)), &approved_ctx).unwrap();
    m2.submit(a, &mut out);
    let dup = OrderUpdate {
        client_order_id: id,
        order_id: Some(OrderId::new("v-1").unwrap()),
        symbol: inst.symbol,
        status: OrderStatus::New,
        qty: "0.05".parse().unwrap(),
        price: Some(Price::from_int(49_900)),
        trigger_price: None,
        filled_qty: Qty::ZERO,
        ts_ms: 2,
        reason: None,
    };
    m2.on_update(&dup, &mut out);
    c.bench_function("execution/on_update_repeated_report", |b| {
        b.iter(|| {
            out.clear();
            m2.on_update(black_box(&dup), &mut out);
            black_box(out.len())
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
