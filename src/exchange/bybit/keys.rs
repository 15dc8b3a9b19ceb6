//! API key loading and the start-up permission check.
//!
//! Keys come from `BYBIT_API_KEY` / `BYBIT_API_SECRET`, or from a key file of `KEY=value`
//! lines (`BYBIT_API_KEY`/`api_key`, `BYBIT_API_SECRET`/`api_secret`; `#` comments). On unix a
//! key file that group or others may read is refused. The secret never reaches a log line or a
//! `Debug` output ([`Credentials`] redacts it).

use super::sign::Credentials;
use super::wire::{ApiKeyInfo, Category};
use std::path::{Path, PathBuf};

pub const ENV_API_KEY: &str = "BYBIT_API_KEY";
pub const ENV_API_SECRET: &str = "BYBIT_API_SECRET";

/// Why keys could not be loaded or may not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("no Bybit API key: set BYBIT_API_KEY and BYBIT_API_SECRET, or give a key file")]
    Missing,
    #[error("only one of BYBIT_API_KEY and BYBIT_API_SECRET is set")]
    Incomplete,
    #[error("cannot read key file {}: {msg}", path.display())]
    Read { path: PathBuf, msg: String },
    #[error(
        "key file {} is readable by group or others (mode {mode:o}); run `chmod 600 {}` first",
        path.display(),
        path.display()
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("key file {}, line {line}: {msg}", path.display())]
    Parse { path: PathBuf, line: usize, msg: String },
    #[error("the API key has no permission to trade {category} (permissions: {permissions}); enable it on Bybit or run watch-only")]
    NoTradePermission { category: &'static str, permissions: String },
}

/// Reads credentials from the environment (through `env`, for testability) or, when the
/// variables are absent, from `key_file`.
pub fn load_credentials(
    env: impl Fn(&str) -> Option<String>,
    key_file: Option<&Path>,
) -> Result<Credentials, KeyError> {
    let key = env(ENV_API_KEY).filter(|v| !v.trim().is_empty());
    let secret = env(ENV_API_SECRET).filter(|v| !v.trim().is_empty());
    match (key, secret) {
        (Some(k), Some(s)) => return Ok(Credentials::new(k.trim(), s.trim())),
        (Some(_), None) | (None, Some(_)) => return Err(KeyError::Incomplete),
        (None, None) => {}
    }
    match key_file {
        Some(p) => load_key_file(p),
        None => Err(KeyError::Missing),
    }
}

/// Refuses a file that group or others can read (unix); elsewhere no check is possible.
pub fn check_key_file_mode(path: &Path) -> Result<(), KeyError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta =
            std::fs::metadata(path).map_err(|e| KeyError::Read { path: path.to_path_buf(), msg: e.to_string() })?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::TooOpen { path: path.to_path_buf(), mode });
        }
    }
    Ok(())
}

/// Loads a key file (see the module doc for the format).
pub fn load_key_file(path: &Path) -> Result<Credentials, KeyError> {
    check_key_file_mode(path)?;
    let text =
        std::fs::read_to_string(path).map_err(|e| KeyError::Read { path: path.to_path_buf(), msg: e.to_string() })?;
    let (mut key, mut secret) = (None, None);
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            return Err(KeyError::Parse { path: path.to_path_buf(), line: n + 1, msg: "expected NAME=value".into() });
        };
        let value = value.trim().trim_matches('"').to_string();
        match name.trim() {
            "BYBIT_API_KEY" | "api_key" => key = Some(value),
            "BYBIT_API_SECRET" | "api_secret" => secret = Some(value),
            other => {
                // Never echo the line: it may hold the secret under a misspelt name.
                return Err(KeyError::Parse {
                    path: path.to_path_buf(),
                    line: n + 1,
                    msg: format!("unknown name `{}`", other.chars().take(32).collect::<String>()),
                });
            }
        }
    }
    match (key.filter(|k| !k.is_empty()), secret.filter(|s| !s.is_empty())) {
        (Some(k), Some(s)) => Ok(Credentials::new(k, s)),
        _ => {
            Err(KeyError::Parse { path: path.to_path_buf(), line: 0, msg: "needs both api_key and api_secret".into() })
        }
    }
}

/// What the key allows us to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessMode {
    /// Orders allowed.
    Trade,
    /// Read-only key: market data, account view, no orders.
    WatchOnly,
}

/// The verdict of the start-up permission check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyAccess {
    pub mode: AccessMode,
    /// Things the operator should fix (withdraw permission, no IP binding).
    pub warnings: Vec<String>,
}

/// Judges `/v5/user/query-api`: read-only → watch-only; withdraw permission or no IP binding
/// → warnings; read-write without the trade permission for `category` → error.
pub fn check_permissions(info: &ApiKeyInfo, category: Category) -> Result<KeyAccess, KeyError> {
    let mut warnings = Vec::new();
    if info.can_withdraw() {
        warnings.push("API key has the withdraw permission: a trading key should not".to_string());
    }
    if info.is_ip_unbound() {
        warnings.push("API key is not bound to an IP address: bind it on Bybit".to_string());
    }
    if info.is_read_only() {
        return Ok(KeyAccess { mode: AccessMode::WatchOnly, warnings });
    }
    let can_trade = match category {
        Category::Spot => info.can_trade_spot(),
        _ => info.can_trade_linear(),
    };
    if !can_trade {
        let permissions = info
            .permissions
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}: {}", v.join("/")))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(KeyError::NoTradePermission { category: category.as_str(), permissions });
    }
    Ok(KeyAccess { mode: AccessMode::Trade, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn info(read_only: i64, perms: &[(&str, &[&str])], ips: &[&str]) -> ApiKeyInfo {
        let mut p = BTreeMap::new();
        for (k, v) in perms {
            p.insert(k.to_string(), v.iter().map(|s| s.to_string()).collect());
        }
        ApiKeyInfo {
            api_key: "K".into(),
            read_only,
            permissions: p,
            ips: ips.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn permission_verdicts() {
        let ok = info(0, &[("ContractTrade", &["Order", "Position"])], &["1.2.3.4"]);
        assert_eq!(
            check_permissions(&ok, Category::Linear).unwrap(),
            KeyAccess { mode: AccessMode::Trade, warnings: vec![] }
        );
        let ro = info(1, &[("ContractTrade", &["Order"])], &["1.2.3.4"]);
        assert_eq!(check_permissions(&ro, Category::Linear).unwrap().mode, AccessMode::WatchOnly);
        let risky = info(0, &[("ContractTrade", &["Order"]), ("Wallet", &["Withdraw"])], &["*"]);
        let a = check_permissions(&risky, Category::Linear).unwrap();
        assert_eq!(a.warnings.len(), 2, "{:?}", a.warnings);
        let spot_only = info(0, &[("Spot", &["SpotTrade"])], &["1.2.3.4"]);
        let e = check_permissions(&spot_only, Category::Linear).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the API key has no permission to trade linear (permissions: Spot: SpotTrade); enable it on Bybit or run watch-only"
        );
        assert!(check_permissions(&spot_only, Category::Spot).is_ok());
    }

    #[test]
    fn env_wins_and_must_be_complete() {
        let env = |n: &str| match n {
            ENV_API_KEY => Some("KEY1".to_string()),
            ENV_API_SECRET => Some("SECRET1".to_string()),
            _ => None,
        };
        let c = load_credentials(env, None).unwrap();
        assert_eq!((c.api_key.as_str(), c.expose_secret()), ("KEY1", "SECRET1"));
        let half = |n: &str| if n == ENV_API_KEY { Some("K".to_string()) } else { None };
        assert_eq!(load_credentials(half, None).unwrap_err(), KeyError::Incomplete);
        assert_eq!(load_credentials(|_| None, None).unwrap_err(), KeyError::Missing);
    }
}
