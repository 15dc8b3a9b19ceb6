//! Performance metrics of a backtest: returns, risk ratios, drawdown and trade statistics.
//!
//! Every figure is defined exactly in the doc comment of its field on [`Metrics`], so a report can
//! be checked by hand. Analytics use `f64`; trade sums are taken exactly on the fixed-point values
//! first. No field is ever NaN or infinite: undefined ratios are `0` or `None` as documented.

use serde::Serialize;

use crate::domain::{ClosedTrade, EquityPoint, Money, SCALE};

/// Milliseconds in the 365-day year used for annualisation (crypto trades every day).
pub const YEAR_MS: i64 = 365 * 86_400_000;

/// What [`compute`] needs from a finished backtest.
#[derive(Debug, Clone, Copy)]
pub struct MetricsInput<'a> {
    /// Equity curve sampled every `bar_ms`, in time order.
    pub equity: &'a [EquityPoint],
    pub trades: &'a [ClosedTrade],
    /// All fees paid over the run (including those of trades still open at the end).
    pub fees: Money,
    /// All funding paid (positive) or received (negative) over the run.
    pub funding: Money,
    /// Time with an open position.
    pub exposure_ms: i64,
    /// Sampling interval of the equity curve, e.g. `60_000`; sets the annualisation of Sharpe and Sortino.
    pub bar_ms: i64,
}

/// The headline figures of a backtest, as written to `report.json`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Metrics {
    /// Timestamp of the first equity point (0 for an empty curve).
    pub start_ms: i64,
    /// Timestamp of the last equity point (0 for an empty curve).
    pub end_ms: i64,
    /// Equity of the first point.
    pub initial_equity: f64,
    /// Equity of the last point.
    pub final_equity: f64,
    /// `final / initial − 1`; 0 when the initial equity is not positive.
    pub total_return: f64,
    /// `(final / initial)^(YEAR_MS / (end_ms − start_ms)) − 1`; 0 when the elapsed time is 0 or the
    /// initial equity is not positive, −1 when the final equity is not positive, 0 when the power
    /// overflows (a large gain over a very short span).
    pub cagr: f64,
    /// `mean(r) / std(r) × sqrt(YEAR_MS / bar_ms)` over the simple per-sample returns
    /// `r_i = e_i / e_{i−1} − 1` (returns after a non-positive equity are skipped), with the sample
    /// standard deviation (divisor `n − 1`) and a risk-free rate of 0. It is 0 with fewer than two
    /// returns, a zero standard deviation (below 1e-12), or `bar_ms <= 0`.
    pub sharpe: f64,
    /// `mean(r) / dd × sqrt(YEAR_MS / bar_ms)` with downside deviation
    /// `dd = sqrt(Σ min(r_i, 0)² / n)` over all `n` returns (target 0, the full count in the
    /// divisor, as in Sortino & Price). It is 0 when no return is negative (the ratio is undefined),
    /// with no returns, or `bar_ms <= 0`.
    pub sortino: f64,
    /// `max_t (1 − e_t / peak_t)` where `peak_t` is the highest equity up to `t`; a positive fraction.
    pub max_drawdown: f64,
    /// Longest time from a peak to the first later point back at or above it, counted only when the
    /// curve dipped below the peak in between (to the last point when it never recovers); 0 for a
    /// curve that never falls.
    pub max_drawdown_duration_ms: i64,
    /// Gross profits / gross losses over net trade PnL (`gross_pnl − fees − funding`); `None` when
    /// no trade lost.
    pub profit_factor: Option<f64>,
    /// `wins / trades`; `None` without trades.
    pub win_rate: Option<f64>,
    /// Closed round trips.
    pub trades: usize,
    /// Trades with net PnL > 0.
    pub wins: usize,
    /// Trades with net PnL < 0 (a net PnL of exactly 0 counts as neither).
    pub losses: usize,
    /// Mean net PnL of winning trades; 0 without wins.
    pub avg_win: f64,
    /// Mean net PnL of losing trades (negative); 0 without losses.
    pub avg_loss: f64,
    /// Mean net PnL per trade (`= win_rate × avg_win + loss_rate × avg_loss`); 0 without trades.
    pub expectancy: f64,
    /// Fees paid over the run (from the input, not only closed trades).
    pub fees: f64,
    /// Funding paid over the run (negative when received).
    pub funding: f64,
    /// `exposure_ms / (end_ms − start_ms)`, clamped to `[0, 1]`; 0 when the elapsed time is 0.
    pub exposure: f64,
    /// `cagr / max_drawdown`; `None` when there was no drawdown.
    pub calmar: Option<f64>,
}

/// Computes all metrics; never panics and never yields NaN or infinity.
pub fn compute(input: &MetricsInput) -> Metrics {
    let equity = input.equity;
    let (start_ms, end_ms) = match (equity.first(), equity.last()) {
        (Some(f), Some(l)) => (f.ts_ms, l.ts_ms),
        _ => (0, 0),
    };
    let initial_equity = equity.first().map_or(0.0, |p| p.equity.to_f64());
    let final_equity = equity.last().map_or(0.0, |p| p.equity.to_f64());
    let elapsed_ms = end_ms.saturating_sub(start_ms);

    let total_return = if initial_equity > 0.0 { final_equity / initial_equity - 1.0 } else { 0.0 };
    let cagr = cagr(initial_equity, final_equity, elapsed_ms);
    let returns = simple_returns(equity);
    let periods_per_year = if input.bar_ms > 0 { YEAR_MS as f64 / input.bar_ms as f64 } else { 0.0 };
    let (sharpe, sortino) = risk_ratios(&returns, periods_per_year);
    let (max_drawdown, max_drawdown_duration_ms) = drawdown(equity);
    let stats = TradeStats::of(input.trades);

    let exposure = if elapsed_ms > 0 { (input.exposure_ms as f64 / elapsed_ms as f64).clamp(0.0, 1.0) } else { 0.0 };
    let calmar = if max_drawdown > 0.0 { finite(cagr / max_drawdown) } else { None };

    Metrics {
        start_ms,
        end_ms,
        initial_equity,
        final_equity,
        total_return: finite(total_return).unwrap_or(0.0),
        cagr,
        sharpe,
        sortino,
        max_drawdown,
        max_drawdown_duration_ms,
        profit_factor: stats.profit_factor,
        win_rate: stats.win_rate,
        trades: stats.trades,
        wins: stats.wins,
        losses: stats.losses,
        avg_win: stats.avg_win,
        avg_loss: stats.avg_loss,
        expectancy: stats.expectancy,
        fees: input.fees.to_f64(),
        funding: input.funding.to_f64(),
        exposure,
        calmar,
    }
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

fn cagr(initial: f64, last: f64, elapsed_ms: i64) -> f64 {
    if elapsed_ms <= 0 || initial <= 0.0 {
        return 0.0;
    }
    if last <= 0.0 {
        return -1.0;
    }
    let years_inv = YEAR_MS as f64 / elapsed_ms as f64;
    finite((last / initial).powf(years_inv) - 1.0).unwrap_or(0.0)
}

/// Simple per-sample returns; a step from a non-positive equity has no defined return and is skipped.
fn simple_returns(equity: &[EquityPoint]) -> Vec<f64> {
    equity
        .windows(2)
        .filter_map(|w| {
            let prev = w[0].equity.to_f64();
            (prev > 0.0).then(|| w[1].equity.to_f64() / prev - 1.0)
        })
        .collect()
}

/// Annualised (Sharpe, Sortino) of `returns`, see the field docs of [`Metrics`].
fn risk_ratios(returns: &[f64], periods_per_year: f64) -> (f64, f64) {
    let n = returns.len();
    if n == 0 || periods_per_year <= 0.0 {
        return (0.0, 0.0);
    }
    let annualise = periods_per_year.sqrt();
    let mean = returns.iter().sum::<f64>() / n as f64;
    let sharpe = if n >= 2 {
        let var = returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let std = var.sqrt();
        if std > 1e-12 {
            finite(mean / std * annualise).unwrap_or(0.0)
        } else {
            0.0
        }
    } else {
        0.0
    };
    let downside_sq = returns.iter().map(|r| r.min(0.0).powi(2)).sum::<f64>();
    let sortino = if downside_sq > 0.0 {
        let dd = (downside_sq / n as f64).sqrt();
        finite(mean / dd * annualise).unwrap_or(0.0)
    } else {
        0.0
    };
    (sharpe, sortino)
}

/// (max drawdown fraction, longest underwater spell in ms).
fn drawdown(equity: &[EquityPoint]) -> (f64, i64) {
    let Some(first) = equity.first() else { return (0.0, 0) };
    let mut peak = first.equity;
    let mut peak_ts = first.ts_ms;
    let mut max_dd = 0.0f64;
    let mut max_dur = 0i64;
    let mut underwater = false;
    for p in equity {
        if p.equity >= peak {
            if underwater {
                max_dur = max_dur.max(p.ts_ms.saturating_sub(peak_ts));
                underwater = false;
            }
            peak = p.equity;
            peak_ts = p.ts_ms;
        } else {
            underwater = true;
            if peak.is_positive() {
                max_dd = max_dd.max(1.0 - p.equity.to_f64() / peak.to_f64());
            }
        }
    }
    if let (true, Some(last)) = (underwater, equity.last()) {
        max_dur = max_dur.max(last.ts_ms.saturating_sub(peak_ts));
    }
    (finite(max_dd).unwrap_or(0.0), max_dur)
}

/// Statistics over closed trades, summed exactly in raw fixed-point units.
struct TradeStats {
    trades: usize,
    wins: usize,
    losses: usize,
    profit_factor: Option<f64>,
    win_rate: Option<f64>,
    avg_win: f64,
    avg_loss: f64,
    expectancy: f64,
}

impl TradeStats {
    fn of(trades: &[ClosedTrade]) -> Self {
        let (mut wins, mut losses) = (0usize, 0usize);
        let (mut profit_raw, mut loss_raw) = (0i128, 0i128);
        for t in trades {
            let net = t.gross_pnl.raw() as i128 - t.fees.raw() as i128 - t.funding.raw() as i128;
            if net > 0 {
                wins += 1;
                profit_raw += net;
            } else if net < 0 {
                losses += 1;
                loss_raw -= net;
            }
        }
        let money = |raw: i128| raw as f64 / SCALE as f64;
        let n = trades.len();
        Self {
            trades: n,
            wins,
            losses,
            profit_factor: (loss_raw > 0).then(|| profit_raw as f64 / loss_raw as f64),
            win_rate: (n > 0).then(|| wins as f64 / n as f64),
            avg_win: if wins > 0 { money(profit_raw) / wins as f64 } else { 0.0 },
            avg_loss: if losses > 0 { -money(loss_raw) / losses as f64 } else { 0.0 },
            expectancy: if n > 0 { money(profit_raw - loss_raw) / n as f64 } else { 0.0 },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Price, Qty, Side, Symbol};

    const DAY: i64 = 86_400_000;

    fn point(ts_ms: i64, equity: i64) -> EquityPoint {
        let e = Money::from_int(equity);
        EquityPoint { ts_ms, equity: e, wallet_balance: e, unrealised_pnl: Money::ZERO }
    }

    fn trade(gross: &str, fees: &str, funding: &str) -> ClosedTrade {
        ClosedTrade {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            side: Side::Buy,
            mode: Some(0),
            entry_ts_ms: 0,
            exit_ts_ms: DAY,
            qty: Qty::from_int(1),
            entry_price: Price::from_int(100),
            exit_price: Price::from_int(110),
            gross_pnl: gross.parse().unwrap(),
            fees: fees.parse().unwrap(),
            funding: funding.parse().unwrap(),
        }
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-12, "{a} != {b}");
    }

    /// Equity 100, 110, 99, 121 at daily bars; trades net +10, −11, +22.
    ///
    /// Returns: r = 0.1, −0.1, 121/99 − 1 = 2/9. mean = (2/9)/3 = 2/27.
    /// Deviations from the mean: 7/270, −47/270, 40/270; Σd² = (49 + 2209 + 1600)/270² = 3858/72900;
    /// sample var = 3858/72900/2 = 1929/72900, std = √1929/270.
    /// Sharpe = (2/27)/(√1929/270) × √365 = 20/√1929 × √365 = 20·√(365/1929) ≈ 8.6998.
    /// Downside: Σ min(r,0)² = 0.01, dd = √(0.01/3) = 0.1/√3;
    /// Sortino = (2/27)/(0.1/√3) × √365 = (20√3/27)·√365 ≈ 24.511.
    /// CAGR: elapsed 3 days → 1.21^(365/3) − 1. Max drawdown 1 − 99/110 = 0.1, from day 1 (peak 110)
    /// until day 3 (121) → 2 days. Profit factor (10 + 22)/11 = 32/11; win rate 2/3; avg win 16,
    /// avg loss −11, expectancy 21/3 = 7. Exposure 1.5 days / 3 days = 0.5. Calmar = cagr / 0.1.
    #[test]
    fn hand_computed_case() {
        let equity = [point(0, 100), point(DAY, 110), point(2 * DAY, 99), point(3 * DAY, 121)];
        let trades = [trade("11", "1", "0"), trade("-10", "0.6", "0.4"), trade("23", "0.5", "0.5")];
        let m = compute(&MetricsInput {
            equity: &equity,
            trades: &trades,
            fees: "2.1".parse().unwrap(),
            funding: "0.9".parse().unwrap(),
            exposure_ms: 3 * DAY / 2,
            bar_ms: DAY,
        });
        assert_eq!((m.start_ms, m.end_ms), (0, 3 * DAY));
        close(m.initial_equity, 100.0);
        close(m.final_equity, 121.0);
        close(m.total_return, 0.21);
        close(m.sharpe, 20.0 * (365.0f64 / 1929.0).sqrt());
        close(m.sortino, 20.0 * 3.0f64.sqrt() / 27.0 * 365.0f64.sqrt());
        let cagr = 1.21f64.powf(365.0 / 3.0) - 1.0;
        assert!((m.cagr - cagr).abs() <= 1e-12 * cagr, "{} != {cagr}", m.cagr);
        close(m.max_drawdown, 0.1);
        assert_eq!(m.max_drawdown_duration_ms, 2 * DAY);
        close(m.profit_factor.unwrap(), 32.0 / 11.0);
        close(m.win_rate.unwrap(), 2.0 / 3.0);
        assert_eq!((m.trades, m.wins, m.losses), (3, 2, 1));
        close(m.avg_win, 16.0);
        close(m.avg_loss, -11.0);
        close(m.expectancy, 7.0);
        close(m.fees, 2.1);
        close(m.funding, 0.9);
        close(m.exposure, 0.5);
        let calmar = m.calmar.unwrap();
        assert!((calmar - cagr / 0.1).abs() <= 1e-12 * calmar);
    }

    #[test]
    fn flat_curve_has_zero_ratios_and_no_nan() {
        let equity: Vec<_> = (0..10).map(|i| point(i * 60_000, 1000)).collect();
        let m = compute(&MetricsInput {
            equity: &equity,
            trades: &[],
            fees: Money::ZERO,
            funding: Money::ZERO,
            exposure_ms: 0,
            bar_ms: 60_000,
        });
        assert_eq!((m.sharpe, m.sortino, m.max_drawdown, m.total_return, m.cagr), (0.0, 0.0, 0.0, 0.0, 0.0));
        assert_eq!((m.profit_factor, m.win_rate, m.calmar), (None, None, None));
        assert_eq!(m.max_drawdown_duration_ms, 0);
        assert!(serde_json::to_string(&m).unwrap().find("null").is_some());
    }

    #[test]
    fn empty_and_degenerate_inputs_are_finite() {
        for equity in [vec![], vec![point(5, 100)], vec![point(0, 0), point(1, 10)], vec![point(0, 10), point(1, 0)]] {
            let m = compute(&MetricsInput {
                equity: &equity,
                trades: &[],
                fees: Money::ZERO,
                funding: Money::ZERO,
                exposure_ms: 10,
                bar_ms: 0,
            });
            let json = serde_json::to_value(m).unwrap();
            for (k, v) in json.as_object().unwrap() {
                if let Some(f) = v.as_f64() {
                    assert!(f.is_finite(), "{k} = {f}");
                }
            }
            assert_eq!(m.sharpe, 0.0);
        }
        // Losing everything: CAGR −1, drawdown 100%.
        let m = compute(&MetricsInput {
            equity: &[point(0, 10), point(DAY, 0)],
            trades: &[],
            fees: Money::ZERO,
            funding: Money::ZERO,
            exposure_ms: 0,
            bar_ms: DAY,
        });
        assert_eq!((m.cagr, m.max_drawdown, m.total_return), (-1.0, 1.0, -1.0));
    }

    #[test]
    fn huge_short_gain_does_not_overflow_cagr() {
        // +100% in one minute: 2^(525600) overflows, so CAGR is reported as 0, not inf.
        let m = compute(&MetricsInput {
            equity: &[point(0, 100), point(60_000, 200)],
            trades: &[],
            fees: Money::ZERO,
            funding: Money::ZERO,
            exposure_ms: 0,
            bar_ms: 60_000,
        });
        assert_eq!(m.cagr, 0.0);
        close(m.total_return, 1.0);
    }

    #[test]
    fn breakeven_trade_counts_as_neither_and_no_loss_means_no_profit_factor() {
        let trades = [trade("5", "0", "0"), trade("1", "0.5", "0.5")];
        let m = compute(&MetricsInput {
            equity: &[],
            trades: &trades,
            fees: Money::ZERO,
            funding: Money::ZERO,
            exposure_ms: 0,
            bar_ms: 60_000,
        });
        assert_eq!((m.trades, m.wins, m.losses, m.profit_factor), (2, 1, 0, None));
        close(m.win_rate.unwrap(), 0.5);
        close(m.expectancy, 2.5);
        close(m.avg_loss, 0.0);
    }
}
