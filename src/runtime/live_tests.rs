//! `LiveCore` without a network: candle admission, the local order refusal (warm-up and
//! watch-only), and actions reaching the venue when trading.

use super::live_core::{Exec, LiveCore, LiveInput};
use super::recorder::StoreSink;
use crate::data::store::{Store, StoreWriter};
use crate::domain::{
    Action, Balance, Candle, Command, Event, Instrument, Interval, ManualOrder, Money, OrderStatus, OrderType, Price,
    Qty, Side, Symbol, TimeInForce,
};
use crate::engine::{ConnectionState, Engine, EngineConfig};
use crate::exchange::bybit::ws::WsNotice;
use crate::exchange::ExecutionVenue;
use std::sync::{Arc, Mutex};

/// A venue that records what it is asked and answers nothing.
struct Stub(Arc<Mutex<Vec<Action>>>);

impl ExecutionVenue for Stub {
    fn execute(&mut self, action: &Action, _ts_ms: i64, _out: &mut Vec<Event>) {
        self.0.lock().unwrap().push(action.clone());
    }
}

fn btc() -> Symbol {
    Symbol::new("BTCUSDT").unwrap()
}

fn candle(ts_ms: i64, closed: bool) -> Candle {
    let p = Price::from_int(100);
    Candle {
        symbol: btc(),
        interval: Interval::M1,
        ts_ms,
        open: p,
        high: p,
        low: p,
        close: p,
        volume: 1.0,
        turnover: 100.0,
        closed,
    }
}

fn core(watch_only: Option<&str>) -> (LiveCore, Arc<Mutex<Vec<Action>>>, StoreWriter) {
    let store = Store::open_in_memory().unwrap();
    let session = store.new_session("mock", None, "{}").unwrap();
    let writer = StoreWriter::spawn(store, session);
    let sink = StoreSink::new(writer.sender());
    let sent = Arc::new(Mutex::new(Vec::new()));
    let engine = Engine::new(EngineConfig { venue: "mock".into(), ..EngineConfig::default() });
    let exec = Exec::Other(Box::new(Stub(sent.clone())));
    let mut c = LiveCore::new(engine, exec, sink, vec![btc()], Interval::M1, watch_only.map(String::from), 2);
    c.process(&Event::Instrument(Instrument::demo(btc(), "0.1", "0.001", "0.001", "100")));
    let m = Money::from_int(10_000);
    let b = Balance {
        wallet_balance: m,
        equity: m,
        available: m,
        used_margin: Money::ZERO,
        unrealised_pnl: Money::ZERO,
        ts_ms: 0,
    };
    c.process(&Event::Balance(b));
    (c, sent, writer)
}

fn buy() -> Command {
    Command::PlaceOrder(ManualOrder {
        symbol: btc(),
        side: Side::Buy,
        order_type: OrderType::Market,
        qty: "0.1".parse::<Qty>().unwrap(),
        price: None,
        trigger_price: None,
        time_in_force: TimeInForce::Ioc,
        reduce_only: false,
    })
}

#[test]
fn candles_enter_once_in_order_and_holes_are_counted() {
    let (mut c, _, _w) = core(None);
    c.warm_up(&[candle(0, true), candle(60_000, true)]);
    assert_eq!(c.min_live_candles(), 0, "warm-up bars are not live candles");
    for ts in [60_000, 120_000, 120_000, 180_000] {
        c.on_input(LiveInput::Event(Event::Candle(candle(ts, true))));
    }
    c.process(&Event::Candle(candle(240_000, false))); // partial: not an engine event
    c.process(&Event::Candle(Candle { interval: Interval::M5, ..candle(300_000, true) }));
    assert_eq!((c.min_live_candles(), c.duplicate_candles, c.candle_gaps), (2, 2, 0));
    c.process(&Event::Candle(candle(360_000, true))); // 240 000 and 300 000 missing
    assert_eq!((c.min_live_candles(), c.candle_gaps), (3, 1));
    assert!(c.snapshot().alerts.iter().any(|a| a.message == "BTCUSDT: 2 candle(s) missing before 360000"));
}

#[test]
fn watch_only_answers_orders_locally_and_sends_nothing() {
    let (mut c, sent, _w) = core(Some("the API key is read-only"));
    c.process(&Event::Candle(candle(0, true)));
    c.command(buy());
    assert!(sent.lock().unwrap().is_empty(), "nothing may reach the venue: {:?}", sent.lock().unwrap());
    assert_eq!(c.sink.orders, 1, "the engine did ask: {:?}", c.snapshot().alerts);
    assert!(c.snapshot().open_orders.is_empty(), "the order was answered Rejected");
}

#[test]
fn trading_core_sends_the_order_and_waits_for_reports() {
    let (mut c, sent, _w) = core(None);
    c.process(&Event::Candle(candle(0, true)));
    c.command(buy());
    let sent = sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1, "{sent:?} {:?}", c.snapshot().alerts);
    let Action::PlaceOrder(r) = &sent[0] else { panic!("{sent:?}") };
    assert_eq!((r.symbol, r.side, r.qty), (btc(), Side::Buy, "0.1".parse::<Qty>().unwrap()));
    let open = c.snapshot().open_orders;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].status, OrderStatus::PendingNew, "no report yet from the asynchronous venue");
}

#[test]
fn connection_state_follows_the_streams() {
    let (mut c, _, _w) = core(None);
    assert_eq!(c.connection(), ConnectionState::Connecting);
    let up = |url: &str| LiveInput::Stream(WsNotice::Connected { url: url.into(), reconnect: false });
    c.on_input(up("ws://x/v5/public/linear"));
    assert_eq!(c.connection(), ConnectionState::Connecting, "one of two streams");
    c.on_input(up("ws://x/v5/private"));
    assert_eq!(c.connection(), ConnectionState::Connected);
    c.on_input(LiveInput::Stream(WsNotice::Disconnected { url: "ws://x/v5/private".into(), reason: "drop".into() }));
    assert_eq!(c.connection(), ConnectionState::Reconnecting);
    assert_eq!(c.snapshot().alerts[0].message, "ws://x/v5/private: drop");
}

#[test]
fn idle_rehearses_the_coming_bar_close_and_sends_nothing() {
    let (mut c, sent, _w) = core(None);
    // Fourteen minutes of the 15-minute bar ending at 900 000.
    for m in 0..14 {
        c.on_input(LiveInput::Event(Event::Candle(candle(m * 60_000, true))));
    }
    let (orders, open) = (c.sink.orders, c.snapshot().open_orders.len());
    c.idle(600_000);
    assert_eq!(c.rehearsals(), 0, "five minutes before the bar's end");
    c.idle(899_000);
    assert_eq!(c.rehearsals(), 1, "a second before it");
    c.idle(899_020);
    assert_eq!(c.rehearsals(), 1, "20 ms after the last rehearsal");
    c.idle(899_100);
    assert_eq!(c.rehearsals(), 2);
    // The rehearsals' entries went nowhere: no order sent, recorded or open.
    assert!(sent.lock().unwrap().is_empty(), "{:?}", sent.lock().unwrap());
    assert_eq!((c.sink.orders, c.snapshot().open_orders.len()), (orders, open));
    c.on_input(LiveInput::Event(Event::Candle(candle(14 * 60_000, true))));
    c.idle(899_500);
    assert_eq!(c.rehearsals(), 2, "the bar has closed: nothing left to rehearse");
}
