//! Single-decree Paxos (Lamport, "Paxos Made Simple", 2001): a cluster chooses one value
//! among those its proposers propose, and every node learns it, despite crashes, lost and
//! duplicated messages and partitions.
//!
//! Every node is an acceptor and a learner; the first `proposers` nodes (n0, n1, ...) also
//! propose, each its own value (`v0`, `v1`, ...). A proposer runs in two phases:
//! - Phase 1: it picks a ballot no other proposer uses (a round and its own id, written
//!   `3.1`), writes the round down, and asks every acceptor to *prepare* it. An acceptor
//!   that has promised nothing higher promises never to accept a lower ballot, and reports
//!   the highest-ballot value it has accepted, if any. Promise and acceptance are written
//!   to disk before the answer leaves.
//! - Phase 2: with promises from a majority, the proposer asks every acceptor to *accept*
//!   the value of the highest-ballot acceptance reported to it, or its own value if none
//!   was reported. An acceptor accepts unless it promised a higher ballot, writes it down,
//!   and tells every learner.
//!
//! A value is *chosen* once a majority of acceptors accepted it in one ballot; a learner
//! learns it when it hears that from a majority. A proposer told of a higher ballot (a
//! nack) is preempted and tries again, with a higher round, after a random pause, so
//! duelling proposers give way to each other. Nodes that do not propose ask the others
//! now and then whether a value is known, so that a node that was away learns it too.
//!
//! The bugs switch off one rule each:
//! - `forget-promise`: acceptors keep their promises and acceptances in memory only, so a
//!   restart forgets them and a second value can be chosen.
//! - `ignore-promised-values`: a proposer proposes its own value even when a promise
//!   reported an accepted one, so it can overwrite a value already chosen.

/// Its roles, by code (the codes are part of every trace). The names are the page's
/// colour classes.
pub mod roles {
    use crate::protocol::Role;
    use crate::protocol::{RoleDesc, Tone};

    pub const ACCEPTOR: Role = Role(0);
    pub const PREPARING: Role = Role(1);
    pub const PROPOSING: Role = Role(2);

    pub const ALL: &[RoleDesc] = &[
        RoleDesc {
            code: 2,
            name: "proposer-phase-2",
            label: "proposer in phase 2 (asks the acceptors to accept its value)",
            leads: true,
            tone: Tone::Lead,
        },
        RoleDesc {
            code: 1,
            name: "proposer-phase-1",
            label: "proposer in phase 1 (prepares a ballot, or waits to try again)",
            leads: false,
            tone: Tone::Restless,
        },
        RoleDesc {
            code: 0,
            name: "acceptor",
            label: "acceptor and learner",
            leads: false,
            tone: Tone::Steady,
        },
    ];
}

mod about;
pub mod checkers;
mod msg;
mod node;

pub use msg::{
    accepted_text, names, Ballot, PaxosDisk, PaxosMsg, PaxosNote, PaxosTimer, PaxosWrite, Val,
};
pub use node::{PaxosNode, Phase};

use crate::time::{Micros, MICROS_PER_MS};

crate::bugs! {
    /// A deliberate departure from the paper.
    pub enum PaxosBug {
        /// Acceptors keep promises and accepted values in memory only.
        ForgetPromise = "forget-promise": "acceptors keep their promises and accepted values in memory only, so an acceptor that restarts forgets them and a second value can be chosen",
        /// A proposer always proposes its own value, whatever the promises reported.
        IgnorePromisedValues = "ignore-promised-values": "a proposer proposes its own value even when a promise reported an accepted one, so it can overwrite a value already chosen",
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaxosConfig {
    /// How many nodes propose (n0 up to n`proposers - 1`).
    pub proposers: u32,
    /// The shortest wait before a proposer tries again; each wait is drawn between it and
    /// twice it.
    pub retry_us: Micros,
    /// How long a proposer waits after it was overtaken.
    pub retry: RetryWait,
    /// Proposer n`i` starts `i` times this after the start.
    pub stagger_us: Micros,
    pub bugs: Vec<PaxosBug>,
}

impl Default for PaxosConfig {
    fn default() -> Self {
        PaxosConfig {
            proposers: 2,
            retry_us: 100 * MICROS_PER_MS,
            retry: RetryWait::Random,
            stagger_us: 0,
            bugs: Vec::new(),
        }
    }
}

/// How long a proposer waits before a higher ballot, once another proposer's ballot has
/// overtaken its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryWait {
    /// A random while between the backoff and twice it.
    Random,
    /// Exactly the backoff.
    Fixed,
    /// No wait: it prepares a higher ballot as soon as it hears it was overtaken.
    AtOnce,
}

impl PaxosConfig {
    pub fn has(&self, bug: PaxosBug) -> bool {
        self.bugs.contains(&bug)
    }
}

#[cfg(test)]
mod tests;
