//! Bulk import of candle CSV files (`ts_ms,open,high,low,close,volume[,turnover]`).
//!
//! The whole file goes in one transaction. Rows are upserted [`CHUNK`] at a time through one
//! prepared multi-row statement (SQLite's per-statement cost, not its B-tree, dominates a
//! one-row insert), with the series id bound once and each bar packed (see `bar.rs`); numbers
//! are parsed straight from the bytes (prices exactly into 1e-8 units).
//! A second thread reads and parses while this one inserts. Any bad row aborts with its line
//! number and the transaction rolls back: nothing of the file is left half-written.
//! `synchronous = OFF` and a larger page cache hold only for the import (the commit's checkpoint
//! then skips its fsyncs and no page is spilled mid-transaction).

use super::bar::Bar;
use super::{Store, StoreError};
use crate::domain::{Interval, Symbol, DECIMALS};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::time::{Duration, Instant};

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportStats {
    /// Data rows read and upserted.
    pub rows: u64,
    pub first_ts_ms: Option<i64>,
    pub last_ts_ms: Option<i64>,
    pub elapsed: Duration,
}

/// Rows per multi-row insert (2 bound values each, well under SQLite's variable limit).
const CHUNK: usize = 128;

/// Longest line read; a candle row is under 200 bytes, so anything longer is not a candle file.
const MAX_LINE: u64 = 4096;

const HEADER: &[u8] = b"ts_ms,open,high,low,close,volume";
const HEADER_TURNOVER: &[u8] = b"ts_ms,open,high,low,close,volume,turnover";

/// One parsed data row.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Row {
    ts_ms: i64,
    open: i64,
    high: i64,
    low: i64,
    close: i64,
    volume: f64,
    turnover: f64,
}

/// Rows the parser thread hands over at a time.
const BATCH: usize = 4 * CHUNK * 8;

/// Batches in flight between the parser thread and the inserting thread.
const IN_FLIGHT: usize = 4;

/// Page cache (KiB, as `PRAGMA cache_size` takes it negated) while a file goes in, so the
/// transaction's pages are written once at commit rather than spilled and rewritten.
const BULK_CACHE_KIB: i64 = 256 * 1024;

impl Store {
    /// Imports (upserts) a candle CSV file for one series, all or nothing.
    ///
    /// A second thread reads and checks the file while this one inserts. During the import the
    /// connection runs with `synchronous = OFF` and a larger page cache (both restored after,
    /// whatever the outcome): a failed import still rolls back completely; only a power cut in
    /// the middle of one is no longer guaranteed to leave the file intact.
    pub fn import_candles_csv(
        &mut self,
        path: &Path,
        symbol: Symbol,
        interval: Interval,
    ) -> Result<ImportStats, StoreError> {
        let started = Instant::now();
        let io_err = |source| StoreError::Io { path: path.to_path_buf(), source };
        let csv_err = |line: u64, message: String| StoreError::Csv { path: path.to_path_buf(), line, message };
        let file = std::fs::File::open(path).map_err(io_err)?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let mut buf = Vec::with_capacity(256);

        if !read_line(&mut reader, &mut buf).map_err(io_err)? {
            return Err(csv_err(1, "empty file: expected the header `ts_ms,open,high,low,close,volume`".into()));
        }
        let header = trim_line(buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf));
        let has_turnover = match header {
            HEADER => false,
            HEADER_TURNOVER => true,
            other => {
                return Err(csv_err(
                    1,
                    format!(
                        "header is `{}`, expected `ts_ms,open,high,low,close,volume` (optionally `,turnover`)",
                        String::from_utf8_lossy(other)
                    ),
                ))
            }
        };

        let synchronous: i64 = self.conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
        let cache_size: i64 = self.conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
        self.conn.pragma_update(None, "synchronous", "OFF")?;
        self.conn.pragma_update(None, "cache_size", -BULK_CACHE_KIB)?;
        let outcome = std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel(IN_FLIGHT);
            let parser = scope.spawn(move || parse_file(reader, buf, has_turnover, &tx));
            let inserted = self.insert_batches(&rx, symbol, interval);
            // Dropping the receiver stops a parser still running after an insert error.
            drop(rx);
            let parsed = parser.join().unwrap_or_else(|_| Err(ParseError::Panicked));
            (inserted, parsed)
        });
        let restored = self
            .conn
            .pragma_update(None, "synchronous", synchronous)
            .and_then(|()| self.conn.pragma_update(None, "cache_size", cache_size));
        let (inserted, parsed) = outcome;
        // A parse error is the cause of any insert failure it provoked: report it first.
        let stats = match (parsed, inserted) {
            (Err(ParseError::Io(e)), _) => return Err(io_err(e)),
            (Err(ParseError::Csv(line, message)), _) => return Err(csv_err(line, message)),
            (Err(ParseError::Panicked), _) => {
                return Err(csv_err(0, "the CSV parser thread panicked; nothing was imported".into()))
            }
            (Ok(_), Err(e)) => return Err(e),
            (Ok(()), Ok(stats)) => stats,
        };
        restored?;
        Ok(ImportStats { elapsed: started.elapsed(), ..stats })
    }

    /// Inserts the parser's batches in one transaction, committed only after the parser said the
    /// whole file was good (it sends `None` last); anything else rolls it all back.
    fn insert_batches(
        &mut self,
        rx: &std::sync::mpsc::Receiver<Option<Vec<Row>>>,
        symbol: Symbol,
        interval: Interval,
    ) -> Result<ImportStats, StoreError> {
        let tx = self.conn.transaction()?;
        let mut stats = ImportStats { rows: 0, first_ts_ms: None, last_ts_ms: None, elapsed: Duration::ZERO };
        let mut complete = false;
        {
            // The newest stored bar, read inside the transaction: no other writer can add one
            // before we commit (our first write would fail with SQLITE_BUSY instead).
            let series = super::write::series_id(&tx, symbol, interval)?;
            let newest: Option<i64> =
                tx.query_row("SELECT MAX(ts_ms) FROM candles WHERE series = ?1", [series], |r| r.get(0))?;
            let mut stmts: Option<(rusqlite::Statement<'_>, rusqlite::Statement<'_>)> = None;
            while let Ok(batch) = rx.recv() {
                let Some(rows) = batch else {
                    complete = true;
                    break;
                };
                let (Some(first), Some(last)) = (rows.first(), rows.last()) else { continue };
                stats.first_ts_ms.get_or_insert(first.ts_ms);
                stats.last_ts_ms = Some(last.ts_ms);
                stats.rows += rows.len() as u64;
                if stmts.is_none() {
                    // Rows are strictly increasing (the parser checks), so when the file starts
                    // after every stored bar of the series no row can conflict: plain inserts
                    // skip the upsert's work. `OR FAIL` needs no statement journal; any failure
                    // still rolls the whole transaction back.
                    let append = newest.is_none_or(|n| n < first.ts_ms);
                    stmts = Some(prepare_inserts(&tx, append, series)?);
                }
                let Some((chunk_stmt, one_stmt)) = stmts.as_mut() else { continue };
                let mut chunks = rows.chunks_exact(CHUNK);
                for chunk in &mut chunks {
                    for (k, row) in chunk.iter().enumerate() {
                        bind_row(chunk_stmt, 2 + 2 * k, row)?;
                    }
                    chunk_stmt.raw_execute()?;
                }
                for row in chunks.remainder() {
                    bind_row(one_stmt, 2, row)?;
                    one_stmt.raw_execute()?;
                }
            }
        }
        if !complete {
            // The parser stopped early (its error is reported by the caller); `tx` rolls back.
            return Ok(stats);
        }
        tx.commit()?;
        Ok(stats)
    }
}

/// Why the parser thread stopped.
#[derive(Debug)]
enum ParseError {
    Io(std::io::Error),
    Csv(u64, String),
    Panicked,
}

/// Reads, parses and checks the data rows after the header, sending full batches of rows and
/// then `None` once the whole file is good. Stops quietly when the receiver is gone.
fn parse_file(
    mut reader: impl BufRead,
    mut buf: Vec<u8>,
    has_turnover: bool,
    tx: &std::sync::mpsc::SyncSender<Option<Vec<Row>>>,
) -> Result<(), ParseError> {
    let mut pending: Vec<Row> = Vec::with_capacity(BATCH);
    let mut line_no = 1u64;
    let mut last_ts = None;
    loop {
        if !read_line(&mut reader, &mut buf).map_err(ParseError::Io)? {
            break;
        }
        line_no += 1;
        if buf.len() as u64 == MAX_LINE && buf.last() != Some(&b'\n') {
            return Err(ParseError::Csv(line_no, format!("line longer than {MAX_LINE} bytes (not a candle file?)")));
        }
        let line = trim_line(&buf);
        if line.is_empty() {
            continue;
        }
        let row = parse_row(line, has_turnover).map_err(|m| ParseError::Csv(line_no, m))?;
        check_row(&row, last_ts).map_err(|m| ParseError::Csv(line_no, m))?;
        last_ts = Some(row.ts_ms);
        pending.push(row);
        if pending.len() == BATCH {
            let full = std::mem::replace(&mut pending, Vec::with_capacity(BATCH));
            if tx.send(Some(full)).is_err() {
                return Ok(());
            }
        }
    }
    if !pending.is_empty() && tx.send(Some(pending)).is_err() {
        return Ok(());
    }
    let _ = tx.send(None);
    Ok(())
}

/// The [`CHUNK`]-row and the one-row insert for a series, its id already bound: plain
/// `INSERT OR FAIL` when `append` (no row can conflict), upserts otherwise.
fn prepare_inserts<'c>(
    tx: &'c rusqlite::Transaction<'_>,
    append: bool,
    series: i64,
) -> rusqlite::Result<(rusqlite::Statement<'c>, rusqlite::Statement<'c>)> {
    let mut chunk = tx.prepare(&chunk_sql(CHUNK, append))?;
    let mut one = tx.prepare(&chunk_sql(1, append))?;
    for stmt in [&mut chunk, &mut one] {
        stmt.raw_bind_parameter(1, series)?;
    }
    Ok((chunk, one))
}

/// `INSERT ... VALUES (?1, ?2, ?3), (?1, ?4, ?5), ... [ON CONFLICT ...]` for `rows` rows: the
/// series id is shared, each row has its open time and packed bar. `append` makes it a plain
/// `INSERT OR FAIL` instead of an upsert.
fn chunk_sql(rows: usize, append: bool) -> String {
    let head = super::write::candle_insert_head!();
    let mut sql = if append { head.replacen("INSERT INTO", "INSERT OR FAIL INTO", 1) } else { head.to_string() };
    for k in 0..rows {
        let b = 2 + 2 * k;
        if k > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("(?1, ?{}, ?{})", b, b + 1));
    }
    if !append {
        sql.push_str(super::write::candle_on_conflict!());
    }
    sql
}

/// Binds a row's open time and packed bar (all imported bars are closed) from parameter `first` on.
fn bind_row(stmt: &mut rusqlite::Statement<'_>, first: usize, row: &Row) -> rusqlite::Result<()> {
    let bar = Bar {
        open: row.open,
        high: row.high,
        low: row.low,
        close: row.close,
        volume: row.volume,
        turnover: row.turnover,
        closed: true,
    };
    stmt.raw_bind_parameter(first, row.ts_ms)?;
    stmt.raw_bind_parameter(first + 1, &bar.encode()[..])
}

/// Reads one line (at most [`MAX_LINE`] bytes) into `buf`; false at the end of the file.
fn read_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    buf.clear();
    Ok(reader.take(MAX_LINE).read_until(b'\n', buf)? > 0)
}

/// Drops the line ending (`\n` or `\r\n`).
fn trim_line(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn show(field: &[u8]) -> String {
    String::from_utf8_lossy(field).into_owned()
}

fn parse_row(line: &[u8], has_turnover: bool) -> Result<Row, String> {
    let expected = if has_turnover { 7 } else { 6 };
    let mut fields = [&[][..]; 7];
    let mut n = 0;
    for field in line.split(|&b| b == b',') {
        if n == expected {
            return Err(format!("more than {expected} fields in `{}`", show(line)));
        }
        fields[n] = field;
        n += 1;
    }
    if n != expected {
        return Err(format!("{n} fields, expected {expected}, in `{}`", show(line)));
    }
    let ts_ms =
        parse_ts(fields[0]).ok_or_else(|| format!("ts_ms `{}` is not a millisecond timestamp", show(fields[0])))?;
    let price = |i: usize, name: &str| {
        parse_price(fields[i])
            .ok_or_else(|| format!("{name} `{}` is not a price with at most 8 decimals", show(fields[i])))
    };
    let amount = |i: usize, name: &str| {
        parse_amount(fields[i]).ok_or_else(|| format!("{name} `{}` is not a non-negative number", show(fields[i])))
    };
    Ok(Row {
        ts_ms,
        open: price(1, "open")?,
        high: price(2, "high")?,
        low: price(3, "low")?,
        close: price(4, "close")?,
        volume: amount(5, "volume")?,
        turnover: if has_turnover { amount(6, "turnover")? } else { 0.0 },
    })
}

/// Bars need not sit on the interval grid: real exchange files have off-grid bars after outages
/// (Binance BTCUSDT 1h resumes at 09:28:14 on 2018-02-09), so only order and OHLC are checked.
fn check_row(row: &Row, previous_ts: Option<i64>) -> Result<(), String> {
    if row.low <= 0 || row.high < row.open.max(row.close) || row.low > row.open.min(row.close) {
        return Err(format!(
            "inconsistent bar at ts_ms {}: need 0 < low <= open, close <= high (raw 1e-8: o {} h {} l {} c {})",
            row.ts_ms, row.open, row.high, row.low, row.close
        ));
    }
    if let Some(prev) = previous_ts {
        if row.ts_ms <= prev {
            return Err(format!("ts_ms {} is not after the previous row's {prev} (file must be sorted)", row.ts_ms));
        }
    }
    Ok(())
}

/// A non-negative integer that fits `i64`.
fn parse_ts(field: &[u8]) -> Option<i64> {
    if field.is_empty() || field.len() > 18 {
        return None;
    }
    let mut v: i64 = 0;
    for &b in field {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as i64;
    }
    Some(v)
}

/// A non-negative plain decimal into raw 1e-8 units, exactly. Digits past the 8th decimal
/// must be zeros (`1.234000000` is fine, `1.000000001` is refused rather than rounded).
fn parse_price(field: &[u8]) -> Option<i64> {
    let (int, frac) = match field.iter().position(|&b| b == b'.') {
        Some(dot) => (&field[..dot], &field[dot + 1..]),
        None => (field, &[][..]),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v: i64 = 0;
    for &b in int {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(d as i64)?;
    }
    let mut scale = 10i64.pow(DECIMALS);
    v = v.checked_mul(scale)?;
    for (i, &b) in frac.iter().enumerate() {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        if i >= DECIMALS as usize {
            if d != 0 {
                return None;
            }
            continue;
        }
        scale /= 10;
        v = v.checked_add(d as i64 * scale)?;
    }
    Some(v)
}

/// A finite, non-negative decimal (volumes, turnover are analytics values).
fn parse_amount(field: &[u8]) -> Option<f64> {
    // Only digits and one dot: refuses `inf`, `NaN`, signs and exponents that `f64::from_str` takes.
    if field.is_empty() || !field.iter().all(|&b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let v: f64 = std::str::from_utf8(field).ok()?.parse().ok()?;
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_parse_exactly_into_raw_units() {
        assert_eq!(parse_price(b"4261.48"), Some(426_148_000_000));
        assert_eq!(parse_price(b"0.00000001"), Some(1));
        assert_eq!(parse_price(b"12"), Some(1_200_000_000));
        assert_eq!(parse_price(b".5"), Some(50_000_000));
        assert_eq!(parse_price(b"7."), Some(700_000_000));
        assert_eq!(parse_price(b"1.1234567800"), Some(112_345_678));
        assert_eq!(parse_price(b"1.000000001"), None);
        assert_eq!(parse_price(b"-1"), None);
        assert_eq!(parse_price(b"1e3"), None);
        assert_eq!(parse_price(b"1.2.3"), None);
        assert_eq!(parse_price(b""), None);
        assert_eq!(parse_price(b"."), None);
        // 92233720368.54775807 is i64::MAX raw; one more unit overflows.
        assert_eq!(parse_price(b"92233720368.54775807"), Some(i64::MAX));
        assert_eq!(parse_price(b"92233720368.54775808"), None);
    }

    #[test]
    fn amounts_and_timestamps() {
        assert_eq!(parse_amount(b"47.181009"), Some(47.181009));
        assert_eq!(parse_amount(b"0"), Some(0.0));
        assert_eq!(parse_amount(b"inf"), None);
        assert_eq!(parse_amount(b"-1"), None);
        assert_eq!(parse_amount(b"1..2"), None);
        assert_eq!(parse_ts(b"1502942400000"), Some(1_502_942_400_000));
        assert_eq!(parse_ts(b"15029424e0"), None);
        assert_eq!(parse_ts(b""), None);
    }

    #[test]
    fn rows_are_split_checked_and_reported() {
        let row = parse_row(b"1502942400000,4261.48,4313.62,4261.32,4308.83,47.181009", false).unwrap();
        assert_eq!(row.ts_ms, 1_502_942_400_000);
        assert_eq!(row.low, 426_132_000_000);
        assert!(check_row(&row, Some(1_502_938_800_000)).is_ok());
        assert!(check_row(&row, Some(1_502_942_400_000)).unwrap_err().contains("not after"));
        let e = parse_row(b"1502942400000,4261.48,4313.62,4261.32,4308.83", false).unwrap_err();
        assert!(e.starts_with("5 fields, expected 6"), "{e}");
        let e = parse_row(b"1502942400000,4261.48,4313.62,4261.32,4308.83,1,2", false).unwrap_err();
        assert!(e.contains("more than 6"), "{e}");
        let e = parse_row(b"1502942400000,4261.48,4313.62,abc,4308.83,1", false).unwrap_err();
        assert!(e.contains("low `abc`"), "{e}");
        // high below close
        let bad = parse_row(b"0,10,11,9,12,1", false).unwrap();
        assert!(check_row(&bad, None).unwrap_err().contains("inconsistent"));
        let with_turnover = parse_row(b"60000,10,11,9,10.5,1.5,15.75", true).unwrap();
        assert_eq!(with_turnover.turnover, 15.75);
    }
}
