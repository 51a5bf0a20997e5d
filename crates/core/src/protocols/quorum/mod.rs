//! Leaderless replication in the style of Dynamo (DeCandia et al., "Dynamo: Amazon's Highly
//! Available Key-value Store", 2007): every node can coordinate any request, and a request
//! succeeds once enough of the key's replicas answer.
//!
//! - Key `k` lives on `N` replicas: the `N` nodes starting at node `k mod nodes`.
//! - The node a client talks to coordinates. It sends the request to all `N` replicas
//!   (itself included when it is one) and answers once `W` have stored a write or `R` have
//!   answered a read. With `R + W > N` every read quorum meets every write quorum; with
//!   smaller quorums both sides of a partition keep answering, and reads can miss writes.
//! - Conflicts are settled either by last-writer-wins on the coordinator's *physical* clock
//!   (a clock that runs behind makes its writes lose to older ones, acknowledged or not) or
//!   by version vectors, which keep concurrent writes as siblings; see [`Register`].
//!   Under version vectors a put first reads the key (from `R` replicas) and writes a
//!   version descending from everything it saw, as a Dynamo client writes back the context
//!   it read; a read returns the largest sibling value while the siblings stay stored.
//! - Compare-and-set is a read followed, if the value matches, by a write. It is not
//!   atomic: two compare-and-sets can both read the expected value and both succeed.
//! - Read repair (`repair=async`, the default): a coordinator sends the merged result of a
//!   read to every replica that answered with something older, including replicas that
//!   answer after the client had its reply, until the request's timeout. It does not wait,
//!   so overlapping quorums alone do not make reads linearizable: a read that meets a write
//!   still under way on one replica can return it, and a later read that meets only
//!   replicas still without it returns the older value.
//! - Write-back (`repair=wait`, the rule of Attiya, Bar-Noy and Dolev): a read first writes
//!   the newest version it found to `W` replicas (those whose reply already held it count;
//!   under sloppy quorums stand-ins count as they do for writes) and answers only then, so a
//!   later read meets it. With `R + W > N` gets and puts of a key are then linearizable
//!   (under last-writer-wins, as long as the coordinators' clocks are right, since a put's
//!   stamp is its clock); a compare-and-set still is not atomic, which takes consensus.
//! - A request that does not reach its quorum within the request timeout is answered
//!   [`KvResult::Unavailable`] if nothing was written yet (a read, or a compare-and-set or
//!   version-vector put still reading). A write that was sent but not acknowledged by `W`
//!   replicas gets no answer: some replicas may have stored it and there is no rollback, so
//!   "unavailable" (definitely not done) would be false. Its client records an unknown
//!   outcome.
//!
//! [`KvResult::Unavailable`]: crate::client::KvResult::Unavailable

/// Its roles, by code (the codes are part of every trace).
pub mod roles {
    use crate::protocol::Role;
    use crate::protocol::{RoleDesc, Tone};

    pub const REPLICA: Role = Role(3);

    pub const ALL: &[RoleDesc] = &[RoleDesc {
        code: 3,
        name: "replica",
        label: "replica (each coordinates its clients' requests)",
        leads: false,
        tone: Tone::Steady,
    }];
}

mod about;
pub mod checkers;
mod disk;
mod msg;
mod node;
mod register;

pub use disk::{QuorumDisk, QuorumWrite};
pub use msg::{QuorumMsg, QuorumTimer};
pub use node::QuorumNode;
pub use register::{Causality, Clock, Register, Version};

use crate::time::{Micros, MICROS_PER_MS};
use serde::{Deserialize, Serialize};

/// How replicas decide between two versions of a key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Conflict {
    /// Last writer wins, by the coordinator's physical clock.
    #[default]
    Lww,
    /// Version vectors; concurrent writes are kept as siblings.
    VersionVectors,
}

/// What a read does about the replicas that answered it with an older version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadRepair {
    /// Nothing: they stay behind until a write reaches them.
    Off,
    /// Sends them the newest version, without waiting (fire and forget).
    #[default]
    Async,
    /// Writes the newest version back to `W` replicas before answering (ABD).
    Wait,
}

impl ReadRepair {
    pub fn name(self) -> &'static str {
        match self {
            ReadRepair::Off => "off",
            ReadRepair::Async => "async",
            ReadRepair::Wait => "wait",
        }
    }

    /// The setting's value as checked (the old flag spellings are read by the registry).
    pub fn parse(name: &str) -> Result<ReadRepair, String> {
        match name {
            "off" => Ok(ReadRepair::Off),
            "async" => Ok(ReadRepair::Async),
            "wait" => Ok(ReadRepair::Wait),
            _ => Err(format!(
                "read repair is off, async (sent, not waited for) or wait (written back before the read answers), not {name:?}"
            )),
        }
    }
}

crate::bugs! {
    /// A deliberate departure from the design, for showing what the checkers catch.
    pub enum QuorumBug {
        /// Replicas store whatever write arrives last, without comparing versions.
        BlindOverwrite = "blind-overwrite": "replicas keep whatever write arrives last without comparing versions, so an older write can replace a newer one",
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuorumConfig {
    /// Replicas per key (`N`); `None` means every node. Capped at the cluster size.
    pub replicas: Option<usize>,
    /// Replies a read waits for.
    pub r: usize,
    /// Acknowledgements a write waits for.
    pub w: usize,
    pub conflict: Conflict,
    /// Read repair: off, sent without waiting, or written back before the read answers.
    pub repair: ReadRepair,
    /// Sloppy quorums with hinted handoff: home replicas that do not answer in time are
    /// stood in for by reachable nodes, which hold writes for them as hints.
    pub sloppy: bool,
    /// Sloppy quorums: how long a coordinator waits for the home replicas of a phase
    /// before asking stand-ins.
    pub hint_after_us: Micros,
    /// Sloppy quorums: how often a node offers the hints it holds to their home replicas.
    pub handoff_every_us: Micros,
    /// How long a coordinator waits for a quorum before giving up.
    pub request_timeout_us: Micros,
    pub bugs: Vec<QuorumBug>,
}

impl Default for QuorumConfig {
    /// The available end of the range: one reply is enough for reads and writes.
    fn default() -> Self {
        QuorumConfig {
            replicas: None,
            r: 1,
            w: 1,
            conflict: Conflict::Lww,
            repair: ReadRepair::Async,
            sloppy: false,
            hint_after_us: 100 * MICROS_PER_MS,
            handoff_every_us: 250 * MICROS_PER_MS,
            request_timeout_us: 500 * MICROS_PER_MS,
            bugs: Vec::new(),
        }
    }
}

impl Conflict {
    pub fn name(self) -> &'static str {
        match self {
            Conflict::Lww => "lww",
            Conflict::VersionVectors => "vv",
        }
    }

    pub fn parse(name: &str) -> Result<Conflict, String> {
        match name {
            "lww" => Ok(Conflict::Lww),
            "vv" => Ok(Conflict::VersionVectors),
            _ => Err(format!(
                "conflict resolution is lww (last writer wins) or vv (version vectors), not {name:?}"
            )),
        }
    }
}

impl QuorumConfig {
    /// `N` in a cluster of `nodes` nodes.
    pub fn replicas_in(&self, nodes: usize) -> usize {
        self.replicas.unwrap_or(nodes).clamp(1, nodes.max(1))
    }

    pub fn has(&self, bug: QuorumBug) -> bool {
        self.bugs.contains(&bug)
    }

    pub fn validate(&self, nodes: usize) -> Result<(), String> {
        if self.replicas == Some(0) {
            return Err("a key needs at least one replica".into());
        }
        let n = self.replicas_in(nodes);
        for (name, q) in [("r", self.r), ("w", self.w)] {
            if q == 0 || q > n {
                return Err(format!(
                    "{name} = {q} must be between 1 and the number of replicas ({n})"
                ));
            }
        }
        if self.request_timeout_us == 0 {
            return Err("the request timeout must be positive".into());
        }
        if self.sloppy
            && (self.hint_after_us == 0
                || self.hint_after_us >= self.request_timeout_us
                || self.handoff_every_us == 0)
        {
            return Err(
                "with sloppy quorums, hint_after_us must be positive and below the request timeout, and handoff_every_us positive"
                    .into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
