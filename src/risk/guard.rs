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
    /// The last update's day, equity and limits, and its answer: an update repeating them
    /// (a flat account's equity stays put candle after candle) changes nothing and gets the
    /// same answer without the fixed-point divisions.
    last: Option<(i64, Money, Rate, Rate, Option<EquityBreach>)>,
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
        self.last = None;
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
        // Same day, equity and limits as the last update: the peak and the day's start are
        // unchanged, so the checks below would give the same breach.
        if let Some((d, e, l, m, breach)) = self.last {
            if d == day && e == equity && l == max_daily_loss && m == max_drawdown {
                return EquityCheck { new_day: false, breach };
            }
        }
        let check = self.check(day, equity, max_daily_loss, max_drawdown);
        self.last = Some((day, equity, max_daily_loss, max_drawdown, check.breach));
        check
    }

    fn check(&mut self, day: i64, equity: Money, max_daily_loss: Rate, max_drawdown: Rate) -> EquityCheck {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn usdt(v: i64) -> Money {
        Money::from_int(v)
    }

    #[test]
    fn repeated_equity_gets_the_same_answer_and_a_new_day_still_counts() {
        let (daily, dd) = (Rate::from_f64(0.05).unwrap(), Rate::from_f64(0.10).unwrap());
        let mut g = EquityGuard::default();
        let t0 = 3 * DAY_MS;
        assert_eq!(g.on_equity(t0, usdt(1000), daily, dd), EquityCheck::default());
        assert_eq!(g.on_equity(t0 + 1, usdt(1000), daily, dd), EquityCheck::default());
        // 1000 → 960: 4% down on the day, within both limits.
        assert_eq!(g.on_equity(t0 + 2, usdt(960), daily, dd).breach, None);
        // 1000 → 940: 60 USDT lost on the day, over the 50 allowed (5% of 1000); drawdown 6%.
        let loss = g.on_equity(t0 + 3, usdt(940), daily, dd);
        let Some(EquityBreach::DailyLoss(b)) = loss.breach else { panic!("{loss:?}") };
        assert_eq!((b.value, b.limit), (usdt(60), usdt(50)));
        // The same equity again: the same answer (the risk engine reports a breach once).
        assert_eq!(g.on_equity(t0 + 4, usdt(940), daily, dd), loss);
        // 880: 12% below the 1000 peak, over the 10% drawdown limit; it wins over the daily loss.
        let down = g.on_equity(t0 + 5, usdt(880), daily, dd);
        assert!(matches!(down.breach, Some(EquityBreach::Drawdown(b)) if b.value == usdt(12) && b.limit == usdt(10)));
        // Next day at the same equity: a new day (start 880, no daily loss) but the drawdown stays.
        let next = g.on_equity(t0 + DAY_MS, usdt(880), daily, dd);
        assert!(next.new_day);
        assert_eq!(next.breach, down.breach);
        assert_eq!(g.day_start(), usdt(880));
        // After a rebase the peak starts again at 880: nothing is breached.
        g.rebase();
        assert_eq!(g.on_equity(t0 + DAY_MS + 1, usdt(880), daily, dd), EquityCheck::default());
        assert_eq!(g.peak(), usdt(880));
    }
}
