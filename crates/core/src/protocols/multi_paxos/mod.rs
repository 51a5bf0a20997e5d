//! Multi-Paxos: a sequence of single-decree Paxos instances (slots), one command each,
//! serving the key-value clients like Raft does.
//!
//! A node whose election timer runs out prepares a ballot (a round and its own number,
//! as in single-decree Paxos) once for every slot from the first one it has not seen
//! chosen: phase 1 runs once per leader, not once per command. Acceptors promise it and
//! report every value they accepted in those slots. With promises from a majority the node
//! leads: it re-proposes, slot by slot, the value of the highest-ballot acceptance reported,
//! fills the gaps with no-ops, and then gives each new client command the next slot, in
//! phase 2 only (accept, then accepted from a majority: chosen). It tells every node what
//! was chosen and sends heartbeats that say how far the chosen slots reach, so followers
//! fetch what they missed. Every node applies chosen slots in order to its key-value store;
//! reads go through the slots like writes, so the store is linearizable.
//!
//! The bugs switch off one rule each:
//! - `forget-accepted`: acceptors keep their promise and acceptances in memory only.
//! - `leader-ignores-accepted`: a new leader does not re-propose what the promises
//!   reported; it fills the open slots with its own commands (no-ops, then new ones).

/// Its roles, by code (the codes are part of every trace).
pub mod roles {
    use crate::protocol::Role;
    use crate::protocol::{RoleDesc, Tone};

    pub const FOLLOWER: Role = Role(0);
    pub const CANDIDATE: Role = Role(1);
    pub const LEADER: Role = Role(2);

    pub const ALL: &[RoleDesc] = &[
        RoleDesc {
            code: 2,
            name: "leader",
            label: "leader (its ballot is promised by a majority; proposes commands)",
            leads: true,
            tone: Tone::Lead,
        },
        RoleDesc {
            code: 1,
            name: "candidate",
            label: "candidate (prepares a ballot for every open slot)",
            leads: false,
            tone: Tone::Restless,
        },
        RoleDesc {
            code: 0,
            name: "follower",
            label: "follower (acceptor and learner)",
            leads: false,
            tone: Tone::Steady,
        },
    ];
}

mod about;
pub mod checkers;
mod msg;
mod node;

pub use msg::{command_text, MpDisk, MpMsg, MpNote, MpTimer, MpWrite, Report};
pub use node::MpNode;

use crate::time::{Micros, MICROS_PER_MS};

crate::bugs! {
    /// A deliberate departure from the protocol.
    pub enum MpBug {
        /// Acceptors keep promises and acceptances in memory only.
        ForgetAccepted = "forget-accepted": "acceptors keep their promise and acceptances in memory only, so after a restart a new leader may not hear of a chosen command and fill its slot with another",
        /// A new leader ignores the acceptances its promises report.
        LeaderIgnoresAccepted = "leader-ignores-accepted": "a new leader does not re-propose the values its promises reported; it gives the open slots to no-ops and new commands, overwriting commands already chosen",
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MpConfig {
    /// The shortest election timeout; each is drawn between it and twice it.
    pub election_us: Micros,
    pub bugs: Vec<MpBug>,
}

impl Default for MpConfig {
    fn default() -> Self {
        MpConfig {
            election_us: 150 * MICROS_PER_MS,
            bugs: Vec::new(),
        }
    }
}

impl MpConfig {
    pub fn has(&self, bug: MpBug) -> bool {
        self.bugs.contains(&bug)
    }

    /// How often a leader sends heartbeats.
    pub fn heartbeat_us(&self) -> Micros {
        (self.election_us / 3).max(1)
    }
}

#[cfg(test)]
mod tests;
