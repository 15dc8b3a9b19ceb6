//! The session journal's rows: chunks of encoded engine inputs (`session_events`), the engine
//! settings and end time of a session, and the session list with its counts.
//!
//! The payload format belongs to `runtime::journal`; here it is an opaque blob.

use super::{Store, StoreError};
use rusqlite::{params, Connection, OptionalExtension};

/// A run of consecutive engine inputs of one session, as one row.
#[derive(Clone, PartialEq, Eq)]
pub struct JournalChunk {
    /// 0, 1, 2, ... in recording order.
    pub chunk: u32,
    /// Sequence number (0-based, over the session) of the first event in the chunk.
    pub first_seq: u64,
    /// Events in the chunk.
    pub events: u32,
    /// Record layout version.
    pub format: u32,
    pub payload: Vec<u8>,
}

impl std::fmt::Debug for JournalChunk {
    // The payload is binary and can be large: logs show its size only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalChunk")
            .field("chunk", &self.chunk)
            .field("first_seq", &self.first_seq)
            .field("events", &self.events)
            .field("format", &self.format)
            .field("payload_bytes", &self.payload.len())
            .finish()
    }
}

/// One line of `autobot sessions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    pub id: i64,
    pub venue: String,
    pub started_ms: i64,
    /// None while running, or when the run died before it could record its end.
    pub ended_ms: Option<i64>,
    /// Recorded engine inputs (0 for sessions recorded before the journal existed).
    pub events: i64,
    pub orders: i64,
    /// Bytes of journal payload the session holds.
    pub journal_bytes: i64,
}

/// How much journal a session has, without reading the payloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JournalExtent {
    /// Rows (chunks) stored.
    pub chunks: u64,
    /// The highest chunk number stored (`None` without chunks).
    pub last_chunk: Option<u32>,
    /// Events the chunks declare.
    pub events: u64,
    pub payload_bytes: u64,
}

pub(crate) fn journal_chunk(conn: &Connection, session_id: i64, c: &JournalChunk) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "INSERT INTO session_events (session_id, chunk, first_seq, events, format, payload)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![session_id, c.chunk, c.first_seq as i64, c.events, c.format, c.payload])
}

pub(crate) fn session_end(conn: &Connection, session_id: i64, ended_ms: i64) -> rusqlite::Result<usize> {
    conn.prepare_cached("UPDATE sessions SET ended_ms = ?2 WHERE id = ?1")?.execute(params![session_id, ended_ms])
}

impl Store {
    /// Records the engine settings (JSON) a session runs with, so a replay builds the same engine.
    pub fn set_session_engine_config(&self, session: i64, json: &str) -> Result<(), StoreError> {
        self.conn.execute("UPDATE sessions SET engine_config = ?2 WHERE id = ?1", params![session, json])?;
        Ok(())
    }

    /// The engine settings recorded for a session: `None` for an unknown session, `Some(None)`
    /// for a session recorded without them.
    pub fn session_engine_config(&self, session: i64) -> Result<Option<Option<String>>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT engine_config FROM sessions WHERE id = ?1", [session], |r| r.get(0))
            .optional()?)
    }

    /// Every journal chunk of a session, in recording order (all in memory: a replay reads
    /// them a few at a time with [`Store::journal_from`]).
    pub fn journal(&self, session: i64) -> Result<Vec<JournalChunk>, StoreError> {
        self.journal_from(session, 0, u32::MAX)
    }

    /// Up to `limit` journal chunks of a session numbered `first` or above, in recording order.
    pub fn journal_from(&self, session: i64, first: u32, limit: u32) -> Result<Vec<JournalChunk>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT chunk, first_seq, events, format, payload FROM session_events
             WHERE session_id = ?1 AND chunk >= ?2 ORDER BY chunk LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![session, first, limit], |r| {
            Ok(JournalChunk {
                chunk: r.get(0)?,
                first_seq: r.get::<_, i64>(1)? as u64,
                events: r.get(2)?,
                format: r.get(3)?,
                payload: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The size of a session's journal (no payload is read: SQLite keeps blob lengths in the
    /// record header).
    pub fn journal_extent(&self, session: i64) -> Result<JournalExtent, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT COUNT(*), MAX(chunk), COALESCE(SUM(events), 0), COALESCE(SUM(length(payload)), 0)
             FROM session_events WHERE session_id = ?1",
            )?
            .query_row([session], |r| {
                Ok(JournalExtent {
                    chunks: r.get::<_, i64>(0)? as u64,
                    last_chunk: r.get(1)?,
                    events: r.get::<_, i64>(2)? as u64,
                    payload_bytes: r.get::<_, i64>(3)? as u64,
                })
            })?)
    }

    /// Every session with its recorded events and orders, oldest first.
    pub fn session_summaries(&self) -> Result<Vec<SessionSummary>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.id, s.venue, s.started_ms, s.ended_ms,
               (SELECT COALESCE(SUM(events), 0) FROM session_events e WHERE e.session_id = s.id),
               (SELECT COUNT(*) FROM orders o WHERE o.session_id = s.id),
               (SELECT COALESCE(SUM(length(payload)), 0) FROM session_events e WHERE e.session_id = s.id)
             FROM sessions s ORDER BY s.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SessionSummary {
                id: r.get(0)?,
                venue: r.get(1)?,
                started_ms: r.get(2)?,
                ended_ms: r.get(3)?,
                events: r.get(4)?,
                orders: r.get(5)?,
                journal_bytes: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
