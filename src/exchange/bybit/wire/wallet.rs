//! Wallet balance objects (REST `wallet-balance` list and the `wallet` topic) and their
//! conversion to and from the domain `Balance`.

use super::num::opt;
use super::WireError;
use crate::domain::{Balance, Money, Rate};
use serde::{Deserialize, Serialize};

/// One account of the wallet balance (`result.list[]`, `wallet` topic `data[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletAccount {
    #[serde(default)]
    pub account_type: String,
    #[serde(default, with = "opt")]
    pub total_equity: Option<Money>,
    #[serde(default, with = "opt")]
    pub total_wallet_balance: Option<Money>,
    #[serde(default, with = "opt")]
    pub total_margin_balance: Option<Money>,
    #[serde(default, with = "opt")]
    pub total_available_balance: Option<Money>,
    #[serde(default, with = "opt", rename = "totalPerpUPL")]
    pub total_perp_upl: Option<Money>,
    #[serde(default, with = "opt")]
    pub total_initial_margin: Option<Money>,
    #[serde(default, with = "opt")]
    pub total_maintenance_margin: Option<Money>,
    #[serde(default, with = "opt", rename = "accountIMRate")]
    pub account_im_rate: Option<Rate>,
    #[serde(default, with = "opt", rename = "accountMMRate")]
    pub account_mm_rate: Option<Rate>,
    #[serde(default)]
    pub coin: Vec<WalletCoin>,
}

/// One coin of a wallet account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletCoin {
    pub coin: String,
    #[serde(default, with = "opt")]
    pub equity: Option<Money>,
    #[serde(default, with = "opt")]
    pub usd_value: Option<Money>,
    #[serde(default, with = "opt")]
    pub wallet_balance: Option<Money>,
    #[serde(default, with = "opt")]
    pub locked: Option<Money>,
    #[serde(default, with = "opt", rename = "totalOrderIM")]
    pub total_order_im: Option<Money>,
    #[serde(default, with = "opt", rename = "totalPositionIM")]
    pub total_position_im: Option<Money>,
    #[serde(default, with = "opt", rename = "totalPositionMM")]
    pub total_position_mm: Option<Money>,
    #[serde(default, with = "opt")]
    pub unrealised_pnl: Option<Money>,
    #[serde(default, with = "opt")]
    pub cum_realised_pnl: Option<Money>,
    #[serde(default, with = "opt")]
    pub available_to_withdraw: Option<Money>,
}

impl WalletAccount {
    /// The balance of `coin` (the settlement coin, `USDT`). `available` is the account's
    /// `totalAvailableBalance` (cross margin free margin), else wallet minus margin in use.
    pub fn to_balance(&self, coin: &str, ts_ms: i64) -> Result<Balance, WireError> {
        let c = self
            .coin
            .iter()
            .find(|c| c.coin == coin)
            .ok_or_else(|| WireError::value("wallet", format!("no `{coin}` coin in the account")))?;
        let z = Money::ZERO;
        let wallet = c.wallet_balance.unwrap_or(z);
        let overflow = || WireError::value("wallet", format!("`{coin}` margin values out of range"));
        let used = c.total_position_im.unwrap_or(z).checked_add(c.total_order_im.unwrap_or(z)).ok_or_else(overflow)?;
        let available = match self.total_available_balance {
            Some(a) => a,
            None => wallet.checked_sub(used).ok_or_else(overflow)?,
        };
        Ok(Balance {
            wallet_balance: wallet,
            equity: c.equity.unwrap_or(wallet),
            available,
            used_margin: used,
            unrealised_pnl: c.unrealised_pnl.unwrap_or(z),
            ts_ms,
        })
    }

    /// A unified account holding one coin, for the mock.
    pub fn from_balance(b: &Balance, coin: &str) -> WalletAccount {
        WalletAccount {
            account_type: "UNIFIED".into(),
            total_equity: Some(b.equity),
            total_wallet_balance: Some(b.wallet_balance),
            total_margin_balance: Some(b.equity),
            total_available_balance: Some(b.available),
            total_perp_upl: Some(b.unrealised_pnl),
            total_initial_margin: Some(b.used_margin),
            total_maintenance_margin: None,
            account_im_rate: None,
            account_mm_rate: None,
            coin: vec![WalletCoin {
                coin: coin.to_string(),
                equity: Some(b.equity),
                usd_value: Some(b.equity),
                wallet_balance: Some(b.wallet_balance),
                locked: Some(Money::ZERO),
                total_order_im: Some(Money::ZERO),
                total_position_im: Some(b.used_margin),
                total_position_mm: None,
                unrealised_pnl: Some(b.unrealised_pnl),
                cum_realised_pnl: None,
                available_to_withdraw: None,
            }],
        }
    }
}
