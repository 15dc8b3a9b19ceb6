//! Bybit V5: wire types and parsers, request signing, typed API errors and the conversions
//! between Bybit's JSON and our domain types (shared with the mock exchange), plus the
//! networked side: the REST client (`rest`), the WebSocket streams (`ws`), instrument rules
//! (`rules`), key loading and permission checks (`keys`) and the `BybitVenue` (`venue`).

pub mod convert;
pub mod decode;
pub mod env;
pub mod error;
pub mod keys;
pub mod rest;
pub mod rules;
pub mod sign;
pub mod venue;
pub mod wire;
pub mod ws;

#[cfg(test)]
mod data_tests;
#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod roundtrip_tests;

pub use decode::{PrivateDecoder, PrivateEvent, PublicDecoder, PublicEvent};
pub use error::{ApiError, ErrorKind};
pub use sign::{Credentials, SignError};
pub use wire::WireError;
