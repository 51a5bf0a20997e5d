//! The `splitbrain` binary as a user runs it.

mod common;

use common::{json, splitbrain, temp_file};
use serde_json::Value;

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

/// OM(1) holds with four generals and one traitor, and not with three; signatures make
/// three enough (and SM(2) holds with two traitors among four).
#[test]
fn fuzz_of_the_byzantine_generals_finds_the_bound_of_three_m() {
    let fuzz = |extra: &[&str]| {
        let mut args = vec![
            "fuzz",
            "--protocol",
            "byzantine-generals",
            "--runs",
            "300",
            "--seed",
            "1",
        ];
        args.extend_from_slice(extra);
        json(&splitbrain(&args))
    };
    let four = fuzz(&["--nodes", "4", "--traitors", "1"]);
    assert_eq!(four["runs"], 300);
    assert_eq!(four["violations"], 0, "{four}");
    let three = fuzz(&["--nodes", "3", "--traitors", "1"]);
    let message = three["first_failure"]["violation"]["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("loyal"), "{message}");
    assert!(message.contains("cannot promise"), "{message}");
    let signed = fuzz(&["--nodes", "3", "--traitors", "1", "--set", "signed=1"]);
    assert_eq!(signed["violations"], 0, "{signed}");
    let sm2 = fuzz(&[
        "--nodes",
        "4",
        "--set",
        "m=2",
        "--set",
        "signed=1",
        "--traitors",
        "2",
    ]);
    assert_eq!(sm2["violations"], 0, "{sm2}");
}

/// A report without its wall-clock times (the sweep's, and its shrink's).
fn without_wall(mut v: Value) -> Value {
    let report = v.as_object_mut().unwrap();
    report.remove("wall_ms");
    if let Some(shrunk) = report.get_mut("shrunk").and_then(Value::as_object_mut) {
        shrunk.remove("wall_ms");
    }
    v
}

/// `--jobs` spreads a sweep over threads without changing its report: the same runs, the
/// same first failure, the same counts, with and without stopping at the first failure.
#[test]
fn fuzz_on_several_threads_reports_what_one_thread_does() {
    for extra in [
        &["--protocol", "quorum", "--runs", "60"][..],
        &[
            "--bug",
            "commit-old-term",
            "--runs",
            "200",
            "--stop-at-first",
        ][..],
    ] {
        let sweep = |jobs: &str| {
            let mut args = vec!["fuzz", "--seed", "2", "--jobs", jobs];
            args.extend_from_slice(extra);
            without_wall(json(&splitbrain(&args)))
        };
        let one = sweep("1");
        assert_eq!(sweep("3"), one, "{extra:?}");
        assert_eq!(sweep("2"), one, "{extra:?}");
    }
}

/// `--shard K/N` runs consecutive slices of a sweep, and `merge` joins their reports
/// into exactly the report of the sweep run at once; slices that overlap or leave a gap
/// are refused.
#[test]
fn merged_shards_equal_the_whole_sweep() {
    fn args(shard: Option<&str>) -> Vec<&str> {
        let mut a = vec![
            "fuzz",
            "--bug",
            "commit-old-term",
            "--runs",
            "90",
            "--seed",
            "2",
        ];
        if let Some(s) = shard {
            a.extend_from_slice(&["--shard", s]);
        }
        a
    }
    let whole = without_wall(json(&splitbrain(&args(None))));
    assert!(whole["violations"].as_u64().unwrap() > 0, "{whole}");
    let paths: Vec<std::path::PathBuf> = ["1/3", "2/3", "3/3"]
        .iter()
        .map(|k| {
            let out = splitbrain(&args(Some(k)));
            json(&out);
            temp_file(
                &format!("shard-{}", &k[..1]),
                &String::from_utf8_lossy(&out.stdout),
            )
        })
        .collect();
    let p = |i: usize| paths[i].to_str().unwrap();
    let merged = without_wall(json(&splitbrain(&["merge", p(2), p(0), p(1)])));
    assert_eq!(merged, whole);
    for (files, says) in [
        (vec![p(0), p(2)], "runs 30 to 59 are in no report"),
        (vec![p(0), p(0), p(1), p(2)], "are in two reports"),
    ] {
        let mut a = vec!["merge"];
        a.extend(files);
        let out = splitbrain(&a);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains(says));
    }
    let other = splitbrain(&["fuzz", "--runs", "90", "--seed", "3", "--shard", "2/3"]);
    let other = temp_file("other-shard", &String::from_utf8_lossy(&other.stdout));
    let out = splitbrain(&["merge", p(0), other.to_str().unwrap(), p(2)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("different sweeps"));
}

/// `sweep` fuzzes every combination of settings and reports each: its runs, violations,
/// availability and linearizability; a combination the protocol refuses is a row saying why.
#[test]
fn sweep_reports_every_combination_of_settings() {
    let out = json(&splitbrain(&[
        "sweep",
        "--protocol",
        "quorum",
        "--nodes",
        "3",
        "--set",
        "r=1..4",
        "--set",
        "w=1,3",
        "--runs",
        "6",
    ]));
    let rows = out["rows"].as_array().unwrap();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["settings"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["r=1 w=1", "r=1 w=3", "r=2 w=1", "r=2 w=3", "r=3 w=1", "r=3 w=3", "r=4 w=1", "r=4 w=3"]
    );
    for row in &rows[..6] {
        assert_eq!(row["runs"], 6, "{row}");
        assert_eq!(row["violations"], 0, "{row}");
        let a = row["availability"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&a), "{row}");
        assert!(row["not_linearizable_runs"].as_u64().unwrap() <= 6, "{row}");
    }
    assert!(rows[6]["refused"]
        .as_str()
        .unwrap()
        .contains("number of replicas"));
    // Waiting for every replica costs availability under the same faults.
    let avail = |i: usize| rows[i]["availability"].as_f64().unwrap();
    assert!(avail(5) < avail(0), "{} {}", avail(5), avail(0));
    let table = out["table"].as_array().unwrap();
    assert_eq!(table.len(), 9);
    assert!(table[0].as_str().unwrap().contains("available"));
}

/// `run` prints the link of what it ran, and `run --link` runs what a link shows: the whole
/// address or the part after `#`, with the page's own names ignored and a lesson's step
/// standing for its run.
#[test]
fn run_prints_its_link_and_runs_a_link() {
    let out = json(&splitbrain(&["run", "--seed", "4", "--until", "3s"]));
    let link = out["playground_link"].as_str().unwrap();
    assert_eq!(link, "#v=1&nodes=5&seed=4&load=50&t=3s");
    let address = format!("https://example.org/splitbrain/{link}&embed=topology&speed=10x");
    let again = json(&splitbrain(&["run", "--link", &address]));
    assert_eq!(again["trace_hash"], out["trace_hash"]);
    assert_eq!(again["playground_link"], out["playground_link"]);
    // --until outlasts the link's moment.
    let longer = json(&splitbrain(&["run", "--link", link, "--until", "4s"]));
    assert_eq!(longer["sim_time_us"], 4_000_000);
    assert_ne!(longer["trace_hash"], out["trace_hash"]);
    // A lesson's step is its run: PBFT's two liars split the honest replicas.
    let step = json(&splitbrain(&["run", "--link", "#lesson=pbft&step=5"]));
    assert!(step["playground_link"]
        .as_str()
        .unwrap()
        .contains("behave:3:two-faced"));
    assert_eq!(
        step["violations"][0]["invariant"],
        "honest replicas agree on each sequence number"
    );
    for (bad, says) in [
        ("#lesson=pbft&step=9", "has steps 1 to 7"),
        ("#v=1&nodes=5&bogus=1", "unknown setting \"bogus\""),
        ("#step=2", "step needs a lesson"),
        ("#z=abc", "compressed link"),
    ] {
        let out = splitbrain(&["run", "--link", bad]);
        assert!(!out.status.success(), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{bad}: {err}");
    }
}

/// PBFT keeps four replicas agreeing with one liar among them, and not with two: the
/// fuzzer finds honest replicas committing different requests at one sequence number,
/// and says that more replicas lied than PBFT is made for.
#[test]
fn fuzz_of_pbft_finds_the_bound_of_f_liars() {
    let fuzz = |traitors: &str, runs: &str, until: &str| {
        json(&splitbrain(&[
            "fuzz",
            "--protocol",
            "pbft",
            "--nodes",
            "4",
            "--traitors",
            traitors,
            "--runs",
            runs,
            "--until",
            until,
            "--seed",
            "1",
        ]))
    };
    let one = fuzz("1", "300", "20s");
    assert_eq!(one["runs"], 300);
    assert_eq!(one["violations"], 0, "{one}");
    assert_eq!(one["end_violations"], 0, "{one}");
    // Two liars split the honest pair only when their behaviours fit together (such as
    // an equivocating primary and a two-faced backup), a few runs in a hundred.
    let two = fuzz("2", "600", "8s");
    assert!(two["violations"].as_u64().unwrap() > 0, "{two}");
}

#[test]
fn cap_compares_designs_under_the_same_partition() {
    let out = json(&splitbrain(&[
        "cap",
        "--seed",
        "1",
        "--scenario",
        "raft-vs-quorum",
    ]));
    assert_eq!(out["scenario"], "raft-vs-quorum");
    let clusters = out["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 2);
    let (raft, quorum) = (&clusters[0], &clusters[1]);
    assert_eq!(raft["protocol"], "raft");
    assert_eq!(raft["linearizability"]["verdict"], "linearizable");
    assert!(
        raft["minority"]["availability_during_partition"]
            .as_f64()
            .unwrap()
            < 0.05
    );
    assert_eq!(quorum["linearizability"]["verdict"], "not_linearizable");
    assert!(
        quorum["minority"]["availability_during_partition"]
            .as_f64()
            .unwrap()
            > 0.95
    );
    assert!(!quorum["witness"].as_array().unwrap().is_empty());
    let bad = splitbrain(&["cap", "--scenario", "nope"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("known: raft-vs-quorum"));
}

#[test]
fn a_fuzz_failure_comes_with_a_playground_link() {
    let out = json(&splitbrain(&[
        "fuzz",
        "--runs",
        "50",
        "--bug",
        "vote-without-log-check",
        "--stop-at-first",
    ]));
    let link = out["playground_link"]
        .as_str()
        .expect("a link for a failure");
    let recipe = splitbrain_core::recipe::Recipe::from_query(link).expect("the link reads");
    assert_eq!(recipe.setup.bugs.len(), 1);
    assert_eq!(
        recipe.at_us,
        out["first_failure"]["violation"]["time_us"].as_u64()
    );
    assert!(!recipe.schedule.is_empty());
}

/// A fuzz failure is printed shrunk too: fewer actions, a link that replays the same
/// violation, the actions in words; `shrink` shrinks its original link the same way, and
/// refuses a run that breaks nothing.
#[test]
fn a_fuzz_failure_is_shrunk_and_shrink_shrinks_a_link_alike() {
    let fuzz = |budget: &str| {
        json(&splitbrain(&[
            "fuzz",
            "--runs",
            "50",
            "--bug",
            "vote-without-log-check",
            "--stop-at-first",
            "--shrink-budget",
            budget,
        ]))
    };
    let out = without_wall(fuzz("400"));
    let shrunk = &out["shrunk"];
    let before = shrunk["actions_before"].as_u64().unwrap();
    let after = shrunk["actions_after"].as_u64().unwrap();
    assert_eq!(
        before,
        out["first_failure"]["schedule"].as_array().unwrap().len() as u64
    );
    assert!(after < before, "{shrunk}");
    assert!(shrunk["runs"].as_u64().unwrap() > 1);
    let link = shrunk["playground_link"].as_str().unwrap();
    let replay = json(&splitbrain(&["run", "--link", link]));
    assert_eq!(replay["violations"][0], shrunk["violation"], "{replay}");
    assert_eq!(
        shrunk["property"],
        out["first_failure"]["violation"]["invariant"]
    );
    let words: Vec<&str> = shrunk["in_words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(words.len() as u64, after + 1, "{words:?}");
    assert!(words.last().unwrap().contains("is broken"), "{words:?}");
    for w in &words {
        assert!(!w.contains("NodeId") && !w.contains("Some("), "{w}");
    }
    let again = json(&splitbrain(&[
        "shrink",
        "--link",
        out["playground_link"].as_str().unwrap(),
    ]));
    assert_eq!(again["promised"], true);
    assert_eq!(without_wall(again["shrunk"].clone()), *shrunk);
    assert!(fuzz("0").get("shrunk").is_none());
    let calm = splitbrain(&["shrink", "--link", "v=1&nodes=3&seed=1&t=2s"]);
    assert!(!calm.status.success());
    assert!(String::from_utf8_lossy(&calm.stderr).contains("breaks no property"));
}

/// A property judged at the end is broken at the end of the settling: the link shows the
/// run's end, and running it settles the same way and breaks the same property.
#[test]
fn an_end_property_s_fuzz_failure_links_to_the_run_s_end_and_replays() {
    let out = json(&splitbrain(&[
        "fuzz",
        "--protocol",
        "overload",
        "--bug",
        "retry-storm",
        "--runs",
        "50",
        "--until",
        "12s",
        "--stop-at-first",
    ]));
    let failure = &out["first_failure"];
    assert_eq!(failure["violation"]["at_end"], true, "{out}");
    let link = out["playground_link"].as_str().unwrap();
    let recipe = splitbrain_core::recipe::Recipe::from_query(link).expect("the link reads");
    assert_eq!(recipe.at_us, Some(12_000_000));
    let again = json(&splitbrain(&["run", "--link", link]));
    assert_eq!(
        again["end_violations"][0]["invariant"], failure["violation"]["invariant"],
        "{again}"
    );
}

#[test]
fn a_quorum_fuzz_failure_replays_from_its_command_line_and_its_playground_link() {
    let out = json(&splitbrain(&[
        "fuzz",
        "--protocol",
        "quorum",
        "--bug",
        "blind-overwrite",
        "--runs",
        "50",
        "--until",
        "10s",
        "--stop-at-first",
    ]));
    let failure = &out["first_failure"];
    assert!(failure.is_object(), "no failure found: {out}");
    let path = temp_file("quorum-failure.json", &failure.to_string());
    // The printed command line, with the file saved where it says.
    let replay = out["replay"].as_str().unwrap();
    let command = replay.split("then: splitbrain ").nth(1).unwrap();
    let args: Vec<&str> = command
        .split_whitespace()
        .map(|a| {
            if a == "failure.json" {
                path.to_str().unwrap()
            } else {
                a
            }
        })
        .collect();
    assert!(args.contains(&"blind-overwrite"), "{replay}");
    let replayed = json(&splitbrain(&args));
    assert_eq!(&replayed["violations"][0], &failure["violation"]);
    // The playground link is the same run, stopped at the violation.
    let link = out["playground_link"].as_str().unwrap();
    let recipe = splitbrain_core::recipe::Recipe::from_query(link).unwrap();
    assert_eq!(recipe.setup.protocol, "quorum");
    let mut world = recipe
        .setup
        .spec(recipe.schedule.clone())
        .sim(false)
        .unwrap();
    world.run_until(recipe.at_us.unwrap());
    let v = &world.violations()[0];
    assert_eq!(
        serde_json::to_value(v).unwrap(),
        failure["violation"],
        "{link}"
    );
}

#[test]
fn protocol_settings_reach_the_run_and_bad_ones_are_refused() {
    let out = json(&splitbrain(&[
        "run",
        "--protocol",
        "quorum",
        "--set",
        "r=3",
        "--set",
        "w=3",
        "--until",
        "3s",
    ]));
    assert_eq!(out["protocol"], "quorum");
    assert_eq!(out["linearizability"], "linearizable");
    for (args, want) in [
        (
            &["run", "--protocol", "quorum", "--set", "r=6"][..],
            "number of replicas (5)",
        ),
        (
            &["run", "--bug", "blind-overwrite"][..],
            "belongs to quorum, not raft",
        ),
        (
            &["run", "--protocol", "quorum", "--set", "conflict=newest"][..],
            "lww",
        ),
        (
            &["run", "--set", "r=2"][..],
            "r is a setting of quorum, not of raft",
        ),
        (&["run", "--set", "r"][..], "NAME=VALUE"),
    ] {
        let out = splitbrain(args);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

#[test]
fn protocols_describes_every_protocol_with_its_settings_bugs_and_properties() {
    let out = json(&splitbrain(&["protocols"]));
    let list = out["protocols"].as_array().unwrap();
    let names: Vec<&str> = list.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, splitbrain_core::registry::names());
    let quorum = list.iter().find(|p| p["name"] == "quorum").unwrap();
    let r = quorum["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "r")
        .unwrap();
    assert_eq!(r["kind"], "node_count");
    assert_eq!(r["default"], "1");
    assert!(r["help"].as_str().unwrap().contains("read"));
    for p in list {
        for field in [
            "title",
            "summary",
            "settings",
            "bugs",
            "behaviours",
            "roles",
        ] {
            assert!(!p[field].is_null(), "{}: {field}", p["name"]);
        }
        for prop in p["properties"].as_array().unwrap() {
            assert!(
                ["safety", "at_end"].contains(&prop["kind"].as_str().unwrap()),
                "{prop}"
            );
        }
    }
}

#[test]
fn lessons_are_listed_and_their_claims_checked() {
    let listed = json(&splitbrain(&["lessons"]));
    let lessons = listed["lessons"].as_array().unwrap();
    assert!(lessons.iter().any(|l| l["name"] == "two-generals"));
    for l in lessons {
        for step in l["steps"].as_array().unwrap() {
            assert!(step["claim"].as_str().is_some_and(|c| !c.is_empty()));
        }
    }
    let checked = json(&splitbrain(&["lesson", "check", "--all"]));
    assert_eq!(checked["checked"].as_array().unwrap().len(), lessons.len());
    // A claim the run does not show fails, naming the lesson and the step.
    let wrong = temp_file(
        "wrong.md",
        "---\nname: wrong\ntopic: two-generals\ntitle: Wrong\n---\n# Step: calm\nrun: v=1&protocol=two-generals&nodes=2&seed=1&t=6s\nclaim: end broken the generals decide alike\n",
    );
    let out = splitbrain(&["lesson", "check", wrong.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("lesson wrong, step \"calm\": the claim: it does not hold"),
        "{err}"
    );
    // A malformed file gets the line of the problem.
    let bad = temp_file(
        "bad.md",
        "---\nname: bad\ntopic: two-generals\ntitle: Bad\n---\n# Step: one\nclaim: nonsense\n",
    );
    let out = splitbrain(&["lesson", "check", bad.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("line 7: unknown claim"),
        "{err}"
    );
}
