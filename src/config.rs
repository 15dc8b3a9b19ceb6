//! TOML settings: defaults that work, unknown keys refused with their name, platform paths,
//! and writing the file back (the UI's "save parameters"). `params` edits a mode's settings.

pub mod params;

use crate::risk::RiskConfig;
use crate::strategy::TrendConfig;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("cannot write config {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// Replay/generator speed: a multiple of real time, or as fast as the CPU allows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    Times(f64),
    Max,
}

/// As the config spells it: a number, or `"max"` (so a saved file reads back).
impl Serialize for Speed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Speed::Times(x) => s.serialize_f64(*x),
            Speed::Max => s.serialize_str("max"),
        }
    }
}

impl std::str::FromStr for Speed {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("max") {
            return Ok(Speed::Max);
        }
        let t = t.strip_suffix('x').unwrap_or(t);
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => Ok(Speed::Times(v)),
            _ => Err(format!("speed must be a positive number or `max`, got `{s}`")),
        }
    }
}

impl<'de> Deserialize<'de> for Speed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(f64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Num(v) => format!("{v}").parse().map_err(serde::de::Error::custom),
            Raw::Text(s) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GeneralConfig {
    /// Venue to trade on: `demo` (built-in market and simulated exchange).
    pub venue: String,
    /// SQLite file; empty means `autobot.db` in the platform data directory.
    pub db: String,
    /// `error`, `warn`, `info`, `debug` or `trace`.
    pub log_level: String,
    /// Folder for the rolling log file; empty means the platform state/data directory.
    pub log_dir: String,
}

impl Default for GeneralConfig {
    fn default() -> Self {
        Self { venue: "demo".into(), db: String::new(), log_level: "info".into(), log_dir: String::new() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DemoConfig {
    pub seed: u64,
    pub speed: Speed,
    pub symbols: Vec<String>,
    /// Trades and book updates generated inside each minute (0 = candles and tickers only).
    pub intra_minute_steps: u32,
    /// Starting USDT balance of the paper account.
    pub initial_balance: f64,
    /// Market hours played at full speed before the `speed` pacing starts, so the indicators
    /// and the regime analysis are warm when the trader starts watching (0 = paced from the
    /// first candle). Applies to the generator and to `--data` replays.
    pub fast_forward_hours: f64,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            speed: Speed::Times(60.0),
            symbols: vec!["BTCUSDT".into(), "ETHUSDT".into()],
            intra_minute_steps: 6,
            initial_balance: 10_000.0,
            fast_forward_hours: 24.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimSettings {
    pub maker_fee: f64,
    pub taker_fee: f64,
    pub slippage_bps: u32,
    pub leverage: f64,
    pub maintenance_margin_rate: f64,
    pub latency_ms: i64,
}

impl Default for SimSettings {
    fn default() -> Self {
        Self {
            maker_fee: 0.0002,
            taker_fee: 0.00055,
            slippage_bps: 1,
            leverage: 10.0,
            maintenance_margin_rate: 0.005,
            latency_ms: 0,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StrategyConfig {
    /// Which strategy trades: `modes` (the five regime modes with the mode switcher) or `ema`
    /// (the EMA-cross trend follower of `[strategy.trend]` alone).
    pub engine: StrategyEngine,
    pub trend: TrendConfig,
    pub modes: crate::strategy::ModesConfig,
}

/// The strategy engine the config selects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StrategyEngine {
    #[default]
    Modes,
    Ema,
}

/// Indicators and market analysis (`[analysis]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnalysisSettings {
    /// Run the indicator set and the regime classifier on every closed candle (the regime modes
    /// need it).
    pub enabled: bool,
    /// `default` or `advanced` (adds order flow, open interest, funding and liquidation analysis).
    pub indicator_set: crate::indicators::SetKind,
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        Self { enabled: true, indicator_set: crate::indicators::SetKind::Default }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiSettings {
    /// Redraws per second at most.
    pub max_fps: u32,
    /// Keys by action name, several separated by spaces (`quit = "q ctrl-q"`). The defaults are
    /// every binding of `ui::Keymap::default()`; an action left out keeps its default keys.
    pub keys: BTreeMap<String, String>,
}

impl Default for UiSettings {
    fn default() -> Self {
        let keys = crate::ui::Keymap::default().config_table().into_iter().map(|(a, k)| (a.to_string(), k)).collect();
        Self { max_fps: 30, keys }
    }
}

/// Order execution settings (`[execution]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExecutionSettings {
    /// `[execution.rebalance]`: target weights, schedule and band.
    #[serde(skip_serializing_if = "crate::execution::RebalanceConfig::is_off")]
    pub rebalance: crate::execution::RebalanceConfig,
}

/// The whole configuration file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub general: GeneralConfig,
    pub demo: DemoConfig,
    pub sim: SimSettings,
    pub strategy: StrategyConfig,
    pub analysis: AnalysisSettings,
    pub risk: RiskConfig,
    pub execution: ExecutionSettings,
    pub ui: UiSettings,
}

impl Config {
    /// Parses TOML text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text.as_bytes()[..s.start.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1);
            let msg = e.message().replace("unknown field", "unknown key");
            let message = match line {
                Some(l) => format!("line {l}: {msg}"),
                None => msg,
            };
            ConfigError::Parse { path: path.to_path_buf(), message }
        })?;
        config.validate().map_err(|message| ConfigError::Invalid { path: path.to_path_buf(), message })?;
        Ok(config)
    }

    /// Reads `path`, or the platform default file when it exists, or the defaults.
    pub fn load(path: Option<&Path>) -> Result<(Config, Option<PathBuf>), ConfigError> {
        let chosen = match path {
            Some(p) => Some(p.to_path_buf()),
            None => default_config_path().filter(|p| p.exists()),
        };
        match chosen {
            Some(p) => {
                let text =
                    std::fs::read_to_string(&p).map_err(|source| ConfigError::Read { path: p.clone(), source })?;
                Ok((Config::parse(&text, &p)?, Some(p)))
            }
            None => Ok((Config::default(), None)),
        }
    }

    /// The whole config as TOML text (what `save` writes; comments of the old file are not kept).
    pub fn to_toml(&self, path: &Path) -> Result<String, ConfigError> {
        toml::to_string(self).map_err(|e| ConfigError::Invalid { path: path.to_path_buf(), message: e.to_string() })
    }

    /// Writes the config to `path` atomically (a temporary file in the same folder, renamed over
    /// it); an existing file is kept as `<path>.bak`. Returns the backup's path when one was made.
    pub fn save(&self, path: &Path) -> Result<Option<PathBuf>, ConfigError> {
        let text = self.to_toml(path)?;
        // What is written must load back: never replace a working file with one that does not.
        Config::parse(&text, path)?;
        let write_err = |source| ConfigError::Write { path: path.to_path_buf(), source };
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(write_err)?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "config.toml".into());
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let result = (|| {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            let backup = if path.exists() {
                let bak = dir.join(format!("{name}.bak"));
                std::fs::copy(path, &bak)?;
                Some(bak)
            } else {
                None
            };
            std::fs::rename(&tmp, path)?;
            Ok(backup)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map_err(write_err)
    }

    /// Cross-field checks; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        self.strategy.modes.validate().map_err(|e| format!("strategy.modes: {e}"))?;
        if self.strategy.engine == StrategyEngine::Modes && !self.analysis.enabled {
            return Err("strategy.engine = \"modes\" needs analysis.enabled = true".into());
        }
        if self.general.venue != "demo" {
            return Err(format!(
                "general.venue `{}` is not available yet; this build supports `demo`",
                self.general.venue
            ));
        }
        if !["error", "warn", "info", "debug", "trace"].contains(&self.general.log_level.as_str()) {
            return Err(format!(
                "general.log_level `{}` must be error, warn, info, debug or trace",
                self.general.log_level
            ));
        }
        if self.demo.symbols.is_empty() {
            return Err("demo.symbols must name at least one symbol".into());
        }
        for s in &self.demo.symbols {
            crate::domain::Symbol::new(s).map_err(|e| format!("demo.symbols: {e}"))?;
        }
        let ff = self.demo.fast_forward_hours;
        if !(ff.is_finite() && (0.0..=8_760.0).contains(&ff)) {
            return Err(format!("demo.fast_forward_hours must be within [0, 8760], got {ff}"));
        }
        if self.strategy.engine == StrategyEngine::Modes {
            self.strategy.modes.hedge.check_symbol(&self.demo.symbols)?;
        } else if self.strategy.modes.hedge.position_mode == crate::domain::PositionMode::Hedge {
            // The venue would hold the symbols in hedge mode and the EMA follower's orders (idx 0) be refused.
            return Err("strategy.modes.hedge.position_mode = \"hedge\" needs strategy.engine = \"modes\" \
                        (the EMA follower trades one-way)"
                .into());
        }
        if !(self.demo.initial_balance.is_finite() && self.demo.initial_balance > 0.0) {
            return Err(format!("demo.initial_balance must be positive, got {}", self.demo.initial_balance));
        }
        let fee_ok = |v: f64| v.is_finite() && (-0.01..=0.01).contains(&v);
        if !fee_ok(self.sim.maker_fee) || !fee_ok(self.sim.taker_fee) {
            return Err("sim.maker_fee and sim.taker_fee must be within [-0.01, 0.01]".into());
        }
        if !(self.sim.leverage.is_finite() && self.sim.leverage >= 1.0 && self.sim.leverage <= 100.0) {
            return Err(format!("sim.leverage must be in [1, 100], got {}", self.sim.leverage));
        }
        if !(self.sim.maintenance_margin_rate.is_finite() && (0.0..0.5).contains(&self.sim.maintenance_margin_rate)) {
            return Err("sim.maintenance_margin_rate must be in [0, 0.5)".into());
        }
        if self.sim.latency_ms < 0 {
            return Err("sim.latency_ms must not be negative".into());
        }
        if self.ui.max_fps == 0 || self.ui.max_fps > 120 {
            return Err(format!("ui.max_fps must be in 1..=120, got {}", self.ui.max_fps));
        }
        let keys: Vec<(String, String)> = self.ui.keys.iter().map(|(a, k)| (a.clone(), k.clone())).collect();
        crate::ui::validate_keymap_overrides(&keys).map_err(|e| format!("ui.keys: {e}"))?;
        self.strategy.trend.validate()?;
        self.risk.validate()?;
        self.execution.rebalance.validate(&self.demo.symbols, self.risk.max_leverage)?;
        Ok(())
    }
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "autobot")
}

/// `config.toml` in the platform's config directory.
pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// `autobot.db` in the platform's data directory.
pub fn default_db_path() -> PathBuf {
    project_dirs().map(|d| d.data_dir().join("autobot.db")).unwrap_or_else(|| PathBuf::from("autobot.db"))
}

/// Folder of the rolling log files.
pub fn default_log_dir() -> PathBuf {
    project_dirs()
        .map(|d| d.state_dir().unwrap_or(d.data_local_dir()).join("logs"))
        .unwrap_or_else(|| PathBuf::from("logs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_parses_and_equals_the_defaults() {
        let text = include_str!("../config.example.toml");
        let parsed = Config::parse(text, Path::new("config.example.toml")).unwrap();
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn a_hedge_symbol_must_be_traded() {
        let text = "[strategy.modes.hedge]\nsymbol = \"SOLUSDT\"\nmin_correlation = 0.6\n";
        let e = Config::parse(text, Path::new("c.toml")).unwrap_err().to_string();
        assert!(
            e.contains("strategy.modes.hedge.symbol `SOLUSDT` is not traded by this run (symbols: BTCUSDT, ETHUSDT)"),
            "{e}"
        );
        let text = "[strategy.modes.hedge]\nsymbol = \"ETHUSDT\"\nmin_correlation = 0.6\n";
        let c = Config::parse(text, Path::new("c.toml")).unwrap();
        assert_eq!(c.strategy.modes.hedge.min_correlation, 0.6);
        // The EMA follower runs no hedge mode: nothing to check.
        let text = "[strategy]\nengine = \"ema\"\n[strategy.modes.hedge]\nsymbol = \"SOLUSDT\"\n";
        assert!(Config::parse(text, Path::new("c.toml")).is_ok());
    }

    #[test]
    fn position_mode_defaults_to_one_way_and_is_checked() {
        let c = Config::parse("", Path::new("c.toml")).unwrap();
        assert_eq!(c.strategy.modes.hedge.position_mode, crate::domain::PositionMode::OneWay);
        let c = Config::parse("[strategy.modes.hedge]\nposition_mode = \"hedge\"\n", Path::new("c.toml")).unwrap();
        assert_eq!(c.strategy.modes.hedge.position_mode, crate::domain::PositionMode::Hedge);
        let e = Config::parse("[strategy.modes.hedge]\nposition_mode = \"both\"\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("position_mode") || e.contains("unknown variant `both`"), "{e}");
        assert!(e.contains("one-way") && e.contains("hedge"), "{e}");
        let text = "[strategy]\nengine = \"ema\"\n[strategy.modes.hedge]\nposition_mode = \"hedge\"\n";
        let e = Config::parse(text, Path::new("c.toml")).unwrap_err().to_string();
        assert!(e.contains("position_mode = \"hedge\" needs strategy.engine = \"modes\""), "{e}");
        println!("{e}");
    }

    #[test]
    fn key_bindings_are_checked_and_partial_tables_keep_defaults() {
        let e = Config::parse("[ui.keys]\nquit = \"ctrl-\"\n", Path::new("c.toml")).unwrap_err().to_string();
        assert!(e.contains("ui.keys: cannot read key `ctrl-`"), "{e}");
        let e = Config::parse("[ui.keys]\nfly = \"f\"\n", Path::new("c.toml")).unwrap_err().to_string();
        assert!(e.contains("unknown key action `fly`"), "{e}");
        // A table with one entry replaces the defaults map (serde), but the keymap keeps the rest.
        let c = Config::parse("[ui.keys]\nquit = \"x\"\n", Path::new("c.toml")).unwrap();
        assert_eq!(c.ui.keys.len(), 1);
    }

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let text = "[general]\nvenue = \"demo\"\n\n[risk]\nmax_lev = 3\n";
        let e = Config::parse(text, Path::new("c.toml")).unwrap_err().to_string();
        assert!(e.starts_with("config c.toml: line 5: unknown key `max_lev`"), "{e}");
        let e = Config::parse("[bogus]\n", Path::new("c.toml")).unwrap_err().to_string();
        assert!(e.contains("unknown key `bogus`"), "{e}");
    }

    #[test]
    fn rebalance_section_reads_and_refuses_bad_values_with_their_line() {
        let text = "[execution.rebalance]\ntargets = { BTCUSDT = 0.3, ETHUSDT = -0.1 }\nevery = \"1d\"\nband = 0.05\n";
        let c = Config::parse(text, Path::new("c.toml")).unwrap();
        let r = &c.execution.rebalance;
        let rate = |s: &str| s.parse::<crate::domain::Rate>().unwrap();
        let btc = crate::domain::Symbol::new("BTCUSDT").unwrap();
        let eth = crate::domain::Symbol::new("ETHUSDT").unwrap();
        assert_eq!(r.target_list(), vec![(btc, rate("0.3")), (eth, rate("-0.1"))]);
        assert_eq!(r.every.map(|e| e.ms()), Some(86_400_000));
        assert_eq!(r.band, rate("0.05"));
        // Each accepted interval; no `every`: no schedule.
        for (every, ms) in [("15m", 900_000), ("1h", 3_600_000), ("4h", 14_400_000), ("1w", 604_800_000)] {
            let text = format!("[execution.rebalance]\ntargets = {{ BTCUSDT = 0.1 }}\nevery = \"{every}\"\n");
            let c = Config::parse(&text, Path::new("c.toml")).unwrap();
            assert_eq!(c.execution.rebalance.every.map(|e| e.ms()), Some(ms));
        }
        let c = Config::parse("[execution.rebalance]\ntargets = { BTCUSDT = 0.1 }\n", Path::new("c")).unwrap();
        assert_eq!((c.execution.rebalance.every, c.execution.rebalance.band), (None, crate::domain::Rate::ZERO));
        // Bad values and unknown keys: the file, the line and the key or value.
        let bad = [
            ("[execution.rebalance]\ntargets = { BTCUSDT = 0.1 }\nevery = \"2h\"\n", "line 3", "unknown variant `2h`"),
            ("[execution.rebalance]\n\ntargets = { BTCUSDT = 12 }\n", "line 3", "within [-10, 10], got 12"),
            (
                "[execution.rebalance]\ntargets = { BTCUSDT = 0.1 }\nband = -0.1\n",
                "line 3",
                "band must be within [0, 1]",
            ),
            ("[execution.rebalance]\ntargets = { BTCUSDT = 0.1 }\nbands = 0.1\n", "line 3", "unknown key `bands`"),
            ("[execution]\nrebalanse = 1\n", "line 2", "unknown key `rebalanse`"),
            ("[execution.rebalance]\ntargets = { BTCUSDT = \"lots\" }\n", "line 2", "lots"),
        ];
        for (text, line, what) in bad {
            let e = Config::parse(text, Path::new("c.toml")).unwrap_err().to_string();
            assert!(e.starts_with(&format!("config c.toml: {line}: ")), "{e}");
            assert!(e.contains(what), "{e}");
        }
        // Cross-field: a symbol this run does not trade; weights above the leverage cap.
        let e = Config::parse("[execution.rebalance]\ntargets = { SOLUSDT = 0.1 }\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("execution.rebalance.targets: `SOLUSDT` is not traded by this run"), "{e}");
        let text = "[risk]\nmax_leverage = 2.0\n[execution.rebalance]\ntargets = { BTCUSDT = 1.5, ETHUSDT = -0.75 }\n";
        let e = Config::parse(text, Path::new("c.toml")).unwrap_err().to_string();
        assert!(e.contains("the weights add up to 2.25x equity, above risk.max_leverage 2x"), "{e}");
        let e = Config::parse("[execution.rebalance]\nevery = \"1h\"\n", Path::new("c.toml")).unwrap_err().to_string();
        assert!(e.contains("execution.rebalance.every needs execution.rebalance.targets"), "{e}");
        // Saved and read back.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        let c = Config::parse(text.replace("2.0", "3.0").as_str(), Path::new("c.toml")).unwrap();
        c.save(&path).unwrap();
        assert_eq!(Config::load(Some(&path)).unwrap().0, c);
    }

    #[test]
    fn save_writes_a_file_that_loads_back_and_keeps_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf").join("autobot.toml");
        let mut config = Config::default();
        config.demo.speed = Speed::Max;
        // Nothing there yet: no backup.
        assert_eq!(config.save(&path).unwrap(), None);
        assert_eq!(Config::load(Some(&path)).unwrap().0, config);
        // Second save: the first file becomes `autobot.toml.bak`, the new value is read back.
        let first = std::fs::read_to_string(&path).unwrap();
        config.strategy.modes.trend.pullback_atr = 1.2;
        config.demo.speed = Speed::Times(120.0);
        let bak = config.save(&path).unwrap().unwrap();
        assert_eq!(bak, dir.path().join("conf").join("autobot.toml.bak"));
        assert_eq!(std::fs::read_to_string(&bak).unwrap(), first);
        let (loaded, _) = Config::load(Some(&path)).unwrap();
        assert_eq!(loaded.strategy.modes.trend.pullback_atr, 1.2);
        assert_eq!(loaded, config);
        // No temporary file is left behind.
        let names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        // A config that would not load back is not written.
        config.ui.max_fps = 0;
        assert!(config.save(&path).unwrap_err().to_string().contains("ui.max_fps"));
        assert_eq!(Config::load(Some(&path)).unwrap().0.ui.max_fps, 30);
    }

    #[test]
    fn bad_values_are_refused_with_the_key() {
        let e = Config::parse("[risk]\nrisk_per_trade = 0.5\n", Path::new("c.toml")).unwrap_err().to_string();
        assert!(e.contains("risk.risk_per_trade must be in (0, 0.2], got 0.5"), "{e}");
        let e = Config::parse("[demo]\nspeed = \"fast\"\n", Path::new("c.toml")).unwrap_err().to_string();
        assert!(e.contains("speed must be a positive number or `max`"), "{e}");
        assert_eq!(Config::parse("[demo]\nspeed = \"max\"\n", Path::new("c")).unwrap().demo.speed, Speed::Max);
        assert_eq!(Config::parse("[demo]\nspeed = 120\n", Path::new("c")).unwrap().demo.speed, Speed::Times(120.0));
        assert!(Config::parse("[general]\nvenue = \"mainnet\"\n", Path::new("c")).is_err());
    }
}
