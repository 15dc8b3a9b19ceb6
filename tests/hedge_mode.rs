//! Hedge position mode end to end on loopback: the real Bybit client against
//! `autobot mock-exchange`. The switch and its codes (110025 already so, 110024 with a position,
//! 110028 with open orders), 10001 for an idx of the wrong mode, a long on idx 1 and a short on
//! idx 2 of one symbol, the two-entry position list, the private `position` pushes with their
//! idx, and reduce-only closes of each side.

use autobot::domain::{
    ClientOrderId, Event, OrderOrigin, OrderRequest, OrderType, PositionIdx, PositionMode, Price, Qty, Side, Symbol,
    TimeInForce,
};
use autobot::exchange::bybit::rest::RestClient;
use autobot::exchange::bybit::sign::Credentials;
use autobot::exchange::bybit::wire::{Category, CreateOrderRequest};
use autobot::exchange::bybit::ws::{PrivateStream, PrivateStreamConfig, WsConfig};

use loopback::{client, start_mock};

mod loopback;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::time::timeout;

fn sym() -> Symbol {
    Symbol::new("BTCUSDT").unwrap()
}

fn q(s: &str) -> Qty {
    s.parse().unwrap()
}

fn order(
    id: &str,
    side: Side,
    qty: &str,
    idx: PositionIdx,
    reduce_only: bool,
    price: Option<Price>,
) -> CreateOrderRequest {
    let req = OrderRequest {
        client_order_id: ClientOrderId::new(id).unwrap(),
        symbol: sym(),
        side,
        order_type: if price.is_some() { OrderType::Limit } else { OrderType::Market },
        qty: q(qty),
        price,
        trigger_price: None,
        trigger_direction: None,
        time_in_force: if price.is_some() { TimeInForce::Gtc } else { TimeInForce::Ioc },
        reduce_only,
        origin: OrderOrigin::Manual,
        decision_price: price.unwrap_or(Price::ZERO),
        ts_ms: 0,
        position_idx: idx,
    };
    CreateOrderRequest::from_request(&req, Category::Linear)
}

fn api_code(e: &autobot::exchange::bybit::rest::RestError) -> Option<i64> {
    e.api().map(|a| a.code)
}

/// `(idx, signed size)` of each entry of the symbol's position list.
async fn position_list(c: &RestClient) -> Vec<(PositionIdx, Qty)> {
    let list = c.positions(Category::Linear, Some(sym()), None).await.expect("position list");
    list.list
        .iter()
        .map(|p| {
            let pos = p.to_position().expect("position parses");
            (pos.position_idx, pos.size)
        })
        .collect()
}

/// Waits until the position list shows `want`.
async fn wait_positions(c: &RestClient, want: &[(PositionIdx, Qty)]) {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let got = position_list(c).await;
        if got == want {
            return;
        }
        assert!(Instant::now() < deadline, "position list {got:?}, want {want:?}");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hedge_mode_round_trip_against_the_mock() {
    let m = start_mock(30).await;
    let c = client(&m);
    let mut ws = WsConfig::new(m.ws_private_url());
    ws.backoff_min = Duration::from_millis(20);
    ws.backoff_max = Duration::from_millis(100);
    let (tx, mut rx) = mpsc::channel(4096);
    let cfg = PrivateStreamConfig::new(ws, Credentials::new("MOCKKEY", "MOCKSECRET"), Category::Linear);
    let stream = PrivateStream::spawn(cfg, Some(c.clone()), tx, None);
    timeout(Duration::from_secs(15), async {
        c.sync_time().await.expect("time");
        // The private stream is listening (its start-up snapshot arrives) before anything trades.
        let _ = timeout(Duration::from_secs(2), rx.recv()).await;
        // One-way by default: one entry with idx 0, and switching to one-way is "not modified".
        assert_eq!(position_list(&c).await, vec![(PositionIdx::OneWay, Qty::ZERO)]);
        assert_eq!(c.switch_position_mode(sym(), PositionMode::OneWay).await.expect("110025 is fine"), false);

        // An open order refuses the switch (110028); cancelled, it switches; again: 110025.
        let ob = c.orderbook(Category::Linear, sym(), 1).await.expect("orderbook");
        let far: Price = format!("{:.1}", ob.b[0].0.to_f64() * 0.8).parse().unwrap();
        c.create_order(&order("hm-rest", Side::Buy, "0.01", PositionIdx::OneWay, false, Some(far))).await.unwrap();
        let e = c.switch_position_mode(sym(), PositionMode::Hedge).await.unwrap_err();
        assert_eq!(api_code(&e), Some(110028), "{e}");
        let cancel = autobot::exchange::bybit::wire::CancelAllRequest {
            category: "linear".into(),
            symbol: Some(sym()),
            base_coin: None,
            settle_coin: None,
            order_filter: None,
        };
        c.cancel_all(&cancel).await.expect("cancel all");
        assert!(c.switch_position_mode(sym(), PositionMode::Hedge).await.expect("switch"));
        assert!(!c.switch_position_mode(sym(), PositionMode::Hedge).await.expect("already hedge"));
        assert_eq!(position_list(&c).await, vec![(PositionIdx::Long, Qty::ZERO), (PositionIdx::Short, Qty::ZERO)]);

        // idx 0 no longer matches the mode: Bybit's 10001.
        let e = c.create_order(&order("hm-0", Side::Buy, "0.01", PositionIdx::OneWay, false, None)).await.unwrap_err();
        assert_eq!(api_code(&e), Some(10001), "{e}");
        assert!(e.to_string().contains("position idx not match position mode"), "{e}");

        // Long 0.02 on idx 1 and short 0.03 on idx 2 of the same symbol.
        c.create_order(&order("hm-long", Side::Buy, "0.02", PositionIdx::Long, false, None)).await.unwrap();
        c.create_order(&order("hm-short", Side::Sell, "0.03", PositionIdx::Short, false, None)).await.unwrap();
        wait_positions(&c, &[(PositionIdx::Long, q("0.02")), (PositionIdx::Short, q("-0.03"))]).await;
        let open = c.positions(Category::Linear, Some(sym()), None).await.unwrap();
        let sides: Vec<&str> = open.list.iter().map(|p| p.side.as_str()).collect();
        assert_eq!(sides, vec!["Buy", "Sell"]);
        // With a position the mode cannot change (110024).
        let e = c.switch_position_mode(sym(), PositionMode::OneWay).await.unwrap_err();
        assert_eq!(api_code(&e), Some(110024), "{e}");

        // Reduce-only Sell on idx 1 closes the long; the short stays.
        c.create_order(&order("hm-xl", Side::Sell, "0.02", PositionIdx::Long, true, None)).await.unwrap();
        wait_positions(&c, &[(PositionIdx::Long, Qty::ZERO), (PositionIdx::Short, q("-0.03"))]).await;
        // A reduce-only Buy on idx 1 has nothing to reduce.
        let e = c.create_order(&order("hm-bad", Side::Buy, "0.01", PositionIdx::Long, true, None)).await.unwrap_err();
        assert!(api_code(&e).is_some(), "{e}");
        // Reduce-only Buy on idx 2 closes the short.
        c.create_order(&order("hm-xs", Side::Buy, "0.03", PositionIdx::Short, true, None)).await.unwrap();
        wait_positions(&c, &[(PositionIdx::Long, Qty::ZERO), (PositionIdx::Short, Qty::ZERO)]).await;
        // Flat with no orders: back to one-way.
        assert!(c.switch_position_mode(sym(), PositionMode::OneWay).await.expect("switch back"));

        // The private stream reported both sides with their idx.
        let (mut long_seen, mut short_seen) = (false, false);
        while let Ok(Some(ev)) = timeout(Duration::from_millis(500), rx.recv()).await {
            if let Event::Position(p) = ev {
                long_seen |= p.position_idx == PositionIdx::Long && p.size == q("0.02");
                short_seen |= p.position_idx == PositionIdx::Short && p.size == q("-0.03");
            }
            if long_seen && short_seen {
                break;
            }
        }
        assert!(long_seen && short_seen, "position pushes with idx 1 and 2");
    })
    .await
    .expect("hedge-mode test within 15 s");
    drop(stream);
}
