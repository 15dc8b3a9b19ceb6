//! Ticker data (REST `tickers` items and the WS `tickers.{symbol}` topic) and the merge of
//! linear deltas, which carry only the fields that changed, into a full ticker state.

use super::num::opt;
use crate::domain::{Price, Qty, Rate, Symbol, Ticker};
use serde::{Deserialize, Serialize};

/// Every field but `symbol` is optional: spot leaves many out and linear deltas send only what
/// changed. Volumes, turnover and open interest are analytics values (`f64`): on some symbols
/// they exceed the fixed-point range.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TickerData {
    pub symbol: Option<Symbol>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tick_direction: Option<String>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none", rename = "price24hPcnt")]
    pub price_24h_pcnt: Option<Rate>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub last_price: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none", rename = "prevPrice24h")]
    pub prev_price_24h: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none", rename = "highPrice24h")]
    pub high_price_24h: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none", rename = "lowPrice24h")]
    pub low_price_24h: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none", rename = "prevPrice1h")]
    pub prev_price_1h: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub mark_price: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub index_price: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub usd_index_price: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub open_interest: Option<f64>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub open_interest_value: Option<f64>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none", rename = "turnover24h")]
    pub turnover_24h: Option<f64>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none", rename = "volume24h")]
    pub volume_24h: Option<f64>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub funding_rate: Option<Rate>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub next_funding_time: Option<i64>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub funding_interval_hour: Option<i64>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub funding_cap: Option<Rate>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none", rename = "bid1Price")]
    pub bid1_price: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none", rename = "bid1Size")]
    pub bid1_size: Option<Qty>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none", rename = "ask1Price")]
    pub ask1_price: Option<Price>,
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none", rename = "ask1Size")]
    pub ask1_size: Option<Qty>,
}

macro_rules! merge_fields {
    ($dst:expr, $src:expr, $($f:ident),*) => {
        $( if $src.$f.is_some() { $dst.$f = $src.$f.clone(); } )*
    };
}

impl TickerData {
    /// Overwrites every field the delta carries (pybit's rule); absent fields keep their value.
    pub fn merge(&mut self, delta: &TickerData) {
        merge_fields!(
            self,
            delta,
            symbol,
            tick_direction,
            price_24h_pcnt,
            last_price,
            prev_price_24h,
            high_price_24h,
            low_price_24h,
            prev_price_1h,
            mark_price,
            index_price,
            usd_index_price,
            open_interest,
            open_interest_value,
            turnover_24h,
            volume_24h,
            funding_rate,
            next_funding_time,
            funding_interval_hour,
            funding_cap,
            bid1_price,
            bid1_size,
            ask1_price,
            ask1_size
        );
    }

    /// The domain ticker at `ts_ms`; `None` without a symbol. Missing prices are zero (spot has
    /// no mark price or funding; it falls back to `usdIndexPrice` for the index).
    pub fn to_ticker(&self, ts_ms: i64) -> Option<Ticker> {
        let z = Price::ZERO;
        Some(Ticker {
            symbol: self.symbol?,
            ts_ms,
            last_price: self.last_price.unwrap_or(z),
            mark_price: self.mark_price.unwrap_or(z),
            index_price: self.index_price.or(self.usd_index_price).unwrap_or(z),
            bid1: self.bid1_price.unwrap_or(z),
            ask1: self.ask1_price.unwrap_or(z),
            funding_rate: self.funding_rate.unwrap_or(Rate::ZERO),
            next_funding_ms: self.next_funding_time.unwrap_or(0),
            open_interest: self.open_interest.unwrap_or(0.0),
            volume_24h: self.volume_24h.unwrap_or(0.0),
            turnover_24h: self.turnover_24h.unwrap_or(0.0),
            price_24h_pct: self.price_24h_pcnt.map(|r| r.to_f64() * 100.0).unwrap_or(0.0),
        })
    }

    /// Wire data for a domain ticker (the mock's snapshot).
    pub fn from_ticker(t: &Ticker) -> TickerData {
        let nz = |p: Price| if p.is_zero() { None } else { Some(p) };
        TickerData {
            symbol: Some(t.symbol),
            last_price: nz(t.last_price),
            mark_price: nz(t.mark_price),
            index_price: nz(t.index_price),
            bid1_price: nz(t.bid1),
            ask1_price: nz(t.ask1),
            funding_rate: Some(t.funding_rate),
            next_funding_time: Some(t.next_funding_ms),
            open_interest: Some(t.open_interest),
            volume_24h: Some(t.volume_24h),
            turnover_24h: Some(t.turnover_24h),
            price_24h_pcnt: Rate::from_f64(t.price_24h_pct / 100.0),
            ..Default::default()
        }
    }

    /// The fields of `self` that differ from `prev` (what a linear ticker delta carries).
    pub fn diff(&self, prev: &TickerData) -> TickerData {
        let mut d = TickerData { symbol: self.symbol, ..Default::default() };
        macro_rules! changed {
            ($($f:ident),*) => { $( if self.$f != prev.$f { d.$f = self.$f.clone(); } )* };
        }
        changed!(
            tick_direction,
            price_24h_pcnt,
            last_price,
            prev_price_24h,
            high_price_24h,
            low_price_24h,
            prev_price_1h,
            mark_price,
            index_price,
            usd_index_price,
            open_interest,
            open_interest_value,
            turnover_24h,
            volume_24h,
            funding_rate,
            next_funding_time,
            funding_interval_hour,
            funding_cap,
            bid1_price,
            bid1_size,
            ask1_price,
            ask1_size
        );
        d
    }
}
