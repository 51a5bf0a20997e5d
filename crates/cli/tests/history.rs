//! `splitbrain check-history`: a history file's verdict and witness, in every format it reads.

mod common;

use common::{json, splitbrain, temp_file};

fn record(id: u64, op: &str, invoked: u64, completed: Option<u64>, outcome: &str) -> String {
    let completed = completed.map_or("null".to_string(), |c| c.to_string());
    format!(
        r#"{{"id": {id}, "node": 0, "op": {op}, "invoked_at": {invoked}, "completed_at": {completed}, "outcome": {outcome}}}"#
    )
}

#[test]
fn check_history_gives_verdicts_and_a_witness() {
    let put = r#"{"op": "put", "key": 1, "value": 5}"#;
    let get = r#"{"op": "get", "key": 1}"#;
    let written = r#"{"status": "done", "result": {"result": "written"}}"#;
    let saw =
        |v: &str| format!(r#"{{"status": "done", "result": {{"result": "value", "value": {v}}}}}"#);
    // A read that starts after a write finished must see it.
    let stale = format!(
        "[{}, {}]",
        record(1, put, 0, Some(10), written),
        record(2, get, 20, Some(30), &saw("null"))
    );
    let out = json(&splitbrain(&[
        "check-history",
        temp_file("stale.json", &stale).to_str().unwrap(),
    ]));
    assert_eq!(out["linearizable"], false);
    assert_eq!(out["verdict"], "not_linearizable");
    assert_eq!(out["ops"], 2);
    assert_eq!(out["witness"].as_array().unwrap().len(), 2);
    assert!(out["ms"].as_f64().unwrap() >= 0.0);
    // The same read overlapping the write may go either way; a timed-out write may have
    // happened, which explains a later read of its value.
    let fine = format!(
        r#"{{"history": [{}, {}, {}]}}"#,
        record(1, put, 0, Some(25), written),
        record(2, get, 20, Some(30), &saw("null")),
        record(
            3,
            r#"{"op": "put", "key": 2, "value": 9}"#,
            40,
            None,
            r#"{"status": "timed_out"}"#
        )
    );
    let out = json(&splitbrain(&[
        "check-history",
        temp_file("fine.json", &fine).to_str().unwrap(),
    ]));
    assert_eq!(out["linearizable"], true);
    assert_eq!(out["witness"].as_array().unwrap().len(), 0);
}

/// Histories from Jepsen (EDN) and Porcupine (Jepsen's text log) are detected and judged;
/// `--format` names the format when detection is not wanted.
#[test]
fn check_history_reads_jepsen_and_porcupine_histories() {
    let edn = "{:type :invoke, :f :write, :value 1, :process 0}\n\
               {:type :ok, :f :write, :value 1, :process 0}\n\
               {:type :invoke, :f :cas, :value [1 2], :process 1}\n\
               {:type :fail, :f :cas, :value [1 2], :process 1}\n";
    let path = temp_file("history.edn", edn);
    let out = json(&splitbrain(&["check-history", path.to_str().unwrap()]));
    assert_eq!(out["format"], "edn");
    assert_eq!(out["linearizable"], false, "{out}");
    let out = json(&splitbrain(&[
        "check-history",
        "--format",
        "edn",
        temp_file("history2.edn", &edn.replace("[1 2]", "[4 2]"))
            .to_str()
            .unwrap(),
    ]));
    assert_eq!(out["linearizable"], true, "{out}");
    let log = "INFO  jepsen.util - 0\t:invoke\t:write\t3\nINFO  jepsen.util - 0\t:ok\t:write\t3\n\
               INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\t3\n";
    let out = json(&splitbrain(&[
        "check-history",
        temp_file("etcd.log", log).to_str().unwrap(),
    ]));
    assert_eq!(
        (out["format"].as_str(), out["linearizable"].as_bool()),
        (Some("jepsen-log"), Some(true))
    );
    let bad = splitbrain(&["check-history", "--format", "csv", path.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("known: json, edn, jepsen-log"));
}

#[test]
fn check_history_rejects_a_broken_file_in_one_line() {
    for (name, text, want) in [
        ("notjson.json", "[{", "not valid JSON"),
        ("shape.json", r#"{"history": 3}"#, "must be an array"),
        ("record.json", r#"[{"id": 1}]"#, "record 1"),
    ] {
        let out = splitbrain(&["check-history", temp_file(name, text).to_str().unwrap()]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}
