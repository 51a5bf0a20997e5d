//! Checkpointing and message logging: processes that pass jobs to one another, save their
//! state from time to time, and after a crash go back to a recovery line.
//!
//! **The application.** Every node keeps a running total. Now and then (every `jobs` on
//! average, at random moments) it starts a job: it adds the job's size to its total and
//! sends the job to a peer, which adds the size to its own total when the job arrives. A
//! node's state is the list of events it has done (jobs started, jobs received), so it is a
//! function of them and nothing else: a process is *piecewise deterministic*, and replaying
//! its events from a saved state rebuilds the state exactly. Each job is named by its
//! sender, the sender's incarnation and its number among the sender's jobs (`n1#7`), and
//! carries how many events its sender had done when it sent it (its position).
//!
//! **Checkpoints** (`scheme`). A checkpoint writes the node's state to its disk. With
//! `coordinated`, n0 starts a round every `interval`: it takes a tentative checkpoint, holds
//! back its jobs and asks every process to do the same; each one checkpoints, holds back its
//! jobs and reports; once every report is in, n0 tells everyone the round is done, and the
//! round's checkpoints (a consistent cut: no one's checkpoint holds a job sent after its
//! sender's checkpoint) become permanent. With `independent`, each process checkpoints on
//! its own, at random moments about `interval` apart.
//!
//! **Logging** (`logging`). `none`: what a process did since its checkpoint lives only in
//! memory. `pessimistic-receiver`: every event (a job received, a job started) is written
//! to the process's own log before it takes effect. `pessimistic-sender`: a sender writes a
//! job to its own log before sending it; the receiver tells the sender the order in which it
//! received it (its receive sequence number), the sender writes that down and confirms, and
//! the receiver starts no job of its own while any of these confirmations is missing.
//! `optimistic`: events are written to the receiver's own log in batches, every `flush`.
//!
//! **Recovery.** A process that restarts goes back to its last checkpoint (with
//! `coordinated`, the last round that was done) and replays what its log holds: its own log,
//! or with sender-based logging the jobs the others logged for it, in the order it had
//! received them. It then starts a new *incarnation* and tells everyone where its previous
//! one ended ("n1 went back to event 30"): every job it sent after that point is undone.
//! A process whose state holds an undone job is an *orphan*: it rolls back to a state without
//! it (with `coordinated` and no log, to its checkpoint of the round the other went back to;
//! with `independent` and no log, to its latest checkpoint that holds no undone job; with a
//! log, to just before the undone job, replaying its own log), starts a new incarnation and
//! tells everyone in turn. Jobs from an undone part of a sender's history that arrive later
//! are discarded. With independent checkpoints this can cascade: each rollback undoes jobs
//! that others received, and the recovery line can fall back to the start (the domino
//! effect). With pessimistic logging no orphan ever appears: a restarted process replays
//! everything anyone depends on.
//!
//! The checkers ([`checkers`]) judge what the engine sees happen, through a [`checkers::Ghost`]
//! that follows each process's real execution event by event.

/// Its roles, by code (the codes are part of every trace).
pub mod roles {
    use crate::protocol::{Role, RoleDesc, Tone};

    pub const PROCESS: Role = Role(0);
    pub const COORDINATOR: Role = Role(1);
    pub const HOLDING: Role = Role(2);
    pub const RECOVERING: Role = Role(3);

    pub const ALL: &[RoleDesc] = &[
        RoleDesc {
            code: 0,
            name: "process",
            label: "process (does and passes on jobs)",
            leads: false,
            tone: Tone::Steady,
        },
        RoleDesc {
            code: 1,
            name: "coordinator",
            label: "coordinator (starts the checkpoint rounds)",
            leads: true,
            tone: Tone::Lead,
        },
        RoleDesc {
            code: 2,
            name: "holding",
            label: "holding back its jobs (during a checkpoint round, or until its receipts are logged)",
            leads: false,
            tone: Tone::Restless,
        },
        RoleDesc {
            code: 3,
            name: "recovering",
            label: "recovering (collecting its logged jobs to replay)",
            leads: false,
            tone: Tone::Contrary,
        },
    ];
}

mod about;
pub mod checkers;
mod meter;
mod msg;
mod node;

pub use msg::{Cause, Checkpoint, CkDisk, CkMsg, CkNote, CkTimer, CkWrite, Logged, Rollback, Rsn};
pub use node::CkNode;

use crate::ids::NodeId;
use crate::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};
use serde::{Deserialize, Serialize};

crate::bugs! {
    /// Broken forms of checkpointing and logging.
    pub enum CkBug {
        /// The restarted process tells no one.
        NoRollback = "no-rollback": "recovery: a process that restarts goes back to its checkpoint but tells no one, so the others keep states built on jobs it will never have sent (orphans), and nobody rolls them back",
        /// Jobs keep flowing between the tentative checkpoint and done.
        SendDuringCheckpoint = "send-during-checkpoint": "the recovery line (switches to coordinated checkpoints): a process keeps sending jobs between its tentative checkpoint and the round's done, so a round's checkpoint can hold a job sent after its sender's checkpoint, and going back to the round is not consistent",
        /// The log is written after the event, in batches.
        LogAfterDeliver = "log-after-deliver": "no orphans (switches to pessimistic receiver-based logging): a process writes what it received to its log with the next batch, after acting on it, so a crash can lose a job the process had already acted on and sent work for",
        /// Independent checkpointing that trusts the latest checkpoint.
        LatestCheckpoint = "latest-checkpoint": "the recovery line (switches to independent checkpoints): an orphan rolls back to its latest checkpoint without checking what that checkpoint holds, so it can restore a state that still holds an undone job",
        /// Sender-based logging that sends before its receipts are logged.
        SendBeforeLogged = "send-before-logged": "no orphans (switches to pessimistic sender-based logging): a process starts and sends a job while the order of a job it received is not yet written down at that job's sender, so a crash can lose that receipt and leave the job it sent an orphan",
    }
}

/// How checkpoints are taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scheme {
    Coordinated,
    Independent,
}

/// What a process writes down besides its checkpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Logging {
    None,
    PessimisticReceiver,
    PessimisticSender,
    Optimistic,
}

impl Logging {
    /// Whether a restart can replay events past its checkpoint.
    pub fn replays(self) -> bool {
        self != Logging::None
    }

    /// Whether the process writes its own events to its own log (receiver-based).
    pub fn own_log(self) -> bool {
        matches!(self, Logging::PessimisticReceiver | Logging::Optimistic)
    }

    /// Whether it promises that no orphan ever appears.
    pub fn pessimistic(self) -> bool {
        matches!(
            self,
            Logging::PessimisticReceiver | Logging::PessimisticSender
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Logging::None => "none",
            Logging::PessimisticReceiver => "pessimistic-receiver",
            Logging::PessimisticSender => "pessimistic-sender",
            Logging::Optimistic => "optimistic",
        }
    }
}

/// The position of an event in a process's history (1 for its first event); a state "at
/// position p" is the state after its first p events, and 0 is the start.
pub type Pos = u32;

/// A job's name: its sender, the sender's incarnation when it sent it, and its number among
/// the sender's jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Mid {
    pub from: NodeId,
    pub inc: u32,
    pub seq: u32,
}

impl std::fmt::Display for Mid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.inc == 0 {
            write!(f, "{}#{}", self.from, self.seq)
        } else {
            write!(f, "{}#{} (incarnation {})", self.from, self.seq, self.inc)
        }
    }
}

/// One event of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// It started a job of `size` and sent it to `to` as its job number `seq`.
    Tick { to: NodeId, seq: u32, size: u32 },
    /// It received job `id`, which its sender sent after `pos` events of its own.
    Apply { id: Mid, pos: Pos, size: u32 },
}

/// An event in a process's history: what it was, in which incarnation of the process, and
/// what the process's own clock read then.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub inc: u32,
    pub at: i64,
    pub event: Event,
}

impl Entry {
    /// The job this event received, if it received one.
    pub fn received(&self) -> Option<(Mid, Pos)> {
        match self.event {
            Event::Apply { id, pos, .. } => Some((id, pos)),
            Event::Tick { .. } => None,
        }
    }

    /// The job this event sent, as `node`'s: its name and its receiver.
    pub fn sent(&self, node: NodeId) -> Option<(Mid, NodeId)> {
        match self.event {
            Event::Tick { to, seq, .. } => Some((
                Mid {
                    from: node,
                    inc: self.inc,
                    seq,
                },
                to,
            )),
            Event::Apply { .. } => None,
        }
    }

    pub fn size(&self) -> u32 {
        match self.event {
            Event::Tick { size, .. } | Event::Apply { size, .. } => size,
        }
    }
}

/// What one process knows of a rollback: `node`'s incarnation `inc` ended with `node` going
/// back to its state after `at` events (with coordinated checkpoints and no log, to its
/// checkpoint of round `round`). Every job `node` sent after event `at` in that incarnation
/// or an earlier one is undone. `line` names the recovery it belongs to (the restart that
/// began it, passed on by each orphan's rollback), for the diagram's recovery line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ended {
    pub node: NodeId,
    pub inc: u32,
    pub at: Pos,
    pub round: Option<u32>,
    pub line: u64,
}

impl Ended {
    /// Whether this rollback undid the job `id`, sent after `pos` events of its sender.
    pub fn undoes(&self, id: Mid, pos: Pos) -> bool {
        self.node == id.from && self.inc >= id.inc && self.at < pos
    }
}

impl std::fmt::Display for Ended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} went back to event {} (its incarnation {} ended)",
            self.node, self.at, self.inc
        )
    }
}

/// The coordinator of the checkpoint rounds.
pub const COORDINATOR: NodeId = NodeId(0);
/// How often a process sends again what has not been answered (requests, reports, receive
/// sequence numbers, what it knows of rollbacks, requests for its logged jobs).
pub const REPAIR: Micros = 100 * MICROS_PER_MS;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CkConfig {
    pub scheme: Scheme,
    pub logging: Logging,
    /// Between checkpoints (rounds, or each process's own on average).
    pub interval_us: Micros,
    /// Between a process's jobs, on average.
    pub jobs_us: Micros,
    /// Between an optimistic log's writes.
    pub flush_us: Micros,
    pub bugs: Vec<CkBug>,
}

impl Default for CkConfig {
    fn default() -> Self {
        CkConfig {
            scheme: Scheme::Coordinated,
            logging: Logging::None,
            interval_us: MICROS_PER_SEC,
            jobs_us: 100 * MICROS_PER_MS,
            flush_us: 50 * MICROS_PER_MS,
            bugs: Vec::new(),
        }
    }
}

impl CkConfig {
    pub fn has(&self, bug: CkBug) -> bool {
        self.bugs.contains(&bug)
    }

    /// Whether events reach the log in batches, after they took effect (optimistic logging,
    /// or the bug that writes a pessimistic log late).
    pub fn batches(&self) -> bool {
        self.logging == Logging::Optimistic || self.has(CkBug::LogAfterDeliver)
    }

    /// Whether orphans are rolled back to a round's checkpoint (coordinated, no log).
    pub fn by_rounds(&self) -> bool {
        self.scheme == Scheme::Coordinated && self.logging == Logging::None
    }
}

/// A few jobs in a list (`n1#2, n3#5`), `none` when empty.
pub fn list(ids: impl IntoIterator<Item = Mid>) -> String {
    let words: Vec<String> = ids.into_iter().map(|m| m.to_string()).collect();
    if words.is_empty() {
        "none".into()
    } else {
        words.join(", ")
    }
}

#[cfg(test)]
mod tests;
