//! Scenarios of PBFT.

use super::*;
use crate::action::{Action, DiskFate, Scheduled};
use crate::check::Violation;
use crate::ids::NodeId;
use crate::recipe::parse_schedule;
use crate::registry::Of;
use crate::run::RunSpec;
use crate::time::MICROS_PER_SEC;
use crate::world::World;

fn spec(nodes: usize, actions: &str, bugs: &[&str]) -> RunSpec {
    let mut spec = RunSpec::new(nodes, 1, 10 * MICROS_PER_SEC).with_protocol("pbft");
    spec.schedule = parse_schedule(actions).unwrap();
    for bug in bugs {
        spec = spec.bug(bug);
    }
    spec
}

fn run(spec: &RunSpec) -> World<PbftNode> {
    let config = Of::<PbftNode>::config(&spec.settings, &spec.bugs, &spec.env()).unwrap();
    let mut w = spec.world(config, true);
    w.run_until(spec.until_us);
    w
}

fn end(w: &World<PbftNode>) -> Vec<Violation> {
    w.clone().check_end(crate::run::SETTLE_US)
}

#[test]
fn a_calm_run_serves_the_clients_and_every_replica_executes_the_same_requests() {
    let w = run(&spec(4, "", &[]));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    assert!(end(&w).is_empty(), "{:?}", end(&w));
    let executed: Vec<u64> = (0..4)
        .map(|i| w.node(NodeId(i)).unwrap().executed())
        .collect();
    assert!(executed[0] > 5, "{executed:?}");
    let first = w.node(NodeId(0)).unwrap().committed().clone();
    for i in 1..4 {
        let other = w.node(NodeId(i)).unwrap().committed();
        for (seq, (_, cmd)) in other {
            if let Some((_, c)) = first.get(seq) {
                assert_eq!(c, cmd, "n{i} at {seq}");
            }
        }
    }
}

fn at(mut spec: RunSpec, at: u64, action: Action) -> RunSpec {
    spec.schedule.push(Scheduled { at, action });
    spec
}

fn lying(spec: RunSpec, node: u32, behaviour: &str) -> RunSpec {
    at(
        spec,
        0,
        Action::Behave {
            node: NodeId(node),
            behaviour: behaviour.into(),
        },
    )
}

#[test]
fn a_primary_that_crashes_for_good_is_replaced_by_a_view_change() {
    let s = at(
        spec(4, "", &[]),
        2 * MICROS_PER_SEC,
        Action::Crash {
            node: NodeId(0),
            disk: DiskFate::Keep,
        },
    );
    let w = run(&s);
    assert!(w.violations().is_empty(), "{:?}", w.violations());
    let n1 = w.node(NodeId(1)).unwrap();
    assert!(n1.view() >= 1, "view {}", n1.view());
    let before = n1.executed();
    assert!(before > 5);
    let e = end(&w);
    assert!(e.is_empty(), "{e:?}");
}

#[test]
fn four_replicas_survive_any_one_liar() {
    for traitor in 0..4 {
        for behaviour in ["equivocate", "two-faced", "silent", "wrong-reply"] {
            let w = run(&lying(spec(4, "", &[]), traitor, behaviour));
            assert!(
                w.violations().is_empty(),
                "{traitor} {behaviour}: {:?}",
                w.violations()
            );
            let e = end(&w);
            assert!(e.is_empty(), "{traitor} {behaviour}: {e:?}");
        }
    }
}

#[test]
fn an_equivocating_primary_and_a_two_faced_backup_split_four_replicas() {
    let s = lying(lying(spec(4, "", &[]), 0, "equivocate"), 3, "two-faced");
    let w = run(&s);
    let v = w.violations();
    assert!(
        v.iter()
            .any(|v| v.invariant == "honest replicas agree on each sequence number"),
        "{v:?}"
    );
}

/// Work in progress: with one equivocating primary alone the honest replicas do not split
/// here (the odd ones commit, the even one waits for a view change, and the new primary
/// takes the odd ones' certificate); a hand-made schedule that splits them is still to be
/// found. The fuzzer finds the bug (see the registry test).
#[test]
#[ignore]
fn with_the_prepare_quorum_of_f_an_equivocating_primary_splits_the_honest_replicas() {
    let s = lying(spec(4, "", &["prepare-quorum-f"]), 0, "equivocate");
    let w = run(&s);
    let v = w.violations();
    assert!(
        v.iter()
            .any(|v| v.invariant == "honest replicas agree on each sequence number"),
        "{v:?}"
    );
}

#[test]
#[ignore]
fn debug_silent_primary() {
    let w = run(&lying(spec(4, "", &[]), 0, "silent"));
    for i in 0..4 {
        let n = w.node(NodeId(i)).unwrap();
        eprintln!(
            "n{i}: view {} changing {} executed {} waiting {} heard {} stalled {} attempts {} vc {:?}",
            n.view(),
            n.changing,
            n.executed(),
            n.waiting().len(),
            n.heard.len(),
            n.stalled,
            n.attempts,
            n.vc.keys().collect::<Vec<_>>()
        );
        eprintln!(
            "  accepted {:?}",
            n.accepted().iter().take(3).collect::<Vec<_>>()
        );
        eprintln!(
            "  committed {:?}",
            n.committed().iter().take(3).collect::<Vec<_>>()
        );
    }
}

#[test]
#[ignore]
fn debug_fuzz_run() {
    use crate::fuzz::{fuzz_run_spec, FaultMix, FuzzSpec};
    let seed: u64 = std::env::var("SEED").unwrap().parse().unwrap();
    let i: u64 = std::env::var("RUN").unwrap().parse().unwrap();
    let grep = std::env::var("GREP").unwrap_or_default();
    let base = RunSpec::new(
        4,
        0,
        std::env::var("LEN").map_or(20, |s| s.parse().unwrap()) * MICROS_PER_SEC,
    )
    .with_protocol("pbft");
    let spec = FuzzSpec {
        base,
        runs: 1,
        seed,
        mix: FaultMix::default(),
        stop_at_first: false,
    };
    let rs = fuzz_run_spec(&spec, i);
    for s in &rs.schedule {
        eprintln!("{} {:?}", s.at, s.action);
    }
    let mut w = run(&rs);
    eprintln!("violations {:?}", w.violations());
    eprintln!("end {:?}", w.check_end(crate::run::SETTLE_US));
    let until: u64 = std::env::var("UNTIL").map_or(u64::MAX, |s| s.parse().unwrap());
    let since: u64 = std::env::var("SINCE").map_or(0, |s| s.parse().unwrap());
    for e in w.trace().events() {
        if e.time > until {
            break;
        }
        if e.time < since {
            continue;
        }
        let t = crate::view::text(e);
        if !grep.is_empty() && !grep.split('|').any(|g| t.contains(g)) {
            continue;
        }
        eprintln!("{} {}", e.time, t);
    }
    for i in 0..4 {
        let Some(n) = w.node(NodeId(i)) else {
            eprintln!("n{i} down");
            continue;
        };
        eprintln!(
            "  open {:?}",
            n.accepted()
                .range(n.executed() + 1..)
                .take(4)
                .map(|(s, (v, c))| (s, v, super::node::command_text(c)))
                .collect::<Vec<_>>()
        );
        eprintln!(
            "  committed beyond {:?}",
            n.committed()
                .range(n.executed() + 1..)
                .take(4)
                .map(|(s, (v, _))| (s, v))
                .collect::<Vec<_>>()
        );
        eprintln!(
            "n{i}: view {} changing {} executed {} waiting {} heard {} stalled {} attempts {} vc {:?} accepted-last {:?}",
            n.view(), n.changing, n.executed(), n.waiting().len(), n.heard.len(), n.stalled, n.attempts,
            n.vc.keys().collect::<Vec<_>>(), n.accepted().keys().next_back()
        );
    }
}
