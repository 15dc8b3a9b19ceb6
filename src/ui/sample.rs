//! `sample_snapshot()`: a rich, deterministic engine picture for tests, benches and screenshots.

use crate::domain::{
    Alert, AlertLevel, Balance, Candle, ClientOrderId, ExecId, Fill, Interval, Level, Money, Order, OrderId,
    OrderOrigin, OrderRequest, OrderStatus, OrderType, Position, Price, Qty, Rate, Side, Symbol, TimeInForce,
};
use crate::engine::{
    AccountView, ConnectionState, EngineStats, LimitGauge, MarketView, ModeView, PositionView, RiskView, Snapshot,
    StrategyView,
};

/// 2024-03-09 00:00:00 UTC: the first candle of the sample.
const T0: i64 = 1_709_942_400_000;
const MIN: i64 = 60_000;

fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap_or_else(|_| unreachable!("sample symbols are valid"))
}
fn cid(s: &str) -> ClientOrderId {
    ClientOrderId::new(s).unwrap_or_else(|_| unreachable!("sample ids are valid"))
}
fn px(v: f64) -> Price {
    Price::from_f64(v).unwrap_or(Price::ZERO)
}
fn qty(v: f64) -> Qty {
    Qty::from_f64(v).unwrap_or(Qty::ZERO)
}
fn money(v: f64) -> Money {
    Money::from_f64(v).unwrap_or(Money::ZERO)
}

/// A tiny deterministic generator (xorshift) so the sample needs no RNG crate.
struct Rng(u64);
impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Roughly normal (sum of uniforms).
    fn normal(&mut self) -> f64 {
        (0..6).map(|_| self.unit()).sum::<f64>() - 3.0
    }
}

fn ema(values: &[f64], period: usize) -> Vec<f64> {
    let k = 2.0 / (period as f64 + 1.0);
    let mut out = Vec::with_capacity(values.len());
    let mut acc = f64::NAN;
    for (i, v) in values.iter().enumerate() {
        acc = if i == 0 { *v } else { acc + k * (v - acc) };
        out.push(if i + 1 < period { f64::NAN } else { acc });
    }
    out
}

fn market(symbol: &str, start: f64, tick: f64, vol: f64, seed: u64) -> MarketView {
    let s = sym(symbol);
    let mut rng = Rng(seed);
    let mut price = start;
    let mut candles = Vec::with_capacity(200);
    for i in 0..200 {
        // A gentle up-trend with a pull-back in the middle.
        let drift = if (80..130).contains(&i) { -0.0006 } else { 0.0004 };
        let open = price;
        let close = open * (1.0 + drift + vol * rng.normal());
        let high = open.max(close) * (1.0 + vol * rng.unit());
        let low = open.min(close) * (1.0 - vol * rng.unit());
        let round = |v: f64| (v / tick).round() * tick;
        let volume = 50.0 + 400.0 * rng.unit() * (1.0 + ((close - open) / open).abs() * 200.0);
        candles.push(Candle {
            symbol: s,
            interval: Interval::M1,
            ts_ms: T0 + i * MIN,
            open: px(round(open)),
            high: px(round(high)),
            low: px(round(low)),
            close: px(round(close)),
            volume,
            turnover: volume * close,
            closed: true,
        });
        price = close;
    }
    let closes: Vec<f64> = candles.iter().map(|c| c.close.to_f64()).collect();
    let last = candles[candles.len() - 1].close;
    let partial = Candle {
        ts_ms: T0 + 200 * MIN,
        open: last,
        high: last,
        low: last,
        volume: 12.0,
        closed: false,
        ..candles[199]
    };
    let step = tick;
    let bids: Vec<Level> =
        (1..=10).map(|i| Level { price: px(last.to_f64() - step * i as f64), qty: qty(0.1 * i as f64) }).collect();
    let asks: Vec<Level> = (0..10)
        .map(|i| Level { price: px(last.to_f64() + step * i as f64), qty: qty(0.05 * (i + 2) as f64) })
        .collect();
    let first = closes[0];
    let mut view = MarketView {
        symbol: s,
        interval: Interval::M1,
        tick_size: px(tick),
        qty_step: qty(if tick >= 0.1 { 0.001 } else { 0.01 }),
        last_price: last,
        mark_price: last,
        bid: bids.first().copied(),
        ask: asks.first().copied(),
        bids,
        asks,
        funding_rate: Rate::from_raw(10_000),
        open_interest: 52_340.5,
        change_pct: (last.to_f64() / first - 1.0) * 100.0,
        overlays: vec![("EMA 20".to_string(), ema(&closes, 20)), ("EMA 50".to_string(), ema(&closes, 50))],
        indicators: vec![("EMA fast".to_string(), ema(&closes, 20)[199]), ("ATR".to_string(), start * vol * 1.8)],
        regime: "trending up".to_string(),
        regime_confidence: 0.72,
        candles,
        partial: Some(partial),
        levels: Vec::new(),
        patterns: Vec::new(),
    };
    view.add_studies();
    view
}

#[allow(clippy::too_many_arguments)] // a table of sample orders reads best flat
fn order(
    id: &str,
    symbol: &str,
    side: Side,
    ty: OrderType,
    q: f64,
    price: Option<f64>,
    trigger: Option<f64>,
    origin: OrderOrigin,
    ts: i64,
) -> Order {
    let request = OrderRequest {
        position_idx: Default::default(),
        client_order_id: cid(id),
        symbol: sym(symbol),
        side,
        order_type: ty,
        qty: qty(q),
        price: price.map(px),
        trigger_price: trigger.map(px),
        trigger_direction: None,
        time_in_force: TimeInForce::Gtc,
        reduce_only: trigger.is_some(),
        origin,
        decision_price: px(price.or(trigger).unwrap_or(0.0)),
        ts_ms: ts,
    };
    let mut o = Order::new(request);
    o.status = if trigger.is_some() { OrderStatus::Untriggered } else { OrderStatus::New };
    o.order_id = OrderId::new(&format!("v{}", id.len() as i64 * 7919 + ts % 10_000)).ok();
    o
}

fn fill(n: u32, symbol: &str, side: Side, price: f64, q: f64, maker: bool, ts: i64) -> Fill {
    let fee_rate = if maker { 0.0002 } else { 0.00055 };
    Fill {
        symbol: sym(symbol),
        client_order_id: cid(&format!("trend-{n:04}")),
        order_id: OrderId::new(&format!("v{n}")).unwrap_or_else(|_| unreachable!()),
        exec_id: ExecId::new(&format!("x{n}")).unwrap_or_else(|_| unreachable!()),
        side,
        price: px(price),
        qty: qty(q),
        fee: money(price * q * fee_rate),
        fee_rate: Rate::from_f64(fee_rate).unwrap_or(Rate::ZERO),
        is_maker: maker,
        ts_ms: ts,
    }
}

/// Close of the candle that contains `ts` (the price a fill at `ts` would plausibly get).
fn close_at(m: &MarketView, ts: i64) -> f64 {
    m.candles.iter().rev().find(|c| c.ts_ms <= ts).map(|c| c.close.to_f64()).unwrap_or(0.0)
}

fn on_tick(v: f64, tick: f64) -> f64 {
    (v / tick).round() * tick
}

/// Two symbols (BTCUSDT, ETHUSDT) with 200 one-minute candles each, two positions, four working
/// orders, six fills, alerts, four modes, five risk limits. Same value on every call.
pub fn sample_snapshot() -> Snapshot {
    let btc = market("BTCUSDT", 68_000.0, 0.1, 0.0012, 0x9E37_79B9_7F4A_7C15);
    let eth = market("ETHUSDT", 3_900.0, 0.01, 0.0015, 0xD1B5_4A32_D192_ED03);
    let now = T0 + 200 * MIN + 25_000;
    let btc_last = btc.last_price;
    let eth_last = eth.last_price;
    let correlation = RiskView::correlations(&[btc.clone(), eth.clone()]);

    let btc_entry_f = close_at(&btc, now - 900_000);
    let eth_entry_f = close_at(&eth, now - 1_800_000);
    let btc_stop = on_tick(btc_entry_f * 0.99, 0.1);
    let btc_target = on_tick(btc_entry_f * 1.02, 0.1);
    let eth_stop = on_tick(eth_entry_f * 1.015, 0.01);
    let btc_bid = on_tick(btc_last.to_f64() * 0.985, 0.1);
    let eth_bid = on_tick(eth_last.to_f64() * 0.985, 0.01);
    let btc_entry = px(btc_entry_f);
    let fill_px = [
        close_at(&btc, now - 3_600_000),
        close_at(&btc, now - 5_400_000),
        close_at(&eth, now - 7_000_000),
        close_at(&eth, now - 8_000_000),
    ];
    let btc_size = qty(0.25);
    let btc_pos = Position {
        position_idx: Default::default(),
        symbol: btc.symbol,
        size: btc_size,
        entry_value: btc_entry * btc_size,
        leverage: Rate::from_int(3),
        mark_price: btc_last,
        unrealised_pnl: (btc_last * btc_size) - (btc_entry * btc_size),
        realised_pnl: money(-9.33),
        margin: money(btc_entry.to_f64() * 0.25 / 3.0),
        liq_price: Some(px(45_600.0)),
        ts_ms: now,
    };
    let eth_entry = px(eth_entry_f);
    let eth_size = qty(3.0);
    let eth_pos = Position {
        position_idx: Default::default(),
        symbol: eth.symbol,
        size: -eth_size,
        entry_value: eth_entry * eth_size,
        leverage: Rate::from_int(2),
        mark_price: eth_last,
        unrealised_pnl: (eth_entry * eth_size) - (eth_last * eth_size),
        realised_pnl: money(-6.52),
        margin: money(eth_entry.to_f64() * 3.0 / 2.0),
        liq_price: Some(px(5_870.0)),
        ts_ms: now,
    };
    let upnl = btc_pos.unrealised_pnl + eth_pos.unrealised_pnl;
    let wallet = money(10_412.37);
    let equity_curve: Vec<(i64, f64)> =
        (0..200).map(|i| (T0 + i * MIN, 10_000.0 + 3.1 * i as f64 - 150.0 * ((i as f64) / 15.0).sin())).collect();
    let mut peak = f64::MIN;
    let drawdown_curve: Vec<(i64, f64)> = equity_curve
        .iter()
        .map(|&(t, e)| {
            peak = peak.max(e);
            (t, (peak - e) / peak)
        })
        .collect();

    let mode = |name: &str,
                enabled,
                locked,
                active,
                sig: Option<&str>,
                why: Option<&str>,
                trades,
                wins,
                pnl,
                active_ms,
                params: &[(&str, &str)]| ModeView {
        name: name.to_string(),
        enabled,
        locked,
        active,
        last_signal: sig.map(str::to_string),
        last_reason: why.map(str::to_string),
        trades,
        wins,
        pnl: money(pnl),
        active_ms,
        params: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    };

    Snapshot {
        ts_ms: now,
        venue: "demo".to_string(),
        live: false,
        watch_only: None,
        connection: ConnectionState::Connected,
        markets: vec![btc, eth],
        positions: vec![
            PositionView {
                position: btc_pos,
                stop_price: Some(px(btc_stop)),
                target_price: Some(px(btc_target)),
                mode: Some("trend".into()),
            },
            PositionView {
                position: eth_pos,
                stop_price: Some(px(eth_stop)),
                target_price: None,
                mode: Some("mean_reversion".into()),
            },
        ],
        open_orders: vec![
            order(
                "man-0007",
                "BTCUSDT",
                Side::Buy,
                OrderType::Limit,
                0.1,
                Some(btc_bid),
                None,
                OrderOrigin::Manual,
                now - 240_000,
            ),
            order(
                "trend-0042-stop",
                "BTCUSDT",
                Side::Sell,
                OrderType::Market,
                0.25,
                None,
                Some(btc_stop),
                OrderOrigin::Protective(0),
                now - 900_000,
            ),
            order(
                "mr-0013",
                "ETHUSDT",
                Side::Buy,
                OrderType::Limit,
                1.5,
                Some(eth_bid),
                None,
                OrderOrigin::Strategy(1),
                now - 60_000,
            ),
            order(
                "mr-0013-stop",
                "ETHUSDT",
                Side::Buy,
                OrderType::Market,
                3.0,
                None,
                Some(eth_stop),
                OrderOrigin::Protective(1),
                now - 1_800_000,
            ),
        ],
        recent_fills: vec![
            fill(46, "BTCUSDT", Side::Buy, btc_entry_f, 0.25, false, now - 900_000),
            fill(45, "ETHUSDT", Side::Sell, eth_entry_f, 3.0, true, now - 1_800_000),
            fill(44, "BTCUSDT", Side::Sell, fill_px[0], 0.2, false, now - 3_600_000),
            fill(43, "BTCUSDT", Side::Buy, fill_px[1], 0.2, true, now - 5_400_000),
            fill(42, "ETHUSDT", Side::Buy, fill_px[2], 2.0, false, now - 7_000_000),
            fill(41, "ETHUSDT", Side::Sell, fill_px[3], 2.0, true, now - 8_000_000),
        ],
        account: AccountView {
            balance: Some(Balance {
                wallet_balance: wallet,
                equity: wallet + upnl,
                available: money(7_912.4),
                used_margin: btc_pos.margin + eth_pos.margin,
                unrealised_pnl: upnl,
                ts_ms: now,
            }),
            starting_equity: Money::from_int(10_000),
            day_pnl: money(187.42),
            total_pnl: wallet + upnl - Money::from_int(10_000),
            fees_paid: money(41.87),
            funding_paid: money(3.12),
            equity_curve,
            drawdown: drawdown_curve.last().map(|d| d.1).unwrap_or(0.0),
            max_drawdown: drawdown_curve.iter().map(|d| d.1).fold(0.0, f64::max),
        },
        strategy: StrategyView {
            modes: vec![
                mode(
                    "trend",
                    true,
                    false,
                    true,
                    Some("enter_long"),
                    Some("EMA20 crossed above EMA50, ATR 122.4"),
                    14,
                    8,
                    312.55,
                    5_400_000,
                    &[("fast", "20"), ("slow", "50"), ("atr_mult", "2.5")],
                ),
                mode(
                    "mean_reversion",
                    true,
                    false,
                    false,
                    Some("enter_short"),
                    Some("close 2.1σ above VWAP"),
                    9,
                    6,
                    88.10,
                    2_700_000,
                    &[("band", "2.0"), ("lookback", "30")],
                ),
                mode("breakout", false, false, false, None, None, 3, 1, -42.30, 600_000, &[("range", "60")]),
                mode(
                    "grid",
                    true,
                    false,
                    false,
                    Some("rejected"),
                    Some("daily loss limit 80% used"),
                    0,
                    0,
                    0.0,
                    0,
                    &[("levels", "8"), ("spacing_bps", "15")],
                ),
            ],
            automation_paused: false,
            auto_switch: true,
            switches: vec![
                (
                    now - 5_400_000,
                    "BTCUSDT".into(),
                    "mean_reversion".into(),
                    "trend".into(),
                    "ADX 31 > 25, regime trending".into(),
                ),
                (
                    now - 8_100_000,
                    "BTCUSDT".into(),
                    "breakout".into(),
                    "mean_reversion".into(),
                    "range regime, BB width low".into(),
                ),
                (now - 8_700_000, "ETHUSDT".into(), "trend".into(), "breakout".into(), "volatility expansion".into()),
            ],
        },
        risk: RiskView {
            limits: vec![
                LimitGauge { name: "Position notional".into(), used: 28_900.0, limit: 50_000.0, unit: "USDT".into() },
                LimitGauge { name: "Daily loss".into(), used: 160.0, limit: 200.0, unit: "USDT".into() },
                LimitGauge { name: "Leverage".into(), used: 2.7, limit: 5.0, unit: "x".into() },
                LimitGauge { name: "Open positions".into(), used: 2.0, limit: 4.0, unit: "positions".into() },
                LimitGauge { name: "Drawdown".into(), used: 1.9, limit: 10.0, unit: "%".into() },
            ],
            trading_state: "Active".into(),
            kill_switch: false,
            exposure: vec![(sym("BTCUSDT"), btc_last.to_f64() * 0.25), (sym("ETHUSDT"), -eth_last.to_f64() * 3.0)],
            drawdown_curve,
            rejections: vec![
                (now - 120_000, "grid: daily loss limit 80% used".into()),
                (now - 2_000_000, "manual: qty 0.0005 below min 0.001".into()),
            ],
            correlation,
            daily_loss: Some((160.0, 200.0)),
        },
        alerts: vec![
            Alert {
                ts_ms: now - 60_000,
                level: AlertLevel::Info,
                kind: "order".into(),
                message: format!("mr-0013 Buy 1.5 ETHUSDT @ {} placed", px(eth_bid)).into(),
            },
            Alert {
                ts_ms: now - 120_000,
                level: AlertLevel::Warning,
                kind: "risk".into(),
                message: "daily loss at 80% of limit".into(),
            },
            Alert {
                ts_ms: now - 900_000,
                level: AlertLevel::Info,
                kind: "entry".into(),
                message: format!("trend long 0.25 BTCUSDT @ {btc_entry}").into(),
            },
            Alert {
                ts_ms: now - 1_800_000,
                level: AlertLevel::Info,
                kind: "entry".into(),
                message: format!("mean_reversion short 3 ETHUSDT @ {eth_entry}").into(),
            },
            Alert {
                ts_ms: now - 4_000_000,
                level: AlertLevel::Critical,
                kind: "disconnect".into(),
                message: "stream dropped, reconnected after 2.1 s".into(),
            },
            Alert {
                ts_ms: now - 5_400_000,
                level: AlertLevel::Info,
                kind: "mode".into(),
                message: "BTCUSDT switched to trend".into(),
            },
        ],
        stats: EngineStats {
            events: 1_284_331,
            candles: 400,
            orders_placed: 52,
            fills: 46,
            event_latency_p50_us: 3.2,
            event_latency_p99_us: 18.7,
            stream_lag_ms: 42.0,
            speed: Some(60.0),
        },
        // No `[execution.rebalance] targets` in the sample run.
        rebalance: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_is_rich_and_deterministic() {
        let a = sample_snapshot();
        let b = sample_snapshot();
        assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
        assert_eq!(a.markets.len(), 2);
        assert!(a.markets.iter().all(|m| m.candles.len() == 200 && m.candles.iter().all(|c| c.is_consistent())));
        assert_eq!(a.positions.len(), 2);
        assert_eq!(a.open_orders.len(), 4);
        assert_eq!(a.recent_fills.len(), 6);
        // Long 0.25 BTC from the fill: uPnL = 0.25 × (last − fill price).
        let btc = &a.positions[0].position;
        assert_eq!(btc.entry_price(), Some(a.recent_fills[0].price));
        let expect = 0.25 * (a.markets[0].last_price.to_f64() - a.recent_fills[0].price.to_f64());
        assert!((btc.unrealised_pnl.to_f64() - expect).abs() < 1e-6);
    }
}
