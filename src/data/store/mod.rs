//! SQLite storage: schema migrations, WAL, a batching writer thread, queries, bulk import.
//!
//! Prices, quantities and money are stored as INTEGER raw 1e-8 units (the `raw()` of the
//! fixed-point domain types): exact, compact and compared as integers by SQLite. Volumes and
//! turnover are analytics-only `f64` and stored as REAL. Enums are stored as their Bybit spelling
//! (`Buy`, `PartiallyFilled`, interval `60`), so the database reads well in the `sqlite3` shell.
//!
//! One [`Store`] owns one connection. The live system moves it into a [`StoreWriter`] thread that
//! batches writes; readers (UI, reports) open their own `Store` on the same file, which WAL allows.

mod bar;
mod codec;
mod import;
mod journal;
mod query;
mod schema;
mod write;
mod writer;

pub use import::ImportStats;
pub use journal::{JournalChunk, JournalExtent, SessionSummary};
pub use query::Session;
pub use schema::SCHEMA_VERSION;
pub use writer::{StoreMsg, StoreSender, StoreWriter, WriterStats};

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a connection waits for another one's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Everything that can go wrong in the store, with the file, line or value at fault.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database `{path}`: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "database `{path}` has schema version {found}, newer than the {supported} this build knows; \
         use a newer Auto-Bot or another database file"
    )]
    TooNew { path: PathBuf, found: i64, supported: i64 },
    #[error("schema migration to version {version} failed: {source}")]
    Migration {
        version: i64,
        #[source]
        source: rusqlite::Error,
    },
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` line {line}: {message}")]
    Csv { path: PathBuf, line: u64, message: String },
    #[error("unknown table `{0}`")]
    UnknownTable(String),
    #[error("the store writer has stopped; message not queued")]
    WriterClosed,
    #[error("the store writer thread panicked")]
    WriterPanicked,
    #[error("store writer failed to write {failed} message(s); first error: {first}")]
    WriteFailed { failed: u64, first: String, stats: WriterStats },
}

/// An open database. Not `Sync`: one thread uses it at a time (it is `Send`).
pub struct Store {
    pub(crate) conn: Connection,
    /// Where it lives (`:memory:` for in-memory stores), for error messages.
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// The parent directory must exist. A path that cannot hold a database (a directory, a
    /// read-only place, a file that is not SQLite) gives `StoreError::Open` naming the path.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open { path: path.to_path_buf(), source };
        if path.as_os_str().is_empty() {
            // SQLite would quietly open a temporary database for an empty name.
            return Err(open_err(rusqlite::Error::InvalidPath(path.to_path_buf())));
        }
        let conn = Connection::open(path).map_err(open_err)?;
        Self::setup(conn, path.to_path_buf())
    }

    /// A private database in memory (tests, throw-away backtests).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open { path: path.clone(), source })?;
        Self::setup(conn, path)
    }

    fn setup(mut conn: Connection, path: PathBuf) -> Result<Store, StoreError> {
        // SQLite opens files lazily: the first statement is where a directory or a non-database
        // file shows up, so every setup error is reported as an open error for this path.
        let pragmas = |conn: &Connection| -> rusqlite::Result<()> {
            conn.busy_timeout(BUSY_TIMEOUT)?;
            // In-memory databases answer `memory`; that is fine.
            let _mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            conn.pragma_update(None, "foreign_keys", "ON")?;
            conn.pragma_update(None, "temp_store", "MEMORY")?;
            // 16 MiB page cache (negative = KiB): range scans stay in memory, and a long
            // `--speed max` run (whose journal writes hundreds of MB) keeps a small footprint.
            // Bulk imports raise it for their duration.
            conn.pragma_update(None, "cache_size", -16_384)?;
            conn.set_prepared_statement_cache_capacity(64);
            Ok(())
        };
        pragmas(&conn).map_err(|source| StoreError::Open { path: path.clone(), source })?;
        schema::migrate(&mut conn, &path, schema::MIGRATIONS)?;
        Ok(Store { conn, path })
    }

    /// Where the database lives (`:memory:` for in-memory ones).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records the start of a run and returns its id, which session-scoped rows refer to.
    /// `seed` is the simulator/generator seed (none for live sessions); `config_json` the
    /// effective configuration, kept so a run can be reproduced.
    pub fn new_session(&self, venue: &str, seed: Option<u64>, config_json: &str) -> Result<i64, StoreError> {
        let started_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        self.conn.execute(
            "INSERT INTO sessions (started_ms, venue, seed, config) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![started_ms, venue, seed.map(|s| s as i64), config_json],
        )?;
        Ok(self.conn.last_insert_rowid())
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_candles;
#[cfg(test)]
mod tests_hedge;
