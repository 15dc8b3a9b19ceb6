//! The schema as a list of numbered migrations, tracked with `PRAGMA user_version`.
//!
//! Migration `i` (0-based) brings the database to version `i + 1`. Each runs in its own
//! `BEGIN IMMEDIATE` transaction that re-reads the version, so two processes opening the same
//! new file cannot both apply it. Never edit a released migration: append a new one.
//!
//! Version 2 replaces the candle table's `(symbol, interval)` TEXT key with an integer series id
//! (table `series`) and packs each bar's values into one BLOB (see `bar.rs`), converting every
//! stored candle.

use super::bar::Bar;
use super::StoreError;
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;

/// One schema step: plain SQL, or code for steps SQL cannot express (re-encoding rows).
#[derive(Clone, Copy)]
pub(crate) enum Migration {
    Sql(&'static str),
    Code(fn(&Connection) -> rusqlite::Result<()>),
}

impl Migration {
    fn apply(&self, conn: &Connection) -> rusqlite::Result<()> {
        match self {
            Migration::Sql(sql) => conn.execute_batch(sql),
            Migration::Code(f) => f(conn),
        }
    }
}

/// Version 1: every table the trading system records.
const V1: &str = "
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    started_ms  INTEGER NOT NULL,
    venue       TEXT    NOT NULL,
    seed        INTEGER,             -- u64 stored as its i64 bit pattern
    config      TEXT    NOT NULL     -- JSON
);

CREATE TABLE candles (
    symbol    TEXT    NOT NULL,
    interval  TEXT    NOT NULL,      -- Bybit spelling: 1 5 60 240 D W M
    ts_ms     INTEGER NOT NULL,      -- bar open time
    open      INTEGER NOT NULL,      -- prices: raw 1e-8 units
    high      INTEGER NOT NULL,
    low       INTEGER NOT NULL,
    close     INTEGER NOT NULL,
    volume    REAL    NOT NULL,
    turnover  REAL    NOT NULL DEFAULT 0,
    closed    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (symbol, interval, ts_ms)
) WITHOUT ROWID;

CREATE TABLE trades (
    symbol      TEXT    NOT NULL,
    trade_id    INTEGER NOT NULL,    -- u64 stored as its i64 bit pattern
    ts_ms       INTEGER NOT NULL,
    price       INTEGER NOT NULL,
    qty         INTEGER NOT NULL,
    taker_side  TEXT    NOT NULL,
    PRIMARY KEY (symbol, trade_id)
) WITHOUT ROWID;
CREATE INDEX trades_symbol_ts ON trades (symbol, ts_ms);

CREATE TABLE orders (
    client_order_id    TEXT    PRIMARY KEY,
    session_id         INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    order_id           TEXT,
    symbol             TEXT    NOT NULL,
    side               TEXT    NOT NULL,
    order_type         TEXT    NOT NULL,
    time_in_force      TEXT    NOT NULL,
    reduce_only        INTEGER NOT NULL,
    origin             TEXT    NOT NULL,  -- strategy:N protective:N manual flatten
    request_qty        INTEGER NOT NULL,
    request_price      INTEGER,
    request_trigger    INTEGER,
    qty                INTEGER NOT NULL,
    price              INTEGER,
    trigger_price      INTEGER,
    trigger_direction  TEXT,
    decision_price     INTEGER NOT NULL,
    status             TEXT    NOT NULL,
    filled_qty         INTEGER NOT NULL,
    filled_value       INTEGER NOT NULL,
    avg_price          INTEGER,
    fees               INTEGER NOT NULL,
    request_ts_ms      INTEGER NOT NULL,
    created_ms         INTEGER NOT NULL,
    updated_ms         INTEGER NOT NULL,
    reason             TEXT
);
CREATE INDEX orders_session ON orders (session_id, created_ms);
CREATE INDEX orders_symbol_status ON orders (symbol, status);

CREATE TABLE fills (
    exec_id          TEXT    PRIMARY KEY,
    session_id       INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    client_order_id  TEXT    NOT NULL,
    order_id         TEXT    NOT NULL,
    symbol           TEXT    NOT NULL,
    side             TEXT    NOT NULL,
    price            INTEGER NOT NULL,
    qty              INTEGER NOT NULL,
    fee              INTEGER NOT NULL,
    fee_rate         INTEGER NOT NULL,
    is_maker         INTEGER NOT NULL,
    ts_ms            INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX fills_symbol_ts ON fills (symbol, ts_ms);
CREATE INDEX fills_session_ts ON fills (session_id, ts_ms);

CREATE TABLE positions (
    id           INTEGER PRIMARY KEY,
    session_id   INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    symbol       TEXT    NOT NULL,
    ts_ms        INTEGER NOT NULL,
    size         INTEGER NOT NULL,    -- signed: long > 0
    entry_value  INTEGER NOT NULL,
    leverage     INTEGER NOT NULL,
    mark_price   INTEGER NOT NULL,
    upnl         INTEGER NOT NULL,
    rpnl         INTEGER NOT NULL,
    margin       INTEGER NOT NULL,
    liq_price    INTEGER
);
CREATE INDEX positions_session_symbol_ts ON positions (session_id, symbol, ts_ms);

CREATE TABLE equity (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    ts_ms       INTEGER NOT NULL,
    equity      INTEGER NOT NULL,
    wallet      INTEGER NOT NULL,
    upnl        INTEGER NOT NULL
);
CREATE INDEX equity_session_ts ON equity (session_id, ts_ms);

CREATE TABLE signals (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    ts_ms       INTEGER NOT NULL,
    symbol      TEXT    NOT NULL,
    mode        TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    price       INTEGER NOT NULL,
    reason      TEXT    NOT NULL
);
CREATE INDEX signals_session_ts ON signals (session_id, ts_ms);

CREATE TABLE mode_switches (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    ts_ms       INTEGER NOT NULL,
    symbol      TEXT    NOT NULL,
    from_mode   TEXT    NOT NULL,
    to_mode     TEXT    NOT NULL,
    reason      TEXT    NOT NULL
);
CREATE INDEX mode_switches_session_ts ON mode_switches (session_id, ts_ms);

CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    ts_ms       INTEGER NOT NULL,
    level       TEXT    NOT NULL,    -- info warning critical
    kind        TEXT    NOT NULL,
    message     TEXT    NOT NULL
);
CREATE INDEX alerts_ts ON alerts (ts_ms);
";

/// Version 2, part 1: the series table and the packed candle table beside the old one.
const V2_CREATE: &str = "
CREATE TABLE series (
    id        INTEGER PRIMARY KEY,
    symbol    TEXT    NOT NULL,
    interval  TEXT    NOT NULL,      -- Bybit spelling: 1 5 60 240 D W M
    UNIQUE (symbol, interval)
);

CREATE TABLE candles_v2 (
    series  INTEGER NOT NULL,        -- series.id
    ts_ms   INTEGER NOT NULL,        -- bar open time
    bar     BLOB    NOT NULL,        -- 49 bytes: o h l c (i64 LE raw 1e-8), volume turnover (f64 LE), closed
    PRIMARY KEY (series, ts_ms)
) WITHOUT ROWID;

INSERT INTO series (symbol, interval) SELECT DISTINCT symbol, interval FROM candles ORDER BY symbol, interval;
";

/// Version 2, part 3: the old table goes, the new one takes its name.
const V2_SWAP: &str = "
DROP TABLE candles;
ALTER TABLE candles_v2 RENAME TO candles;
";

/// Version 2: integer series ids and packed bars; every stored candle is re-encoded.
fn v2(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(V2_CREATE)?;
    {
        // The old primary key order, so the new table is filled in its own key order.
        let mut read = conn.prepare(
            "SELECT s.id, c.ts_ms, c.open, c.high, c.low, c.close, c.volume, c.turnover, c.closed
             FROM candles c JOIN series s ON s.symbol = c.symbol AND s.interval = c.interval
             ORDER BY c.symbol, c.interval, c.ts_ms",
        )?;
        let mut write = conn.prepare("INSERT INTO candles_v2 (series, ts_ms, bar) VALUES (?1, ?2, ?3)")?;
        let mut rows = read.query([])?;
        while let Some(r) = rows.next()? {
            let bar = Bar {
                open: r.get::<_, i64>(2)?,
                high: r.get(3)?,
                low: r.get(4)?,
                close: r.get(5)?,
                volume: r.get(6)?,
                turnover: r.get(7)?,
                closed: r.get(8)?,
            };
            write.execute(rusqlite::params![r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, &bar.encode()[..]])?;
        }
    }
    conn.execute_batch(V2_SWAP)
}

/// Version 3: the session journal (every engine input, for `backtest --replay`) and the engine
/// settings and end time of a session.
const V3: &str = "
CREATE TABLE session_events (
    session_id  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    chunk       INTEGER NOT NULL,    -- 0, 1, 2, ... in recording order
    first_seq   INTEGER NOT NULL,    -- sequence number of the chunk's first event
    events      INTEGER NOT NULL,    -- events in the chunk
    format      INTEGER NOT NULL,    -- record layout version (runtime::journal::FORMAT)
    payload     BLOB    NOT NULL,    -- length-prefixed binary records
    PRIMARY KEY (session_id, chunk)
);
ALTER TABLE sessions ADD COLUMN engine_config TEXT;   -- JSON of the engine settings used
ALTER TABLE sessions ADD COLUMN ended_ms INTEGER;
";

/// Version 4: Bybit's `positionIdx` of orders and position snapshots (0 one-way, 1 the long and
/// 2 the short side in hedge position mode); rows written before it are one-way.
const V4: &str = "
ALTER TABLE orders ADD COLUMN position_idx INTEGER NOT NULL DEFAULT 0;
ALTER TABLE positions ADD COLUMN position_idx INTEGER NOT NULL DEFAULT 0;
";

/// All migrations, oldest first.
pub(crate) const MIGRATIONS: &[Migration] =
    &[Migration::Sql(V1), Migration::Code(v2), Migration::Sql(V3), Migration::Sql(V4)];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Tables `Store::count` accepts (the names are spliced into SQL, so only these).
pub(crate) const TABLES: &[&str] = &[
    "sessions",
    "series",
    "candles",
    "trades",
    "orders",
    "fills",
    "positions",
    "equity",
    "signals",
    "mode_switches",
    "alerts",
    "session_events",
];

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Applies the migrations the database lacks; refuses a database newer than `migrations`.
pub(crate) fn migrate(conn: &mut Connection, path: &Path, migrations: &[Migration]) -> Result<(), StoreError> {
    let supported = migrations.len() as i64;
    let open_err = |source| StoreError::Open { path: path.to_path_buf(), source };
    let found = user_version(conn).map_err(open_err)?;
    if found > supported {
        return Err(StoreError::TooNew { path: path.to_path_buf(), found, supported });
    }
    for (i, step) in migrations.iter().enumerate() {
        let version = i as i64 + 1;
        if version <= found {
            continue;
        }
        let mig_err = |source| StoreError::Migration { version, source };
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(mig_err)?;
        // Another process may have migrated between our read and the write lock.
        if user_version(&tx).map_err(mig_err)? >= version {
            continue;
        }
        step.apply(&tx).map_err(mig_err)?;
        tx.pragma_update(None, "user_version", version).map_err(mig_err)?;
        tx.commit().map_err(mig_err)?;
    }
    Ok(())
}
