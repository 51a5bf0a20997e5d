//! PBFT: Castro and Liskov's Practical Byzantine Fault Tolerance (1999), serving the
//! key-value clients. n = 3f + 1 replicas keep agreeing with up to f of them lying.
//!
//! The node a client talks to acts as its proxy: it sends the request to the primary of
//! the current view (node v mod n). The primary gives it a sequence number and sends
//! PRE-PREPARE(v, n, request) to the backups; a backup that accepts it sends PREPARE to
//! all. A replica holding the pre-prepare and 2f matching prepares has *prepared* the
//! request at n; it sends COMMIT to all, and with 2f + 1 matching commits it has
//! *committed* it. Replicas execute committed requests in sequence order on their
//! key-value store and send REPLY(result) to the proxy, which answers the client only
//! once f + 1 replicas sent the same result. Prepares and commits carry the request itself
//! (the request is its own digest).
//!
//! Messages are lost and nodes crash, so every replica resends on a tick: the proxy its
//! pending requests (to every replica, which resend their replies), each replica its
//! prepares and commits for sequence numbers not yet executed, and a status (how far it
//! executed) that lets the others resend what a lagging replica missed. What a replica
//! accepted and committed is written to its disk.
//!
//! Not yet here: the view change (a faulty primary stops progress; see the report in the
//! commit history), checkpoints and garbage collection.
//!
//! The bugs switch off one rule each:
//! - `prepare-quorum-f`: a replica counts a request prepared with f matching prepares
//!   instead of 2f.

/// Its roles, by code (the codes are part of every trace).
pub mod roles {
    use crate::protocol::Role;
    use crate::registry::RoleDesc;

    pub const BACKUP: Role = Role(0);
    pub const PRIMARY: Role = Role(2);

    pub const ALL: &[RoleDesc] = &[
        RoleDesc {
            code: 2,
            name: "leader",
            label: "primary of the current view (orders the requests)",
            leads: true,
        },
        RoleDesc {
            code: 0,
            name: "follower",
            label: "backup",
            leads: false,
        },
    ];
}

mod about;
pub mod checkers;
mod node;

pub use node::{PbftDisk, PbftMsg, PbftNode, PbftNote, PbftTimer, PbftWrite};

use crate::time::{Micros, MICROS_PER_MS};
use serde::{Deserialize, Serialize};

/// A deliberate departure from the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PbftBug {
    /// Prepared with f matching prepares instead of 2f.
    PrepareQuorumF,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PbftConfig {
    /// How often a replica resends what is pending.
    pub tick_us: Micros,
    /// Ticks without progress, with work pending, before a replica asks for the next view.
    pub patience: u32,
    pub bugs: Vec<PbftBug>,
}

impl Default for PbftConfig {
    fn default() -> Self {
        PbftConfig {
            tick_us: 100 * MICROS_PER_MS,
            patience: 5,
            bugs: Vec::new(),
        }
    }
}

impl PbftConfig {
    pub fn has(&self, bug: PbftBug) -> bool {
        self.bugs.contains(&bug)
    }
}

/// The faulty replicas PBFT tolerates on `n`: f = (n - 1) / 3.
pub fn faults(n: usize) -> usize {
    n.saturating_sub(1) / 3
}

#[cfg(test)]
mod tests;
