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
