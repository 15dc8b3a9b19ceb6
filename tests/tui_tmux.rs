//! The real binary in a real terminal (tmux): it draws the tabs, answers keys (a manual order
//! through the ticket, seen working on Execution and cancelled there; a mode toggled; a mode
//! parameter changed live in the editor and saved to the config file), and restores the terminal
//! when it quits.

mod common;
use common::*;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    session: String,
}

impl Tmux {
    fn available() -> bool {
        Command::new("tmux").arg("-V").output().map(|o| o.status.success()).unwrap_or(false)
    }
    fn start(cmd: &str, w: u16, h: u16) -> Tmux {
        let session = format!("autobot-test-{}-{}", std::process::id(), h);
        // Two tests starting the first tmux server at once can race ("server exited
        // unexpectedly"): try again a few times before calling it a failure.
        let mut ok = false;
        for attempt in 0..5 {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(300));
            }
            ok = Command::new("tmux")
                .args(["new-session", "-d", "-s", &session, "-x", &w.to_string(), "-y", &h.to_string()])
                .arg(format!("{cmd}; echo AUTOBOT-EXITED-$?; sleep 30"))
                .env("TERM", "xterm-256color")
                .status()
                .expect("tmux")
                .success();
            if ok {
                break;
            }
        }
        assert!(ok, "tmux new-session failed five times");
        Tmux { session }
    }
    fn capture(&self) -> String {
        let o = Command::new("tmux").args(["capture-pane", "-p", "-t", &self.session]).output().expect("capture");
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
    fn keys(&self, keys: &[&str]) {
        let mut c = Command::new("tmux");
        c.args(["send-keys", "-t", &self.session]).args(keys);
        assert!(c.status().expect("send-keys").success());
    }
    fn alternate_on(&self) -> bool {
        let o = Command::new("tmux")
            .args(["display-message", "-p", "-t", &self.session, "#{alternate_on}"])
            .output()
            .expect("display");
        String::from_utf8_lossy(&o.stdout).trim() == "1"
    }
    fn wait_for(&self, needle: &str, secs: u64) -> String {
        self.wait_until(needle, secs, |s| s.contains(needle))
    }
    fn wait_gone(&self, needle: &str, secs: u64) -> String {
        self.wait_until(&format!("no `{needle}`"), secs, |s| !s.contains(needle))
    }
    fn wait_until(&self, what: &str, secs: u64, ok: impl Fn(&str) -> bool) -> String {
        let needle = what;
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if ok(&screen) {
                return screen;
            }
            if start.elapsed() > Duration::from_secs(secs) {
                panic!("`{needle}` did not appear in {secs}s; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.session]).status();
    }
}

#[test]
fn tui_switches_tabs_and_restores_the_terminal_on_quit() {
    if !Tmux::available() {
        eprintln!("skipping: tmux is not installed");
        return;
    }
    let sb = Sandbox::new();
    let db = sb.path("tui.db");
    let cmd = format!(
        "HOME={home} XDG_STATE_HOME={home}/state {bin} --config {cfg} --db {db} --speed 600",
        home = sb.dir.path().display(),
        bin = bin(),
        cfg = sb.config().display(),
        db = db.display()
    );
    let t = Tmux::start(&cmd, 120, 40);
    let screen = t.wait_for("BTCUSDT", 20);
    assert!(screen.contains("Overview"), "{screen}");
    assert!(t.alternate_on(), "the TUI should use the alternate screen");
    // The last price with the instrument's decimals, from the Overview summary (`Last 68012.3`).
    let screen = t.wait_for("Last ", 10);
    let last_text = screen
        .split("Last ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .expect("a last price on the summary line")
        .to_string();
    let _: f64 = last_text.parse().unwrap_or_else(|_| panic!("last price `{last_text}`:\n{screen}"));
    let decimals = last_text.split('.').nth(1).map(str::len).unwrap_or(0);

    t.keys(&["2"]);
    let screen = t.wait_for("Mode switches", 5);
    assert!(screen.contains("trend") && screen.contains("✓ on"), "{screen}");
    // Disable the selected (first) mode and see it off, then enable it again.
    t.keys(&["e"]);
    t.wait_for("✗ off", 5);
    t.keys(&["e"]);
    t.wait_gone("✗ off", 5);

    // The parameter editor: open it on the trend mode, walk to `pullback_atr`, type a new value,
    // apply it live (the engine answers with an Info alert old → new), then save the config.
    t.keys(&["Enter"]);
    let screen = t.wait_for("Parameters: trend", 15);
    let lines: Vec<&str> = screen.lines().collect();
    let at =
        |needle: &str| lines.iter().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle}:\n{screen}"));
    for _ in at("› ")..at("  pullback_atr ") {
        t.keys(&["j"]);
    }
    t.wait_until("pullback_atr selected", 15, |s| s.lines().any(|l| l.contains("› pullback_atr")));
    t.keys(&["Enter", "C-u", "1.2", "Enter"]);
    let screen = t.wait_for("trend: pullback_atr 0.5 → 1.2", 20);
    assert!(screen.contains("INFO"), "{screen}");
    t.keys(&["w"]);
    t.wait_for("Confirm: Save config", 15);
    t.keys(&["y"]);
    t.wait_for("config saved to", 20);
    let saved = std::fs::read_to_string(sb.config()).expect("config file");
    assert!(saved.contains("pullback_atr = 1.2"), "{saved}");
    t.keys(&["Escape"]);
    t.wait_gone("Parameters: trend", 15);

    // A manual limit buy 3% under the market (inside the fat-finger band, far from filling).
    // The price is read again from the depth ladder (`── last 62026.3`): the demo fast-forwards
    // its first day and keeps moving at x600, so the Overview's figure may be stale by now.
    t.keys(&["3"]);
    t.wait_for("Working orders", 5);
    let screen = t.wait_for("── last ", 10);
    let last: f64 = screen
        .split("── last ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no last price on the depth ladder:\n{screen}"));
    let price = format!("{:.*}", decimals, last * 0.97);
    t.keys(&["o"]);
    t.wait_for("Order ticket", 5);
    t.keys(&["0.001", "Tab", &price]);
    t.wait_for(&price, 5);
    t.keys(&["Enter"]);
    // The table row has the side glyph, the type and the price; alerts about the order do not.
    let is_row = |l: &str| l.contains("▲ Buy") && l.contains("Limit") && l.contains(price.as_str());
    let screen = t.wait_until("the order row", 10, |s| s.lines().any(is_row));
    let lines: Vec<&str> = screen.lines().collect();
    let row = lines.iter().position(|l| is_row(l)).unwrap_or_else(|| panic!("no order row:\n{screen}"));
    // Select it: rows start under the table header (the line above the first row with `Symbol`).
    let header = lines[..row].iter().rposition(|l| l.contains("Symbol")).expect("orders header");
    for _ in 0..row - header - 1 {
        t.keys(&["j"]);
    }
    t.keys(&["c"]);
    t.wait_for("Confirm: Cancel order", 5);
    t.keys(&["y"]);
    t.wait_until("the order row gone", 10, |s| !s.lines().any(is_row));

    t.keys(&["4"]);
    t.wait_for("Kill", 5);
    t.keys(&["?"]);
    t.wait_for("quit", 5);
    t.keys(&["Escape"]);
    // Wait for the overlay to close: an Escape and a `q` that reach the terminal together read
    // as Alt-q (ESC q), which is not the quit key.
    t.wait_gone("this help", 5);
    t.keys(&["q"]);
    let screen = t.wait_for("AUTOBOT-EXITED-0", 10);
    assert!(!t.alternate_on(), "terminal left in the alternate screen:\n{screen}");
    assert!(count(&db, "candles") > 0);
}

/// `--venue mainnet --live` in the TUI (pointed at the mock exchange, so nothing leaves this
/// machine): the typed confirmation decides between watch-only and real orders, and the status
/// line says which.
#[test]
fn mainnet_live_asks_for_the_typed_confirmation_in_the_terminal() {
    if !Tmux::available() {
        eprintln!("skipping: tmux is not installed");
        return;
    }
    let sb = Sandbox::new();
    let mock = start_mock(&sb, &[]);
    let key = sb.path("bybit.key");
    std::fs::write(&key, "BYBIT_API_KEY=MOCKKEY\nBYBIT_API_SECRET=MOCKSECRET\n").expect("key file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
    }
    let run = |answer: &str, height: u16| {
        let cmd = format!(
            "HOME={home} XDG_STATE_HOME={home}/state {bin} --config {cfg} --db {db} --venue mainnet --live \
             --exchange-url {url} --key-file {key}",
            home = sb.dir.path().display(),
            bin = bin(),
            cfg = sb.config().display(),
            db = sb.path(&format!("live-{height}.db")).display(),
            url = mock.url,
            key = key.display(),
        );
        let t = Tmux::start(&cmd, 120, height);
        t.wait_for("Type LIVE to confirm", 20);
        t.keys(&[answer, "Enter"]);
        t
    };

    // Anything but LIVE: the workstation opens watch-only and says so next to the venue.
    let t = run("live", 36);
    let screen = t.wait_for("WATCH-ONLY", 30);
    let status = screen.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default().to_string();
    assert!(status.starts_with(" LIVE mainnet   WATCH-ONLY "), "{screen}");
    assert!(screen.contains("was not confirmed"), "the reason is an alert:\n{screen}");
    t.keys(&["q"]);
    t.wait_for("AUTOBOT-EXITED-0", 15);
    drop(t);

    // LIVE: orders are allowed, and each manual one asks again, naming the live venue.
    let t = run("LIVE", 37);
    let screen = t.wait_for("Last ", 30);
    assert!(!screen.contains("WATCH-ONLY"), "{screen}");
    let last_text =
        screen.split("Last ").nth(1).and_then(|r| r.split_whitespace().next()).expect("a last price").to_string();
    let last: f64 = last_text.parse().unwrap_or_else(|_| panic!("last price `{last_text}`"));
    let decimals = last_text.split('.').nth(1).map(str::len).unwrap_or(0);
    let price = format!("{:.*}", decimals, last * 0.97);
    t.keys(&["3"]);
    t.wait_for("Working orders", 5);
    t.keys(&["o"]);
    t.wait_for("Order ticket", 5);
    t.keys(&["0.001", "Tab", &price]);
    t.wait_for(&price, 5);
    t.keys(&["Enter"]);
    let screen = t.wait_for("Confirm: LIVE order", 5);
    assert!(screen.contains("LIVE venue mainnet"), "{screen}");
    t.keys(&["y"]);
    // Acknowledged by the exchange (the mock) and listed as working.
    let is_row = |l: &str| l.contains("▲ Buy") && l.contains("Limit") && l.contains(price.as_str());
    t.wait_until("the live order row", 20, |s| s.lines().any(is_row));
    t.keys(&["C"]);
    t.wait_for("Confirm: Cancel all", 5);
    t.keys(&["y"]);
    t.wait_until("the order cancelled", 20, |s| !s.lines().any(is_row));
    t.keys(&["q"]);
    let screen = t.wait_for("AUTOBOT-EXITED-0", 15);
    assert!(!t.alternate_on(), "terminal left in the alternate screen:\n{screen}");
}
