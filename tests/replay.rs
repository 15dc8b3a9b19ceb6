//! Record and replay: a recorded session fed back through a fresh engine gives the identical
//! orders, through the real binary (`backtest --replay`) and through the library (with operator
//! commands in the middle of the run).

mod common;
use autobot::backtest::replay;
use autobot::data::generator::{demo_instruments, GeneratorConfig, MarketGenerator};
use autobot::data::store::{Store, StoreWriter};
use autobot::domain::{Command, Event, Money, Price, Qty};
use autobot::engine::{Engine, EngineConfig};
use autobot::exchange::sim::{SimConfig, SimExchange};
use autobot::runtime::journal::{load_session, record_engine_config, RecordedSession};
use autobot::runtime::pipeline::Pipeline;
use autobot::runtime::StoreSink;
use common::*;
use std::path::Path;

/// `(client_order_id, qty, price)` of every order the session stored, in creation order, with
/// the price as `decisions.csv` shows it (limit, else trigger, else decision price).
fn stored_orders(db: &Path) -> Vec<(String, String, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn
        .prepare(
            "SELECT client_order_id, request_qty, COALESCE(request_price, request_trigger, decision_price)
             FROM orders ORDER BY created_ms, client_order_id",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, Qty::from_raw(r.get(1)?).to_string(), Price::from_raw(r.get(2)?).to_string()))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// The `place_order` rows of `decisions.csv` as `(client_order_id, qty, price)`, sorted like
/// the stored orders (orders placed at the same time sort by id).
fn placed_decisions(csv: &Path) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(replay::DECISIONS_CSV_HEADER));
    let mut v: Vec<(i64, String, String, String)> = lines
        .filter_map(|l| {
            let f: Vec<&str> = l.splitn(8, ',').collect();
            (f[1] == "place_order")
                .then(|| (f[0].parse().unwrap(), f[6].to_string(), f[4].to_string(), f[5].to_string()))
        })
        .collect();
    v.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    v.into_iter().map(|(_, id, q, p)| (id, q, p)).collect()
}

#[test]
fn a_recorded_demo_session_replays_to_identical_orders() {
    let sb = Sandbox::new();
    let db = sb.path("s.db");
    let db_s = db.to_str().unwrap();
    let out = sb.run(&["--headless", "--speed", "max", "--max-candles", "3000", "--db", db_s]);
    assert!(out.status.success(), "{}", stderr(&out));
    let recorded = stored_orders(&db);
    assert!(recorded.len() >= 4, "too few orders to compare: {recorded:?}\n{}", stderr(&out));

    // The session list names it, with its events and orders.
    let list = sb.run(&["sessions", "--db", db_s]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(list.status.success(), "{}", stderr(&list));
    let row: Vec<&str> = text.lines().nth(1).expect("one session row").split_whitespace().collect();
    assert_eq!(row[0], "1", "{text}");
    assert_eq!(row[1], "demo", "{text}");
    // ... events, orders, journal size, bytes per event
    let n = row.len();
    assert_eq!(row[n - 3].parse::<usize>().unwrap(), recorded.len(), "{text}");
    let events = row[n - 4].parse::<u64>().unwrap();
    assert!(events > 3000 * 2, "{text}");
    let per_event: f64 = row[n - 1].parse().unwrap();
    assert!((10.0..200.0).contains(&per_event), "journal bytes per event out of range: {text}");
    let journal = row[n - 2];
    let scale = if journal.ends_with("MB") {
        1e6
    } else if journal.ends_with("kB") {
        1e3
    } else {
        panic!("journal size not in kB or MB: {text}")
    };
    let bytes = journal.trim_end_matches(char::is_alphabetic).parse::<f64>().unwrap() * scale;
    assert!((bytes / events as f64 - per_event).abs() < 0.2 * per_event, "size and bytes/event disagree: {text}");

    let report = sb.path("rep");
    let out = sb.run(&["backtest", "--replay", "1", "--db", db_s, "--report", report.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", stderr(&out));
    assert!(
        stdout.contains(&format!("replay: {} orders, all identical to the recorded session", recorded.len())),
        "{stdout}"
    );
    // Same ids, quantities and prices, in the same order.
    assert_eq!(placed_decisions(&report.join("decisions.csv")), recorded);
    assert!(report.join("report.json").exists() && report.join("trades.csv").exists());

    // A stored order edited after the fact is caught, named, and fails the command.
    let first = &recorded[1].0;
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE orders SET filled_qty = filled_qty + 1 WHERE client_order_id = ?1", [first])
        .unwrap();
    let out = sb.run(&["backtest", "--replay", "1", "--db", db_s, "--report", report.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        stdout.contains("MISMATCH") && stdout.contains(first.as_str()) && stdout.contains("filled_qty"),
        "{stdout}"
    );

    // An unknown session is a clear error.
    let out = sb.run(&["backtest", "--replay", "7", "--db", db_s, "--report", report.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no session 7"), "{}", stderr(&out));
}

/// Runs a demo market through the pipeline with a real store, sending `commands` at the given
/// minutes; returns the db path's session and the journal positions of the commands.
fn recorded_run(db: &Path, commands: &[(usize, Command)]) -> (i64, Vec<u64>) {
    let config = EngineConfig::default();
    let store = Store::open(db).unwrap();
    let session = store.new_session("demo", Some(3), "{}").unwrap();
    record_engine_config(&store, session, &config).unwrap();
    let writer = StoreWriter::spawn(store, session);
    let instruments = demo_instruments();
    let venue = SimExchange::new(SimConfig::default(), &instruments, Money::from_int(10_000));
    let mut p = Pipeline::new(Engine::new(config), venue);
    let mut sink = StoreSink::new(writer.sender());
    for i in &instruments {
        p.inform(&Event::Instrument(*i), &mut sink);
    }
    let b = p.venue.balance();
    p.inform(&Event::Balance(b), &mut sink);
    let mut gen =
        MarketGenerator::new(GeneratorConfig { seed: 3, intra_minute_steps: 1, ..GeneratorConfig::default() });
    let mut at = Vec::new();
    let mut buf = Vec::new();
    for minute in 0..4_000 {
        for (_, c) in commands.iter().filter(|(m, _)| *m == minute) {
            at.push(sink.journal.events());
            p.command(c.clone(), &mut sink);
        }
        buf.clear();
        gen.next_minute(&mut buf);
        for e in &buf {
            p.feed(e, &mut sink);
        }
    }
    sink.journal.finish();
    drop(sink);
    writer.finish().unwrap();
    (session, at)
}

#[test]
fn operator_commands_replay_at_the_same_place() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let commands = [(1_000, Command::PauseAutomation), (2_500, Command::ResumeAutomation)];
    let (session, at) = recorded_run(&db, &commands);

    // The journal holds each command exactly where it was sent.
    let store = Store::open(&db).unwrap();
    let loaded = load_session(&store, session).unwrap();
    for ((_, c), i) in commands.iter().zip(&at) {
        assert_eq!(loaded.events[*i as usize], Event::Command(c.clone()), "event {i}");
    }
    assert_eq!(loaded.events.iter().filter(|e| matches!(e, Event::Command(_))).count(), 2);

    // The replay through the backtest entry point agrees with every stored order.
    let report = replay::run(&db, session, &dir.path().join("rep")).unwrap();
    assert_eq!(report.difference, None, "{}", report.verdict());
    assert!(report.recorded_orders >= 4, "{}", report.recorded_orders);
    assert_eq!(report.replayed.orders, store.orders(session).unwrap());

    // Without the pause the engine decides differently: the commands matter, and were replayed.
    let events: Vec<Event> = loaded.events.iter().filter(|e| !matches!(e, Event::Command(_))).cloned().collect();
    let unpaused = replay::replay(&RecordedSession { events, ..loaded.clone() });
    assert!(
        replay::first_difference(&unpaused.orders, &report.replayed.orders).is_some(),
        "pausing for 1,500 minutes changed no order"
    );
    // While paused no strategy opened a position.
    let paused_span =
        (loaded.events[at[0] as usize..at[1] as usize]).iter().filter_map(|e| e.ts_ms()).collect::<Vec<_>>();
    let (from, to) = (paused_span[0], *paused_span.last().unwrap());
    let entries = report
        .replayed
        .orders
        .iter()
        .filter(|o| o.created_ms > from && o.created_ms < to)
        .filter(|o| matches!(o.request.origin, autobot::domain::OrderOrigin::Strategy(_)) && !o.request.reduce_only)
        .count();
    assert_eq!(entries, 0);
}
