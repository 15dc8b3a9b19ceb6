//! Market sources for the demo venue: the seeded generator, or a CSV replay.

use crate::data::csv::{infer_interval, read_candles, symbol_from_file_name};
use crate::data::generator::{demo_instruments, GeneratorConfig, MarketGenerator};
use crate::domain::{Candle, Event, Instrument, Interval, Money, Price, Qty, Rate, Symbol};
use std::path::Path;

/// Where market events come from.
pub enum MarketSource {
    Generator(Box<MarketGenerator>),
    Replay { candles: Vec<Candle>, next: usize },
}

impl MarketSource {
    /// The generator for `symbols`, seeded.
    pub fn generator(seed: u64, symbols: &[Symbol], intra_minute_steps: u32) -> (Self, Vec<Instrument>) {
        let defaults = GeneratorConfig::default();
        let known = demo_instruments();
        let mut chosen = Vec::new();
        let mut instruments = Vec::new();
        for (i, s) in symbols.iter().enumerate() {
            let start =
                defaults.symbols.iter().find(|(d, _)| d == s).map(|(_, p)| *p).unwrap_or(100.0 * (i as f64 + 1.0));
            chosen.push((*s, start));
            instruments.push(
                known
                    .iter()
                    .find(|k| k.symbol == *s)
                    .copied()
                    .unwrap_or_else(|| Instrument::demo(*s, "0.01", "0.01", "0.01", "1000000")),
            );
        }
        let config = GeneratorConfig { seed, symbols: chosen, intra_minute_steps, ..defaults };
        (MarketSource::Generator(Box::new(MarketGenerator::new(config))), instruments)
    }

    /// A replay of a candle CSV; the symbol comes from the file name (or `fallback`).
    pub fn replay(path: &Path, fallback: Symbol) -> anyhow::Result<(Self, Vec<Instrument>)> {
        let symbol = symbol_from_file_name(path).unwrap_or(fallback);
        // Read once to learn the interval, then stamp it on every candle.
        let candles = read_candles(path, symbol, Interval::M1)?;
        let interval = infer_interval(&candles).unwrap_or(Interval::M1);
        let candles: Vec<Candle> = candles.into_iter().map(|c| Candle { interval, ..c }).collect();
        let instrument = instrument_for_series(symbol, &candles);
        Ok((MarketSource::Replay { candles, next: 0 }, vec![instrument]))
    }

    /// Interval of the candles this source emits.
    pub fn interval(&self) -> Interval {
        match self {
            MarketSource::Generator(_) => Interval::M1,
            MarketSource::Replay { candles, .. } => candles.first().map(|c| c.interval).unwrap_or(Interval::M1),
        }
    }

    /// Appends the next step's events; false when the source is exhausted.
    pub fn next_batch(&mut self, out: &mut Vec<Event>) -> bool {
        match self {
            MarketSource::Generator(g) => {
                g.next_minute(out);
                true
            }
            MarketSource::Replay { candles, next } => match candles.get(*next) {
                Some(c) => {
                    out.push(Event::Candle(*c));
                    *next += 1;
                    true
                }
                None => false,
            },
        }
    }
}

/// Trading rules for a replayed series: the tick is the finest decimal the prices use, the
/// quantity step gives about 10 USDT per step (like Bybit's 0.001 BTC).
pub fn instrument_for_series(symbol: Symbol, candles: &[Candle]) -> Instrument {
    let mut finest = 8u32;
    'outer: for decimals in 0..=8u32 {
        let step = 10i64.pow(8 - decimals);
        for c in candles.iter().take(5_000) {
            for p in [c.open, c.high, c.low, c.close] {
                if p.raw() % step != 0 {
                    continue 'outer;
                }
            }
        }
        finest = decimals;
        break;
    }
    let tick = Price::from_raw(10i64.pow(8 - finest));
    let price = candles.first().map(|c| c.close.to_f64()).filter(|p| *p > 0.0).unwrap_or(1.0);
    let exp = (10.0 / price).log10().floor().clamp(-8.0, 6.0) as i32;
    let step_raw = if exp >= 0 { 10i64.pow(8 + exp as u32) } else { 10i64.pow((8 + exp).max(0) as u32) };
    let step = Qty::from_raw(step_raw);
    Instrument {
        symbol,
        tick_size: tick,
        qty_step: step,
        min_qty: step,
        max_qty: step.times(10_000_000),
        max_market_qty: step.times(10_000_000),
        min_notional: Money::from_int(5),
        min_leverage: Rate::ONE,
        max_leverage: Rate::from_int(100),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_tick_and_step_from_prices() {
        let s = Symbol::new("BTCUSDT").unwrap();
        let c = |p: &str| Candle {
            symbol: s,
            interval: Interval::M1,
            ts_ms: 0,
            open: p.parse().unwrap(),
            high: p.parse().unwrap(),
            low: p.parse().unwrap(),
            close: p.parse().unwrap(),
            volume: 1.0,
            turnover: 0.0,
            closed: true,
        };
        let i = instrument_for_series(s, &[c("40000.5"), c("40001.25")]);
        assert_eq!(i.tick_size.to_string(), "0.01");
        // 10 / 40000 = 0.00025 -> 10^-4.
        assert_eq!(i.qty_step.to_string(), "0.0001");
        let i = instrument_for_series(s, &[c("3"), c("4")]);
        assert_eq!(i.tick_size.to_string(), "1");
        assert_eq!(i.qty_step.to_string(), "1");
    }
}
