//! Every intervention a user (or the fuzzer) can make, as data. A run is a seed, its
//! settings and a schedule of `(time, Action)`, so every run can be replayed exactly.

use crate::client::{KvOp, Workload, WorkloadError};
use crate::ids::NodeId;
use crate::network::{LinkConfig, NetworkError};
use crate::time::{parse_duration, Micros};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What happens to a crashed node's disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiskFate {
    /// Crash-recovery with stable storage: the disk survives.
    Keep,
    /// The disk is wiped too (outside the crash-recovery model most protocols assume).
    Lose,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Crash a node; it stays down until `restart` (crash-stop if it never comes).
    Crash {
        node: NodeId,
        disk: DiskFate,
    },
    Restart {
        node: NodeId,
    },
    /// Crash a node at its next disk write, just after the write and the rest of that step
    /// (a power cut right after an fsync); restart it `restart_after_us` later if given.
    CrashOnWrite {
        node: NodeId,
        disk: DiskFate,
        restart_after_us: Option<Micros>,
    },
    /// Freeze a node, like a long garbage-collection stall: its timers and messages wait.
    Pause {
        node: NodeId,
        for_us: Micros,
    },
    /// Make a node take `delay_us` to process each input (0 makes it normal again).
    Slow {
        node: NodeId,
        delay_us: Micros,
    },
    /// Step a node's clock forwards or backwards.
    SkewClock {
        node: NodeId,
        by_us: i64,
    },
    /// Set a node's clock drift in parts per million.
    SetDrift {
        node: NodeId,
        ppm: i32,
    },
    /// Split the cluster; nodes in no group form one more group together.
    Partition {
        groups: Vec<Vec<NodeId>>,
    },
    /// Cut the link `from -> to` (one direction only; cut both for a full cut).
    CutLink {
        from: NodeId,
        to: NodeId,
    },
    RestoreLink {
        from: NodeId,
        to: NodeId,
    },
    /// Remove all partitions and cuts.
    Heal,
    /// Set the behaviour of one directed link.
    SetLink {
        from: NodeId,
        to: NodeId,
        link: LinkConfig,
    },
    /// Set the behaviour of every link.
    SetNetwork {
        link: LinkConfig,
    },
    /// Whether receivers verify checksums and discard corrupted messages.
    SetChecksums {
        on: bool,
    },
    /// One client operation sent to `node`.
    Client {
        node: NodeId,
        op: KvOp,
    },
    /// Start, change or (with rate 0) stop a steady client load.
    SetWorkload {
        workload: Workload,
    },
    /// Start, change or (with `None`) stop random failures and repairs of every node.
    SetFailures {
        failures: Option<crate::availability::Failures>,
    },
    /// Crash whichever node leads when the action happens (the leader with the highest
    /// era), as a nemesis that aims at the leader does; restart it `restart_after_us`
    /// later if given. Nothing happens if no node leads.
    CrashLeader {
        disk: DiskFate,
        restart_after_us: Option<Micros>,
    },
    /// Split the cluster around whichever node leads: it and the `with` nodes after it
    /// (by id, wrapping around) on one side, the rest on the other; `heal` ends it.
    /// Nothing happens if no node leads.
    PartitionLeader {
        with: u32,
    },
    /// Make a node Byzantine: from now on it follows `behaviour` (one its protocol
    /// defines) instead of its honest code; `honest` makes it honest again.
    Behave {
        node: NodeId,
        behaviour: String,
    },
    /// The protocol's own action at a node, which a person takes by hand (Chandy-Lamport's
    /// snapshot started there; see [`crate::registry::About::trigger`]). A protocol without
    /// one refuses it in a schedule; a node that is down ignores it.
    Trigger {
        node: NodeId,
    },
}

/// The behaviour that makes a Byzantine node honest again.
pub const HONEST: &str = "honest";

impl Action {
    /// Nodes the action names, for validation.
    pub fn nodes(&self) -> Vec<NodeId> {
        match self {
            Action::Crash { node, .. }
            | Action::CrashOnWrite { node, .. }
            | Action::Restart { node }
            | Action::Pause { node, .. }
            | Action::Slow { node, .. }
            | Action::SkewClock { node, .. }
            | Action::SetDrift { node, .. }
            | Action::Behave { node, .. }
            | Action::Trigger { node }
            | Action::Client { node, .. } => vec![*node],
            Action::CutLink { from, to }
            | Action::RestoreLink { from, to }
            | Action::SetLink { from, to, .. } => vec![*from, *to],
            Action::Partition { groups } => groups.iter().flatten().copied().collect(),
            Action::Heal
            | Action::CrashLeader { .. }
            | Action::PartitionLeader { .. }
            | Action::SetNetwork { .. }
            | Action::SetChecksums { .. }
            | Action::SetWorkload { .. }
            | Action::SetFailures { .. } => vec![],
        }
    }

    /// Checks the action against a cluster of `nodes` nodes.
    pub fn validate(&self, nodes: usize) -> Result<(), ActionError> {
        for n in self.nodes() {
            if n.index() >= nodes {
                return Err(ActionError::NoSuchNode {
                    node: n.0,
                    last: nodes - 1,
                });
            }
        }
        match self {
            Action::SetLink { link, .. } | Action::SetNetwork { link } => Ok(link.validate()?),
            Action::SetWorkload { workload } => Ok(workload.validate()?),
            Action::SetFailures {
                failures: Some(failures),
            } => failures.validate().map_err(ActionError::Failures),
            Action::Partition { groups } => {
                let mut seen = vec![false; nodes];
                for n in groups.iter().flatten() {
                    if std::mem::replace(&mut seen[n.index()], true) {
                        return Err(ActionError::TwoGroups(n.0));
                    }
                }
                Ok(())
            }
            Action::SetDrift { ppm, .. } if ppm.unsigned_abs() > 500_000 => {
                Err(ActionError::Drift(*ppm))
            }
            _ => Ok(()),
        }
    }
}

/// Why an action was refused for a cluster or a protocol.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("node {node} does not exist (the cluster has nodes 0 to {last})")]
    NoSuchNode { node: u32, last: usize },
    #[error("node {0} is in two partition groups")]
    TwoGroups(u32),
    #[error("drift {0} ppm is outside the allowed range of ±500000")]
    Drift(i32),
    #[error(transparent)]
    Network(#[from] NetworkError),
    #[error(transparent)]
    Workload(#[from] WorkloadError),
    #[error("{protocol} defines no Byzantine behaviours")]
    NoBehaviours { protocol: &'static str },
    #[error("{protocol} has no behaviour {behaviour:?}; it has honest, {known}")]
    NoSuchBehaviour {
        protocol: &'static str,
        behaviour: String,
        known: String,
    },
    #[error("{0}")]
    Failures(String),
    #[error("{protocol} takes no client operations")]
    NoClients { protocol: &'static str },
    #[error("{protocol} has no action to take by hand at a node")]
    NoTrigger { protocol: &'static str },
    /// One entry of a schedule (numbered from 1) and why it was refused.
    #[error("schedule entry {entry} (at {at}us): {error}")]
    InSchedule {
        entry: usize,
        at: Micros,
        error: Box<ActionError>,
    },
}

impl ActionError {
    /// This error as entry `i` (from 0) of a schedule, at `at`.
    pub fn in_schedule(self, i: usize, at: Micros) -> ActionError {
        ActionError::InSchedule {
            entry: i + 1,
            at,
            error: Box::new(self),
        }
    }
}

/// An action at a point in simulated time. In files, `at` is written as a duration
/// such as `"1.5s"` or `"250ms"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheduled {
    #[serde(serialize_with = "write_time", deserialize_with = "read_time")]
    pub at: Micros,
    /// How many of the events at the instant `at` happen before the action: 0 (before
    /// them all) for a planned action; an action taken live, after the world had handled
    /// some events of that same microsecond, comes after just as many on replay.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub after: u32,
    pub action: Action,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Scheduled {
    /// `action` at `at`, before any event of that instant.
    pub fn at(at: Micros, action: Action) -> Self {
        Scheduled {
            at,
            after: 0,
            action,
        }
    }

    /// Where it falls in a run: by time, then by the events of that instant before it.
    pub fn moment(&self) -> (Micros, u32) {
        (self.at, self.after)
    }
}

fn write_time<S: Serializer>(t: &Micros, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{t}us"))
}

fn read_time<'de, D: Deserializer<'de>>(d: D) -> Result<Micros, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Time {
        Number(u64),
        Text(String),
    }
    match Time::deserialize(d)? {
        Time::Number(us) => Ok(us),
        Time::Text(t) => parse_duration(&t).map_err(serde::de::Error::custom),
    }
}

/// A schedule: actions in time order.
pub type Schedule = Vec<Scheduled>;

/// Validates a schedule for a cluster of `nodes` nodes and sorts it by time (stable, so
/// actions at the same instant keep their order).
pub fn validate_schedule(schedule: &mut Schedule, nodes: usize) -> Result<(), ActionError> {
    for (i, s) in schedule.iter().enumerate() {
        s.action
            .validate(nodes)
            .map_err(|e| e.in_schedule(i, s.at))?;
    }
    crate::sort::by_key(schedule, Scheduled::moment);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_round_trips_through_json() {
        let schedule = vec![
            Scheduled::at(
                1_500_000,
                Action::Crash {
                    node: NodeId(2),
                    disk: DiskFate::Keep,
                },
            ),
            Scheduled::at(
                2_000_000,
                Action::Partition {
                    groups: vec![vec![NodeId(0), NodeId(1)]],
                },
            ),
        ];
        let text = serde_json::to_string(&schedule).unwrap();
        let back: Schedule = serde_json::from_str(&text).unwrap();
        assert_eq!(back, schedule);
    }

    #[test]
    fn human_times_parse() {
        let s: Scheduled =
            serde_json::from_str(r#"{"at": "1.5s", "action": {"type": "heal"}}"#).unwrap();
        assert_eq!(s.at, 1_500_000);
        assert!(
            serde_json::from_str::<Scheduled>(r#"{"at": "soon", "action": {"type": "heal"}}"#)
                .is_err()
        );
    }

    #[test]
    fn validation_names_the_problem() {
        let mut schedule = vec![Scheduled::at(0, Action::Restart { node: NodeId(9) })];
        let err = validate_schedule(&mut schedule, 5).unwrap_err().to_string();
        assert!(err.contains("node 9 does not exist"), "{err}");
        let twice = Action::Partition {
            groups: vec![vec![NodeId(0)], vec![NodeId(0)]],
        };
        assert!(twice.validate(3).is_err());
    }
}
