//! Hedge position mode in the database: orders and position snapshots keep their `positionIdx`
//! (version 4), rows of an older database read as one-way, and a corrupt idx is a typed error.

use super::schema::{migrate, MIGRATIONS};
use super::*;
use crate::domain::{
    ClientOrderId, Money, Order, OrderOrigin, OrderRequest, OrderType, Position, PositionIdx, Price, Qty, Side, Symbol,
    TimeInForce,
};

fn btc() -> Symbol {
    Symbol::new("BTCUSDT").unwrap()
}

fn leg_order(id: &str, side: Side, idx: PositionIdx) -> Order {
    Order::new(OrderRequest {
        position_idx: idx,
        client_order_id: ClientOrderId::new(id).unwrap(),
        symbol: btc(),
        side,
        order_type: OrderType::Market,
        qty: "0.05".parse::<Qty>().unwrap(),
        price: None,
        trigger_price: None,
        trigger_direction: None,
        time_in_force: TimeInForce::Ioc,
        reduce_only: false,
        origin: OrderOrigin::Strategy(4),
        decision_price: "29400".parse::<Price>().unwrap(),
        ts_ms: 7_000,
    })
}

fn side_position(size: &str, idx: PositionIdx, ts_ms: i64) -> Position {
    Position {
        size: size.parse().unwrap(),
        entry_value: Money::from_int(1_470),
        position_idx: idx,
        ts_ms,
        ..Position::flat(btc())
    }
}

#[test]
fn both_sides_of_a_symbol_keep_their_position_idx() {
    let store = Store::open_in_memory().unwrap();
    let session = store.new_session("mock", None, "{}").unwrap();
    let writer = StoreWriter::spawn(store, session);
    let orders = [
        leg_order("ab-1-e", Side::Buy, PositionIdx::Long),
        leg_order("ab-2-h", Side::Sell, PositionIdx::Short),
        leg_order("ab-3-x", Side::Buy, PositionIdx::OneWay),
    ];
    for o in &orders {
        writer.sender().send(StoreMsg::Order(Box::new(o.clone()))).unwrap();
    }
    let positions = [side_position("0.1", PositionIdx::Long, 8_000), side_position("-0.05", PositionIdx::Short, 8_001)];
    for p in positions {
        writer.sender().send(StoreMsg::Position(p)).unwrap();
    }
    let (store, _) = writer.finish_with_store().unwrap();
    let back = store.orders(session).unwrap();
    let idx: Vec<PositionIdx> = back.iter().map(|o| o.request.position_idx).collect();
    assert_eq!(idx, [PositionIdx::Long, PositionIdx::Short, PositionIdx::OneWay]);
    assert_eq!(back, orders);
    assert_eq!(store.positions(session).unwrap(), positions);
    let raw: Vec<i64> = {
        let mut st = store.conn.prepare("SELECT position_idx FROM orders ORDER BY client_order_id").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    };
    assert_eq!(raw, [1, 2, 0], "Bybit's numbers, as the API spells them");
}

#[test]
fn rows_of_a_version_3_database_read_as_one_way() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v3.db");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        migrate(&mut conn, &path, &MIGRATIONS[..3]).unwrap();
        conn.execute_batch(
            "INSERT INTO sessions (id, started_ms, venue, config) VALUES (1, 5, 'mock', '{}');
             INSERT INTO positions (session_id, symbol, ts_ms, size, entry_value, leverage, mark_price, upnl, rpnl,
               margin, liq_price) VALUES (1, 'BTCUSDT', 9, 10000000, 147000000000, 100000000, 0, 0, 0, 0, NULL);",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let got = store.positions(1).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].position_idx, got[0].size), (PositionIdx::OneWay, "0.1".parse().unwrap()));
}

#[test]
fn a_corrupt_position_idx_is_a_typed_error_naming_it() {
    let store = Store::open_in_memory().unwrap();
    let session = store.new_session("mock", None, "{}").unwrap();
    let writer = StoreWriter::spawn(store, session);
    writer.sender().send(StoreMsg::Position(side_position("0.1", PositionIdx::Long, 1))).unwrap();
    let (store, _) = writer.finish_with_store().unwrap();
    store.conn.execute("UPDATE positions SET position_idx = 7", []).unwrap();
    let err = store.positions(session).unwrap_err().to_string();
    assert!(err.contains("positionIdx `7`"), "{err}");
}
