//! Bybit V5: wire types and parsers, request signing.
