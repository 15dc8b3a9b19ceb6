//! Venues behind one interface: the engine's actions go in, account events come out.

pub mod bybit;
pub mod sim;

use crate::domain::{Action, Event};

/// Where the engine's order actions are carried out.
///
/// A venue answers synchronously what it knows at once (the simulator: acknowledgements and
/// immediate fills) by pushing events to `out`; an asynchronous venue (Bybit) pushes nothing here
/// and delivers its reports later through its event stream. Either way the engine sees only
/// `Event`s, so it has no special cases per venue.
pub trait ExecutionVenue {
    fn execute(&mut self, action: &Action, ts_ms: i64, out: &mut Vec<Event>);
}
