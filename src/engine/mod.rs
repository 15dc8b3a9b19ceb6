//! The deterministic core: `Engine::on_event(Event) -> Vec<Action>`, no I/O, no clock reads.

mod snapshot;

pub use snapshot::*;
