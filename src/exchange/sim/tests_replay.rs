//! Replays real Bybit 1m candles (`../shared/data`, skipped when absent) through the simulator
//! with a toy strategy and checks the account against an independent cash-flow identity.

use super::tests::{btc, m, req};
use super::*;
use crate::domain::{Candle, Interval, Rounding, Side};
use std::path::PathBuf;

fn load_candles() -> Option<Vec<Candle>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/bybit-linear_BTCUSDT_1m.csv");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            println!("SKIP: {} not readable ({e})", path.display());
            return None;
        }
    };
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 6, "bad line {line}");
        out.push(Candle {
            symbol: btc(),
            interval: Interval::M1,
            ts_ms: f[0].parse().unwrap(),
            open: f[1].parse().unwrap(),
            high: f[2].parse().unwrap(),
            low: f[3].parse().unwrap(),
            close: f[4].parse().unwrap(),
            volume: f[5].parse().unwrap(),
            turnover: 0.0,
            closed: true,
        });
    }
    Some(out)
}

#[test]
fn real_candles_keep_the_books_balanced() {
    let Some(candles) = load_candles() else { return };
    assert!(candles.len() > 700);
    let cfg = SimConfig { slippage_bps: 2, ..SimConfig::default() };
    let inst = Instrument::demo(btc(), "0.5", "0.001", "0.001", "100");
    let mut s = SimExchange::new(cfg, &[inst], m("10000"));
    let mut events = Vec::new();
    let mut n = 0;
    for (i, c) in candles.iter().enumerate() {
        s.on_market(&Event::Candle(*c), &mut events);
        let ts = c.close_ms();
        let pos = s.position(btc());
        if i % 30 == 0 && i > 0 {
            // The entry filled at this bar's open: protect it with a stop and a take-profit
            // 0.3 % away from the entry.
            let (Some(side), Some(entry)) = (pos.side(), pos.entry_price()) else { continue };
            let away = |f: &str| entry.mul_rate(f.parse().unwrap()).round_to(inst.tick_size, Rounding::Nearest);
            let (stop, target, dir) = match side {
                Side::Buy => (away("0.997"), away("1.003"), TriggerDirection::Falling),
                Side::Sell => (away("1.003"), away("0.997"), TriggerDirection::Rising),
            };
            let size = pos.size.abs().to_string();
            let mut sl = req(&format!("s{i}"), side.opposite(), &size, None);
            sl.trigger_price = Some(stop);
            sl.trigger_direction = Some(dir);
            sl.reduce_only = true;
            s.execute(&Action::PlaceOrder(sl), ts, &mut events);
            let mut tp = req(&format!("t{i}"), side.opposite(), &size, Some(&target.to_string()));
            tp.reduce_only = true;
            s.execute(&Action::PlaceOrder(tp), ts, &mut events);
        }
        if i % 30 != 29 {
            continue;
        }
        // Every 30 bars: cancel everything, close what is open, enter the other way.
        s.execute(&Action::CancelAll { symbol: None }, ts, &mut events);
        if let Some(side) = pos.side() {
            let mut close = req(&format!("x{i}"), side.opposite(), &pos.size.abs().to_string(), None);
            close.reduce_only = true;
            s.execute(&Action::PlaceOrder(close), ts, &mut events);
        }
        let side = if (i / 30) % 2 == 0 { Side::Buy } else { Side::Sell };
        s.execute(&Action::PlaceOrder(req(&format!("e{i}"), side, "0.05", None)), ts, &mut events);
        n += 1;
    }
    assert!(n > 20);
    // Flatten at the end through one more bar.
    let last = *candles.last().unwrap();
    s.execute(&Action::CancelAll { symbol: None }, last.close_ms(), &mut events);
    let pos = s.position(btc());
    if let Some(side) = pos.side() {
        let mut close = req("final", side.opposite(), &pos.size.abs().to_string(), None);
        close.reduce_only = true;
        s.execute(&Action::PlaceOrder(close), last.close_ms(), &mut events);
        let next = Candle { ts_ms: last.close_ms(), ..last };
        s.on_market(&Event::Candle(next), &mut events);
    }
    assert!(s.position(btc()).is_flat());
    let rejected: Vec<_> =
        events.iter().filter(|e| matches!(e, Event::Order(u) if u.status == OrderStatus::Rejected)).collect();
    assert!(rejected.is_empty(), "{rejected:?}");
    // Flat at the end: wallet − initial = Σ sells − Σ buys − fees − funding, to a few 1e-8 of
    // rounding per flip.
    let (mut cash, mut fees, mut count) = (Money::ZERO, Money::ZERO, 0i64);
    for e in &events {
        if let Event::Fill(f) = e {
            assert!(f.price.is_multiple_of(inst.tick_size), "off-tick fill {f:?}");
            cash += if f.side == Side::Sell { f.notional() } else { -f.notional() };
            fees += f.fee;
            count += 1;
        }
    }
    assert!(count > 40, "only {count} fills");
    assert_eq!(fees, s.fees_paid());
    // The file crosses 08:00 UTC once while a position is open.
    assert!(!s.funding_paid().is_zero());
    let expected = m("10000") + cash - fees - s.funding_paid();
    let diff = (s.balance().wallet_balance - expected).raw().abs();
    assert!(diff <= count, "wallet {} vs cash flow {expected}", s.balance().wallet_balance);
    println!(
        "{count} fills, wallet {}, fees {}, funding {}, rounding diff {diff} raw",
        s.balance().wallet_balance,
        s.fees_paid(),
        s.funding_paid()
    );
    assert_eq!(s.open_orders().count(), 0);
}
