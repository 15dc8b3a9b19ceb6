//! The session journal: every event that enters the engine, in the order the engine saw it,
//! recorded compactly so `autobot backtest --replay SESSION` can feed it to a fresh engine and
//! reproduce the session's decisions and orders bit for bit.
//!
//! [`SessionRecorder`] encodes events into a buffer (see [`codec`]) and hands full chunks to the
//! storage writer thread, which commits them with the other rows; [`load_session`] reads a
//! session's engine settings and events back. The engine settings are kept as JSON on the
//! session row ([`EngineConfigRecord`]).

pub mod codec;

use crate::data::store::{JournalChunk, Store, StoreError, StoreMsg, StoreSender};
use crate::domain::{Event, Interval};
use crate::engine::EngineConfig;
use crate::indicators::SetKind;
use crate::risk::RiskConfig;
use crate::strategy::{ModesConfig, TrendConfig};
pub use codec::{JournalError, FORMAT};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// A chunk is handed to the writer once its payload reaches this size...
pub const CHUNK_BYTES: usize = 64 * 1024;
/// ...or once it has waited this long (checked as events arrive; live sessions are slow).
pub const CHUNK_AGE: Duration = Duration::from_secs(1);

/// Records the engine's inputs of one session through the storage writer. Cheap per event
/// (an append to a buffer); flushes on [`flush`](Self::flush) and on drop.
pub struct SessionRecorder {
    sender: StoreSender,
    buf: Vec<u8>,
    /// Events recorded so far (the next event's sequence number).
    seq: u64,
    chunk: u32,
    chunk_first: u64,
    started: Instant,
    refused: bool,
}

impl SessionRecorder {
    /// A recorder writing under the writer's session.
    pub fn new(sender: StoreSender) -> Self {
        Self {
            sender,
            buf: Vec::with_capacity(CHUNK_BYTES + 1024),
            seq: 0,
            chunk: 0,
            chunk_first: 0,
            started: Instant::now(),
            refused: false,
        }
    }

    /// Appends one engine input. Call it right before the engine sees the event.
    #[inline]
    pub fn record(&mut self, event: &Event) {
        codec::append_event(&mut self.buf, event);
        self.seq += 1;
        // The clock is read once every 64 events only.
        if self.buf.len() >= CHUNK_BYTES || (self.seq % 64 == 0 && self.started.elapsed() >= CHUNK_AGE) {
            self.flush();
        }
    }

    /// Hands what is buffered to the writer (a no-op when nothing is).
    pub fn flush(&mut self) {
        self.started = Instant::now();
        if self.buf.is_empty() {
            return;
        }
        let events = (self.seq - self.chunk_first) as u32;
        let payload = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_BYTES + 1024));
        let msg = StoreMsg::Journal(JournalChunk {
            chunk: self.chunk,
            first_seq: self.chunk_first,
            events,
            format: FORMAT,
            payload,
        });
        if let Err(e) = self.sender.send(msg) {
            if !self.refused {
                tracing::error!("storage writer refused a journal chunk; the session cannot be replayed: {e}");
                self.refused = true;
            }
        }
        self.chunk += 1;
        self.chunk_first = self.seq;
    }

    /// Events recorded so far.
    pub fn events(&self) -> u64 {
        self.seq
    }

    /// Flushes, then records the session's end time on its row.
    pub fn finish(&mut self) {
        self.flush();
        let ended_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let _ = self.sender.send(StoreMsg::SessionEnd { ended_ms });
    }
}

impl Drop for SessionRecorder {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Every `EngineConfig` field, as JSON on the session row. Building an `EngineConfig` from it
/// names every field, so a new engine setting is a compile error here until it is recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineConfigRecord {
    pub venue: String,
    pub live: bool,
    pub interval: Interval,
    pub trend: TrendConfig,
    pub modes: Option<ModesConfig>,
    pub risk: RiskConfig,
    pub order_prefix: String,
    pub history_len: usize,
    pub analysis: bool,
    pub indicator_set: SetKind,
}

impl From<&EngineConfig> for EngineConfigRecord {
    fn from(c: &EngineConfig) -> Self {
        let EngineConfig {
            venue,
            live,
            interval,
            trend,
            modes,
            risk,
            order_prefix,
            history_len,
            analysis,
            indicator_set,
        } = c.clone();
        Self { venue, live, interval, trend, modes, risk, order_prefix, history_len, analysis, indicator_set }
    }
}

impl From<EngineConfigRecord> for EngineConfig {
    fn from(r: EngineConfigRecord) -> Self {
        EngineConfig {
            venue: r.venue,
            live: r.live,
            interval: r.interval,
            trend: r.trend,
            modes: r.modes,
            risk: r.risk,
            order_prefix: r.order_prefix,
            history_len: r.history_len,
            analysis: r.analysis,
            indicator_set: r.indicator_set,
        }
    }
}

/// The JSON kept on the session row for `config`.
pub fn engine_config_json(config: &EngineConfig) -> String {
    serde_json::to_string(&EngineConfigRecord::from(config)).unwrap_or_default()
}

/// Records the engine settings of `session` (call once, after `Store::new_session`).
pub fn record_engine_config(store: &Store, session: i64, config: &EngineConfig) -> Result<(), StoreError> {
    store.set_session_engine_config(session, &engine_config_json(config))
}

/// Why a session cannot be loaded for a replay.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no session {0} in this database (`autobot sessions` lists them)")]
    UnknownSession(i64),
    #[error("session {0} has no recorded engine settings (recorded before replays existed?)")]
    NoConfig(i64),
    #[error("session {session}: bad engine settings: {source}")]
    BadConfig {
        session: i64,
        #[source]
        source: serde_json::Error,
    },
    #[error("session {0} has no recorded events (recorded before replays existed?)")]
    NoEvents(i64),
    #[error("session {session}: journal chunk {chunk}: {source}")]
    Chunk {
        session: i64,
        chunk: u32,
        #[source]
        source: JournalError,
    },
    #[error("session {session}: journal chunk {chunk} {problem}")]
    Gap { session: i64, chunk: u32, problem: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A recorded session, ready to replay.
#[derive(Debug, Clone)]
pub struct RecordedSession {
    pub id: i64,
    pub engine_config: EngineConfig,
    /// Whether the settings JSON reads back to exactly the same text (floats exact): a false
    /// here means the replay may differ in the last bit of some setting.
    pub config_exact: bool,
    pub events: Vec<Event>,
}

/// Reads a session's engine settings and every recorded engine input, in order. Missing,
/// out-of-order or undecodable chunks are errors naming the chunk.
pub fn load_session(store: &Store, session: i64) -> Result<RecordedSession, LoadError> {
    let json = store.session_engine_config(session)?.ok_or(LoadError::UnknownSession(session))?;
    let json = json.ok_or(LoadError::NoConfig(session))?;
    let record: EngineConfigRecord =
        serde_json::from_str(&json).map_err(|source| LoadError::BadConfig { session, source })?;
    let config_exact = serde_json::to_string(&record).is_ok_and(|again| again == json);
    let chunks = store.journal(session)?;
    if chunks.is_empty() {
        return Err(LoadError::NoEvents(session));
    }
    let total: u64 = chunks.iter().map(|c| u64::from(c.events)).sum();
    let mut events = Vec::with_capacity(total.min(50_000_000) as usize);
    let mut next_seq = 0u64;
    for (i, c) in chunks.iter().enumerate() {
        let gap = |problem: String| LoadError::Gap { session, chunk: c.chunk, problem };
        if c.chunk as usize != i || c.first_seq != next_seq {
            return Err(gap(format!("starts at event {} where event {next_seq} was expected", c.first_seq)));
        }
        if c.format != FORMAT {
            let source = JournalError::Format { found: i64::from(c.format) };
            return Err(LoadError::Chunk { session, chunk: c.chunk, source });
        }
        let before = events.len();
        codec::decode_chunk(&c.payload, &mut events).map_err(|source| LoadError::Chunk {
            session,
            chunk: c.chunk,
            source,
        })?;
        let got = (events.len() - before) as u64;
        if got != u64::from(c.events) {
            return Err(gap(format!("declares {} events but holds {got}", c.events)));
        }
        next_seq += got;
    }
    Ok(RecordedSession { id: session, engine_config: record.into(), config_exact, events })
}

#[cfg(test)]
mod tests;
