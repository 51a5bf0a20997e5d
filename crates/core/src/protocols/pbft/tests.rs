//! Scenarios of PBFT.

use super::*;
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
