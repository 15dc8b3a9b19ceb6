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
    let rebalance: crate::execution::RebalanceConfig =
        toml::from_str("targets = { BTCUSDT = 0.3, ETHUSDT = -0.1 }\nevery = \"4h\"\nband = 0.05\n").unwrap();
    let config =
        EngineConfig { order_prefix: "zz".into(), live: true, history_len: 7, rebalance, ..EngineConfig::default() };
    let (store, session) = record(&events, &config);
    let loaded = load_session(&store, session).unwrap();
    assert_eq!(loaded.events, events);
    assert!(loaded.config_exact);
    assert_eq!(loaded.engine_config.rebalance, config.rebalance);
    assert_eq!(loaded.engine_config.rebalance.every.map(|e| e.ms()), Some(4 * 3_600_000));
    // Settings without rebalancing write no `rebalance` key: sessions recorded before it existed
    // read back to the same text (exact) and to no targets.
    let json = super::engine_config_json(&EngineConfig::default());
    assert!(!json.contains("rebalance"), "{json}");
    let back: EngineConfigRecord = serde_json::from_str(&json).unwrap();
    assert!(back.rebalance.is_off());
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
    // A chunk is the 9-byte header, the first timer (tag and a 6-byte time from 0: 7 bytes),
    // then 4 bytes a timer (tag, +60,000 ms -> zigzag 120,000, 3 bytes). It is sent once it
    // reaches 64 KiB: 16 + 4 * (n - 1) >= 65,536 first holds at n = 16,381 events.
    let events = timers(40_000);
    let (store, session) = record(&events, &EngineConfig::default());
    let chunks = store.journal(session).unwrap();
    let shape: Vec<(u32, u64, u32, usize)> =
        chunks.iter().map(|c| (c.chunk, c.first_seq, c.events, c.payload.len())).collect();
    assert_eq!(shape, vec![(0, 0, 16_381, 65_536), (1, 16_381, 16_381, 65_536), (2, 32_762, 7_238, 16 + 4 * 7_237)]);
    assert!(chunks.iter().all(|c| c.format == FORMAT));
    assert_eq!(load_session(&store, session).unwrap().events, events);
    let extent = store.journal_extent(session).unwrap();
    assert_eq!(
        extent,
        crate::data::store::JournalExtent {
            chunks: 3,
            last_chunk: Some(2),
            events: 40_000,
            payload_bytes: 2 * 65_536 + 16 + 4 * 7_237,
        }
    );
    assert_eq!(store.session_summaries().unwrap()[0].journal_bytes, extent.payload_bytes as i64);
}

#[test]
fn missing_corrupt_or_absent_journals_are_named_errors() {
    let events = timers(40_000);
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
    // A cut payload: the chunk is named, no panic.
    store.conn.execute("UPDATE session_events SET payload = substr(payload, 1, 100) WHERE chunk = 0", []).unwrap();
    store.conn.execute("DELETE FROM session_events WHERE chunk = 2", []).unwrap();
    let err = load_session(&store, session).unwrap_err();
    assert!(matches!(err, LoadError::Chunk { chunk: 0, source: JournalError::Checksum { .. }, .. }), "{err}");
    assert!(err.to_string().contains("chunk 0: journal chunk damaged"), "{err}");
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

/// Sends chunks straight to a writer, as a recorder of another format would.
fn write_chunks(chunks: Vec<JournalChunk>) -> (Store, i64) {
    let store = Store::open_in_memory().unwrap();
    let session = new_session(&store);
    record_engine_config(&store, session, &EngineConfig::default()).unwrap();
    let writer = StoreWriter::spawn(store, session);
    for c in chunks {
        writer.sender().send(StoreMsg::Journal(c)).unwrap();
    }
    let (store, _) = writer.finish_with_store().unwrap();
    (store, session)
}

#[test]
fn format_1_sessions_still_load_beside_format_2_chunks() {
    let old = codec::tests::every_kind();
    let mut v1 = Vec::new();
    for e in &old {
        codec::append_event(&mut v1, e);
    }
    let new = timers(3);
    let mut enc = compact::Encoder::new();
    let mut v2 = Vec::new();
    enc.begin(&mut v2);
    for e in &new {
        enc.append(&mut v2, e);
    }
    compact::Encoder::seal(&mut v2);
    let n = old.len() as u32;
    let (store, session) = write_chunks(vec![
        JournalChunk { chunk: 0, first_seq: 0, events: n, format: 1, payload: v1.clone() },
        JournalChunk { chunk: 1, first_seq: n.into(), events: 3, format: 2, payload: v2.clone() },
    ]);
    let loaded = load_session(&store, session).unwrap();
    assert_eq!(loaded.events, [old.clone(), new].concat());
    // Each payload is read with its own format's decoder: swapped, both fail by name.
    let (store, session) =
        write_chunks(vec![JournalChunk { chunk: 0, first_seq: 0, events: n, format: 2, payload: v1 }]);
    let err = load_session(&store, session).unwrap_err();
    assert!(
        matches!(err, LoadError::Chunk { chunk: 0, source: JournalError::BadTag { what: "chunk version", .. }, .. }),
        "{err}"
    );
}

/// Records `events` and returns the store with its chunks (several, 64 KiB each).
fn three_chunk_session() -> (Store, i64, Vec<Event>) {
    let events = timers(40_000);
    let (store, session) = record(&events, &EngineConfig::default());
    assert_eq!(store.journal(session).unwrap().len(), 3);
    (store, session, events)
}

fn stream(store: &Store, session: i64) -> (Vec<Event>, Option<String>, Option<String>) {
    let journal = open_session(store, session).unwrap();
    let mut events = journal.events();
    let mut got = Vec::new();
    let mut err = None;
    for e in &mut events {
        match e {
            Ok(e) => got.push(e),
            Err(e) => err = Some(e.to_string()),
        }
    }
    (got, err, events.damaged_tail().map(|e| e.to_string()))
}

#[test]
fn streaming_reads_the_same_events_as_loading() {
    let (store, session, events) = three_chunk_session();
    let journal = open_session(&store, session).unwrap();
    assert_eq!(journal.extent.events, 40_000);
    assert_eq!(journal.events().map(Result::unwrap).collect::<Vec<_>>(), events);
    let (got, err, tail) = stream(&store, session);
    assert_eq!((got.len(), err, tail), (40_000, None, None));
}

#[test]
fn a_damaged_last_chunk_loses_only_its_own_events() {
    // A crash mid-write: the last chunk is cut short, then overwritten with garbage.
    for damage in ["substr(payload, 1, 5000)", "randomblob(300)", "zeroblob(0)"] {
        let (store, session, events) = three_chunk_session();
        let sql = format!("UPDATE session_events SET payload = {damage} WHERE chunk = 2");
        store.conn.execute(&sql, []).unwrap();
        let (got, err, tail) = stream(&store, session);
        // The first two chunks (2 x 16,381 events) replay; the stream reports the damage.
        assert_eq!(got, events[..32_762], "{damage}");
        assert_eq!(err, None, "{damage}");
        let tail = tail.unwrap_or_default();
        assert!(tail.starts_with(&format!("session {session}: journal chunk 2: journal")), "{damage}: {tail}");
        // Loading everything refuses it, naming the chunk.
        let e = load_session(&store, session).unwrap_err();
        assert!(matches!(e, LoadError::Chunk { chunk: 2, .. }), "{damage}: {e}");
    }
}

#[test]
fn a_damaged_chunk_before_the_last_stops_the_stream_with_an_error() {
    let (store, session, events) = three_chunk_session();
    // Garbage behind a valid version byte (`||` makes text: cast back to a blob): the checksum
    // refuses it.
    let garbage = "UPDATE session_events SET payload = CAST(x'02' || randomblob(64) AS BLOB) WHERE chunk = 1";
    store.conn.execute(garbage, []).unwrap();
    let (got, err, tail) = stream(&store, session);
    assert_eq!(got, events[..16_381]);
    let err = err.unwrap_or_default();
    assert!(err.contains("journal chunk 1: journal chunk damaged"), "{err}");
    assert_eq!(tail, None);
    // A last chunk declaring more events than it holds is damage too.
    let (store, session, _) = three_chunk_session();
    store.conn.execute("UPDATE session_events SET events = events + 1 WHERE chunk = 2", []).unwrap();
    let (got, err, tail) = stream(&store, session);
    assert_eq!((got.len(), err), (32_762, None));
    assert!(tail.is_some_and(|t| t.contains("declares 7239 events but holds 7238")));
}
