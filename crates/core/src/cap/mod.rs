//! The CAP experiment: the same cluster, client load and network partition for every
//! protocol, and what each one gives up while the partition lasts.
//!
//! Five nodes serve a steady load; clients sit next to every node, so both sides of the
//! partition keep asking. From 5 s to 35 s the network splits into {n0, n1} and
//! {n2, n3, n4}; then it heals, and the run ends at 45 s. The report counts, per side,
//! how many operations got a definite answer, and asks the linearizability checker about
//! the whole history. A CP protocol (Raft) keeps its history linearizable and stops
//! answering on the minority side; an AP protocol keeps answering there and pays in
//! consistency.

mod readings;
pub use readings::readings;

use crate::action::{Action, Scheduled};
use crate::check::Violation;
use crate::checkers::linearizability::{self, LinReport};
use crate::client::{ClientRecord, Key, KvOp, KvResult, Outcome, Value, Workload};
use crate::ids::NodeId;
use crate::recipe::{Recipe, Setup};
use crate::registry::Settings;
use crate::run::{hash_hex, RunSpec};
use crate::sim::Sim;
use crate::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};
use serde::Serialize;
use std::collections::BTreeMap;

/// An experiment: a run, and the partition whose effect is measured.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CapSetup {
    /// The run (protocol, settings, load, any extra faults). The partition below is added
    /// to its schedule.
    pub spec: RunSpec,
    /// The nodes cut off from the rest.
    pub minority: Vec<NodeId>,
    pub partition_from_us: Micros,
    pub partition_until_us: Micros,
}

/// What one group of nodes' clients saw.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SideStats {
    pub nodes: Vec<NodeId>,
    /// Operations invoked at these nodes over the whole run.
    pub ops: u64,
    /// Definite answers other than "unavailable" (including failed compare-and-sets).
    pub ok: u64,
    /// Answered "unavailable": definitely not performed.
    pub failed: u64,
    /// Timed out or still pending: performed or not, nobody knows.
    pub unknown: u64,
    /// Operations invoked while the partition lasted.
    pub ops_during_partition: u64,
    pub ok_during_partition: u64,
    /// `ok_during_partition / ops_during_partition`: the share of operations invoked
    /// during the partition that got a definite, successful answer before their timeout.
    /// `None` without such operations.
    pub availability_during_partition: Option<f64>,
    /// Latency of successful operations (nearest rank), over the whole run.
    pub latency_p50_us: Option<Micros>,
    pub latency_p99_us: Option<Micros>,
    /// Reads that returned a value already overwritten before they began (see
    /// [`stale_reads`]).
    pub stale_reads: u64,
    /// Writes acknowledged to clients at these nodes that the cluster no longer holds
    /// once the partition has healed (measured on a copy of the run with the clients
    /// stopped at the heal and 5 s to settle), although nothing that began after them
    /// replaced them (see [`lost_writes`]).
    pub acknowledged_writes_lost: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CapReport {
    pub protocol: String,
    pub seed: u64,
    pub nodes: usize,
    pub partition_from_us: Micros,
    pub partition_until_us: Micros,
    pub cluster: SideStats,
    pub minority: SideStats,
    pub majority: SideStats,
    /// The most nodes that believed at one moment that they lead (sampled every 10 ms).
    /// Two is not always split brain: a Raft leader cut off with a minority still
    /// believes it leads, but can no longer commit.
    pub max_leaders: usize,
    /// The checker's verdict on the whole history, with its witness.
    pub linearizability: LinReport,
    /// The operations of the witness, in invocation order.
    pub witness: Vec<ClientRecord>,
    /// Invariant violations of the protocol itself.
    pub violations: Vec<Violation>,
    pub trace_hash: String,
    /// Operations and successes per second of invocation, on each side, for charts.
    pub series: Vec<Bucket>,
    /// Keys on which the nodes that hold them disagree, 5 s after the partition heals
    /// with the clients stopped (see `acknowledged_writes_lost`).
    pub keys_replicas_disagree: u64,
}

/// One second of a run, by the invocation time of its operations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Bucket {
    pub from_us: Micros,
    pub minority_ops: u64,
    pub minority_ok: u64,
    pub majority_ops: u64,
    pub majority_ok: u64,
    /// Reads invoked in this second that returned an overwritten value (both sides).
    pub stale_reads: u64,
}

/// Per-second operations and successes on each side.
fn series(
    setup: &CapSetup,
    history: &[ClientRecord],
    stale: &[bool],
    until_us: Micros,
) -> Vec<Bucket> {
    let seconds = until_us.div_ceil(MICROS_PER_SEC).max(1);
    let mut buckets: Vec<Bucket> = (0..seconds)
        .map(|i| Bucket {
            from_us: i * MICROS_PER_SEC,
            minority_ops: 0,
            minority_ok: 0,
            majority_ops: 0,
            majority_ok: 0,
            stale_reads: 0,
        })
        .collect();
    for (c, &is_stale) in history.iter().zip(stale) {
        let Some(b) = buckets.get_mut((c.invoked_at / MICROS_PER_SEC) as usize) else {
            continue;
        };
        let ok = u64::from(c.succeeded());
        b.stale_reads += u64::from(is_stale);
        if setup.minority.contains(&c.node) {
            b.minority_ops += 1;
            b.minority_ok += ok;
        } else {
            b.majority_ops += 1;
            b.majority_ok += ok;
        }
    }
    buckets
}

/// One design in a comparison: a protocol and the settings that place it on the
/// consistency-availability spectrum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Design {
    pub label: String,
    /// The protocol's name in the registry.
    pub protocol: String,
    /// Its settings (quorum sizes, a synchronous backup, ...), by name.
    pub settings: Settings,
    /// What the clients do after a timeout or an "unavailable" answer.
    pub retry: crate::client::Retry,
}

impl Design {
    pub fn new(label: &str, protocol: &str) -> Self {
        Design {
            label: label.into(),
            protocol: protocol.into(),
            settings: Settings::new(),
            retry: crate::client::Retry::None,
        }
    }

    /// The same design with one more setting.
    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.settings.set(name, value.to_string());
        self
    }

    /// A setting's value as given (`None`: the protocol's default).
    pub fn setting(&self, name: &str) -> Option<&str> {
        self.settings.get(name)
    }

    /// The standard set-up for this design.
    pub fn setup(&self, seed: u64) -> CapSetup {
        let mut setup = standard_setup(&self.protocol, seed);
        setup.spec.settings = self.settings.clone();
        if let Some(w) = setup.spec.workload.as_mut() {
            w.retry = self.retry;
        }
        setup
    }

    /// The standard experiment for this design as a playground run, shown at its end: the
    /// same run, event for event.
    pub fn recipe(&self, seed: u64) -> Recipe {
        let cap = self.setup(seed);
        let faults = vec![
            Scheduled::at(
                cap.partition_from_us,
                Action::Partition {
                    groups: vec![cap.minority.clone()],
                },
            ),
            Scheduled::at(cap.partition_until_us, Action::Heal),
        ];
        let mut schedule = cap.spec.schedule.clone();
        schedule.extend(faults);
        self.recipe_of(seed, schedule, cap.spec.until_us)
    }

    /// This design's run with `faults` applied live instead of the standard partition,
    /// shown at `at_us` (a cluster of the live view). As in the live view, an action taken
    /// while the run goes on drops what the design had scheduled after it (the clients'
    /// stop near the end).
    pub fn recipe_with(&self, seed: u64, faults: Vec<Scheduled>, at_us: Micros) -> Recipe {
        let spec = self.setup(seed).spec;
        let mut schedule: Vec<Scheduled> = match faults.first() {
            Some(first) => spec
                .schedule
                .iter()
                .filter(|s| s.at <= first.at)
                .cloned()
                .collect(),
            None => spec.schedule.clone(),
        };
        schedule.extend(faults);
        self.recipe_of(seed, schedule, at_us)
    }

    fn recipe_of(&self, seed: u64, mut schedule: Vec<Scheduled>, at_us: Micros) -> Recipe {
        let spec = self.setup(seed).spec;
        let workload = spec.workload.unwrap_or_default();
        // Stable: actions at the same time keep their order.
        crate::sort::by_key(&mut schedule, |s| s.at);
        Recipe {
            setup: Setup {
                protocol: self.protocol.clone(),
                nodes: spec.nodes,
                seed,
                load: workload.rate_per_s,
                retry: workload.retry,
                settings: spec.settings.clone(),
                ..Setup::default()
            },
            schedule,
            at_us: Some(at_us),
        }
    }

    /// The standard experiment for this design.
    pub fn run(&self, seed: u64) -> Result<CapReport, CapError> {
        run_experiment(&self.setup(seed))
    }
}

/// The standard comparisons, as (name, title, designs).
pub fn scenarios() -> Vec<(&'static str, &'static str, Vec<Design>)> {
    let quorum = |r: usize, w: usize| {
        Design::new(&format!("Quorum R={r} W={w}"), "quorum")
            .with("r", r)
            .with("w", w)
    };
    let raft = || Design::new("Raft", "raft");
    let pb_async = || Design::new("Primary-backup, async", "primary-backup");
    vec![
        (
            "raft-vs-quorum",
            "Raft vs quorum (R=W=1)",
            vec![raft(), quorum(1, 1)],
        ),
        (
            "quorum-sizes",
            "Quorum R=W=1 vs R+W>N (R=W=3)",
            vec![quorum(1, 1), quorum(3, 3)],
        ),
        (
            "primary-backup",
            "Primary-backup: async vs sync follower",
            vec![
                pb_async(),
                Design::new("Primary-backup, sync follower", "primary-backup").with("sync", 1),
            ],
        ),
        (
            "all",
            "Raft, quorum and primary-backup",
            vec![raft(), quorum(1, 1), pb_async()],
        ),
    ]
}

pub const STANDARD_NODES: usize = 5;
pub const STANDARD_PARTITION_FROM_US: Micros = 5 * MICROS_PER_SEC;
pub const STANDARD_PARTITION_UNTIL_US: Micros = 35 * MICROS_PER_SEC;
pub const STANDARD_END_US: Micros = 45 * MICROS_PER_SEC;

/// The standard experiment's setup for `kind`, with that protocol's default settings:
/// five nodes, the default client load, {n0, n1} cut off from 5 s to 35 s, run to 45 s.
/// The load stops one client timeout before the end, so every operation has its outcome.
pub fn standard_setup(protocol: &str, seed: u64) -> CapSetup {
    let mut spec = RunSpec::new(STANDARD_NODES, seed, STANDARD_END_US).with_protocol(protocol);
    let workload = Workload::default();
    spec.workload = Some(workload);
    spec.schedule.push(Scheduled::at(
        STANDARD_END_US - workload.timeout_us,
        Action::SetWorkload {
            workload: Workload {
                rate_per_s: 0,
                ..workload
            },
        },
    ));
    CapSetup {
        spec,
        minority: vec![NodeId(0), NodeId(1)],
        partition_from_us: STANDARD_PARTITION_FROM_US,
        partition_until_us: STANDARD_PARTITION_UNTIL_US,
    }
}

/// The standard experiment (see [`standard_setup`]) for one protocol.
pub fn standard_experiment(protocol: &str, seed: u64) -> CapReport {
    run_experiment(&standard_setup(protocol, seed))
        .unwrap_or_else(|e| panic!("the standard setup is valid: {e}"))
}

/// Why an experiment could not run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CapError {
    #[error("the partition must start before it ends")]
    PartitionBackwards,
    #[error(transparent)]
    Run(#[from] crate::run::RunError),
}

/// Runs an experiment and reports on it.
pub fn run_experiment(setup: &CapSetup) -> Result<CapReport, CapError> {
    let mut spec = setup.spec.clone();
    if setup.partition_from_us > setup.partition_until_us {
        return Err(CapError::PartitionBackwards);
    }
    spec.schedule.push(Scheduled::at(
        setup.partition_from_us,
        Action::Partition {
            groups: vec![setup.minority.clone()],
        },
    ));
    spec.schedule
        .push(Scheduled::at(setup.partition_until_us, Action::Heal));
    spec.validate()?;
    let world = spec.sim(false)?;
    Ok(observe(setup, &spec, world))
}

const SAMPLE_US: Micros = 10 * MICROS_PER_MS;

fn observe(setup: &CapSetup, spec: &RunSpec, mut world: Box<dyn Sim>) -> CapReport {
    let mut max_leaders = 0;
    let mut t = 0;
    let mut probe = None;
    while t < spec.until_us && !world.halted() {
        t = (t + SAMPLE_US).min(spec.until_us);
        world.run_until(t);
        let leaders = world.leaders();
        max_leaders = max_leaders.max(leaders);
        if probe.is_none() && t > setup.partition_until_us {
            probe = Some(after_healing(world.as_ref()));
        }
    }
    let (held, probe_history) = probe.unwrap_or_else(|| after_healing(world.as_ref()));
    let lost = lost_writes(&probe_history, &held);
    let keys_replicas_disagree = held
        .values()
        .filter(|per_node| per_node.windows(2).any(|w| w[0] != w[1]))
        .count() as u64;
    let history = world.clients();
    let lin = linearizability::check(history);
    let witness = lin
        .witness
        .iter()
        .filter_map(|r| history.get(r.0 as usize).cloned())
        .collect();
    let stale = stale_reads(history);
    let all: Vec<NodeId> = (0..spec.nodes as u32).map(NodeId).collect();
    let majority: Vec<NodeId> = all
        .iter()
        .copied()
        .filter(|n| !setup.minority.contains(n))
        .collect();
    let side = |nodes: &[NodeId]| {
        let mut stats = side_stats(setup, history, &stale, nodes);
        stats.acknowledged_writes_lost = probe_history
            .iter()
            .zip(&lost)
            .filter(|(c, &l)| l && nodes.contains(&c.node))
            .count() as u64;
        stats
    };
    CapReport {
        protocol: spec.protocol.clone(),
        seed: spec.seed,
        nodes: spec.nodes,
        partition_from_us: setup.partition_from_us,
        partition_until_us: setup.partition_until_us,
        cluster: side(&all),
        minority: side(&setup.minority),
        majority: side(&majority),
        max_leaders,
        linearizability: lin,
        witness,
        violations: world.violations().to_vec(),
        trace_hash: hash_hex(world.trace_hash()),
        series: series(setup, history, &stale, spec.until_us),
        keys_replicas_disagree,
    }
}

fn side_stats(
    setup: &CapSetup,
    history: &[ClientRecord],
    stale: &[bool],
    nodes: &[NodeId],
) -> SideStats {
    let mut s = SideStats {
        nodes: nodes.to_vec(),
        ops: 0,
        ok: 0,
        failed: 0,
        unknown: 0,
        ops_during_partition: 0,
        ok_during_partition: 0,
        availability_during_partition: None,
        latency_p50_us: None,
        latency_p99_us: None,
        stale_reads: 0,
        acknowledged_writes_lost: 0,
    };
    let mut latencies = Vec::new();
    for (c, &stale) in history.iter().zip(stale) {
        if !nodes.contains(&c.node) {
            continue;
        }
        s.ops += 1;
        let ok = c.succeeded();
        match &c.outcome {
            _ if ok => {
                s.ok += 1;
                latencies.push(c.completed_at.unwrap_or(c.invoked_at) - c.invoked_at);
            }
            Outcome::Done { .. } => s.failed += 1,
            Outcome::TimedOut | Outcome::Pending => s.unknown += 1,
        }
        if (setup.partition_from_us..setup.partition_until_us).contains(&c.invoked_at) {
            s.ops_during_partition += 1;
            s.ok_during_partition += u64::from(ok);
        }
        s.stale_reads += u64::from(stale);
    }
    if s.ops_during_partition > 0 {
        s.availability_during_partition =
            Some(s.ok_during_partition as f64 / s.ops_during_partition as f64);
    }
    crate::sort::natural(&mut latencies);
    s.latency_p50_us = percentile(&latencies, 50);
    s.latency_p99_us = percentile(&latencies, 99);
    s
}

/// What the cluster keeps once the partition heals: a copy of the run, just after the
/// heal, with the clients stopped, given `SETTLE_US` to converge. Returns the values each
/// node then holds, per key, and the copy's history. Measured on a copy because the main
/// run's later writes would overwrite (and so hide) writes that healing threw away.
fn after_healing(world: &dyn Sim) -> (BTreeMap<Key, Vec<Vec<Value>>>, Vec<ClientRecord>) {
    let mut copy = world.box_clone();
    copy.act(Action::SetWorkload {
        workload: Workload {
            rate_per_s: 0,
            ..Workload::default()
        },
    });
    copy.run_until(copy.now() + SETTLE_US);
    let history = copy.clients().to_vec();
    (held_values(copy.as_ref(), &history), history)
}

/// How long a healed copy of the run gets to converge before its state is read.
const SETTLE_US: Micros = 5 * MICROS_PER_SEC;

/// The acknowledged writes `world` has lost by its moment, judged as after a heal: on a
/// copy with the clients stopped and 5 s to settle (see [`lost_writes`]). For lessons.
pub fn writes_lost_by_now(world: &dyn Sim) -> Vec<ClientRecord> {
    let (held, history) = after_healing(world);
    let lost = lost_writes(&history, &held);
    history
        .into_iter()
        .zip(lost)
        .filter_map(|(c, lost)| lost.then_some(c))
        .collect()
}

/// For every key the history touches: the values held by each up node that holds any
/// (sorted, one list per node).
pub fn held_values(world: &dyn Sim, history: &[ClientRecord]) -> BTreeMap<Key, Vec<Vec<Value>>> {
    let keys = crate::sort::set(history.iter().map(|c| c.op.key()));
    let up: Vec<NodeId> = world.statuses().into_iter().map(|(id, _)| id).collect();
    crate::sort::map(keys.into_iter().map(|key| {
        let per_node = up
            .iter()
            .map(|&node| {
                let mut values = world.stored(node, key);
                crate::sort::natural(&mut values);
                values
            })
            .filter(|values| !values.is_empty())
            .collect();
        (key, per_node)
    }))
}

/// For each record: whether it is an acknowledged write (a put, or a compare-and-set that
/// wrote) whose value no node holds at the end, while every value that is held was written
/// by an operation that finished before this one began. Such a write should have won, yet
/// it vanished: the clients were told it happened. A write replaced by a concurrent or
/// later one is not lost. Values are identified by the write that wrote them, as the
/// steady workload writes each value once.
pub fn lost_writes(history: &[ClientRecord], held: &BTreeMap<Key, Vec<Vec<Value>>>) -> Vec<bool> {
    let written = |c: &ClientRecord| -> Option<Value> {
        match (&c.op, &c.outcome) {
            (KvOp::Put { value, .. }, _) => Some(*value),
            (KvOp::Cas { new, .. }, _) => Some(*new),
            _ => None,
        }
    };
    let acknowledged = |c: &ClientRecord| {
        matches!(
            &c.outcome,
            Outcome::Done {
                result: KvResult::Written
            }
        )
    };
    let mut writer_of: BTreeMap<(Key, Value), &ClientRecord> = BTreeMap::new();
    for c in history {
        if let Some(v) = written(c) {
            writer_of.entry((c.op.key(), v)).or_insert(c);
        }
    }
    history
        .iter()
        .map(|c| {
            let (Some(v), true) = (written(c), acknowledged(c)) else {
                return false;
            };
            let key = c.op.key();
            let survivors: Vec<Value> = held
                .get(&key)
                .map(|per_node| per_node.iter().flatten().copied().collect())
                .unwrap_or_default();
            if survivors.contains(&v) {
                return false;
            }
            survivors.iter().all(|s| {
                writer_of
                    .get(&(key, *s))
                    .is_some_and(|w| w.completed_at.is_some_and(|done| done < c.invoked_at))
            })
        })
        .collect()
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[Micros], p: usize) -> Option<Micros> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    Some(sorted[rank - 1])
}

/// For each record: whether it is a read that returned a value already overwritten
/// before it began. That is the case when some successful write of the key both started
/// after the write of the returned value had completed and completed itself before the
/// read was invoked (for an empty answer: when any successful write of the key completed
/// before the read began). Values are identified by the write that wrote them, which
/// needs values written once each, as the steady workload writes them; a value written
/// by an operation with an unknown outcome is never counted as stale. Stale reads are
/// exactly the anomaly clients notice most; the linearizability checker sees them too,
/// among others.
pub fn stale_reads(history: &[ClientRecord]) -> Vec<bool> {
    // Successful writes per key: (invoked, completed).
    let mut writes: BTreeMap<Key, Vec<(Micros, Micros)>> = BTreeMap::new();
    // The write of each value: (invoked, completed if known).
    let mut wrote: BTreeMap<(Key, Value), Option<Micros>> = BTreeMap::new();
    for c in history {
        let (key, value) = match c.op {
            KvOp::Put { key, value } => (key, value),
            KvOp::Cas { key, new, .. } => (key, new),
            KvOp::Get { .. } => continue,
        };
        let written = matches!(
            &c.outcome,
            Outcome::Done {
                result: KvResult::Written
            }
        );
        let maybe = matches!(c.outcome, Outcome::TimedOut | Outcome::Pending);
        if written {
            let done = c.completed_at.unwrap_or(Micros::MAX);
            writes.entry(key).or_default().push((c.invoked_at, done));
            wrote.insert((key, value), Some(done));
        } else if maybe {
            wrote.entry((key, value)).or_insert(None);
        }
    }
    history
        .iter()
        .map(|c| {
            let (KvOp::Get { key }, Outcome::Done { result }) = (&c.op, &c.outcome) else {
                return false;
            };
            let KvResult::Value { value } = result else {
                return false;
            };
            let Some(later) = writes.get(key) else {
                return false;
            };
            let overwritten_after = match value {
                None => 0,
                Some(v) => match wrote.get(&(*key, *v)) {
                    Some(Some(done)) => *done + 1,
                    _ => return false,
                },
            };
            later
                .iter()
                .any(|&(inv, done)| inv >= overwritten_after && done < c.invoked_at)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::RequestId;

    fn rec(id: u64, op: KvOp, inv: Micros, done: Micros, result: KvResult) -> ClientRecord {
        ClientRecord {
            id: RequestId(id),
            node: NodeId(0),
            op,
            invoked_at: inv,
            completed_at: Some(done),
            outcome: Outcome::Done { result },
        }
    }

    #[test]
    fn a_read_of_an_overwritten_value_is_stale_and_a_concurrent_one_is_not() {
        let get = |id, inv, done, value| {
            rec(
                id,
                KvOp::Get { key: 1 },
                inv,
                done,
                KvResult::Value { value },
            )
        };
        let history = vec![
            rec(0, KvOp::Put { key: 1, value: 10 }, 0, 10, KvResult::Written),
            rec(
                1,
                KvOp::Put { key: 1, value: 20 },
                20,
                30,
                KvResult::Written,
            ),
            get(2, 25, 35, Some(10)),
            get(3, 40, 45, Some(10)),
            get(4, 40, 45, Some(20)),
            get(5, 5, 8, None),
            get(6, 12, 14, None),
        ];
        assert_eq!(
            stale_reads(&history),
            [false, false, false, true, false, false, true]
        );
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v: Vec<Micros> = (1..=100).collect();
        assert_eq!(percentile(&v, 50), Some(50));
        assert_eq!(percentile(&v, 99), Some(99));
        assert_eq!(percentile(&[7], 99), Some(7));
        assert_eq!(percentile(&[], 50), None);
    }
}
