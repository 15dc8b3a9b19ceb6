//! Equity guard: the daily-loss limit (reducing-only until the next UTC day) and the maximum
//! drawdown from the equity peak (kill switch).

use super::rejection::{LimitBreach, LimitKind, Unit};
use crate::domain::{Money, Rate};

const DAY_MS: i64 = 86_400_000;

/// Tracks the start-of-day equity and the peak.
#[derive(Debug, Clone, Default)]
pub struct EquityGuard {
    day: Option<i64>,
    day_start: Money,
    peak: Money,
}

/// A limit the equity broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EquityBreach {
    /// Loss since the day started is over the limit: only reducing orders until the next day.
    DailyLoss(LimitBreach),
    /// Fall from the peak is over the limit: cancel everything, flatten, halt.
    Drawdown(LimitBreach),
}

/// What an equity update means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EquityCheck {
    /// A new UTC day started with this update.
    pub new_day: bool,
    pub breach: Option<EquityBreach>,
}

impl EquityGuard {
    /// Starts a fresh peak at the next update (after the kill switch is released).
    pub fn rebase(&mut self) {
        self.day = None;
    }

    pub fn peak(&self) -> Money {
        self.peak
    }
    pub fn day_start(&self) -> Money {
        self.day_start
    }

    /// Drawdown from the peak as a fraction (for gauges).
    pub fn drawdown(&self, equity: Money) -> Rate {
        (self.peak - equity).max(Money::ZERO).ratio(self.peak).unwrap_or(Rate::ZERO)
    }

    /// Feeds the current equity; the drawdown breach wins over the daily loss.
    pub fn on_equity(&mut self, ts_ms: i64, equity: Money, max_daily_loss: Rate, max_drawdown: Rate) -> EquityCheck {
        let day = ts_ms.div_euclid(DAY_MS);
        let mut check = EquityCheck::default();
        match self.day {
            None => {
                self.day = Some(day);
                self.day_start = equity;
                self.peak = equity;
            }
            Some(d) if day > d => {
                self.day = Some(day);
                self.day_start = equity;
                check.new_day = true;
            }
            _ => {}
        }
        // The equity was unknown when the day started (a live run warms up on history before
        // the account snapshot arrives): the day starts at the first known equity, or the daily
        // loss limit would never apply that day.
        if !self.day_start.is_positive() && equity.is_positive() {
            self.day_start = equity;
        }
        self.peak = self.peak.max(equity);
        if self.peak.is_positive() {
            let dd = (self.peak - equity).max(Money::ZERO).ratio(self.peak).unwrap_or(Rate::ZERO);
            let pct = |r: Rate| Money::from_raw(r.raw().saturating_mul(100));
            if let Err(b) = LimitBreach::check(LimitKind::Drawdown, pct(dd), pct(max_drawdown), Unit::Percent) {
                check.breach = Some(EquityBreach::Drawdown(b));
                return check;
            }
        }
        if self.day_start.is_positive() {
            let loss = (self.day_start - equity).max(Money::ZERO);
            let limit = self.day_start.mul_rate(max_daily_loss);
            if let Err(b) = LimitBreach::check(LimitKind::DailyLoss, loss, limit, Unit::Usdt) {
                check.breach = Some(EquityBreach::DailyLoss(b));
            }
        }
        check
    }
}
