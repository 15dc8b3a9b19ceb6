//! Instrument rules applied to every outgoing order before it is sent: prices onto the tick
//! grid (a buy limit rounds down, a sell limit up, so rounding never makes a price more
//! aggressive; triggers round to the nearest tick), quantities down onto the step, then the
//! min/max quantity and minimum-notional checks. What rounding cannot fix is a clear error.

use super::rest::{RestClient, RestError};
use super::wire::{Category, WireError};
use crate::domain::{Instrument, OrderRequest, OrderType, Price, Qty, Rounding, RuleViolation, Side, Symbol};
use std::collections::HashMap;

/// Why the instrument rules could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RulesFetchError {
    #[error(transparent)]
    Rest(#[from] RestError),
    #[error("instruments-info: {0}")]
    Wire(#[from] WireError),
    #[error("{0}: not listed by instruments-info (not trading, or wrong category)")]
    NotListed(Symbol),
}

/// Loads the rules of `symbols` (all of the category when empty) from instruments-info.
pub async fn fetch_rules(rest: &RestClient, category: Category, symbols: &[Symbol]) -> Result<Rules, RulesFetchError> {
    let mut rules = Rules::new();
    if symbols.len() == 1 {
        for info in rest.instruments_info(category, Some(symbols[0])).await? {
            rules.insert(info.to_instrument()?);
        }
    } else {
        for info in rest.instruments_info(category, None).await? {
            if symbols.is_empty() || symbols.contains(&info.symbol) {
                rules.insert(info.to_instrument()?);
            }
        }
    }
    for s in symbols {
        if rules.get(*s).is_none() {
            return Err(RulesFetchError::NotListed(*s));
        }
    }
    Ok(rules)
}

/// Why an order cannot be sent as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderRuleError {
    #[error("{0}: no instrument rules loaded (instruments-info)")]
    UnknownInstrument(Symbol),
    #[error("{symbol}: quantity {qty} rounds down to {rounded} on step {step}, below the minimum {min}")]
    RoundsBelowMin { symbol: Symbol, qty: Qty, rounded: Qty, step: Qty, min: Qty },
    #[error("{symbol}: a limit order needs a price")]
    MissingPrice { symbol: Symbol },
    #[error("{symbol}: a market order needs a reference price to check the minimum order value")]
    NoReferencePrice { symbol: Symbol },
    #[error(transparent)]
    Rule(#[from] RuleViolation),
}

/// Instrument rules by symbol.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    by_symbol: HashMap<Symbol, Instrument>,
}

impl Rules {
    pub fn new() -> Self {
        Rules::default()
    }
    pub fn insert(&mut self, i: Instrument) {
        self.by_symbol.insert(i.symbol, i);
    }
    pub fn get(&self, s: Symbol) -> Option<&Instrument> {
        self.by_symbol.get(&s)
    }
    pub fn len(&self) -> usize {
        self.by_symbol.len()
    }
    pub fn is_empty(&self) -> bool {
        self.by_symbol.is_empty()
    }
    /// The instruments, for `Event::Instrument` before trading starts.
    pub fn instruments(&self) -> impl Iterator<Item = &Instrument> {
        self.by_symbol.values()
    }

    /// [`prepare_order`] with this symbol's rules.
    pub fn prepare(&self, req: &OrderRequest) -> Result<OrderRequest, OrderRuleError> {
        let inst = self.get(req.symbol).ok_or(OrderRuleError::UnknownInstrument(req.symbol))?;
        prepare_order(inst, req)
    }

    /// Rounds and checks the new values of an amend.
    pub fn prepare_amend(
        &self,
        symbol: Symbol,
        side: Option<Side>,
        qty: Option<Qty>,
        price: Option<Price>,
        trigger: Option<Price>,
    ) -> Result<(Option<Qty>, Option<Price>, Option<Price>), OrderRuleError> {
        let inst = self.get(symbol).ok_or(OrderRuleError::UnknownInstrument(symbol))?;
        let qty = match qty {
            Some(q) => Some(round_qty(inst, q)?),
            None => None,
        };
        let price = match price {
            Some(p) => {
                let mode = match side {
                    Some(Side::Buy) => Rounding::Down,
                    Some(Side::Sell) => Rounding::Up,
                    None => Rounding::Nearest,
                };
                let p = inst.round_price(p, mode);
                inst.check_price(p)?;
                Some(p)
            }
            None => None,
        };
        let trigger = match trigger {
            Some(t) => {
                let t = inst.round_price(t, Rounding::Nearest);
                inst.check_price(t)?;
                Some(t)
            }
            None => None,
        };
        Ok((qty, price, trigger))
    }
}

fn round_qty(inst: &Instrument, qty: Qty) -> Result<Qty, OrderRuleError> {
    let rounded = inst.round_qty(qty);
    if rounded < inst.min_qty || !rounded.is_positive() {
        return Err(OrderRuleError::RoundsBelowMin {
            symbol: inst.symbol,
            qty,
            rounded,
            step: inst.qty_step,
            min: inst.min_qty,
        });
    }
    Ok(rounded)
}

/// The order as it will be sent: rounded onto the instrument's grids and checked against its
/// limits. The reference price for the minimum order value is the limit price, else the
/// trigger, else the decision price.
pub fn prepare_order(inst: &Instrument, req: &OrderRequest) -> Result<OrderRequest, OrderRuleError> {
    let mut out = *req;
    out.qty = round_qty(inst, req.qty)?;
    if req.order_type == OrderType::Limit {
        let p = req.price.ok_or(OrderRuleError::MissingPrice { symbol: req.symbol })?;
        let mode = if req.side == Side::Buy { Rounding::Down } else { Rounding::Up };
        let p = inst.round_price(p, mode);
        inst.check_price(p)?;
        out.price = Some(p);
    } else {
        out.price = None;
    }
    if let Some(t) = req.trigger_price {
        let t = inst.round_price(t, Rounding::Nearest);
        inst.check_price(t)?;
        out.trigger_price = Some(t);
    }
    let reference = out.price.or(out.trigger_price).unwrap_or(req.decision_price);
    if !reference.is_positive() && !req.reduce_only && inst.min_notional.is_positive() {
        return Err(OrderRuleError::NoReferencePrice { symbol: req.symbol });
    }
    inst.check_qty(out.qty, reference, req.order_type == OrderType::Market, req.reduce_only)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ClientOrderId, OrderOrigin, TimeInForce};

    fn btc() -> Instrument {
        // BTCUSDT per the reference instruments-info: tick 0.10, step 0.001, min 0.001,
        // max 1190, market max 500, min notional 5.
        let mut i = Instrument::demo(Symbol::new("BTCUSDT").unwrap(), "0.1", "0.001", "0.001", "1190");
        i.max_market_qty = "500".parse().unwrap();
        i
    }

    fn req(side: Side, ty: OrderType, qty: &str, price: Option<&str>) -> OrderRequest {
        OrderRequest {
            position_idx: Default::default(),
            client_order_id: ClientOrderId::new("t-1").unwrap(),
            symbol: Symbol::new("BTCUSDT").unwrap(),
            side,
            order_type: ty,
            qty: qty.parse().unwrap(),
            price: price.map(|p| p.parse().unwrap()),
            trigger_price: None,
            trigger_direction: None,
            time_in_force: TimeInForce::Gtc,
            reduce_only: false,
            origin: OrderOrigin::Manual,
            decision_price: "60000".parse().unwrap(),
            ts_ms: 0,
        }
    }

    #[test]
    fn rounds_passively_onto_the_grid() {
        let i = btc();
        let b = prepare_order(&i, &req(Side::Buy, OrderType::Limit, "0.0019", Some("60000.17"))).unwrap();
        assert_eq!((b.qty.to_string(), b.price.unwrap().to_string()), ("0.001".into(), "60000.1".into()));
        let s = prepare_order(&i, &req(Side::Sell, OrderType::Limit, "1.23456", Some("60000.11"))).unwrap();
        assert_eq!((s.qty.to_string(), s.price.unwrap().to_string()), ("1.234".into(), "60000.2".into()));
        // Triggers go to the nearest tick: 59999.96 -> 60000.
        let mut stop = req(Side::Sell, OrderType::Market, "0.01", None);
        stop.trigger_price = Some("59999.96".parse().unwrap());
        let st = prepare_order(&i, &stop).unwrap();
        assert_eq!(st.trigger_price.unwrap().to_string(), "60000");
        assert_eq!(st.price, None);
    }

    #[test]
    fn refuses_what_rounding_cannot_fix() {
        let i = btc();
        let e = prepare_order(&i, &req(Side::Buy, OrderType::Limit, "0.0009", Some("60000"))).unwrap_err();
        assert_eq!(e.to_string(), "BTCUSDT: quantity 0.0009 rounds down to 0 on step 0.001, below the minimum 0.001");
        // 0.001 x 4000 = 4 USDT < 5.
        let e = prepare_order(&i, &req(Side::Buy, OrderType::Limit, "0.001", Some("4000"))).unwrap_err();
        assert_eq!(e.to_string(), "BTCUSDT: order value 4 is below the minimum 5");
        // Market max is 500, limit max 1190.
        assert!(prepare_order(&i, &req(Side::Buy, OrderType::Limit, "600", Some("60000"))).is_ok());
        let e = prepare_order(&i, &req(Side::Buy, OrderType::Market, "600", None)).unwrap_err();
        assert!(matches!(e, OrderRuleError::Rule(RuleViolation::AboveMaxQty { .. })), "{e}");
        let e = prepare_order(&i, &req(Side::Buy, OrderType::Limit, "1", None)).unwrap_err();
        assert_eq!(e, OrderRuleError::MissingPrice { symbol: i.symbol });
        let mut m = req(Side::Buy, OrderType::Market, "1", None);
        m.decision_price = Price::ZERO;
        assert!(matches!(prepare_order(&i, &m), Err(OrderRuleError::NoReferencePrice { .. })));
        let rules = Rules::new();
        assert!(matches!(rules.prepare(&m), Err(OrderRuleError::UnknownInstrument(_))));
    }

    #[test]
    fn amend_values_are_rounded_too() {
        let mut rules = Rules::new();
        rules.insert(btc());
        let s = Symbol::new("BTCUSDT").unwrap();
        let (q, p, t) = rules
            .prepare_amend(s, Some(Side::Sell), Some("0.0157".parse().unwrap()), Some("100.01".parse().unwrap()), None)
            .unwrap();
        assert_eq!((q.unwrap().to_string(), p.unwrap().to_string(), t), ("0.015".into(), "100.1".into(), None));
    }
}
