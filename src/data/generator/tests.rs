use super::stats::{autocorrelation, correlation, log_returns, moments};
use super::*;
use crate::domain::{BookUpdateKind, OrderBook, Side};

fn run(config: GeneratorConfig, minutes: usize) -> Vec<Event> {
    let mut g = MarketGenerator::new(config);
    let mut out = Vec::new();
    for _ in 0..minutes {
        g.next_minute(&mut out);
    }
    out
}

fn with_steps(steps: u32) -> GeneratorConfig {
    GeneratorConfig { intra_minute_steps: steps, ..GeneratorConfig::default() }
}

fn candles_of(events: &[Event], symbol: &str) -> Vec<Candle> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Candle(c) if c.symbol.as_str() == symbol => Some(*c),
            _ => None,
        })
        .collect()
}

fn closes(c: &[Candle]) -> Vec<f64> {
    c.iter().map(|c| c.close.to_f64()).collect()
}

#[test]
fn same_seed_same_events_different_seed_different() {
    let a = run(with_steps(6), 300);
    let b = run(with_steps(6), 300);
    assert!(a.len() > 300 * 2 * 10, "only {} events", a.len());
    assert_eq!(a, b);
    let c = run(GeneratorConfig { seed: 43, ..with_steps(6) }, 300);
    assert_ne!(a, c);
    assert_ne!(candles_of(&a, "BTCUSDT")[299].close, candles_of(&c, "BTCUSDT")[299].close);
}

#[test]
fn candles_do_not_depend_on_the_detail_level() {
    let fast = run(with_steps(0), 500);
    let detailed = run(with_steps(6), 500);
    assert_eq!(fast.len(), 500 * 4, "fast mode is tickers and candles only");
    for s in ["BTCUSDT", "ETHUSDT"] {
        assert_eq!(candles_of(&fast, s), candles_of(&detailed, s));
    }
}

#[test]
fn candles_are_consistent_contiguous_and_on_the_grid() {
    let events = run(with_steps(0), 10_000);
    for inst in demo_instruments() {
        let c = candles_of(&events, inst.symbol.as_str());
        assert_eq!(c.len(), 10_000);
        assert_eq!(c[0].ts_ms, DEFAULT_START_MS);
        for (i, k) in c.iter().enumerate() {
            assert!(k.is_consistent(), "{k:?}");
            assert!(k.closed && k.interval == Interval::M1);
            for p in [k.open, k.high, k.low, k.close] {
                assert!(p.is_multiple_of(inst.tick_size), "{p} off tick {}", inst.tick_size);
            }
            let vol = Qty::from_f64(k.volume).unwrap();
            assert!(vol.is_multiple_of(inst.qty_step) && vol.is_positive());
            if i > 0 {
                assert_eq!(k.ts_ms, c[i - 1].ts_ms + 60_000);
                assert_eq!(k.open, c[i - 1].close, "open continues the previous close");
            }
        }
    }
}

#[test]
fn trades_match_their_candle_and_time_only_moves_forward() {
    let events = run(with_steps(6), 2_000);
    let insts = demo_instruments();
    let mut last_ts = i64::MIN;
    let mut last_id = [0u64; 2];
    let mut minute: [Vec<crate::domain::Trade>; 2] = [Vec::new(), Vec::new()];
    let mut checked = 0;
    for e in &events {
        if let Event::Candle(c) = e {
            let i = insts.iter().position(|x| x.symbol == c.symbol).unwrap();
            let t = std::mem::take(&mut minute[i]);
            assert!(t.len() >= 6);
            assert_eq!(t[0].price, c.open);
            assert_eq!(t.last().unwrap().price, c.close);
            assert_eq!(t.iter().map(|t| t.price).max().unwrap(), c.high);
            assert_eq!(t.iter().map(|t| t.price).min().unwrap(), c.low);
            let qty: Qty = t.iter().map(|t| t.qty).sum();
            assert_eq!(qty.to_f64(), c.volume);
            assert!(t.windows(2).all(|w| w[0].ts_ms < w[1].ts_ms));
            assert!(t.iter().all(|x| x.ts_ms >= c.ts_ms && x.ts_ms < c.ts_ms + 60_000));
            checked += 1;
            continue;
        }
        let ts = e.ts_ms().unwrap();
        assert!(ts >= last_ts, "time went back from {last_ts} to {ts}: {e:?}");
        last_ts = ts;
        if let Event::Trade(t) = e {
            let i = insts.iter().position(|x| x.symbol == t.symbol).unwrap();
            assert!(t.price.is_multiple_of(insts[i].tick_size) && t.qty.is_multiple_of(insts[i].qty_step));
            assert!(t.qty.is_positive() && t.trade_id > last_id[i]);
            last_id[i] = t.trade_id;
            minute[i].push(*t);
        }
    }
    assert_eq!(checked, 4_000);
}

#[test]
fn book_follows_the_prints_and_is_never_crossed() {
    let events = run(with_steps(6), 2_000);
    let insts = demo_instruments();
    let mut books: Vec<OrderBook> = insts.iter().map(|i| OrderBook::new(i.symbol)).collect();
    let (mut updates, mut one_tick, mut last_trade) = (0usize, 0usize, [None, None]);
    for e in &events {
        match e {
            Event::Book(u) => {
                let i = insts.iter().position(|x| x.symbol == u.symbol).unwrap();
                if updates < 2 {
                    assert_eq!(u.kind, BookUpdateKind::Snapshot, "each symbol starts with a snapshot");
                }
                books[i].apply(u).unwrap_or_else(|err| panic!("update {updates}: {err}"));
                let b = &books[i];
                assert_eq!((b.bids.len(), b.asks.len()), (BOOK_DEPTH, BOOK_DEPTH));
                let spread = b.spread().unwrap();
                assert!(spread.is_positive() && spread.is_multiple_of(insts[i].tick_size));
                if spread == insts[i].tick_size {
                    one_tick += 1;
                }
                if let Some(t) = last_trade[i] {
                    let t: crate::domain::Trade = t;
                    let touch = if t.taker_side == Side::Buy { b.best_ask() } else { b.best_bid() };
                    assert_eq!(touch.unwrap().price, t.price, "the book sits at the last print");
                }
                updates += 1;
            }
            Event::Trade(t) => {
                let i = insts.iter().position(|x| x.symbol == t.symbol).unwrap();
                last_trade[i] = Some(*t);
            }
            Event::Ticker(t) => {
                let i = insts.iter().position(|x| x.symbol == t.symbol).unwrap();
                assert_eq!(t.bid1, books[i].best_bid().unwrap().price);
                assert_eq!(t.ask1, books[i].best_ask().unwrap().price);
            }
            _ => {}
        }
    }
    assert!(updates > 2_000 * 2 * 5, "{updates} book updates");
    assert!(one_tick as f64 > 0.8 * updates as f64, "spread is one tick in {one_tick} of {updates}");
}

#[test]
fn returns_are_correlated_fat_tailed_and_clustered() {
    let events = run(with_steps(0), 20_000);
    let btc = candles_of(&events, "BTCUSDT");
    let rb = log_returns(&closes(&btc));
    let re = log_returns(&closes(&candles_of(&events, "ETHUSDT")));
    let rho = correlation(&rb, &re);
    assert!((0.6..0.95).contains(&rho), "BTC/ETH correlation {rho}");
    let (sd, _, kurt) = moments(&rb);
    assert!((0.0004..0.0025).contains(&sd), "1m std {sd}");
    assert!(kurt > 1.0, "excess kurtosis {kurt}");
    let abs: Vec<f64> = rb.iter().map(|r| r.abs()).collect();
    let acf1 = autocorrelation(&abs, 1);
    assert!(acf1 > 0.1, "acf |r| lag 1 {acf1}");
    // Volume rises with the size of the move.
    let lv: Vec<f64> = btc[1..].iter().map(|c| c.volume.ln()).collect();
    assert!(correlation(&lv, &abs) > 0.3);
}

#[test]
fn regimes_all_occur() {
    let mut g = MarketGenerator::new(with_steps(0));
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for _ in 0..30_000 {
        out.clear();
        g.next_minute(&mut out);
        seen.insert(g.current_regime());
    }
    let all: std::collections::BTreeSet<&str> = ["range", "trend_up", "trend_down", "breakout", "high_vol"].into();
    assert_eq!(seen, all);
}

#[test]
fn liquidations_cluster_in_big_moves() {
    let events = run(with_steps(6), 5_000);
    let insts = demo_instruments();
    let mut liq_minutes = std::collections::BTreeSet::new();
    let mut count = 0;
    for e in &events {
        if let Event::Liquidation(l) = e {
            let i = insts.iter().position(|x| x.symbol == l.symbol).unwrap();
            assert!(l.qty >= insts[i].min_qty && l.qty.is_multiple_of(insts[i].qty_step));
            assert!(l.price.is_multiple_of(insts[i].tick_size));
            if i == 0 {
                liq_minutes.insert(l.ts_ms.div_euclid(60_000) * 60_000);
            }
            count += 1;
        }
    }
    assert!(count > 20, "only {count} liquidations");
    let btc = candles_of(&events, "BTCUSDT");
    let size = |c: &Candle| (c.high.to_f64() / c.low.to_f64()).ln();
    let (with, without): (Vec<&Candle>, Vec<&Candle>) = btc.iter().partition(|c| liq_minutes.contains(&c.ts_ms));
    let avg = |v: &[&Candle]| v.iter().map(|c| size(c)).sum::<f64>() / v.len().max(1) as f64;
    assert!(!with.is_empty());
    assert!(avg(&with) > 1.5 * avg(&without), "{} vs {}", avg(&with), avg(&without));
    // Longs are liquidated (side Buy) at the low of a falling minute, shorts at the high.
    for e in &events {
        if let Event::Liquidation(l) = e {
            let minute = l.ts_ms.div_euclid(60_000) * 60_000;
            if let Some(c) = btc.iter().find(|c| c.ts_ms == minute && c.symbol == l.symbol) {
                assert!(l.price >= c.low && l.price <= c.high);
                if c.close < c.open {
                    assert_eq!(l.side, Side::Buy);
                }
            }
        }
    }
}

#[test]
fn tickers_carry_sane_funding_open_interest_and_marks() {
    let events = run(with_steps(0), 10_000);
    let mut n = 0;
    for e in &events {
        if let Event::Ticker(t) = e {
            let f = t.funding_rate.to_f64();
            assert!((-0.003..=0.003).contains(&f), "funding {f}");
            assert_eq!(t.next_funding_ms % (8 * 3_600_000), 0);
            assert!(t.next_funding_ms > t.ts_ms && t.next_funding_ms <= t.ts_ms + 8 * 3_600_000);
            assert!(t.open_interest > 0.0 && t.volume_24h > 0.0 && t.turnover_24h > 0.0);
            let last = t.last_price.to_f64();
            for p in [t.mark_price, t.index_price] {
                assert!((p.to_f64() / last - 1.0).abs() < 0.01);
            }
            assert!(t.price_24h_pct.abs() < 50.0);
            n += 1;
        }
    }
    assert_eq!(n, 20_000);
    let mean_funding = events
        .iter()
        .filter_map(|e| if let Event::Ticker(t) = e { Some(t.funding_rate.to_f64()) } else { None })
        .sum::<f64>()
        / n as f64;
    assert!((0.0..0.0005).contains(&mean_funding), "mean funding {mean_funding}");
}

#[test]
fn instruments_of_the_demo_venue() {
    let i = demo_instruments();
    assert_eq!(i.len(), 2);
    assert_eq!(
        (i[0].symbol.as_str(), i[0].tick_size.to_string(), i[0].qty_step.to_string()),
        ("BTCUSDT", "0.1".into(), "0.001".into())
    );
    assert_eq!(
        (i[1].symbol.as_str(), i[1].tick_size.to_string(), i[1].qty_step.to_string()),
        ("ETHUSDT", "0.01".into(), "0.01".into())
    );
    // Another symbol at 100: tick 10^(2-5) = 0.001, step 10^ceil(log10(0.25)) = 1.
    let sol = Symbol::new("SOLUSDT").unwrap();
    let g = MarketGenerator::new(GeneratorConfig { symbols: vec![(sol, 100.0)], ..GeneratorConfig::default() });
    let inst = g.instruments()[0];
    assert_eq!((inst.tick_size.to_string(), inst.qty_step.to_string()), ("0.001".into(), "1".into()));
    assert_eq!(g.next_minute_ts(), DEFAULT_START_MS);
}
