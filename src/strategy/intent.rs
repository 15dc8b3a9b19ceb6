//! What the trading modes see on a closed bar (`ModeContext`) and what they ask for (`Intent`),
//! plus the one rule every stop obeys: a strategy stop only ever moves in the position's favour.

use super::{Direction, Signal};
use crate::analysis::{AnalysisOutput, Level};
use crate::domain::{Candle, Reason, Symbol};
use crate::indicators::IndicatorValues;
use crate::patterns::Detection;
use serde::{Deserialize, Serialize};

/// The five trading modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModeId {
    Trend,
    Range,
    Breakout,
    Reversal,
    Hedge,
}

/// A mode name that is none of the five.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown trading mode `{0}` (use trend, range, breakout, reversal or hedge)")]
pub struct UnknownMode(pub String);

impl ModeId {
    pub const ALL: [ModeId; 5] = [ModeId::Trend, ModeId::Range, ModeId::Breakout, ModeId::Reversal, ModeId::Hedge];
    /// Name used in commands, records and the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            ModeId::Trend => "trend",
            ModeId::Range => "range",
            ModeId::Breakout => "breakout",
            ModeId::Reversal => "reversal",
            ModeId::Hedge => "hedge",
        }
    }
    /// Index into `ALL` (and into per-mode tables).
    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for ModeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ModeId {
    type Err = UnknownMode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "trend" => ModeId::Trend,
            "range" | "chop" => ModeId::Range,
            "breakout" => ModeId::Breakout,
            "reversal" => ModeId::Reversal,
            "hedge" | "volatility" | "vol_hedge" => ModeId::Hedge,
            _ => return Err(UnknownMode(s.to_string())),
        })
    }
}

/// The symbol's position as the engine holds it (quantities in base units, prices as f64: the
/// modes are analytics; the engine rounds anything it sends to the instrument's tick and step).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PositionView {
    /// `Flat` when there is no position.
    pub direction: Direction,
    /// Absolute size.
    pub qty: f64,
    /// Average entry price.
    pub entry: f64,
    /// Working protective stop, if any.
    pub stop: Option<f64>,
    /// Size of an open hedge against this position (0 when none).
    pub hedge_qty: f64,
}

impl PositionView {
    pub const FLAT: PositionView =
        PositionView { direction: Direction::Flat, qty: 0.0, entry: 0.0, stop: None, hedge_qty: 0.0 };
    pub fn is_open(&self) -> bool {
        self.direction != Direction::Flat && self.qty > 0.0
    }
    /// +1 long, −1 short, 0 flat.
    pub fn sign(&self) -> f64 {
        match self.direction {
            Direction::Long if self.qty > 0.0 => 1.0,
            Direction::Short if self.qty > 0.0 => -1.0,
            _ => 0.0,
        }
    }
}

/// Everything a mode sees on one closed bar of one symbol.
#[derive(Debug, Clone, Copy)]
pub struct ModeContext<'a> {
    pub candle: &'a Candle,
    /// Indicator values computed from this candle.
    pub ind: &'a IndicatorValues,
    /// The symbol's `Analyzer` output for this candle.
    pub analysis: &'a AnalysisOutput,
    /// Candlestick patterns detected on this candle (registry order).
    pub patterns: &'a [Detection],
    /// The analyzer's support/resistance levels (`Analyzer::levels`, unordered).
    pub levels: &'a [Level],
    pub position: PositionView,
}

impl ModeContext<'_> {
    pub fn open(&self) -> f64 {
        self.candle.open.to_f64()
    }
    pub fn high(&self) -> f64 {
        self.candle.high.to_f64()
    }
    pub fn low(&self) -> f64 {
        self.candle.low.to_f64()
    }
    pub fn close(&self) -> f64 {
        self.candle.close.to_f64()
    }
    /// ATR(14), only when warmed up and positive.
    pub fn atr(&self) -> Option<f64> {
        self.ind.atr_14.filter(|a| a.is_finite() && *a > 0.0)
    }
    /// Nearest levels with at least `min_touches` touches at or below `price` and above it.
    pub fn levels_around(&self, price: f64, min_touches: u32) -> (Option<Level>, Option<Level>) {
        levels_around(self.levels, price, min_touches)
    }
    /// Time of the decision: the bar's close.
    pub fn ts_ms(&self) -> i64 {
        self.candle.close_ms()
    }
}

/// What a mode asks the engine to do.
#[derive(Debug, Clone, PartialEq)]
pub enum IntentKind {
    /// Open a position; size it with fixed-fraction risk to `stop` (`stop_distance` = |close − stop|).
    Enter { direction: Direction, stop: f64, target: Option<f64> },
    /// Add to the position, risking `risk_fraction` of one full entry's risk to `stop` (which is
    /// never looser than the working stop).
    ScaleIn { stop: f64, risk_fraction: f64 },
    /// Close this fraction (0, 1) of the position.
    PartialExit { fraction: f64 },
    /// Close the whole position.
    Exit,
    /// Move the protective stop (only ever in the position's favour; the mode set enforces it).
    MoveStop { stop: f64 },
    /// Open an opposite position of `fraction` × the position's size, in `symbol` (None: the same
    /// symbol; the venue must then be in hedge mode) or a correlated one.
    Hedge { fraction: f64, symbol: Option<Symbol> },
    /// Close the hedge.
    Unwind,
}

/// A mode's request on a closed bar, with the reason the engine records.
#[derive(Debug, Clone, PartialEq)]
pub struct Intent {
    pub mode: ModeId,
    pub kind: IntentKind,
    pub reason: Reason,
}

impl Intent {
    /// The `SignalRecord.action` word.
    pub fn action(&self) -> &'static str {
        match self.kind {
            IntentKind::Enter { direction: Direction::Short, .. } => "enter_short",
            IntentKind::Enter { .. } => "enter_long",
            IntentKind::ScaleIn { .. } => "scale_in",
            IntentKind::PartialExit { .. } => "partial_exit",
            IntentKind::Exit => "exit",
            IntentKind::MoveStop { .. } => "stop_moved",
            IntentKind::Hedge { .. } => "hedge",
            IntentKind::Unwind => "unwind",
        }
    }

    /// The legacy `Signal` for entries and exits (what `Engine::act_on_signal` consumes today),
    /// with the stop distance measured from `price` (the decision price, normally the close).
    pub fn to_signal(&self, price: f64) -> Option<Signal> {
        match self.kind {
            IntentKind::Enter { direction, stop, .. } => {
                let stop_distance = (price - stop).abs();
                (stop_distance > 0.0 && stop_distance.is_finite()).then(|| Signal {
                    direction,
                    stop_distance,
                    reason: self.reason.clone(),
                })
            }
            IntentKind::Exit => {
                Some(Signal { direction: Direction::Flat, stop_distance: 0.0, reason: self.reason.clone() })
            }
            _ => None,
        }
    }
}

/// Nearest levels with at least `min_touches` touches at or below `price` and above it.
pub fn levels_around(levels: &[Level], price: f64, min_touches: u32) -> (Option<Level>, Option<Level>) {
    let (mut below, mut above): (Option<Level>, Option<Level>) = (None, None);
    for l in levels.iter().filter(|l| l.touches >= min_touches && l.price.is_finite()) {
        if l.price <= price {
            if below.is_none_or(|b| l.price > b.price) {
                below = Some(*l);
            }
        } else if above.is_none_or(|a| l.price < a.price) {
            above = Some(*l);
        }
    }
    (below, above)
}

/// The stop to use when `proposed` replaces `current` for a position of `direction`: `Some` only
/// when `proposed` is strictly tighter (higher for a long, lower for a short) or there is no
/// current stop. Stops never loosen.
pub fn tighter_stop(direction: Direction, current: Option<f64>, proposed: f64) -> Option<f64> {
    if !proposed.is_finite() {
        return None;
    }
    match (direction, current) {
        (Direction::Flat, _) => None,
        (_, None) => Some(proposed),
        (Direction::Long, Some(c)) => (proposed > c).then_some(proposed),
        (Direction::Short, Some(c)) => (proposed < c).then_some(proposed),
    }
}

/// Whether `stop` lies on the losing side of `price` for a new position of `direction`.
pub fn stop_is_protective(direction: Direction, price: f64, stop: f64) -> bool {
    stop.is_finite()
        && match direction {
            Direction::Long => stop < price,
            Direction::Short => stop > price,
            Direction::Flat => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_only_tighten() {
        assert_eq!(tighter_stop(Direction::Long, Some(95.0), 96.5), Some(96.5));
        assert_eq!(tighter_stop(Direction::Long, Some(95.0), 94.0), None);
        assert_eq!(tighter_stop(Direction::Long, Some(95.0), 95.0), None);
        assert_eq!(tighter_stop(Direction::Short, Some(105.0), 104.0), Some(104.0));
        assert_eq!(tighter_stop(Direction::Short, Some(105.0), 106.0), None);
        assert_eq!(tighter_stop(Direction::Short, None, 106.0), Some(106.0));
        assert_eq!(tighter_stop(Direction::Flat, None, 1.0), None);
        assert_eq!(tighter_stop(Direction::Long, None, f64::NAN), None);
        assert!(stop_is_protective(Direction::Long, 100.0, 98.0));
        assert!(!stop_is_protective(Direction::Long, 100.0, 101.0));
        assert!(stop_is_protective(Direction::Short, 100.0, 101.0));
    }

    #[test]
    fn nearest_qualifying_levels() {
        let l = |price, touches| Level { price, touches, first_touch_ms: 0, last_touch_ms: 0 };
        let levels = [l(95.0, 3), l(98.0, 1), l(99.0, 2), l(104.0, 1), l(105.0, 4), l(110.0, 2)];
        let (b, a) = levels_around(&levels, 100.0, 2);
        assert_eq!((b.map(|x| x.price), a.map(|x| x.price)), (Some(99.0), Some(105.0)));
        let (b, a) = levels_around(&levels, 100.0, 3);
        assert_eq!((b.map(|x| x.price), a.map(|x| x.price)), (Some(95.0), Some(105.0)));
        let (b, a) = levels_around(&levels, 120.0, 1);
        assert_eq!((b.map(|x| x.price), a), (Some(110.0), None));
    }

    #[test]
    fn entry_maps_to_the_legacy_signal() {
        let i = Intent {
            mode: ModeId::Breakout,
            kind: IntentKind::Enter { direction: Direction::Short, stop: 103.5, target: Some(90.0) },
            reason: "r".into(),
        };
        let s = i.to_signal(100.0).unwrap();
        assert_eq!((s.direction, s.stop_distance, i.action()), (Direction::Short, 3.5, "enter_short"));
        let bad = Intent { kind: IntentKind::Enter { direction: Direction::Long, stop: 100.0, target: None }, ..i };
        assert_eq!(bad.to_signal(100.0), None, "zero stop distance cannot be sized");
        let exit = Intent { mode: ModeId::Range, kind: IntentKind::Exit, reason: "x".into() };
        assert_eq!(exit.to_signal(1.0).unwrap().direction, Direction::Flat);
    }

    #[test]
    fn mode_names_round_trip() {
        for m in ModeId::ALL {
            assert_eq!(m.as_str().parse::<ModeId>(), Ok(m));
            assert_eq!(ModeId::ALL[m.index()], m);
        }
        assert_eq!("chop".parse::<ModeId>(), Ok(ModeId::Range));
        assert_eq!("scalp".parse::<ModeId>(), Err(UnknownMode("scalp".into())));
    }
}
