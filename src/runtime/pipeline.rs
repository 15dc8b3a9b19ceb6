//! The one loop every run shares: a market event goes to the venue (which may fill resting
//! orders) and to the engine; the engine's actions go to the venue; the venue's reports go back
//! to the engine, until nothing is left. The backtest, the demo venue and replays all use it,
//! with no channels, tasks or sleeps inside.

use crate::domain::{Action, Command, Event};
use crate::engine::Engine;
use crate::exchange::sim::SimExchange;
use crate::exchange::ExecutionVenue;

/// Where a run records what happened (the SQLite writer, or nothing in a backtest).
pub trait Sink {
    /// An account event from the venue (order report, fill, position, balance).
    fn on_account_event(&mut self, event: &Event);
    /// An action from the engine.
    fn on_action(&mut self, action: &Action);
    /// Any event about to enter the engine (market, account, command, opening), in the exact
    /// order the engine sees them: the session journal records these for replays.
    #[inline]
    fn on_engine_input(&mut self, _event: &Event) {}
}

/// A sink that records nothing (backtests keep what they need in the engine and venue).
pub struct NoSink;

impl Sink for NoSink {
    #[inline]
    fn on_account_event(&mut self, _: &Event) {}
    #[inline]
    fn on_action(&mut self, _: &Action) {}
}

/// Rounds of action → venue → event before the loop gives up (a runaway feedback guard).
const MAX_ROUNDS: usize = 64;

/// The engine wired to the simulated venue.
pub struct Pipeline {
    pub engine: Engine,
    pub venue: SimExchange,
    actions: Vec<Action>,
    pending: Vec<Action>,
    events: Vec<Event>,
}

impl Pipeline {
    pub fn new(engine: Engine, venue: SimExchange) -> Self {
        Self { engine, venue, actions: Vec::new(), pending: Vec::new(), events: Vec::new() }
    }

    /// One market event through venue and engine, then every consequence until quiet.
    #[inline]
    pub fn feed(&mut self, event: &Event, sink: &mut impl Sink) {
        self.venue_first(event, sink);
        self.decide(event, sink);
        self.settle(sink);
    }

    /// The first of `feed`'s three steps: the simulated venue sees the market event (resting
    /// orders may fill, stops trigger) and the engine takes the venue's reports.
    #[inline]
    pub fn venue_first(&mut self, event: &Event, sink: &mut impl Sink) {
        self.events.clear();
        self.venue.on_market(event, &mut self.events);
        for e in &self.events {
            sink.on_account_event(e);
            sink.on_engine_input(e);
            self.engine.on_event_into(e, &mut self.actions);
        }
    }

    /// The second step: the engine's decision on the market event. Its actions wait for
    /// `settle`; returns how many actions are waiting.
    #[inline]
    pub fn decide(&mut self, event: &Event, sink: &mut impl Sink) -> usize {
        sink.on_engine_input(event);
        self.engine.on_event_into(event, &mut self.actions);
        self.actions.len()
    }

    /// An operator command, with its consequences.
    pub fn command(&mut self, command: Command, sink: &mut impl Sink) {
        let event = Event::Command(command);
        sink.on_engine_input(&event);
        self.engine.on_event_into(&event, &mut self.actions);
        self.settle(sink);
    }

    /// Feeds an event to the engine only (instrument rules, the opening balance).
    pub fn inform(&mut self, event: &Event, sink: &mut impl Sink) {
        sink.on_engine_input(event);
        self.engine.on_event_into(event, &mut self.actions);
        self.settle(sink);
    }

    /// The last step: the waiting actions go to the venue and its reports back to the engine,
    /// until nothing is left.
    #[inline]
    pub fn settle(&mut self, sink: &mut impl Sink) {
        let mut rounds = 0;
        while !self.actions.is_empty() {
            rounds += 1;
            if rounds > MAX_ROUNDS {
                tracing::error!(left = self.actions.len(), "action loop did not settle; dropping the rest");
                self.actions.clear();
                break;
            }
            std::mem::swap(&mut self.actions, &mut self.pending);
            self.events.clear();
            let now = self.engine_now();
            for a in &self.pending {
                sink.on_action(a);
                self.venue.execute(a, now, &mut self.events);
            }
            self.pending.clear();
            for e in &self.events {
                sink.on_account_event(e);
                sink.on_engine_input(e);
                self.engine.on_event_into(e, &mut self.actions);
            }
        }
    }

    /// The engine's actions waiting for `settle` (what `decide` returned).
    pub fn waiting(&self) -> &[Action] {
        &self.actions
    }

    fn engine_now(&self) -> i64 {
        self.engine.now_ms()
    }
}
