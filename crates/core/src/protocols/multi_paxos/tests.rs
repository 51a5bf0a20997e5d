//! Scenarios of Multi-Paxos.

use super::*;
use crate::check::Violation;
use crate::ids::NodeId;
use crate::registry::Of;
use crate::run::RunSpec;
use crate::time::MICROS_PER_SEC;
use crate::world::World;

fn spec(actions: &str, bugs: &[&str]) -> RunSpec {
    RunSpec::new(5, 1, 10 * MICROS_PER_SEC)
        .with_protocol("multi-paxos")
        .scenario(actions, bugs, &[])
}

fn run(spec: &RunSpec) -> World<MpNode> {
    let config = Of::<MpNode>::config(&spec.settings, &spec.bugs, &spec.env()).unwrap();
    let mut w = spec.world(config, true);
    w.run_until(spec.until_us);
    w
}

fn end(w: &World<MpNode>) -> Vec<Violation> {
    w.clone().check_end(crate::run::SETTLE_US)
}

#[test]
fn a_calm_run_serves_the_clients_and_every_replica_applies_the_same_slots() {
    let s = spec("", &[]);
    let w = run(&s);
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty(), "{:?}", end(&w));
    let applied: Vec<u64> = (0..5)
        .map(|i| w.node(NodeId(i)).unwrap().applied())
        .collect();
    assert!(applied.iter().all(|&a| a > 100), "{applied:?}");
    let report = crate::run::run(&s).unwrap();
    assert_eq!(
        report.linearizability,
        crate::checkers::linearizability::Verdict::Linearizable
    );
}

/// The notes node `who` told, in order.
fn notes_of(w: &World<MpNode>, who: NodeId) -> Vec<MpNote> {
    use crate::trace::EventKind;
    w.trace()
        .events()
        .filter_map(|e| match &e.kind {
            EventKind::Note { node, note } if *node == who => note.get::<MpNote>().cloned(),
            _ => None,
        })
        .collect()
}

fn all_notes(w: &World<MpNode>) -> Vec<MpNote> {
    (0..5).flat_map(|i| notes_of(w, NodeId(i))).collect()
}

#[test]
fn phase_one_runs_once_for_a_stable_leader() {
    let w = run(&spec("", &[]));
    let notes = all_notes(&w);
    let stands = notes
        .iter()
        .filter(|n| matches!(n, MpNote::Stands { .. }))
        .count();
    let proposes = notes
        .iter()
        .filter(|n| matches!(n, MpNote::Proposes { .. }))
        .count();
    assert_eq!(stands, 1, "one election");
    assert!(
        proposes > 400,
        "{proposes} commands proposed in phase 2 alone"
    );
}

/// The leader crashes at 1 s with commands accepted but not yet known to be chosen
/// everywhere. The next leader learns them from the promises and proposes them again.
const LEADER_CRASH: &str = "1s@crash-leader:keep:300ms";

#[test]
fn a_new_leader_re_proposes_what_the_promises_reported() {
    let s = spec(LEADER_CRASH, &[]);
    let w = run(&s);
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty(), "{:?}", end(&w));
    let recovered = all_notes(&w)
        .into_iter()
        .any(|n| matches!(n, MpNote::Leads { recovered, .. } if recovered > 0));
    assert!(recovered, "the new leader recovered accepted commands");
    assert_eq!(
        crate::run::run(&s).unwrap().linearizability,
        crate::checkers::linearizability::Verdict::Linearizable
    );
}

#[test]
fn a_leader_that_ignores_reported_values_overwrites_a_chosen_command() {
    let w = run(&spec(LEADER_CRASH, &["leader-ignores-accepted"]));
    let names: Vec<&str> = w
        .violations()
        .iter()
        .map(|v| v.invariant.as_str())
        .collect();
    assert_eq!(names, ["one command per slot"]);
}

/// Every node crashes at 1 s, the leader for longer, and the others come back 50 ms later
/// with their disks: with acceptances on disk the next leader recovers them; kept in
/// memory only, they are gone and a chosen slot is given another command.
const ALL_CRASH: &str = "1s@crash-leader:keep:300ms,1s@crash:0:keep,1s@crash:2:keep,1s@crash:3:keep,1s@crash:4:keep,1.05s@restart:0,1.05s@restart:2,1.05s@restart:3,1.05s@restart:4";

#[test]
fn acceptances_must_survive_a_restart() {
    let w = run(&spec(ALL_CRASH, &[]));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty(), "{:?}", end(&w));
    let w = run(&spec(ALL_CRASH, &["forget-accepted"]));
    let names: Vec<&str> = w
        .violations()
        .iter()
        .map(|v| v.invariant.as_str())
        .collect();
    assert_eq!(names, ["one command per slot"]);
}

/// The clients' histories stay linearizable under random faults.
#[test]
fn histories_under_fault_schedules_are_linearizable() {
    use crate::checkers::linearizability::Verdict;
    use crate::fuzz::{fuzz_run_spec, FaultMix, FuzzSpec};
    let base = RunSpec::new(5, 0, 10 * MICROS_PER_SEC).with_protocol("multi-paxos");
    let fuzz = FuzzSpec {
        base,
        runs: 40,
        seed: 3,
        mix: FaultMix::default(),
        stop_at_first: false,
    };
    for i in 0..fuzz.runs {
        let report = crate::run::run(&fuzz_run_spec(&fuzz, i)).unwrap();
        assert!(
            report.violations.is_empty(),
            "run {i}: {:?}",
            report.violations
        );
        assert_ne!(report.linearizability, Verdict::NotLinearizable, "run {i}");
    }
}
