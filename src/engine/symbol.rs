//! Per-symbol state the engine keeps: market, strategy, position, protective stop.

use super::positions::PositionBook;
use crate::analysis::{AnalysisConfig, Analyzer};
use crate::domain::Interval;
use crate::domain::{Candle, ClientOrderId, Instrument, OrderBook, Position, Price, Ticker};
use crate::indicators::{IndicatorSet, SetKind};
use crate::risk::StopManager;
use crate::strategy::{TrendConfig, TrendFollower};
use std::collections::VecDeque;

/// The protective stop working for a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StopState {
    pub client_order_id: ClientOrderId,
    pub price: Price,
}

#[derive(Debug, Clone)]
pub struct SymbolState {
    pub instrument: Instrument,
    /// Builds the strategy's timeframe from the base candles.
    pub aggregator: super::aggregate::CandleAggregator,
    pub trend: TrendFollower,
    /// Indicators over the base candles (default or advanced set).
    pub indicators: IndicatorSet,
    /// Volatility, multi-timeframe trend, chop, structure and the regime classifier.
    pub analyzer: Analyzer,
    /// The five regime modes and their switcher (when the engine runs them).
    pub mode_set: Option<Box<crate::strategy::ModeSet>>,
    pub last_price: Price,
    pub mark_price: Price,
    pub book: OrderBook,
    pub ticker: Option<Ticker>,
    pub candles: VecDeque<Candle>,
    pub fast_hist: VecDeque<f64>,
    pub slow_hist: VecDeque<f64>,
    pub partial: Option<Candle>,
    pub position: PositionBook,
    pub venue_position: Option<Position>,
    pub stop: Option<StopState>,
    /// Stop price chosen at entry, placed when the entry fills.
    pub pending_stop: Option<Price>,
    /// The open position's stop manager (trailing, break-even, targets).
    pub stops: Option<StopManager>,
    pub closed_candles: u64,
}

impl SymbolState {
    /// The analysis runs on the strategy timeframe's bars (`trend.timeframe`, or the base
    /// interval when that is longer): the modes trade those bars, and the classifier's higher
    /// timeframes follow from it.
    pub fn new(instrument: Instrument, trend: TrendConfig, base: Interval, set: SetKind) -> Self {
        let bars = match (base.duration_ms(), trend.timeframe.duration_ms()) {
            (Some(b), Some(t)) if t > b => trend.timeframe,
            _ => base,
        };
        Self {
            indicators: IndicatorSet::new(set),
            analyzer: Analyzer::new(AnalysisConfig::for_base(bars)),
            mode_set: None,
            aggregator: super::aggregate::CandleAggregator::new(trend.timeframe),
            trend: TrendFollower::new(trend),
            last_price: Price::ZERO,
            mark_price: Price::ZERO,
            book: OrderBook::new(instrument.symbol),
            ticker: None,
            candles: VecDeque::new(),
            fast_hist: VecDeque::new(),
            slow_hist: VecDeque::new(),
            partial: None,
            position: PositionBook::new(instrument.symbol),
            venue_position: None,
            stop: None,
            pending_stop: None,
            stops: None,
            closed_candles: 0,
            instrument,
        }
    }

    /// Keeps the last `cap` candles and indicator values for the UI.
    pub fn remember(&mut self, candle: Candle, cap: usize) {
        if cap == 0 {
            return;
        }
        if self.candles.len() == cap {
            self.candles.pop_front();
            self.fast_hist.pop_front();
            self.slow_hist.pop_front();
        }
        self.candles.push_back(candle);
        self.fast_hist.push_back(self.trend.fast().unwrap_or(f64::NAN));
        self.slow_hist.push_back(self.trend.slow().unwrap_or(f64::NAN));
    }

    /// Best known price: last trade, else mark.
    pub fn price(&self) -> Price {
        if self.last_price.is_positive() {
            self.last_price
        } else {
            self.mark_price
        }
    }
}
