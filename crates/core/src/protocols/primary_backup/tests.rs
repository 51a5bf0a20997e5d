//! Primary-backup's basics, its failover, and the split brain it allows.

use super::{roles, PbBug, PbConfig, PbNode};
use crate::action::{Action, DiskFate};
use crate::checkers::linearizability;
use crate::client::{KvOp, KvResult, Outcome, Workload};
use crate::ids::NodeId;
use crate::rng::SimRng;
use crate::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};
use crate::world::{World, WorldConfig};

const SEC: Micros = MICROS_PER_SEC;

fn world(nodes: usize, seed: u64, config: PbConfig) -> World<PbNode> {
    World::new(WorldConfig::new(nodes, seed, config))
}

fn run_workload(w: &mut World<PbNode>, workload: Workload, secs: u64) {
    w.act(Action::SetWorkload { workload });
    w.run_until(w.now() + secs * SEC);
    w.act(Action::SetWorkload {
        workload: Workload {
            rate_per_s: 0,
            ..workload
        },
    });
    w.run_until(w.now() + 2 * SEC);
}

fn ok(result: &Outcome) -> bool {
    matches!(result, Outcome::Done { result } if *result != KvResult::Unavailable)
}

fn client(w: &mut World<PbNode>, node: u32, op: KvOp) {
    w.act(Action::Client {
        node: NodeId(node),
        op,
    });
}

fn primaries(w: &World<PbNode>) -> Vec<NodeId> {
    w.statuses()
        .filter(|(_, s)| s.role == roles::PRIMARY)
        .map(|(id, _)| id)
        .collect()
}

fn converged(w: &World<PbNode>, nodes: u32) -> bool {
    let logs: Vec<_> = (0..nodes)
        .map(|i| w.node(NodeId(i)).unwrap().log().to_vec())
        .collect();
    logs.windows(2).all(|p| p[0] == p[1])
}

#[test]
fn without_faults_every_operation_succeeds_and_backups_catch_up() {
    for sync_follower in [false, true] {
        let config = PbConfig {
            sync_follower,
            ..PbConfig::default()
        };
        let mut w = world(5, 1, config);
        run_workload(&mut w, Workload::default(), 10);
        assert!(w.clients().len() > 400);
        assert!(
            w.clients().iter().all(|c| ok(&c.outcome)),
            "sync {sync_follower}"
        );
        assert_eq!(primaries(&w), [NodeId(0)]);
        assert!(converged(&w, 5), "sync {sync_follower}");
        assert!(w.violations().is_empty(), "{:?}", w.violations());
    }
}

/// The primary alone is a single copy that applies one operation at a time: its own
/// clients see a linearizable register (the backups' clients may read stale values).
#[test]
fn operations_at_the_primary_are_linearizable() {
    let mut w = world(3, 2, PbConfig::default());
    let mut rng = SimRng::new(2);
    for i in 0..400 {
        let key = rng.below(3) as u32;
        let op = match rng.below(5) {
            0 | 1 => KvOp::Get { key },
            2 | 3 => KvOp::Put { key, value: i },
            _ => KvOp::Cas {
                key,
                expect: Some(rng.below(i + 1)),
                new: i,
            },
        };
        client(&mut w, 0, op);
        w.run_until(w.now() + rng.range(0, 5 * MICROS_PER_MS));
    }
    w.run_until(w.now() + 2 * SEC);
    assert!(w.clients().iter().all(|c| ok(&c.outcome)));
    assert!(linearizability::check(w.clients()).is_linearizable());
}

#[test]
fn a_backup_takes_over_when_the_primary_crashes() {
    let mut w = world(5, 3, PbConfig::default());
    client(&mut w, 2, KvOp::Put { key: 1, value: 1 });
    w.run_until(SEC);
    w.act(Action::Crash {
        node: NodeId(0),
        disk: DiskFate::Keep,
    });
    w.run_until(2 * SEC);
    assert_eq!(primaries(&w), [NodeId(1)], "the lowest live node");
    assert_eq!(w.node(NodeId(1)).unwrap().epoch(), 2);
    client(&mut w, 3, KvOp::Put { key: 1, value: 2 });
    w.run_until(3 * SEC);
    assert!(ok(&w.clients()[1].outcome));
    // The old primary comes back as a backup of the new one.
    w.act(Action::Restart { node: NodeId(0) });
    w.run_until(4 * SEC);
    assert_eq!(primaries(&w), [NodeId(1)]);
    assert_eq!(w.node(NodeId(0)).unwrap().primary(), Some(NodeId(1)));
    assert_eq!(w.node(NodeId(0)).unwrap().store().get(&1), Some(&2));
    assert!(w.violations().is_empty(), "{:?}", w.violations());
}

/// Both sides of a partition get a primary and take writes; on healing, the older
/// epoch's primary steps down and its acknowledged writes are thrown away.
#[test]
fn a_partition_splits_the_brain_and_healing_loses_acknowledged_writes() {
    let mut w = world(5, 4, PbConfig::default());
    client(&mut w, 3, KvOp::Put { key: 0, value: 1 });
    w.run_until(SEC);
    w.act(Action::Partition {
        groups: vec![vec![NodeId(0), NodeId(1)]],
    });
    w.run_until(2 * SEC);
    assert_eq!(primaries(&w), [NodeId(0), NodeId(2)], "split brain");
    // The minority's write comes after the majority's, so it should be the one to stay.
    client(&mut w, 4, KvOp::Put { key: 0, value: 20 });
    w.run_until(2500 * MICROS_PER_MS);
    client(&mut w, 1, KvOp::Put { key: 0, value: 10 });
    w.run_until(3 * SEC);
    assert!(
        w.clients().iter().all(|c| ok(&c.outcome)),
        "both sides write"
    );
    w.act(Action::Heal);
    w.run_until(4 * SEC);
    assert_eq!(primaries(&w), [NodeId(2)]);
    assert!(converged(&w, 5));
    client(&mut w, 0, KvOp::Get { key: 0 });
    w.run_until(5 * SEC);
    assert_eq!(
        w.clients().last().unwrap().outcome,
        Outcome::Done {
            result: KvResult::Value { value: Some(20) }
        },
        "the write acknowledged by n0 is gone"
    );
    assert!(!linearizability::check(w.clients()).is_linearizable());
    assert!(w.violations().is_empty(), "{:?}", w.violations());
}

/// A synchronous backup does not prevent split brain, but a primary left alone can no
/// longer acknowledge writes.
#[test]
fn a_lone_synchronous_primary_cannot_acknowledge() {
    let config = PbConfig {
        sync_follower: true,
        ..PbConfig::default()
    };
    let mut w = world(3, 5, config);
    w.act(Action::Partition {
        groups: vec![vec![NodeId(0)]],
    });
    w.run_until(SEC);
    assert_eq!(primaries(&w), [NodeId(0), NodeId(1)]);
    client(&mut w, 0, KvOp::Put { key: 0, value: 1 });
    client(&mut w, 2, KvOp::Put { key: 0, value: 2 });
    w.run_until(4 * SEC);
    assert_eq!(w.clients()[0].outcome, Outcome::TimedOut);
    assert!(ok(&w.clients()[1].outcome));
}

#[test]
fn crash_recovery_keeps_epoch_and_log() {
    let mut w = world(3, 6, PbConfig::default());
    run_workload(&mut w, Workload::default(), 2);
    w.act(Action::Crash {
        node: NodeId(0),
        disk: DiskFate::Keep,
    });
    w.run_until(w.now() + SEC);
    let node = NodeId(2);
    let before = w.node(node).unwrap().clone();
    assert_eq!(before.epoch(), 2);
    w.act(Action::Crash {
        node,
        disk: DiskFate::Keep,
    });
    w.act(Action::Restart { node });
    let after = w.node(node).unwrap();
    assert_eq!(after.epoch(), 2);
    assert_eq!(after.log(), before.log());
    assert_eq!(after.store(), before.store());
    assert!(w.violations().is_empty(), "{:?}", w.violations());
}

/// A node that forgets its epoch across a restart goes back to an older epoch; the epoch
/// checker reports it at the restart.
#[test]
fn a_forgotten_epoch_is_caught() {
    let config = PbConfig {
        bugs: vec![PbBug::ForgetEpoch],
        ..PbConfig::default()
    };
    let mut w = world(3, 7, config);
    run_workload(&mut w, Workload::default(), 1);
    assert!(w.violations().is_empty());
    w.act(Action::Crash {
        node: NodeId(1),
        disk: DiskFate::Keep,
    });
    w.act(Action::Restart { node: NodeId(1) });
    let v = w.violations();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].invariant, "epochs never decrease");
    assert_eq!(v[0].node, Some(NodeId(1)));
}
