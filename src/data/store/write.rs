//! The SQL that writes one record of each kind, with cached prepared statements.
//!
//! Candles and orders are upserts (a candle is rewritten until it closes, an order after every
//! status change); trades and fills ignore a repeated id, so a reconnect that replays them cannot
//! double-count; snapshots (positions, equity, signals, ...) are appended.

use super::bar::Bar;
use super::codec::{order_type_str, origin_string, side_str, tif_str, trigger_dir_str};
use super::{Store, StoreError};
use crate::domain::{
    Alert, Candle, EquityPoint, Fill, Interval, ModeSwitch, Order, Position, SignalRecord, Symbol, Trade,
};
use rusqlite::{params, Connection};

/// The column list of a candle insert; the import appends many value tuples to it.
macro_rules! candle_insert_head {
    () => {
        "INSERT INTO candles (series, ts_ms, bar) VALUES "
    };
}

/// What a candle insert does when the bar is already stored: the newer values win.
macro_rules! candle_on_conflict {
    () => {
        " ON CONFLICT (series, ts_ms) DO UPDATE SET bar = excluded.bar"
    };
}
pub(crate) use {candle_insert_head, candle_on_conflict};

/// Creates the series row of `(symbol, interval)` if it is new.
const INSERT_SERIES: &str = "INSERT INTO series (symbol, interval) VALUES (?1, ?2) ON CONFLICT DO NOTHING";

/// A candle upsert that finds its series id by name (the series row must exist).
pub(crate) const UPSERT_CANDLE: &str = concat!(
    candle_insert_head!(),
    "((SELECT id FROM series WHERE symbol = ?1 AND interval = ?2), ?3, ?4)",
    candle_on_conflict!()
);

/// The id of a series, created on first use.
pub(crate) fn series_id(conn: &Connection, symbol: Symbol, interval: Interval) -> rusqlite::Result<i64> {
    conn.prepare_cached(INSERT_SERIES)?.execute(params![symbol.as_str(), interval.as_bybit()])?;
    conn.prepare_cached("SELECT id FROM series WHERE symbol = ?1 AND interval = ?2")?
        .query_row(params![symbol.as_str(), interval.as_bybit()], |r| r.get(0))
}

pub(crate) fn candle(conn: &Connection, c: &Candle) -> rusqlite::Result<usize> {
    let (symbol, interval) = (c.symbol.as_str(), c.interval.as_bybit());
    conn.prepare_cached(INSERT_SERIES)?.execute(params![symbol, interval])?;
    conn.prepare_cached(UPSERT_CANDLE)?.execute(params![symbol, interval, c.ts_ms, &Bar::of(c).encode()[..]])
}

pub(crate) fn trade(conn: &Connection, t: &Trade) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "INSERT INTO trades (symbol, trade_id, ts_ms, price, qty, taker_side) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT DO NOTHING",
    )?
    .execute(params![
        t.symbol.as_str(),
        t.trade_id as i64,
        t.ts_ms,
        t.price.raw(),
        t.qty.raw(),
        side_str(t.taker_side)
    ])
}

pub(crate) fn order(conn: &Connection, session_id: i64, o: &Order) -> rusqlite::Result<usize> {
    let r = &o.request;
    conn.prepare_cached(
        "INSERT INTO orders (client_order_id, session_id, order_id, symbol, side, order_type, time_in_force,
           reduce_only, origin, request_qty, request_price, request_trigger, qty, price, trigger_price, trigger_direction, decision_price, status,
           filled_qty, filled_value, avg_price, fees, request_ts_ms, created_ms, updated_ms, reason, position_idx)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,
           ?22, ?23, ?24, ?25, ?26, ?27)
         ON CONFLICT (client_order_id) DO UPDATE SET order_id = excluded.order_id, qty = excluded.qty,
           price = excluded.price, trigger_price = excluded.trigger_price, status = excluded.status,
           filled_qty = excluded.filled_qty, filled_value = excluded.filled_value, avg_price = excluded.avg_price,
           fees = excluded.fees, updated_ms = excluded.updated_ms, reason = excluded.reason",
    )?
    .execute(params![
        r.client_order_id.as_str(),
        session_id,
        o.order_id.as_ref().map(|id| id.as_str()),
        r.symbol.as_str(),
        side_str(r.side),
        order_type_str(r.order_type),
        tif_str(r.time_in_force),
        r.reduce_only,
        origin_string(r.origin),
        r.qty.raw(),
        r.price.map(|p| p.raw()),
        r.trigger_price.map(|p| p.raw()),
        o.qty.raw(),
        o.price.map(|p| p.raw()),
        o.trigger_price.map(|p| p.raw()),
        r.trigger_direction.map(trigger_dir_str),
        r.decision_price.raw(),
        o.status.as_str(),
        o.filled_qty.raw(),
        o.filled_value.raw(),
        o.avg_fill_price().map(|p| p.raw()),
        o.fees.raw(),
        r.ts_ms,
        o.created_ms,
        o.updated_ms,
        o.reject_reason.as_deref(),
        r.position_idx.code(),
    ])
}

pub(crate) fn fill(conn: &Connection, session_id: i64, f: &Fill) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "INSERT INTO fills (exec_id, session_id, client_order_id, order_id, symbol, side, price, qty, fee, fee_rate,
           is_maker, ts_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (exec_id) DO NOTHING",
    )?
    .execute(params![
        f.exec_id.as_str(),
        session_id,
        f.client_order_id.as_str(),
        f.order_id.as_str(),
        f.symbol.as_str(),
        side_str(f.side),
        f.price.raw(),
        f.qty.raw(),
        f.fee.raw(),
        f.fee_rate.raw(),
        f.is_maker,
        f.ts_ms,
    ])
}

pub(crate) fn position(conn: &Connection, session_id: i64, p: &Position) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "INSERT INTO positions (session_id, symbol, ts_ms, size, entry_value, leverage, mark_price, upnl, rpnl,
           margin, liq_price, position_idx) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        session_id,
        p.symbol.as_str(),
        p.ts_ms,
        p.size.raw(),
        p.entry_value.raw(),
        p.leverage.raw(),
        p.mark_price.raw(),
        p.unrealised_pnl.raw(),
        p.realised_pnl.raw(),
        p.margin.raw(),
        p.liq_price.map(|x| x.raw()),
        p.position_idx.code(),
    ])
}

pub(crate) fn equity(conn: &Connection, session_id: i64, e: &EquityPoint) -> rusqlite::Result<usize> {
    conn.prepare_cached("INSERT INTO equity (session_id, ts_ms, equity, wallet, upnl) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![session_id, e.ts_ms, e.equity.raw(), e.wallet_balance.raw(), e.unrealised_pnl.raw()])
}

pub(crate) fn signal(conn: &Connection, session_id: i64, s: &SignalRecord) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "INSERT INTO signals (session_id, ts_ms, symbol, mode, action, price, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        session_id,
        s.ts_ms,
        s.symbol.as_str(),
        s.mode,
        s.action,
        s.price.raw(),
        s.reason.to_string()
    ])
}

pub(crate) fn mode_switch(conn: &Connection, session_id: i64, m: &ModeSwitch) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "INSERT INTO mode_switches (session_id, ts_ms, symbol, from_mode, to_mode, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![session_id, m.ts_ms, m.symbol.as_str(), m.from, m.to, m.reason.to_string()])
}

pub(crate) fn alert(conn: &Connection, session_id: i64, a: &Alert) -> rusqlite::Result<usize> {
    conn.prepare_cached("INSERT INTO alerts (session_id, ts_ms, level, kind, message) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![session_id, a.ts_ms, a.level.as_str(), a.kind, a.message.to_string()])
}

impl Store {
    /// Upserts candles in one transaction (history download, gap backfill). Returns rows written.
    pub fn upsert_candles(&mut self, candles: &[Candle]) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let mut n = 0;
        for c in candles {
            n += candle(&tx, c)?;
        }
        tx.commit()?;
        Ok(n)
    }
}
