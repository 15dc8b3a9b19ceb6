//! The session journal: every event that enters the engine, in the order the engine saw it,
//! recorded compactly so `autobot backtest --replay SESSION` can feed it to a fresh engine and
//! reproduce the session's decisions and orders bit for bit.
//!
//! [`SessionRecorder`] encodes events into chunks of about 64 KiB (format 2, see [`compact`];
//! format 1, [`codec`], is still read) and hands each to the storage writer thread, which
//! commits it as one row with the other rows. [`open_session`] streams a session's events back
//! a few chunks at a time ([`read`]); [`load_session`] collects them. The engine settings are
//! kept as JSON on the session row ([`EngineConfigRecord`]).
//!
//! A crash loses at most the chunk being filled: every chunk is committed whole and decodes on
//! its own, and a damaged last chunk ends a replay early with a warning instead of failing it.

pub mod codec;
pub mod compact;
pub mod read;
mod scaled;

use crate::data::store::{JournalChunk, Store, StoreError, StoreMsg, StoreSender};
use crate::domain::{Event, Interval};
use crate::engine::EngineConfig;
use crate::execution::RebalanceConfig;
use crate::indicators::SetKind;
use crate::risk::RiskConfig;
use crate::strategy::{ModesConfig, TrendConfig};
pub use codec::JournalError;
pub use compact::FORMAT;
pub use read::{load_session, open_session, LoadError, RecordedSession, SessionEvents, SessionJournal};
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
    encoder: compact::Encoder,
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
        let mut encoder = compact::Encoder::new();
        let mut buf = Vec::with_capacity(CHUNK_BYTES + 1024);
        encoder.begin(&mut buf);
        Self { sender, encoder, buf, seq: 0, chunk: 0, chunk_first: 0, started: Instant::now(), refused: false }
    }

    /// Appends one engine input. Call it right before the engine sees the event.
    #[inline]
    pub fn record(&mut self, event: &Event) {
        self.encoder.append(&mut self.buf, event);
        self.seq += 1;
        // The clock is read once every 64 events only.
        if self.buf.len() >= CHUNK_BYTES || (self.seq % 64 == 0 && self.started.elapsed() >= CHUNK_AGE) {
            self.flush();
        }
    }

    /// Hands what is buffered to the writer (a no-op when nothing is).
    pub fn flush(&mut self) {
        self.started = Instant::now();
        if self.seq == self.chunk_first {
            return;
        }
        let events = (self.seq - self.chunk_first) as u32;
        compact::Encoder::seal(&mut self.buf);
        let payload = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_BYTES + 1024));
        self.encoder.begin(&mut self.buf);
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
    /// Sessions recorded before rebalancing existed have none (no targets); left out of the JSON
    /// when off, so their settings still read back to the same text.
    #[serde(default, skip_serializing_if = "RebalanceConfig::is_off")]
    pub rebalance: RebalanceConfig,
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
            rebalance,
        } = c.clone();
        Self {
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
            rebalance,
        }
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
            rebalance: r.rebalance,
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

#[cfg(test)]
mod tests;
