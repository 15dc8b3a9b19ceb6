//! `autobot download`: public Bybit klines of one series into the SQLite store.
//!
//! The window `[from, to)` is cut at the still-open bar (never stored). What is already stored
//! (closed bars only) is read first; the missing bar opens are covered by page-sized kline
//! requests (at most [`plan::PAGE`] bars each), and each page's bars go in with one transaction
//! of upserts. So a download killed at any point keeps whole pages only, and a re-run fetches
//! exactly what is still missing: resume, gap backfill and idempotent re-runs are one mechanism.
//! Bars the exchange has no data for (before the listing, a maintenance hole) are asked for once
//! per run and reported as still missing.

pub mod plan;

use crate::data::store::{Store, StoreError};
use crate::domain::{Candle, Interval, Symbol};
use crate::exchange::bybit::rest::{KlineQuery, RestClient, RestError};
use crate::exchange::bybit::wire::Category;

/// What to download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadSpec {
    pub category: Category,
    pub symbol: Symbol,
    pub interval: Interval,
    /// First bar open wanted (inclusive), epoch ms.
    pub from_ms: i64,
    /// End of the window (exclusive), epoch ms; cut at the still-open bar.
    pub to_ms: i64,
}

/// Where a download stands, after each page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Requests done and planned.
    pub request: usize,
    pub requests: usize,
    /// Bars written so far and bars that were missing at the start.
    pub fetched: u64,
    pub to_fetch: u64,
}

/// What a download did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadSummary {
    /// Closed bars the window holds (cut at the open bar).
    pub wanted: u64,
    /// Of those, already stored before this run.
    pub already_present: u64,
    /// Bars written by this run.
    pub fetched: u64,
    /// Contiguous gaps at the start, and how many of them are now complete.
    pub gaps: usize,
    pub gaps_filled: usize,
    /// Bars still missing after the run (the exchange has no data for them).
    pub still_missing: u64,
    /// Those bars as `(first open, last open, bars)` runs.
    pub missing_runs: Vec<(i64, i64, usize)>,
    /// Kline requests sent.
    pub requests: usize,
    /// The window actually covered: `[from_ms, end_ms)`.
    pub end_ms: i64,
}

/// Why a download stopped. Pages written before the failure stay (each is complete).
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("empty window: --from {from_ms} is not before --to {to_ms}")]
    EmptyWindow { from_ms: i64, to_ms: i64 },
    // The messages carry their cause (not chained as `source`, which would print it twice).
    #[error("cannot read the exchange clock: {0}")]
    Clock(RestError),
    #[error(
        "request {request}/{requests} (bars {start_ms}..={end_ms}) failed after {fetched} bar(s) were written; \
         re-run to resume: {cause}"
    )]
    Fetch { request: usize, requests: usize, start_ms: i64, end_ms: i64, fetched: u64, cause: RestError },
    #[error("the exchange answered for symbol `{got}`, asked for `{asked}`")]
    WrongSymbol { asked: Symbol, got: Symbol },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Downloads the missing closed bars of `spec` into `store`; `progress` is called after each page.
pub async fn download(
    client: &RestClient,
    store: &mut Store,
    spec: &DownloadSpec,
    mut progress: impl FnMut(&Progress),
) -> Result<DownloadSummary, DownloadError> {
    let DownloadSpec { category, symbol, interval, from_ms, to_ms } = *spec;
    if from_ms >= to_ms {
        return Err(DownloadError::EmptyWindow { from_ms, to_ms });
    }
    client.sync_time().await.map_err(DownloadError::Clock)?;
    // The bar running now is not closed: the window stops at its open.
    let end_ms = to_ms.min(interval.bar_open(client.server_now_ms()));
    let wanted = plan::grid(interval, from_ms, end_ms).count() as u64;
    let missing =
        plan::missing(interval, from_ms, end_ms, &store.closed_candle_times(symbol, interval, from_ms, end_ms)?);
    let gap_runs = plan::runs(interval, &missing);
    let requests = plan::requests(interval, &missing, plan::PAGE);
    let mut state = Progress { request: 0, requests: requests.len(), fetched: 0, to_fetch: missing.len() as u64 };
    for (i, req) in requests.iter().enumerate() {
        let query = KlineQuery {
            category,
            symbol,
            interval,
            start_ms: Some(req.start),
            end_ms: Some(req.end),
            limit: Some(plan::PAGE as u32),
        };
        let fail = |cause| DownloadError::Fetch {
            request: i + 1,
            requests: requests.len(),
            start_ms: req.start,
            end_ms: req.end,
            fetched: state.fetched,
            cause,
        };
        let page = client.kline(&query).await.map_err(fail)?;
        if page.symbol != symbol {
            return Err(DownloadError::WrongSymbol { asked: symbol, got: page.symbol });
        }
        let now = client.server_now_ms();
        let mut bars: Vec<Candle> = page
            .list
            .iter()
            .map(|row| row.to_candle(symbol, interval, now))
            .filter(|c| c.closed && c.ts_ms >= req.start && c.ts_ms <= req.end)
            .filter(|c| missing.binary_search(&c.ts_ms).is_ok())
            .collect();
        bars.sort_by_key(|c| c.ts_ms);
        bars.dedup_by_key(|c| c.ts_ms);
        store.upsert_candles(&bars)?;
        state.request = i + 1;
        state.fetched += bars.len() as u64;
        progress(&state);
    }
    let left = plan::missing(interval, from_ms, end_ms, &store.closed_candle_times(symbol, interval, from_ms, end_ms)?);
    let gaps_filled = gap_runs.iter().filter(|(first, last, _)| !overlaps(&left, *first, *last)).count();
    Ok(DownloadSummary {
        wanted,
        already_present: wanted - missing.len() as u64,
        fetched: state.fetched,
        gaps: gap_runs.len(),
        gaps_filled,
        still_missing: left.len() as u64,
        missing_runs: plan::runs(interval, &left),
        requests: requests.len(),
        end_ms,
    })
}

/// Whether ascending `times` has one in `[first, last]`.
fn overlaps(times: &[i64], first: i64, last: i64) -> bool {
    let at = times.partition_point(|&t| t < first);
    times.get(at).is_some_and(|&t| t <= last)
}

#[cfg(test)]
mod tests {
    use super::overlaps;

    #[test]
    fn overlap_is_inclusive_at_both_ends() {
        let times = [10, 20, 30];
        assert!(overlaps(&times, 10, 10));
        assert!(overlaps(&times, 25, 30));
        assert!(!overlaps(&times, 11, 19));
        assert!(!overlaps(&times, 31, 99));
        assert!(!overlaps(&[], 0, 100));
    }
}
