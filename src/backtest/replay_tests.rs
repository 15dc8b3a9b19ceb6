use super::*;
use crate::data::generator::{demo_instruments, GeneratorConfig, MarketGenerator};
use crate::domain::{Command, OrderOrigin, OrderRequest, OrderStatus, OrderType, TimeInForce};
use crate::engine::EngineConfig;
use crate::exchange::sim::{SimConfig, SimExchange};
use crate::runtime::pipeline::{Pipeline, Sink};

fn order(id: &str, created_ms: i64) -> Order {
    Order::new(OrderRequest {
        position_idx: Default::default(),
        client_order_id: ClientOrderId::new(id).unwrap(),
        symbol: Symbol::new("BTCUSDT").unwrap(),
        side: Side::Buy,
        order_type: OrderType::Market,
        qty: "0.01".parse().unwrap(),
        price: None,
        trigger_price: None,
        trigger_direction: None,
        time_in_force: TimeInForce::Ioc,
        reduce_only: false,
        origin: OrderOrigin::Strategy(0),
        decision_price: "65000".parse().unwrap(),
        ts_ms: created_ms,
    })
}

#[test]
fn identical_lists_have_no_difference_and_changes_are_named() {
    let a = vec![order("ab-1", 1), order("ab-2", 2)];
    assert_eq!(first_difference(&a, &a.clone()), None);

    let mut b = a.clone();
    b[1].status = OrderStatus::Filled;
    assert_eq!(first_difference(&a, &b).unwrap(), "order #2 `ab-2`: status: replay \"PendingNew\", session \"Filled\"");

    let mut c = a.clone();
    c[0].request.qty = "0.02".parse().unwrap();
    assert_eq!(first_difference(&a, &c).unwrap(), "order #1 `ab-1`: request.qty: replay \"0.01\", session \"0.02\"");

    let d = vec![order("ab-1", 1), order("ab-3", 2)];
    assert_eq!(first_difference(&a, &d).unwrap(), "order #2: the replay has `ab-2`, the session `ab-3`");

    assert_eq!(first_difference(&a, &a[..1]).unwrap(), "the replay has 1 more order(s) than the session, first `ab-2`");
    assert_eq!(first_difference(&a[..0], &a).unwrap(), "the session has 2 more order(s) than the replay, first `ab-1`");
}

#[test]
fn decisions_csv_quotes_reasons_that_need_it() {
    let d = Decision {
        ts_ms: 60_000,
        kind: "signal",
        symbol: Some(Symbol::new("ETHUSDT").unwrap()),
        side: None,
        qty: None,
        price: Some("3000.5".parse().unwrap()),
        client_order_id: None,
        reason: "trend enter_long: ema \"fast\" > slow, adx 31".into(),
    };
    let place = Decision {
        ts_ms: 61_000,
        kind: "place_order",
        side: Some(Side::Sell),
        qty: Some("0.25".parse().unwrap()),
        client_order_id: Some(ClientOrderId::new("ab-x-1-t").unwrap()),
        reason: "Strategy(0) Market Ioc".into(),
        ..d.clone()
    };
    assert_eq!(
        decisions_csv(&[d, place]),
        "ts_ms,kind,symbol,side,qty,price,client_order_id,reason\n\
         60000,signal,ETHUSDT,,,3000.5,,\"trend enter_long: ema \"\"fast\"\" > slow, adx 31\"\n\
         61000,place_order,ETHUSDT,Sell,0.25,3000.5,ab-x-1-t,Strategy(0) Market Ioc\n"
    );
}

/// Keeps what a live run would record: the engine inputs and the last state of every order.
#[derive(Default)]
struct Tape {
    inputs: Vec<Event>,
    orders: Vec<Order>,
}

impl Sink for Tape {
    fn on_account_event(&mut self, _: &Event) {}
    fn on_action(&mut self, a: &Action) {
        if let Action::RecordOrder(o) = a {
            match self.orders.iter_mut().find(|x| x.client_order_id() == o.client_order_id()) {
                Some(x) => *x = o.clone(),
                None => self.orders.push(o.clone()),
            }
        }
    }
    fn on_engine_input(&mut self, e: &Event) {
        self.inputs.push(e.clone());
    }
}

#[test]
fn a_pipeline_run_replays_to_the_same_orders_without_the_venue() {
    let config = EngineConfig::default();
    let instruments = demo_instruments();
    let venue = SimExchange::new(SimConfig::default(), &instruments, Money::from_int(10_000));
    let mut p = Pipeline::new(Engine::new(config.clone()), venue);
    let mut tape = Tape::default();
    for i in &instruments {
        p.inform(&Event::Instrument(*i), &mut tape);
    }
    let b = p.venue.balance();
    p.inform(&Event::Balance(b), &mut tape);
    let mut gen =
        MarketGenerator::new(GeneratorConfig { seed: 11, intra_minute_steps: 0, ..GeneratorConfig::default() });
    let mut buf = Vec::new();
    for minute in 0..6_000 {
        if minute == 3_000 {
            p.command(Command::KillSwitch { engage: true }, &mut tape);
            p.command(Command::KillSwitch { engage: false }, &mut tape);
        }
        buf.clear();
        gen.next_minute(&mut buf);
        for e in &buf {
            p.feed(e, &mut tape);
        }
    }
    assert!(tape.orders.len() > 10, "too few orders to mean anything: {}", tape.orders.len());
    tape.orders.sort_by(|a, b| {
        (a.created_ms, a.client_order_id().as_str()).cmp(&(b.created_ms, b.client_order_id().as_str()))
    });
    let session = RecordedSession { id: 1, engine_config: config, config_exact: true, events: tape.inputs.clone() };
    let r = replay(&session);
    assert_eq!(r.events, tape.inputs.len());
    assert_eq!(first_difference(&r.orders, &tape.orders), None);
    assert_eq!(r.orders, tape.orders);
    assert_eq!(r.outcome.trades, p.engine.closed_trades());
    // Every placed order is a decision, with its id.
    let placed: Vec<_> = r.decisions.iter().filter(|d| d.kind == "place_order").map(|d| d.client_order_id).collect();
    assert_eq!(placed.len(), r.orders.len());

    // One input dropped from the middle: the replay must notice.
    let mut cut = tape.inputs.clone();
    let fill_at = cut.iter().position(|e| matches!(e, Event::Fill(_))).unwrap();
    cut.remove(fill_at);
    let r = replay(&RecordedSession { events: cut, ..session });
    assert!(first_difference(&r.orders, &tape.orders).is_some());
}
