//! How domain enums and ids are spelled in the database, and reading them back from rows.
//!
//! Decoding failures become `rusqlite::Error::FromSqlConversionFailure` naming the column, so a
//! corrupt row surfaces as a typed error with the offending value, never a panic.

use crate::domain::{
    AlertLevel, ClientOrderId, ExecId, OrderId, OrderOrigin, OrderStatus, OrderType, PositionIdx, Side, Symbol,
    TimeInForce, TriggerDirection,
};
use rusqlite::types::Type;
use rusqlite::Row;

/// A stored value that no domain value spells.
#[derive(Debug, thiserror::Error)]
#[error("unexpected {what} `{value}` in the database")]
pub(crate) struct BadValue {
    what: &'static str,
    value: String,
}

fn bad(idx: usize, what: &'static str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(BadValue { what, value: value.to_string() }))
}

pub(crate) fn side_str(s: Side) -> &'static str {
    s.as_str()
}

pub(crate) fn order_type_str(t: OrderType) -> &'static str {
    match t {
        OrderType::Market => "Market",
        OrderType::Limit => "Limit",
    }
}

pub(crate) fn tif_str(t: TimeInForce) -> &'static str {
    match t {
        TimeInForce::Gtc => "GTC",
        TimeInForce::Ioc => "IOC",
        TimeInForce::Fok => "FOK",
        TimeInForce::PostOnly => "PostOnly",
    }
}

pub(crate) fn trigger_dir_str(d: TriggerDirection) -> &'static str {
    match d {
        TriggerDirection::Rising => "Rising",
        TriggerDirection::Falling => "Falling",
    }
}

pub(crate) fn origin_string(o: OrderOrigin) -> String {
    match o {
        OrderOrigin::Strategy(m) => format!("strategy:{m}"),
        OrderOrigin::Protective(m) => format!("protective:{m}"),
        OrderOrigin::Manual => "manual".to_string(),
        OrderOrigin::Flatten => "flatten".to_string(),
    }
}

fn text(row: &Row<'_>, idx: usize) -> rusqlite::Result<String> {
    row.get(idx)
}

pub(crate) fn symbol(row: &Row<'_>, idx: usize) -> rusqlite::Result<Symbol> {
    let s = text(row, idx)?;
    Symbol::new(&s).map_err(|_| bad(idx, "symbol", &s))
}

pub(crate) fn client_order_id(row: &Row<'_>, idx: usize) -> rusqlite::Result<ClientOrderId> {
    let s = text(row, idx)?;
    ClientOrderId::new(&s).map_err(|_| bad(idx, "client order id", &s))
}

pub(crate) fn order_id(row: &Row<'_>, idx: usize) -> rusqlite::Result<OrderId> {
    let s = text(row, idx)?;
    OrderId::new(&s).map_err(|_| bad(idx, "order id", &s))
}

pub(crate) fn opt_order_id(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<OrderId>> {
    let s: Option<String> = row.get(idx)?;
    s.map(|s| OrderId::new(&s).map_err(|_| bad(idx, "order id", &s))).transpose()
}

pub(crate) fn exec_id(row: &Row<'_>, idx: usize) -> rusqlite::Result<ExecId> {
    let s = text(row, idx)?;
    ExecId::new(&s).map_err(|_| bad(idx, "exec id", &s))
}

pub(crate) fn side(row: &Row<'_>, idx: usize) -> rusqlite::Result<Side> {
    let s = text(row, idx)?;
    match s.as_str() {
        "Buy" => Ok(Side::Buy),
        "Sell" => Ok(Side::Sell),
        _ => Err(bad(idx, "side", &s)),
    }
}

pub(crate) fn order_type(row: &Row<'_>, idx: usize) -> rusqlite::Result<OrderType> {
    let s = text(row, idx)?;
    match s.as_str() {
        "Market" => Ok(OrderType::Market),
        "Limit" => Ok(OrderType::Limit),
        _ => Err(bad(idx, "order type", &s)),
    }
}

pub(crate) fn tif(row: &Row<'_>, idx: usize) -> rusqlite::Result<TimeInForce> {
    let s = text(row, idx)?;
    match s.as_str() {
        "GTC" => Ok(TimeInForce::Gtc),
        "IOC" => Ok(TimeInForce::Ioc),
        "FOK" => Ok(TimeInForce::Fok),
        "PostOnly" => Ok(TimeInForce::PostOnly),
        _ => Err(bad(idx, "time in force", &s)),
    }
}

pub(crate) fn opt_trigger_dir(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<TriggerDirection>> {
    let s: Option<String> = row.get(idx)?;
    match s.as_deref() {
        None => Ok(None),
        Some("Rising") => Ok(Some(TriggerDirection::Rising)),
        Some("Falling") => Ok(Some(TriggerDirection::Falling)),
        Some(other) => Err(bad(idx, "trigger direction", other)),
    }
}

pub(crate) fn origin(row: &Row<'_>, idx: usize) -> rusqlite::Result<OrderOrigin> {
    let s = text(row, idx)?;
    let mode = |n: &str| n.parse::<u8>().map_err(|_| bad(idx, "order origin", &s));
    match s.split_once(':') {
        Some(("strategy", n)) => Ok(OrderOrigin::Strategy(mode(n)?)),
        Some(("protective", n)) => Ok(OrderOrigin::Protective(mode(n)?)),
        None if s == "manual" => Ok(OrderOrigin::Manual),
        None if s == "flatten" => Ok(OrderOrigin::Flatten),
        _ => Err(bad(idx, "order origin", &s)),
    }
}

pub(crate) fn status(row: &Row<'_>, idx: usize) -> rusqlite::Result<OrderStatus> {
    let s = text(row, idx)?;
    OrderStatus::ALL.into_iter().find(|st| st.as_str() == s).ok_or_else(|| bad(idx, "order status", &s))
}

pub(crate) fn alert_level(row: &Row<'_>, idx: usize) -> rusqlite::Result<AlertLevel> {
    let s = text(row, idx)?;
    [AlertLevel::Info, AlertLevel::Warning, AlertLevel::Critical]
        .into_iter()
        .find(|l| l.as_str() == s)
        .ok_or_else(|| bad(idx, "alert level", &s))
}

/// Bybit's `positionIdx` number (0, 1 or 2).
pub(crate) fn position_idx(r: &Row<'_>, idx: usize) -> rusqlite::Result<PositionIdx> {
    let code: i64 = r.get(idx)?;
    PositionIdx::from_code(code).ok_or_else(|| bad(idx, "positionIdx", &code.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    fn decode<T>(value: &str, f: fn(&Row<'_>, usize) -> rusqlite::Result<T>) -> rusqlite::Result<T> {
        let conn = Connection::open_in_memory().unwrap();
        conn.query_row("SELECT ?1", [value], |r| f(r, 0))
    }

    #[test]
    fn enums_round_trip_through_their_spelling() {
        for o in [OrderOrigin::Strategy(3), OrderOrigin::Protective(250), OrderOrigin::Manual, OrderOrigin::Flatten] {
            assert_eq!(decode(&origin_string(o), origin).unwrap(), o);
        }
        for s in OrderStatus::ALL {
            assert_eq!(decode(s.as_str(), status).unwrap(), s);
        }
        for t in [TimeInForce::Gtc, TimeInForce::Ioc, TimeInForce::Fok, TimeInForce::PostOnly] {
            assert_eq!(decode(tif_str(t), tif).unwrap(), t);
        }
        assert_eq!(decode("Sell", side).unwrap(), Side::Sell);
    }

    #[test]
    fn corrupt_values_are_typed_errors_naming_the_value() {
        let e = decode("strategy:300", origin).unwrap_err();
        assert!(e.to_string().contains("strategy:300"), "{e}");
        let e = decode("Filled!", status).unwrap_err();
        assert!(e.to_string().contains("Filled!"), "{e}");
        assert!(decode("BTC USDT", symbol).is_err());
        assert!(decode("long", side).is_err());
    }
}
