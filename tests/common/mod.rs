//! Helpers shared by the integration tests: run the real binary in a temp folder.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_autobot")
}

/// A temp folder with a config whose logs stay inside it.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let cfg = format!("[general]\nlog_dir = \"{}\"\n", dir.path().join("logs").display());
        std::fs::write(dir.path().join("config.toml"), cfg).expect("write config");
        Sandbox { dir }
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub fn config(&self) -> PathBuf {
        self.path("config.toml")
    }
    /// `autobot --config <sandbox config> ARGS...` with HOME inside the sandbox.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.arg("--config").arg(self.config()).args(args);
        c.env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_STATE_HOME", self.path("state"));
        c.env("XDG_CONFIG_HOME", self.path("cfg"));
        c
    }
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run autobot")
    }
}

/// The shared real-data folder, or None (with a printed reason) on a fresh clone.
pub fn shared_data(file: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(file);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping: {} not found (real data lives in ../shared/data)", p.display());
        None
    }
}

pub fn count(db: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("open db");
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).expect("count")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Parses `key=value` from the `summary:` line the binary prints at exit.
pub fn summary_value(stderr: &str, key: &str) -> Option<i64> {
    let line = stderr.lines().rev().find(|l| l.contains("summary:"))?;
    line.split_whitespace().find_map(|kv| kv.strip_prefix(&format!("{key}="))).and_then(|v| v.parse().ok())
}

/// `autobot mock-exchange` on a free loopback port; killed on drop.
pub struct Mock {
    pub child: Child,
    pub url: String,
    /// Kept open: the mock prints more lines, and a closed pipe would kill it.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `autobot mock-exchange` for BTCUSDT and ETHUSDT at 200 ms per minute with 400 minutes of
/// history, plus `extra` flags; returns once it prints its address.
pub fn start_mock(sb: &Sandbox, extra: &[&str]) -> Mock {
    let mut args = vec![
        "--symbols",
        "BTCUSDT,ETHUSDT",
        "mock-exchange",
        "--listen",
        "127.0.0.1:0",
        "--speed",
        "200",
        "--history-minutes",
        "400",
    ];
    args.extend_from_slice(extra);
    let mut child = sb.command(&args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("start the mock");
    let out = child.stdout.take().expect("mock stdout");
    let mut line = String::new();
    let mut reader = BufReader::new(out);
    reader.read_line(&mut line).expect("mock prints its address");
    let addr = line.trim().strip_prefix("mock-exchange listening on ").unwrap_or_else(|| panic!("{line}")).to_string();
    Mock { child, url: format!("http://{addr}"), _stdout: reader }
}
