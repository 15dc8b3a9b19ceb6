//! Market data sources (generator, CSV replay), the SQLite store and the Bybit history download.

pub mod csv;
pub mod download;
pub mod generator;
pub mod store;
