//! Engine settings.

use crate::domain::Interval;
use crate::execution::RebalanceConfig;
use crate::indicators::SetKind;
use crate::risk::RiskConfig;
use crate::strategy::{ModesConfig, TrendConfig};

/// What the engine needs to know up front; the runtime builds it from the config file.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub venue: String,
    /// Orders reach a real-money venue.
    pub live: bool,
    /// Interval of the candles strategies trade on.
    pub interval: Interval,
    pub trend: TrendConfig,
    /// The five regime modes with the switcher; `None` runs the EMA-cross trend follower alone.
    pub modes: Option<ModesConfig>,
    pub risk: RiskConfig,
    /// Start of every client order id.
    pub order_prefix: String,
    /// Closed candles kept per symbol for the UI.
    pub history_len: usize,
    /// Run the indicator set and the market analysis (regime classifier) on every closed candle.
    pub analysis: bool,
    /// Which indicator set the analysis runs (switchable at run time).
    pub indicator_set: SetKind,
    /// `[execution.rebalance]`: target weights, schedule and band (no targets: nothing runs).
    pub rebalance: RebalanceConfig,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            venue: "demo".into(),
            live: false,
            interval: Interval::M1,
            trend: TrendConfig::default(),
            modes: None,
            risk: RiskConfig::default(),
            order_prefix: "ab".into(),
            history_len: 240,
            analysis: true,
            indicator_set: SetKind::Default,
            rebalance: RebalanceConfig::default(),
        }
    }
}
