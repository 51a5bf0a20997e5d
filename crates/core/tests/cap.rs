//! The CAP experiment across protocols: one load, one 2|3 partition, and what each
//! protocol gives up while it lasts.

use splitbrain_core::action::{Action, Scheduled};
use splitbrain_core::cap::{
    run_experiment, scenarios, standard_experiment, standard_setup, CapReport,
};
use splitbrain_core::checkers::linearizability::{self, Verdict};
use splitbrain_core::client::{KvOp, KvResult, Outcome};
use splitbrain_core::ids::NodeId;
use splitbrain_core::protocols::quorum::QuorumNode;
use splitbrain_core::recipe::Recipe;
use splitbrain_core::run::{hash_hex, RunSpec};
use splitbrain_core::time::MICROS_PER_SEC;

fn show(name: &str, r: &CapReport) {
    eprintln!(
        "{name}: minority {:?} majority {:?} linearizable {:?} stale {} max leaders {}",
        r.minority.availability_during_partition,
        r.majority.availability_during_partition,
        r.linearizability.verdict,
        r.cluster.stale_reads,
        r.max_leaders
    );
}

fn availability(side: &splitbrain_core::cap::SideStats) -> f64 {
    side.availability_during_partition
        .expect("operations were invoked during the partition")
}

/// Availability during the partition on each side meets its expectation.
fn assert_sides(
    r: &CapReport,
    seed: u64,
    minority: impl Fn(f64) -> bool,
    majority: impl Fn(f64) -> bool,
) {
    assert!(
        minority(availability(&r.minority)),
        "seed {seed}: {:?}",
        r.minority
    );
    assert!(
        majority(availability(&r.majority)),
        "seed {seed}: {:?}",
        r.majority
    );
}

/// Both sides of the partition kept answering (more than 95% of their operations).
fn assert_both_sides_answer(r: &CapReport, seed: u64) {
    assert!(
        availability(&r.minority) > 0.95,
        "seed {seed}: {:?}",
        r.minority
    );
    assert!(
        availability(&r.majority) > 0.95,
        "seed {seed}: {:?}",
        r.majority
    );
}

fn assert_not_linearizable(r: &CapReport, seed: u64) {
    assert_eq!(
        r.linearizability.verdict,
        Verdict::NotLinearizable,
        "seed {seed}"
    );
}

/// Raft, the CP reference: the minority cannot answer, and nothing it answers is wrong.
#[test]
fn raft_stays_linearizable_and_the_minority_stops_answering() {
    for seed in 0..3 {
        let r = standard_experiment("raft", seed);
        show("raft", &r);
        assert_eq!(
            r.linearizability.verdict,
            Verdict::Linearizable,
            "seed {seed}"
        );
        assert!(r.violations.is_empty(), "{:?}", r.violations);
        assert_sides(&r, seed, |a| a < 0.05, |a| a > 0.9);
        assert_eq!(r.cluster.stale_reads, 0);
    }
}

/// Quorums of one: both sides keep answering, and the history is not linearizable.
#[test]
fn quorum_of_one_answers_on_both_sides_and_is_not_linearizable() {
    for seed in 0..3 {
        let mut setup = standard_setup("quorum", seed);
        setup.spec.settings.set("r", "1");
        setup.spec.settings.set("w", "1");
        let r = run_experiment(&setup).unwrap();
        show("quorum r=w=1", &r);
        assert_both_sides_answer(&r, seed);
        assert_not_linearizable(&r, seed);
        assert!(!r.witness.is_empty());
        assert!(r.minority.stale_reads + r.majority.stale_reads > 0);
        assert!(r.violations.is_empty(), "{:?}", r.violations);
    }
}

/// R = W = 3 of N = 5 overlap (R + W > N): the two nodes of the minority can never make a
/// quorum, so they stop answering, as Raft's minority does.
#[test]
fn strict_quorums_leave_the_minority_unavailable() {
    for seed in 0..3 {
        let mut setup = standard_setup("quorum", seed);
        setup.spec.settings.set("r", "3");
        setup.spec.settings.set("w", "3");
        let r = run_experiment(&setup).unwrap();
        show("quorum r=w=3", &r);
        assert_sides(&r, seed, |a| a < 0.05, |a| a > 0.95);
        assert!(r.violations.is_empty(), "{:?}", r.violations);
    }
}

/// Asynchronous primary-backup: the majority promotes a second primary, both sides take
/// writes, and the history cannot be linearized.
#[test]
fn primary_backup_splits_the_brain_and_is_not_linearizable() {
    for seed in 0..3 {
        let r = standard_experiment("primary-backup", seed);
        show("primary-backup", &r);
        assert!(r.max_leaders >= 2, "seed {seed}: no split brain");
        assert_not_linearizable(&r, seed);
        assert!(!r.witness.is_empty());
        assert_sides(&r, seed, |a| a > 0.95, |a| a > 0.9);
        assert!(r.violations.is_empty(), "{:?}", r.violations);
    }
}

/// Sloppy quorums buy back the minority's availability: stand-ins hold the writes meant
/// for the unreachable replicas.
#[test]
fn sloppy_strict_quorums_keep_the_minority_available() {
    for seed in 0..3 {
        let mut setup = standard_setup("quorum", seed);
        setup.spec.settings.set("r", "3");
        setup.spec.settings.set("w", "3");
        setup.spec.settings.set("sloppy", "1");
        let r = run_experiment(&setup).unwrap();
        show("quorum r=w=3 sloppy", &r);
        assert_both_sides_answer(&r, seed);
        assert_not_linearizable(&r, seed);
        assert!(r.violations.is_empty(), "{:?}", r.violations);
    }
}

#[test]
fn the_standard_experiment_is_deterministic_and_serializes() {
    // Every protocol that serves the clients the experiment measures.
    let protocols = splitbrain_core::registry::PROTOCOLS
        .iter()
        .map(|p| p.about())
        .filter(|a| a.serves_clients());
    for kind in protocols.map(|a| a.name) {
        let a = standard_experiment(kind, 5);
        let b = standard_experiment(kind, 5);
        assert_eq!(a, b, "{kind}");
        show(kind, &a);
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["protocol"], kind);
        assert!(json["minority"]["availability_during_partition"].is_number());
        // Every operation has its outcome by the end of the run.
        assert_eq!(
            a.cluster.ops,
            a.cluster.ok + a.cluster.failed + a.cluster.unknown
        );
        assert_eq!(a.cluster.ops, a.minority.ops + a.majority.ops);
    }
}

/// Two writes to one key through different coordinators, the second well after the first
/// was acknowledged, with the second coordinator's clock set 10 s back. Returns what a
/// later read answers, and the history.
fn skewed_second_writer(
    conflict: &str,
    quorum: usize,
) -> (Option<u64>, Vec<splitbrain_core::client::ClientRecord>) {
    let mut spec = RunSpec::new(3, 1, 4 * MICROS_PER_SEC)
        .with_protocol("quorum")
        .set("conflict", conflict)
        .set("r", quorum)
        .set("w", quorum);
    spec.workload = None;
    let at = |s: u64, action| Scheduled::at(s * MICROS_PER_SEC, action);
    spec.schedule = vec![
        at(
            0,
            Action::SkewClock {
                node: NodeId(1),
                by_us: -10 * MICROS_PER_SEC as i64,
            },
        ),
        at(
            1,
            Action::Client {
                node: NodeId(0),
                op: KvOp::Put { key: 0, value: 1 },
            },
        ),
        at(
            2,
            Action::Client {
                node: NodeId(1),
                op: KvOp::Put { key: 0, value: 2 },
            },
        ),
        at(
            3,
            Action::Client {
                node: NodeId(2),
                op: KvOp::Get { key: 0 },
            },
        ),
    ];
    spec.validate().unwrap();
    let mut world = spec.typed_world::<QuorumNode>(false).unwrap();
    world.run_until(spec.until_us);
    let history = world.clients().to_vec();
    let written = Outcome::Done {
        result: KvResult::Written,
    };
    assert_eq!(history[0].outcome, written, "first write acknowledged");
    assert_eq!(history[1].outcome, written, "second write acknowledged");
    assert!(history[1].invoked_at > history[0].completed_at.unwrap());
    let read = match &history[2].outcome {
        Outcome::Done {
            result: KvResult::Value { value },
        } => *value,
        other => panic!("read answered {other:?}"),
    };
    assert!(world.violations().is_empty());
    (read, history)
}

/// Last-writer-wins trusts the coordinator's physical clock: a clock running behind makes
/// a later, acknowledged write lose to an older one, with overlapping quorums too.
#[test]
fn last_writer_wins_with_a_skewed_clock_loses_an_acknowledged_write() {
    for quorum in [1, 2] {
        let (read, history) = skewed_second_writer("lww", quorum);
        assert_eq!(read, Some(1), "quorum {quorum}: the later write was lost");
        assert!(!linearizability::check(&history).is_linearizable());
    }
}

/// Version vectors order writes by what each has seen, not by clocks: the later write
/// read the earlier one first, so it supersedes it whatever the clocks say.
#[test]
fn version_vectors_keep_the_write_a_skewed_clock_would_lose() {
    for quorum in [1, 2] {
        let (read, history) = skewed_second_writer("vv", quorum);
        assert_eq!(read, Some(2), "quorum {quorum}");
        assert!(linearizability::check(&history).is_linearizable());
    }
}

/// After the heal, Raft has lost no acknowledged write and its nodes agree; asynchronous
/// primary-backup throws away writes its minority-side primary acknowledged; a quorum of
/// one leaves replicas disagreeing (no anti-entropy beyond read repair).
#[test]
fn healing_shows_lost_writes_and_disagreeing_replicas() {
    for seed in 0..3 {
        let raft = standard_experiment("raft", seed);
        assert_eq!(raft.cluster.acknowledged_writes_lost, 0, "seed {seed}");
        assert_eq!(raft.keys_replicas_disagree, 0, "seed {seed}");
        let pb = standard_experiment("primary-backup", seed);
        assert!(
            pb.minority.acknowledged_writes_lost > 0,
            "seed {seed}: {:?}",
            pb.minority
        );
        assert_eq!(pb.majority.acknowledged_writes_lost, 0, "seed {seed}");
        let quorum = standard_experiment("quorum", seed);
        assert!(quorum.keys_replicas_disagree > 0, "seed {seed}");
    }
}

/// Retries with exponential backoff and jitter: some operations that would have timed out
/// are tried again and answered (fewer unknown outcomes, more successes), and because
/// every attempt carries the same request id, no write takes effect twice (the history
/// stays linearizable).
#[test]
fn retries_with_backoff_turn_unknown_outcomes_into_answers_without_double_writes() {
    use splitbrain_core::client::{Retry, Workload};
    for seed in 0..3 {
        let plain = standard_experiment("raft", seed);
        let mut setup = standard_setup("raft", seed);
        setup.spec.workload = Some(Workload {
            retry: Retry::Backoff {
                base_us: 200_000,
                cap_us: 1_000_000,
                attempts: 4,
            },
            ..Workload::default()
        });
        let r = run_experiment(&setup).unwrap();
        assert_eq!(
            r.linearizability.verdict,
            Verdict::Linearizable,
            "seed {seed}"
        );
        assert!(
            r.cluster.unknown < plain.cluster.unknown,
            "seed {seed}: {} unknown with retries, {} without",
            r.cluster.unknown,
            plain.cluster.unknown
        );
        assert!(r.cluster.ok > plain.cluster.ok, "seed {seed}");
    }
}

/// Three nodes under a light load whose clients retry every 300 ms (up to ten attempts),
/// with `node` paused from 1 s to 4 s so that its clients' attempts pile up in its inbox.
fn retries_around_a_pause(protocol: &str, node: NodeId) -> RunSpec {
    use splitbrain_core::client::{Retry, Workload};
    let mut spec = RunSpec::new(3, 5, 6 * MICROS_PER_SEC).with_protocol(protocol);
    spec.workload = Some(Workload {
        rate_per_s: 20,
        retry: Retry::Fixed {
            delay_us: 300_000,
            attempts: 10,
        },
        ..Workload::default()
    });
    spec.schedule = vec![Scheduled::at(
        MICROS_PER_SEC,
        Action::Pause {
            node,
            for_us: 3 * MICROS_PER_SEC,
        },
    )];
    spec
}

fn retries_in<P: splitbrain_core::protocol::Protocol>(
    world: &splitbrain_core::world::World<P>,
) -> usize {
    world
        .trace()
        .events()
        .filter(|e| {
            matches!(
                e.kind,
                splitbrain_core::trace::EventKind::ClientRetry { .. }
            )
        })
        .count()
}

/// A primary that was paused finds several attempts of the same write in its inbox; its
/// idempotency keys append each write once.
#[test]
fn primary_backup_applies_a_retried_write_once() {
    use splitbrain_core::protocols::primary_backup::PbNode;
    let spec = retries_around_a_pause("primary-backup", NodeId(0));
    let mut world = spec.typed_world::<PbNode>(true).unwrap();
    world.run_until(spec.until_us);
    let retries = retries_in(&world);
    assert!(retries > 10, "only {retries} retries");
    for i in 0..world.nodes().len() {
        let node: &PbNode = world.node(NodeId(i as u32)).expect("up");
        let mut values: Vec<u64> = node.log().iter().map(|e| e.value).collect();
        let n = values.len();
        values.sort_unstable();
        values.dedup();
        assert_eq!(values.len(), n, "node {i} appended a write twice");
    }
}

/// The quorum store's coordinator sends a retried write's first version again instead of
/// stamping a second one: every request's write messages carry a single version.
#[test]
fn quorum_coordinator_writes_a_retried_request_once() {
    use splitbrain_core::protocols::quorum::QuorumMsg;
    use splitbrain_core::trace::EventKind;
    use std::collections::BTreeMap;
    let mut spec = retries_around_a_pause("quorum", NodeId(1));
    spec = spec.set("r", 2).set("w", 2);
    let mut world = spec.typed_world::<QuorumNode>(true).unwrap();
    world.run_until(spec.until_us);
    let mut versions: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for e in world.trace().events() {
        let EventKind::Send { msg, .. } = &e.kind else {
            continue;
        };
        if let Some(QuorumMsg::Write { req, version, .. }) = msg.get::<QuorumNode>() {
            let seen = versions.entry(req.0).or_default();
            let v = format!("{version:?}");
            if !seen.contains(&v) {
                seen.push(v);
            }
        }
    }
    let retries = retries_in(&world);
    assert!(retries >= 5, "only {retries} retries");
    for (req, vs) in &versions {
        assert_eq!(vs.len(), 1, "request {req} was written as {vs:?}");
    }
}

/// The clients' history and trace hash of a recipe's run, played to its moment.
fn recipe_run(recipe: &Recipe) -> (Vec<splitbrain_core::client::ClientRecord>, String) {
    let spec = recipe.setup.spec(recipe.schedule.clone());
    let until = recipe.at_us.expect("a CAP recipe shows the end");
    let mut world = spec.sim(false).unwrap();
    world.run_until(until);
    (world.clients().to_vec(), hash_hex(world.trace_hash()))
}

#[test]
fn a_design_opened_in_the_playground_is_the_same_run_with_the_same_witness() {
    let (_, _, mut designs) = scenarios()
        .into_iter()
        .find(|(name, _, _)| *name == "all")
        .unwrap();
    // And one whose clients retry with backoff.
    let mut retrying = designs[0].clone();
    retrying.retry = splitbrain_core::client::Retry::Backoff {
        base_us: 200_000,
        cap_us: MICROS_PER_SEC,
        attempts: 4,
    };
    designs.push(retrying);
    for design in designs {
        let report = design.run(1).unwrap();
        let recipe = design.recipe(1);
        // Through the link's text form, as the page receives it.
        let recipe = Recipe::from_query(&recipe.to_query()).unwrap();
        let (history, hash) = recipe_run(&recipe);
        assert_eq!(hash, report.trace_hash, "{}", design.label);
        let lin = linearizability::check(&history);
        assert_eq!(
            lin.verdict, report.linearizability.verdict,
            "{}",
            design.label
        );
        assert_eq!(
            lin.witness, report.linearizability.witness,
            "{}",
            design.label
        );
    }
}

/// The readings explain the numbers that puzzle: a CP design refusing its minority, two
/// leaders at once, an AP design answering at once and serving stale reads, and replicas
/// that disagree under a linearizable history.
#[test]
fn the_readings_explain_what_each_design_gave_up() {
    use splitbrain_core::cap::readings;
    let all = scenarios();
    let designs = |name: &str| {
        all.iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, d)| d.clone())
            .unwrap()
    };
    let said = |d: &splitbrain_core::cap::Design| {
        let r = d.run(1).unwrap();
        let text = readings(&r).join("\n");
        for debug in ["Some(", "None", "{ "] {
            assert!(!text.contains(debug), "{text}");
        }
        (r, text)
    };
    let raft_quorum = designs("raft-vs-quorum");
    let (raft, text) = said(&raft_quorum[0]);
    assert!(
        text.contains("minority side answered (almost) nothing"),
        "{text}"
    );
    if raft.max_leaders >= 2 {
        assert!(text.contains("nodes acted as leader at once"), "{text}");
    }
    let (one, text) = said(&raft_quorum[1]);
    assert!(text.contains("minority side answered everything"), "{text}");
    assert!(
        one.cluster.stale_reads > 0 && text.contains("stale reads"),
        "{text}"
    );
    assert!(
        text.contains("without waiting to hear from any other node"),
        "{text}"
    );
    let (three, text) = said(&designs("quorum-sizes")[1]);
    assert!(three.linearizability.is_linearizable());
    assert_eq!(
        three.keys_replicas_disagree > 0,
        text.contains("yet the history passed the linearizability check"),
        "{text}"
    );
}
