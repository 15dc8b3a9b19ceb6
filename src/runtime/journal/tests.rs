use super::*;
use crate::data::store::StoreWriter;
use crate::domain::Command;

fn new_session(store: &Store) -> i64 {
    store.new_session("demo", Some(1), "{}").unwrap()
}

/// Records `events` through a real writer thread and hands the store back.
fn record(events: &[Event], config: &EngineConfig) -> (Store, i64) {
    let store = Store::open_in_memory().unwrap();
    let session = new_session(&store);
    record_engine_config(&store, session, config).unwrap();
    let writer = StoreWriter::spawn(store, session);
    {
        let mut rec = SessionRecorder::new(writer.sender());
        for e in events {
            rec.record(e);
        }
        assert_eq!(rec.events(), events.len() as u64);
        rec.finish();
    }
    let (store, stats) = writer.finish_with_store().unwrap();
    assert!(stats.journal_chunks >= 1);
    (store, session)
}

fn timers(n: i64) -> Vec<Event> {
    (0..n).map(|i| Event::Timer { ts_ms: 1_700_000_000_000 + i * 60_000 }).collect()
}

#[test]
fn recorded_events_and_settings_load_back_in_order() {
    let mut events = codec::tests::every_kind();
    events.extend(timers(3));
    let config = EngineConfig { order_prefix: "zz".into(), live: true, history_len: 7, ..EngineConfig::default() };
    let (store, session) = record(&events, &config);
    let loaded = load_session(&store, session).unwrap();
    assert_eq!(loaded.events, events);
    assert!(loaded.config_exact);
    assert_eq!(EngineConfigRecord::from(&loaded.engine_config), EngineConfigRecord::from(&config));
    assert_eq!(loaded.engine_config.order_prefix, "zz");
    // The session's end time was recorded.
    let list = store.session_summaries().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].events, events.len() as i64);
    assert!(list[0].ended_ms.is_some_and(|e| e >= list[0].started_ms));
}

#[test]
fn large_sessions_split_into_consecutive_chunks() {
    // A timer record takes 8 bytes (length, tag, 6-byte varint): 20,000 of them are 160 kB,
    // so at 64 KiB a chunk the journal has three chunks.
    let events = timers(20_000);
    let (store, session) = record(&events, &EngineConfig::default());
    let chunks = store.journal(session).unwrap();
    assert_eq!(chunks.len(), 3, "{chunks:?}");
    assert_eq!(chunks[0].first_seq, 0);
    assert_eq!(chunks[1].first_seq, u64::from(chunks[0].events));
    assert_eq!(chunks.iter().map(|c| u64::from(c.events)).sum::<u64>(), 20_000);
    assert_eq!(chunks[0].events, (CHUNK_BYTES as u32).div_ceil(8));
    assert_eq!(load_session(&store, session).unwrap().events, events);
}

#[test]
fn missing_corrupt_or_absent_journals_are_named_errors() {
    let events = timers(20_000);
    let (store, session) = record(&events, &EngineConfig::default());
    // Unknown session.
    assert!(matches!(load_session(&store, 99), Err(LoadError::UnknownSession(99))));
    // A session without settings or events (recorded by an older build).
    let old = new_session(&store);
    assert!(matches!(load_session(&store, old), Err(LoadError::NoConfig(s)) if s == old));
    record_engine_config(&store, old, &EngineConfig::default()).unwrap();
    assert!(matches!(load_session(&store, old), Err(LoadError::NoEvents(s)) if s == old));
    // A chunk gone missing: the gap is named.
    store.conn.execute("DELETE FROM session_events WHERE chunk = 1", []).unwrap();
    let err = load_session(&store, session).unwrap_err();
    assert!(matches!(err, LoadError::Gap { chunk: 2, .. }), "{err}");
    // A cut payload: the chunk and the byte are named, no panic.
    store.conn.execute("UPDATE session_events SET payload = substr(payload, 1, 100) WHERE chunk = 0", []).unwrap();
    store.conn.execute("DELETE FROM session_events WHERE chunk = 2", []).unwrap();
    let err = load_session(&store, session).unwrap_err();
    assert!(matches!(err, LoadError::Chunk { chunk: 0, source: JournalError::Truncated { .. }, .. }), "{err}");
    // A newer record format.
    store.conn.execute("UPDATE session_events SET format = 9", []).unwrap();
    let err = load_session(&store, session).unwrap_err();
    assert!(err.to_string().contains("format 9"), "{err}");
    // Settings that are not JSON.
    store.conn.execute("UPDATE sessions SET engine_config = '{oops' WHERE id = ?1", [session]).unwrap();
    assert!(matches!(load_session(&store, session), Err(LoadError::BadConfig { .. })));
}

#[test]
fn recorder_flushes_on_drop_and_numbers_chunks() {
    let store = Store::open_in_memory().unwrap();
    let session = new_session(&store);
    let writer = StoreWriter::spawn(store, session);
    {
        let mut rec = SessionRecorder::new(writer.sender());
        rec.record(&Event::Command(Command::PauseAutomation));
        rec.flush();
        // An empty flush sends nothing.
        rec.flush();
        rec.record(&Event::Timer { ts_ms: 5 });
        rec.record(&Event::Command(Command::ResumeAutomation));
    }
    let (store, _) = writer.finish_with_store().unwrap();
    let chunks = store.journal(session).unwrap();
    let shape: Vec<(u32, u64, u32)> = chunks.iter().map(|c| (c.chunk, c.first_seq, c.events)).collect();
    assert_eq!(shape, vec![(0, 0, 1), (1, 1, 2)]);
}
