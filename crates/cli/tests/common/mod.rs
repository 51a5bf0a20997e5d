//! What the command-line tests share: running the binary and reading its JSON.

#![allow(dead_code)] // each test file uses some of these

use serde_json::Value;
use std::process::{Command, Output};

pub fn splitbrain(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_splitbrain"))
        .args(args)
        .output()
        .expect("binary runs")
}

pub fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

pub fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("splitbrain-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}
