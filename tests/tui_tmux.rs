//! The real binary in a real terminal (tmux): it draws the tabs, answers keys, and restores the
//! terminal when it quits.

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
        let ok = Command::new("tmux")
            .args(["new-session", "-d", "-s", &session, "-x", &w.to_string(), "-y", &h.to_string()])
            .arg(format!("{cmd}; echo AUTOBOT-EXITED-$?; sleep 30"))
            .env("TERM", "xterm-256color")
            .status()
            .expect("tmux");
        assert!(ok.success());
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
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if screen.contains(needle) {
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
    t.keys(&["2"]);
    t.wait_for("trend", 5);
    t.keys(&["3"]);
    t.wait_for("Execution", 5);
    t.keys(&["4"]);
    t.wait_for("Kill", 5);
    t.keys(&["?"]);
    t.wait_for("quit", 5);
    t.keys(&["Escape"]);
    t.keys(&["q"]);
    let screen = t.wait_for("AUTOBOT-EXITED-0", 10);
    assert!(!t.alternate_on(), "terminal left in the alternate screen:\n{screen}");
    assert!(count(&db, "candles") > 0);
}
