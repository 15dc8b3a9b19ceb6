//! The parameter editor's path without the terminal: `SetModeParams` through the run's pipeline
//! changes the running mode (Info alert with old → new, the snapshot shows it), a bad value
//! changes nothing (Warning with the key), and `SaveConfig`'s writer puts the running value in a
//! file that `Config::load` reads back, keeping the old file as `.bak`.

use autobot::config::{Config, Speed};
use autobot::domain::{AlertLevel, Command};
use autobot::runtime::pipeline::{NoSink, Pipeline};
use autobot::runtime::{build, save_config, RunOptions};
use serde_json::json;

fn pipeline(config: &Config) -> Pipeline {
    let opts = RunOptions {
        config: config.clone(),
        db_path: "unused.db".into(),
        data: None,
        speed: Speed::Max,
        max_candles: None,
        exit_at_end: true,
        seed: 7,
        headless: true,
        config_path: None,
        venue: Default::default(),
    };
    let (_source, mut p, opening) = build(&opts).expect("build");
    for e in &opening {
        p.inform(e, &mut NoSink);
    }
    p
}

fn shown(p: &Pipeline, mode: &str, key: &str) -> String {
    let snap = p.engine.snapshot();
    let m = snap.strategy.modes.iter().find(|m| m.name == mode).expect("mode");
    m.params.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).expect("param")
}

#[test]
fn set_mode_params_applies_live_and_refuses_bad_values() {
    let config = Config::default();
    let mut p = pipeline(&config);
    assert_eq!(shown(&p, "trend", "pullback_atr"), "0.5");
    p.command(Command::SetModeParams { mode: "trend".into(), params: json!({"pullback_atr": "1.2"}) }, &mut NoSink);
    let snap = p.engine.snapshot();
    let a = &snap.alerts[0];
    assert_eq!(
        (a.level, &*a.kind, &*a.message.as_text()),
        (AlertLevel::Info, "params", "trend: pullback_atr 0.5 → 1.2")
    );
    assert_eq!(shown(&p, "trend", "pullback_atr"), "1.2");
    assert_eq!(p.engine.modes_config().unwrap().trend.pullback_atr, 1.2);

    // Out of range: a Warning naming the key, nothing changes.
    p.command(Command::SetModeParams { mode: "range".into(), params: json!({"entry_zone": "7"}) }, &mut NoSink);
    let snap = p.engine.snapshot();
    assert_eq!(snap.alerts[0].level, AlertLevel::Warning);
    assert!(snap.alerts[0].message.starts_with("range: strategy.modes.range.entry_zone"), "{}", snap.alerts[0].message);
    assert_eq!(p.engine.modes_config().unwrap().range, config.strategy.modes.range);
    // Not a number; an unknown mode.
    p.command(Command::SetModeParams { mode: "trend".into(), params: json!({"max_adds": "two"}) }, &mut NoSink);
    assert!(p.engine.snapshot().alerts[0].message.contains("max_adds must be a whole number"));
    p.command(Command::SetModeParams { mode: "scalp".into(), params: json!({"x": 1}) }, &mut NoSink);
    assert_eq!(p.engine.snapshot().alerts[0].level, AlertLevel::Warning);
    assert_eq!(p.engine.modes_config().unwrap().trend.max_adds, config.strategy.modes.trend.max_adds);
}

#[test]
fn save_config_writes_the_running_values_and_keeps_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("autobot.toml");
    // The file the run started with: one key set by hand.
    std::fs::write(&path, "[demo]\nseed = 99\n").unwrap();
    let (config, _) = Config::load(Some(&path)).unwrap();
    let mut p = pipeline(&config);
    p.command(Command::SetModeParams { mode: "breakout".into(), params: json!({"margin_atr": "0.35"}) }, &mut NoSink);
    let actions = save_config(&config, Some(&path), &mut p.engine);
    assert_eq!(actions.len(), 1, "one alert action");
    let msg = &p.engine.snapshot().alerts[0].message;
    assert!(msg.starts_with(&format!("config saved to {}", path.display())), "{msg}");
    assert!(msg.contains("autobot.toml.bak"), "{msg}");
    let (loaded, _) = Config::load(Some(&path)).unwrap();
    assert_eq!(loaded.strategy.modes.breakout.margin_atr, 0.35);
    assert_eq!(loaded.demo.seed, 99, "the rest of the file is kept");
    assert_eq!(std::fs::read_to_string(dir.path().join("autobot.toml.bak")).unwrap(), "[demo]\nseed = 99\n");

    // A file that no longer loads is not overwritten.
    std::fs::write(&path, "[demo]\nseed = \"x\"\n").unwrap();
    save_config(&config, Some(&path), &mut p.engine);
    let snap = p.engine.snapshot();
    assert_eq!(snap.alerts[0].level, AlertLevel::Warning);
    assert!(snap.alerts[0].message.starts_with("not saved: config"), "{}", snap.alerts[0].message);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "[demo]\nseed = \"x\"\n");
}
