//! Reading records back: candle ranges for charts and replays, a session's orders, fills and
//! equity for reports, recent alerts for the UI.

use super::schema::TABLES;
use super::{bar, codec};
use super::{Store, StoreError};
use crate::domain::{
    Alert, Candle, EquityPoint, Fill, Interval, ModeSwitch, Money, Order, OrderRequest, Position, Price, Qty, Rate,
    Reason, SignalRecord, Symbol, Trade,
};
use rusqlite::{params, Row};

/// The series id of `(?1 symbol, ?2 interval)` as a scalar subquery (NULL, so no row matches,
/// for a series never stored). SQLite evaluates it once and seeks the primary key with it.
macro_rules! series_of {
    () => {
        "(SELECT id FROM series WHERE symbol = ?1 AND interval = ?2)"
    };
}

/// Rows pre-allocated for a range query: the bars the range can hold, capped so a wide-open
/// range (`0..i64::MAX`) does not reserve megabytes for a few rows.
fn expected_bars(interval: Interval, from_ms: i64, to_ms: i64) -> usize {
    const CAP: i64 = 16_384;
    match interval.duration_ms() {
        Some(d) if to_ms > from_ms => (to_ms.saturating_sub(from_ms) / d).clamp(0, CAP) as usize,
        _ => 0,
    }
}

/// A recorded run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: i64,
    pub started_ms: i64,
    pub venue: String,
    pub seed: Option<u64>,
    pub config_json: String,
}

fn price(row: &Row<'_>, idx: usize) -> rusqlite::Result<Price> {
    row.get(idx).map(Price::from_raw)
}
fn opt_price(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<Price>> {
    Ok(row.get::<_, Option<i64>>(idx)?.map(Price::from_raw))
}
fn qty(row: &Row<'_>, idx: usize) -> rusqlite::Result<Qty> {
    row.get(idx).map(Qty::from_raw)
}
fn money(row: &Row<'_>, idx: usize) -> rusqlite::Result<Money> {
    row.get(idx).map(Money::from_raw)
}

impl Store {
    /// Candles of one series with `from_ms <= ts_ms < to_ms`, oldest first.
    pub fn candles(
        &self,
        symbol: Symbol,
        interval: Interval,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Candle>, StoreError> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT ts_ms, bar FROM candles WHERE series = ",
            series_of!(),
            " AND ts_ms >= ?3 AND ts_ms < ?4 ORDER BY ts_ms"
        ))?;
        let mut out = Vec::with_capacity(expected_bars(interval, from_ms, to_ms));
        let mut rows = stmt.query(params![symbol.as_str(), interval.as_bybit(), from_ms, to_ms])?;
        while let Some(r) = rows.next()? {
            let ts_ms: i64 = r.get(0)?;
            out.push(bar::read(r, 1)?.candle(symbol, interval, ts_ms));
        }
        Ok(out)
    }

    /// Open times of the stored closed bars of a series with `from_ms <= ts_ms < to_ms`,
    /// ascending (what a download compares against to find the missing ones; an open bar, or a
    /// bar whose record is damaged, does not count as stored).
    pub fn closed_candle_times(
        &self,
        symbol: Symbol,
        interval: Interval,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT ts_ms FROM candles WHERE series = ",
            series_of!(),
            " AND ts_ms >= ?3 AND ts_ms < ?4 AND substr(bar, 49, 1) = x'01' ORDER BY ts_ms"
        ))?;
        let rows = stmt.query_map(params![symbol.as_str(), interval.as_bybit(), from_ms, to_ms], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Deletes the bars of a series with `from_ms <= ts_ms < to_ms`; returns how many went.
    pub fn delete_candles(
        &self,
        symbol: Symbol,
        interval: Interval,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            concat!("DELETE FROM candles WHERE series = ", series_of!(), " AND ts_ms >= ?3 AND ts_ms < ?4"),
            params![symbol.as_str(), interval.as_bybit(), from_ms, to_ms],
        )?)
    }

    /// Open time of the newest stored bar of a series (where a backfill resumes).
    pub fn last_candle_ts(&self, symbol: Symbol, interval: Interval) -> Result<Option<i64>, StoreError> {
        Ok(self.conn.query_row(
            concat!("SELECT MAX(ts_ms) FROM candles WHERE series = ", series_of!()),
            params![symbol.as_str(), interval.as_bybit()],
            |r| r.get(0),
        )?)
    }

    /// Rows in one of the store's tables.
    pub fn count(&self, table: &str) -> Result<i64, StoreError> {
        // Only known names reach the SQL text.
        let table = TABLES.iter().find(|t| **t == table).ok_or_else(|| StoreError::UnknownTable(table.to_string()))?;
        Ok(self.conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?)
    }

    /// Every recorded session, oldest first.
    pub fn sessions(&self) -> Result<Vec<Session>, StoreError> {
        let mut stmt =
            self.conn.prepare_cached("SELECT id, started_ms, venue, seed, config FROM sessions ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(Session {
                id: r.get(0)?,
                started_ms: r.get(1)?,
                venue: r.get(2)?,
                seed: r.get::<_, Option<i64>>(3)?.map(|s| s as u64),
                config_json: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Public trades of one symbol with `from_ms <= ts_ms < to_ms`, in time then id order.
    pub fn trades(&self, symbol: Symbol, from_ms: i64, to_ms: i64) -> Result<Vec<Trade>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT trade_id, ts_ms, price, qty, taker_side FROM trades
             WHERE symbol = ?1 AND ts_ms >= ?2 AND ts_ms < ?3 ORDER BY ts_ms, trade_id",
        )?;
        let rows = stmt.query_map(params![symbol.as_str(), from_ms, to_ms], |r| {
            Ok(Trade {
                symbol,
                trade_id: r.get::<_, i64>(0)? as u64,
                ts_ms: r.get(1)?,
                price: price(r, 2)?,
                qty: qty(r, 3)?,
                taker_side: codec::side(r, 4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Fills of one session (or all), ordered by time then exec id.
    pub fn fills(&self, session: Option<i64>) -> Result<Vec<Fill>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT symbol, client_order_id, order_id, exec_id, side, price, qty, fee, fee_rate, is_maker, ts_ms
             FROM fills WHERE ?1 IS NULL OR session_id = ?1 ORDER BY ts_ms, exec_id",
        )?;
        let rows = stmt.query_map([session], |r| {
            Ok(Fill {
                symbol: codec::symbol(r, 0)?,
                client_order_id: codec::client_order_id(r, 1)?,
                order_id: codec::order_id(r, 2)?,
                exec_id: codec::exec_id(r, 3)?,
                side: codec::side(r, 4)?,
                price: price(r, 5)?,
                qty: qty(r, 6)?,
                fee: money(r, 7)?,
                fee_rate: Rate::from_raw(r.get(8)?),
                is_maker: r.get(9)?,
                ts_ms: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The latest state of every order of a session, in creation order.
    pub fn orders(&self, session: i64) -> Result<Vec<Order>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT client_order_id, order_id, symbol, side, order_type, time_in_force, reduce_only, origin,
               request_qty, qty, price, trigger_price, trigger_direction, decision_price, status, filled_qty,
               filled_value, fees, request_ts_ms, created_ms, updated_ms, reason, request_price, request_trigger,
               position_idx
             FROM orders WHERE session_id = ?1 ORDER BY created_ms, client_order_id",
        )?;
        let rows = stmt.query_map([session], |r| {
            let request = OrderRequest {
                position_idx: codec::position_idx(r, 24)?,
                client_order_id: codec::client_order_id(r, 0)?,
                symbol: codec::symbol(r, 2)?,
                side: codec::side(r, 3)?,
                order_type: codec::order_type(r, 4)?,
                qty: qty(r, 8)?,
                price: opt_price(r, 22)?,
                trigger_price: opt_price(r, 23)?,
                trigger_direction: codec::opt_trigger_dir(r, 12)?,
                time_in_force: codec::tif(r, 5)?,
                reduce_only: r.get(6)?,
                origin: codec::origin(r, 7)?,
                decision_price: price(r, 13)?,
                ts_ms: r.get(18)?,
            };
            Ok(Order {
                request,
                order_id: codec::opt_order_id(r, 1)?,
                status: codec::status(r, 14)?,
                qty: qty(r, 9)?,
                price: opt_price(r, 10)?,
                trigger_price: opt_price(r, 11)?,
                filled_qty: qty(r, 15)?,
                filled_value: money(r, 16)?,
                fees: money(r, 17)?,
                created_ms: r.get(19)?,
                updated_ms: r.get(20)?,
                reject_reason: r.get(21)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Position snapshots of a session, in time order.
    pub fn positions(&self, session: i64) -> Result<Vec<Position>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT symbol, size, entry_value, leverage, mark_price, upnl, rpnl, margin, liq_price, ts_ms, position_idx
             FROM positions WHERE session_id = ?1 ORDER BY ts_ms, id",
        )?;
        let rows = stmt.query_map([session], |r| {
            Ok(Position {
                position_idx: codec::position_idx(r, 10)?,
                symbol: codec::symbol(r, 0)?,
                size: qty(r, 1)?,
                entry_value: money(r, 2)?,
                leverage: Rate::from_raw(r.get(3)?),
                mark_price: price(r, 4)?,
                unrealised_pnl: money(r, 5)?,
                realised_pnl: money(r, 6)?,
                margin: money(r, 7)?,
                liq_price: opt_price(r, 8)?,
                ts_ms: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The equity curve of a session.
    pub fn equity(&self, session: i64) -> Result<Vec<EquityPoint>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT ts_ms, equity, wallet, upnl FROM equity WHERE session_id = ?1 ORDER BY ts_ms, id",
        )?;
        let rows = stmt.query_map([session], |r| {
            Ok(EquityPoint {
                ts_ms: r.get(0)?,
                equity: money(r, 1)?,
                wallet_balance: money(r, 2)?,
                unrealised_pnl: money(r, 3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Strategy decisions of a session, in time order.
    pub fn signals(&self, session: i64) -> Result<Vec<SignalRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT ts_ms, symbol, mode, action, price, reason FROM signals WHERE session_id = ?1
             ORDER BY ts_ms, id",
        )?;
        let rows = stmt.query_map([session], |r| {
            Ok(SignalRecord {
                ts_ms: r.get(0)?,
                symbol: codec::symbol(r, 1)?,
                mode: r.get::<_, String>(2)?.into(),
                action: r.get::<_, String>(3)?.into(),
                price: price(r, 4)?,
                reason: Reason::text(r.get::<_, String>(5)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Trading-mode changes of a session, in time order.
    pub fn mode_switches(&self, session: i64) -> Result<Vec<ModeSwitch>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT ts_ms, symbol, from_mode, to_mode, reason FROM mode_switches WHERE session_id = ?1
             ORDER BY ts_ms, id",
        )?;
        let rows = stmt.query_map([session], |r| {
            Ok(ModeSwitch {
                ts_ms: r.get(0)?,
                symbol: codec::symbol(r, 1)?,
                from: r.get::<_, String>(2)?.into(),
                to: r.get::<_, String>(3)?.into(),
                reason: Reason::text(r.get::<_, String>(4)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The `limit` newest alerts of all sessions, newest first.
    pub fn alerts(&self, limit: usize) -> Result<Vec<Alert>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT ts_ms, level, kind, message FROM alerts ORDER BY ts_ms DESC, id DESC LIMIT ?1")?;
        let rows = stmt.query_map([limit.min(i64::MAX as usize) as i64], |r| {
            Ok(Alert {
                ts_ms: r.get(0)?,
                level: codec::alert_level(r, 1)?,
                kind: r.get::<_, String>(2)?.into(),
                message: Reason::text(r.get::<_, String>(3)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
