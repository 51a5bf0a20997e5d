//! Scenarios of two-phase commit: a calm run, a no vote, a coordinator that crashes before
//! deciding (participants in doubt until it returns, or for good), each bug shown breaking
//! its property, and participants that ask each other.

use super::*;
use crate::ids::NodeId;
use crate::run::RunSpec;
use crate::testkit::{self, end};
use crate::time::MICROS_PER_SEC;
use crate::world::World;

fn spec(actions: &str, bugs: &[&str], settings: &[(&str, &str)]) -> RunSpec {
    testkit::scenario(
        "two-phase-commit",
        4,
        3 * MICROS_PER_SEC,
        actions,
        bugs,
        settings,
    )
}

fn run(spec: &RunSpec) -> World<TpcNode> {
    testkit::run(spec)
}

fn node(w: &World<TpcNode>, i: u32) -> &TpcNode {
    w.node(NodeId(i)).expect("up")
}

fn notes(w: &World<TpcNode>) -> Vec<String> {
    w.trace()
        .events()
        .filter_map(|e| match &e.kind {
            crate::trace::EventKind::Note { node, note } => Some(format!("{node} {}", note.text())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_calm_run_decides_every_transaction_alike() {
    let w = run(&spec("", &[], &[]));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty());
    let coordinator = node(&w, 0).decided().clone();
    assert_eq!(coordinator.len(), 5, "{coordinator:?}");
    assert!(coordinator.values().any(|c| *c) && coordinator.values().any(|c| !*c));
    for i in 1..4 {
        assert_eq!(node(&w, i).decided(), &coordinator, "n{i}");
    }
}

#[test]
fn one_no_aborts_everywhere() {
    let w = run(&spec("", &[], &[("no", "100"), ("transactions", "1")]));
    assert!(w.violations().is_empty());
    for i in 0..4 {
        assert_eq!(node(&w, i).decided().get(&1), Some(&false), "n{i}");
    }
}

/// n0 crashes just after asking n1 to n3 to prepare, before any vote reaches it.
const COORDINATOR_DIES: &str = "203ms@crash:0:keep";

#[test]
fn without_its_coordinator_a_participant_that_voted_yes_waits() {
    let w = run(&spec(COORDINATOR_DIES, &[], &[("no", "0")]));
    assert!(w.violations().is_empty());
    for i in 1..4 {
        assert_eq!(node(&w, i).in_doubt().collect::<Vec<_>>(), vec![1], "n{i}");
    }
    assert!(notes(&w)
        .iter()
        .any(|n| n.starts_with("n1 is in doubt about t1")));
    let e = end(&w);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].invariant, "every transaction is decided");
    assert!(
        e[0].message.contains("the coordinator is down"),
        "{}",
        e[0].message
    );
    // Asking each other does not help: every one of them is in doubt.
    let w = run(&spec(
        COORDINATOR_DIES,
        &[],
        &[("no", "0"), ("cooperative", "1")],
    ));
    assert_eq!(node(&w, 2).in_doubt().count(), 1);
}

#[test]
fn a_coordinator_back_from_a_crash_aborts_what_it_had_not_decided() {
    let w = run(&spec(
        &format!("{COORDINATOR_DIES},1s@restart:0"),
        &[],
        &[("no", "0")],
    ));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty());
    for i in 0..4 {
        assert_eq!(node(&w, i).decided().get(&1), Some(&false), "n{i}");
    }
    assert!(notes(&w)
        .iter()
        .any(|n| n == "n0 decides to abort t1: it restarted and had not decided before its crash"));
}

/// t1's prepares arrive by 207 ms and n0 decides at 212 ms; n3 does not hear the decision
/// (the link from n0 to n3 is cut at 209 ms), and n0 crashes before it sends it again and
/// comes back at 600 ms.
const COMMIT_THEN_CRASH: &str =
    "209ms@cut:0-3,400ms@crash:0:keep,600ms@restart:0,700ms@restore:0-3";

#[test]
fn the_decision_is_written_before_it_is_sent() {
    let w = run(&spec(
        COMMIT_THEN_CRASH,
        &[],
        &[("no", "0"), ("transactions", "1")],
    ));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    for i in 0..4 {
        assert_eq!(node(&w, i).decided().get(&1), Some(&true), "n{i}");
    }
    let w = run(&spec(
        COMMIT_THEN_CRASH,
        &["unlogged-decision"],
        &[("no", "0"), ("transactions", "1")],
    ));
    let v = &w.violations()[0];
    assert_eq!(v.invariant, "all decide alike");
    assert!(v.message.contains("decided to abort t1"), "{}", v.message);
}

#[test]
fn a_participant_that_gives_up_breaks_atomicity() {
    // n2 votes yes but never hears the decision until 2 s.
    let actions = "209ms@cut:0-2,2s@restore:0-2";
    let w = run(&spec(actions, &[], &[("no", "0"), ("transactions", "1")]));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert_eq!(node(&w, 2).decided().get(&1), Some(&true));
    let w = run(&spec(
        actions,
        &["unilateral-abort"],
        &[("no", "0"), ("transactions", "1")],
    ));
    let v = &w.violations()[0];
    assert_eq!(v.invariant, "all decide alike");
    assert!(
        v.message.starts_with("n2 decided to abort t1"),
        "{}",
        v.message
    );
}

#[test]
fn a_missing_vote_aborts_unless_the_coordinator_presumes_it() {
    let actions = "0s@cut:3-0";
    let w = run(&spec(actions, &[], &[("no", "0"), ("transactions", "1")]));
    assert!(w.violations().is_empty());
    assert!(notes(&w)
        .iter()
        .any(|n| n == "n0 decides to abort t1: no vote from n3 in time"));
    // n3 never asked: the coordinator commits without its vote.
    let w = run(&spec(
        "0s@cut:0-3",
        &["timeout-commits"],
        &[("no", "0"), ("transactions", "1")],
    ));
    let v = &w.violations()[0];
    assert_eq!(v.invariant, "commit needs every yes");
    assert_eq!(v.message, "n0 committed t1, but n3 never voted on it");
}

#[test]
fn participants_that_ask_each_other_learn_what_one_of_them_heard() {
    // Only n1 hears the commit; n0 then crashes for good.
    let actions = "209ms@cut:0-2,209ms@cut:0-3,400ms@crash:0:keep";
    let settings = [("no", "0"), ("transactions", "1")];
    let w = run(&spec(actions, &[], &settings));
    assert_eq!(node(&w, 2).in_doubt().count(), 1);
    assert!(!end(&w).is_empty());
    let mut cooperative = settings.to_vec();
    cooperative.push(("cooperative", "1"));
    let w = run(&spec(actions, &[], &cooperative));
    assert!(w.violations().is_empty());
    assert_eq!(node(&w, 2).decided().get(&1), Some(&true));
    assert!(notes(&w)
        .iter()
        .any(|n| n == "n2 commits t1, as n1 told it"));
    assert!(end(&w).is_empty());
}

/// After the coordinator restarts and aborts what it had not decided, the story says so,
/// not that it begins the transaction again.
#[test]
fn the_story_after_a_coordinator_restart_is_its_abort() {
    let r = crate::recipe::Recipe::from_query(
        "v=1&protocol=two-phase-commit&nodes=4&seed=1&no=0&transactions=1&actions=203ms@crash:0:keep,1s@restart:0&t=1.001s",
    )
    .unwrap();
    let mut w = r
        .setup
        .spec(r.schedule.clone())
        .typed_world::<TpcNode>(true)
        .unwrap();
    w.run_until(r.at_us.unwrap());
    let (_, _, text) = crate::view::narration(&w).unwrap();
    assert!(text.contains("n0 decides to abort t1"), "{text}");
}

// --- three phases ---

fn three(settings: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut s = vec![("phases", "3"), ("no", "0"), ("transactions", "1")];
    s.extend_from_slice(settings);
    s
}

/// n0 gets every yes and sends pre-commit at 212 ms, but only n1's gets out (the links from
/// n0 to n2 and n3 are cut at 209 ms, as if n0 crashed in the middle of its sends); n0
/// crashes for good at 300 ms, before its acknowledgements are overdue.
const PRE_COMMIT_THEN_CRASH: &str = "209ms@cut:0-2,209ms@cut:0-3,300ms@crash:0:keep";

#[test]
fn a_calm_three_phase_run_pre_commits_then_commits() {
    let w = run(&spec("", &[], &[("phases", "3")]));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty());
    let coordinator = node(&w, 0).decided().clone();
    assert_eq!(coordinator.len(), 5, "{coordinator:?}");
    for i in 1..4 {
        assert_eq!(node(&w, i).decided(), &coordinator, "n{i}");
    }
    let notes = notes(&w);
    assert!(notes.iter().any(|n| n
        == "n0 has a yes from every participant on t1: sends pre-commit to all and waits for their acknowledgements"));
    assert!(notes
        .iter()
        .any(|n| n == "n0 decides to commit t1: every participant acknowledged the pre-commit"));
}

#[test]
fn with_three_phases_a_coordinator_crash_after_some_pre_commits_does_not_block() {
    // Two phases: n0 decided to commit and only n1 heard it; n2 and n3 wait for good.
    let w = run(&spec(PRE_COMMIT_THEN_CRASH, &[], &three(&[])[1..]));
    assert!(w.violations().is_empty());
    assert_eq!(node(&w, 1).decided().get(&1), Some(&true));
    for i in 2..4 {
        assert_eq!(node(&w, i).in_doubt().collect::<Vec<_>>(), vec![1], "n{i}");
    }
    let e = end(&w);
    assert_eq!(e[0].invariant, "every transaction is decided");
    // Three phases: n1 is pre-committed, so no one can have aborted; it takes over (the
    // lowest-numbered participant) and commits, and everyone decides alike.
    let w = run(&spec(PRE_COMMIT_THEN_CRASH, &[], &three(&[])));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty(), "{:?}", end(&w));
    for i in 1..4 {
        assert_eq!(node(&w, i).decided().get(&1), Some(&true), "n{i}");
    }
    let notes = notes(&w);
    assert!(notes.iter().any(|n| n.starts_with(
        "n1 takes over as coordinator of t1: it hears from no lower-numbered participant (it reaches n2, n3); n1 is pre-committed"
    )));
    assert!(notes.iter().any(|n| n == "n2 is pre-committed to t1, as n1 told it: it knows every participant voted yes, writes that down and acknowledges"));
    assert!(notes.iter().any(|n| n == "n3 commits t1, as n1 told it"));
}

#[test]
fn with_three_phases_a_coordinator_crash_before_any_pre_commit_aborts() {
    let w = run(&spec(COORDINATOR_DIES, &[], &three(&[])));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty(), "{:?}", end(&w));
    for i in 1..4 {
        assert_eq!(node(&w, i).decided().get(&1), Some(&false), "n{i}");
        assert!(node(&w, i).precommitted().is_empty(), "n{i}");
    }
    assert!(notes(&w).iter().any(|n| n
        == "n1 decides to abort t1: no participant it reaches is pre-committed, so nobody can have committed it (termination protocol)"));
}

#[test]
fn a_three_phase_coordinator_back_from_a_crash_asks_instead_of_aborting() {
    // The participants commit without n0 (n1 was pre-committed); n0 comes back at 2 s with
    // t1 undecided on its disk and learns the commit from them.
    let w = run(&spec(
        &format!("{PRE_COMMIT_THEN_CRASH},1500ms@restore:0-2,1500ms@restore:0-3,2s@restart:0"),
        &[],
        &three(&[]),
    ));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty(), "{:?}", end(&w));
    for i in 0..4 {
        assert_eq!(node(&w, i).decided().get(&1), Some(&true), "n{i}");
    }
    assert!(notes(&w)
        .iter()
        .any(|n| n.starts_with("n0 restarted with t1 undecided")));
}

/// n0 sends pre-commit at 212 ms; the network splits into {n0, n1} and {n2, n3} at 213 ms,
/// while the pre-commits are on their way: only n1's arrives.
const PRE_COMMIT_THEN_PARTITION: &str = "213ms@partition:0-1/2-3";

#[test]
fn with_three_phases_a_partition_during_pre_commit_decides_both_ways() {
    let w = run(&spec(PRE_COMMIT_THEN_PARTITION, &[], &three(&[])));
    // n0 takes n2's silence for a crash and commits, as does n1; n2 and n3, which only
    // voted yes, take over on their side and abort.
    assert_eq!(node(&w, 0).decided().get(&1), Some(&true));
    assert_eq!(node(&w, 1).decided().get(&1), Some(&true));
    assert_eq!(node(&w, 2).decided().get(&1), Some(&false));
    let v = &w.violations()[0];
    assert_eq!(v.invariant, "all decide alike");
    assert_eq!(
        v.message,
        "n2 decided to abort t1, but n0 decided to commit it"
    );
    let notes = notes(&w);
    assert!(notes.iter().any(|n| n.starts_with(
        "n0 decides to commit t1: every participant voted yes; no acknowledgement of the pre-commit from n2 in time"
    )));
    assert!(notes.iter().any(|n| n.starts_with(
        "n2 takes over as coordinator of t1: it hears from no lower-numbered participant (it reaches n3); none of them is pre-committed"
    )));
    // Two phases under the same partition: n0 commits, and n2 and n3 wait (blocked, but
    // safe).
    let w = run(&spec(PRE_COMMIT_THEN_PARTITION, &[], &three(&[])[1..]));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert_eq!(node(&w, 2).in_doubt().count(), 1);
}

/// The fuzzer's crashes (synchronous links, nodes that crash for good) reach the
/// termination protocol both ways, and break nothing three-phase commit promises there.
#[test]
fn the_fuzzers_crashes_exercise_the_termination_protocol() {
    let mut base = RunSpec::new(4, 0, 20 * MICROS_PER_SEC).with_protocol("two-phase-commit");
    base.settings.set("phases", "3");
    let fuzz = crate::fuzz::FuzzSpec {
        base,
        runs: 300,
        seed: 1,
        mix: crate::fuzz::FaultMix::default(),
        stop_at_first: false,
    };
    let (mut commits, mut aborts) = (0, 0);
    for i in 0..fuzz.runs {
        let spec = crate::fuzz::fuzz_run_spec(&fuzz, i);
        let mut w = spec.typed_world::<TpcNode>(true).unwrap();
        w.run_until(spec.until_us);
        assert!(w.violations().is_empty(), "run {i}: {:?}", w.violations());
        assert!(end(&w).is_empty(), "run {i}: {:?}", end(&w));
        let notes = notes(&w);
        commits += notes
            .iter()
            .filter(|n| n.contains("commit") && n.contains("(termination protocol)"))
            .count();
        aborts += notes
            .iter()
            .filter(|n| n.contains("abort") && n.contains("(termination protocol)"))
            .count();
    }
    assert!(commits > 0 && aborts > 0, "{commits} {aborts}");
}
