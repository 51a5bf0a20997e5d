//! Primary-backup replication with asynchronous log shipping and naive failover: the
//! arrangement of many databases' built-in replication, and the textbook way to get split
//! brain.
//!
//! - Node 0 starts as primary in epoch 1. The primary applies a write to its own store,
//!   appends it to its log and answers the client at once, or, with
//!   [`PbConfig::sync_follower`], once one backup has acknowledged it; it then streams the
//!   log to the backups with a Raft-like consistency check, and those messages are also
//!   its heartbeat.
//! - Every node serves reads from its own store, so a backup's reads can be stale. Writes
//!   sent to a backup are forwarded to the node it believes is primary.
//! - Failover: a backup that has not heard from its primary for
//!   [`PbConfig::failover_timeout_us`] follows the lowest-id node it can still hear from
//!   (backups ping each other for this), and that node, if it is the one, promotes itself
//!   with the next epoch. Nobody votes: both sides of a partition can each have a primary,
//!   and both accept writes.
//! - Epochs only settle who wins once the two sides meet again: a node follows the
//!   primary with the highest epoch (the lower id on a tie), and a primary that hears of a
//!   higher one steps down. The loser's log is cut back to where it agrees with the winner,
//!   which throws away the writes it acknowledged in the meantime.

/// Its roles, by code (the codes are part of every trace).
pub mod roles {
    use crate::protocol::Role;
    use crate::protocol::{RoleDesc, Tone};

    pub const PRIMARY: Role = Role(2);
    pub const BACKUP: Role = Role(0);

    pub const ALL: &[RoleDesc] = &[
        RoleDesc {
            code: 2,
            name: "primary",
            label: "primary",
            leads: true,
            tone: Tone::Lead,
        },
        RoleDesc {
            code: 0,
            name: "backup",
            label: "backup",
            leads: false,
            tone: Tone::Steady,
        },
    ];
}

mod about;
pub mod checkers;
mod disk;
mod msg;
mod node;

pub use disk::{PbDisk, PbWrite};
pub use msg::{Entry, PbMsg};
pub use node::{PbNode, PbTimer};

use crate::time::{Micros, MICROS_PER_MS};
use serde::{Deserialize, Serialize};

crate::bugs! {
    /// A deliberate departure from the design, for showing what the checkers catch.
    pub enum PbBug {
        /// The epoch is not written to disk, so a restarted node forgets it.
        ForgetEpoch = "forget-epoch": "the epoch is not written to disk, so a restarted node forgets it and can go back to an older one",
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PbConfig {
    /// Answer a write only once one backup has it, rather than at once.
    pub sync_follower: bool,
    /// How often the primary streams its log (or an empty heartbeat) and backups ping.
    pub heartbeat_us: Micros,
    /// How long a backup waits without hearing from its primary before failing over.
    pub failover_timeout_us: Micros,
    /// Most entries carried by one message.
    pub max_batch: usize,
    pub bugs: Vec<PbBug>,
}

impl Default for PbConfig {
    fn default() -> Self {
        PbConfig {
            sync_follower: false,
            heartbeat_us: 50 * MICROS_PER_MS,
            failover_timeout_us: 300 * MICROS_PER_MS,
            max_batch: 64,
            bugs: Vec::new(),
        }
    }
}

impl PbConfig {
    pub fn has(&self, bug: PbBug) -> bool {
        self.bugs.contains(&bug)
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.heartbeat_us == 0 || self.heartbeat_us >= self.failover_timeout_us {
            return Err(
                "heartbeat interval must be positive and below the failover timeout".into(),
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
