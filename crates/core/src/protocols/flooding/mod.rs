//! Flooding consensus: every node proposes a number, and all must decide the same one, in a
//! synchronous system where nodes can crash.
//!
//! Time is cut into rounds of a fixed length (`round`). At the start of each round a node
//! tells every peer it still counts as alive the set of proposals it has seen so far, one
//! peer at a time a millisecond apart (a crash in the middle of a round's sends reaches only
//! some peers). At the end of the round it merges what it received. After `f + 1` rounds it
//! decides the smallest value it has seen.
//!
//! Why `f + 1`: with at most `f` crashes, at least one of those rounds has no crash in it,
//! and at the end of such a clean round every node that is still up holds the same set;
//! rounds after it cannot make the sets differ again. With only `f` rounds, each round may
//! hold a crash in the middle of its sends, and a value can end up known to some nodes and
//! not others (the bug `f-rounds`).
//!
//! The failure detector is the synchronous model itself: a message sent in a round arrives
//! before the round ends, so a peer that sent nothing in a round has crashed. The node
//! notes it ("suspects n3: nothing from it in round 2") and ignores the peer from then on.
//! That detector is perfect only while the model holds. With `model=asynchronous` the round
//! length no longer bounds how long a message takes: a slow message is taken for a crash,
//! the late message is thrown away, and nodes can decide differently.
//!
//! Crash-stop: a crashed node never takes part again. The simulator can restart it; it then
//! stays out (it sends nothing, ignores what it receives, and only shows what its disk
//! kept: the last round it began and its decision, if it made one before it crashed).

/// Its roles, by code (the codes are part of every trace). The names are the page's
/// colour classes.
pub mod roles {
    use crate::protocol::Role;
    use crate::protocol::{RoleDesc, Tone};

    pub const IN_ROUND: Role = Role(0);
    pub const DECIDED: Role = Role(2);
    pub const OUT: Role = Role(1);

    pub const ALL: &[RoleDesc] = &[
        RoleDesc {
            code: 0,
            name: "gathering",
            label: "in a round: gathering values",
            leads: false,
            tone: Tone::Steady,
        },
        RoleDesc {
            code: 2,
            name: "decided",
            label: "decided",
            leads: false,
            tone: Tone::Lead,
        },
        RoleDesc {
            code: 1,
            name: "out",
            label: "out: came back after a crash and takes no part",
            leads: false,
            tone: Tone::Restless,
        },
    ];
}

mod about;
mod checkers;
mod msg;
mod node;

pub use msg::{FloodDisk, FloodMsg, FloodNote, FloodTimer, FloodWrite};
pub use node::FloodNode;

use crate::time::{Micros, MICROS_PER_MS};
use serde::{Deserialize, Serialize};

/// How far apart a node's sends within a round go out.
pub const SEND_GAP: Micros = MICROS_PER_MS;

crate::bugs! {
    /// A deliberate departure from the protocol.
    pub enum FloodBug {
        /// Decide after `f` rounds instead of `f + 1`.
        FRounds = "f-rounds": "agreement: nodes decide after f rounds instead of f + 1, so a crash in the middle of a round's sends leaves a value known to some nodes only",
    }
}

/// What the network promises about time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Model {
    /// Every message sent in a round arrives before the round ends: silence means a crash.
    Synchronous,
    /// No bound on how long a message takes: silence may mean a slow message.
    Asynchronous,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FloodConfig {
    /// The length of a round.
    pub round_us: Micros,
    /// How many crashes the protocol tolerates (it runs `f + 1` rounds).
    pub f: u32,
    pub model: Model,
    pub bugs: Vec<FloodBug>,
}

impl Default for FloodConfig {
    fn default() -> Self {
        FloodConfig {
            round_us: 100 * MICROS_PER_MS,
            f: 1,
            model: Model::Synchronous,
            bugs: Vec::new(),
        }
    }
}

impl FloodConfig {
    pub fn has(&self, bug: FloodBug) -> bool {
        self.bugs.contains(&bug)
    }

    /// The round at whose end a node decides: `f + 1`, or `f` with the bug.
    pub fn decide_after(&self) -> u32 {
        if self.has(FloodBug::FRounds) {
            self.f
        } else {
            self.f + 1
        }
    }
}

#[cfg(test)]
mod tests;
