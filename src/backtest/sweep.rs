//! `--sweep SECTION.PARAM=a,b,c` / `SECTION.PARAM=lo:hi:step`: parsing the grid over strategy
//! parameters and applying one grid point to a config. Sections are the mode config structs
//! (`switcher`, `trend`, `range`, `breakout`, `reversal`, `hedge` = `[strategy.modes.*]`) and
//! `ema` (`[strategy.trend]`, the EMA engine); parameter names are their serde keys, so the
//! valid names always follow the structs. Values take the type of the field (bool, integer,
//! number, word), and each point is checked with the config's own validation.

use crate::config::{Config, StrategyConfig};
use serde_json::Value;
use thiserror::Error;

/// The sections `--sweep` knows, as `(name, path inside [strategy])`.
pub const SECTIONS: [(&str, &[&str]); 7] = [
    ("switcher", &["modes", "switcher"]),
    ("trend", &["modes", "trend"]),
    ("range", &["modes", "range"]),
    ("breakout", &["modes", "breakout"]),
    ("reversal", &["modes", "reversal"]),
    ("hedge", &["modes", "hedge"]),
    ("ema", &["trend"]),
];

/// Most grid points one sweep may have.
pub const MAX_POINTS: usize = 100_000;

/// A `--sweep` flag the grid cannot be built from; every message names the flag.
#[derive(Debug, Error, PartialEq)]
pub enum SweepError {
    #[error("bad --sweep `{0}`: expected SECTION.PARAM=a,b,c or SECTION.PARAM=lo:hi:step")]
    Syntax(String),
    #[error("unknown section `{section}` in --sweep `{spec}`; valid sections: {valid}")]
    UnknownSection { spec: String, section: String, valid: String },
    #[error("unknown parameter `{key}` of `{section}` in --sweep `{spec}`; valid parameters: {valid}")]
    UnknownParam { spec: String, section: String, key: String, valid: String },
    #[error("bad value `{value}` in --sweep `{spec}`: {reason}")]
    BadValue { spec: String, value: String, reason: String },
    #[error("{0} is swept twice")]
    Duplicate(String),
    #[error("the grid has {0} points, more than {MAX_POINTS}: use fewer values")]
    TooLarge(usize),
    #[error("grid point {point} is not a valid config: {reason}")]
    Invalid { point: String, reason: String },
}

/// One swept parameter and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepParam {
    pub section: String,
    pub key: String,
    pub values: Vec<Value>,
}

impl SweepParam {
    /// `section.key`.
    pub fn name(&self) -> String {
        format!("{}.{}", self.section, self.key)
    }
}

/// One grid point: a value index per parameter.
pub type Point = Vec<usize>;

fn section_value<'a>(strategy: &'a Value, path: &[&str]) -> Option<&'a serde_json::Map<String, Value>> {
    path.iter().try_fold(strategy, |v, k| v.get(*k))?.as_object()
}

/// Parses one `--sweep` flag against the config's current values (they give each field's type).
pub fn parse_spec(spec: &str, base: &StrategyConfig) -> Result<SweepParam, SweepError> {
    let syntax = || SweepError::Syntax(spec.to_string());
    let (name, list) = spec.split_once('=').ok_or_else(syntax)?;
    let (section, key) = name.trim().split_once('.').ok_or_else(syntax)?;
    let (section, key, list) = (section.trim(), key.trim(), list.trim());
    if section.is_empty() || key.is_empty() || list.is_empty() {
        return Err(syntax());
    }
    let Some((_, path)) = SECTIONS.iter().find(|(s, _)| *s == section) else {
        let valid = SECTIONS.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(", ");
        return Err(SweepError::UnknownSection { spec: spec.into(), section: section.into(), valid });
    };
    let strategy = serde_json::to_value(base).map_err(|e| SweepError::Syntax(format!("{spec} ({e})")))?;
    let fields = section_value(&strategy, path).ok_or_else(syntax)?;
    let Some(current) = fields.get(key) else {
        let valid = fields.keys().cloned().collect::<Vec<_>>().join(", ");
        return Err(SweepError::UnknownParam { spec: spec.into(), section: section.into(), key: key.into(), valid });
    };
    let bad = |value: &str, reason: &str| SweepError::BadValue {
        spec: spec.to_string(),
        value: value.to_string(),
        reason: reason.to_string(),
    };
    let integer = current.is_u64() || current.is_i64();
    let values = if list.contains(':') {
        if !current.is_number() {
            return Err(bad(list, "a lo:hi:step range needs a numeric parameter"));
        }
        range(list, integer).map_err(|r| bad(list, &r))?
    } else {
        list.split(',').map(|t| typed(t.trim(), current).map_err(|r| bad(t.trim(), &r))).collect::<Result<_, _>>()?
    };
    Ok(SweepParam { section: section.into(), key: key.into(), values })
}

/// A value of the same kind as `current`.
fn typed(t: &str, current: &Value) -> Result<Value, String> {
    if t.is_empty() {
        return Err("empty value".into());
    }
    match current {
        Value::Bool(_) => t.parse::<bool>().map(Value::Bool).map_err(|_| "expected true or false".into()),
        Value::Number(n) if n.is_u64() => {
            t.parse::<u64>().map(Value::from).map_err(|_| "expected a whole number ≥ 0".into())
        }
        Value::Number(n) if n.is_i64() => {
            t.parse::<i64>().map(Value::from).map_err(|_| "expected a whole number".into())
        }
        Value::Number(_) => match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Value::from(v)),
            _ => Err("expected a number".into()),
        },
        // Words (enums such as `entry`) and optional fields: the config's check decides.
        _ => Ok(Value::String(t.to_string())),
    }
}

/// `lo:hi:step`, both ends included (within rounding), `step > 0`.
fn range(text: &str, integer: bool) -> Result<Vec<Value>, String> {
    let parts: Vec<&str> = text.split(':').map(str::trim).collect();
    let [lo, hi, step] = parts.as_slice() else { return Err("expected lo:hi:step".into()) };
    let num = |s: &str| s.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or(format!("`{s}` is not a number"));
    let (lo, hi, step) = (num(lo)?, num(hi)?, num(step)?);
    if step <= 0.0 {
        return Err("step must be positive".into());
    }
    if hi < lo {
        return Err("hi must not be below lo".into());
    }
    let n = ((hi - lo) / step + 1e-9).floor() as usize + 1;
    if n > MAX_POINTS {
        return Err(format!("{n} values, more than {MAX_POINTS}"));
    }
    (0..n)
        .map(|i| {
            let v = ((lo + i as f64 * step) * 1e10).round() / 1e10;
            if integer {
                if v.fract() != 0.0 || v < 0.0 {
                    return Err(format!("{v} is not a whole number ≥ 0 (the parameter is an integer)"));
                }
                Ok(Value::from(v as u64))
            } else {
                Ok(Value::from(v))
            }
        })
        .collect()
}

/// Parses every flag; rejects a parameter swept twice and grids over [`MAX_POINTS`].
pub fn parse_all(specs: &[String], base: &StrategyConfig) -> Result<Vec<SweepParam>, SweepError> {
    let mut out: Vec<SweepParam> = Vec::new();
    for s in specs {
        let p = parse_spec(s, base)?;
        if out.iter().any(|q| q.name() == p.name()) {
            return Err(SweepError::Duplicate(p.name()));
        }
        out.push(p);
    }
    let n = out.iter().try_fold(1usize, |acc, p| acc.checked_mul(p.values.len())).unwrap_or(usize::MAX);
    if n > MAX_POINTS {
        return Err(SweepError::TooLarge(n));
    }
    Ok(out)
}

/// Every combination, the first parameter varying slowest.
pub fn grid(params: &[SweepParam]) -> Vec<Point> {
    let mut points: Vec<Point> = vec![Vec::new()];
    for p in params {
        points = points
            .into_iter()
            .flat_map(|pt| (0..p.values.len()).map(move |i| [pt.clone(), vec![i]].concat()))
            .collect();
    }
    points
}

/// `trend.stop_atr=2 range.entry_zone=0.2`.
pub fn label(params: &[SweepParam], point: &Point) -> String {
    params.iter().zip(point).map(|(p, &i)| format!("{}={}", p.name(), p.values[i])).collect::<Vec<_>>().join(" ")
}

/// `base` with the point's values set, checked with `Config::validate`.
pub fn apply(base: &Config, params: &[SweepParam], point: &Point) -> Result<Config, SweepError> {
    let invalid = |reason: String| SweepError::Invalid { point: label(params, point), reason };
    let mut strategy = serde_json::to_value(&base.strategy).map_err(|e| invalid(e.to_string()))?;
    for (p, &i) in params.iter().zip(point) {
        let path = SECTIONS.iter().find(|(s, _)| *s == p.section).map(|(_, path)| *path).unwrap_or(&[]);
        let slot = path
            .iter()
            .try_fold(&mut strategy, |v, k| v.get_mut(*k))
            .and_then(|v| v.as_object_mut())
            .ok_or_else(|| invalid(format!("no section {}", p.section)))?;
        slot.insert(p.key.clone(), p.values[i].clone());
    }
    let mut config = base.clone();
    config.strategy = serde_json::from_value(strategy).map_err(|e| invalid(e.to_string()))?;
    config.validate().map_err(invalid)?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> StrategyConfig {
        StrategyConfig::default()
    }

    #[test]
    fn lists_and_ranges_take_the_field_type() {
        let p = parse_spec("trend.stop_atr=1.5, 2,2.5", &base()).unwrap();
        assert_eq!(p.name(), "trend.stop_atr");
        assert_eq!(p.values, vec![Value::from(1.5), Value::from(2.0), Value::from(2.5)]);
        // 0.1 steps land on round decimals, both ends included.
        let r = parse_spec("range.entry_zone=0.1:0.3:0.1", &base()).unwrap();
        assert_eq!(r.values, vec![Value::from(0.1), Value::from(0.2), Value::from(0.3)]);
        let i = parse_spec("switcher.confirm_bars=2:8:3", &base()).unwrap();
        assert_eq!(i.values, vec![Value::from(2u64), Value::from(5u64), Value::from(8u64)]);
        let b = parse_spec("breakout.measured_move=true,false", &base()).unwrap();
        assert_eq!(b.values, vec![Value::Bool(true), Value::Bool(false)]);
        let e = parse_spec("ema.fast_period=5,8", &base()).unwrap();
        assert_eq!(e.values.len(), 2);
    }

    #[test]
    fn bad_specs_say_what_is_valid() {
        let err = parse_spec("trend.stop=1", &base()).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, SweepError::UnknownParam { .. }), "{msg}");
        assert!(msg.contains("stop_atr") && msg.contains("min_adx") && msg.contains("trend.stop=1"), "{msg}");
        let err = parse_spec("trendy.stop_atr=1", &base()).unwrap_err().to_string();
        assert!(err.contains("switcher, trend, range, breakout, reversal, hedge, ema"), "{err}");
        assert!(matches!(parse_spec("trend.stop_atr", &base()), Err(SweepError::Syntax(_))));
        assert!(matches!(parse_spec("stop_atr=1", &base()), Err(SweepError::Syntax(_))));
        assert!(matches!(parse_spec("switcher.confirm_bars=2.5", &base()), Err(SweepError::BadValue { .. })));
        assert!(matches!(parse_spec("switcher.confirm_bars=2:3:0.5", &base()), Err(SweepError::BadValue { .. })));
        assert!(matches!(parse_spec("trend.stop_atr=3:1:1", &base()), Err(SweepError::BadValue { .. })));
        assert!(matches!(parse_spec("trend.stop_atr=1:3:0", &base()), Err(SweepError::BadValue { .. })));
        assert!(matches!(parse_spec("trend.enabled=1:2:1", &base()), Err(SweepError::BadValue { .. })));
        assert!(matches!(parse_spec("trend.stop_atr=1,x", &base()), Err(SweepError::BadValue { .. })));
        let twice = ["trend.stop_atr=1,2".to_string(), "trend.stop_atr=3".to_string()];
        assert_eq!(parse_all(&twice, &base()), Err(SweepError::Duplicate("trend.stop_atr".into())));
    }

    #[test]
    fn grid_and_apply() {
        let specs = ["trend.stop_atr=1.5,2.5".to_string(), "switcher.confirm_bars=2:4:1".to_string()];
        let params = parse_all(&specs, &base()).unwrap();
        let g = grid(&params);
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], vec![0, 0]);
        assert_eq!(g[1], vec![0, 1]);
        assert_eq!(g[5], vec![1, 2]);
        assert_eq!(label(&params, &g[5]), "trend.stop_atr=2.5 switcher.confirm_bars=4");
        let c = apply(&Config::default(), &params, &g[5]).unwrap();
        assert_eq!(c.strategy.modes.trend.stop_atr, 2.5);
        assert_eq!(c.strategy.modes.switcher.confirm_bars, 4);
        // Everything else is untouched.
        assert_eq!(c.strategy.modes.range, Config::default().strategy.modes.range);
        // The config's own check rejects a point: confirm_bars must be at least 2.
        let p = parse_all(&["switcher.confirm_bars=1".to_string()], &base()).unwrap();
        let err = apply(&Config::default(), &p, &vec![0]).unwrap_err();
        assert!(err.to_string().contains("confirm_bars must be at least 2"), "{err}");
    }
}
