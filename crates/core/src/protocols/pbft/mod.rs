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
//! Checkpoints: every 16 sequence numbers executed, a replica sends CHECKPOINT with its
//! state's digest; with 2f + 1 matching (its own among them) the checkpoint is *stable*,
//! the low-water mark moves to it and everything kept for the sequence numbers up to it
//! is discarded, in memory and on disk. A replica takes pre-prepares only between the
//! low-water mark and the high-water mark 64 past it, and the primary orders no further,
//! so that a backlog waits as requests rather than as open sequence numbers. A replica
//! behind another's stable checkpoint is sent the state there, and takes it from f + 1
//! replicas that sent the same one.
//!
//! The view change: a replica with work pending and no progress for a while asks for view
//! v + 1 with a VIEW-CHANGE carrying its stable checkpoint and every certificate it
//! prepared past it (executed or not), and from then on counts no prepare or commit of the
//! old view. f + 1 replicas asking for higher views pull the others along (one of them is
//! honest); the wait for the next view starts only once 2f + 1 ask for this one, and
//! doubles (at most twice) after each view that brought no progress. The new primary,
//! with 2f + 1 view changes, sends NEW-VIEW with them: for every sequence number past the
//! highest stable checkpoint among them, the request of the highest-view certificate, or
//! a no-op. A backup recomputes that from the view changes the NEW-VIEW carries and
//! refuses a new view that differs (and asks for the next one). A replica that committed a
//! request in an earlier view prepares and commits it again in the new one, so that the
//! others get there too.
//!
//! The proxy resends a request that waits to every replica, as Castro and Liskov's client
//! does: a backup that hears of it and sees it not executed asks in time for a new view.
//!
//! Signatures are modelled by what a liar can do: it can hide or age what it holds, but
//! never forge another replica's message (a prepared certificate or a checkpoint's proof).
//!
//! The bugs switch off one rule each:
//! - `prepare-quorum-f`: a replica counts a request prepared with f matching prepares
//!   instead of 2f.
//! - `view-change-from-executed`: a view change carries only the certificates past what
//!   the replica executed (this implementation's own mistake once: the replica that
//!   executed a request can be the only honest one of the new primary's 2f + 1 that
//!   prepared it, and the new view puts a no-op there).
//! - `unchecked-new-view`: backups take a NEW-VIEW without checking it.

/// Its roles, by code (the codes are part of every trace).
pub mod roles {
    use crate::protocol::Role;
    use crate::protocol::{RoleDesc, Tone};

    pub const BACKUP: Role = Role(0);
    pub const PRIMARY: Role = Role(2);

    pub const ALL: &[RoleDesc] = &[
        RoleDesc {
            code: 2,
            name: "primary",
            label: "primary of the current view (orders the requests)",
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
mod msg;
mod node;

pub use node::{PbftDisk, PbftMsg, PbftNode, PbftNote, PbftTimer, PbftWrite};

use crate::time::{Micros, MICROS_PER_MS};

crate::bugs! {
    /// A deliberate departure from the protocol.
    pub enum PbftBug {
        /// Prepared with f matching prepares instead of 2f.
        PrepareQuorumF = "prepare-quorum-f": "a replica counts a request prepared with f matching prepares instead of 2f, so an equivocating primary alone gets two requests committed at one sequence number",
        /// A view change carries only the certificates past what the replica executed.
        ViewChangeFromExecuted = "view-change-from-executed": "a view change carries only the certificates past what the replica executed, not past its stable checkpoint, so a request committed by replicas that executed it can be replaced by a no-op in the next view",
        /// Backups take a NEW-VIEW without recomputing it from its view changes.
        UncheckedNewView = "unchecked-new-view": "backups take a NEW-VIEW without recomputing it from the view changes it carries, so a lying new primary can replace a prepared request with a no-op",
    }
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
