//! Pure planning for a history download: the bar grid of a window, which bars are missing from
//! what is stored, the page-sized requests that fetch them, the contiguous gaps to report, and
//! the command line's date spelling. No I/O here, so all of it is tested by hand.

use crate::domain::{civil_from_days, days_from_civil, Interval};

/// Most klines Bybit returns per call.
pub const PAGE: usize = 1000;

/// Open time of the bar after the one opening at `open` (`open` on the interval's grid).
pub fn next_open(interval: Interval, open: i64) -> i64 {
    match interval.duration_ms() {
        Some(d) => open.saturating_add(d),
        // Months: 32 days on from the first always lands in the next month.
        None => interval.bar_open(open.saturating_add(32 * 86_400_000)),
    }
}

/// The first bar open at or after `t`.
pub fn first_open_at_or_after(interval: Interval, t: i64) -> i64 {
    let open = interval.bar_open(t);
    if open == t {
        t
    } else {
        next_open(interval, open)
    }
}

/// Bar opens in `[from, to)`, ascending.
pub fn grid(interval: Interval, from: i64, to: i64) -> impl Iterator<Item = i64> {
    let first = first_open_at_or_after(interval, from);
    std::iter::successors(Some(first), move |&t| Some(next_open(interval, t))).take_while(move |&t| t < to)
}

/// Bar opens in `[from, to)` that `present` (ascending open times; off-grid ones are ignored)
/// lacks, ascending.
pub fn missing(interval: Interval, from: i64, to: i64, present: &[i64]) -> Vec<i64> {
    let mut out = Vec::new();
    let mut stored = present.iter().copied().peekable();
    for t in grid(interval, from, to) {
        while stored.next_if(|&s| s < t).is_some() {}
        if stored.next_if_eq(&t).is_none() {
            out.push(t);
        }
    }
    out
}

/// One kline request: bars opening in `[start, end]` (Bybit's `end` is inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub start: i64,
    pub end: i64,
    /// Missing bars it should bring.
    pub bars: usize,
}

/// Covers the `missing` opens (ascending, on the grid) with as few requests of at most `page`
/// grid bars as possible: each starts at the first bar not yet covered and reaches as far as
/// `page` bars allow, ending at the last missing bar inside that reach (bars already stored in
/// between come along and are left as they are).
pub fn requests(interval: Interval, missing: &[i64], page: usize) -> Vec<Request> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < missing.len() {
        let start = missing[i];
        let reach = match interval.duration_ms() {
            Some(d) => start.saturating_add(d.saturating_mul(page.saturating_sub(1) as i64)),
            None => (1..page).fold(start, |t, _| next_open(interval, t)),
        };
        let mut j = i;
        while j + 1 < missing.len() && missing[j + 1] <= reach {
            j += 1;
        }
        out.push(Request { start, end: missing[j], bars: j - i + 1 });
        i = j + 1;
    }
    out
}

/// Contiguous runs of missing bars as `(first open, last open, bars)`.
pub fn runs(interval: Interval, missing: &[i64]) -> Vec<(i64, i64, usize)> {
    let mut out: Vec<(i64, i64, usize)> = Vec::new();
    for &t in missing {
        match out.last_mut() {
            Some((_, last, n)) if next_open(interval, *last) == t => {
                *last = t;
                *n += 1;
            }
            _ => out.push((t, t, 1)),
        }
    }
    out
}

/// Why a date given on the command line is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a date: use YYYY-MM-DD, YYYY-MM-DDTHH:MM (UTC) or epoch milliseconds")]
pub struct BadDate(pub String);

/// `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` (UTC, an optional trailing `Z`) or epoch milliseconds.
pub fn parse_date(text: &str) -> Result<i64, BadDate> {
    let bad = || BadDate(text.to_string());
    let s = text.trim();
    if !s.is_empty() && s.len() <= 16 && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().map_err(|_| bad());
    }
    let s = s.strip_suffix('Z').unwrap_or(s);
    let (date, time) = match s.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let num = |part: &str, len: usize| -> Option<u32> {
        (part.len() == len && part.bytes().all(|b| b.is_ascii_digit())).then(|| part.parse().ok()).flatten()
    };
    let mut fields = date.split('-');
    let (Some(y), Some(m), Some(d), None) = (fields.next(), fields.next(), fields.next(), fields.next()) else {
        return Err(bad());
    };
    let (y, m, d) = (num(y, 4).ok_or_else(bad)?, num(m, 2).ok_or_else(bad)?, num(d, 2).ok_or_else(bad)?);
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if d == 0 || d > days_in_month {
        return Err(bad());
    }
    let minutes = match time {
        None => 0,
        Some(t) => {
            let (h, min) = t.split_once(':').ok_or_else(bad)?;
            let (h, min) = (num(h, 2).ok_or_else(bad)?, num(min, 2).ok_or_else(bad)?);
            if h > 23 || min > 59 {
                return Err(bad());
            }
            i64::from(h * 60 + min)
        }
    };
    Ok(days_from_civil(i64::from(y), m, d) * 86_400_000 + minutes * 60_000)
}

/// `2024-01-03T12:34Z` (seconds and milliseconds shown only when not zero).
pub fn format_ts(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(86_400_000));
    let in_day = ms.rem_euclid(86_400_000);
    let (h, min, sec, milli) = (in_day / 3_600_000, in_day / 60_000 % 60, in_day / 1000 % 60, in_day % 1000);
    match (sec, milli) {
        (0, 0) => format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}Z"),
        (_, 0) => format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{sec:02}Z"),
        _ => format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{sec:02}.{milli:03}Z"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: i64 = 60_000;

    #[test]
    fn missing_bars_are_the_grid_minus_what_is_stored() {
        // Window [0, 10 min): stored 0, 1, 2, 5, 9 plus an off-grid 30 s bar and one outside.
        let present = [0, M, 2 * M, 30_000 + 3 * M, 5 * M, 9 * M, 12 * M];
        assert_eq!(missing(Interval::M1, 0, 10 * M, &present), vec![3 * M, 4 * M, 6 * M, 7 * M, 8 * M]);
        // A window starting mid-bar begins at the next open; `to` is exclusive.
        assert_eq!(missing(Interval::M1, 90_000, 4 * M, &[]), vec![2 * M, 3 * M]);
        assert_eq!(missing(Interval::M1, 0, 3 * M, &[0, M, 2 * M]), Vec::<i64>::new());
        assert_eq!(missing(Interval::M5, 0, 20 * M, &[5 * M]), vec![0, 10 * M, 15 * M]);
        assert_eq!(missing(Interval::M1, 5 * M, 5 * M, &[]), Vec::<i64>::new());
    }

    #[test]
    fn month_grid_follows_the_calendar() {
        // 2024-01-01, 2024-02-01, 2024-03-01 (leap February: 29 days), 2024-04-01.
        let jan = 1_704_067_200_000;
        let feb = jan + 31 * 86_400_000;
        let mar = feb + 29 * 86_400_000;
        let apr = mar + 31 * 86_400_000;
        assert_eq!(grid(Interval::Month, jan, apr).collect::<Vec<_>>(), vec![jan, feb, mar]);
        assert_eq!(grid(Interval::Month, jan + 1, apr + 1).collect::<Vec<_>>(), vec![feb, mar, apr]);
    }

    #[test]
    fn requests_cover_missing_bars_in_page_sized_windows() {
        // Pages of 4 bars. Missing: 0 1 2 3 | 4 | 10 12 13 | 20.
        let miss: Vec<i64> = [0, 1, 2, 3, 4, 10, 12, 13, 20].iter().map(|k| k * M).collect();
        let got = requests(Interval::M1, &miss, 4);
        assert_eq!(
            got,
            vec![
                Request { start: 0, end: 3 * M, bars: 4 },
                // Reach is 4..=7: only 4 is missing there.
                Request { start: 4 * M, end: 4 * M, bars: 1 },
                // Reach 10..=13 holds 10, 12 and 13 (11 is stored and comes along).
                Request { start: 10 * M, end: 13 * M, bars: 3 },
                Request { start: 20 * M, end: 20 * M, bars: 1 },
            ]
        );
        // 2,500 contiguous bars in 1,000-bar pages: 3 requests.
        let long: Vec<i64> = (0..2_500).map(|k| k * M).collect();
        let got = requests(Interval::M1, &long, PAGE);
        assert_eq!(
            got.iter().map(|r| (r.start / M, r.end / M, r.bars)).collect::<Vec<_>>(),
            vec![(0, 999, 1000), (1000, 1999, 1000), (2000, 2499, 500)]
        );
        assert!(requests(Interval::M1, &[], PAGE).is_empty());
    }

    #[test]
    fn runs_group_contiguous_bars() {
        let miss: Vec<i64> = [3, 4, 6, 7, 8, 11].iter().map(|k| k * M).collect();
        assert_eq!(runs(Interval::M1, &miss), vec![(3 * M, 4 * M, 2), (6 * M, 8 * M, 3), (11 * M, 11 * M, 1)]);
        assert_eq!(
            runs(Interval::H1, &[0, 3_600_000, 3 * 3_600_000]),
            vec![(0, 3_600_000, 2), (10_800_000, 10_800_000, 1)]
        );
    }

    #[test]
    fn dates_parse_as_utc() {
        // 2024-01-03 = 19,725 days after the epoch.
        assert_eq!(parse_date("2024-01-03"), Ok(19_725 * 86_400_000));
        assert_eq!(parse_date("2024-01-03T12:34"), Ok(19_725 * 86_400_000 + (12 * 60 + 34) * M));
        assert_eq!(parse_date("2024-01-03 12:34Z"), Ok(19_725 * 86_400_000 + (12 * 60 + 34) * M));
        assert_eq!(parse_date("1704285296000"), Ok(1_704_285_296_000));
        assert_eq!(parse_date("2024-02-29"), Ok(19_782 * 86_400_000));
        for bad in ["2023-02-29", "2024-13-01", "2024-1-03", "2024-01-03T24:00", "2024-01-03T12", "", "yesterday"] {
            assert_eq!(parse_date(bad), Err(BadDate(bad.to_string())), "{bad}");
        }
        assert!(parse_date("x").unwrap_err().to_string().contains("YYYY-MM-DD"));
        assert_eq!(format_ts(19_725 * 86_400_000 + (12 * 60 + 34) * M), "2024-01-03T12:34Z");
        assert_eq!(format_ts(1_704_285_296_000), "2024-01-03T12:34:56Z");
        assert_eq!(format_ts(1_704_285_296_007), "2024-01-03T12:34:56.007Z");
        assert_eq!(format_ts(-M), "1969-12-31T23:59Z");
    }
}
