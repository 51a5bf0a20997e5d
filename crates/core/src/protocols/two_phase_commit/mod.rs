//! Two-phase commit: a coordinator (n0) and participants (every other node) commit a
//! transaction everywhere or nowhere.
//!
//! 1. **Prepare (voting).** The coordinator writes "transaction t begun" to its disk and asks
//!    every participant to prepare. A participant that can commit writes its yes vote to its
//!    disk and answers yes: from then on it may not abort t on its own. One that cannot
//!    answers no and aborts at once.
//! 2. **Commit (decision).** With a yes from every participant the coordinator decides to
//!    commit; with a no, or without every vote within its timeout, to abort. It writes the
//!    decision to its disk (the commit point) before telling anyone, and sends it again until
//!    every participant has acknowledged it.
//!
//! A participant that voted yes and has heard no decision is **in doubt**. It asks the
//! coordinator again and again and, with `cooperative`, the other participants too: one that
//! knows the outcome tells it, and one that never voted aborts (it will now vote no). If
//! every participant it can reach is in doubt as well, only the coordinator can end the
//! wait: two-phase commit blocks while its coordinator is down. That is why "every
//! transaction is decided" is a property it does not promise.
//!
//! A coordinator that restarts aborts every transaction it began and had not decided (it
//! never told anyone "commit" without first writing it down), and sends again the decisions
//! on its disk.
//!
//! ## Three phases (`phases=3`)
//!
//! Skeen's three-phase commit puts a round between the vote and the decision, so that no
//! participant is left where commit and abort are both still possible while somebody has
//! already committed.
//!
//! 1. **Prepare** as above.
//! 2. **Pre-commit.** With a yes from everyone the coordinator sends pre-commit to every
//!    participant and waits for their acknowledgements. A participant that receives it writes
//!    it down and acknowledges: it is now *pre-committed* (it knows every participant voted
//!    yes). A participant that does not acknowledge in time is taken to have crashed.
//! 3. **Commit.** Then the coordinator decides to commit and tells everyone, as above.
//!
//! No one commits before every live participant is pre-committed, and no one is
//! pre-committed while somebody may still abort. So when the coordinator falls silent (a
//! participant waits longer than the coordinator can take for a phase) the participants
//! finish by themselves, with the **termination protocol**: each asks every other
//! participant for its state; one that hears from no lower-numbered participant takes over as
//! coordinator. If any participant it reaches has decided, that decision stands (one that
//! never voted aborts when asked). If any is pre-committed it sends pre-commit to the others,
//! waits for their acknowledgements, and commits; if every one merely voted yes, none can
//! have committed, and it aborts. A coordinator that restarts asks the participants instead
//! of aborting.
//!
//! This is non-blocking only while the silence of a node means that it crashed: crashes for
//! good, links that neither lose nor delay beyond a bound (the synchronous model, which the
//! fuzzer keeps to with `phases=3`). A partition breaks it: a side with a pre-committed
//! participant commits while a side whose participants only voted yes aborts.

/// Its roles, by code (the codes are part of every trace). The names are the page's
/// colour classes.
pub mod roles {
    use crate::protocol::Role;
    use crate::protocol::{RoleDesc, Tone};

    pub const COORDINATOR: Role = Role(2);
    pub const PARTICIPANT: Role = Role(0);
    pub const IN_DOUBT: Role = Role(1);
    /// Three phases only: pre-committed and not yet told the decision.
    pub const PRE_COMMITTED: Role = Role(3);

    pub const ALL: &[RoleDesc] = &[
        RoleDesc {
            code: 2,
            name: "coordinator",
            label: "coordinator (transaction manager)",
            leads: true,
            tone: Tone::Lead,
        },
        RoleDesc {
            code: 0,
            name: "participant",
            label: "participant",
            leads: false,
            tone: Tone::Steady,
        },
        RoleDesc {
            code: 1,
            name: "in-doubt",
            label: "in doubt: voted yes and knows no decision",
            leads: false,
            tone: Tone::Restless,
        },
        RoleDesc {
            code: 3,
            name: "pre-committed",
            label: "pre-committed: knows every participant voted yes, waits for the commit",
            leads: false,
            tone: Tone::Steady,
        },
    ];
}

mod about;
mod checkers;
mod msg;
mod node;
#[cfg(test)]
mod tests;

pub use msg::{TpcDisk, TpcMsg, TpcNote, TpcTimer, TpcWrite};
pub use node::TpcNode;

use crate::time::{Micros, MICROS_PER_MS};

/// How long after one transaction is decided the coordinator begins the next.
pub const GAP_US: Micros = 400 * MICROS_PER_MS;

crate::bugs! {
    /// A deliberate departure from the protocol.
    pub enum TpcBug {
        /// The coordinator tells its decision before (without) writing it to disk.
        ForgetDecision = "unlogged-decision": "all decide alike: the coordinator sends its decision without writing it down, so after a crash it aborts a transaction some participants already committed",
        /// A participant in doubt gives up waiting and aborts on its own.
        UnilateralAbort = "unilateral-abort": "all decide alike: a participant in doubt gives up and aborts on its own, while the coordinator may have decided to commit",
        /// A coordinator whose votes do not all arrive in time commits anyway.
        TimeoutCommits = "timeout-commits": "commit needs every yes: a coordinator whose votes do not all arrive in time commits anyway",
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TpcConfig {
    /// Transactions the coordinator runs, one after another.
    pub transactions: u32,
    /// The chance, in percent, that a participant votes no.
    pub no_percent: u64,
    /// How long the coordinator waits for votes, and how often it sends a decision again
    /// and a participant in doubt asks again.
    pub timeout_us: Micros,
    /// Participants in doubt ask each other too (the cooperative termination protocol).
    pub cooperative: bool,
    /// 2 (two-phase commit) or 3 (three-phase commit: a pre-commit round, and a termination
    /// protocol that lets the participants finish without the coordinator).
    pub phases: u8,
    pub bugs: Vec<TpcBug>,
}

impl Default for TpcConfig {
    fn default() -> Self {
        TpcConfig {
            transactions: 5,
            no_percent: 20,
            timeout_us: 300 * MICROS_PER_MS,
            cooperative: false,
            phases: 2,
            bugs: Vec::new(),
        }
    }
}

impl TpcConfig {
    pub fn has(&self, bug: TpcBug) -> bool {
        self.bugs.contains(&bug)
    }

    /// Three-phase commit (`phases=3`).
    pub fn three_phase(&self) -> bool {
        self.phases == 3
    }
}
