//! Runs the workstation on the sample snapshot, ticking the clock and the live candle so the
//! screen moves. Commands the UI sends are echoed to stdout after the terminal is restored.
//!
//! `cargo run --example ui_demo` (quit with `q`); `UI_DEMO_STATIC=1` sends no updates (idle CPU).

use autobot::domain::{Command, Price};
use autobot::ui::{run, sample_snapshot, UiConfig};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

fn main() -> std::io::Result<()> {
    let base = sample_snapshot();
    let (tx, rx) = tokio::sync::watch::channel(Arc::new(base.clone()));
    let (cmd_tx, cmd_rx) = mpsc::channel::<Command>();
    let stop = Arc::new(AtomicBool::new(false));
    let received = Arc::new(Mutex::new(Vec::new()));

    // The "engine": a new snapshot four times a second, applying a few commands visibly.
    let engine_stop = stop.clone();
    let log = received.clone();
    let frozen = std::env::var_os("UI_DEMO_STATIC").is_some();
    let engine = std::thread::spawn(move || {
        let mut snap = base;
        let mut step: i64 = 0;
        while !engine_stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(250));
            if frozen {
                continue;
            }
            step += 1;
            snap.ts_ms += 250;
            for m in &mut snap.markets {
                let wiggle = ((step as f64) / 3.0).sin() * m.last_price.to_f64() * 0.0004;
                let px = Price::from_f64(m.last_price.to_f64() + wiggle).unwrap_or(m.last_price);
                if let Some(p) = m.partial.as_mut() {
                    p.close = px;
                    p.high = p.high.max(px);
                    p.low = p.low.min(px);
                }
            }
            while let Ok(cmd) = cmd_rx.try_recv() {
                match &cmd {
                    Command::PauseAutomation => snap.strategy.automation_paused = true,
                    Command::ResumeAutomation => snap.strategy.automation_paused = false,
                    Command::SetAutoSwitch { enabled } => snap.strategy.auto_switch = *enabled,
                    Command::KillSwitch { engage } => snap.risk.kill_switch = *engage,
                    Command::SetModeEnabled { mode, enabled } => {
                        snap.strategy.modes.iter_mut().filter(|m| &m.name == mode).for_each(|m| m.enabled = *enabled)
                    }
                    Command::CancelOrder { client_order_id } => {
                        snap.open_orders.retain(|o| o.client_order_id() != *client_order_id)
                    }
                    Command::CancelAll { .. } => snap.open_orders.clear(),
                    _ => {}
                }
                if let Ok(mut l) = log.lock() {
                    l.push(cmd);
                }
            }
            if tx.send(Arc::new(snap.clone())).is_err() {
                break;
            }
        }
    });

    let result = run(rx, cmd_tx, stop.clone(), UiConfig::default());
    stop.store(true, Ordering::Relaxed);
    let _ = engine.join();
    println!("ui_demo: terminal restored; commands received:");
    if let Ok(l) = received.lock() {
        for c in l.iter() {
            println!("  {c:?}");
        }
    }
    result
}
