//! Raft (Ongaro and Ousterhout, "In Search of an Understandable Consensus Algorithm",
//! 2014): leader election and log replication, serving a replicated key-value store.
//!
//! Section numbers in comments refer to that paper. Reads go through the log like writes,
//! which makes them linearizable at the price of a round of replication.
//!
//! A lecturer can switch on deliberately broken variants ([`RaftBug`]) to show what each
//! rule of the paper protects against; the checkers in `checkers/` catch them.

/// Its roles, by code (the codes are part of every trace).
pub mod roles {
    use crate::protocol::Role;
    use crate::protocol::{RoleDesc, Tone};

    pub const LEADER: Role = Role(2);
    pub const FOLLOWER: Role = Role(0);
    pub const CANDIDATE: Role = Role(1);

    pub const ALL: &[RoleDesc] = &[
        RoleDesc {
            code: 2,
            name: "leader",
            label: "leader",
            leads: true,
            tone: Tone::Lead,
        },
        RoleDesc {
            code: 0,
            name: "follower",
            label: "follower",
            leads: false,
            tone: Tone::Steady,
        },
        RoleDesc {
            code: 1,
            name: "candidate",
            label: "candidate",
            leads: false,
            tone: Tone::Restless,
        },
    ];
}

mod about;
pub mod checkers;
mod disk;
mod log;
mod msg;
mod node;
mod state_machine;

pub use disk::{RaftDisk, RaftWrite};
pub use log::{Command, Entry, Log};
pub use msg::RaftMsg;
pub use node::{RaftNode, RaftNote, RaftTimer};
pub use state_machine::KvStore;

use crate::time::MICROS_PER_MS;
use serde::{Deserialize, Serialize};

crate::bugs! {
    /// A deliberate departure from the paper.
    pub enum RaftBug {
        /// Grant votes without the "at least as up-to-date" log check (§5.4.1).
        VoteWithoutLogCheck = "vote-without-log-check": "voters skip the up-to-date log check, so a stale candidate can win and erase committed entries",
        /// Commit an entry from an earlier term once it is on a majority (§5.4.2, Figure 8).
        CommitOldTerm = "commit-old-term": "a leader commits an entry from an earlier term by counting replicas, and appends no blank entry on election (the paper's Figure 8)",
        /// Do not write the vote to stable storage before answering (Figure 2).
        ForgetVote = "forget-vote": "votes are not written to disk, so a node that restarts can vote twice in one term",
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RaftConfig {
    /// Election timeouts are drawn from this range on the node's own clock (§5.2).
    pub election_timeout_min_us: u64,
    pub election_timeout_max_us: u64,
    pub heartbeat_us: u64,
    /// Most entries carried by one AppendEntries.
    pub max_batch: usize,
    pub bugs: Vec<RaftBug>,
}

impl Default for RaftConfig {
    fn default() -> Self {
        RaftConfig {
            election_timeout_min_us: 150 * MICROS_PER_MS,
            election_timeout_max_us: 300 * MICROS_PER_MS,
            heartbeat_us: 50 * MICROS_PER_MS,
            max_batch: 64,
            bugs: Vec::new(),
        }
    }
}

impl RaftConfig {
    pub fn has(&self, bug: RaftBug) -> bool {
        self.bugs.contains(&bug)
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.election_timeout_min_us == 0
            || self.election_timeout_min_us > self.election_timeout_max_us
        {
            return Err("election timeout range must be positive and min <= max".into());
        }
        if self.heartbeat_us == 0 || self.heartbeat_us >= self.election_timeout_min_us {
            return Err(
                "heartbeat interval must be positive and below the election timeout".into(),
            );
        }
        if self.max_batch == 0 {
            return Err("max_batch must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
