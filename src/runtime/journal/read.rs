//! Reading a recorded session back: its engine settings, then its events streamed a few chunks
//! at a time ([`SessionEvents`]), so a replay's memory does not grow with the session.
//!
//! Chunks must follow each other without gaps; any chunk that cannot be read is an error naming
//! it, except the last one: a crash (or a torn write) can only damage the chunk written last, so
//! that one ends the stream early and is kept as [`SessionEvents::damaged_tail`], while the
//! events before it still replay.

use super::{codec, compact, EngineConfigRecord, JournalError};
use crate::data::store::{JournalChunk, JournalExtent, Store, StoreError};
use crate::domain::Event;
use crate::engine::EngineConfig;
use std::collections::VecDeque;

/// Chunks fetched per query while streaming (about 256 KiB of payload).
const FETCH: u32 = 4;

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

/// A recorded session with all its events in memory (tests and small sessions; a replay
/// streams them with [`open_session`]).
#[derive(Debug, Clone)]
pub struct RecordedSession {
    pub id: i64,
    pub engine_config: EngineConfig,
    /// Whether the settings JSON reads back to exactly the same text (floats exact): a false
    /// here means the replay may differ in the last bit of some setting.
    pub config_exact: bool,
    pub events: Vec<Event>,
}

/// A recorded session opened for reading: its settings, and its events on demand.
#[derive(Debug)]
pub struct SessionJournal<'s> {
    store: &'s Store,
    pub id: i64,
    pub engine_config: EngineConfig,
    /// See [`RecordedSession::config_exact`].
    pub config_exact: bool,
    /// Chunks, events and bytes the journal holds.
    pub extent: JournalExtent,
}

/// Opens session `session` for reading: reads its settings and checks that it has events.
pub fn open_session(store: &Store, session: i64) -> Result<SessionJournal<'_>, LoadError> {
    let json = store.session_engine_config(session)?.ok_or(LoadError::UnknownSession(session))?;
    let json = json.ok_or(LoadError::NoConfig(session))?;
    let record: EngineConfigRecord =
        serde_json::from_str(&json).map_err(|source| LoadError::BadConfig { session, source })?;
    let config_exact = serde_json::to_string(&record).is_ok_and(|again| again == json);
    let extent = store.journal_extent(session)?;
    if extent.chunks == 0 {
        return Err(LoadError::NoEvents(session));
    }
    Ok(SessionJournal { store, id: session, engine_config: record.into(), config_exact, extent })
}

impl<'s> SessionJournal<'s> {
    /// The session's events in recording order, read a few chunks at a time.
    pub fn events(&self) -> SessionEvents<'s> {
        SessionEvents {
            store: self.store,
            session: self.id,
            last_chunk: self.extent.last_chunk,
            next_chunk: 0,
            next_seq: 0,
            fetched: VecDeque::new(),
            events: Vec::new().into_iter(),
            damaged_tail: None,
            done: false,
        }
    }
}

/// Reads every event of a session into memory. Unlike a replay's stream it refuses a session
/// whose last chunk is damaged.
pub fn load_session(store: &Store, session: i64) -> Result<RecordedSession, LoadError> {
    let journal = open_session(store, session)?;
    let mut events = Vec::with_capacity(journal.extent.events.min(1 << 24) as usize);
    let mut stream = journal.events();
    for e in &mut stream {
        events.push(e?);
    }
    if let Some(e) = stream.damaged_tail {
        return Err(e);
    }
    let SessionJournal { id, engine_config, config_exact, .. } = journal;
    Ok(RecordedSession { id, engine_config, config_exact, events })
}

/// The events of a session, decoded one chunk at a time: yields `Err` once (then ends) for a
/// missing, out-of-order or undecodable chunk before the last; see the module doc for the last.
#[derive(Debug)]
pub struct SessionEvents<'s> {
    store: &'s Store,
    session: i64,
    last_chunk: Option<u32>,
    next_chunk: u32,
    next_seq: u64,
    fetched: VecDeque<JournalChunk>,
    events: std::vec::IntoIter<Event>,
    damaged_tail: Option<LoadError>,
    done: bool,
}

impl SessionEvents<'_> {
    /// Why the session's last chunk could not be read, once the stream has ended there: its
    /// events are lost, the ones before it were all yielded.
    pub fn damaged_tail(&self) -> Option<&LoadError> {
        self.damaged_tail.as_ref()
    }

    /// Events yielded or buffered so far (the sequence number after the decoded chunks).
    pub fn decoded(&self) -> u64 {
        self.next_seq
    }

    /// Decodes the next chunk into `self.events`; `Ok(false)` at the end.
    fn advance(&mut self) -> Result<bool, LoadError> {
        if self.fetched.is_empty() {
            self.fetched.extend(self.store.journal_from(self.session, self.next_chunk, FETCH)?);
        }
        let Some(c) = self.fetched.pop_front() else {
            return Ok(false);
        };
        let session = self.session;
        if c.chunk != self.next_chunk || c.first_seq != self.next_seq {
            let problem = format!("starts at event {} where event {} was expected", c.first_seq, self.next_seq);
            return Err(LoadError::Gap { session, chunk: c.chunk, problem });
        }
        // The declared count sizes the buffer only up to what the payload could hold.
        let mut events = Vec::with_capacity((c.events as usize).min(c.payload.len()));
        let decoded = match c.format {
            codec::FORMAT => codec::decode_chunk(&c.payload, &mut events),
            compact::FORMAT => compact::decode_chunk(&c.payload, &mut events),
            found => Err(JournalError::Format { found: i64::from(found) }),
        };
        let failure = match decoded {
            Err(source) => Some(LoadError::Chunk { session, chunk: c.chunk, source }),
            Ok(()) if events.len() as u64 != u64::from(c.events) => Some(LoadError::Gap {
                session,
                chunk: c.chunk,
                problem: format!("declares {} events but holds {}", c.events, events.len()),
            }),
            Ok(()) => None,
        };
        if let Some(e) = failure {
            if Some(c.chunk) == self.last_chunk {
                self.damaged_tail = Some(e);
                return Ok(false);
            }
            return Err(e);
        }
        self.next_chunk += 1;
        self.next_seq += events.len() as u64;
        self.events = events.into_iter();
        Ok(true)
    }
}

impl Iterator for SessionEvents<'_> {
    type Item = Result<Event, LoadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(e) = self.events.next() {
                return Some(Ok(e));
            }
            if self.done {
                return None;
            }
            match self.advance() {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}
