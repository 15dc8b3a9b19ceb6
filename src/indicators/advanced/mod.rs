//! The advanced indicators: order flow from trades, tickers and liquidations, and the session
//! volume profile.

mod flow;
mod profile;

pub use flow::{
    Cvd, FundingAnalyzer, FundingConfig, FundingValue, LiquidationConfig, LiquidationTracker, LiquidationValue,
    OiValue, OpenInterestTracker,
};
pub use profile::{ProfileValue, VolumeProfile, VALUE_AREA_SHARE};
