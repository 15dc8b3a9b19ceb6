//! Throughput of the simulated exchange's `on_market`: candles and trades, flat with no orders,
//! and with an open position plus four resting orders (two limits, two stops) that are checked
//! on every event but never fill. Figures are per market event.

use autobot::domain::{
    Action, Candle, ClientOrderId, Event, Instrument, Interval, Money, OrderOrigin, OrderRequest, OrderType, Price,
    Qty, Side, Symbol, TimeInForce, Trade, TriggerDirection,
};
use autobot::exchange::sim::{SimConfig, SimExchange};
use autobot::exchange::ExecutionVenue;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;

const EVENTS: usize = 100_000;
const START_MS: i64 = 1_704_067_200_000;

fn symbol() -> Symbol {
    Symbol::new("BTCUSDT").expect("literal symbol")
}

/// A bounded random walk around 30 000 (deterministic LCG), so the resting orders never fill.
fn walk(n: usize) -> Vec<i64> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut price: i64 = 300_000; // in ticks of 0.1
    (0..n)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let step = ((state >> 33) % 41) as i64 - 20;
            price = (price + step).clamp(290_000, 310_000);
            price
        })
        .collect()
}

fn tick_price(ticks: i64) -> Price {
    Price::from_raw(ticks * 10_000_000)
}

fn candles(n: usize) -> Vec<Event> {
    let closes = walk(n + 1);
    (0..n)
        .map(|i| {
            let (o, c) = (closes[i], closes[i + 1]);
            Event::Candle(Candle {
                symbol: symbol(),
                interval: Interval::M1,
                ts_ms: START_MS + 120_000 + i as i64 * 60_000,
                open: tick_price(o),
                high: tick_price(o.max(c) + 5),
                low: tick_price(o.min(c) - 5),
                close: tick_price(c),
                volume: 10.0,
                turnover: 0.0,
                closed: true,
            })
        })
        .collect()
}

fn trades(n: usize) -> Vec<Event> {
    walk(n)
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            Event::Trade(Trade {
                symbol: symbol(),
                ts_ms: START_MS + 120_000 + i as i64 * 100,
                price: tick_price(t),
                qty: Qty::from_raw(1_000_000),
                taker_side: if i % 2 == 0 { Side::Buy } else { Side::Sell },
                trade_id: i as u64,
            })
        })
        .collect()
}

fn order(id: &str, side: Side, price: Option<i64>, trigger: Option<(i64, TriggerDirection)>, reduce: bool) -> Action {
    Action::PlaceOrder(OrderRequest {
        position_idx: Default::default(),
        client_order_id: ClientOrderId::new(id).expect("literal id"),
        symbol: symbol(),
        side,
        order_type: if price.is_some() { OrderType::Limit } else { OrderType::Market },
        qty: Qty::from_raw(1_000_000),
        price: price.map(tick_price),
        trigger_price: trigger.map(|t| tick_price(t.0)),
        trigger_direction: trigger.map(|t| t.1),
        time_in_force: TimeInForce::Gtc,
        reduce_only: reduce,
        origin: OrderOrigin::Manual,
        decision_price: Price::ZERO,
        ts_ms: START_MS,
    })
}

/// A simulator with a long 0.01 position and four far-away resting orders.
fn loaded() -> SimExchange {
    let inst = Instrument::demo(symbol(), "0.1", "0.001", "0.001", "100");
    let mut sim = SimExchange::new(SimConfig::default(), &[inst], Money::from_int(100_000));
    let mut out = Vec::new();
    let flat = |ts: i64| {
        Event::Candle(Candle {
            symbol: symbol(),
            interval: Interval::M1,
            ts_ms: ts,
            open: tick_price(300_000),
            high: tick_price(300_000),
            low: tick_price(300_000),
            close: tick_price(300_000),
            volume: 10.0,
            turnover: 0.0,
            closed: true,
        })
    };
    sim.on_market(&flat(START_MS), &mut out);
    sim.execute(&order("entry", Side::Buy, None, None, false), START_MS, &mut out);
    sim.execute(&order("bid", Side::Buy, Some(250_000), None, false), START_MS, &mut out);
    sim.execute(&order("ask", Side::Sell, Some(350_000), None, false), START_MS, &mut out);
    sim.execute(&order("sl", Side::Sell, None, Some((280_000, TriggerDirection::Falling)), true), START_MS, &mut out);
    sim.execute(&order("brk", Side::Buy, None, Some((320_000, TriggerDirection::Rising)), false), START_MS, &mut out);
    sim.on_market(&flat(START_MS + 60_000), &mut out);
    assert_eq!(sim.open_orders().count(), 4, "{out:?}");
    assert!(!sim.position(symbol()).is_flat());
    sim
}

/// CPU time of this thread in ns: the build machine is shared, so wall-clock figures from
/// criterion overstate the cost when other jobs run; this is printed alongside.
fn thread_cpu_ns() -> u128 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u128 * 1_000_000_000 + ts.tv_nsec as u128
}

fn cpu_ns_per_event(base: &SimExchange, events: &[Event]) -> f64 {
    let mut best = f64::MAX;
    let mut out = Vec::with_capacity(64);
    for _ in 0..10 {
        let mut sim = base.clone();
        let start = thread_cpu_ns();
        for e in events {
            sim.on_market(e, &mut out);
            out.clear();
        }
        black_box(sim.balance());
        best = best.min((thread_cpu_ns() - start) as f64 / events.len() as f64);
    }
    best
}

fn bench(c: &mut Criterion) {
    let candle_events = candles(EVENTS);
    let trade_events = trades(EVENTS);
    let inst = Instrument::demo(symbol(), "0.1", "0.001", "0.001", "100");
    let empty = SimExchange::new(SimConfig::default(), &[inst], Money::from_int(100_000));
    let busy = loaded();
    let mut group = c.benchmark_group("sim_on_market");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.sample_size(20);
    for (name, base, events) in [
        ("candles_flat", &empty, &candle_events),
        ("candles_position_4_orders", &busy, &candle_events),
        ("trades_flat", &empty, &trade_events),
        ("trades_position_4_orders", &busy, &trade_events),
    ] {
        println!("sim_on_market/{name}: {:.1} ns/event (thread CPU time, best of 10)", cpu_ns_per_event(base, events));
        group.bench_function(name, |b| {
            b.iter_batched(
                || (base.clone(), Vec::with_capacity(64)),
                |(mut sim, mut out)| {
                    for e in events.iter() {
                        sim.on_market(e, &mut out);
                        out.clear();
                    }
                    black_box(sim.balance())
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
