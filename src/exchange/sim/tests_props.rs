//! Property test of the simulator: random mixes of orders, amends, cancels, trades, candles,
//! tickers and book snapshots never overfill, keep fills on the instrument's grid, keep the
//! position equal to the signed sum of fills, and balance the cash flow once flat.

use super::tests::{btc, m, req};
use super::*;
use crate::domain::{BookUpdate, BookUpdateKind, Candle, Interval, Level, Side, TimeInForce, Trade};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Trade { step: i64, qty: i64 },
    Candle { step: i64, up: i64, down: i64 },
    Ticker { rate: i64 },
    Book { spread: i64 },
    Place { kind: u8, buy: bool, qty: i64, offset: i64, tif: u8, reduce: bool },
    Cancel { nth: usize },
    Amend { nth: usize, offset: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (-2000i64..2000, 1i64..500).prop_map(|(step, qty)| Op::Trade { step, qty }),
        4 => (-2000i64..2000, 0i64..1500, 0i64..1500).prop_map(|(step, up, down)| Op::Candle { step, up, down }),
        1 => (-20i64..20).prop_map(|rate| Op::Ticker { rate }),
        1 => (1i64..10).prop_map(|spread| Op::Book { spread }),
        5 => (0u8..4, any::<bool>(), 1i64..3000, -2000i64..2000, 0u8..4, any::<bool>())
            .prop_map(|(kind, buy, qty, offset, tif, reduce)| Op::Place { kind, buy, qty, offset, tif, reduce }),
        1 => (0usize..8).prop_map(|nth| Op::Cancel { nth }),
        1 => (0usize..8, -500i64..500).prop_map(|(nth, offset)| Op::Amend { nth, offset }),
    ]
}

const TICK: i64 = 10_000_000; // 0.1
const STEP: i64 = 100_000; // 0.001

fn price(ticks: i64) -> Price {
    Price::from_raw(ticks.max(1) * TICK)
}

fn run(ops: &[Op], cfg: SimConfig) -> Result<(), TestCaseError> {
    let inst = Instrument::demo(btc(), "0.1", "0.001", "0.001", "100");
    let mut s = SimExchange::new(cfg, &[inst], m("100000"));
    let mut events = Vec::new();
    let mut px: i64 = 300_000; // 30 000.0 in ticks
    let mut ts: i64 = 1_704_067_200_000;
    let mut book_id = 0u64;
    for (n, op) in ops.iter().enumerate() {
        ts += 3_600_000; // an hour per op, so funding times are crossed
        match *op {
            Op::Trade { step, qty } => {
                px = (px + step).clamp(250_000, 350_000);
                let t = Trade {
                    symbol: btc(),
                    ts_ms: ts,
                    price: price(px),
                    qty: Qty::from_raw(qty * STEP),
                    taker_side: Side::Buy,
                    trade_id: n as u64,
                };
                s.on_market(&Event::Trade(t), &mut events);
            }
            Op::Candle { step, up, down } => {
                let open = px;
                px = (px + step).clamp(250_000, 350_000);
                let bar = Candle {
                    symbol: btc(),
                    interval: Interval::H1,
                    ts_ms: ts,
                    open: price(open),
                    high: price(open.max(px) + up),
                    low: price(open.min(px) - down),
                    close: price(px),
                    volume: 5.0,
                    turnover: 0.0,
                    closed: true,
                };
                s.on_market(&Event::Candle(bar), &mut events);
            }
            Op::Ticker { rate } => {
                let Event::Ticker(mut t) = super::tests::ticker(btc(), ts, "1", "1", "0.0001") else { unreachable!() };
                t.last_price = price(px);
                t.mark_price = Price::ZERO;
                t.funding_rate = Rate::from_raw(rate * 1_000);
                s.on_market(&Event::Ticker(t), &mut events);
            }
            Op::Book { spread } => {
                book_id += 1;
                let lv = |t: i64| Level { price: price(t), qty: Qty::from_raw(50 * STEP) };
                let b = BookUpdate {
                    symbol: btc(),
                    ts_ms: ts,
                    kind: BookUpdateKind::Snapshot,
                    update_id: book_id,
                    seq: book_id,
                    bids: (0..3).map(|k| lv(px - spread - k)).collect(),
                    asks: (0..3).map(|k| lv(px + spread + k)).collect(),
                };
                s.on_market(&Event::Book(b), &mut events);
            }
            Op::Place { kind, buy, qty, offset, tif, reduce } => {
                let side = if buy { Side::Buy } else { Side::Sell };
                let q = Qty::from_raw(qty * STEP).to_string();
                let limit = price(px + offset).to_string();
                let mut r = req(&format!("p{n}"), side, &q, (kind % 2 == 1).then_some(limit.as_str()));
                if kind >= 2 {
                    r.trigger_price = Some(price(px + offset / 2 + 1));
                }
                r.time_in_force =
                    [TimeInForce::Gtc, TimeInForce::Ioc, TimeInForce::Fok, TimeInForce::PostOnly][tif as usize];
                r.reduce_only = reduce;
                s.execute(&Action::PlaceOrder(r), ts, &mut events);
            }
            Op::Cancel { nth } => {
                let picked = s.open_orders().nth(nth).cloned();
                if let Some(o) = picked {
                    let a = Action::CancelOrder { symbol: btc(), client_order_id: o.client_order_id() };
                    s.execute(&a, ts, &mut events);
                }
            }
            Op::Amend { nth, offset } => {
                let picked = s.open_orders().nth(nth).cloned();
                if let Some(o) = picked {
                    let a = Action::AmendOrder {
                        symbol: btc(),
                        client_order_id: o.client_order_id(),
                        qty: None,
                        price: o.price.map(|p| price(p.raw() / TICK + offset)),
                        trigger_price: None,
                    };
                    s.execute(&a, ts, &mut events);
                }
            }
        }
    }
    // Flatten: cancel everything and close at market against a deep book.
    s.execute(&Action::CancelAll { symbol: None }, ts, &mut events);
    let deep = |t: i64| Level { price: price(t), qty: Qty::from_int(1_000) };
    let b = BookUpdate {
        symbol: btc(),
        ts_ms: ts,
        kind: BookUpdateKind::Snapshot,
        update_id: book_id + 1,
        seq: book_id + 1,
        bids: vec![deep(px - 1)],
        asks: vec![deep(px + 1)],
    };
    s.on_market(&Event::Book(b), &mut events);
    let pos = s.position(btc());
    if let Some(side) = pos.side() {
        let mut close = req("flat", side.opposite(), &pos.size.abs().to_string(), None);
        close.reduce_only = true;
        s.execute(&Action::PlaceOrder(close), ts, &mut events);
        let t =
            Trade { symbol: btc(), ts_ms: ts + 1, price: price(px), qty: Qty::ONE, taker_side: Side::Buy, trade_id: 0 };
        s.on_market(&Event::Trade(t), &mut events);
    }
    prop_assert!(s.position(btc()).is_flat());
    let (mut size, mut cash, mut fees, mut count) = (Qty::ZERO, Money::ZERO, Money::ZERO, 0i64);
    for e in &events {
        match e {
            Event::Fill(f) => {
                prop_assert!(f.qty.is_positive() && f.qty.raw() % STEP == 0, "{f:?}");
                prop_assert!(f.price.is_positive() && f.price.raw() % TICK == 0, "{f:?}");
                size += f.qty.signed(f.side);
                cash += if f.side == Side::Sell { f.notional() } else { -f.notional() };
                fees += f.fee;
                count += 1;
            }
            Event::Order(u) => prop_assert!(u.filled_qty <= u.qty || u.qty.is_zero(), "{u:?}"),
            _ => {}
        }
    }
    prop_assert_eq!(size, Qty::ZERO);
    prop_assert_eq!(fees, s.fees_paid());
    let expected = m("100000") + cash - fees - s.funding_paid();
    let diff = (s.balance().wallet_balance - expected).raw().abs();
    prop_assert!(diff <= count, "wallet {} vs cash flow {expected}", s.balance().wallet_balance);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_sessions_keep_the_account_consistent(ops in prop::collection::vec(op(), 1..120), slip in 0u32..20, synthetic: bool) {
        let leverage = Rate::from_int(50);
        run(&ops, SimConfig { slippage_bps: slip, synthetic_depth: synthetic, leverage, ..SimConfig::default() })?;
    }
}
