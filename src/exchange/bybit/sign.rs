//! Bybit V5 request signing (HMAC-SHA256, lowercase hex) for the client, and signature plus
//! timestamp verification for the mock server.
//!
//! REST string to sign: `timestamp + api_key + recv_window + payload`, where the payload is the
//! raw query string of a GET (without `?`) or the raw JSON body of a POST, byte for byte as sent.
//! WebSocket auth signs `"GET/realtime" + expires`. Secrets never appear in `Debug`/`Display`.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

/// Header carrying the API key.
pub const HEADER_API_KEY: &str = "X-BAPI-API-KEY";
/// Header carrying the request time in ms.
pub const HEADER_TIMESTAMP: &str = "X-BAPI-TIMESTAMP";
/// Header carrying the validity window in ms (default 5000).
pub const HEADER_RECV_WINDOW: &str = "X-BAPI-RECV-WINDOW";
/// Header carrying the hex signature.
pub const HEADER_SIGN: &str = "X-BAPI-SIGN";
/// Header naming the signature type; official clients send `2` (HMAC); servers ignore it.
pub const HEADER_SIGN_TYPE: &str = "X-BAPI-SIGN-TYPE";
/// Value of `X-BAPI-SIGN-TYPE` for HMAC signatures.
pub const SIGN_TYPE_HMAC: &str = "2";
/// Bybit's default receive window (ms).
pub const DEFAULT_RECV_WINDOW_MS: u64 = 5000;
/// How far ahead of the server clock a request timestamp may be (ms, exclusive).
pub const MAX_FUTURE_SKEW_MS: i64 = 1000;

type HmacSha256 = Hmac<Sha256>;

/// An API key and its secret. The secret is never printed: `Debug` and `Display` redact it.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub api_key: String,
    api_secret: String,
}

impl Credentials {
    pub fn new(api_key: impl Into<String>, api_secret: impl Into<String>) -> Self {
        Self { api_key: api_key.into(), api_secret: api_secret.into() }
    }

    /// The secret, for the signer and the mock's verifier only. Never log it.
    pub fn expose_secret(&self) -> &str {
        &self.api_secret
    }

    /// Signs a REST request: `payload` is the raw query string (GET) or raw JSON body (POST).
    pub fn sign_rest(&self, timestamp_ms: i64, recv_window_ms: u64, payload: &str) -> String {
        sign_rest(&self.api_key, &self.api_secret, timestamp_ms, recv_window_ms, payload)
    }

    /// The full header set for a signed REST request, in the order official clients send it.
    pub fn rest_headers(&self, timestamp_ms: i64, recv_window_ms: u64, payload: &str) -> SignedHeaders {
        SignedHeaders {
            api_key: self.api_key.clone(),
            timestamp: timestamp_ms.to_string(),
            recv_window: recv_window_ms.to_string(),
            sign: self.sign_rest(timestamp_ms, recv_window_ms, payload),
        }
    }

    /// The WebSocket `auth` signature for `expires_ms`.
    pub fn sign_ws(&self, expires_ms: i64) -> String {
        sign_ws(&self.api_secret, expires_ms)
    }

    /// The WebSocket `auth` request (`{"req_id","op":"auth","args":[key, expires, sign]}`).
    pub fn ws_auth_request(&self, expires_ms: i64, req_id: Option<&str>) -> String {
        let mut out = String::with_capacity(160);
        out.push('{');
        if let Some(id) = req_id {
            out.push_str("\"req_id\":");
            out.push_str(&serde_json::Value::from(id).to_string());
            out.push(',');
        }
        out.push_str("\"op\":\"auth\",\"args\":[");
        out.push_str(&serde_json::Value::from(self.api_key.as_str()).to_string());
        out.push(',');
        out.push_str(&expires_ms.to_string());
        out.push_str(",\"");
        out.push_str(&self.sign_ws(expires_ms));
        out.push_str("\"]}");
        out
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("api_key", &self.api_key).field("api_secret", &"<redacted>").finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "api key {} (secret redacted)", self.api_key)
    }
}

/// The four signed-request header values (names are the `HEADER_*` constants).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub api_key: String,
    pub timestamp: String,
    pub recv_window: String,
    pub sign: String,
}

impl SignedHeaders {
    /// `(name, value)` pairs including `X-BAPI-SIGN-TYPE: 2`.
    pub fn pairs(&self) -> [(&'static str, &str); 5] {
        [
            (HEADER_API_KEY, &self.api_key),
            (HEADER_TIMESTAMP, &self.timestamp),
            (HEADER_RECV_WINDOW, &self.recv_window),
            (HEADER_SIGN, &self.sign),
            (HEADER_SIGN_TYPE, SIGN_TYPE_HMAC),
        ]
    }
}

fn mac(secret: &str) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    match HmacSha256::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
    }
}

/// Lowercase hex of bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// HMAC-SHA256 of `message` under `secret`, lowercase hex.
pub fn hmac_hex(secret: &str, message: &[&[u8]]) -> String {
    let mut m = mac(secret);
    for part in message {
        m.update(part);
    }
    to_hex(&m.finalize().into_bytes())
}

/// The REST string to sign: `timestamp + api_key + recv_window + payload`.
pub fn rest_origin_string(api_key: &str, timestamp_ms: i64, recv_window_ms: u64, payload: &str) -> String {
    format!("{timestamp_ms}{api_key}{recv_window_ms}{payload}")
}

/// REST signature: hex HMAC-SHA256 of [`rest_origin_string`].
pub fn sign_rest(api_key: &str, secret: &str, timestamp_ms: i64, recv_window_ms: u64, payload: &str) -> String {
    hmac_hex(secret, &[rest_origin_string(api_key, timestamp_ms, recv_window_ms, payload).as_bytes()])
}

/// WebSocket auth signature: hex HMAC-SHA256 of `"GET/realtime" + expires_ms`.
pub fn sign_ws(secret: &str, expires_ms: i64) -> String {
    hmac_hex(secret, &[b"GET/realtime", expires_ms.to_string().as_bytes()])
}

/// Why a signed request is refused; `ret_code()` gives Bybit's code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// Outside `server - recv_window <= ts < server + 1000` (retCode 10002).
    #[error(
        "invalid request, please check your server timestamp or recv_window param. \
         req_timestamp[{timestamp_ms}],server_timestamp[{server_ms}],recv_window[{recv_window_ms}]"
    )]
    Timestamp { timestamp_ms: i64, server_ms: i64, recv_window_ms: u64 },
    /// A header is missing or not a number (retCode 10001/10002 family; Bybit answers 10002 for a
    /// bad timestamp, 10001 otherwise).
    #[error("invalid {header} header: `{value}`")]
    BadHeader { header: &'static str, value: String },
    /// Unknown API key (retCode 10003).
    #[error("API key is invalid.")]
    UnknownKey,
    /// Signature mismatch (retCode 10004). Carries the string the server signed, as Bybit does.
    #[error("error sign! origin_string[{origin}]")]
    Signature { origin: String },
    /// WebSocket auth whose `expires` is already in the past.
    #[error("Params Error")]
    Expired { expires_ms: i64, now_ms: i64 },
}

impl SignError {
    /// Bybit's retCode for this failure.
    pub fn ret_code(&self) -> i64 {
        match self {
            SignError::Timestamp { .. } => 10002,
            SignError::BadHeader { header, .. } if *header == HEADER_TIMESTAMP => 10002,
            SignError::BadHeader { .. } => 10001,
            SignError::UnknownKey => 10003,
            SignError::Signature { .. } => 10004,
            SignError::Expired { .. } => 10001,
        }
    }
}

/// Byte comparison whose time does not depend on where the inputs differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

/// Checks the timestamp window `server - recv_window <= ts < server + 1000` (10002 otherwise).
pub fn check_timestamp(timestamp_ms: i64, recv_window_ms: u64, server_ms: i64) -> Result<(), SignError> {
    let window = i64::try_from(recv_window_ms).unwrap_or(i64::MAX);
    let lower = server_ms.saturating_sub(window);
    if timestamp_ms < lower || timestamp_ms >= server_ms.saturating_add(MAX_FUTURE_SKEW_MS) {
        return Err(SignError::Timestamp { timestamp_ms, server_ms, recv_window_ms });
    }
    Ok(())
}

/// What a server received with a signed REST request (header values as text, payload raw).
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub api_key: &'a str,
    pub timestamp: &'a str,
    /// `None` when the header is absent (Bybit then uses 5000).
    pub recv_window: Option<&'a str>,
    pub sign: &'a str,
    /// Raw query string (GET) or raw body (POST), exactly as received.
    pub payload: &'a str,
}

/// Verifies a signed REST request the way Bybit does: timestamp window first (10002), then the
/// key (10003, `secret_for` returns `None` for unknown keys), then the HMAC compared in constant
/// time (10004).
pub fn verify<'s>(
    req: &SignedRequest<'_>,
    server_ms: i64,
    secret_for: impl FnOnce(&str) -> Option<&'s str>,
) -> Result<(), SignError> {
    let timestamp_ms: i64 = req
        .timestamp
        .trim()
        .parse()
        .map_err(|_| SignError::BadHeader { header: HEADER_TIMESTAMP, value: req.timestamp.to_string() })?;
    let recv_window_ms: u64 = match req.recv_window {
        None => DEFAULT_RECV_WINDOW_MS,
        Some(v) => {
            v.trim().parse().map_err(|_| SignError::BadHeader { header: HEADER_RECV_WINDOW, value: v.to_string() })?
        }
    };
    check_timestamp(timestamp_ms, recv_window_ms, server_ms)?;
    let secret = secret_for(req.api_key).ok_or(SignError::UnknownKey)?;
    let origin = rest_origin_string(req.api_key, timestamp_ms, recv_window_ms, req.payload);
    let expected = hmac_hex(secret, &[origin.as_bytes()]);
    if !constant_time_eq(expected.as_bytes(), req.sign.trim().to_ascii_lowercase().as_bytes()) {
        return Err(SignError::Signature { origin });
    }
    Ok(())
}

/// Verifies WebSocket auth args `[api_key, expires, signature]`: `expires` must be in the future.
pub fn verify_ws<'s>(
    api_key: &str,
    expires_ms: i64,
    signature: &str,
    now_ms: i64,
    secret_for: impl FnOnce(&str) -> Option<&'s str>,
) -> Result<(), SignError> {
    if expires_ms <= now_ms {
        return Err(SignError::Expired { expires_ms, now_ms });
    }
    let secret = secret_for(api_key).ok_or(SignError::UnknownKey)?;
    let expected = sign_ws(secret, expires_ms);
    if !constant_time_eq(expected.as_bytes(), signature.trim().to_ascii_lowercase().as_bytes()) {
        return Err(SignError::Signature { origin: format!("GET/realtime{expires_ms}") });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors from the reference (bybit-v5.md §2.1), computed there with `openssl dgst -hmac`.
    const KEY: &str = "TESTKEY123";
    const SECRET: &str = "TESTSECRET456";
    const TS: i64 = 1_700_000_000_000;
    const POST_BODY: &str = r#"{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.001","price":"60000","timeInForce":"GTC","orderLinkId":"demo-0001"}"#;

    fn creds() -> Credentials {
        Credentials::new(KEY, SECRET)
    }

    #[test]
    fn rest_signatures_match_reference_vectors() {
        let c = creds();
        assert_eq!(
            rest_origin_string(KEY, TS, 5000, "category=linear&symbol=BTCUSDT"),
            "1700000000000TESTKEY1235000category=linear&symbol=BTCUSDT"
        );
        assert_eq!(
            c.sign_rest(TS, 5000, "category=linear&symbol=BTCUSDT"),
            "97ef232703cf2832582c7db8df84cbb7fe75977e4f2e1f14d00f10601521c8b9"
        );
        assert_eq!(
            c.sign_rest(TS, 5000, POST_BODY),
            "f23b79f0c2a96e841447dd1e46c1f0b0bfdf4139a89460b4759c23e469557d38"
        );
        assert_eq!(c.sign_rest(TS, 5000, ""), "2598d3b3dddd228c234e9c7a6d15dc55b910247db20106a79318d392bd3c18bc");
    }

    #[test]
    fn ws_signatures_match_reference_vectors() {
        let c = creds();
        assert_eq!(c.sign_ws(1_700_000_001_000), "ab1298f347cf096f366b9a202bf1c4f739b527fa79dcc4101ed234d59863c5dd");
        // ws-auth-request.json carries a real signature for expires 1718000001000.
        assert_eq!(c.sign_ws(1_718_000_001_000), "044aec5e5f218dea9fbf787bb73045ac40e0916a2896e2af5d42c82428aac7d3");
        let req = c.ws_auth_request(1_718_000_001_000, Some("auth-1"));
        assert_eq!(
            req,
            r#"{"req_id":"auth-1","op":"auth","args":["TESTKEY123",1718000001000,"044aec5e5f218dea9fbf787bb73045ac40e0916a2896e2af5d42c82428aac7d3"]}"#
        );
    }

    #[test]
    fn secret_never_printed() {
        let c = creds();
        let shown = format!("{c:?} {c}");
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(shown.contains("TESTKEY123") && shown.contains("redacted"));
        let h = c.rest_headers(TS, 5000, "");
        assert_eq!(h.pairs()[3], (HEADER_SIGN, "2598d3b3dddd228c234e9c7a6d15dc55b910247db20106a79318d392bd3c18bc"));
        assert_eq!(h.pairs()[4], ("X-BAPI-SIGN-TYPE", "2"));
    }

    fn req<'a>(ts: &'a str, sign: &'a str, payload: &'a str) -> SignedRequest<'a> {
        SignedRequest { api_key: KEY, timestamp: ts, recv_window: Some("5000"), sign, payload }
    }

    #[test]
    fn verify_checks_window_then_key_then_signature() {
        let lookup = |k: &str| if k == KEY { Some(SECRET) } else { None };
        let good = "97ef232703cf2832582c7db8df84cbb7fe75977e4f2e1f14d00f10601521c8b9";
        let q = "category=linear&symbol=BTCUSDT";
        // Window: server - 5000 <= ts < server + 1000.
        assert_eq!(verify(&req("1700000000000", good, q), TS + 5000, lookup), Ok(()));
        assert_eq!(verify(&req("1700000000000", good, q), TS - 999, lookup), Ok(()));
        let late = verify(&req("1700000000000", good, q), TS + 5001, lookup).unwrap_err();
        assert_eq!(late.ret_code(), 10002);
        assert!(late.to_string().contains("req_timestamp[1700000000000],server_timestamp[1700000005001]"));
        let early = verify(&req("1700000000000", good, q), TS - 1000, lookup).unwrap_err();
        assert_eq!(early.ret_code(), 10002);
        // Timestamp is checked before the key: an unknown key with a stale time is 10002.
        let stale_unknown = verify(&SignedRequest { api_key: "NOPE", ..req("1", good, q) }, TS, lookup).unwrap_err();
        assert_eq!(stale_unknown.ret_code(), 10002);
        let unknown = verify(&SignedRequest { api_key: "NOPE", ..req("1700000000000", good, q) }, TS, lookup);
        assert_eq!(unknown.unwrap_err().ret_code(), 10003);
        // One flipped hex digit, or the payload reordered, is 10004 with the origin string.
        let bad = verify(&req("1700000000000", &good.replace("97ef", "97ee"), q), TS, lookup).unwrap_err();
        assert_eq!(bad.ret_code(), 10004);
        assert_eq!(
            bad.to_string(),
            "error sign! origin_string[1700000000000TESTKEY1235000category=linear&symbol=BTCUSDT]"
        );
        let reordered = verify(&req("1700000000000", good, "symbol=BTCUSDT&category=linear"), TS, lookup);
        assert_eq!(reordered.unwrap_err().ret_code(), 10004);
        // Missing recv window means 5000; a garbage timestamp is 10002.
        let no_window = SignedRequest { recv_window: None, ..req("1700000000000", good, q) };
        assert_eq!(verify(&no_window, TS, lookup), Ok(()));
        assert_eq!(verify(&req("abc", good, q), TS, lookup).unwrap_err().ret_code(), 10002);
    }

    #[test]
    fn verify_ws_requires_future_expiry() {
        let lookup = |k: &str| if k == KEY { Some(SECRET) } else { None };
        let sig = "044aec5e5f218dea9fbf787bb73045ac40e0916a2896e2af5d42c82428aac7d3";
        assert_eq!(verify_ws(KEY, 1_718_000_001_000, sig, 1_718_000_000_000, lookup), Ok(()));
        assert!(matches!(
            verify_ws(KEY, 1_718_000_001_000, sig, 1_718_000_001_000, lookup),
            Err(SignError::Expired { .. })
        ));
        assert!(matches!(
            verify_ws(KEY, 1_718_000_001_001, sig, 1_718_000_000_000, lookup),
            Err(SignError::Signature { .. })
        ));
        assert_eq!(verify_ws("X", 1_718_000_001_000, sig, 0, lookup), Err(SignError::UnknownKey));
    }

    #[test]
    fn constant_time_eq_compares_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert_eq!(to_hex(&[0x00, 0xab, 0xff]), "00abff");
    }
}
