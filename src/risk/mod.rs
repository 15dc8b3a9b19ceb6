//! Risk: position sizing, stops, and the limits every order passes, automatic or manual.
//!
//! Only this module can make a `RiskApproved<OrderRequest>`, and the order manager accepts
//! nothing else, so no order can skip these checks. A refusal is typed: which limit, the value,
//! the limit and the excess. Limits are compared exactly (fixed point); f64 is used only for
//! analytics (correlation, ATR).

mod config;
mod correlation;
mod guard;
mod rejection;
mod sizing;
mod stops;

pub use config::{Limits, RiskConfig};
pub use correlation::CorrelationTracker;
pub use guard::{EquityBreach, EquityCheck, EquityGuard};
pub use rejection::{two_decimals, LimitBreach, LimitKind, RiskRefusal, RiskRejection, Unit};
pub use sizing::{SizeCap, Sizing, SizingInput};
pub use stops::{StopConfig, StopEvent, StopManager, StopReason, Target};

use crate::domain::{
    Instrument, Money, OrderOrigin, OrderRequest, OrderType, Price, Qty, Rate, Rounding, Side, Symbol,
};
use serde::Serialize;

/// Whether new risk may be taken (NautilusTrader's trading states).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TradingState {
    Active,
    /// Only orders that reduce a position.
    Reducing,
    /// Only flattening orders (kill switch).
    Halted,
}

impl TradingState {
    pub fn as_str(self) -> &'static str {
        match self {
            TradingState::Active => "Active",
            TradingState::Reducing => "Reducing",
            TradingState::Halted => "Halted",
        }
    }
}

/// An order that passed every risk check. Only `RiskEngine::check` builds one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RiskApproved<T>(T);

impl<T> RiskApproved<T> {
    pub fn get(&self) -> &T {
        &self.0
    }
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// What the risk stage needs to know about the account when it checks an order.
#[derive(Debug, Clone, Copy)]
pub struct RiskContext<'a> {
    pub instrument: &'a Instrument,
    /// Signed position in the order's symbol.
    pub position: Qty,
    /// Reference price (last trade) for notional checks.
    pub last_price: Price,
    /// Mark price for the fat-finger check (zero: use `last_price`).
    pub mark_price: Price,
    pub equity: Money,
    /// Sum of |notional| over every symbol's position (this one included), at last prices.
    pub total_exposure: Money,
    /// Symbols with an open position.
    pub open_positions: usize,
    /// Remaining quantity of this symbol's working buy / sell orders that are not reduce-only;
    /// counted in as if they filled, so several working orders cannot add up past a limit.
    pub open_buy: Qty,
    pub open_sell: Qty,
    /// Signed notional of the other symbols' positions, for the correlation-aware limit
    /// (empty: the correlated-exposure check only sees this symbol).
    pub others: &'a [(Symbol, Money)],
}

/// Sizing, limit checks and the trading state (kill switch, daily loss).
#[derive(Debug, Clone)]
pub struct RiskEngine {
    config: RiskConfig,
    limits: Limits,
    state: TradingState,
    /// The limit that put the engine in `Reducing`/`Halted`, if a limit did.
    cause: Option<LimitKind>,
    guard: EquityGuard,
    correlations: CorrelationTracker,
}

impl RiskEngine {
    pub fn new(config: RiskConfig) -> Self {
        Self {
            limits: Limits::from_config(&config),
            correlations: CorrelationTracker::new(config.correlation_window),
            config,
            state: TradingState::Active,
            cause: None,
            guard: EquityGuard::default(),
        }
    }
    pub fn config(&self) -> &RiskConfig {
        &self.config
    }
    pub fn limits(&self) -> &Limits {
        &self.limits
    }
    pub fn state(&self) -> TradingState {
        self.state
    }
    /// The limit that changed the state, if one did.
    pub fn state_cause(&self) -> Option<LimitKind> {
        self.cause
    }
    /// Operator override (kill switch command). Going back to `Active` re-bases the drawdown peak.
    pub fn set_state(&mut self, state: TradingState) {
        if state == TradingState::Active {
            self.guard.rebase();
        }
        self.state = state;
        self.cause = None;
    }
    pub fn equity_guard(&self) -> &EquityGuard {
        &self.guard
    }
    pub fn correlations(&self) -> &CorrelationTracker {
        &self.correlations
    }
    pub fn correlations_mut(&mut self) -> &mut CorrelationTracker {
        &mut self.correlations
    }
    pub fn stop_config(&self) -> StopConfig {
        StopConfig::from(&self.config)
    }

    /// A closed candle, for the rolling correlations.
    pub fn on_close(&mut self, symbol: Symbol, ts_ms: i64, close: Price) {
        self.correlations.on_close(symbol, ts_ms, close.to_f64());
    }

    /// Feeds the account equity. A daily-loss breach makes trading reducing-only until the next
    /// UTC day; a drawdown breach halts trading and the caller must run the kill switch
    /// (`execution::flatten_all`). Returns the breach the first time it happens.
    pub fn on_equity(&mut self, ts_ms: i64, equity: Money) -> Option<EquityBreach> {
        let l = self.limits;
        let check = self.guard.on_equity(ts_ms, equity, l.max_daily_loss, l.max_drawdown);
        if check.new_day && self.state == TradingState::Reducing && self.cause == Some(LimitKind::DailyLoss) {
            self.state = TradingState::Active;
            self.cause = None;
        }
        match check.breach {
            Some(b @ EquityBreach::Drawdown(_)) if self.state != TradingState::Halted => {
                self.state = TradingState::Halted;
                self.cause = Some(LimitKind::Drawdown);
                Some(b)
            }
            Some(b @ EquityBreach::DailyLoss(_)) if self.state == TradingState::Active => {
                self.state = TradingState::Reducing;
                self.cause = Some(LimitKind::DailyLoss);
                Some(b)
            }
            _ => None,
        }
    }

    /// Every check an order must pass before it may reach a venue.
    pub fn check(
        &self,
        request: OrderRequest,
        ctx: &RiskContext<'_>,
    ) -> Result<RiskApproved<OrderRequest>, RiskRefusal> {
        match self.rejection(&request, ctx) {
            None => Ok(RiskApproved(request)),
            Some(r) => Err(RiskRefusal::new(request, r)),
        }
    }

    fn rejection(&self, request: &OrderRequest, ctx: &RiskContext<'_>) -> Option<RiskRejection> {
        let l = &self.limits;
        let signed = request.qty.signed(request.side);
        let after = ctx.position + signed;
        let shrinks = !ctx.position.is_zero()
            && after.abs() <= ctx.position.abs()
            && (after.is_zero() || after.is_positive() == ctx.position.is_positive());
        // Working orders on the same side could stack past flat; reduce-only ones cannot.
        let same_side_working = match request.side {
            Side::Buy => ctx.open_buy,
            Side::Sell => ctx.open_sell,
        };
        let reduces = shrinks && (request.reduce_only || same_side_working + request.qty <= ctx.position.abs());
        let protective =
            request.reduce_only || matches!(request.origin, OrderOrigin::Flatten | OrderOrigin::Protective(_));
        let state_refuses = match self.state {
            TradingState::Halted => !(protective && reduces) && request.origin != OrderOrigin::Flatten,
            TradingState::Reducing => !reduces,
            TradingState::Active => false,
        };
        if state_refuses {
            return Some(RiskRejection::State { state: self.state, cause: self.cause });
        }
        if request.reduce_only && !shrinks {
            return Some(RiskRejection::ReduceOnly { side: request.side, qty: request.qty, position: ctx.position });
        }
        let inst = ctx.instrument;
        let price = request.price.or(request.trigger_price).unwrap_or(ctx.last_price);
        for p in [request.price, request.trigger_price].into_iter().flatten() {
            if let Err(e) = inst.check_price(p) {
                return Some(e.into());
            }
        }
        let is_market = request.order_type == OrderType::Market;
        if let Err(e) = inst.check_qty(request.qty, price, is_market, request.reduce_only || reduces) {
            return Some(e.into());
        }
        let order_notional = price * request.qty;
        if request.origin == OrderOrigin::Manual {
            let mark = if ctx.mark_price.is_positive() { ctx.mark_price } else { ctx.last_price };
            if mark.is_positive() {
                for p in [request.price, request.trigger_price].into_iter().flatten() {
                    let dev = Money::from_raw((p - mark).abs().raw()).ratio(Money::from_raw(mark.raw()));
                    let pct = |r: Rate| Money::from_raw(r.raw().saturating_mul(100));
                    let dev = pct(dev.unwrap_or(Rate::ZERO));
                    if let Err(b) = LimitBreach::check(LimitKind::FatFinger, dev, pct(l.fat_finger), Unit::Percent) {
                        return Some(b.into());
                    }
                }
            }
            if let Err(b) =
                LimitBreach::check(LimitKind::ManualOrderSize, order_notional, l.max_manual_notional, Unit::Usdt)
            {
                return Some(b.into());
            }
        }
        if reduces {
            return None;
        }
        if let Err(b) = LimitBreach::check(LimitKind::OrderSize, order_notional, l.max_order_notional, Unit::Usdt) {
            return Some(b.into());
        }
        // Worst case: every working order on one side fills too (the larger side counts).
        let (buys, sells) = match request.side {
            Side::Buy => (ctx.open_buy + request.qty, ctx.open_sell),
            Side::Sell => (ctx.open_buy, ctx.open_sell + request.qty),
        };
        let worst = worst_case(ctx.position, buys, sells);
        let symbol_after = price * worst.abs();
        if let Err(b) =
            LimitBreach::check(LimitKind::PerSymbolExposure, symbol_after, l.max_position_notional, Unit::Usdt)
        {
            return Some(b.into());
        }
        let total_after = (ctx.total_exposure - price * ctx.position.abs()).max(Money::ZERO) + symbol_after;
        if let Err(b) = LimitBreach::check(LimitKind::TotalExposure, total_after, l.max_total_notional, Unit::Usdt) {
            return Some(b.into());
        }
        let leverage =
            if ctx.equity.is_positive() { total_after.ratio(ctx.equity).unwrap_or(Rate::MAX) } else { Rate::MAX };
        let as_money = |r: Rate| Money::from_raw(r.raw());
        if let Err(b) =
            LimitBreach::check(LimitKind::Leverage, as_money(leverage), as_money(l.max_leverage), Unit::Multiple)
        {
            return Some(b.into());
        }
        if ctx.position.is_zero() && ctx.open_positions >= l.max_open_positions {
            let count = |n: usize| Money::from_int(n as i64);
            let value = count(ctx.open_positions + 1);
            if let Err(b) =
                LimitBreach::check(LimitKind::OpenPositions, value, count(l.max_open_positions), Unit::Count)
            {
                return Some(b.into());
            }
        }
        let own = Money::from_raw(symbol_after.raw() * if worst.is_negative() { -1 } else { 1 });
        let threshold = self.config.correlation_threshold;
        let grouped = self.correlations.correlated_exposure(request.symbol, own, ctx.others, threshold);
        if grouped > symbol_after {
            if let Err(b) =
                LimitBreach::check(LimitKind::CorrelatedExposure, grouped, l.max_correlated_notional, Unit::Usdt)
            {
                return Some(b.into());
            }
        }
        None
    }
}

/// The signed position if every working buy (or every working sell) filled, whichever is larger.
pub fn worst_case(position: Qty, open_buy: Qty, open_sell: Qty) -> Qty {
    let up = position + open_buy;
    let down = position - open_sell;
    if up.abs() >= down.abs() {
        up
    } else {
        down
    }
}

/// Price `distance` away from `from` on the losing side of a position of `side`, on the tick grid
/// (rounded away from the entry so the stop is never tighter than asked).
pub fn stop_price(side: Side, from: Price, distance: f64, instrument: &Instrument) -> Option<Price> {
    let d = Price::from_f64(distance)?;
    let raw = match side {
        Side::Buy => instrument.round_price(from - d, Rounding::Down),
        Side::Sell => instrument.round_price(from + d, Rounding::Up),
    };
    raw.is_positive().then_some(raw)
}

/// Leverage of an exposure over equity, as a rate (for gauges).
pub fn leverage_of(exposure: Money, equity: Money) -> Rate {
    exposure.ratio(equity).unwrap_or(Rate::ZERO)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_stops;
