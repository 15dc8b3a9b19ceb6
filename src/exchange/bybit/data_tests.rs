//! Tests on real Bybit data from `../shared/data` (skipped with a message when it is absent).

use super::decode::{apply_book_frame, book_scratch};
use crate::domain::{Level, OrderBook, Symbol};
use std::path::PathBuf;

fn shared(name: &str) -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(name);
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("SKIP: {} not readable ({e}); real-data test not run", path.display());
            None
        }
    }
}

/// Levels of one snapshot of a `ts_ms,update_id,side,level,price,qty` file, best first.
fn csv_snapshot(text: &str, update_id: u64) -> (Vec<Level>, Vec<Level>) {
    let (mut bids, mut asks) = (Vec::new(), Vec::new());
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 6, "bad row {line}");
        if f[1].parse::<u64>().unwrap() != update_id {
            continue;
        }
        let lv = Level { price: f[4].parse().unwrap(), qty: f[5].parse().unwrap() };
        let idx: usize = f[3].parse().unwrap();
        let side = if f[2] == "bid" { &mut bids } else { &mut asks };
        assert_eq!(idx, side.len(), "levels out of order in {line}");
        side.push(lv);
    }
    (bids, asks)
}

#[test]
fn ob500_deltas_rebuild_the_published_book_exactly() {
    let (Some(jsonl), Some(csv)) =
        (shared("bybit-linear_XRPUSDT_ob500_20241201.jsonl"), shared("bybit-linear_XRPUSDT_book_snapshot.csv"))
    else {
        return;
    };
    let mut book = OrderBook::new(Symbol::new("XRPUSDT").unwrap());
    let mut scratch = book_scratch();
    let mut frames = 0;
    for line in jsonl.lines().filter(|l| !l.trim().is_empty()) {
        apply_book_frame(line, &mut scratch, &mut book).unwrap_or_else(|e| panic!("frame {frames}: {e}"));
        frames += 1;
        if frames == 1 {
            let (b0, a0) = csv_snapshot(&csv, 20_254_869);
            assert_eq!((book.bids.len(), book.asks.len()), (500, 500));
            assert_eq!((&book.bids, &book.asks), (&b0, &a0), "snapshot #1");
        }
    }
    assert_eq!(frames, 50);
    assert_eq!((book.update_id, book.ts_ms), (20_254_918, 1_733_011_205_490));
    let (bids, asks) = csv_snapshot(&csv, 20_254_918);
    assert_eq!((bids.len(), asks.len()), (500, 500));
    assert_eq!(book.bids.len(), bids.len());
    assert_eq!(book.bids, bids);
    assert_eq!(book.asks, asks);
    assert!(book.synced);
}
