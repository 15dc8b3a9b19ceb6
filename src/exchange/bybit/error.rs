//! Bybit's documented `retCode`s as a typed error, with the retry policy the client follows.
//!
//! Retry rule (for the REST client): timeouts, HTTP 5xx/429, 10000, 10006 and 10016 are retried
//! with backoff. An order *create* is only ever retried with the **same** `orderLinkId`, so a
//! create that did reach Bybit is answered 110072 (duplicate) instead of placing a second order;
//! the client must then read the order by `orderLinkId` rather than treat 110072 as a failure.

use crate::domain::RejectReason;

/// A non-zero `retCode` from Bybit (or our mock), with the server's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bybit {code} ({kind:?}): {msg}")]
pub struct ApiError {
    pub code: i64,
    pub kind: ErrorKind,
    pub msg: String,
}

/// The meaning of a `retCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// 10000: server timeout.
    ServerTimeout,
    /// 10001: request parameter error.
    InvalidParams,
    /// 10002: timestamp outside the recv window.
    RecvWindow,
    /// 10003: API key invalid or from another environment.
    InvalidApiKey,
    /// 10004: signature mismatch.
    InvalidSignature,
    /// 10005: the key lacks a permission.
    PermissionDenied,
    /// 10006: per-UID rate limit.
    RateLimited,
    /// 10007: user authentication failed.
    AuthFailed,
    /// 10010: request IP not whitelisted.
    IpNotAllowed,
    /// 10014: invalid duplicate request.
    DuplicateRequest,
    /// 10016: server error.
    ServerError,
    /// 10017: route not found.
    RouteNotFound,
    /// 10029: symbol not allowed.
    SymbolNotAllowed,
    /// 110001 / 170213: order does not exist (or too late to cancel/replace).
    OrderNotExists,
    /// 110003: price outside the allowed band.
    PriceOutOfRange,
    /// 110004 / 110006 / 110007 / 110012 / 170131: not enough balance or margin.
    InsufficientBalance,
    /// 110008 / 110010: order already finished or cancelled.
    OrderFinished,
    /// 110009 / 110020: too many (conditional) orders.
    TooManyOrders,
    /// 110017: reduce-only quantity truncated to zero.
    ReduceOnlyZero,
    /// 110043: leverage not modified (clients treat as success).
    LeverageNotModified,
    /// 34040: TP/SL not modified.
    NotModified,
    /// 110072 / 170141: duplicate `orderLinkId`.
    DuplicateOrderLinkId,
    /// 110079: order is being processed; retry later.
    OrderProcessing,
    /// 110092 / 110093: trigger direction inconsistent with the current price.
    TriggerDirection,
    /// 110094 / 170140: order value below the minimum notional.
    BelowMinNotional,
    /// 170134 / 170137 / 170148: too many decimals (spot).
    TooPrecise,
    /// 170136: quantity below the minimum (spot).
    BelowMinQty,
    /// Any other code.
    Other,
}

impl ErrorKind {
    /// The kind of a `retCode`.
    pub fn from_code(code: i64) -> ErrorKind {
        use ErrorKind::*;
        match code {
            10000 => ServerTimeout,
            10001 => InvalidParams,
            10002 => RecvWindow,
            10003 => InvalidApiKey,
            10004 => InvalidSignature,
            10005 => PermissionDenied,
            10006 => RateLimited,
            10007 => AuthFailed,
            10010 => IpNotAllowed,
            10014 => DuplicateRequest,
            10016 => ServerError,
            10017 => RouteNotFound,
            10029 => SymbolNotAllowed,
            110001 | 170213 => OrderNotExists,
            110003 => PriceOutOfRange,
            110004 | 110006 | 110007 | 110012 | 170131 => InsufficientBalance,
            110008 | 110010 => OrderFinished,
            110009 | 110020 => TooManyOrders,
            110017 => ReduceOnlyZero,
            110043 => LeverageNotModified,
            34040 => NotModified,
            110072 | 170141 => DuplicateOrderLinkId,
            110079 => OrderProcessing,
            110092 | 110093 => TriggerDirection,
            110094 | 170140 => BelowMinNotional,
            170134 | 170137 | 170148 => TooPrecise,
            170136 => BelowMinQty,
            _ => Other,
        }
    }

    /// The canonical code we answer with for this kind (the mock server uses it).
    pub fn code(self) -> i64 {
        use ErrorKind::*;
        match self {
            ServerTimeout => 10000,
            InvalidParams => 10001,
            RecvWindow => 10002,
            InvalidApiKey => 10003,
            InvalidSignature => 10004,
            PermissionDenied => 10005,
            RateLimited => 10006,
            AuthFailed => 10007,
            IpNotAllowed => 10010,
            DuplicateRequest => 10014,
            ServerError => 10016,
            RouteNotFound => 10017,
            SymbolNotAllowed => 10029,
            OrderNotExists => 110001,
            PriceOutOfRange => 110003,
            InsufficientBalance => 110007,
            OrderFinished => 110008,
            TooManyOrders => 110020,
            ReduceOnlyZero => 110017,
            LeverageNotModified => 110043,
            NotModified => 34040,
            DuplicateOrderLinkId => 110072,
            OrderProcessing => 110079,
            TriggerDirection => 110092,
            BelowMinNotional => 110094,
            TooPrecise => 170137,
            BelowMinQty => 170136,
            Other => 10016,
        }
    }
}

impl ApiError {
    /// Builds the error for a non-zero `retCode`.
    pub fn from_ret_code(code: i64, msg: impl Into<String>) -> ApiError {
        ApiError { code, kind: ErrorKind::from_code(code), msg: msg.into() }
    }

    /// Whether sending the same request again may succeed: 10000 (timeout), 10006 (rate limit:
    /// wait for `X-Bapi-Limit-Reset-Timestamp`), 10016 (server error), 110079 (being processed)
    /// and 10002 (clock skew: resync server time first). Never retry an order create unless it
    /// carries the same `orderLinkId` (see the module doc).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::ServerTimeout
                | ErrorKind::RateLimited
                | ErrorKind::ServerError
                | ErrorKind::OrderProcessing
                | ErrorKind::RecvWindow
        )
    }

    /// Errors that mean "already in the state you asked for": treat as success.
    pub fn is_benign(&self) -> bool {
        matches!(self.kind, ErrorKind::LeverageNotModified | ErrorKind::NotModified)
    }

    /// The reason to put on an `OrderUpdate` when an order request fails with this error.
    pub fn reject_reason(&self) -> RejectReason {
        match self.kind {
            ErrorKind::InsufficientBalance => RejectReason::InsufficientBalance,
            ErrorKind::PriceOutOfRange | ErrorKind::TriggerDirection => RejectReason::InvalidPrice,
            ErrorKind::BelowMinNotional | ErrorKind::BelowMinQty | ErrorKind::TooPrecise => RejectReason::InvalidQty,
            ErrorKind::ReduceOnlyZero => RejectReason::ReduceOnlyWouldIncrease,
            ErrorKind::OrderNotExists | ErrorKind::OrderFinished => RejectReason::UnknownOrder,
            ErrorKind::DuplicateOrderLinkId => RejectReason::DuplicateClientId,
            _ => RejectReason::Other,
        }
    }
}

/// Retry policy for transport-level failures the REST client sees before any `retCode`.
pub fn is_retryable_http_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_kinds_and_back() {
        let e = ApiError::from_ret_code(110072, "OrderLinkedID is duplicate");
        assert_eq!(e.kind, ErrorKind::DuplicateOrderLinkId);
        assert_eq!(e.reject_reason(), RejectReason::DuplicateClientId);
        assert!(!e.is_retryable());
        assert_eq!(e.to_string(), "bybit 110072 (DuplicateOrderLinkId): OrderLinkedID is duplicate");
        for code in [10000, 10001, 10002, 10003, 10004, 10005, 10006, 10016, 110001, 110007, 110072, 110094] {
            assert_eq!(ErrorKind::from_code(code).code(), code, "round trip of {code}");
        }
        assert_eq!(ErrorKind::from_code(170213), ErrorKind::OrderNotExists);
        assert_eq!(ErrorKind::from_code(424242), ErrorKind::Other);
    }

    #[test]
    fn retry_policy() {
        for code in [10000, 10006, 10016, 110079, 10002] {
            assert!(ApiError::from_ret_code(code, "").is_retryable(), "{code} should retry");
        }
        for code in [10001, 10003, 10004, 10005, 110001, 110007, 110072, 110094] {
            assert!(!ApiError::from_ret_code(code, "").is_retryable(), "{code} must not retry");
        }
        assert!(ApiError::from_ret_code(110043, "").is_benign());
        assert!(is_retryable_http_status(502) && is_retryable_http_status(429));
        assert!(!is_retryable_http_status(403) && !is_retryable_http_status(200));
        assert_eq!(ApiError::from_ret_code(110007, "ab not enough").reject_reason(), RejectReason::InsufficientBalance);
    }
}
