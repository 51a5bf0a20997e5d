//! Whole runs, described as data: which protocol, how many nodes, which seed, for how long,
//! under which schedule. Used by the command line, the tests and the browser alike.

use crate::action::{validate_schedule, Action, Schedule, Scheduled};
use crate::check::Violation;
use crate::client::Workload;
use crate::protocol::Protocol;
use crate::protocols::raft::{RaftConfig, RaftNode};
use crate::time::Micros;
use crate::trace::Counters;
use crate::world::{World, WorldConfig};
use serde::{Deserialize, Serialize};

/// The protocols a run can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProtocolKind {
    Raft,
}

impl ProtocolKind {
    pub const ALL: [ProtocolKind; 1] = [ProtocolKind::Raft];

    pub fn name(self) -> &'static str {
        match self {
            ProtocolKind::Raft => "raft",
        }
    }

    pub fn parse(name: &str) -> Result<Self, String> {
        ProtocolKind::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| format!("unknown protocol {name:?}; available: raft"))
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
        self.raft.validate()?;
        if let Some(w) = &self.workload {
            w.validate()?;
        }
        validate_schedule(&mut self.schedule, self.nodes)
    }

    /// The world this spec describes, with the workload and schedule loaded.
    pub fn raft_world(&self, record: bool) -> World<RaftNode> {
        let mut config = WorldConfig::new(self.nodes, self.seed, self.raft.clone());
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
}

pub fn hash_hex(hash: u64) -> String {
    format!("{hash:016x}")
}

/// Runs a spec to its end (or its first violation).
pub fn run(spec: &RunSpec) -> Result<RunReport, String> {
    let mut spec = spec.clone();
    spec.validate()?;
    match spec.protocol {
        ProtocolKind::Raft => {
            let mut world = spec.raft_world(false);
            world.run_until(spec.until_us);
            let committed = world.statuses().map(|(_, s)| s.commit).max().unwrap_or(0);
            Ok(report(&spec, &world, committed))
        }
    }
}

fn report<P: Protocol>(spec: &RunSpec, world: &World<P>, committed_entries: u64) -> RunReport {
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
    }
}
