//! The real Bybit client (REST, public and private WebSocket streams) against
//! `autobot mock-exchange` on loopback: market data arrives as engine events, orders go
//! through their life cycle, private pushes arrive, and the stream-built book equals the
//! mock's own book.

use autobot::domain::{
    ClientOrderId, Event, Interval, OrderBook, OrderOrigin, OrderRequest, OrderStatus, OrderType, Price, Qty, Side,
    Symbol, TimeInForce,
};
use autobot::exchange::bybit::rest::{OrderListQuery, RestClient};
use autobot::exchange::bybit::rules::fetch_rules;
use autobot::exchange::bybit::sign::Credentials;
use autobot::exchange::bybit::wire::{AmendOrderRequest, CancelOrderRequest, Category, CreateOrderRequest, Topic};
use autobot::exchange::bybit::ws::{
    PrivateStream, PrivateStreamConfig, PublicStream, PublicStreamConfig, WsConfig, WsNotice,
};

use loopback::{client, start_mock};

mod loopback;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::time::timeout;

const SECS: Duration = Duration::from_secs(5);

fn sym() -> Symbol {
    Symbol::new("BTCUSDT").unwrap()
}

fn order(id: &str, side: Side, order_type: OrderType, qty: &str, price: Option<Price>) -> CreateOrderRequest {
    let req = OrderRequest {
        position_idx: Default::default(),
        client_order_id: ClientOrderId::new(id).unwrap(),
        symbol: sym(),
        side,
        order_type,
        qty: qty.parse().unwrap(),
        price,
        trigger_price: None,
        trigger_direction: None,
        time_in_force: if order_type == OrderType::Limit { TimeInForce::Gtc } else { TimeInForce::Ioc },
        reduce_only: false,
        origin: OrderOrigin::Manual,
        decision_price: price.unwrap_or(Price::ZERO),
        ts_ms: 0,
    };
    CreateOrderRequest::from_request(&req, Category::Linear)
}

/// 90 % of `p`, on the 0.1 tick.
fn well_below(p: Price) -> Price {
    format!("{:.1}", p.to_f64() * 0.9).parse().unwrap()
}

async fn best_bid(c: &RestClient) -> Price {
    let ob = c.orderbook(Category::Linear, sym(), 1).await.expect("orderbook");
    ob.b[0].0
}

async fn next_event(rx: &mut mpsc::Receiver<Event>) -> Event {
    timeout(SECS, rx.recv()).await.expect("event in time").expect("stream alive")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_market_data_rules_and_order_life_cycle() {
    let m = start_mock(120).await;
    let c = client(&m);
    timeout(Duration::from_secs(10), async {
        let t = c.server_time().await.expect("server time");
        assert!((t.ms() - autobot::exchange::bybit::rest::local_now_ms()).abs() < 2_000, "{t:?}");

        // Closed candles over the 60 market minutes before the live start: oldest first, one
        // minute apart. (Only the warm-up history: with `minute_ms` < 60 000 the live bars are
        // stamped ahead of the wall clock that `/v5/market/time` reports, so the client, which
        // judges "closed" by server time, would drop them.)
        let newest = c
            .kline(&autobot::exchange::bybit::rest::KlineQuery {
                category: Category::Linear,
                symbol: sym(),
                interval: Interval::M1,
                start_ms: None,
                end_ms: None,
                limit: Some(1),
            })
            .await
            .expect("kline");
        let last = newest.list[0].start_ms();
        let candles = c
            .closed_candles(Category::Linear, sym(), Interval::M1, last - 60 * 60_000, last)
            .await
            .expect("closed candles");
        assert!(candles.len() >= 55, "got {} candles up to {last}", candles.len());
        assert!(candles.windows(2).all(|w| w[1].ts_ms - w[0].ts_ms == 60_000), "contiguous, oldest first");
        assert!(candles.iter().all(|k| k.closed && k.is_consistent() && k.symbol == sym()));

        // Rules match the mock's instruments-info.
        let rules = fetch_rules(&c, Category::Linear, &[sym()]).await.expect("rules");
        let inst = rules.get(sym()).expect("BTCUSDT rules");
        assert_eq!(inst.tick_size, "0.1".parse::<Price>().unwrap());
        assert_eq!(inst.qty_step, "0.001".parse::<Qty>().unwrap());

        // Limit order far below the market: listed, amended, cancelled.
        let bid = best_bid(&c).await;
        let px = well_below(bid);
        let ids = c.create_order(&order("cvm-limit-1", Side::Buy, OrderType::Limit, "0.01", Some(px))).await.unwrap();
        assert!(!ids.order_id.is_empty());
        let q = OrderListQuery { symbol: Some(sym()), ..Default::default() };
        let open = c.open_orders(Category::Linear, &q).await.unwrap();
        assert_eq!(open.list.len(), 1, "{open:?}");
        assert_eq!(open.list[0].order_link_id, "cvm-limit-1");
        assert_eq!(open.list[0].price, Some(px));
        let px2: Price = format!("{:.1}", px.to_f64() - 100.0).parse().unwrap();
        let amend = AmendOrderRequest {
            category: "linear".into(),
            symbol: sym(),
            order_id: None,
            order_link_id: Some("cvm-limit-1".into()),
            qty: None,
            price: Some(px2),
            trigger_price: None,
            take_profit: None,
            stop_loss: None,
        };
        c.amend_order(&amend).await.unwrap();
        let open = c.open_orders(Category::Linear, &q).await.unwrap();
        assert_eq!(open.list[0].price, Some(px2), "amended price");
        let cancel = CancelOrderRequest {
            category: "linear".into(),
            symbol: sym(),
            order_id: Some(ids.order_id.clone()),
            order_link_id: None,
            order_filter: None,
        };
        c.cancel_order(&cancel).await.unwrap();
        let open = c.open_orders(Category::Linear, &q).await.unwrap();
        assert!(open.list.is_empty(), "{open:?}");

        // A market order fills: the execution list has it and the position shows the size.
        let mk = c.create_order(&order("cvm-mkt-1", Side::Buy, OrderType::Market, "0.02", None)).await.unwrap();
        let mut filled = false;
        for _ in 0..50 {
            let ex = c.executions(Category::Linear, Some(sym()), 50, None).await.unwrap();
            let qty: Qty = ex.list.iter().filter(|e| e.order_id == mk.order_id).map(|e| e.exec_qty).sum();
            if qty == "0.02".parse::<Qty>().unwrap() {
                assert!(ex.list.iter().all(|e| e.order_link_id == "cvm-mkt-1"));
                filled = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(filled, "market order executions");
        let pos = c.positions(Category::Linear, Some(sym()), None).await.unwrap();
        let p = pos.list.iter().find(|p| p.symbol == sym()).expect("position row");
        assert_eq!((p.side.as_str(), p.size), ("Buy", "0.02".parse::<Qty>().unwrap()), "{p:?}");
    })
    .await
    .expect("REST test within 10 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_stream_events_and_book_equals_mock_book() {
    let m = start_mock(120).await;
    let c = client(&m);
    let mut ws = WsConfig::new(m.ws_public_url());
    ws.backoff_min = Duration::from_millis(20);
    ws.backoff_max = Duration::from_millis(100);
    let topics = vec![
        Topic::OrderBook { depth: 50, symbol: sym() },
        Topic::PublicTrade(sym()),
        Topic::Kline { interval: Interval::M1, symbol: sym() },
        Topic::Tickers(sym()),
    ];
    let cfg = PublicStreamConfig { ws, category: Category::Linear, topics, emit_partial_candles: false };
    let (tx, mut rx) = mpsc::channel(4096);
    let (ntx, mut nrx) = mpsc::unbounded_channel();
    let stream = PublicStream::spawn(cfg, Some(c.clone()), tx, Some(ntx));

    let mut book = OrderBook::new(sym());
    let (mut deltas, mut trades, mut tickers) = (0usize, 0usize, 0usize);
    let mut candles: Vec<i64> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(8);
    while (deltas < 60 || trades == 0 || tickers == 0 || candles.len() < 2) && Instant::now() < deadline {
        match next_event(&mut rx).await {
            Event::Book(b) => {
                book.apply(&b).expect("stream book applies cleanly");
                if b.kind == autobot::domain::BookUpdateKind::Delta {
                    deltas += 1;
                }
            }
            Event::Trade(t) => {
                assert_eq!(t.symbol, sym());
                trades += 1;
            }
            Event::Ticker(t) => {
                assert_eq!(t.symbol, sym());
                tickers += 1;
            }
            Event::Candle(k) => {
                assert!(k.closed && k.symbol == sym() && k.is_consistent(), "{k:?}");
                candles.push(k.ts_ms);
            }
            _ => {}
        }
    }
    assert!(deltas >= 60 && trades > 0 && tickers > 0, "deltas {deltas} trades {trades} tickers {tickers}");
    assert!(candles.len() >= 2, "closed candles {candles:?}");
    assert!(candles.windows(2).all(|w| w[1] - w[0] == 60_000), "one confirmed bar per minute: {candles:?}");

    // Exact equality: the REST book carries the mock's book `seq`; the depth-50 stream book
    // after its last update with seq <= S is the mock's top 50 at S (the mock only pushes the
    // view when its top 50 changes). Read events until one with seq > S arrives.
    let snap = c.orderbook(Category::Linear, sym(), 50).await.expect("rest book");
    let mut compared = false;
    while !compared {
        match next_event(&mut rx).await {
            Event::Book(b) if b.seq > snap.seq => {
                assert!(book.seq <= snap.seq, "stream {} rest {}", book.seq, snap.seq);
                let rb: Vec<(Price, Qty)> = snap.b.iter().map(|l| (l.0, l.1)).collect();
                let ra: Vec<(Price, Qty)> = snap.a.iter().map(|l| (l.0, l.1)).collect();
                let sb: Vec<(Price, Qty)> = book.bids.iter().map(|l| (l.price, l.qty)).collect();
                let sa: Vec<(Price, Qty)> = book.asks.iter().map(|l| (l.price, l.qty)).collect();
                assert_eq!(sb, rb, "bids at seq {}", snap.seq);
                assert_eq!(sa, ra, "asks at seq {}", snap.seq);
                assert!(rb.len() >= 10 && ra.len() >= 10, "a real book: {} bids {} asks", rb.len(), ra.len());
                assert!(rb[0].0 < ra[0].0, "not crossed");
                compared = true;
            }
            Event::Book(b) => book.apply(&b).expect("applies"),
            _ => {}
        }
    }
    while let Ok(n) = nrx.try_recv() {
        assert!(!matches!(n, WsNotice::BookResync { .. }), "no gap resync without faults: {n:?}");
    }
    stream.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_stream_reports_order_and_fill() {
    let m = start_mock(120).await;
    let c = client(&m);
    let cfg = PrivateStreamConfig::new(
        WsConfig::new(m.ws_private_url()),
        Credentials::new("MOCKKEY", "MOCKSECRET"),
        Category::Linear,
    );
    let (tx, mut rx) = mpsc::channel(1024);
    let (ntx, mut nrx) = mpsc::unbounded_channel();
    let stream = PrivateStream::spawn(cfg, Some(c.clone()), tx, Some(ntx));
    // Wait for the connection (auth + subscribe go out first on the same socket).
    timeout(SECS, async {
        loop {
            if let Some(WsNotice::Connected { .. }) = nrx.recv().await {
                break;
            }
        }
    })
    .await
    .expect("private stream connects");
    tokio::time::sleep(Duration::from_millis(300)).await;

    let ids = c.create_order(&order("cvm-pws-1", Side::Sell, OrderType::Market, "0.01", None)).await.unwrap();
    let (mut order_filled, mut fill_qty) = (false, Qty::ZERO);
    timeout(Duration::from_secs(8), async {
        while !(order_filled && fill_qty == "0.01".parse::<Qty>().unwrap()) {
            match next_event(&mut rx).await {
                Event::Order(o) if o.client_order_id.as_str() == "cvm-pws-1" => {
                    assert_eq!(o.order_id.as_ref().map(|i| i.as_str()), Some(ids.order_id.as_str()));
                    order_filled |= o.status == OrderStatus::Filled;
                }
                Event::Fill(f) if f.client_order_id.as_str() == "cvm-pws-1" => {
                    assert_eq!((f.side, f.symbol), (Side::Sell, sym()));
                    fill_qty += f.qty;
                }
                _ => {}
            }
        }
    })
    .await
    .expect("order and fill pushed within 8 s");
    while let Ok(n) = nrx.try_recv() {
        assert!(!matches!(n, WsNotice::Disconnected { .. }), "{n:?}");
    }
    stream.abort();
}
