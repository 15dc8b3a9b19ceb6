//! Bybit environments and their base URLs (REST, public and private WebSocket), including a
//! custom base for the mock exchange, which serves every path on one port.

use super::wire::Category;

/// Which Bybit the client talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    Mainnet,
    Testnet,
    /// Mainnet demo trading: demo REST and private stream, mainnet public streams.
    DemoTrading,
    /// A mock or regional host: `rest` like `http://127.0.0.1:PORT`, `ws` like
    /// `ws://127.0.0.1:PORT` (paths are appended).
    Custom {
        rest: String,
        ws: String,
    },
}

impl Environment {
    /// A custom environment from one URL (`http://host:port`): WebSockets on the same port.
    pub fn custom(url: &str) -> Environment {
        let rest = url.trim_end_matches('/').to_string();
        let ws = if let Some(r) = rest.strip_prefix("https://") {
            format!("wss://{r}")
        } else if let Some(r) = rest.strip_prefix("http://") {
            format!("ws://{r}")
        } else {
            rest.clone()
        };
        Environment::Custom { rest, ws }
    }

    pub fn rest_url(&self) -> String {
        match self {
            Environment::Mainnet => "https://api.bybit.com".into(),
            Environment::Testnet => "https://api-testnet.bybit.com".into(),
            Environment::DemoTrading => "https://api-demo.bybit.com".into(),
            Environment::Custom { rest, .. } => rest.clone(),
        }
    }

    fn stream_base(&self, private: bool) -> String {
        match self {
            Environment::Mainnet => "wss://stream.bybit.com".into(),
            Environment::Testnet => "wss://stream-testnet.bybit.com".into(),
            Environment::DemoTrading if private => "wss://stream-demo.bybit.com".into(),
            Environment::DemoTrading => "wss://stream.bybit.com".into(),
            Environment::Custom { ws, .. } => ws.clone(),
        }
    }

    /// `/v5/public/{linear|spot|inverse|option}`.
    pub fn public_ws_url(&self, category: Category) -> String {
        format!("{}/v5/public/{}", self.stream_base(false), category.as_str())
    }

    pub fn private_ws_url(&self) -> String {
        format!("{}/v5/private", self.stream_base(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_per_environment() {
        let d = Environment::DemoTrading;
        assert_eq!(d.rest_url(), "https://api-demo.bybit.com");
        assert_eq!(d.public_ws_url(Category::Linear), "wss://stream.bybit.com/v5/public/linear");
        assert_eq!(d.private_ws_url(), "wss://stream-demo.bybit.com/v5/private");
        assert_eq!(Environment::Testnet.public_ws_url(Category::Spot), "wss://stream-testnet.bybit.com/v5/public/spot");
        let m = Environment::custom("http://127.0.0.1:9100/");
        assert_eq!(m.rest_url(), "http://127.0.0.1:9100");
        assert_eq!(m.private_ws_url(), "ws://127.0.0.1:9100/v5/private");
    }
}
