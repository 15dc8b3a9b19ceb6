//! Public market-data stream (`/v5/public/linear`, `/v5/public/spot`): trades, books, tickers,
//! liquidations and klines as engine `Event`s.
//!
//! Books: every snapshot resets the local book; a delta whose `u` is not the previous + 1 (or
//! one before any snapshot, or one that crosses the book) triggers a resync: the topic is
//! unsubscribed and subscribed again, which makes Bybit send a fresh snapshot; deltas are
//! dropped until it arrives. Only updates that applied cleanly are forwarded, so a consumer's
//! own `OrderBook` never sees a gap. A repeated `u` (level-1 re-push) is dropped.
//!
//! Klines: confirmed candles are forwarded once each, in order; partial ones only when
//! `emit_partial_candles` (for the UI). When a confirmed candle is not the bar after the last
//! one, or after a reconnect, the missing closed bars are fetched over REST and sent first, so
//! the engine sees neither a hole nor a duplicate.

use super::{notify, run, Handler, Stop, WsConfig, WsNotice};
use crate::domain::{BookUpdateKind, Candle, Event, Interval, OrderBook, Symbol, Trade};
use crate::exchange::bybit::decode::{PublicDecoder, PublicEvent};
use crate::exchange::bybit::rest::RestClient;
use crate::exchange::bybit::wire::{Category, Topic, WsRequest};
use std::collections::HashMap;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// What to subscribe to and how.
#[derive(Debug, Clone)]
pub struct PublicStreamConfig {
    pub ws: WsConfig,
    pub category: Category,
    pub topics: Vec<Topic>,
    /// Forward `confirm:false` candles too (the UI's live bar).
    pub emit_partial_candles: bool,
}

/// A running public stream.
#[derive(Debug)]
pub struct PublicStream {
    pub task: JoinHandle<()>,
}

impl PublicStream {
    /// Spawns the stream. `rest` (market data only is enough) enables kline backfill.
    pub fn spawn(
        cfg: PublicStreamConfig,
        rest: Option<RestClient>,
        events: mpsc::Sender<Event>,
        notices: Option<mpsc::UnboundedSender<WsNotice>>,
    ) -> PublicStream {
        Self::spawn_resuming(cfg, rest, events, notices, &[])
    }

    /// Like [`PublicStream::spawn`], continuing kline series the caller already holds:
    /// `resume` gives, per `(symbol, interval)`, the open time of the last closed bar it has
    /// (e.g. from a REST warm-up). Older or equal confirmed bars are dropped, and a hole between
    /// that bar and the first one streamed is backfilled over REST.
    pub fn spawn_resuming(
        cfg: PublicStreamConfig,
        rest: Option<RestClient>,
        events: mpsc::Sender<Event>,
        notices: Option<mpsc::UnboundedSender<WsNotice>>,
        resume: &[(Symbol, Interval, i64)],
    ) -> PublicStream {
        let mut handler = PublicHandler::new(&cfg, rest, events, notices.clone());
        for (symbol, interval, last) in resume {
            if let Some(k) = handler.klines.get_mut(&(*symbol, *interval)) {
                k.last_closed = Some(*last);
            }
        }
        PublicStream { task: tokio::spawn(run(cfg.ws, handler, notices)) }
    }

    pub fn abort(&self) {
        self.task.abort();
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct KlineState {
    last_closed: Option<i64>,
}

struct BookState {
    book: OrderBook,
    topic: Topic,
    resyncing: bool,
}

pub(crate) struct PublicHandler {
    category: Category,
    topics: Vec<Topic>,
    emit_partial: bool,
    decoder: PublicDecoder,
    /// The frame's trades or candles, copied out of the decoder's buffers so they can be sent
    /// one by one (reused: no allocation per frame).
    trade_buf: Vec<Trade>,
    candle_buf: Vec<Candle>,
    books: HashMap<Symbol, BookState>,
    klines: HashMap<(Symbol, Interval), KlineState>,
    rest: Option<RestClient>,
    events: mpsc::Sender<Event>,
    notices: Option<mpsc::UnboundedSender<WsNotice>>,
    req_id: u64,
}

fn topic_str(symbol: Symbol, interval: Interval) -> String {
    Topic::Kline { interval, symbol }.to_string()
}

impl PublicHandler {
    fn new(
        cfg: &PublicStreamConfig,
        rest: Option<RestClient>,
        events: mpsc::Sender<Event>,
        notices: Option<mpsc::UnboundedSender<WsNotice>>,
    ) -> Self {
        let mut books = HashMap::new();
        let mut klines = HashMap::new();
        for t in &cfg.topics {
            match *t {
                Topic::OrderBook { symbol, .. } => {
                    books.insert(symbol, BookState { book: OrderBook::new(symbol), topic: *t, resyncing: false });
                }
                Topic::Kline { symbol, interval } => {
                    klines.insert((symbol, interval), KlineState::default());
                }
                _ => {}
            }
        }
        PublicHandler {
            category: cfg.category,
            topics: cfg.topics.clone(),
            emit_partial: cfg.emit_partial_candles,
            decoder: PublicDecoder::new(),
            trade_buf: Vec::with_capacity(64),
            candle_buf: Vec::with_capacity(4),
            books,
            klines,
            rest,
            events,
            notices,
            req_id: 0,
        }
    }

    async fn send(&self, e: Event) -> Result<(), Stop> {
        self.events.send(e).await.map_err(|_| Stop::Closed)
    }

    fn next_req_id(&mut self, what: &str) -> String {
        self.req_id += 1;
        format!("{what}-{}", self.req_id)
    }

    /// Closed candles strictly after `after` and before `before` (if given), fetched over REST
    /// and forwarded; returns the last forwarded bar's open time.
    async fn backfill(
        &mut self,
        symbol: Symbol,
        interval: Interval,
        after: i64,
        before: Option<i64>,
    ) -> Result<Option<i64>, Stop> {
        let Some(rest) = self.rest.clone() else { return Ok(None) };
        let topic = topic_str(symbol, interval);
        let fetched = match before {
            // Bars before a confirmed one are closed, whatever the server clock says.
            Some(b) => rest.closed_candles_before(self.category, symbol, interval, after + 1, b).await,
            None => rest.closed_candles(self.category, symbol, interval, after + 1, rest.server_now_ms()).await,
        };
        match fetched {
            Ok(candles) => {
                let mut last = None;
                let mut n = 0;
                for c in candles.into_iter().filter(|c| c.ts_ms > after && before.is_none_or(|b| c.ts_ms < b)) {
                    last = Some(c.ts_ms);
                    n += 1;
                    self.send(Event::Candle(c)).await?;
                }
                notify(&self.notices, WsNotice::Backfilled { topic, candles: n });
                Ok(last)
            }
            Err(e) => {
                tracing::warn!(%topic, error = %e, "bybit kline backfill failed");
                notify(&self.notices, WsNotice::BackfillFailed { topic, reason: e.to_string() });
                Ok(None)
            }
        }
    }

    async fn on_candle(&mut self, c: Candle) -> Result<(), Stop> {
        let key = (c.symbol, c.interval);
        let last = self.klines.get(&key).and_then(|k| k.last_closed);
        if !c.closed {
            // A partial of a bar already closed (late frame) is stale.
            if self.emit_partial && last.is_none_or(|l| c.ts_ms > l) {
                self.send(Event::Candle(c)).await?;
            }
            return Ok(());
        }
        if last.is_some_and(|l| c.ts_ms <= l) {
            return Ok(()); // duplicate (backfilled already or re-pushed)
        }
        if let (Some(l), Some(d)) = (last, c.interval.duration_ms()) {
            if c.ts_ms > l + d {
                self.backfill(c.symbol, c.interval, l, Some(c.ts_ms)).await?;
            }
        }
        self.klines.entry(key).or_default().last_closed = Some(c.ts_ms);
        self.send(Event::Candle(c)).await
    }

    fn resync_frames(&mut self, symbol: Symbol, reason: String) -> Vec<String> {
        let Some(st) = self.books.get_mut(&symbol) else { return Vec::new() };
        if st.resyncing {
            return Vec::new();
        }
        st.resyncing = true;
        st.book.synced = false;
        let topic = st.topic;
        tracing::warn!(%topic, %reason, "bybit order book resync");
        notify(&self.notices, WsNotice::BookResync { topic: topic.to_string(), reason });
        let unsub = self.next_req_id("resync-unsub");
        let sub = self.next_req_id("resync-sub");
        let frames = [WsRequest::unsubscribe(Some(&unsub), &[topic]), WsRequest::subscribe(Some(&sub), &[topic])];
        frames.iter().filter_map(|f| serde_json::to_string(f).ok()).collect()
    }
}

impl Handler for PublicHandler {
    fn opening_frames(&mut self) -> Vec<String> {
        // Spot takes at most 10 args per request; use 10 for both.
        let chunks: Vec<Vec<Topic>> = self.topics.chunks(10).map(|c| c.to_vec()).collect();
        let mut out = Vec::new();
        for c in chunks {
            let id = self.next_req_id("sub");
            if let Ok(s) = serde_json::to_string(&WsRequest::subscribe(Some(&id), &c)) {
                out.push(s);
            }
        }
        out
    }

    async fn on_open(&mut self, reconnect: bool) -> Result<(), Stop> {
        self.decoder.reset();
        for st in self.books.values_mut() {
            st.book.synced = false;
            st.resyncing = true; // until the subscription's snapshot arrives
        }
        if reconnect {
            let keys: Vec<_> = self.klines.iter().filter_map(|(k, s)| s.last_closed.map(|l| (*k, l))).collect();
            for ((symbol, interval), last) in keys {
                if let Some(l) = self.backfill(symbol, interval, last, None).await? {
                    self.klines.entry((symbol, interval)).or_default().last_closed = Some(l);
                }
            }
        }
        Ok(())
    }

    async fn on_text(&mut self, text: &str) -> Result<Vec<String>, Stop> {
        let ev = match self.decoder.decode(text) {
            Ok(ev) => ev,
            Err(e) => {
                tracing::warn!(error = %e, "bybit public frame not understood");
                return Ok(Vec::new());
            }
        };
        match ev {
            PublicEvent::Trades(ts) => {
                self.trade_buf.clear();
                self.trade_buf.extend_from_slice(ts);
                for i in 0..self.trade_buf.len() {
                    let t = self.trade_buf[i];
                    self.send(Event::Trade(t)).await?;
                }
            }
            PublicEvent::Book(up) => {
                let up = up.clone();
                let Some(st) = self.books.get_mut(&up.symbol) else { return Ok(Vec::new()) };
                if up.kind == BookUpdateKind::Delta {
                    if st.resyncing {
                        return Ok(Vec::new());
                    }
                    if st.book.synced && up.update_id <= st.book.update_id {
                        return Ok(Vec::new()); // stale or repeated
                    }
                }
                match st.book.apply(&up) {
                    Ok(()) => {
                        st.resyncing = false;
                        self.send(Event::Book(up)).await?;
                    }
                    Err(e) => return Ok(self.resync_frames(up.symbol, e.to_string())),
                }
            }
            PublicEvent::Candles(cs) => {
                self.candle_buf.clear();
                self.candle_buf.extend_from_slice(cs);
                for i in 0..self.candle_buf.len() {
                    let c = self.candle_buf[i];
                    self.on_candle(c).await?;
                }
            }
            PublicEvent::Ticker(t) => self.send(Event::Ticker(t)).await?,
            PublicEvent::Liquidations(ls) => {
                for l in ls {
                    self.send(Event::Liquidation(l)).await?;
                }
            }
            PublicEvent::Control(r) => {
                if !r.is_pong() && !r.is_success() && (r.op == "subscribe" || r.op == "unsubscribe") {
                    let reason = r.ret_msg.clone().unwrap_or_default();
                    tracing::warn!(op = %r.op, %reason, "bybit refused a request");
                    notify(&self.notices, WsNotice::Refused { op: r.op, reason });
                }
            }
        }
        Ok(Vec::new())
    }
}
