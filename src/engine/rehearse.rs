//! Rehearsing the bar close, so the decision that matters runs with warm CPU caches.
//!
//! Most frames touch little of the engine: a book delta or a trade moves a price. The frame
//! that matters is the kline that completes a bar of the strategy timeframe: it runs the
//! indicators, the analysis, the five modes and their switcher, the stop managers, risk and the
//! order manager — tens of kilobytes of code and state that the frames in between (a bar is 15
//! minutes of book deltas and trades) push out of the CPU's caches. Cold, that decision spends
//! most of its time waiting on memory.
//!
//! A rehearsal runs the coming bar close ahead of time on a scratch copy of the engine, while
//! the runtime is idle and a bar is about to end: the copy reads the engine's state (which is
//! then in the caches) and the rehearsal runs the same code as the real close, including an
//! entry through sizing, risk and the order manager (which is then in the caches too). The
//! copy's actions are dropped and the engine is left as it was: the decisions are the same
//! with or without rehearsals (a test checks this action for action).
//!
//! Rehearsals run from `LEAD_MS` before a bar's end until its closing candle arrives (at most
//! `LAG_MS` after the end, so a stalled feed stops them), at most one every `EVERY_MS`. Each is
//! a copy of the engine and one bar's decision: tens of microseconds, a few hundred times a bar.

use super::core::Engine;
use crate::domain::{Action, Candle, Event};
use crate::reason;
use crate::strategy::{Direction, Intent, IntentKind, ModeId};

/// How long before a bar's end the rehearsals start.
pub const LEAD_MS: i64 = 2_000;
/// How long after a bar's end they go on while its closing candle has not arrived.
pub const LAG_MS: i64 = 5_000;
/// The least time between two rehearsals.
pub const EVERY_MS: i64 = 50;

/// The runtime's rehearsals: a scratch engine and its action buffer, reused.
#[derive(Default)]
pub struct Rehearsal {
    scratch: Option<Box<Engine>>,
    actions: Vec<Action>,
    last_ms: Option<i64>,
    runs: u64,
    /// Orders the last rehearsal placed (and dropped).
    last_orders: usize,
}

impl Rehearsal {
    pub fn new() -> Self {
        Self::default()
    }

    /// Called when the runtime has nothing to read: rehearses the coming bar close when one is
    /// due at `now_ms` (the later of the clock and the engine's market time). Returns whether
    /// it ran. The engine is lent mutably only to set aside, for the copy, memory the decision
    /// never reads (see `Engine::rehearsal_copy`); it is left exactly as it was.
    pub fn on_idle(&mut self, engine: &mut Engine, now_ms: i64) -> bool {
        if self.last_ms.is_some_and(|t| (0..EVERY_MS).contains(&(now_ms - t))) {
            return false;
        }
        let Some(end) = engine.pending_bar_end(now_ms) else { return false };
        self.last_ms = Some(now_ms);
        let copy = engine.rehearsal_copy();
        let scratch = match &mut self.scratch {
            Some(s) => {
                **s = copy;
                s
            }
            None => self.scratch.insert(Box::new(copy)),
        };
        scratch.rehearse_close(end, &mut self.actions);
        self.last_orders = self.actions.iter().filter(|a| matches!(a, Action::PlaceOrder(_))).count();
        self.actions.clear();
        self.runs += 1;
        true
    }

    /// Rehearsals run so far.
    pub fn runs(&self) -> u64 {
        self.runs
    }
}

impl Engine {
    /// The end of the earliest coming strategy bar (the one being built, or the next candle
    /// when the strategy trades the base candles) that ends within `LEAD_MS` after `now_ms` or
    /// ended less than `LAG_MS` before it.
    fn pending_bar_end(&self, now_ms: i64) -> Option<i64> {
        self.symbols
            .iter()
            .filter_map(|st| st.aggregator.next_bar().map(|(_, end)| end))
            .filter(|&end| end - now_ms <= LEAD_MS && now_ms - end <= LAG_MS)
            .min()
    }

    /// A copy of the engine for a rehearsal, without the two things no decision reads and that
    /// only grow: the order manager's memory of applied fill ids (up to 10,000) and the closed
    /// trades (kept for display). They are set aside during the copy and put back.
    fn rehearsal_copy(&mut self) -> Engine {
        let fills = self.orders.take_fill_memory();
        let trades = std::mem::take(&mut self.closed_trades);
        let copy = self.clone();
        self.orders.restore_fill_memory(fills);
        self.closed_trades = trades;
        copy
    }

    /// On a scratch copy: the candle that completes each bar ending at `end` (its prices from
    /// the live partial kline when there is one, otherwise flat at the last price), then an
    /// entry on the first of those symbols through sizing, risk and the order manager.
    fn rehearse_close(&mut self, end: i64, out: &mut Vec<Action>) {
        let Some(base) = self.config.interval.duration_ms() else { return };
        let ts_ms = end - base;
        let mut first = None;
        for s in 0..self.symbols.len() {
            let st = &self.symbols[s];
            let Some((bar, bar_end)) = st.aggregator.next_bar() else { continue };
            if bar_end != end {
                continue;
            }
            // The volume of one base candle so far (the bar's own when candles pass through).
            let per_candle = bar.volume / ((ts_ms - bar.ts_ms) / base).max(1) as f64;
            let candle = match st.partial {
                Some(p) if p.ts_ms == ts_ms && p.interval == self.config.interval => Candle { closed: true, ..p },
                _ => {
                    let p = st.last_price;
                    Candle {
                        symbol: st.instrument.symbol,
                        interval: self.config.interval,
                        ts_ms,
                        open: p,
                        high: p,
                        low: p,
                        close: p,
                        volume: per_candle,
                        turnover: per_candle * p.to_f64(),
                        closed: true,
                    }
                }
            };
            self.on_event_into(&Event::Candle(candle), out);
            first.get_or_insert(s);
        }
        let Some(s) = first else { return };
        let price = self.symbols[s].last_price.to_f64();
        if price > 0.0 {
            let kind = IntentKind::Enter { direction: Direction::Long, stop: price * 0.99, target: None };
            let intent = Intent { mode: ModeId::Trend, kind, reason: reason!("rehearsal") };
            self.carry_out(s, intent, end, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::data::generator::{demo_instruments, GeneratorConfig, MarketGenerator};
    use crate::domain::{Interval, Money};
    use crate::exchange::sim::SimExchange;
    use crate::runtime::pipeline::{Pipeline, Sink};
    use crate::runtime::{engine_config, sim_config};

    /// Every action and account event, as text, in order.
    #[derive(Default)]
    struct Log(Vec<String>);

    impl Sink for Log {
        fn on_account_event(&mut self, event: &Event) {
            self.0.push(format!("{event:?}"));
        }
        fn on_action(&mut self, action: &Action) {
            self.0.push(format!("{action:?}"));
        }
    }

    fn pipeline() -> Pipeline {
        pipeline_for(&Config::default())
    }

    /// Feeds `minutes` of the market of `seed`; returns its generator, ready for the next.
    fn run_minutes(p: &mut Pipeline, seed: u64, minutes: usize) -> MarketGenerator {
        let mut generator = MarketGenerator::new(GeneratorConfig { seed, ..GeneratorConfig::default() });
        let mut events = Vec::new();
        for _ in 0..minutes {
            events.clear();
            generator.next_minute(&mut events);
            for e in &events {
                p.feed(e, &mut Log::default());
            }
        }
        generator
    }

    fn pipeline_for(config: &Config) -> Pipeline {
        let instruments = demo_instruments();
        let venue = SimExchange::new(sim_config(config), &instruments, Money::from_int(100_000));
        let mut p = Pipeline::new(Engine::new(engine_config(config, Interval::M1)), venue);
        for i in &instruments {
            p.inform(&Event::Instrument(*i), &mut Log::default());
        }
        let balance = p.venue.balance();
        p.inform(&Event::Balance(balance), &mut Log::default());
        p
    }

    #[test]
    fn rehearsals_change_no_decision() {
        let mut generator = MarketGenerator::new(GeneratorConfig { seed: 11, ..GeneratorConfig::default() });
        let (mut plain, mut rehearsed) = (pipeline(), pipeline());
        let (mut plain_log, mut rehearsed_log) = (Log::default(), Log::default());
        let mut rehearsal = Rehearsal::new();
        let mut events = Vec::new();
        let mut bar_closes_rehearsed = 0;
        // Frames since the last rehearsal.
        let mut since = usize::MAX;
        for _ in 0..3_000 {
            events.clear();
            generator.next_minute(&mut events);
            for e in &events {
                plain.feed(e, &mut plain_log);
                let before = rehearsal.runs();
                let now = rehearsed.engine.now_ms();
                if rehearsal.on_idle(&mut rehearsed.engine, now) {
                    assert_eq!(rehearsal.runs(), before + 1);
                    since = 0;
                }
                if matches!(e, Event::Candle(c) if (c.ts_ms + 60_000) % 900_000 == 0) && since <= 4 {
                    bar_closes_rehearsed += 1;
                }
                since = since.saturating_add(1);
                rehearsed.feed(e, &mut rehearsed_log);
            }
        }
        // The rehearsals ran near the bar closes only, at most four frames before each: a bar's
        // final minute ends with a book update and the two symbols' tickers, all 1 ms before
        // its end, and with 50 ms between rehearsals the last one runs before those three.
        let bars = 3_000 / 15;
        assert!(rehearsal.runs() >= bars, "{} rehearsals", rehearsal.runs());
        assert!(rehearsal.runs() < bars * 5, "{} rehearsals", rehearsal.runs());
        // Both symbols' closing candles.
        assert_eq!(bar_closes_rehearsed, 2 * bars, "bar closes rehearsed");
        let trades = plain_log.0.iter().filter(|l| l.starts_with("PlaceOrder")).count();
        assert!(trades > 20, "the market must make the engine trade ({trades} orders)");
        assert_eq!(plain_log.0.len(), rehearsed_log.0.len());
        for (i, (a, b)) in plain_log.0.iter().zip(&rehearsed_log.0).enumerate() {
            assert_eq!(a, b, "entry {i} differs");
        }
        assert_eq!(plain.engine.closed_trades().len(), rehearsed.engine.closed_trades().len());
    }

    #[test]
    fn strategy_on_the_base_candles_rehearses_each_candle_close() {
        let mut config = Config::default();
        config.strategy.trend.timeframe = Interval::M1;
        let mut p = pipeline_for(&config);
        let generator = run_minutes(&mut p, 5, 3);
        // Three candles closed; the fourth ends a minute after the third's end.
        let next = generator.next_minute_ts() + 60_000;
        assert_eq!(p.engine.pending_bar_end(next - 1_000), Some(next));
        assert_eq!(p.engine.pending_bar_end(next - 30_000), None);
        let mut r = Rehearsal::new();
        assert!(r.on_idle(&mut p.engine, next - 1_000));
    }

    #[test]
    fn due_only_near_a_bar_end_and_at_most_every_50_ms() {
        let mut p = pipeline();
        // 20 minutes: one 15-minute bar closed, the next 5 minutes into its successor.
        run_minutes(&mut p, 3, 20);
        let now = p.engine.now_ms();
        let end = p.engine.pending_bar_end(now + 10 * 60_000 - 1_000).expect("a bar is being built");
        assert_eq!(end % 900_000, 0);
        let mut r = Rehearsal::new();
        assert!(!r.on_idle(&mut p.engine, end - LEAD_MS - 1), "too early");
        assert!(r.on_idle(&mut p.engine, end - LEAD_MS));
        // The rehearsed entry went through risk and the order manager to an order (dropped).
        assert_eq!(r.last_orders, 1);
        assert!(p.engine.snapshot().open_orders.is_empty());
        assert!(!r.on_idle(&mut p.engine, end - LEAD_MS + EVERY_MS - 1), "too soon after the last");
        assert!(r.on_idle(&mut p.engine, end - LEAD_MS + EVERY_MS));
        assert!(r.on_idle(&mut p.engine, end + LAG_MS), "the closing candle is late");
        assert!(!r.on_idle(&mut p.engine, end + LAG_MS + EVERY_MS), "a stalled feed stops them");
        assert_eq!(r.runs(), 3);
    }
}
