//! The quorum store's basics, each a seed and a short script of actions.

use super::node::replicas;
use super::{Conflict, QuorumBug, QuorumConfig, QuorumNode, ReadRepair};
use crate::action::{Action, DiskFate};
use crate::checkers::linearizability;
use crate::client::{KvOp, KvResult, Outcome, Value, Workload};
use crate::ids::NodeId;
use crate::network::LinkConfig;
use crate::rng::SimRng;
use crate::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};
use crate::world::{World, WorldConfig};

const SEC: Micros = MICROS_PER_SEC;

fn world(nodes: usize, seed: u64, config: QuorumConfig) -> World<QuorumNode> {
    World::new(WorldConfig::new(nodes, seed, config))
}

fn strict(conflict: Conflict) -> QuorumConfig {
    QuorumConfig {
        r: 3,
        w: 3,
        conflict,
        ..QuorumConfig::default()
    }
}

/// Runs the workload for `secs` seconds, then lets every operation finish.
fn run_workload(w: &mut World<QuorumNode>, workload: Workload, secs: u64) {
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

fn all_succeeded(w: &World<QuorumNode>) -> bool {
    w.clients()
        .iter()
        .all(|c| matches!(&c.outcome, Outcome::Done { result } if *result != KvResult::Unavailable))
}

fn client(w: &mut World<QuorumNode>, node: u32, op: KvOp) {
    w.act(Action::Client {
        node: NodeId(node),
        op,
    });
}

fn last_result(w: &World<QuorumNode>) -> Option<KvResult> {
    match &w.clients().last()?.outcome {
        Outcome::Done { result } => Some(result.clone()),
        _ => None,
    }
}

#[test]
fn a_keys_replicas_are_the_n_nodes_from_key_mod_nodes() {
    let ids = |key, n, nodes| replicas(key, n, nodes).map(|r| r.0).collect::<Vec<_>>();
    assert_eq!(ids(7, 3, 5), [2, 3, 4]);
    assert_eq!(ids(4, 3, 5), [4, 0, 1]);
    assert_eq!(ids(0, 5, 5), [0, 1, 2, 3, 4]);
    assert_eq!(QuorumConfig::default().replicas_in(5), 5);
    let capped = QuorumConfig {
        replicas: Some(9),
        ..QuorumConfig::default()
    };
    assert_eq!(capped.replicas_in(5), 5);
    assert!(QuorumConfig {
        r: 4,
        replicas: Some(3),
        ..QuorumConfig::default()
    }
    .validate(5)
    .is_err());
}

/// Issues `count` random operations one at a time (each after the previous one's answer)
/// at random nodes; compare-and-sets expect the last value written.
fn sequential_ops(w: &mut World<QuorumNode>, seed: u64, count: u64) {
    let mut rng = SimRng::new(seed);
    let mut last = [None; 3];
    for i in 0..count {
        let node = rng.below(w.config().nodes as u64) as u32;
        let key = rng.below(3) as u32;
        let fresh = 1000 + i;
        let op = match rng.below(5) {
            0 | 1 => KvOp::Get { key },
            2 | 3 => KvOp::Put { key, value: fresh },
            _ => KvOp::Cas {
                key,
                expect: last[key as usize],
                new: fresh,
            },
        };
        if !op.is_read_only() {
            last[key as usize] = Some(fresh);
        }
        client(w, node, op);
        let id = w.clients().len() - 1;
        while w.clients()[id].outcome == Outcome::Pending {
            w.run_until(w.now() + MICROS_PER_MS);
        }
    }
}

#[test]
fn without_faults_strict_quorums_answer_everything() {
    for conflict in [Conflict::Lww, Conflict::VersionVectors] {
        let mut w = world(5, 0, strict(conflict));
        run_workload(&mut w, Workload::default(), 10);
        assert!(w.clients().len() > 400);
        assert!(all_succeeded(&w), "{conflict:?}");
        assert!(w.violations().is_empty(), "{:?}", w.violations());
    }
}

/// With `R + W > N`, an operation that starts after another ended sees its effect. (With
/// overlapping operations a compare-and-set can still break linearizability: see
/// `compare_and_set_is_not_atomic`.)
#[test]
fn without_faults_strict_quorums_are_linearizable_for_operations_in_sequence() {
    for conflict in [Conflict::Lww, Conflict::VersionVectors] {
        for seed in 0..3 {
            let mut w = world(5, seed, strict(conflict));
            sequential_ops(&mut w, seed, 300);
            assert!(all_succeeded(&w), "{conflict:?} seed {seed}");
            let report = linearizability::check(w.clients());
            assert!(
                report.is_linearizable(),
                "{conflict:?} seed {seed}: {report:?}"
            );
            assert!(w.violations().is_empty(), "{:?}", w.violations());
        }
    }
}

#[test]
fn without_faults_single_replies_answer_everything() {
    for conflict in [Conflict::Lww, Conflict::VersionVectors] {
        let mut w = world(
            5,
            4,
            QuorumConfig {
                conflict,
                ..QuorumConfig::default()
            },
        );
        run_workload(&mut w, Workload::default(), 10);
        assert!(all_succeeded(&w), "{conflict:?}");
        assert!(w.violations().is_empty(), "{:?}", w.violations());
        // Every replica saw every write in the end.
        let stores: Vec<_> = (0..5)
            .map(|i| w.node(NodeId(i)).unwrap().store().clone())
            .collect();
        assert!(stores.windows(2).all(|p| p[0] == p[1]), "{conflict:?}");
    }
}

/// A compare-and-set reads, then writes: two of them can both see the expected value.
#[test]
fn compare_and_set_is_not_atomic() {
    let mut w = world(5, 1, QuorumConfig::default());
    client(&mut w, 0, KvOp::Put { key: 1, value: 10 });
    w.run_until(SEC);
    client(
        &mut w,
        1,
        KvOp::Cas {
            key: 1,
            expect: Some(10),
            new: 11,
        },
    );
    client(
        &mut w,
        3,
        KvOp::Cas {
            key: 1,
            expect: Some(10),
            new: 12,
        },
    );
    w.run_until(2 * SEC);
    let results: Vec<_> = w.clients().iter().map(|c| c.outcome.clone()).collect();
    let written = Outcome::Done {
        result: KvResult::Written,
    };
    assert_eq!(results, vec![written.clone(), written.clone(), written]);
    assert!(!linearizability::check(w.clients()).is_linearizable());
}

/// A replica cut off during a write is behind after the partition heals; the first read
/// that reaches it brings it up to date.
#[test]
fn read_repair_brings_a_stale_replica_up_to_date() {
    let mut w = world(3, 2, QuorumConfig::default());
    w.act(Action::Partition {
        groups: vec![vec![NodeId(2)]],
    });
    client(&mut w, 0, KvOp::Put { key: 0, value: 7 });
    w.run_until(SEC);
    w.act(Action::Heal);
    w.run_until(2 * SEC);
    assert_eq!(w.node(NodeId(2)).unwrap().value(0), None, "no anti-entropy");
    // With R = 1 the stale replica answers its own client first: a stale read.
    client(&mut w, 2, KvOp::Get { key: 0 });
    w.run_until(3 * SEC);
    assert_eq!(last_result(&w), Some(KvResult::Value { value: None }));
    assert_eq!(w.node(NodeId(2)).unwrap().value(0), Some(7), "repaired");
    assert!(w.violations().is_empty());
}

#[test]
fn without_read_repair_the_stale_replica_stays_behind() {
    let config = QuorumConfig {
        repair: ReadRepair::Off,
        ..QuorumConfig::default()
    };
    let mut w = world(3, 2, config);
    w.act(Action::Partition {
        groups: vec![vec![NodeId(2)]],
    });
    client(&mut w, 0, KvOp::Put { key: 0, value: 7 });
    w.run_until(SEC);
    w.act(Action::Heal);
    client(&mut w, 2, KvOp::Get { key: 0 });
    w.run_until(3 * SEC);
    assert_eq!(w.node(NodeId(2)).unwrap().value(0), None);
}

/// Under version vectors, writes on both sides of a partition become siblings; nothing
/// acknowledged is lost, reads return the largest, and a later write replaces them.
#[test]
fn version_vectors_keep_both_sides_of_a_partition() {
    let config = QuorumConfig {
        conflict: Conflict::VersionVectors,
        ..QuorumConfig::default()
    };
    let mut w = world(3, 3, config);
    w.act(Action::Partition {
        groups: vec![vec![NodeId(0), NodeId(1)]],
    });
    client(&mut w, 0, KvOp::Put { key: 0, value: 20 });
    client(&mut w, 2, KvOp::Put { key: 0, value: 10 });
    w.run_until(SEC);
    assert!(all_succeeded(&w));
    w.act(Action::Heal);
    client(&mut w, 1, KvOp::Get { key: 0 });
    w.run_until(2 * SEC);
    assert_eq!(last_result(&w), Some(KvResult::Value { value: Some(20) }));
    for i in 0..3 {
        let store = w.node(NodeId(i)).unwrap().store();
        assert_eq!(store[&0].versions().len(), 2, "n{i} keeps both siblings");
    }
    client(&mut w, 2, KvOp::Put { key: 0, value: 5 });
    w.run_until(3 * SEC);
    client(&mut w, 0, KvOp::Get { key: 0 });
    w.run_until(4 * SEC);
    assert_eq!(last_result(&w), Some(KvResult::Value { value: Some(5) }));
    assert_eq!(w.node(NodeId(0)).unwrap().store()[&0].versions().len(), 1);
}

#[test]
fn strict_quorums_refuse_reads_without_a_majority() {
    let mut w = world(5, 6, strict(Conflict::Lww));
    w.act(Action::Partition {
        groups: vec![vec![NodeId(0), NodeId(1)]],
    });
    client(&mut w, 0, KvOp::Get { key: 3 });
    client(&mut w, 0, KvOp::Put { key: 3, value: 1 });
    client(&mut w, 3, KvOp::Put { key: 3, value: 2 });
    w.run_until(3 * SEC);
    let outcomes: Vec<_> = w.clients().iter().map(|c| c.outcome.clone()).collect();
    assert_eq!(
        outcomes[0],
        Outcome::Done {
            result: KvResult::Unavailable
        }
    );
    // The minority's write may be on two replicas: it is not called unavailable.
    assert_eq!(outcomes[1], Outcome::TimedOut);
    assert_eq!(
        outcomes[2],
        Outcome::Done {
            result: KvResult::Written
        }
    );
}

#[test]
fn crash_with_disk_kept_keeps_stored_versions() {
    let mut w = world(
        3,
        8,
        QuorumConfig {
            conflict: Conflict::VersionVectors,
            ..QuorumConfig::default()
        },
    );
    run_workload(&mut w, Workload::default(), 3);
    let node = NodeId(1);
    let before = w.node(node).unwrap().clone();
    assert!(!before.store().is_empty());
    w.act(Action::Crash {
        node,
        disk: DiskFate::Keep,
    });
    w.act(Action::Restart { node });
    assert_eq!(w.node(node).unwrap().store(), before.store());
    // Its own version-vector entry carries on past what it handed out before.
    client(&mut w, 1, KvOp::Put { key: 0, value: 999 });
    w.run_until(w.now() + SEC);
    assert!(all_succeeded(&w));
    w.act(Action::Crash {
        node,
        disk: DiskFate::Lose,
    });
    w.act(Action::Restart { node });
    assert!(w.node(node).unwrap().store().is_empty());
    w.run_until(w.now() + SEC);
    assert!(w.violations().is_empty(), "{:?}", w.violations());
}

/// Replicas that store whatever arrives last, ignoring versions, let a delayed old write
/// overwrite a newer one; the version checker reports it at that step.
#[test]
fn blind_overwrite_is_caught_by_the_version_checker() {
    let config = QuorumConfig {
        bugs: vec![QuorumBug::BlindOverwrite],
        ..QuorumConfig::default()
    };
    let mut w = world(5, 5, config);
    w.act(Action::SetNetwork {
        link: LinkConfig {
            jitter_us: 40 * MICROS_PER_MS,
            ..LinkConfig::default()
        },
    });
    run_workload(&mut w, Workload::default(), 5);
    let v = w.violations();
    assert_eq!(v.len(), 1, "the run stops at the first violation");
    assert_eq!(v[0].invariant, "replica versions never regress");
    // In words, as the versions are shown elsewhere (`5 (written at 1.2 s by n0, #3)`).
    assert!(v[0].message.contains("(written at "), "{}", v[0].message);
    assert!(!v[0].message.contains("Version {"), "{}", v[0].message);

    // The same run with versions compared is clean.
    let mut w = world(5, 5, QuorumConfig::default());
    w.act(Action::SetNetwork {
        link: LinkConfig {
            jitter_us: 40 * MICROS_PER_MS,
            ..LinkConfig::default()
        },
    });
    run_workload(&mut w, Workload::default(), 5);
    assert!(w.violations().is_empty());
}

/// Sloppy quorums: cut off with a minority, a coordinator counts stand-ins holding hints
/// for the unreachable replicas, so reads and writes go on; after healing, the hints are
/// handed off to their home replicas.
#[test]
fn sloppy_quorums_answer_in_the_minority_and_hand_off_after_healing() {
    let config = QuorumConfig {
        sloppy: true,
        ..strict(Conflict::Lww)
    };
    let mut w = world(5, 9, config);
    w.act(Action::Partition {
        groups: vec![vec![NodeId(0), NodeId(1)]],
    });
    client(&mut w, 0, KvOp::Put { key: 3, value: 1 });
    w.run_until(SEC);
    client(&mut w, 1, KvOp::Get { key: 3 });
    w.run_until(2 * SEC);
    assert!(all_succeeded(&w), "{:?}", w.clients());
    assert_eq!(last_result(&w), Some(KvResult::Value { value: Some(1) }));
    let held: usize = (0..2)
        .map(|i| w.node(NodeId(i)).unwrap().hints().len())
        .sum();
    assert_eq!(held, 3, "hints for n2, n3 and n4");
    assert_eq!(w.node(NodeId(3)).unwrap().value(3), None);
    w.act(Action::Heal);
    w.run_until(3 * SEC);
    for i in 0..5 {
        let node = w.node(NodeId(i)).unwrap();
        assert_eq!(node.value(3), Some(1), "n{i}");
        assert!(node.hints().is_empty(), "n{i} still holds hints");
    }
    assert!(w.violations().is_empty(), "{:?}", w.violations());
}

#[test]
fn hints_survive_a_crash_with_the_disk() {
    let config = QuorumConfig {
        sloppy: true,
        ..strict(Conflict::VersionVectors)
    };
    let mut w = world(5, 10, config);
    w.act(Action::Partition {
        groups: vec![vec![NodeId(0), NodeId(1)]],
    });
    client(&mut w, 0, KvOp::Put { key: 0, value: 4 });
    w.run_until(SEC);
    assert!(all_succeeded(&w));
    let hints = w.node(NodeId(0)).unwrap().hints().clone();
    assert!(!hints.is_empty());
    w.act(Action::Crash {
        node: NodeId(0),
        disk: DiskFate::Keep,
    });
    w.act(Action::Restart { node: NodeId(0) });
    assert_eq!(w.node(NodeId(0)).unwrap().hints(), &hints);
}

#[test]
fn the_story_tells_what_a_partition_means_for_each_quorum_size() {
    use crate::sim::Sim;
    let told = |r: usize, w: usize| {
        let config = QuorumConfig {
            r,
            w,
            ..QuorumConfig::default()
        };
        let mut cfg = WorldConfig::new(5, 1, config);
        cfg.record = true;
        let mut w: World<QuorumNode> = World::new(cfg);
        w.act(Action::Partition {
            groups: vec![vec![NodeId(0), NodeId(1)], (2..5).map(NodeId).collect()],
        });
        Sim::narration(&*w).unwrap().2
    };
    let one = told(1, 1);
    assert!(
        one.contains("every side can still gather its quorums")
            && one.contains("a read on one side will not see writes made on the other"),
        "{one}"
    );
    let three = told(3, 3);
    assert!(three.contains("cannot gather its quorum"), "{three}");
}

/// The read inversion of the lesson on consistency models: n4's write of 7 reaches n0 at
/// once and the other replicas only after 400 ms. A read at n0 meets it and returns 7; its
/// read repair is lost to cut links. A read at n1 that starts after the first has finished
/// meets three replicas without it and returns nothing: R + W > N, yet the reads go back
/// in time.
const READ_INVERSION: &str = "v=1&protocol=quorum&nodes=5&seed=1&load=0&r=3&w=3&actions=0s@link:4-1:lat400ms,0s@link:4-2:lat400ms,0s@link:4-3:lat400ms,1s@client:4:put:0:7,1.01s@client:0:get:0,1.018s@cut:0-1,1.018s@cut:0-2,1.018s@cut:0-3,1.04s@client:1:get:0&t=2s";

fn read_inversion(repair: &str) -> Vec<crate::client::ClientRecord> {
    let link = match repair {
        "" => READ_INVERSION.to_string(),
        repair => READ_INVERSION.replace("&w=3&", &format!("&w=3&repair={repair}&")),
    };
    let recipe = crate::recipe::Recipe::from_query(&link).unwrap();
    let mut sim = recipe.setup.sim(recipe.schedule.clone()).unwrap();
    sim.run_until(2 * SEC);
    sim.clients().to_vec()
}

#[test]
fn read_repair_that_is_not_waited_for_lets_a_later_read_go_back_in_time() {
    let history = read_inversion("");
    assert_eq!(history, read_inversion("1"), "repair=1 still means async");
    let [put, first, second] = &history[..] else {
        panic!("{history:?}")
    };
    let done = |v: Option<Value>| Outcome::Done {
        result: KvResult::Value { value: v },
    };
    assert_eq!(
        put.outcome,
        Outcome::Done {
            result: KvResult::Written
        }
    );
    assert_eq!(first.outcome, done(Some(7)));
    assert_eq!(second.outcome, done(None));
    assert!(first.completed_at.unwrap() < second.invoked_at);
    assert!(second.completed_at.unwrap() < put.completed_at.unwrap());
    assert!(!linearizability::check(&history).is_linearizable());
}

/// The same schedule with write-back: the first read cannot put 7 on W replicas through
/// the cut links, so it is refused instead of answered, and the history is linearizable.
#[test]
fn a_read_that_writes_back_before_answering_cannot_be_overtaken() {
    let history = read_inversion("wait");
    let [put, first, second] = &history[..] else {
        panic!("{history:?}")
    };
    assert_eq!(
        put.outcome,
        Outcome::Done {
            result: KvResult::Written
        }
    );
    assert_eq!(
        first.outcome,
        Outcome::Done {
            result: KvResult::Unavailable
        }
    );
    assert_eq!(
        second.outcome,
        Outcome::Done {
            result: KvResult::Value { value: None }
        }
    );
    assert!(linearizability::check(&history).is_linearizable());
}

#[test]
fn read_repair_reads_its_old_flag_spellings() {
    use crate::registry::{check_settings, Described, Settings};
    for (given, kept) in [
        ("1", None),
        ("async", None),
        ("0", Some("off")),
        ("wait", Some("wait")),
    ] {
        let mut s = Settings::new();
        s.set("repair", given);
        let out = check_settings(QuorumNode::ABOUT, &s).unwrap();
        assert_eq!(out.get("repair"), kept, "repair={given}");
    }
}

/// Write-back under faults: random gets and puts of two keys at random nodes, concurrent,
/// over random fault schedules without the faults that leave the model (no clock skew or
/// drift, since last-writer-wins orders puts by the coordinators' clocks; no lost disks),
/// with several quorum sizes that overlap. Every history must be linearizable; the same
/// runs with read repair sent but not waited for are not all.
#[test]
fn write_back_keeps_gets_and_puts_linearizable_under_faults() {
    use crate::action::Scheduled;
    use crate::fuzz::{random_schedule, FaultMix};
    use crate::registry::Described;
    const RUNS: u64 = 500;
    let mut inverted = 0;
    let mut answered = 0;
    for run in 0..RUNS {
        let mut outcomes = Vec::new();
        for repair in [ReadRepair::Wait, ReadRepair::Async] {
            let mut rng = SimRng::new(run);
            let (r, w) = [(3, 3), (2, 4), (4, 2), (3, 4)][run as usize % 4];
            let conflict = [Conflict::Lww, Conflict::VersionVectors][run as usize / 4 % 2];
            let config = QuorumConfig {
                r,
                w,
                conflict,
                repair,
                ..QuorumConfig::default()
            };
            let mut world = world(5, run, config);
            let until = 6 * SEC;
            let faults =
                random_schedule(&mut rng, 5, until, FaultMix::default(), QuorumNode::ABOUT);
            let mut schedule: Vec<Scheduled> = faults
                .into_iter()
                .filter(|s| {
                    !matches!(
                        s.action,
                        Action::SkewClock { .. }
                            | Action::SetDrift { .. }
                            | Action::SetWorkload { .. }
                            | Action::Behave { .. }
                    )
                })
                .collect();
            for i in 0..60 {
                let key = rng.below(2) as u32;
                let op = if rng.chance(crate::rng::Ppm::percent(50)) {
                    KvOp::Get { key }
                } else {
                    KvOp::Put {
                        key,
                        value: 100 + i,
                    }
                };
                schedule.push(Scheduled::at(
                    rng.range(0, until - SEC),
                    Action::Client {
                        node: NodeId(rng.below(5) as u32),
                        op,
                    },
                ));
            }
            schedule.sort_by_key(|s| s.at);
            world.schedule(schedule);
            world.run_until(until + 2 * SEC);
            let report = linearizability::check(world.clients());
            outcomes.push(report.verdict);
            if repair == ReadRepair::Wait {
                assert!(
                    report.is_linearizable(),
                    "run {run} (R={r}, W={w}, {conflict:?}): {report:?}"
                );
                answered += world
                    .clients()
                    .iter()
                    .filter(|c| {
                        matches!(
                            &c.outcome,
                            Outcome::Done {
                                result: KvResult::Value { .. }
                            }
                        )
                    })
                    .count();
            }
        }
        if outcomes[1] == linearizability::Verdict::NotLinearizable {
            inverted += 1;
        }
    }
    eprintln!("{RUNS} runs; {answered} reads answered with write-back; {inverted} runs not linearizable with async repair");
    assert!(answered > 1000, "{answered}");
    assert!(
        inverted > 0,
        "async read repair never went wrong in {RUNS} runs"
    );
}
