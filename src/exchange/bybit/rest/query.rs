//! GET query strings exactly as they are sent and signed: keys sorted, empty values dropped,
//! no percent-encoding of plain values (a `cursor` Bybit returned is passed back verbatim, it
//! is already encoded); anything outside the safe set is percent-encoded.

use std::fmt::Write;

/// Query parameters for a GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(&'static str, String)>,
}

fn safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'%' | b',')
}

impl Query {
    pub fn new() -> Self {
        Query::default()
    }

    /// Adds `key=value` (an empty value is left out, like the official clients do).
    pub fn add(mut self, key: &'static str, value: impl ToString) -> Self {
        let v = value.to_string();
        if !v.is_empty() {
            self.pairs.push((key, v));
        }
        self
    }

    /// Adds `key=value` when `value` is `Some`.
    pub fn opt(self, key: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.add(key, v),
            None => self,
        }
    }

    /// `a=1&b=2`, keys sorted alphabetically (stable for equal keys).
    pub fn encode(&self) -> String {
        let mut pairs: Vec<&(&'static str, String)> = self.pairs.iter().collect();
        pairs.sort_by_key(|p| p.0);
        let mut out = String::new();
        for (i, (k, v)) in pairs.into_iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(k);
            out.push('=');
            for &b in v.as_bytes() {
                if safe(b) {
                    out.push(b as char);
                } else {
                    let _ = write!(out, "%{b:02X}");
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_encoded_like_the_signer_expects() {
        let q =
            Query::new().add("symbol", "BTCUSDT").add("category", "linear").add("cursor", "").opt("limit", Some(50));
        assert_eq!(q.encode(), "category=linear&limit=50&symbol=BTCUSDT");
        // A returned cursor passes through verbatim; a space or '&' would be encoded.
        let q = Query::new().add("cursor", "page_args%3D12%26symbol%3D").add("note", "a b&c");
        assert_eq!(q.encode(), "cursor=page_args%3D12%26symbol%3D&note=a%20b%26c");
        assert_eq!(Query::new().encode(), "");
    }
}
