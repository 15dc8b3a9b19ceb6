//! Buy-and-hold of the first symbol over the same candles, as the yardstick beside a strategy:
//! all of the starting balance buys at the first close (one taker fee), is marked at every
//! close, and sells at the last close (a second taker fee). No leverage, no funding (a spot
//! holding), so its metrics read like the strategy's.

use super::metrics::{compute, Metrics, MetricsInput};
use crate::domain::{EquityPoint, Event, Money};

/// Metrics of buying at the first close and holding to the last, with `taker_fee` (a fraction)
/// paid on entry and on exit; `None` without two closed candles of the first symbol.
pub fn buy_and_hold(events: &[Event], balance: f64, taker_fee: f64) -> Option<Metrics> {
    let first = events.iter().find_map(|e| match e {
        Event::Candle(c) => Some(c.symbol),
        _ => None,
    })?;
    let mut bar_ms = 60_000;
    let mut entry: Option<f64> = None;
    let mut equity = Vec::new();
    for e in events {
        let Event::Candle(c) = e else { continue };
        if !c.closed || c.symbol != first {
            continue;
        }
        bar_ms = c.interval.duration_ms().unwrap_or(60_000);
        let close = c.close.to_f64();
        let base = match entry {
            Some(p) => p,
            None if close > 0.0 => {
                entry = Some(close);
                // The first point is the balance before buying, like the strategy's curve.
                equity.push((c.close_ms(), balance));
                close
            }
            None => continue,
        };
        equity.push((c.close_ms(), balance * (1.0 - taker_fee) * close / base));
    }
    if equity.len() < 3 {
        return None;
    }
    if let Some(last) = equity.last_mut() {
        last.1 *= 1.0 - taker_fee;
    }
    let fees = balance * taker_fee + equity.last().map_or(0.0, |l| l.1) / (1.0 - taker_fee) * taker_fee;
    let points: Vec<EquityPoint> = equity
        .iter()
        .map(|&(ts_ms, v)| {
            let m = Money::from_f64(v).unwrap_or(Money::ZERO);
            EquityPoint { ts_ms, equity: m, wallet_balance: m, unrealised_pnl: Money::ZERO }
        })
        .collect();
    Some(compute(&MetricsInput {
        equity: &points,
        trades: &[],
        fees: Money::from_f64(fees).unwrap_or(Money::ZERO),
        funding: Money::ZERO,
        exposure_ms: points.last().map_or(0, |l| l.ts_ms) - points.first().map_or(0, |f| f.ts_ms),
        bar_ms,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Candle, Interval, Price, Symbol};

    fn candle(ts_ms: i64, close: i64) -> Event {
        let p = Price::from_int(close);
        Event::Candle(Candle {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            interval: Interval::H1,
            ts_ms,
            open: p,
            high: p,
            low: p,
            close: p,
            volume: 1.0,
            turnover: 0.0,
            closed: true,
        })
    }

    #[test]
    fn hand_worked_curve() {
        // Closes 100, 120, 90, 110 with a 1 % fee each way on 1000:
        // after entry 990 × close/100 → 990, 1188, 891, 1089; exit fee → 1078.11.
        let h = 3_600_000;
        let ev: Vec<Event> = [100, 120, 90, 110].iter().enumerate().map(|(i, &c)| candle(i as i64 * h, c)).collect();
        let m = buy_and_hold(&ev, 1000.0, 0.01).unwrap();
        assert!((m.final_equity - 1078.11).abs() < 1e-6, "{}", m.final_equity);
        assert!((m.total_return - 0.07811).abs() < 1e-9);
        // Peak 1188 → trough 891: 25 %.
        assert!((m.max_drawdown - 0.25).abs() < 1e-9, "{}", m.max_drawdown);
        // Fees: 10 on entry, 10.89 on exit.
        assert!((m.fees - 20.89).abs() < 1e-6, "{}", m.fees);
        assert_eq!(m.trades, 0);
        assert!(buy_and_hold(&ev[..1], 1000.0, 0.01).is_none());
    }
}
