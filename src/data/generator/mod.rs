//! The seeded, deterministic market generator of the `demo` venue.
//!
//! Each call to [`MarketGenerator::next_minute`] produces one minute for every symbol: trade
//! prints, order-book updates and liquidations (when `intra_minute_steps > 0`), then a
//! `Ticker` and the closed 1-minute `Candle`. The price model lives in `model` (regimes,
//! GARCH variance, fat tails, correlation), the intra-minute detail in `micro`, the PRNG in
//! `rng`; `stats` holds the return statistics used to calibrate it against real data.

mod micro;
mod model;
mod rng;
pub mod stats;
#[cfg(test)]
mod tests;

pub use micro::BOOK_DEPTH;
pub use model::ModelParams;

use crate::domain::{Candle, Event, Instrument, Interval, Price, Qty, Rate, Symbol, Ticker};
use micro::{Bar, MicroState, MinuteCtx};
use model::{CommonDraw, PriceState, RegimeChain};
use rng::Rng;

/// 2024-01-01 00:00 UTC.
pub const DEFAULT_START_MS: i64 = 1_704_067_200_000;
const MINUTE_MS: i64 = 60_000;
const DAY_MINUTES: usize = 1440;
const FUNDING_PERIOD_MS: i64 = 8 * 3_600_000;
/// Upper bound on `intra_minute_steps` (keeps every print on its own millisecond).
pub const MAX_INTRA_MINUTE_STEPS: u32 = 1000;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratorConfig {
    pub seed: u64,
    /// Symbols with their start prices. BTC-named symbols move least, ETH-named ones about
    /// 1.25x, others 1.5x; all are correlated through one common factor.
    pub symbols: Vec<(Symbol, f64)>,
    /// Open time of the first minute (rounded down to the minute).
    pub start_ms: i64,
    /// Book updates per minute, and the least number of trade prints (at least 4 are printed
    /// so every candle's open, high, low and close trade). 0 = candles and tickers only.
    pub intra_minute_steps: u32,
    pub model: ModelParams,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        let sym = |s: &str| Symbol::new(s).unwrap_or_else(|_| unreachable!("valid literal symbol"));
        Self {
            seed: 42,
            symbols: vec![(sym("BTCUSDT"), 60_000.0), (sym("ETHUSDT"), 3_000.0)],
            start_ms: DEFAULT_START_MS,
            intra_minute_steps: 6,
            model: ModelParams::default(),
        }
    }
}

/// Trading rules of the demo venue's own symbols: BTCUSDT (tick 0.1, step 0.001) and ETHUSDT
/// (tick 0.01, step 0.01).
pub fn demo_instruments() -> Vec<Instrument> {
    ["BTCUSDT", "ETHUSDT"].iter().filter_map(|s| known_instrument(Symbol::new(s).ok()?)).collect()
}

fn known_instrument(symbol: Symbol) -> Option<Instrument> {
    match symbol.as_str() {
        "BTCUSDT" => Some(Instrument::demo(symbol, "0.1", "0.001", "0.001", "100")),
        "ETHUSDT" => Some(Instrument::demo(symbol, "0.01", "0.01", "0.01", "1000")),
        _ => None,
    }
}

/// Rules for any other symbol, from its start price: about five significant digits of tick
/// and a quantity step worth 25 quote units or less.
fn derived_instrument(symbol: Symbol, price: f64) -> Instrument {
    let p = if price.is_finite() && price > 0.0 { price } else { 1.0 };
    let pow10 = |e: i32| 10f64.powi(e.clamp(-8, 9));
    let tick = pow10(p.log10().floor() as i32 - 5);
    let step = pow10((25.0 / p).log10().ceil() as i32);
    let text = |v: f64| format!("{v:.8}");
    Instrument::demo(symbol, &text(tick), &text(step), &text(step), &text(step * 100_000.0))
}

/// Rolling 24-hour window of volume, turnover and closes for the ticker.
#[derive(Debug, Clone)]
struct DayWindow {
    slots: Vec<(f64, f64, f64)>,
    next: usize,
    volume: f64,
    turnover: f64,
}

impl DayWindow {
    fn push(&mut self, volume: f64, turnover: f64, close: f64) -> f64 {
        if self.slots.len() < DAY_MINUTES {
            self.slots.push((volume, turnover, close));
        } else {
            let old = std::mem::replace(&mut self.slots[self.next], (volume, turnover, close));
            self.volume -= old.0;
            self.turnover -= old.1;
            self.next = (self.next + 1) % DAY_MINUTES;
        }
        self.volume += volume;
        self.turnover += turnover;
        // The oldest close in the window is the reference 24 hours back.
        let base = if self.slots.len() < DAY_MINUTES { self.slots[0].2 } else { self.slots[self.next].2 };
        if base > 0.0 {
            (close / base - 1.0) * 100.0
        } else {
            0.0
        }
    }
}

#[derive(Debug, Clone)]
struct SymbolSim {
    instrument: Instrument,
    model: PriceState,
    close: Price,
    day: DayWindow,
    micro: MicroState,
    bar: Option<Bar>,
}

/// The demo venue's market: deterministic for a given config.
#[derive(Debug, Clone)]
pub struct MarketGenerator {
    config: GeneratorConfig,
    sims: Vec<SymbolSim>,
    chain: RegimeChain,
    main: Rng,
    intra: Rng,
    next_ts: i64,
    seq: u64,
}

impl MarketGenerator {
    pub fn new(mut config: GeneratorConfig) -> Self {
        config.start_ms = config.start_ms.div_euclid(MINUTE_MS) * MINUTE_MS;
        config.intra_minute_steps = config.intra_minute_steps.min(MAX_INTRA_MINUTE_STEPS);
        let sims = config
            .symbols
            .iter()
            .map(|&(symbol, price)| {
                let instrument = known_instrument(symbol).unwrap_or_else(|| derived_instrument(symbol, price));
                let name = symbol.as_str();
                let (vol_scale, beta) = if name.starts_with("BTC") {
                    (1.0, 1.0)
                } else if name.starts_with("ETH") {
                    (1.25, 1.2)
                } else {
                    (1.5, 1.4)
                };
                let close = to_tick(price, instrument.tick_size);
                SymbolSim {
                    instrument,
                    model: PriceState::new(close.to_f64(), vol_scale, beta),
                    close,
                    day: DayWindow { slots: Vec::with_capacity(DAY_MINUTES), next: 0, volume: 0.0, turnover: 0.0 },
                    micro: MicroState::default(),
                    bar: None,
                }
            })
            .collect();
        Self {
            main: Rng::new(config.seed, 1),
            intra: Rng::new(config.seed, 2),
            next_ts: config.start_ms,
            chain: RegimeChain::new(),
            sims,
            seq: 0,
            config,
        }
    }

    pub fn config(&self) -> &GeneratorConfig {
        &self.config
    }

    /// The rules of every generated symbol, in config order.
    pub fn instruments(&self) -> Vec<Instrument> {
        self.sims.iter().map(|s| s.instrument).collect()
    }

    /// The hidden regime: `range`, `trend_up`, `trend_down`, `breakout` or `high_vol`.
    pub fn current_regime(&self) -> &'static str {
        self.chain.regime.name()
    }

    /// Open time of the minute the next call will produce.
    pub fn next_minute_ts(&self) -> i64 {
        self.next_ts
    }

    /// Appends the next minute's events for every symbol to `out`: trades, book updates and
    /// liquidations in time order across symbols, then each symbol's `Ticker` (at the last
    /// millisecond of the minute) and finally the closed `Candle`s (stamped with the minute's
    /// open, as candles are). Returns the minute's open time.
    pub fn next_minute(&mut self, out: &mut Vec<Event>) -> i64 {
        let ts0 = self.next_ts;
        self.next_ts += MINUTE_MS;
        let p = self.config.model;
        self.chain.step(&mut self.main);
        let minute_of_day = ts0.rem_euclid(86_400_000) / MINUTE_MS;
        let common = CommonDraw::draw(&mut self.main, &p, minute_of_day);
        for sim in &mut self.sims {
            let d = sim.model.step(&mut self.main, &p, &self.chain, &common);
            let tick = sim.instrument.tick_size;
            let open = sim.close;
            let close = to_tick(d.close_log.exp(), tick);
            let high = to_tick((d.open_log + d.up).exp(), tick).max(open).max(close);
            let low = to_tick((d.open_log + d.down).exp(), tick).min(open).min(close);
            let step = sim.instrument.qty_step.raw().max(1);
            let volume_steps = ((d.volume / (step as f64 / 1e8)).round() as i64).max(4);
            sim.close = close;
            sim.bar = Some(Bar { open, high, low, close, volume_steps, liquidation_rate: d.liquidation_rate });
        }

        let steps = self.config.intra_minute_steps;
        if steps > 0 {
            let start = out.len();
            for sim in &mut self.sims {
                if let Some(bar) = sim.bar {
                    let cx = MinuteCtx { instrument: &sim.instrument, bar, regime: self.chain.regime, steps, ts0 };
                    micro::emit_minute(&mut sim.micro, &cx, &mut self.intra, &mut self.seq, out);
                }
            }
            // Stable: a symbol's own events keep their order on equal timestamps.
            out[start..].sort_by_key(|e| e.ts_ms().unwrap_or(ts0));
        }

        let ts_end = ts0 + MINUTE_MS - 1;
        for sim in &mut self.sims {
            let Some(bar) = sim.bar else { continue };
            let volume = Qty::from_raw(bar.volume_steps * sim.instrument.qty_step.raw()).to_f64();
            let typical = (bar.open.to_f64() + bar.high.to_f64() + bar.low.to_f64() + bar.close.to_f64()) / 4.0;
            let turnover = volume * typical;
            let pct_24h = sim.day.push(volume, turnover, bar.close.to_f64());
            let tick = sim.instrument.tick_size;
            let close_f = bar.close.to_f64();
            let (bid1, ask1) = sim.micro.top().unwrap_or((bar.close, bar.close + tick));
            let m = &sim.model;
            out.push(Event::Ticker(Ticker {
                symbol: sim.instrument.symbol,
                ts_ms: ts_end,
                last_price: bar.close,
                mark_price: to_tick(close_f * (-0.2 * m.basis).exp(), tick),
                index_price: to_tick(close_f * (-m.basis).exp(), tick),
                bid1,
                ask1,
                funding_rate: Rate::from_raw((m.funding * 1e6).round() as i64 * 100),
                next_funding_ms: (ts_end.div_euclid(FUNDING_PERIOD_MS) + 1) * FUNDING_PERIOD_MS,
                open_interest: (m.open_interest() * 1000.0).round() / 1000.0,
                volume_24h: sim.day.volume.max(0.0),
                turnover_24h: sim.day.turnover.max(0.0),
                price_24h_pct: pct_24h,
            }));
        }
        for sim in &self.sims {
            let Some(bar) = sim.bar else { continue };
            let volume = Qty::from_raw(bar.volume_steps * sim.instrument.qty_step.raw()).to_f64();
            let typical = (bar.open.to_f64() + bar.high.to_f64() + bar.low.to_f64() + bar.close.to_f64()) / 4.0;
            out.push(Event::Candle(Candle {
                symbol: sim.instrument.symbol,
                interval: Interval::M1,
                ts_ms: ts0,
                open: bar.open,
                high: bar.high,
                low: bar.low,
                close: bar.close,
                volume,
                turnover: volume * typical,
                closed: true,
            }));
        }
        ts0
    }

    /// Generates `minutes` minutes and returns only the candles of symbol index `i` (a
    /// convenience for tests, calibration and backtests that need bars only).
    pub fn candles(&mut self, minutes: usize, i: usize) -> Vec<Candle> {
        let mut out = Vec::new();
        let mut buf = Vec::new();
        for _ in 0..minutes {
            buf.clear();
            self.next_minute(&mut buf);
            let mut seen = 0;
            for e in &buf {
                if let Event::Candle(c) = e {
                    if seen == i {
                        out.push(*c);
                    }
                    seen += 1;
                }
            }
        }
        out
    }
}

/// Nearest tick-aligned price to `v`, at least one tick.
fn to_tick(v: f64, tick: Price) -> Price {
    let t = tick.raw().max(1);
    let ticks = (v * 1e8 / t as f64).round();
    let ticks = if ticks.is_finite() { ticks.clamp(1.0, (i64::MAX / t) as f64) } else { 1.0 };
    Price::from_raw(ticks as i64 * t)
}
