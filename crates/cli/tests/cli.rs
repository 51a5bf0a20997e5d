//! The `splitbrain` binary as a user runs it.

use serde_json::Value;
use std::process::{Command, Output};

fn splitbrain(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_splitbrain"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("splitbrain-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn run_reports_the_documented_fields() {
    let out = json(&splitbrain(&[
        "run",
        "--protocol",
        "raft",
        "--nodes",
        "5",
        "--seed",
        "7",
        "--until",
        "10s",
    ]));
    for field in [
        "events",
        "sim_time_us",
        "trace_hash",
        "violations",
        "commits",
        "leader_changes",
        "wall_ms",
    ] {
        assert!(out.get(field).is_some(), "missing {field}");
    }
    assert_eq!(out["sim_time_us"], 10_000_000);
    assert_eq!(out["violations"].as_array().unwrap().len(), 0);
    assert!(out["leader_changes"].as_u64().unwrap() >= 1);
    assert!(out["commits"].as_u64().unwrap() > 0);
    // Deterministic: the same command gives the same hash.
    let again = json(&splitbrain(&["run", "--seed", "7", "--until", "10s"]));
    assert_eq!(out["trace_hash"], again["trace_hash"]);
}

#[test]
fn bad_arguments_give_one_line_and_a_failure_code() {
    for args in [
        vec!["run", "--nodes", "0"],
        vec!["run", "--nodes", "many"],
        vec!["run", "--until", "5 parsecs"],
        vec!["run", "--protocol", "paxos-made-up"],
        vec!["run", "--bug", "no-such-bug"],
        vec!["fuzz", "--runs"],
        vec!["frobnicate"],
    ] {
        let out = splitbrain(&args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn malformed_schedule_files_are_rejected_clearly() {
    let cases = [
        ("syntax.json", "[{\"at\": ", "not valid JSON"),
        (
            "kind.json",
            r#"[{"at": "1s", "action": {"type": "explode"}}]"#,
            "entry 1",
        ),
        (
            "node.json",
            r#"[{"at": "1s", "action": {"type": "restart", "node": 42}}]"#,
            "node 42 does not exist",
        ),
        (
            "time.json",
            r#"[{"at": "soon", "action": {"type": "heal"}}]"#,
            "entry 1",
        ),
    ];
    for (name, text, expected) in cases {
        let path = temp_file(name, text);
        let out = splitbrain(&["run", "--until", "1s", "--schedule", path.to_str().unwrap()]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{name}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
    let out = splitbrain(&["run", "--schedule", "/no/such/file.json"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read schedule"));
}

#[test]
fn a_fuzz_failure_replays_with_run() {
    let out = json(&splitbrain(&[
        "fuzz",
        "--runs",
        "200",
        "--seed",
        "1",
        "--bug",
        "vote-without-log-check",
        "--stop-at-first",
    ]));
    let failure = &out["first_failure"];
    assert!(failure.is_object(), "no failure found: {out}");
    let path = temp_file("failure.json", &failure.to_string());
    let seed = failure["seed"].as_u64().unwrap().to_string();
    let replay = json(&splitbrain(&[
        "run",
        "--until",
        "20s",
        "--bug",
        "vote-without-log-check",
        "--seed",
        &seed,
        "--schedule",
        path.to_str().unwrap(),
    ]));
    let v = &replay["violations"][0];
    assert_eq!(v, &failure["violation"]);
    assert!(out["replay"].as_str().unwrap().contains(&seed));
}

#[test]
fn fuzz_of_correct_raft_is_clean() {
    let out = json(&splitbrain(&["fuzz", "--runs", "30", "--seed", "9"]));
    assert_eq!(out["runs"], 30);
    assert_eq!(out["violations"], 0);
    assert!(out["first_failure"].is_null());
}
