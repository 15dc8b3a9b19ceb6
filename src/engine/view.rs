//! Builds the UI's `Snapshot` from the engine's state.

use super::core::{Engine, MODE_NAMES, TREND_MODE};
use super::snapshot::*;
use crate::domain::Money;

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
                let (regime, confidence) = match (t.fast(), t.slow()) {
                    (Some(f), Some(s)) if f > s => ("trend-up (EMA)".to_string(), 0.0),
                    (Some(_), Some(_)) => ("trend-down (EMA)".to_string(), 0.0),
                    _ => ("warming up".to_string(), 0.0),
                };
                MarketView {
                    symbol: st.instrument.symbol,
                    interval: self.config.interval,
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
                    overlays: vec![
                        (format!("EMA{}", cfg.fast_period), st.fast_hist.iter().copied().collect()),
                        (format!("EMA{}", cfg.slow_period), st.slow_hist.iter().copied().collect()),
                    ],
                    indicators,
                    regime,
                    regime_confidence: confidence,
                }
            })
            .collect();
        let positions = self
            .symbols
            .iter()
            .filter(|st| !st.position.size().is_zero())
            .map(|st| {
                let mut p = st.venue_position.unwrap_or(crate::domain::Position::flat(st.instrument.symbol));
                p.size = st.position.size();
                p.entry_value = st.position.entry_value();
                p.mark_price = st.price();
                p.unrealised_pnl = st.position.unrealised(st.price());
                PositionView {
                    position: p,
                    stop_price: st.stop.map(|s| s.price),
                    target_price: None,
                    mode: st.position.mode().and_then(|m| MODE_NAMES.get(m as usize)).map(|s| s.to_string()),
                }
            })
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
                    active: m.enabled && !self.paused && self.locked_mode.is_none_or(|l| l == i as u8),
                    last_signal: m.last_signal.clone(),
                    last_reason: m.last_reason.clone(),
                    trades: m.trades,
                    wins: m.wins,
                    pnl: m.pnl,
                    active_ms: m.active_ms,
                    params: if i == TREND_MODE as usize {
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
        Snapshot {
            ts_ms: self.now_ms,
            venue: self.config.venue.clone(),
            live: self.config.live,
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
                switches: Vec::new(),
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
                rejections: self.rejections.iter().take(20).cloned().collect(),
            },
            alerts: self.alerts.iter().take(50).cloned().collect(),
            stats: EngineStats {
                events: self.events,
                candles: self.candles,
                orders_placed: self.orders_placed,
                fills: self.fills,
                ..Default::default()
            },
        }
    }
}
