//! `StopManager`: a position's protective stop (initial from ATR or structure, trailing,
//! break-even after a set gain) and its partial-exit targets. The stop only ever moves in the
//! position's favour, and always on the tick grid. The engine keeps one per open position and
//! routes every stop move (its own trailing, a mode's `MoveStop`) through `tighten_to`.

use super::RiskConfig;
use crate::domain::{Instrument, Price, Qty, Rounding, Side};

/// Stop and target settings (from `[risk]`).
#[derive(Debug, Clone, PartialEq)]
pub struct StopConfig {
    pub stop_atr_multiple: f64,
    /// 0 disables trailing.
    pub trail_atr_multiple: f64,
    /// 0 disables the break-even move.
    pub break_even_r: f64,
    /// (R multiple, fraction of the initial quantity) per target, ascending.
    pub targets: Vec<(f64, f64)>,
}

impl From<&RiskConfig> for StopConfig {
    fn from(c: &RiskConfig) -> Self {
        Self {
            stop_atr_multiple: c.stop_atr_multiple,
            trail_atr_multiple: c.trail_atr_multiple,
            break_even_r: c.break_even_r,
            targets: c.target_r.iter().copied().zip(c.target_fraction.iter().copied()).collect(),
        }
    }
}

/// A partial-exit level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub price: Price,
    pub qty: Qty,
    pub done: bool,
}

/// Why the stop moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    BreakEven,
    Trailing,
    /// A strategy asked for it (a mode's `MoveStop`, the trend follower's own trail).
    Strategy,
}

/// What a price update caused; the caller turns exits into reduce-only orders (through risk)
/// and moves (amends) the resting stop order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopEvent {
    Moved { from: Price, to: Price, reason: StopReason },
    PartialExit { target: usize, price: Price, qty: Qty },
    StopHit { stop: Price, qty: Qty },
}

/// The stop and targets of one position.
#[derive(Debug, Clone, PartialEq)]
pub struct StopManager {
    side: Side,
    entry: Price,
    stop: Price,
    /// Initial risk per unit (|entry − initial stop|), the R of the targets.
    risk: Price,
    initial_stop: Price,
    initial_qty: Qty,
    best: Price,
    open: Qty,
    break_even_r: f64,
    trail_atr_multiple: f64,
    break_even_done: bool,
    /// Fees per unit added beyond the entry by the break-even move (entry and exit fee).
    fee_offset: Price,
    targets: Vec<Target>,
    tick: Price,
}

impl StopManager {
    /// A position of `side` entered at `entry` for `qty`. The initial stop is `stop_atr_multiple`
    /// ATRs from entry, or one tick beyond `structure` (a swing low for longs, high for shorts)
    /// when that is wider. `None` when no valid stop exists (no ATR, stop at or below zero).
    pub fn new(
        side: Side,
        entry: Price,
        qty: Qty,
        atr: f64,
        structure: Option<Price>,
        cfg: &StopConfig,
        inst: &Instrument,
    ) -> Option<Self> {
        if !(atr.is_finite() && atr > 0.0) || !entry.is_positive() || !qty.is_positive() {
            return None;
        }
        let atr_stop = super::stop_price(side, entry, atr * cfg.stop_atr_multiple, inst)?;
        let tick = inst.tick_size;
        let structural = structure.and_then(|s| match side {
            Side::Buy if s < entry => Some(inst.round_price(s - tick, Rounding::Down)),
            Side::Sell if s > entry => Some(inst.round_price(s + tick, Rounding::Up)),
            _ => None,
        });
        let stop = match (side, structural) {
            (Side::Buy, Some(s)) if s.is_positive() => s.min(atr_stop),
            (Side::Sell, Some(s)) => s.max(atr_stop),
            _ => atr_stop,
        };
        Self::from_stop(side, entry, qty, stop, cfg, inst)
    }

    /// A position whose initial stop is already chosen (the strategy's ATR or structure stop).
    /// `None` when `stop` is not on the losing side of `entry` or the quantity is not positive.
    pub fn from_stop(
        side: Side,
        entry: Price,
        qty: Qty,
        stop: Price,
        cfg: &StopConfig,
        inst: &Instrument,
    ) -> Option<Self> {
        let valid = match side {
            Side::Buy => stop < entry && stop.is_positive(),
            Side::Sell => stop > entry,
        };
        if !valid || !qty.is_positive() {
            return None;
        }
        let risk = (entry - stop).abs();
        let mut remaining = qty;
        let mut targets = Vec::with_capacity(cfg.targets.len());
        for &(r, fraction) in &cfg.targets {
            let dist = Price::from_f64(risk.to_f64() * r)?;
            let price = match side {
                Side::Buy => inst.round_price(entry + dist, Rounding::Up),
                Side::Sell => inst.round_price(entry - dist, Rounding::Down),
            };
            let part = Qty::from_f64(qty.to_f64() * fraction).map(|q| inst.round_qty(q)).unwrap_or(Qty::ZERO);
            let part = part.min(remaining);
            if part.is_positive() && price.is_positive() {
                remaining -= part;
                targets.push(Target { price, qty: part, done: false });
            }
        }
        Some(Self {
            side,
            entry,
            stop,
            risk,
            initial_stop: stop,
            initial_qty: qty,
            best: entry,
            open: qty,
            break_even_r: cfg.break_even_r,
            trail_atr_multiple: cfg.trail_atr_multiple,
            break_even_done: false,
            fee_offset: Price::ZERO,
            targets,
            tick: inst.tick_size,
        })
    }

    /// Break-even covers fees: the stop moves to entry plus `fee_per_unit` twice (the entry fee
    /// paid, and the exit fee at the same rate), rounded away from the entry onto the tick grid.
    pub fn with_entry_fee(mut self, fee_per_unit: Price) -> Self {
        self.fee_offset = Price::from_raw(fee_per_unit.raw().max(0).saturating_mul(2));
        self
    }

    pub fn side(&self) -> Side {
        self.side
    }
    pub fn entry(&self) -> Price {
        self.entry
    }
    pub fn stop(&self) -> Price {
        self.stop
    }
    /// Quantity still open (after partial exits and a stop hit).
    pub fn open_qty(&self) -> Qty {
        self.open
    }
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }
    pub fn is_closed(&self) -> bool {
        self.open.is_zero()
    }

    /// The position shrank by `qty` outside the targets (a manual close, say).
    pub fn reduce(&mut self, qty: Qty) {
        self.open = (self.open - qty).max(Qty::ZERO);
    }

    /// The position now holds `qty`: the open quantity never exceeds it (exits done elsewhere,
    /// a target's order that filled already counted).
    pub fn sync_open(&mut self, qty: Qty) {
        self.open = self.open.min(qty.abs());
    }

    /// Nothing has happened yet: the stop is the initial one, no target reached, nothing closed.
    pub fn is_fresh(&self) -> bool {
        self.stop == self.initial_stop && self.open == self.initial_qty && !self.targets.iter().any(|t| t.done)
    }

    /// The position grew by `qty` (scale-in): the stop and the targets stay as they are.
    pub fn grow(&mut self, qty: Qty) {
        self.open += qty.abs();
    }

    /// The break-even price (entry plus fees, on the tick grid away from the entry).
    pub fn break_even_price(&self) -> Price {
        match self.side {
            Side::Buy => (self.entry + self.fee_offset).round_to(self.tick, Rounding::Up),
            Side::Sell => (self.entry - self.fee_offset).round_to(self.tick, Rounding::Down),
        }
    }

    /// A stop asked for from outside (a strategy): taken only when tighter than the working one
    /// and still on the right side of `price`. Returns the move.
    pub fn tighten_to(&mut self, candidate: Price, price: Price) -> Option<StopEvent> {
        if self.is_closed() || !candidate.is_positive() {
            return None;
        }
        self.tighten(candidate, price, StopReason::Strategy)
    }

    /// Moves the stop to `candidate` only if that is in the position's favour and still on the
    /// right side of `price` (a stop through the market would trigger at once).
    fn tighten(&mut self, candidate: Price, price: Price, reason: StopReason) -> Option<StopEvent> {
        let better = match self.side {
            Side::Buy => candidate > self.stop && candidate < price,
            Side::Sell => candidate < self.stop && candidate > price,
        };
        if !better {
            return None;
        }
        let moved = StopEvent::Moved { from: self.stop, to: candidate, reason };
        self.stop = candidate;
        Some(moved)
    }

    /// A new price (last trade or candle close) and, when known, the current ATR.
    pub fn on_price(&mut self, price: Price, atr: Option<f64>, out: &mut Vec<StopEvent>) {
        if self.is_closed() || !price.is_positive() {
            return;
        }
        let long = self.side == Side::Buy;
        let hit = if long { price <= self.stop } else { price >= self.stop };
        if hit {
            out.push(StopEvent::StopHit { stop: self.stop, qty: self.open });
            self.open = Qty::ZERO;
            return;
        }
        self.best = if long { self.best.max(price) } else { self.best.min(price) };
        for (i, t) in self.targets.iter_mut().enumerate() {
            let reached = if long { price >= t.price } else { price <= t.price };
            if !t.done && reached {
                t.done = true;
                let qty = t.qty.min(self.open);
                if qty.is_positive() {
                    self.open -= qty;
                    out.push(StopEvent::PartialExit { target: i, price: t.price, qty });
                }
            }
        }
        if self.is_closed() {
            return;
        }
        let gain = if long { price - self.entry } else { self.entry - price };
        if !self.break_even_done && self.break_even_r > 0.0 && gain.to_f64() >= self.break_even_r * self.risk.to_f64() {
            self.break_even_done = true;
            let be = self.break_even_price();
            out.extend(self.tighten(be, price, StopReason::BreakEven));
        }
        if let Some(atr) = atr.filter(|a| a.is_finite() && *a > 0.0 && self.trail_atr_multiple > 0.0) {
            if let Some(d) = Price::from_f64(atr * self.trail_atr_multiple) {
                let candidate = if long {
                    (self.best - d).round_to(self.tick, Rounding::Down)
                } else {
                    (self.best + d).round_to(self.tick, Rounding::Up)
                };
                if candidate.is_positive() {
                    out.extend(self.tighten(candidate, price, StopReason::Trailing));
                }
            }
        }
    }
}
