//! Scenarios of two-phase commit: a calm run, a no vote, a coordinator that crashes before
//! deciding (participants in doubt until it returns, or for good), each bug shown breaking
//! its property, and participants that ask each other.

use super::*;
use crate::check::Violation;
use crate::ids::NodeId;
use crate::registry::Of;
use crate::run::RunSpec;
use crate::time::MICROS_PER_SEC;
use crate::world::World;

fn spec(actions: &str, bugs: &[&str], settings: &[(&str, &str)]) -> RunSpec {
    let mut spec = RunSpec::new(4, 1, 3 * MICROS_PER_SEC).with_protocol("two-phase-commit");
    spec.workload = None;
    spec.scenario(actions, bugs, settings)
}

fn run(spec: &RunSpec) -> World<TpcNode> {
    let config = Of::<TpcNode>::config(&spec.settings, &spec.bugs, &spec.env()).unwrap();
    let mut w = spec.world(config, true);
    w.run_until(spec.until_us);
    w
}

fn end(w: &World<TpcNode>) -> Vec<Violation> {
    w.clone().check_end(crate::run::SETTLE_US)
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
