//! The default indicators, each one struct fed one value (or bar) at a time in O(1), reproducing
//! TA-Lib's definitions and its order of floating-point operations.

mod average;
mod momentum;
mod trend;
mod volatility;
mod volume;

pub use average::{Ema, Hma, Sma, Wma};
pub use momentum::{Macd, MacdValue, Rsi, StochRsi, STOCH_RSI_MIN_RANGE};
pub use trend::{Dmi, DmiValue};
pub use volatility::{Atr, Bands, Chop, StdDev, TrueRange};
pub use volume::{typical_price, Mfi, Obv, Vwap};

pub(crate) use volatility::{i128_to_f64, is_zero, true_range, GRID};
