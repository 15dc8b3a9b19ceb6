//! Builds the UI's `Snapshot` from the engine's state, plus the display-only chart studies
//! (Bollinger bands, VWAP, support/resistance, candlestick patterns) and return correlations that
//! the snapshot carries for the screens.

use super::core::{Engine, MODE_NAMES, TREND_MODE};
use super::snapshot::*;
use crate::domain::{Candle, Money, Reason, Symbol};
use crate::indicators::{StdDev, Vwap};
use crate::patterns::{Direction, PatternKind, PatternSet};

impl Engine {
    /// An immutable picture of everything the UI shows.
    pub fn snapshot(&self) -> Snapshot {
        let equity = self.equity();
        let markets = self
            .symbols
            .iter()
            .map(|st| {
                let first = st.candles.front().map(|c| c.open.to_f64()).unwrap_or(0.0);
                let last = st.price().to_f64();
                let t = &st.trend;
                let cfg = t.config();
                let mut indicators = Vec::new();
                if let Some(v) = t.fast() {
                    indicators.push((format!("EMA{}", cfg.fast_period), v));
                }
                if let Some(v) = t.slow() {
                    indicators.push((format!("EMA{}", cfg.slow_period), v));
                }
                if let Some(v) = t.atr() {
                    indicators.push((format!("ATR{}", cfg.atr_period), v));
                }
                // The regime classifier's label once it has its inputs; before that (or with the
                // analysis off) confidence 0 tells the UI there is no estimate.
                let a = st.analyzer.output();
                let (regime, confidence) = if self.config.analysis && a.ready {
                    (a.regime.as_str().to_string(), a.confidence)
                } else {
                    ("warming up".to_string(), 0.0)
                };
                if self.config.analysis {
                    regime_inputs(st, &mut indicators);
                }
                let overlays = vec![
                    (format!("EMA{}", cfg.fast_period), st.fast_hist.iter().copied().collect()),
                    (format!("EMA{}", cfg.slow_period), st.slow_hist.iter().copied().collect()),
                ];
                let mut view = MarketView {
                    symbol: st.instrument.symbol,
                    interval: self.config.interval,
                    tick_size: st.instrument.tick_size,
                    qty_step: st.instrument.qty_step,
                    last_price: st.price(),
                    mark_price: st.mark_price,
                    bid: st.book.best_bid(),
                    ask: st.book.best_ask(),
                    bids: st.book.bids.iter().take(10).copied().collect(),
                    asks: st.book.asks.iter().take(10).copied().collect(),
                    funding_rate: st.ticker.map(|t| t.funding_rate).unwrap_or_default(),
                    open_interest: st.ticker.map(|t| t.open_interest).unwrap_or(0.0),
                    change_pct: if first > 0.0 { (last / first - 1.0) * 100.0 } else { 0.0 },
                    candles: st.candles.iter().copied().collect(),
                    partial: st.partial,
                    overlays,
                    indicators,
                    regime,
                    regime_confidence: confidence,
                    levels: Vec::new(),
                    patterns: Vec::new(),
                };
                view.add_studies();
                view
            })
            .collect::<Vec<MarketView>>();
        let positions = self
            .symbols
            .iter()
            .enumerate()
            .filter(|(_, st)| !st.position.size().is_zero())
            .map(|(s, st)| {
                let mut p = st.venue_position.unwrap_or(crate::domain::Position::flat(st.instrument.symbol));
                p.size = st.position.size();
                p.entry_value = st.position.entry_value();
                p.mark_price = st.price();
                p.unrealised_pnl = st.position.unrealised(st.price());
                PositionView {
                    position: p,
                    stop_price: st.stop.map(|s| s.price),
                    target_price: None,
                    // A hedge leg shows which position it hedges: `hedge for BTCUSDT`.
                    mode: match self.hedging(s) {
                        Some(h) => Some(format!("hedge for {}", self.symbols[h].instrument.symbol)),
                        None => st.position.mode().and_then(|m| MODE_NAMES.get(m as usize)).map(|s| s.to_string()),
                    },
                }
            })
            .chain(self.leg_views())
            .collect();
        let start = self.starting_equity.unwrap_or(Money::ZERO);
        let drawdown =
            if self.peak_equity.is_positive() { 1.0 - equity.to_f64() / self.peak_equity.to_f64() } else { 0.0 };
        let modes = MODE_NAMES
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let m = &self.modes[i];
                let cfg = self.config.trend.clone();
                ModeView {
                    name: name.to_string(),
                    enabled: m.enabled,
                    locked: self.locked_mode == Some(i as u8),
                    active: if self.config.modes.is_some() {
                        // The mode the switcher made active on at least one symbol.
                        self.symbols
                            .iter()
                            .any(|st| st.mode_set.as_deref().and_then(|m| m.active()).is_some_and(|a| a.index() == i))
                            && !self.paused
                    } else {
                        m.enabled && !self.paused && self.locked_mode.is_none_or(|l| l == i as u8)
                    },
                    last_signal: m.last_signal.map(str::to_string),
                    last_reason: m.last_reason.as_ref().map(Reason::to_string),
                    trades: m.trades,
                    wins: m.wins,
                    pnl: m.pnl,
                    active_ms: m.active_ms,
                    params: if let Some(m) = &self.config.modes {
                        mode_params(m, i)
                    } else if i == TREND_MODE as usize {
                        vec![
                            ("fast_period".into(), cfg.fast_period.to_string()),
                            ("slow_period".into(), cfg.slow_period.to_string()),
                            ("atr_period".into(), cfg.atr_period.to_string()),
                            ("atr_stop_mult".into(), cfg.atr_stop_mult.to_string()),
                            ("trail_atr_mult".into(), cfg.trail_atr_mult.to_string()),
                        ]
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect();
        let risk_cfg = self.risk.config();
        let exposure = self.exposure().to_f64();
        let open_positions = self.symbols.iter().filter(|s| !s.position.size().is_zero()).count();
        let largest = self.symbols.iter().map(|s| (s.price() * s.position.size().abs()).to_f64()).fold(0.0, f64::max);
        let limits = vec![
            LimitGauge {
                name: "Largest position".into(),
                used: largest,
                limit: risk_cfg.max_position_notional,
                unit: "USDT".into(),
            },
            LimitGauge {
                name: "Leverage".into(),
                used: if equity.is_positive() { exposure / equity.to_f64() } else { 0.0 },
                limit: risk_cfg.max_leverage,
                unit: "x".into(),
            },
            LimitGauge {
                name: "Open positions".into(),
                used: open_positions as f64,
                limit: risk_cfg.max_open_positions as f64,
                unit: "positions".into(),
            },
        ];
        let correlation = RiskView::correlations(&markets);
        Snapshot {
            ts_ms: self.now_ms,
            venue: self.config.venue.clone(),
            live: self.config.live,
            watch_only: None,
            connection: ConnectionState::Connected,
            markets,
            positions,
            open_orders: self.orders.open_orders().into_iter().cloned().collect(),
            recent_fills: self.recent_fills.iter().take(50).copied().collect(),
            account: AccountView {
                balance: self.balance.map(|mut b| {
                    b.equity = equity;
                    b.unrealised_pnl = equity - b.wallet_balance;
                    b
                }),
                starting_equity: start,
                day_pnl: equity - self.day_start.1,
                total_pnl: equity - start,
                fees_paid: self.symbols.iter().map(|s| s.position.fees()).sum(),
                funding_paid: Money::ZERO,
                equity_curve: self.equity_samples.iter().map(|(t, e, _)| (*t, *e)).collect(),
                drawdown,
                max_drawdown: self.max_drawdown,
            },
            strategy: StrategyView {
                modes,
                automation_paused: self.paused,
                auto_switch: self.auto_switch,
                switches: self
                    .recent_switches
                    .iter()
                    .rev()
                    .map(|s| {
                        (s.ts_ms, s.symbol.to_string(), s.from.to_string(), s.to.to_string(), s.reason.to_string())
                    })
                    .collect(),
            },
            risk: RiskView {
                limits,
                trading_state: self.risk.state().as_str().to_string(),
                kill_switch: self.risk.state() == crate::risk::TradingState::Halted,
                exposure: self
                    .symbols
                    .iter()
                    .map(|s| (s.instrument.symbol, (s.price() * s.position.size()).to_f64()))
                    .collect(),
                drawdown_curve: self.equity_samples.iter().map(|(t, _, d)| (*t, *d)).collect(),
                rejections: self.rejections.iter().take(20).map(|(t, r)| (*t, r.to_string())).collect(),
                correlation,
                // TODO(risk): no daily loss limit in `RiskConfig` yet; fill (loss, limit) when it has one.
                daily_loss: None,
            },
            alerts: self.alerts.iter().take(50).cloned().collect(),
            stats: EngineStats {
                events: self.events,
                candles: self.candles,
                orders_placed: self.orders_placed,
                fills: self.fills,
                ..Default::default()
            },
            rebalance: self.rebalance_view(),
        }
    }
}

impl MarketView {
    /// Adds the display studies over `candles`: Bollinger bands (20, 2) and VWAP overlays, the
    /// nearest swing highs/lows around the last price as levels, and the clearest
    /// non-indecision candlestick pattern of each candle (the last 40) as markers.
    pub fn add_studies(&mut self) {
        let last = self.last_price.to_f64();
        let (overlays, levels, patterns) = chart_studies(&self.candles, last);
        self.overlays.extend(overlays);
        self.levels = levels;
        self.patterns = patterns;
    }
}

impl RiskView {
    /// Correlation of close-to-close returns for every pair of markets (see `correlations`).
    pub fn correlations(markets: &[MarketView]) -> Vec<(Symbol, Symbol, f64)> {
        let series: Vec<(Symbol, &[Candle])> = markets.iter().map(|m| (m.symbol, m.candles.as_slice())).collect();
        correlations(&series)
    }
}

type Studies = (Vec<(String, Vec<f64>)>, Vec<(String, f64)>, Vec<PatternMark>);

fn chart_studies(candles: &[Candle], last: f64) -> Studies {
    let n = candles.len();
    let (mut up, mut low, mut vwap) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let mut bands = StdDev::new(20, 2.0);
    let mut vw = Vwap::default();
    let mut patterns = Vec::new();
    let mut set = PatternSet::new();
    for c in candles {
        let (h, l, cl) = (c.high.to_f64(), c.low.to_f64(), c.close.to_f64());
        let b = bands.next(cl);
        up.push(b.map(|b| b.upper).unwrap_or(f64::NAN));
        low.push(b.map(|b| b.lower).unwrap_or(f64::NAN));
        vwap.push(vw.next(c.ts_ms, h, l, cl, c.volume).unwrap_or(f64::NAN));
        let best = set
            .update(c)
            .iter()
            .filter(|d| d.signal != 0 && d.quality >= 0.7 && d.pattern.info().kind != PatternKind::Indecision)
            .max_by(|a, b| a.quality.total_cmp(&b.quality));
        if let Some(d) = best {
            let info = d.pattern.info();
            let bullish = match info.direction {
                Direction::Bullish => Some(true),
                Direction::Bearish => Some(false),
                Direction::Both => Some(d.signal > 0),
            };
            patterns.push(PatternMark { ts_ms: c.ts_ms, name: info.name.to_string(), bullish });
        }
    }
    // Only the recent ones are drawn; keep the snapshot small.
    if patterns.len() > 40 {
        patterns.drain(..patterns.len() - 40);
    }
    (
        vec![("BB up".into(), up), ("BB low".into(), low), ("VWAP".into(), vwap)],
        swing_levels(candles, last, 3, 2),
        patterns,
    )
}

/// Swing highs (a high above the `k` candles each side) above `last` become resistances `R1..`,
/// swing lows below it supports `S1..`, nearest first, at most `per_side` each.
fn swing_levels(candles: &[Candle], last: f64, k: usize, per_side: usize) -> Vec<(String, f64)> {
    let mut highs = Vec::new();
    let mut lows = Vec::new();
    for i in k..candles.len().saturating_sub(k) {
        let h = candles[i].high;
        let l = candles[i].low;
        let around = || candles[i - k..=i + k].iter().enumerate().filter(move |(j, _)| *j != k);
        if around().all(|(_, c)| c.high < h) && h.to_f64() > last {
            highs.push(h.to_f64());
        }
        if around().all(|(_, c)| c.low > l) && l.to_f64() < last {
            lows.push(l.to_f64());
        }
    }
    highs.sort_by(f64::total_cmp);
    highs.dedup();
    lows.sort_by(|a, b| b.total_cmp(a));
    lows.dedup();
    let mut out: Vec<(String, f64)> =
        highs.iter().take(per_side).enumerate().map(|(i, p)| (format!("R{}", i + 1), *p)).collect();
    out.extend(lows.iter().take(per_side).enumerate().map(|(i, p)| (format!("S{}", i + 1), *p)));
    out
}

/// Pearson correlation of close-to-close returns for every pair of symbols, over the candle
/// times both hold (the last 100 at most); pairs with fewer than 10 common returns are left out.
fn correlations(series: &[(Symbol, &[Candle])]) -> Vec<(Symbol, Symbol, f64)> {
    let mut out = Vec::new();
    for (i, (sa, a)) in series.iter().enumerate() {
        for (sb, b) in &series[i + 1..] {
            let mut ra = Vec::new();
            let mut rb = Vec::new();
            let mut j = 0;
            let mut prev: Option<(f64, f64)> = None;
            for ca in a.iter() {
                while j < b.len() && b[j].ts_ms < ca.ts_ms {
                    j += 1;
                }
                if j < b.len() && b[j].ts_ms == ca.ts_ms {
                    let (pa, pb) = (ca.close.to_f64(), b[j].close.to_f64());
                    if let Some((qa, qb)) = prev {
                        if qa > 0.0 && qb > 0.0 {
                            ra.push(pa / qa - 1.0);
                            rb.push(pb / qb - 1.0);
                        }
                    }
                    prev = Some((pa, pb));
                } else {
                    prev = None;
                }
            }
            let skip = ra.len().saturating_sub(100);
            if let Some(r) = pearson(&ra[skip..], &rb[skip..]) {
                out.push((*sa, *sb, r));
            }
        }
    }
    out
}

fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len();
    if n < 10 || n != b.len() {
        return None;
    }
    let (ma, mb) = (a.iter().sum::<f64>() / n as f64, b.iter().sum::<f64>() / n as f64);
    let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        cov += (x - ma) * (y - mb);
        va += (x - ma) * (x - ma);
        vb += (y - mb) * (y - mb);
    }
    (va > 0.0 && vb > 0.0).then(|| (cov / (va * vb).sqrt()).clamp(-1.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Interval, Price};

    fn candle(i: i64, high: f64, low: f64, close: f64) -> Candle {
        let p = |v: f64| Price::from_f64(v).unwrap();
        Candle {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            interval: Interval::M1,
            ts_ms: i * 60_000,
            open: p(close),
            high: p(high),
            low: p(low),
            close: p(close),
            volume: 1.0,
            turnover: close,
            closed: true,
        }
    }

    #[test]
    fn swing_levels_pick_the_nearest_turns() {
        // Highs 10 11 15 11 10 10 13 10 10 (k = 2): swing highs 15 (i=2) and 13 (i=6).
        // Lows 5 4 5 6 2 6 5 5 5: swing lows 4 (i=1 has only one left neighbour: skipped) and 2 (i=4).
        let hl = [(10.0, 5.0), (11.0, 4.0), (15.0, 5.0), (11.0, 6.0), (10.0, 2.0), (10.0, 6.0), (13.0, 5.0)];
        let mut cs: Vec<Candle> = hl.iter().enumerate().map(|(i, (h, l))| candle(i as i64, *h, *l, 8.0)).collect();
        cs.extend([candle(7, 10.0, 5.5, 8.0), candle(8, 10.0, 5.5, 8.0)]);
        let levels = swing_levels(&cs, 12.0, 2, 2);
        assert_eq!(levels, vec![("R1".to_string(), 13.0), ("R2".to_string(), 15.0), ("S1".to_string(), 2.0)]);
        // Above every swing high: only supports.
        assert_eq!(swing_levels(&cs, 20.0, 2, 2), vec![("S1".to_string(), 2.0)]);
    }

    #[test]
    fn correlation_of_mirrored_returns_is_minus_one() {
        let a: Vec<Candle> = (0..30).map(|i| candle(i, 0.0, 0.0, 100.0 + if i % 2 == 0 { 1.0 } else { 0.0 })).collect();
        let b: Vec<Candle> = (0..30).map(|i| candle(i, 0.0, 0.0, 100.0 + if i % 2 == 0 { 0.0 } else { 1.0 })).collect();
        let (sa, sb) = (Symbol::new("BTCUSDT").unwrap(), Symbol::new("ETHUSDT").unwrap());
        let c = correlations(&[(sa, &a[..]), (sb, &b[..])]);
        assert_eq!(c.len(), 1);
        assert!((c[0].2 + 1.0).abs() < 1e-9, "{c:?}");
        // With itself: +1; too short a history: no entry.
        assert!((correlations(&[(sa, &a[..]), (sb, &a[..])])[0].2 - 1.0).abs() < 1e-9);
        assert!(correlations(&[(sa, &a[..5]), (sb, &a[..5])]).is_empty());
    }
}

/// The regime's inputs and the headline indicators, as `(label, value)` rows for the screens.
fn regime_inputs(st: &super::symbol::SymbolState, rows: &mut Vec<(String, f64)>) {
    let a = st.analyzer.output();
    let v = st.indicators.values();
    let mut push = |name: &str, value: Option<f64>| {
        if let Some(x) = value.filter(|x| x.is_finite()) {
            rows.push((name.to_string(), x));
        }
    };
    push("RSI14", v.rsi_14);
    push("ADX14", v.adx_14);
    push("ATR%", a.atr_pct.map(|x| x * 100.0));
    push("RVol ann%", a.realized_vol.map(|x| x * 100.0));
    push("RVol pctile", a.vol_percentile.map(|x| x * 100.0));
    push("Vol ratio", a.vol_ratio);
    if a.ready {
        push("Align", Some(a.alignment));
    }
    push("Chop", a.chop_score);
    push("Support", a.support.map(|l| l.price));
    push("Resist", a.resistance.map(|l| l.price));
    push("CVD", v.cvd);
    push("Fund z", v.funding_z);
}

/// A regime mode's settings as `(key, value)` rows for the Strategies tab.
fn mode_params(m: &crate::strategy::ModesConfig, i: usize) -> Vec<(String, String)> {
    let value = match i {
        0 => serde_json::to_value(&m.trend),
        1 => serde_json::to_value(&m.range),
        2 => serde_json::to_value(&m.breakout),
        3 => serde_json::to_value(&m.reversal),
        _ => serde_json::to_value(&m.hedge),
    };
    match value {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .filter(|(k, _)| k != "enabled")
            .map(|(k, v)| (k, v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
            .collect(),
        _ => Vec::new(),
    }
}
