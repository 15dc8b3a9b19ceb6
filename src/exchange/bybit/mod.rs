//! Bybit V5: wire types and parsers, request signing, typed API errors and the conversions
//! between Bybit's JSON and our domain types. No networking here: the REST and WebSocket
//! clients and the mock exchange build on these types.

pub mod convert;
pub mod decode;
pub mod error;
pub mod sign;
pub mod wire;

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
