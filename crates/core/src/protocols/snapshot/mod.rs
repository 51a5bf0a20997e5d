//! A distributed snapshot (Chandy and Lamport, 1985) of money moving between accounts.
//!
//! The application: every node is an account that opens with `balance`, and at random
//! moments (one every `interval` on average) sends a random part of what it holds, at most
//! [`MAX_AMOUNT`], to a random other node. Money only moves, so the accounts and the
//! transfers on the way always add up to the same total: the number a snapshot must find.
//!
//! The snapshot: snapshot `k` starts at `first` + (k − 1) × `every` (on the node's own clock)
//! at its initiator, by default n0 for the first, n1 for the second and so on, or always the
//! node `initiator` names; with `initiators` above one, that many nodes start it at its
//! moment, each on its own, and their starts merge into one cut. The rules are the paper's:
//!
//! - **Recording and sending markers.** A node records its own state (its balance) when it
//!   starts a snapshot or at the first marker of that snapshot it receives, whichever comes
//!   first, and then, before it sends anything else, sends a marker of the snapshot on every
//!   outgoing channel.
//! - **Receiving a marker.** The channel a marker came on is recorded as holding the money
//!   that arrived on it after the node recorded its state and before the marker: nothing,
//!   if this marker is what made the node record. Every other incoming channel is recorded
//!   until its own marker comes.
//! - A node has its part of the snapshot once every incoming channel's marker has come;
//!   the snapshot is complete when every node has its part. Snapshots have numbers and run
//!   independently, so several can be under way at once.
//!
//! The rules need channels that lose nothing and keep order (FIFO): a marker must not
//! overtake money sent before it, nor money sent after it get ahead of it. The engine's
//! links lose, duplicate and reorder messages, so every message travels through a channel
//! layer (`node/channel.rs`): numbered per channel, held back until the ones before it have
//! arrived, acknowledged, and sent again every [`RESEND`] until acknowledged.
//!
//! System model: crash-recovery with the disk kept. A node writes everything (its balance,
//! its channels' numbers and unacknowledged messages, what it has recorded) to disk before
//! the messages of the same step leave, so a crash loses nothing but time: the snapshot
//! waits for the node to come back, as it waits for a partition to heal. Chandy and Lamport
//! assume no failures: a node down for good keeps every snapshot still open from
//! completing, and a disk that is lost is outside the model (the node's account starts
//! again, and money appears from nowhere).
//!
//! The checkers ([`checkers`]) judge every snapshot from the nodes' disks: the cut is
//! consistent (nothing received before a node's cut was sent after its sender's), and the
//! balances and channels recorded add up to the true total; at the end, every snapshot
//! started long enough ago has been completed everywhere. The cut a node made for a
//! snapshot is its [`SnapNote::Records`] note, which the space-time diagram marks.

/// Its roles, by code (the codes are part of every trace).
pub mod roles {
    use crate::protocol::{Role, RoleDesc, Tone};

    pub const ACCOUNT: Role = Role(0);
    pub const RECORDING: Role = Role(1);
    pub const INITIATOR: Role = Role(2);

    pub const ALL: &[RoleDesc] = &[
        RoleDesc {
            code: 0,
            name: "account",
            label: "an account with no snapshot under way here",
            leads: false,
            tone: Tone::Steady,
        },
        RoleDesc {
            code: 1,
            name: "recording",
            label: "recording: it has recorded its state and records the channels whose marker has not come yet",
            leads: false,
            tone: Tone::Restless,
        },
        RoleDesc {
            code: 2,
            name: "initiator",
            label: "the initiator of a snapshot still under way here: it recorded its state first and sent the first markers",
            leads: false,
            tone: Tone::Lead,
        },
    ];
}

mod about;
pub mod checkers;
mod meter;
mod msg;
mod node;

pub use msg::{
    Body, Cause, Chan, Inbox, Outbox, Recording, SnapDisk, SnapMsg, SnapNote, SnapTimer, SnapWrite,
};
pub use node::SnapNode;

use crate::ids::NodeId;
use crate::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};

crate::bugs! {
    /// Broken forms of the snapshot.
    pub enum SnapBug {
        /// Nodes record their balance but no channel.
        NoChannelState = "no-channel-state": "conservation: a node records its own balance but not the money that arrives on its channels before their markers, so the money in flight at the cut is missing from the snapshot's total",
        /// Markers and money are handed over as they arrive, in any order.
        NonFifo = "non-fifo": "consistent cut and conservation: the channels hand over each message as soon as it arrives, without holding back one that overtook an earlier one (they still send again what is not acknowledged), so a marker can overtake money sent before it (missing from the snapshot) and money sent after a marker can arrive before it (received inside the cut but sent outside it)",
        /// The next transfer leaves before the markers.
        LateMarkers = "late-markers": "consistent cut and conservation: after recording its state a node sends its next transfer before its markers, against the marker rule, so money that left after its cut can arrive before the receiver's cut or be recorded on the channel, and is counted twice",
        /// A node records its state at every marker, not only the first.
        RecordEveryMarker = "record-every-marker": "consistent cut and conservation: a node records its state again at every marker of a snapshot instead of only at the first, so its recorded balance includes money that arrived after its cut, some of it sent after the senders' cuts and some of it already recorded on a channel",
    }
}

/// The most a transfer moves.
pub const MAX_AMOUNT: u64 = 20;
/// How often a channel sends again what has not been acknowledged.
pub const RESEND: Micros = 100 * MICROS_PER_MS;
/// The most messages a channel sends again at once.
pub const RESEND_MAX: usize = 16;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapConfig {
    /// The cluster's size.
    pub nodes: usize,
    /// Each account's opening balance.
    pub balance: u64,
    /// The average time between a node's transfers.
    pub interval_us: Micros,
    /// When snapshot 1 starts, and the time between successive snapshots' starts.
    pub first_us: Micros,
    pub every_us: Micros,
    /// How many snapshots to take (0: no limit).
    pub snapshots: u32,
    /// The node that starts every snapshot; `None`: they take turns.
    pub initiator: Option<NodeId>,
    /// How many nodes start each snapshot (the initiator and the ones after it).
    pub initiators: u32,
    pub bugs: Vec<SnapBug>,
}

impl Default for SnapConfig {
    fn default() -> Self {
        SnapConfig {
            nodes: 4,
            balance: 100,
            interval_us: 100 * MICROS_PER_MS,
            first_us: 500 * MICROS_PER_MS,
            every_us: MICROS_PER_SEC,
            snapshots: 0,
            initiator: None,
            initiators: 1,
            bugs: Vec::new(),
        }
    }
}

impl SnapConfig {
    pub fn has(&self, bug: SnapBug) -> bool {
        self.bugs.contains(&bug)
    }

    /// The money in the system: every account's opening balance.
    pub fn total(&self) -> u64 {
        self.balance * self.nodes as u64
    }

    /// Whether the channels keep order (hold back what overtook an earlier message).
    pub fn fifo(&self) -> bool {
        !self.has(SnapBug::NonFifo)
    }

    /// Whether snapshot `k` is one the settings ask for.
    pub fn wanted(&self, k: u32) -> bool {
        k >= 1 && (self.snapshots == 0 || k <= self.snapshots)
    }

    /// The nodes that start snapshot `k`, in order.
    pub fn starters(&self, k: u32) -> Vec<NodeId> {
        let n = self.nodes.max(1) as u32;
        let base = match self.initiator {
            Some(node) => node.0 % n,
            None => (k.saturating_sub(1)) % n,
        };
        (0..self.initiators.clamp(1, n))
            .map(|j| NodeId((base + j) % n))
            .collect()
    }

    /// The first snapshot after `after` that `node` starts, if any.
    pub fn next_start(&self, node: NodeId, after: u32) -> Option<u32> {
        (after + 1..=after + self.nodes.max(1) as u32)
            .find(|&k| self.starters(k).contains(&node))
            .filter(|&k| self.wanted(k))
    }

    /// When snapshot `k` starts, from the start of the run (on each starter's clock).
    pub fn start_of(&self, k: u32) -> Micros {
        self.first_us + u64::from(k.saturating_sub(1)) * self.every_us
    }

    /// The longest a node waits between two of its starts.
    pub fn longest_wait(&self) -> Micros {
        let n = self.nodes.max(1) as u64;
        self.start_of(n as u32).max(n * self.every_us)
    }
}

#[cfg(test)]
mod tests;
