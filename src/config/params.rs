//! Editing a running mode's parameters (the UI's editor, `Command::SetModeParams`): merging a
//! JSON object of `name → value` into a mode's config struct, with text read as the type of the
//! current value, checked by the same validation as the config file, and the changes listed.

use crate::strategy::{ModeId, ModesConfig, TrendConfig};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;

/// One changed parameter: its name and the values before and after, as shown to the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamChange {
    pub key: String,
    pub old: String,
    pub new: String,
}

impl fmt::Display for ParamChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} → {}", self.key, self.old, self.new)
    }
}

/// A value as the UI shows it: text without quotes, everything else as JSON.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "none".to_string(),
        other => other.to_string(),
    }
}

/// Reads `v` (often text typed by the operator) as the type of `current`; the error names
/// `path` and the offending text.
fn coerce(current: &Value, v: &Value, path: &str) -> Result<Value, String> {
    let Value::String(text) = v else {
        if current.is_u64() && !v.is_u64() && v.is_number() {
            return Err(format!("{path} must be a whole number of 0 or more, got {v}"));
        }
        return Ok(v.clone());
    };
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("none") || t == "null" {
        return Ok(Value::Null);
    }
    Ok(match current {
        Value::String(_) => Value::String(t.to_string()),
        Value::Bool(_) => match t.to_ascii_lowercase().as_str() {
            "true" | "on" | "yes" => Value::Bool(true),
            "false" | "off" | "no" => Value::Bool(false),
            _ => return Err(format!("{path} must be true or false, got `{t}`")),
        },
        Value::Number(n) if n.is_u64() => match t.parse::<u64>() {
            Ok(x) => Value::from(x),
            Err(_) => return Err(format!("{path} must be a whole number of 0 or more, got `{t}`")),
        },
        Value::Number(n) if n.is_i64() => match t.parse::<i64>() {
            Ok(x) => Value::from(x),
            Err(_) => return Err(format!("{path} must be a whole number, got `{t}`")),
        },
        Value::Number(_) => {
            match t.parse::<f64>().ok().filter(|x| x.is_finite()).and_then(serde_json::Number::from_f64) {
                Some(x) => Value::Number(x),
                None => return Err(format!("{path} must be a number, got `{t}`")),
            }
        }
        // An optional value that is unset now (or a list/table): JSON if it reads as such, else text.
        _ => serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.to_string())),
    })
}

/// Merges `params` (a JSON object) into `current`, a serializable config struct whose keys are
/// known as `section.key`; returns the new struct and what changed (in key order).
pub fn merge<T: Serialize + DeserializeOwned>(
    current: &T,
    section: &str,
    params: &Value,
) -> Result<(T, Vec<ParamChange>), String> {
    let Value::Object(params) = params else {
        return Err(format!("{section}: parameters must be a table of name = value, got {params}"));
    };
    let Ok(Value::Object(mut map)) = serde_json::to_value(current) else {
        return Err(format!("{section}: has no parameters"));
    };
    let mut changes = Vec::new();
    for (key, v) in params {
        let path = format!("{section}.{key}");
        let Some(old) = map.get(key.as_str()) else {
            let known: Vec<&str> = map.keys().map(String::as_str).collect();
            return Err(format!("{path} is not a parameter (known: {})", known.join(", ")));
        };
        let new = coerce(old, v, &path)?;
        if &new != old {
            changes.push(ParamChange { key: key.clone(), old: value_text(old), new: value_text(&new) });
        }
        map.insert(key.clone(), new);
    }
    let merged = serde_json::from_value(Value::Object(map)).map_err(|e| format!("{section}: {e}"))?;
    Ok((merged, changes))
}

fn refuse(params: &Value, section: &str, keys: &[&str]) -> Result<(), String> {
    if let Value::Object(m) = params {
        if let Some(k) = keys.iter().find(|k| m.contains_key(**k)) {
            return Err(format!(
                "{section}.{k} cannot be changed here (enable/disable with the mode keys; restart for the rest)"
            ));
        }
    }
    Ok(())
}

/// Applies `params` to mode `mode` of `modes` and validates the whole set; `enabled` is refused
/// (that is `Command::SetModeEnabled`).
pub fn set_mode_params(
    modes: &ModesConfig,
    mode: &str,
    params: &Value,
) -> Result<(ModesConfig, Vec<ParamChange>), String> {
    let id: ModeId = mode.parse().map_err(|e| format!("{e}"))?;
    let section = format!("strategy.modes.{}", id.as_str());
    refuse(params, &section, &["enabled"])?;
    let mut out = modes.clone();
    let changes = match id {
        ModeId::Trend => {
            let (c, ch) = merge(&modes.trend, &section, params)?;
            out.trend = c;
            ch
        }
        ModeId::Range => {
            let (c, ch) = merge(&modes.range, &section, params)?;
            out.range = c;
            ch
        }
        ModeId::Breakout => {
            let (c, ch) = merge(&modes.breakout, &section, params)?;
            out.breakout = c;
            ch
        }
        ModeId::Reversal => {
            let (c, ch) = merge(&modes.reversal, &section, params)?;
            out.reversal = c;
            ch
        }
        ModeId::Hedge => {
            let (c, ch) = merge(&modes.hedge, &section, params)?;
            out.hedge = c;
            ch
        }
    };
    out.validate()?;
    Ok((out, changes))
}

/// Applies `params` to the EMA-cross trend follower's settings (`[strategy.trend]`); `enabled`
/// and `timeframe` are refused (the running aggregation depends on the timeframe).
pub fn set_trend_params(trend: &TrendConfig, params: &Value) -> Result<(TrendConfig, Vec<ParamChange>), String> {
    const SECTION: &str = "strategy.trend";
    refuse(params, SECTION, &["enabled", "timeframe"])?;
    let (out, changes) = merge(trend, SECTION, params)?;
    out.validate()?;
    Ok((out, changes))
}

/// The parameters a snapshot shows for a mode (name → text), as a JSON object of text values.
pub fn shown_params(shown: &[(String, String)]) -> Value {
    Value::Object(shown.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<Map<_, _>>())
}

/// What the UI's check of one edit found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditCheck {
    /// Valid, and this is what changes.
    Change(ParamChange),
    /// Valid, the same value as now.
    Unchanged,
    /// The shown values cannot be rebuilt (a mode or key this build does not know): the engine
    /// has the last word.
    Unknown,
}

/// The UI's check of one edit before it is sent: rebuilds the mode's settings from the values the
/// snapshot shows, applies `key = value` and validates like the engine will.
pub fn check_edit(mode: &str, shown: &[(String, String)], key: &str, value: &str) -> Result<EditCheck, String> {
    let edit = Value::Object(Map::from_iter([(key.to_string(), Value::String(value.to_string()))]));
    let base = shown_params(shown);
    let found = |changes: Vec<ParamChange>| match changes.into_iter().next() {
        Some(c) => EditCheck::Change(c),
        None => EditCheck::Unchanged,
    };
    if let Ok((modes, _)) = set_mode_params(&ModesConfig::default(), mode, &base) {
        return set_mode_params(&modes, mode, &edit).map(|(_, ch)| found(ch));
    }
    if mode.parse::<ModeId>() == Ok(ModeId::Trend) {
        if let Ok((trend, _)) = set_trend_params(&TrendConfig::default(), &base) {
            return set_trend_params(&trend, &edit).map(|(_, ch)| found(ch));
        }
    }
    Ok(EditCheck::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_is_read_as_the_current_type_and_changes_are_listed() {
        let modes = ModesConfig::default();
        // pullback_atr 0.5 (f64), max_adds 2 (u32): text in, typed out.
        let (m, ch) = set_mode_params(&modes, "trend", &json!({"pullback_atr": "1.25", "max_adds": "3"})).unwrap();
        assert_eq!((m.trend.pullback_atr, m.trend.max_adds), (1.25, 3));
        let text: Vec<String> = ch.iter().map(|c| c.to_string()).collect();
        assert_eq!(text, vec!["max_adds 2 → 3", "pullback_atr 0.5 → 1.25"]);
        // Typed JSON works too; an unchanged value is not a change.
        let (m, ch) = set_mode_params(&modes, "range", &json!({"stop_atr": modes.range.stop_atr})).unwrap();
        assert_eq!((m, ch.len()), (modes.clone(), 0));
        // Enum text (breakout entry) goes through serde.
        let (m, ch) = set_mode_params(&modes, "breakout", &json!({"entry": "retest"})).unwrap();
        assert_eq!(serde_json::to_value(&m.breakout.entry).unwrap(), json!("retest"));
        assert_eq!(ch.len(), usize::from(serde_json::to_value(&modes.breakout.entry).unwrap() != json!("retest")));
    }

    #[test]
    fn bad_values_are_refused_with_the_key_and_change_nothing() {
        let modes = ModesConfig::default();
        let err = |mode: &str, p: Value| set_mode_params(&modes, mode, &p).unwrap_err();
        assert_eq!(
            err("trend", json!({"max_adds": "-1"})),
            "strategy.modes.trend.max_adds must be a whole number of 0 or more, got `-1`"
        );
        assert_eq!(
            err("trend", json!({"max_adds": 1.5})),
            "strategy.modes.trend.max_adds must be a whole number of 0 or more, got 1.5"
        );
        assert_eq!(
            err("trend", json!({"pullback_atr": "abc"})),
            "strategy.modes.trend.pullback_atr must be a number, got `abc`"
        );
        // Range checks are the config's own: momentum_rsi within [0, 100].
        assert_eq!(
            err("trend", json!({"momentum_rsi": "150"})),
            "strategy.modes.trend.momentum_rsi must be within [0, 100], got 150"
        );
        assert!(err("trend", json!({"pullbak_atr": "1"}))
            .starts_with("strategy.modes.trend.pullbak_atr is not a parameter (known: "));
        assert!(err("trend", json!({"enabled": "false"})).contains("enabled cannot be changed here"));
        assert!(err("scalp", json!({})).contains("scalp"));
        assert!(err("trend", json!(["x"])).contains("must be a table"));
        assert!(err("breakout", json!({"entry": "sideways"}))
            .starts_with("strategy.modes.breakout: unknown variant `sideways`"));
    }

    #[test]
    fn ema_trend_settings_refuse_the_timeframe() {
        let t = TrendConfig::default();
        let (n, ch) = set_trend_params(&t, &json!({"fast_period": "10"})).unwrap();
        assert_eq!((n.fast_period, ch[0].to_string()), (10, format!("fast_period {} → 10", t.fast_period)));
        assert!(set_trend_params(&t, &json!({"timeframe": "5m"})).unwrap_err().contains("timeframe cannot be changed"));
    }

    #[test]
    fn the_ui_check_rebuilds_from_shown_text() {
        // What the engine's snapshot shows for the trend mode: every key but `enabled`, as text.
        let Value::Object(map) = serde_json::to_value(PullbackConfig::default()).unwrap() else { panic!() };
        let shown: Vec<(String, String)> =
            map.iter().filter(|(k, _)| *k != "enabled").map(|(k, v)| (k.clone(), value_text(v))).collect();
        let EditCheck::Change(ch) = check_edit("trend", &shown, "pullback_atr", "1.2").unwrap() else { panic!() };
        assert_eq!(ch.to_string(), "pullback_atr 0.5 → 1.2");
        assert!(check_edit("trend", &shown, "min_adx", "101").unwrap_err().contains("min_adx must be within [0, 100]"));
        assert_eq!(check_edit("trend", &shown, "pullback_atr", "0.5"), Ok(EditCheck::Unchanged));
        // The EMA follower's fields; a mode the config does not know is left to the engine.
        let ema = vec![("fast_period".to_string(), "20".to_string()), ("slow_period".to_string(), "50".to_string())];
        assert!(matches!(check_edit("trend", &ema, "fast_period", "12"), Ok(EditCheck::Change(c)) if c.new == "12"));
        assert!(check_edit("trend", &ema, "fast_period", "x").is_err());
        assert_eq!(check_edit("mean_reversion", &ema, "fast", "3"), Ok(EditCheck::Unknown));
    }

    use crate::strategy::PullbackConfig;
}
