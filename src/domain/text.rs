//! Small inline strings (`Copy`, no allocation) for symbols and order ids on the hot path.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Why a string does not fit an inline string type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InlineStrError {
    #[error("`{value}` is longer than {max} bytes")]
    TooLong { value: String, max: usize },
    #[error("empty value")]
    Empty,
    #[error("`{0}` contains characters other than A-Z, a-z, 0-9, '-', '_' or '.'")]
    BadChar(String),
}

macro_rules! inline_str {
    ($(#[$meta:meta])* $name:ident, $cap:expr) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name {
            len: u8,
            bytes: [u8; $cap],
        }

        impl $name {
            pub const CAPACITY: usize = $cap;
            /// No text (a placeholder; `new` never makes one).
            pub const EMPTY: Self = Self { len: 0, bytes: [0; $cap] };

            /// Builds one from text of ASCII letters, digits, `-`, `_` and `.`.
            pub fn new(s: &str) -> Result<Self, InlineStrError> {
                if s.is_empty() {
                    return Err(InlineStrError::Empty);
                }
                if s.len() > $cap {
                    return Err(InlineStrError::TooLong { value: s.to_string(), max: $cap });
                }
                if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.') {
                    return Err(InlineStrError::BadChar(s.to_string()));
                }
                let mut bytes = [0u8; $cap];
                bytes[..s.len()].copy_from_slice(s.as_bytes());
                Ok(Self { len: s.len() as u8, bytes })
            }

            pub fn as_str(&self) -> &str {
                // Only ASCII is ever stored (checked in `new`).
                std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:?}", self.as_str())
            }
        }
        impl std::str::FromStr for $name {
            type Err = InlineStrError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::new(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

inline_str!(
    /// An instrument name as the venue spells it (`BTCUSDT`).
    Symbol,
    23
);
inline_str!(
    /// Our own order id (Bybit `orderLinkId`, at most 36 characters), the key for idempotency.
    ClientOrderId,
    39
);
inline_str!(
    /// The venue's order id (Bybit `orderId`, a UUID).
    OrderId,
    39
);
inline_str!(
    /// The venue's execution id.
    ExecId,
    39
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_checks_length_and_charset() {
        let s = Symbol::new("BTCUSDT").unwrap();
        assert_eq!(s.as_str(), "BTCUSDT");
        assert_eq!(format!("{s}"), "BTCUSDT");
        assert!(matches!(Symbol::new(""), Err(InlineStrError::Empty)));
        assert!(matches!(Symbol::new("BTC USDT"), Err(InlineStrError::BadChar(_))));
        assert!(matches!(Symbol::new("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), Err(InlineStrError::TooLong { max: 23, .. })));
        let id = ClientOrderId::new("ab-1700000000000-000042-trend").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"ab-1700000000000-000042-trend\"");
    }
}
