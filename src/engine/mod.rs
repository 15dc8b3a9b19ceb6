//! The deterministic core: `Engine::on_event(&Event) -> Vec<Action>`, no I/O, no clock reads.

mod aggregate;
mod commands;
mod config;
mod core;
mod fills;
mod hedge;
mod hedge_same;
mod hedge_stop;
mod market;
mod modes;
mod orders;
mod positions;
mod rebalance;
mod rehearse;
mod snapshot;
mod stops;
mod symbol;
mod venue;
mod view;

pub use self::core::{Engine, TREND_MODE};
pub use aggregate::CandleAggregator;
pub use config::EngineConfig;
pub use positions::PositionBook;
pub use rehearse::Rehearsal;
pub use snapshot::*;

#[cfg(test)]
mod tests_hedge;
#[cfg(test)]
mod tests_hedge_same;
#[cfg(test)]
mod tests_hedge_stop;
#[cfg(test)]
mod tests_rebalance;
#[cfg(test)]
mod tests_risk;
#[cfg(test)]
mod tests_support;
