//! Helpers shared by the integration tests: run the real binary in a temp folder.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
