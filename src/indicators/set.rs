//! `IndicatorSet`: every indicator of the default or advanced set for one symbol, fed one closed
//! candle at a time, with the latest values in a plain struct (no allocation per candle).

use crate::domain::{Candle, Liquidation, Ticker, Trade};
use crate::indicators::advanced::{
    Cvd, FundingAnalyzer, FundingConfig, LiquidationConfig, LiquidationTracker, OpenInterestTracker, VolumeProfile,
};
use crate::indicators::fused::DefaultCore;

/// Which indicators a set computes; the engine can switch at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SetKind {
    #[default]
    Default,
    /// The default set plus order flow (CVD, open interest, funding, liquidations) and the
    /// session volume profile.
    Advanced,
}

impl std::str::FromStr for SetKind {
    type Err = UnknownSetKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "default" => Ok(SetKind::Default),
            "advanced" => Ok(SetKind::Advanced),
            other => Err(UnknownSetKind(other.to_string())),
        }
    }
}

/// An indicator-set name that is neither `default` nor `advanced`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown indicator set `{0}` (use default or advanced)")]
pub struct UnknownSetKind(pub String);

/// Latest values; `None` while an indicator is warming up (or, for the advanced fields, while the
/// set is not advanced or no data of that kind has arrived).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct IndicatorValues {
    pub sma_20: Option<f64>,
    pub ema_20: Option<f64>,
    pub wma_20: Option<f64>,
    pub rsi_14: Option<f64>,
    pub macd: Option<f64>,
    pub macd_signal: Option<f64>,
    pub macd_hist: Option<f64>,
    pub atr_14: Option<f64>,
    pub adx_14: Option<f64>,
    pub plus_di_14: Option<f64>,
    pub minus_di_14: Option<f64>,
    pub bb_upper: Option<f64>,
    pub bb_middle: Option<f64>,
    pub bb_lower: Option<f64>,
    pub stddev_20: Option<f64>,
    pub obv: Option<f64>,
    pub mfi_14: Option<f64>,
    pub stochrsi_k: Option<f64>,
    pub stochrsi_d: Option<f64>,
    pub hma_20: Option<f64>,
    pub chop_14: Option<f64>,
    pub vwap: Option<f64>,
    // Advanced set.
    pub vp_poc: Option<f64>,
    pub vp_vah: Option<f64>,
    pub vp_val: Option<f64>,
    pub cvd: Option<f64>,
    pub cvd_delta: Option<f64>,
    pub oi: Option<f64>,
    pub oi_change: Option<f64>,
    pub oi_divergence: Option<f64>,
    pub funding_rate: Option<f64>,
    pub funding_annualized: Option<f64>,
    pub funding_z: Option<f64>,
    pub funding_extreme: Option<f64>,
    pub liq_long_notional: Option<f64>,
    pub liq_short_notional: Option<f64>,
    pub liq_cascade: Option<f64>,
}

/// Column names of the default set, in `analyze` order (after `ts_ms`).
pub const DEFAULT_COLUMNS: [&str; 22] = [
    "sma_20",
    "ema_20",
    "wma_20",
    "rsi_14",
    "macd",
    "macd_signal",
    "macd_hist",
    "atr_14",
    "adx_14",
    "plus_di_14",
    "minus_di_14",
    "bb_upper",
    "bb_middle",
    "bb_lower",
    "stddev_20",
    "obv",
    "mfi_14",
    "stochrsi_k",
    "stochrsi_d",
    "hma_20",
    "chop_14",
    "vwap",
];

/// Columns the advanced set adds; the flow ones stay empty when only candles are fed.
pub const ADVANCED_COLUMNS: [&str; 15] = [
    "vp_poc",
    "vp_vah",
    "vp_val",
    "cvd",
    "cvd_delta",
    "oi",
    "oi_change",
    "oi_divergence",
    "funding_rate",
    "funding_annualized",
    "funding_z",
    "funding_extreme",
    "liq_long_notional",
    "liq_short_notional",
    "liq_cascade",
];

impl IndicatorValues {
    /// The default columns in [`DEFAULT_COLUMNS`] order.
    #[inline]
    pub fn default_row(&self) -> [Option<f64>; 22] {
        [
            self.sma_20,
            self.ema_20,
            self.wma_20,
            self.rsi_14,
            self.macd,
            self.macd_signal,
            self.macd_hist,
            self.atr_14,
            self.adx_14,
            self.plus_di_14,
            self.minus_di_14,
            self.bb_upper,
            self.bb_middle,
            self.bb_lower,
            self.stddev_20,
            self.obv,
            self.mfi_14,
            self.stochrsi_k,
            self.stochrsi_d,
            self.hma_20,
            self.chop_14,
            self.vwap,
        ]
    }
    /// The advanced columns in [`ADVANCED_COLUMNS`] order.
    #[inline]
    pub fn advanced_row(&self) -> [Option<f64>; 15] {
        [
            self.vp_poc,
            self.vp_vah,
            self.vp_val,
            self.cvd,
            self.cvd_delta,
            self.oi,
            self.oi_change,
            self.oi_divergence,
            self.funding_rate,
            self.funding_annualized,
            self.funding_z,
            self.funding_extreme,
            self.liq_long_notional,
            self.liq_short_notional,
            self.liq_cascade,
        ]
    }
    /// `(name, value)` of every defined column of `kind`, for snapshots and the UI.
    pub fn named(&self, kind: SetKind) -> impl Iterator<Item = (&'static str, f64)> {
        let base = DEFAULT_COLUMNS.into_iter().zip(self.default_row());
        let adv = ADVANCED_COLUMNS.into_iter().zip(self.advanced_row()).take(match kind {
            SetKind::Default => 0,
            SetKind::Advanced => ADVANCED_COLUMNS.len(),
        });
        base.chain(adv).filter_map(|(n, v)| v.map(|v| (n, v)))
    }
}

/// The advanced pieces, created when the set becomes advanced.
#[derive(Debug, Clone)]
struct Advanced {
    profile: VolumeProfile,
    cvd: Cvd,
    cvd_seen: bool,
    oi: OpenInterestTracker,
    funding: FundingAnalyzer,
    funding_seen: bool,
    liquidations: LiquidationTracker,
}

impl Advanced {
    fn new() -> Self {
        Self {
            profile: VolumeProfile::new(0.001),
            cvd: Cvd::default(),
            cvd_seen: false,
            oi: OpenInterestTracker::default(),
            funding: FundingAnalyzer::new(FundingConfig::default()),
            funding_seen: false,
            liquidations: LiquidationTracker::new(LiquidationConfig::default()),
        }
    }
}

/// All indicators of one symbol. Feed closed candles in time order with [`IndicatorSet::update`];
/// in the advanced set also feed trades, tickers and liquidations as they come.
#[derive(Debug, Clone)]
pub struct IndicatorSet {
    kind: SetKind,
    core: DefaultCore,
    advanced: Option<Box<Advanced>>,
    values: IndicatorValues,
}

impl IndicatorSet {
    pub fn new(kind: SetKind) -> Self {
        let mut s = Self {
            kind: SetKind::Default,
            core: DefaultCore::default(),
            advanced: None,
            values: IndicatorValues::default(),
        };
        s.set_kind(kind);
        s
    }

    pub fn kind(&self) -> SetKind {
        self.kind
    }

    /// Switches sets. The default indicators keep their state; the advanced pieces start fresh
    /// when switched on and are dropped (their fields emptied) when switched off.
    pub fn set_kind(&mut self, kind: SetKind) {
        if kind == self.kind && (kind == SetKind::Default || self.advanced.is_some()) {
            return;
        }
        self.kind = kind;
        match kind {
            SetKind::Default => {
                self.advanced = None;
                let base = self.values.default_row();
                self.values = IndicatorValues::default();
                self.set_default_row(base);
            }
            SetKind::Advanced => self.advanced = Some(Box::new(Advanced::new())),
        }
    }

    fn set_default_row(&mut self, r: [Option<f64>; 22]) {
        let v = &mut self.values;
        [v.sma_20, v.ema_20, v.wma_20, v.rsi_14, v.macd, v.macd_signal, v.macd_hist] =
            [r[0], r[1], r[2], r[3], r[4], r[5], r[6]];
        [v.atr_14, v.adx_14, v.plus_di_14, v.minus_di_14, v.bb_upper, v.bb_middle, v.bb_lower] =
            [r[7], r[8], r[9], r[10], r[11], r[12], r[13]];
        [v.stddev_20, v.obv, v.mfi_14, v.stochrsi_k, v.stochrsi_d, v.hma_20, v.chop_14, v.vwap] =
            [r[14], r[15], r[16], r[17], r[18], r[19], r[20], r[21]];
    }

    /// Feeds one closed candle (not a still-forming one: every call is a new bar); returns the
    /// values after it. O(1), no allocation.
    #[inline]
    pub fn update(&mut self, c: &Candle) -> &IndicatorValues {
        let v = &mut self.values;
        let (h, l, close) = self.core.update(c, v);
        if let Some(a) = self.advanced.as_deref_mut() {
            let vol = c.volume;
            let p = a.profile.next(c.ts_ms, h, l, vol);
            (v.vp_poc, v.vp_vah, v.vp_val) = (p.poc, p.value_area_high, p.value_area_low);
            let delta = a.cvd.close_candle();
            if a.cvd_seen {
                (v.cvd, v.cvd_delta) = (Some(a.cvd.total()), Some(delta));
            }
            let oi = a.oi.close_candle(close);
            (v.oi, v.oi_change, v.oi_divergence) = (oi.level, oi.change, oi.divergence);
            if a.funding_seen {
                let f = a.funding.value();
                (v.funding_rate, v.funding_annualized, v.funding_z, v.funding_extreme) =
                    (f.rate, f.annualized, f.z_score, f.extreme);
            }
            let liq = a.liquidations.close_candle(c.close_ms());
            (v.liq_long_notional, v.liq_short_notional, v.liq_cascade) =
                (Some(liq.long_notional), Some(liq.short_notional), Some(liq.cascade));
        }
        &self.values
    }

    /// Latest values.
    pub fn values(&self) -> &IndicatorValues {
        &self.values
    }

    /// A public trade (advanced set: CVD).
    #[inline]
    pub fn on_trade(&mut self, t: &Trade) {
        if let Some(a) = self.advanced.as_deref_mut() {
            a.cvd.on_trade(t);
            a.cvd_seen = true;
        }
    }

    /// A ticker (advanced set: open interest and funding).
    #[inline]
    pub fn on_ticker(&mut self, t: &Ticker) {
        if let Some(a) = self.advanced.as_deref_mut() {
            a.oi.on_ticker(t);
            a.funding.on_ticker(t);
            a.funding_seen = true;
        }
    }

    /// A liquidation print (advanced set: liquidation tracker).
    #[inline]
    pub fn on_liquidation(&mut self, l: &Liquidation) {
        if let Some(a) = self.advanced.as_deref_mut() {
            a.liquidations.on_liquidation(l);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Interval, Price, Side, Symbol};

    fn candle(i: i64, close: i64) -> Candle {
        let p = Price::from_int(close);
        Candle {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            interval: Interval::M1,
            ts_ms: i * 60_000,
            open: p,
            high: Price::from_int(close + 1),
            low: Price::from_int(close - 1),
            close: p,
            volume: 2.0,
            turnover: 0.0,
            closed: true,
        }
    }

    #[test]
    fn switching_sets_at_run_time_keeps_the_default_state() {
        let mut set = IndicatorSet::new(SetKind::Default);
        for i in 0..19 {
            assert_eq!(set.update(&candle(i, 100 + i)).sma_20, None);
        }
        set.set_kind(SetKind::Advanced);
        let t = Trade {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            ts_ms: 19 * 60_000,
            price: Price::from_int(119),
            qty: "0.25".parse().unwrap(),
            taker_side: Side::Sell,
            trade_id: 7,
        };
        set.on_trade(&t);
        let v = *set.update(&candle(19, 119));
        // SMA of 100..=119 = 109.5: the switch did not reset the default indicators.
        assert_eq!(v.sma_20, Some(109.5));
        assert_eq!((v.cvd, v.cvd_delta), (Some(-0.25), Some(-0.25)));
        // One bar 118..120 on 0.1 % bins (0.118 wide, the first one starting just below 118):
        // every bin has the same volume, so the POC is the lowest, centred at 117.941.
        assert!(v.vp_poc.is_some_and(|p| (p - 117.941).abs() < 1e-9), "{v:?}");
        set.set_kind(SetKind::Default);
        let v = set.values();
        assert_eq!((v.sma_20, v.cvd, v.vp_poc), (Some(109.5), None, None));
        assert_eq!(v.named(SetKind::Default).find(|(n, _)| *n == "sma_20"), Some(("sma_20", 109.5)));
    }

    #[test]
    fn set_kind_parses_from_the_cli_words() {
        assert_eq!("advanced".parse::<SetKind>(), Ok(SetKind::Advanced));
        assert_eq!("default".parse::<SetKind>(), Ok(SetKind::Default));
        assert!("fancy".parse::<SetKind>().unwrap_err().to_string().contains("`fancy`"));
    }
}
