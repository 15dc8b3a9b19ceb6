//! Market data sources (generator, CSV replay) and the SQLite store.

pub mod csv;
pub mod generator;
pub mod store;
