//! Risk: position sizing and the limits every order passes, automatic or manual.
//!
//! Only this module can make a `RiskApproved<OrderRequest>`, and the order manager accepts
//! nothing else, so no order can skip these checks.

use crate::domain::{Instrument, Money, OrderOrigin, OrderRequest, Price, Qty, Rate, Rounding, Side};
use serde::{Deserialize, Serialize};

/// Risk settings (`[risk]` in the config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskConfig {
    /// Fraction of equity lost if a new position's stop is hit (0.005 = 0.5 %).
    pub risk_per_trade: f64,
    /// Largest position per symbol, as notional in USDT.
    pub max_position_notional: f64,
    /// Largest total exposure across symbols as a multiple of equity.
    pub max_leverage: f64,
    /// Most symbols with an open position at once.
    pub max_open_positions: usize,
    /// Manual limit/stop orders further than this fraction from the last price are refused.
    pub fat_finger_pct: f64,
    /// Largest manual order, as notional in USDT.
    pub max_manual_notional: f64,
}

impl Default for RiskConfig {
    fn default() -> Self {
        Self {
            risk_per_trade: 0.005,
            max_position_notional: 50_000.0,
            max_leverage: 3.0,
            max_open_positions: 2,
            fat_finger_pct: 0.05,
            max_manual_notional: 25_000.0,
        }
    }
}

impl RiskConfig {
    /// Checks the values make sense; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        let in_range = |v: f64, lo: f64, hi: f64| v.is_finite() && v > lo && v <= hi;
        if !in_range(self.risk_per_trade, 0.0, 0.2) {
            return Err(format!("risk.risk_per_trade must be in (0, 0.2], got {}", self.risk_per_trade));
        }
        if !in_range(self.max_position_notional, 0.0, 1e12) {
            return Err(format!("risk.max_position_notional must be positive, got {}", self.max_position_notional));
        }
        if !in_range(self.max_leverage, 0.0, 100.0) {
            return Err(format!("risk.max_leverage must be in (0, 100], got {}", self.max_leverage));
        }
        if self.max_open_positions == 0 {
            return Err("risk.max_open_positions must be at least 1".into());
        }
        if !in_range(self.fat_finger_pct, 0.0, 1.0) {
            return Err(format!("risk.fat_finger_pct must be in (0, 1], got {}", self.fat_finger_pct));
        }
        if !in_range(self.max_manual_notional, 0.0, 1e12) {
            return Err(format!("risk.max_manual_notional must be positive, got {}", self.max_manual_notional));
        }
        Ok(())
    }
}

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

/// An order the risk stage refused, and why (which limit, by how much).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskRefusal {
    pub request: OrderRequest,
    pub reason: String,
}

/// What the risk stage needs to know about the account when it checks an order.
#[derive(Debug, Clone, Copy)]
pub struct RiskContext<'a> {
    pub instrument: &'a Instrument,
    /// Signed position in the order's symbol.
    pub position: Qty,
    /// Reference price (last trade) for notional and fat-finger checks.
    pub last_price: Price,
    pub equity: Money,
    /// Sum of |notional| over every symbol's position, at last prices.
    pub total_exposure: Money,
    /// Symbols with an open position.
    pub open_positions: usize,
}

/// Sizing and limit checks.
#[derive(Debug, Clone)]
pub struct RiskEngine {
    config: RiskConfig,
    state: TradingState,
}

impl RiskEngine {
    pub fn new(config: RiskConfig) -> Self {
        Self { config, state: TradingState::Active }
    }
    pub fn config(&self) -> &RiskConfig {
        &self.config
    }
    pub fn state(&self) -> TradingState {
        self.state
    }
    pub fn set_state(&mut self, state: TradingState) {
        self.state = state;
    }

    /// Fixed-fractional sizing: lose `risk_per_trade` of equity if the stop is hit, capped by the
    /// per-symbol notional limit and the leverage headroom; rounded down to the quantity step.
    pub fn size_for_stop(
        &self,
        equity: Money,
        entry: Price,
        stop: Price,
        instrument: &Instrument,
        exposure: Money,
    ) -> Qty {
        let distance = (entry - stop).abs();
        if !distance.is_positive() || !entry.is_positive() || !equity.is_positive() {
            return Qty::ZERO;
        }
        let risk_money = equity.to_f64() * self.config.risk_per_trade;
        let by_risk = risk_money / distance.to_f64();
        let headroom = (equity.to_f64() * self.config.max_leverage - exposure.to_f64()).max(0.0);
        let cap_notional = self.config.max_position_notional.min(headroom);
        let by_cap = cap_notional / entry.to_f64();
        let qty = by_risk.min(by_cap);
        // Round down on the exact grid; f64 is only used to find the size, never to state it.
        Qty::from_f64(qty).map(|q| instrument.round_qty(q.max(Qty::ZERO))).unwrap_or(Qty::ZERO)
    }

    /// Every check an order must pass before it may reach a venue.
    pub fn check(
        &self,
        request: OrderRequest,
        ctx: &RiskContext<'_>,
    ) -> Result<RiskApproved<OrderRequest>, RiskRefusal> {
        let refuse = |reason: String| Err(RiskRefusal { request, reason });
        let signed = request.qty.signed(request.side);
        let after = ctx.position + signed;
        let reduces = !ctx.position.is_zero()
            && after.abs() <= ctx.position.abs()
            && (after.is_zero() || after.is_positive() == ctx.position.is_positive());
        let protective =
            request.reduce_only || matches!(request.origin, OrderOrigin::Flatten | OrderOrigin::Protective(_));

        match self.state {
            TradingState::Halted if !(protective && reduces) && request.origin != OrderOrigin::Flatten => {
                return refuse("trading is halted (kill switch): only flattening orders pass".into());
            }
            TradingState::Reducing if !reduces => {
                return refuse("trading is reducing-only: the order would not reduce the position".into());
            }
            _ => {}
        }
        if request.reduce_only && !reduces {
            return refuse(format!(
                "reduce-only {} {} would not reduce the position {}",
                request.side, request.qty, ctx.position
            ));
        }
        let instrument = ctx.instrument;
        let price = request.price.or(request.trigger_price).unwrap_or(ctx.last_price);
        if let Some(p) = request.price {
            instrument.check_price(p).map_err(|e| RiskRefusal { request, reason: e.to_string() })?;
        }
        if let Some(p) = request.trigger_price {
            instrument.check_price(p).map_err(|e| RiskRefusal { request, reason: e.to_string() })?;
        }
        let is_market = request.order_type == crate::domain::OrderType::Market;
        instrument
            .check_qty(request.qty, price, is_market, request.reduce_only || reduces)
            .map_err(|e| RiskRefusal { request, reason: e.to_string() })?;

        if request.origin == OrderOrigin::Manual {
            let last = ctx.last_price.to_f64();
            for p in [request.price, request.trigger_price].into_iter().flatten() {
                let dev = (p.to_f64() - last).abs() / last.max(f64::MIN_POSITIVE);
                if last > 0.0 && dev > self.config.fat_finger_pct {
                    return refuse(format!(
                        "fat finger: price {p} is {:.2}% from last {} (limit {:.2}%)",
                        dev * 100.0,
                        ctx.last_price,
                        self.config.fat_finger_pct * 100.0
                    ));
                }
            }
            let notional = (price * request.qty).to_f64();
            if notional > self.config.max_manual_notional {
                return refuse(format!(
                    "manual order value {:.2} USDT exceeds the limit {:.2} by {:.2}",
                    notional,
                    self.config.max_manual_notional,
                    notional - self.config.max_manual_notional
                ));
            }
        }
        if reduces {
            return Ok(RiskApproved(request));
        }
        let after_notional = (price * after.abs()).to_f64();
        if after_notional > self.config.max_position_notional {
            return refuse(format!(
                "{} position would be {:.2} USDT, over the per-symbol limit {:.2} by {:.2}",
                request.symbol,
                after_notional,
                self.config.max_position_notional,
                after_notional - self.config.max_position_notional
            ));
        }
        let current_notional = (price * ctx.position.abs()).to_f64();
        let exposure_after = ctx.total_exposure.to_f64() - current_notional + after_notional;
        let max_exposure = ctx.equity.to_f64() * self.config.max_leverage;
        if exposure_after > max_exposure {
            return refuse(format!(
                "total exposure would be {:.2} USDT, over {:.1}x equity ({:.2}) by {:.2}",
                exposure_after,
                self.config.max_leverage,
                max_exposure,
                exposure_after - max_exposure
            ));
        }
        if ctx.position.is_zero() && ctx.open_positions >= self.config.max_open_positions {
            return refuse(format!(
                "{} open positions already, the limit is {}",
                ctx.open_positions, self.config.max_open_positions
            ));
        }
        Ok(RiskApproved(request))
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
