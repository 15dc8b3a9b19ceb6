//! The generator's price model: a hidden regime Markov chain shared by all symbols, and per
//! symbol a GARCH(1,1)-like variance with Student-t innovations correlated through one common
//! factor, regime drift and range mean reversion, Brownian-bridge highs and lows, volume that
//! rises with volatility, funding that follows the trend, open interest and the liquidation
//! intensity. Everything here draws from the main RNG stream only, so candles and tickers do
//! not depend on how much intra-minute detail is asked for.

use super::rng::{t_unit_scale, Rng};

/// Tunable constants of the price model (the defaults are calibrated against FTX BTC-PERP 1m).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelParams {
    /// Per-minute return volatility of the first symbol in calm conditions (log units).
    pub base_sigma: f64,
    /// GARCH news weight: how much the last squared standardised shock moves the variance.
    pub garch_alpha: f64,
    /// GARCH memory: persistence of the variance (alpha + beta < 1).
    pub garch_beta: f64,
    /// News weight of the fast variance component (bursts that fade within minutes).
    pub fast_alpha: f64,
    /// Memory of the fast variance component.
    pub fast_beta: f64,
    /// Upper bound of each variance multiplier (keeps t-tail shocks from exploding it).
    pub variance_cap: f64,
    /// Student-t degrees of freedom of the innovations (> 2; lower = fatter tails).
    pub tail_dof: f64,
    /// Correlation of the innovations between any two symbols (one-factor model).
    pub correlation: f64,
    /// Scale of the intra-minute bridge that sets highs and lows, relative to sigma.
    pub range_scale: f64,
    /// Scale of every regime's drift (0 = regimes change volatility and volume only).
    pub trend_strength: f64,
    /// First-order autocorrelation added to returns.
    pub ar1: f64,
    /// Amplitude of the intraday volatility cycle (peak 15:00 UTC, trough 03:00 UTC).
    pub seasonal_amplitude: f64,
    /// Elasticity of volume to volatility.
    pub volume_vol_elasticity: f64,
    /// Log-normal noise of minute volume.
    pub volume_noise: f64,
    /// Mean liquidation events per minute in calm range conditions.
    pub liquidation_base: f64,
}

impl Default for ModelParams {
    fn default() -> Self {
        Self {
            base_sigma: 0.00085,
            garch_alpha: 0.03,
            garch_beta: 0.965,
            fast_alpha: 0.1,
            fast_beta: 0.5,
            variance_cap: 30.0,
            tail_dof: 6.0,
            correlation: 0.8,
            range_scale: 0.86,
            trend_strength: 1.0,
            ar1: 0.01,
            seasonal_amplitude: 0.4,
            volume_vol_elasticity: 0.8,
            volume_noise: 0.55,
            liquidation_base: 0.03,
        }
    }
}

/// The hidden market regime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regime {
    Range,
    TrendUp,
    TrendDown,
    Breakout,
    HighVol,
}

/// How a regime shapes the market.
#[derive(Debug, Clone, Copy)]
struct RegimeParams {
    /// Mean duration in minutes (durations are geometric).
    mean_minutes: f64,
    vol: f64,
    /// Drift per minute in units of the current sigma (breakouts take the breakout direction).
    drift: f64,
    /// Pull per minute of the log price towards its slow average.
    reversion: f64,
    volume: f64,
    liquidation: f64,
    /// Open-interest drift per minute (log units).
    oi_drift: f64,
    /// Next-regime weights in the order Range, TrendUp, TrendDown, Breakout, HighVol.
    next: [f64; 5],
}

impl Regime {
    const ALL: [Regime; 5] = [Regime::Range, Regime::TrendUp, Regime::TrendDown, Regime::Breakout, Regime::HighVol];

    pub fn name(self) -> &'static str {
        match self {
            Regime::Range => "range",
            Regime::TrendUp => "trend_up",
            Regime::TrendDown => "trend_down",
            Regime::Breakout => "breakout",
            Regime::HighVol => "high_vol",
        }
    }

    fn params(self) -> RegimeParams {
        match self {
            Regime::Range => RegimeParams {
                mean_minutes: 360.0,
                vol: 0.8,
                drift: 0.0,
                reversion: 0.01,
                volume: 0.85,
                liquidation: 0.6,
                oi_drift: 0.0,
                next: [0.0, 0.25, 0.25, 0.35, 0.15],
            },
            Regime::TrendUp => RegimeParams {
                mean_minutes: 240.0,
                vol: 1.0,
                drift: 0.05,
                reversion: 0.0,
                volume: 1.1,
                liquidation: 1.0,
                oi_drift: 0.00004,
                next: [0.5, 0.0, 0.2, 0.15, 0.15],
            },
            Regime::TrendDown => RegimeParams {
                mean_minutes: 200.0,
                vol: 1.15,
                drift: -0.043,
                reversion: 0.0,
                volume: 1.2,
                liquidation: 1.3,
                oi_drift: 0.00002,
                next: [0.45, 0.2, 0.0, 0.1, 0.25],
            },
            Regime::Breakout => RegimeParams {
                mean_minutes: 45.0,
                vol: 1.7,
                drift: 0.2,
                reversion: 0.0,
                volume: 1.8,
                liquidation: 3.0,
                oi_drift: 0.00015,
                next: [0.25, 0.275, 0.275, 0.0, 0.2],
            },
            Regime::HighVol => RegimeParams {
                mean_minutes: 90.0,
                vol: 2.1,
                drift: 0.0,
                reversion: 0.0,
                volume: 1.6,
                liquidation: 4.0,
                oi_drift: -0.0001,
                next: [0.5, 0.25, 0.25, 0.0, 0.0],
            },
        }
    }
}

/// The regime Markov chain (one for the whole market).
#[derive(Debug, Clone)]
pub struct RegimeChain {
    pub regime: Regime,
    /// +1 or -1: the direction of the current breakout.
    pub breakout_dir: f64,
}

impl RegimeChain {
    pub fn new() -> Self {
        Self { regime: Regime::Range, breakout_dir: 1.0 }
    }

    /// Advances one minute: leaves the regime with probability 1 / mean duration.
    pub fn step(&mut self, rng: &mut Rng) {
        let p = self.regime.params();
        if rng.uniform() >= 1.0 / p.mean_minutes {
            return;
        }
        let total: f64 = p.next.iter().sum();
        let mut u = rng.uniform() * total;
        let mut next = Regime::Range;
        for (r, w) in Regime::ALL.iter().zip(p.next) {
            if u < w {
                next = *r;
                break;
            }
            u -= w;
        }
        // A breakout out of a trend continues it; one out of a range picks a side.
        let dir = if rng.uniform() < 0.5 { 1.0 } else { -1.0 };
        if next == Regime::Breakout {
            self.breakout_dir = match self.regime {
                Regime::TrendUp => 1.0,
                Regime::TrendDown => -1.0,
                _ => dir,
            };
        }
        // After a breakout, a trend is more likely in its direction (continuation) than
        // against it (reversal).
        if self.regime == Regime::Breakout && matches!(next, Regime::TrendUp | Regime::TrendDown) {
            let with = if self.breakout_dir > 0.0 { Regime::TrendUp } else { Regime::TrendDown };
            let against = if with == Regime::TrendUp { Regime::TrendDown } else { Regime::TrendUp };
            next = if rng.uniform() < 0.75 { with } else { against };
        }
        self.regime = next;
    }
}

/// The market-wide draws of one minute, shared by every symbol.
#[derive(Debug, Clone, Copy)]
pub struct CommonDraw {
    factor: f64,
    t_scale: f64,
    season: f64,
}

impl CommonDraw {
    pub fn draw(rng: &mut Rng, params: &ModelParams, minute_of_day: i64) -> Self {
        let chi2 = rng.chi_square(params.tail_dof);
        let hour = minute_of_day as f64 / 60.0;
        let season = 1.0 + params.seasonal_amplitude * ((hour - 15.0) * std::f64::consts::TAU / 24.0).cos();
        Self { factor: rng.normal(), t_scale: t_unit_scale(params.tail_dof, chi2), season }
    }
}

/// One symbol's latent state.
#[derive(Debug, Clone)]
pub struct PriceState {
    /// Efficient (unrounded) log price.
    pub log_price: f64,
    /// Volatility multiplier of this symbol relative to `base_sigma`.
    pub vol_scale: f64,
    /// Sensitivity to the regime drift.
    pub trend_beta: f64,
    /// Slow GARCH variance multiplier (mean 1).
    pub variance: f64,
    /// Fast GARCH variance multiplier (mean 1).
    pub fast_variance: f64,
    /// Slow average of the log price (range anchor).
    anchor: f64,
    /// Log of the start price: a very weak pull (about a month) keeps long runs in a band.
    home: f64,
    /// 8-hour average of the log price (funding follows the distance to it).
    slow_anchor: f64,
    last_return: f64,
    /// Base-asset volume of an average minute.
    pub base_volume: f64,
    pub funding: f64,
    log_oi: f64,
    base_log_oi: f64,
    /// Perp premium over the index (log units).
    pub basis: f64,
}

/// What the model decided for one symbol's minute (prices still in `f64`, log units).
#[derive(Debug, Clone, Copy)]
pub struct MinuteDraw {
    pub open_log: f64,
    pub close_log: f64,
    /// Bridge maximum and minimum relative to the open (log units, `max >= 0 >= min`).
    pub up: f64,
    pub down: f64,
    /// Base-asset volume of the minute.
    pub volume: f64,
    /// Expected number of liquidation events this minute.
    pub liquidation_rate: f64,
}

impl PriceState {
    pub fn new(price: f64, vol_scale: f64, trend_beta: f64) -> Self {
        let lp = price.max(1e-6).ln();
        // About 3M USD a minute and 3B USD of open interest, whatever the price.
        let base_log_oi = (3e9 / price.max(1e-6)).ln();
        Self {
            log_price: lp,
            vol_scale,
            trend_beta,
            variance: 1.0,
            fast_variance: 1.0,
            anchor: lp,
            home: lp,
            slow_anchor: lp,
            last_return: 0.0,
            base_volume: 3e6 / price.max(1e-6),
            funding: 0.0001,
            log_oi: base_log_oi,
            base_log_oi,
            basis: 0.0,
        }
    }

    pub fn open_interest(&self) -> f64 {
        self.log_oi.exp()
    }

    /// Draws one minute and advances the state.
    pub fn step(&mut self, rng: &mut Rng, p: &ModelParams, chain: &RegimeChain, common: &CommonDraw) -> MinuteDraw {
        let rp = chain.regime.params();
        let rho = p.correlation.clamp(0.0, 1.0);
        let n = rho.sqrt() * common.factor + (1.0 - rho).sqrt() * rng.normal();
        let z = n * common.t_scale;
        let sigma =
            p.base_sigma * self.vol_scale * (self.variance * self.fast_variance).sqrt() * rp.vol * common.season;
        let dir = if chain.regime == Regime::Breakout { chain.breakout_dir } else { 1.0 };
        let drift = p.trend_strength * rp.drift * dir * self.trend_beta * sigma;
        let pull = -rp.reversion * (self.log_price - self.anchor) - (self.log_price - self.home) / 43_200.0;
        let r = drift + pull + p.ar1 * self.last_return + sigma * z;

        // Intra-minute extremes: maximum and minimum of a Brownian bridge from 0 to r, whose
        // variance grows with the size of the shock (big moves have busy minutes).
        let s = p.range_scale * sigma * (0.7 + 0.3 * z.abs());
        let s2 = 2.0 * s * s;
        let up = 0.5 * (r + (r * r - s2 * rng.uniform_open().ln()).sqrt());
        let down = 0.5 * (r - (r * r - s2 * rng.uniform_open().ln()).sqrt());

        let calm_sigma = p.base_sigma * self.vol_scale;
        let activity = (sigma / calm_sigma).powf(p.volume_vol_elasticity) * (0.55 + 0.45 * z.abs());
        let volume = self.base_volume
            * rp.volume
            * activity
            * (p.volume_noise * rng.normal() - 0.5 * p.volume_noise * p.volume_noise).exp();
        let liquidation_rate =
            p.liquidation_base * rp.liquidation * (1.1 * (z.abs() - 2.0)).exp().min(40.0) * (sigma / calm_sigma);

        let open_log = self.log_price;
        self.log_price += r;
        self.last_return = r;
        self.anchor += (self.log_price - self.anchor) / 120.0;
        self.slow_anchor += (self.log_price - self.slow_anchor) / 480.0;
        let omega = 1.0 - p.garch_alpha - p.garch_beta;
        self.variance =
            (omega + p.garch_alpha * self.variance * z * z + p.garch_beta * self.variance).clamp(0.05, p.variance_cap);
        let fv = self.fast_variance;
        self.fast_variance = ((1.0 - p.fast_alpha - p.fast_beta) + p.fast_alpha * fv * z * z + p.fast_beta * fv)
            .clamp(0.05, p.variance_cap);

        // Funding mean-reverts (about 4 h) towards 0.01 % per 8 h plus the 8-hour trend.
        let target = 0.0001 + 0.02 * (self.log_price - self.slow_anchor);
        self.funding += (target - self.funding) / 240.0 + 2e-6 * rng.normal();
        self.funding = self.funding.clamp(-0.003, 0.003);
        // Open interest: slow pull to its base, regime drift, noise, and deleveraging.
        self.log_oi += (self.base_log_oi - self.log_oi) / 2880.0 + rp.oi_drift + 0.0004 * rng.normal()
            - 0.0004 * liquidation_rate.min(20.0);
        self.basis = 0.98 * self.basis + 0.00002 * rng.normal() + 0.02 * self.funding;

        MinuteDraw { open_log, close_log: self.log_price, up, down, volume, liquidation_rate }
    }
}
