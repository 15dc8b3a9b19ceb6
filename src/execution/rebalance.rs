//! Portfolio rebalancing to target weights and hedge sizing: pure functions from positions and
//! prices to order requests that respect the quantity step, minimum quantity and minimum order
//! value. The caller builds `OrderRequest`s from them and runs them through risk. Also the
//! `[execution.rebalance]` settings (targets, schedule, band) the engine runs them with.

use crate::domain::{Instrument, Money, Price, Qty, Rate, Side, Symbol};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// The largest |weight| of one target: ten times equity, long or short.
pub const MAX_WEIGHT: i64 = 10;

/// A target weight of equity (negative: short), within [-10, 10]; a value outside is refused
/// when the config is read, with its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Weight(pub Rate);

impl<'de> Deserialize<'de> for Weight {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = Rate::deserialize(d)?;
        if w.abs() > Rate::from_int(MAX_WEIGHT) {
            return Err(serde::de::Error::custom(format!(
                "a rebalance weight must be within [-{MAX_WEIGHT}, {MAX_WEIGHT}], got {w}"
            )));
        }
        Ok(Weight(w))
    }
}

/// How often the configured rebalance runs: at each multiple of the interval since the UTC epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RebalanceEvery {
    #[serde(rename = "15m")]
    M15,
    #[serde(rename = "1h")]
    H1,
    #[serde(rename = "4h")]
    H4,
    #[serde(rename = "1d")]
    D1,
    #[serde(rename = "1w")]
    W1,
}

impl RebalanceEvery {
    /// The interval in milliseconds.
    pub fn ms(self) -> i64 {
        const MIN: i64 = 60_000;
        match self {
            RebalanceEvery::M15 => 15 * MIN,
            RebalanceEvery::H1 => 60 * MIN,
            RebalanceEvery::H4 => 240 * MIN,
            RebalanceEvery::D1 => 1_440 * MIN,
            RebalanceEvery::W1 => 7 * 1_440 * MIN,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RebalanceEvery::M15 => "15m",
            RebalanceEvery::H1 => "1h",
            RebalanceEvery::H4 => "4h",
            RebalanceEvery::D1 => "1d",
            RebalanceEvery::W1 => "1w",
        }
    }
}

/// `[execution.rebalance]`: target weights of equity per symbol, an optional schedule and a
/// no-trade band. Without targets nothing runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RebalanceConfig {
    /// Symbol → signed weight of equity (`BTCUSDT = 0.3` long 30 %, `ETHUSDT = -0.1` short 10 %).
    pub targets: BTreeMap<Symbol, Weight>,
    /// Run the rebalance at each boundary of this interval (absent: only on the operator's `R`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub every: Option<RebalanceEvery>,
    /// A symbol is traded only when |current weight − target| is above this (0: always).
    #[serde(deserialize_with = "band")]
    pub band: Rate,
}

fn band<'de, D: Deserializer<'de>>(d: D) -> Result<Rate, D::Error> {
    let b = Rate::deserialize(d)?;
    if b.is_negative() || b > Rate::ONE {
        return Err(serde::de::Error::custom(format!("the rebalance band must be within [0, 1], got {b}")));
    }
    Ok(b)
}

impl RebalanceConfig {
    /// The defaults: no targets, no schedule, no band.
    pub fn is_off(&self) -> bool {
        *self == RebalanceConfig::default()
    }

    /// The targets as the engine's command carries them, in symbol order.
    pub fn target_list(&self) -> Vec<(Symbol, Rate)> {
        self.targets.iter().map(|(s, w)| (*s, w.0)).collect()
    }

    /// Cross-field checks: every target names a traded symbol, and |weights| add up to no more
    /// than `max_leverage` (the risk leverage cap). The message names the key.
    pub fn validate(&self, traded: &[String], max_leverage: f64) -> Result<(), String> {
        for s in self.targets.keys() {
            if !traded.iter().any(|t| t == s.as_str()) {
                return Err(format!(
                    "execution.rebalance.targets: `{s}` is not traded by this run (symbols: {})",
                    traded.join(", ")
                ));
            }
        }
        let sum = self.targets.values().map(|w| w.0.abs()).sum::<Rate>();
        let cap = Rate::from_f64(max_leverage).unwrap_or(Rate::ZERO);
        if sum > cap {
            return Err(format!(
                "execution.rebalance.targets: the weights add up to {sum}x equity, above risk.max_leverage {cap}x"
            ));
        }
        if self.every.is_some() && self.targets.is_empty() {
            return Err("execution.rebalance.every needs execution.rebalance.targets".into());
        }
        Ok(())
    }
}

/// A symbol's current position and price.
#[derive(Debug, Clone, Copy)]
pub struct Holding<'a> {
    pub instrument: &'a Instrument,
    /// Signed position.
    pub position: Qty,
    pub price: Price,
}

/// One order of a rebalance or hedge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebalanceOrder {
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Qty,
    /// The order only shrinks (or closes) a position.
    pub reduce_only: bool,
}

/// Orders that move each holding NAMED in `targets` to `equity × weight` of notional (negative
/// weight: short; a weight of 0 closes). Holdings without a target are left alone (a rebalance
/// never touches a symbol it was not asked about); targets without a holding (no instrument or
/// price) are skipped. Target quantities are rounded toward zero on the step; orders under the
/// minimum quantity, or opening orders under the minimum value or above the maximum quantity,
/// are left out. A flip is split into a reduce-only close and an opening order. Reducing orders
/// come first (they free margin), each group sorted by symbol.
pub fn rebalance(equity: Money, holdings: &[Holding<'_>], targets: &[(Symbol, Rate)]) -> Vec<RebalanceOrder> {
    let mut out = Vec::new();
    for h in holdings {
        let Some(weight) = targets.iter().find(|t| t.0 == h.instrument.symbol).map(|t| t.1) else { continue };
        orders_towards(h, target_qty(equity, weight, h), &mut out);
    }
    out.sort_by(|a, b| (!a.reduce_only, a.symbol.as_str()).cmp(&(!b.reduce_only, b.symbol.as_str())));
    out
}

/// The signed position worth `equity × weight` at the holding's price, rounded toward zero on
/// its quantity step.
pub fn target_qty(equity: Money, weight: Rate, h: &Holding<'_>) -> Qty {
    let target = equity.mul_rate(weight.abs()).qty_at(h.price, h.instrument.qty_step);
    if weight.is_negative() {
        -target
    } else {
        target
    }
}

/// The order that brings the `hedge` holding to offset `exposure` (signed notional of what is
/// hedged) times `ratio` (a hedge ratio or beta): target = −exposure × ratio / hedge price.
pub fn hedge_order(exposure: Money, hedge: &Holding<'_>, ratio: Rate) -> Vec<RebalanceOrder> {
    let target = exposure.mul_rate(ratio).abs().qty_at(hedge.price, hedge.instrument.qty_step);
    let target = if exposure.mul_rate(ratio).is_positive() { -target } else { target };
    let mut out = Vec::new();
    orders_towards(hedge, target, &mut out);
    out
}

fn orders_towards(h: &Holding<'_>, target: Qty, out: &mut Vec<RebalanceOrder>) {
    let inst = h.instrument;
    let symbol = inst.symbol;
    let current = h.position;
    if target == current || !h.price.is_positive() {
        return;
    }
    let side_to = |delta: Qty| if delta.is_positive() { Side::Buy } else { Side::Sell };
    let flips = !current.is_zero() && !target.is_zero() && current.is_positive() != target.is_positive();
    let (close, open) = if flips {
        (-current, target)
    } else if current.is_zero() || (target.abs() > current.abs()) {
        (Qty::ZERO, target - current)
    } else {
        (target - current, Qty::ZERO)
    };
    if !close.is_zero() && close.abs() >= inst.min_qty {
        out.push(RebalanceOrder { symbol, side: side_to(close), qty: close.abs(), reduce_only: true });
    }
    let qty = open.abs();
    if !qty.is_zero() && qty >= inst.min_qty && h.price * qty >= inst.min_notional && qty <= inst.max_qty {
        out.push(RebalanceOrder { symbol, side: side_to(open), qty, reduce_only: false });
    }
}
