//! Periodic funding of perpetual positions at fixed UTC boundaries crossed by event time.

use super::account::funding_payment;
use super::SimExchange;
use crate::domain::Event;

impl SimExchange {
    /// Charges funding for every funding time in `(previous event, ts]`: each open position pays
    /// `mark × |size| × rate` per boundary (longs pay a positive rate, shorts receive it), and the
    /// position and balance are reported. The first event only sets the next boundary.
    #[inline]
    pub(super) fn charge_funding(&mut self, ts: i64, out: &mut Vec<Event>) {
        if matches!(self.next_funding_ms, Some(next) if ts < next) {
            return;
        }
        self.charge_funding_due(ts, out);
    }

    fn charge_funding_due(&mut self, ts: i64, out: &mut Vec<Event>) {
        let interval = self.config.funding_interval_ms;
        if interval <= 0 {
            return;
        }
        let next = match self.next_funding_ms {
            Some(next) if ts < next => return,
            Some(next) => next,
            None => {
                self.next_funding_ms = Some(next_boundary(ts, interval));
                return;
            }
        };
        let times = (ts - next) / interval + 1;
        self.next_funding_ms = Some(next_boundary(ts, interval));
        let mut any = false;
        for m in 0..self.markets.len() {
            let mk = &mut self.markets[m];
            if mk.pos.is_flat() && mk.short.is_flat() {
                continue;
            }
            let paid_long = funding_payment(mk.pos.size, mk.mark_price, mk.funding_rate).times(times);
            let paid_short = funding_payment(mk.short.size, mk.mark_price, mk.funding_rate).times(times);
            let paid = paid_long + paid_short;
            mk.pos.realised -= paid_long;
            mk.short.realised -= paid_short;
            self.wallet -= paid;
            self.funding_paid += paid;
            self.push_position(m, ts, out);
            any = true;
        }
        if any {
            self.push_balance(ts, out);
        }
    }
}

/// The first funding time strictly after `ts`.
fn next_boundary(ts: i64, interval: i64) -> i64 {
    (ts.div_euclid(interval) + 1) * interval
}

#[cfg(test)]
mod tests {
    use super::next_boundary;

    #[test]
    fn boundaries_fall_on_utc_eight_hour_marks() {
        let h8 = 8 * 3_600_000;
        // 2024-01-01 00:00 UTC = 1_704_067_200_000; 07:59:59.999 -> next is 08:00.
        let day = 1_704_067_200_000;
        assert_eq!(next_boundary(day + h8 - 1, h8), day + h8);
        assert_eq!(next_boundary(day + h8, h8), day + 2 * h8);
        assert_eq!(next_boundary(day, h8), day + h8);
    }
}
