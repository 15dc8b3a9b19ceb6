//! Which venue a run trades on (`--venue`), where it is (`--exchange-url`), and the rule for
//! real money: mainnet orders only with `--live` plus a confirmation, otherwise watch-only.

use crate::exchange::bybit::env::Environment;
use std::path::PathBuf;

/// The venues a run can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VenueKind {
    /// In-process generator (or CSV replay) and simulated fills.
    #[default]
    Demo,
    /// Live public data (mainnet, or the mock with `--exchange-url`), simulated fills.
    Paper,
    Testnet,
    /// Bybit's mainnet demo trading (paper money on mainnet prices).
    DemoTrading,
    Mainnet,
    /// `autobot mock-exchange` (needs `--exchange-url`).
    Mock,
}

impl VenueKind {
    pub const NAMES: [&'static str; 6] = ["demo", "paper", "testnet", "demo-trading", "mainnet", "mock"];

    pub fn parse(s: &str) -> Result<VenueKind, String> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "demo" => VenueKind::Demo,
            "paper" => VenueKind::Paper,
            "testnet" => VenueKind::Testnet,
            "demo-trading" | "demotrading" => VenueKind::DemoTrading,
            "mainnet" => VenueKind::Mainnet,
            "mock" => VenueKind::Mock,
            other => return Err(format!("unknown venue `{other}`; use one of {}", Self::NAMES.join(", "))),
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            VenueKind::Demo => "demo",
            VenueKind::Paper => "paper",
            VenueKind::Testnet => "testnet",
            VenueKind::DemoTrading => "demo-trading",
            VenueKind::Mainnet => "mainnet",
            VenueKind::Mock => "mock",
        }
    }

    /// Orders go to an exchange over REST (not to the in-process simulator).
    pub fn sends_orders(self) -> bool {
        matches!(self, VenueKind::Testnet | VenueKind::DemoTrading | VenueKind::Mainnet | VenueKind::Mock)
    }

    /// The exchange for this venue; `url` (`--exchange-url`) replaces the built-in hosts. `None`
    /// for the demo venue, which needs no network.
    pub fn environment(self, url: Option<&str>) -> Result<Option<Environment>, String> {
        if let Some(u) = url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(format!("--exchange-url must start with http:// or https://, got `{u}`"));
            }
        }
        Ok(match (self, url) {
            (VenueKind::Demo, _) => None,
            (_, Some(u)) => Some(Environment::custom(u)),
            (VenueKind::Mock, None) => {
                return Err(
                    "--venue mock needs --exchange-url http://127.0.0.1:PORT (see `autobot mock-exchange`)".into()
                )
            }
            (VenueKind::Paper | VenueKind::Mainnet, None) => Some(Environment::Mainnet),
            (VenueKind::Testnet, None) => Some(Environment::Testnet),
            (VenueKind::DemoTrading, None) => Some(Environment::DemoTrading),
        })
    }
}

/// The venue flags of a run.
#[derive(Debug, Clone, Default)]
pub struct VenueOptions {
    pub kind: VenueKind,
    /// `--exchange-url`: REST base; WebSocket URLs on the same host.
    pub exchange_url: Option<String>,
    /// `--key-file` (refused when group or others can read it).
    pub key_file: Option<PathBuf>,
    /// `--live`: the operator asks for real-money orders on mainnet.
    pub live: bool,
    /// The operator confirmed real money (typed `LIVE`, or the explicit headless flag).
    pub confirmed: bool,
}

/// Whether the run may send orders, before the key's permissions are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderGate {
    Trade,
    /// Orders are answered `Rejected` locally; the reason is shown as an alert.
    WatchOnly(String),
}

impl VenueOptions {
    /// Mainnet trades only with `--live` and a confirmation; every other venue may trade.
    pub fn gate(&self) -> OrderGate {
        if self.kind != VenueKind::Mainnet {
            return OrderGate::Trade;
        }
        match (self.live, self.confirmed) {
            (true, true) => OrderGate::Trade,
            (false, _) => OrderGate::WatchOnly(
                "mainnet without --live: watch-only, no order is sent (add --live to trade real money)".into(),
            ),
            (true, false) => OrderGate::WatchOnly(
                "mainnet --live was not confirmed: watch-only, no order is sent \
                 (type LIVE at the prompt, or pass --yes-i-know-this-is-real-money with --headless)"
                    .into(),
            ),
        }
    }

    /// Orders reach real money.
    pub fn real_money(&self) -> bool {
        self.kind == VenueKind::Mainnet && self.gate() == OrderGate::Trade
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_is_named() {
        for n in VenueKind::NAMES {
            assert_eq!(VenueKind::parse(n).unwrap().name(), n);
        }
        assert_eq!(VenueKind::parse(" Mainnet ").unwrap(), VenueKind::Mainnet);
        let e = VenueKind::parse("binance").unwrap_err();
        assert!(e.starts_with("unknown venue `binance`; use one of demo, paper"), "{e}");
        assert!(VenueKind::Mock.sends_orders() && !VenueKind::Paper.sends_orders() && !VenueKind::Demo.sends_orders());
    }

    #[test]
    fn environments_and_the_mock_url() {
        assert_eq!(VenueKind::Demo.environment(Some("http://x:1")).unwrap(), None);
        assert_eq!(VenueKind::Paper.environment(None).unwrap(), Some(Environment::Mainnet));
        assert_eq!(VenueKind::Testnet.environment(None).unwrap(), Some(Environment::Testnet));
        let m = VenueKind::Mock.environment(Some("http://127.0.0.1:9100")).unwrap().unwrap();
        assert_eq!(m.rest_url(), "http://127.0.0.1:9100");
        assert_eq!(m.private_ws_url(), "ws://127.0.0.1:9100/v5/private");
        assert!(VenueKind::Mock.environment(None).unwrap_err().contains("--exchange-url"));
        assert!(VenueKind::Mock.environment(Some("127.0.0.1:9100")).unwrap_err().contains("http://"));
    }

    #[test]
    fn mainnet_needs_live_and_a_confirmation() {
        let o = |kind, live, confirmed| VenueOptions { kind, live, confirmed, ..Default::default() };
        assert_eq!(o(VenueKind::Mock, false, false).gate(), OrderGate::Trade);
        assert_eq!(o(VenueKind::Testnet, false, false).gate(), OrderGate::Trade);
        assert!(
            matches!(o(VenueKind::Mainnet, false, true).gate(), OrderGate::WatchOnly(m) if m.contains("without --live"))
        );
        assert!(
            matches!(o(VenueKind::Mainnet, true, false).gate(), OrderGate::WatchOnly(m) if m.contains("not confirmed"))
        );
        assert_eq!(o(VenueKind::Mainnet, true, true).gate(), OrderGate::Trade);
        assert!(o(VenueKind::Mainnet, true, true).real_money());
        assert!(!o(VenueKind::Mainnet, true, false).real_money() && !o(VenueKind::Testnet, true, true).real_money());
    }
}
