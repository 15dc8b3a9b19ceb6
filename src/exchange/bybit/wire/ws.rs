//! WebSocket control frames (subscribe, unsubscribe, auth, ping and their acks/pongs) and topic
//! names.

use crate::domain::{Interval, Symbol};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A request frame: `{"req_id","op","args"}`. `args` are topic strings, or
/// `[api_key, expires, signature]` for `auth` (hence JSON values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WsRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub req_id: Option<String>,
    pub op: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<serde_json::Value>,
}

impl WsRequest {
    pub fn subscribe(req_id: Option<&str>, topics: &[Topic]) -> Self {
        Self::with_topics("subscribe", req_id, topics)
    }
    pub fn unsubscribe(req_id: Option<&str>, topics: &[Topic]) -> Self {
        Self::with_topics("unsubscribe", req_id, topics)
    }
    pub fn ping(req_id: Option<&str>) -> Self {
        WsRequest { req_id: req_id.map(str::to_string), op: "ping".into(), args: Vec::new() }
    }
    pub fn auth(req_id: Option<&str>, api_key: &str, expires_ms: i64, signature: &str) -> Self {
        WsRequest {
            req_id: req_id.map(str::to_string),
            op: "auth".into(),
            args: vec![api_key.into(), expires_ms.into(), signature.into()],
        }
    }
    fn with_topics(op: &str, req_id: Option<&str>, topics: &[Topic]) -> Self {
        WsRequest {
            req_id: req_id.map(str::to_string),
            op: op.into(),
            args: topics.iter().map(|t| t.to_string().into()).collect(),
        }
    }
    /// The topic strings of a subscribe/unsubscribe (non-strings are skipped).
    pub fn topic_args(&self) -> impl Iterator<Item = &str> {
        self.args.iter().filter_map(|v| v.as_str())
    }
    /// `(api_key, expires_ms, signature)` of an auth request.
    pub fn auth_args(&self) -> Option<(&str, i64, &str)> {
        match self.args.as_slice() {
            [k, e, s] => Some((k.as_str()?, e.as_i64().or_else(|| e.as_str()?.parse().ok())?, s.as_str()?)),
            _ => None,
        }
    }
}

/// An ack or pong: public/private streams use `success/ret_msg/conn_id/req_id/op` and private
/// pongs `op:"pong", args:[server ms]`; the trade stream uses `retCode/retMsg/connId`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WsResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ret_msg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conn_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub req_id: Option<String>,
    pub op: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,
    #[serde(default, rename = "retCode", skip_serializing_if = "Option::is_none")]
    pub ret_code: Option<i64>,
    #[serde(default, rename = "retMsg", skip_serializing_if = "Option::is_none")]
    pub ret_msg_trade: Option<String>,
}

impl WsResponse {
    /// pybit's test: `op == "pong"` or `ret_msg == "pong"`.
    pub fn is_pong(&self) -> bool {
        self.op == "pong" || self.ret_msg.as_deref() == Some("pong")
    }
    /// Success for both ack shapes (`success:true` or `retCode:0`).
    pub fn is_success(&self) -> bool {
        self.success.unwrap_or(false) || self.ret_code == Some(0)
    }
    /// Public ack: `{"success":true,"ret_msg":"","conn_id","req_id","op"}`.
    pub fn ack(op: &str, req_id: Option<&str>, conn_id: &str, success: bool, ret_msg: &str) -> Self {
        WsResponse {
            success: Some(success),
            ret_msg: Some(ret_msg.into()),
            conn_id: Some(conn_id.into()),
            req_id: req_id.map(str::to_string),
            op: op.into(),
            ..Default::default()
        }
    }
    /// Public (linear) pong: `{"success":true,"ret_msg":"pong","conn_id","req_id","op":"ping"}`.
    pub fn public_pong(req_id: Option<&str>, conn_id: &str) -> Self {
        Self::ack("ping", req_id, conn_id, true, "pong")
    }
    /// Private pong: `{"req_id","op":"pong","args":["<server ms>"],"conn_id"}`.
    pub fn private_pong(req_id: Option<&str>, conn_id: &str, now_ms: i64) -> Self {
        WsResponse {
            req_id: req_id.map(str::to_string),
            op: "pong".into(),
            args: Some(vec![now_ms.to_string()]),
            conn_id: Some(conn_id.into()),
            ..Default::default()
        }
    }
}

/// Category suffix of private topics (`order.linear`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Linear,
    Spot,
    Inverse,
    Option,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Linear => "linear",
            Category::Spot => "spot",
            Category::Inverse => "inverse",
            Category::Option => "option",
        }
    }
    pub fn parse(s: &str) -> Option<Category> {
        Some(match s {
            "linear" => Category::Linear,
            "spot" => Category::Spot,
            "inverse" => Category::Inverse,
            "option" => Category::Option,
            _ => return None,
        })
    }
}

/// Private topic kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrivateKind {
    Order,
    Execution,
    ExecutionFast,
    Position,
    Wallet,
}

/// A WebSocket topic, public or private.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    OrderBook {
        depth: u32,
        symbol: Symbol,
    },
    PublicTrade(Symbol),
    Kline {
        interval: Interval,
        symbol: Symbol,
    },
    Tickers(Symbol),
    AllLiquidation(Symbol),
    /// Deprecated `liquidation.{symbol}`.
    Liquidation(Symbol),
    Private {
        kind: PrivateKind,
        category: Option<Category>,
    },
}

impl Topic {
    /// Parses a topic string; `None` for anything we do not know.
    pub fn parse(s: &str) -> Option<Topic> {
        let mut it = s.split('.');
        let head = it.next()?;
        let parts: [Option<&str>; 3] = [it.next(), it.next(), it.next()];
        let sym = |p: Option<&str>| p.and_then(|p| Symbol::new(p).ok());
        let cat = |p: Option<&str>| match p {
            None => Some(None),
            Some(c) => Category::parse(c).map(Some),
        };
        let t = match (head, parts) {
            ("orderbook", [Some(d), s, None]) => Topic::OrderBook { depth: d.parse().ok()?, symbol: sym(s)? },
            ("publicTrade", [s, None, None]) => Topic::PublicTrade(sym(s)?),
            ("kline", [Some(i), s, None]) => {
                let interval = Interval::from_bybit(i).or_else(|| i.parse().ok())?;
                Topic::Kline { interval, symbol: sym(s)? }
            }
            ("tickers", [s, None, None]) => Topic::Tickers(sym(s)?),
            ("allLiquidation", [s, None, None]) => Topic::AllLiquidation(sym(s)?),
            ("liquidation", [s, None, None]) => Topic::Liquidation(sym(s)?),
            ("order", [c, None, None]) => Topic::Private { kind: PrivateKind::Order, category: cat(c)? },
            ("position", [c, None, None]) => Topic::Private { kind: PrivateKind::Position, category: cat(c)? },
            ("wallet", [None, None, None]) => Topic::Private { kind: PrivateKind::Wallet, category: None },
            ("execution", [Some("fast"), c, None]) => {
                Topic::Private { kind: PrivateKind::ExecutionFast, category: cat(c)? }
            }
            ("execution", [c, None, None]) => Topic::Private { kind: PrivateKind::Execution, category: cat(c)? },
            _ => return None,
        };
        Some(t)
    }

    pub fn symbol(&self) -> Option<Symbol> {
        match *self {
            Topic::OrderBook { symbol, .. } | Topic::Kline { symbol, .. } => Some(symbol),
            Topic::PublicTrade(s) | Topic::Tickers(s) | Topic::AllLiquidation(s) | Topic::Liquidation(s) => Some(s),
            Topic::Private { .. } => None,
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topic::OrderBook { depth, symbol } => write!(f, "orderbook.{depth}.{symbol}"),
            Topic::PublicTrade(s) => write!(f, "publicTrade.{s}"),
            Topic::Kline { interval, symbol } => write!(f, "kline.{}.{symbol}", interval.as_bybit()),
            Topic::Tickers(s) => write!(f, "tickers.{s}"),
            Topic::AllLiquidation(s) => write!(f, "allLiquidation.{s}"),
            Topic::Liquidation(s) => write!(f, "liquidation.{s}"),
            Topic::Private { kind, category } => {
                f.write_str(match kind {
                    PrivateKind::Order => "order",
                    PrivateKind::Execution => "execution",
                    PrivateKind::ExecutionFast => "execution.fast",
                    PrivateKind::Position => "position",
                    PrivateKind::Wallet => "wallet",
                })?;
                if let Some(c) = category {
                    write!(f, ".{}", c.as_str())?;
                }
                Ok(())
            }
        }
    }
}

/// Finds the `"topic"` value of a message without parsing it (for routing); `None` when the
/// frame has no topic (acks and pongs).
pub fn peek_topic(text: &str) -> Option<&str> {
    // Bybit writes the topic first: `{"topic":"kline.1.BTCUSDT",...`. Then the first `"topic"`
    // is the one at the start, and the topic ends at the next quote.
    if let Some(rest) = text.strip_prefix("{\"topic\":\"") {
        let end = rest.bytes().position(|b| b == b'"')?;
        return Some(&rest[..end]);
    }
    let key = "\"topic\"";
    let at = text.find(key)? + key.len();
    let rest = text[at..].trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    let end = rest.find('"')?;
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_round_trip() {
        for s in [
            "orderbook.50.BTCUSDT",
            "orderbook.500.XRPUSDT",
            "publicTrade.BTCUSDT",
            "kline.1.BTCUSDT",
            "kline.D.ETHUSDT",
            "tickers.BTCUSDT",
            "allLiquidation.BTCUSDT",
            "order",
            "order.linear",
            "execution",
            "execution.fast",
            "execution.fast.linear",
            "position.linear",
            "wallet",
        ] {
            let t = Topic::parse(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!(t.to_string(), s);
        }
        assert_eq!(
            Topic::parse("kline.60.BTCUSDT"),
            Some(Topic::Kline { interval: Interval::H1, symbol: Symbol::new("BTCUSDT").unwrap() })
        );
        for bad in ["", "orderbook", "orderbook.x.BTCUSDT", "kline.7.BTCUSDT", "order.mars", "wallet.linear", "a.b"] {
            assert_eq!(Topic::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn peeks_topic_with_or_without_spaces() {
        assert_eq!(peek_topic(r#"{"topic":"publicTrade.BTCUSDT","ts":1}"#), Some("publicTrade.BTCUSDT"));
        assert_eq!(peek_topic("{\n  \"topic\": \"wallet\",\n"), Some("wallet"));
        assert_eq!(peek_topic(r#"{"op":"pong"}"#), None);
        assert_eq!(peek_topic(r#"{"topic":"#), None);
    }

    #[test]
    fn control_frames() {
        let sub = WsRequest::subscribe(Some("sub-1"), &[Topic::parse("orderbook.50.BTCUSDT").unwrap()]);
        assert_eq!(
            serde_json::to_string(&sub).unwrap(),
            r#"{"req_id":"sub-1","op":"subscribe","args":["orderbook.50.BTCUSDT"]}"#
        );
        let auth: WsRequest =
            serde_json::from_str(r#"{"req_id":"a","op":"auth","args":["K",1718000001000,"abc"]}"#).unwrap();
        assert_eq!(auth.auth_args(), Some(("K", 1_718_000_001_000, "abc")));
        let pong = WsResponse::private_pong(Some("100001"), "c1", 1_718_000_000_123);
        assert_eq!(
            serde_json::to_string(&pong).unwrap(),
            r#"{"conn_id":"c1","req_id":"100001","op":"pong","args":["1718000000123"]}"#
        );
        assert!(pong.is_pong() && WsResponse::public_pong(None, "c").is_pong());
    }
}
