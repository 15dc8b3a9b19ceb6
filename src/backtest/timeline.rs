//! The mode-switch timeline of a backtest: a [`Sink`] that keeps every `Action::RecordModeSwitch`
//! the engine emits, `mode_switches.csv` (ts, symbol, from, to, regime, reason) and a summary
//! (count, share of time each mode was the active one) for `report.json`.

use super::report::iso_utc;
use crate::domain::{Action, Event, ModeSwitch, Symbol};
use crate::runtime::pipeline::Sink;
use std::fmt::Write as _;

/// Keeps the engine's mode switches; ignores everything else (one enum match per action).
#[derive(Debug, Default)]
pub struct SwitchLog {
    pub switches: Vec<ModeSwitch>,
}

impl Sink for SwitchLog {
    #[inline]
    fn on_account_event(&mut self, _: &Event) {}
    #[inline]
    fn on_action(&mut self, action: &Action) {
        if let Action::RecordModeSwitch(m) = action {
            self.switches.push(m.clone());
        }
    }
}

/// Column names of `mode_switches.csv`.
pub const SWITCHES_CSV_HEADER: &str = "ts_ms,time,symbol,from,to,regime,reason";

/// The regime named in a switcher reason (`"regime range for 3 bars ..."`); empty for an
/// operator's switch.
pub fn regime_of(reason: &str) -> &str {
    reason.strip_prefix("regime ").and_then(|r| r.split(' ').next()).unwrap_or("")
}

/// The timeline as CSV, one row per switch in engine order.
pub fn switches_csv(switches: &[ModeSwitch]) -> String {
    let mut out = String::with_capacity(64 + switches.len() * 120);
    out.push_str(SWITCHES_CSV_HEADER);
    out.push('\n');
    for s in switches {
        let reason = s.reason.to_string();
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{}",
            s.ts_ms,
            iso_utc(s.ts_ms),
            s.symbol.as_str(),
            quote(&s.from),
            quote(&s.to),
            regime_of(&reason),
            quote(&reason)
        );
    }
    out
}

fn quote(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// Share of `[start_ms, end_ms)` each mode was active, from the timeline: before a symbol's first
/// switch no mode is active (`none`); symbols weigh equally. Names are the five modes plus `none`
/// (a disabled mode's regime, e.g. `"none (range disabled)"`, counts as `none`), shares sum to 1.
pub fn time_share(switches: &[ModeSwitch], symbols: &[Symbol], start_ms: i64, end_ms: i64) -> Vec<(String, f64)> {
    const NAMES: [&str; 6] = ["trend", "range", "breakout", "reversal", "hedge", "none"];
    let mut ms = [0f64; 6];
    let span = (end_ms - start_ms).max(0) as f64;
    let slot = |name: &str| NAMES.iter().position(|n| *n == name).unwrap_or(5);
    for sym in symbols {
        let mut current = 5usize;
        let mut since = start_ms;
        for s in switches.iter().filter(|s| s.symbol == *sym) {
            let t = s.ts_ms.clamp(start_ms, end_ms);
            ms[current] += (t - since) as f64;
            since = t;
            current = slot(&s.to);
        }
        ms[current] += (end_ms - since).max(0) as f64;
    }
    let total = span * symbols.len().max(1) as f64;
    NAMES.iter().zip(ms).map(|(n, v)| (n.to_string(), if total > 0.0 { v / total } else { 0.0 })).collect()
}

/// The `mode_switches` object of `report.json`: `{count, time_share: {mode: fraction}}`.
pub fn summary_json(switches: &[ModeSwitch], symbols: &[Symbol], start_ms: i64, end_ms: i64) -> serde_json::Value {
    let share: serde_json::Map<String, serde_json::Value> =
        time_share(switches, symbols, start_ms, end_ms).into_iter().map(|(k, v)| (k, v.into())).collect();
    serde_json::json!({ "count": switches.len(), "time_share": share })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sw(ts_ms: i64, sym: &str, from: &str, to: &str, reason: &str) -> ModeSwitch {
        ModeSwitch {
            ts_ms,
            symbol: Symbol::new(sym).unwrap(),
            from: from.to_string().into(),
            to: to.to_string().into(),
            reason: crate::domain::Reason::text(reason),
        }
    }

    #[test]
    fn sink_keeps_only_switches() {
        let mut log = SwitchLog::default();
        let s = sw(5, "BTCUSDT", "none", "trend", "regime trend_up for 3 bars");
        log.on_action(&Action::RecordModeSwitch(s.clone()));
        log.on_action(&Action::CancelAll { symbol: None });
        assert_eq!(log.switches, vec![s]);
    }

    #[test]
    fn csv_rows_and_regime() {
        let reason = "regime range for 3 bars (confidence 0.55); trend → range after 12 bars";
        let csv = switches_csv(&[sw(1_704_067_200_000, "BTCUSDT", "trend", "range", reason)]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], SWITCHES_CSV_HEADER);
        assert_eq!(
            lines[1],
            "1704067200000,2024-01-01T00:00:00.000Z,BTCUSDT,trend,range,range,regime range for 3 bars (confidence 0.55); trend → range after 12 bars"
        );
        // A reason with a comma is quoted (RFC 4180).
        let csv = switches_csv(&[sw(0, "BTCUSDT", "range", "trend", "trend locked, by \"ops\"")]);
        assert!(csv.ends_with(",range,trend,,\"trend locked, by \"\"ops\"\"\"\n"), "{csv}");
        assert_eq!(regime_of("trend locked by the operator"), "");
    }

    #[test]
    fn shares_from_the_timeline() {
        // 0..100: none until 10, trend 10..40, range 40..100 (a disabled regime counts as none
        // from 70): none 10 + 30 = 40, trend 30, range 30.
        let btc = Symbol::new("BTCUSDT").unwrap();
        let list = [
            sw(10, "BTCUSDT", "none", "trend", ""),
            sw(40, "BTCUSDT", "trend", "range", ""),
            sw(70, "BTCUSDT", "range", "none (hedge disabled)", ""),
        ];
        let share = time_share(&list, &[btc], 0, 100);
        let get = |n: &str| share.iter().find(|(k, _)| k == n).unwrap().1;
        assert!((get("none") - 0.4).abs() < 1e-12);
        assert!((get("trend") - 0.3).abs() < 1e-12);
        assert!((get("range") - 0.3).abs() < 1e-12);
        assert_eq!(get("hedge"), 0.0);
        let total: f64 = share.iter().map(|(_, v)| v).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }
}
