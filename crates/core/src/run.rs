//! Whole runs, described as data: which protocol, how many nodes, which seed, for how long,
//! under which schedule. Used by the command line, the tests and the browser alike.

use crate::action::{validate_schedule, Action, Schedule, Scheduled};
use crate::check::Violation;
use crate::client::Workload;
use crate::protocol::Protocol;
use crate::protocols::primary_backup::{PbConfig, PbNode};
use crate::protocols::quorum::{QuorumConfig, QuorumNode};
use crate::protocols::raft::{RaftConfig, RaftNode};
use crate::time::Micros;
use crate::trace::Counters;
use crate::world::{World, WorldConfig};
use serde::{Deserialize, Serialize};

/// The protocols a run can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProtocolKind {
    /// Raft: one leader, a replicated log, linearizable reads and writes (the CP end).
    Raft,
    /// Leaderless Dynamo-style quorums (see [`crate::protocols::quorum`]).
    Quorum,
    /// One primary, asynchronous backups, failover without a vote (see
    /// [`crate::protocols::primary_backup`]).
    PrimaryBackup,
}

impl ProtocolKind {
    pub const ALL: [ProtocolKind; 3] = [
        ProtocolKind::Raft,
        ProtocolKind::Quorum,
        ProtocolKind::PrimaryBackup,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ProtocolKind::Raft => "raft",
            ProtocolKind::Quorum => "quorum",
            ProtocolKind::PrimaryBackup => "primary-backup",
        }
    }

    pub fn parse(name: &str) -> Result<Self, String> {
        ProtocolKind::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| {
                let names: Vec<_> = ProtocolKind::ALL.iter().map(|p| p.name()).collect();
                format!("unknown protocol {name:?}; available: {}", names.join(", "))
            })
    }
}

pub const MAX_NODES: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSpec {
    pub protocol: ProtocolKind,
    pub nodes: usize,
    pub seed: u64,
    pub until_us: Micros,
    pub schedule: Schedule,
    pub raft: RaftConfig,
    /// Settings of the quorum store (used when `protocol` is `quorum`).
    #[serde(default)]
    pub quorum: QuorumConfig,
    /// Settings of primary-backup (used when `protocol` is `primary-backup`).
    #[serde(default)]
    pub primary_backup: PbConfig,
    /// A steady client load from time zero (`None`: only scheduled client operations).
    pub workload: Option<Workload>,
}

impl RunSpec {
    pub fn new(nodes: usize, seed: u64, until_us: Micros) -> Self {
        RunSpec {
            protocol: ProtocolKind::Raft,
            nodes,
            seed,
            until_us,
            schedule: Vec::new(),
            raft: RaftConfig::default(),
            quorum: QuorumConfig::default(),
            primary_backup: PbConfig::default(),
            workload: Some(Workload::default()),
        }
    }

    /// Checks every setting and sorts the schedule.
    pub fn validate(&mut self) -> Result<(), String> {
        if self.nodes == 0 || self.nodes > MAX_NODES {
            return Err(format!(
                "--nodes must be between 1 and {MAX_NODES}, not {}",
                self.nodes
            ));
        }
        match self.protocol {
            ProtocolKind::Raft => self.raft.validate()?,
            ProtocolKind::Quorum => self.quorum.validate(self.nodes)?,
            ProtocolKind::PrimaryBackup => self.primary_backup.validate()?,
        }
        if let Some(w) = &self.workload {
            w.validate()?;
        }
        validate_schedule(&mut self.schedule, self.nodes)
    }

    /// The world this spec describes for protocol `P` with settings `protocol`, with the
    /// workload and schedule loaded.
    pub fn world<P: Protocol>(&self, protocol: P::Config, record: bool) -> World<P> {
        let mut config = WorldConfig::new(self.nodes, self.seed, protocol);
        config.record = record;
        let mut world = World::new(config);
        if let Some(workload) = self.workload {
            world.schedule([Scheduled {
                at: 0,
                action: Action::SetWorkload { workload },
            }]);
        }
        world.schedule(self.schedule.iter().cloned());
        world
    }

    /// The world of a Raft run (whatever `protocol` says).
    pub fn raft_world(&self, record: bool) -> World<RaftNode> {
        self.world(self.raft.clone(), record)
    }

    /// The world of a quorum-store run (whatever `protocol` says).
    pub fn quorum_world(&self, record: bool) -> World<QuorumNode> {
        self.world(self.quorum.clone(), record)
    }

    /// The world of a primary-backup run (whatever `protocol` says).
    pub fn primary_backup_world(&self, record: bool) -> World<PbNode> {
        self.world(self.primary_backup.clone(), record)
    }
}

/// What a finished run reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunReport {
    pub protocol: ProtocolKind,
    pub nodes: usize,
    pub seed: u64,
    /// Events processed (deliveries, timers, client arrivals, ...).
    pub events: u64,
    /// Entries in the trace (sends, drops, role changes, ...).
    pub trace_events: u64,
    pub sim_time_us: Micros,
    /// Hex of the 64-bit trace hash.
    pub trace_hash: String,
    pub violations: Vec<Violation>,
    /// Commit-index advances across all nodes.
    pub commits: u64,
    /// The highest commit index any node reached.
    pub committed_entries: u64,
    /// Times a node became leader.
    pub leader_changes: u64,
    pub counters: Counters,
    /// The linearizability checker's verdict on the clients' history.
    pub linearizability: crate::checkers::linearizability::Verdict,
}

pub fn hash_hex(hash: u64) -> String {
    format!("{hash:016x}")
}

/// Runs a spec to its end (or its first violation).
pub fn run(spec: &RunSpec) -> Result<RunReport, String> {
    let mut spec = spec.clone();
    spec.validate()?;
    Ok(match spec.protocol {
        ProtocolKind::Raft => run_world(&spec, spec.raft_world(false)),
        ProtocolKind::Quorum => run_world(&spec, spec.quorum_world(false)),
        ProtocolKind::PrimaryBackup => run_world(&spec, spec.primary_backup_world(false)),
    })
}

/// Runs a world built from `spec` to the end of the spec and reports on it.
pub fn run_world<P: Protocol>(spec: &RunSpec, mut world: World<P>) -> RunReport {
    world.run_until(spec.until_us);
    report(spec, &world)
}

/// The report on a world built from `spec`, as it stands.
pub fn report<P: Protocol>(spec: &RunSpec, world: &World<P>) -> RunReport {
    let committed_entries = world.statuses().map(|(_, s)| s.commit).max().unwrap_or(0);
    let c = *world.counters();
    RunReport {
        protocol: spec.protocol,
        nodes: spec.nodes,
        seed: spec.seed,
        events: c.events,
        trace_events: world.trace().len(),
        sim_time_us: world.now(),
        trace_hash: hash_hex(world.trace_hash()),
        violations: world.violations().to_vec(),
        commits: c.commits,
        committed_entries,
        leader_changes: c.leader_changes,
        counters: c,
        linearizability: crate::checkers::linearizability::check(world.clients()).verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::MICROS_PER_SEC;

    #[test]
    fn protocol_names_parse_back() {
        for kind in ProtocolKind::ALL {
            assert_eq!(ProtocolKind::parse(kind.name()), Ok(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
        let err = ProtocolKind::parse("paxos").unwrap_err();
        assert!(err.contains("raft, quorum, primary-backup"), "{err}");
    }

    #[test]
    fn every_protocol_runs_deterministically_and_cleanly() {
        for kind in ProtocolKind::ALL {
            let mut spec = RunSpec::new(5, 3, 5 * MICROS_PER_SEC);
            spec.protocol = kind;
            let a = run(&spec).unwrap();
            let b = run(&spec).unwrap();
            assert_eq!(a, b, "{}", kind.name());
            assert_eq!(a.protocol, kind);
            assert!(
                a.violations.is_empty(),
                "{}: {:?}",
                kind.name(),
                a.violations
            );
            assert!(a.counters.client_ok > 100, "{}", kind.name());
        }
    }

    #[test]
    fn settings_of_the_chosen_protocol_are_validated() {
        let mut spec = RunSpec::new(3, 0, MICROS_PER_SEC);
        spec.quorum.w = 4;
        assert!(
            spec.clone().validate().is_ok(),
            "raft ignores quorum settings"
        );
        spec.protocol = ProtocolKind::Quorum;
        assert!(run(&spec).unwrap_err().contains("w = 4"));
    }

    #[test]
    fn specs_without_the_newer_settings_still_parse() {
        let mut spec = RunSpec::new(3, 0, MICROS_PER_SEC);
        let mut json = serde_json::to_value(&spec).unwrap();
        json.as_object_mut().unwrap().remove("quorum");
        json.as_object_mut().unwrap().remove("primary_backup");
        let back: RunSpec = serde_json::from_value(json).unwrap();
        spec.validate().unwrap();
        assert_eq!(back, spec);
    }
}
