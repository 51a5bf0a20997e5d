//! Failure detection: every node watches every other and suspects the ones it has not
//! heard from for too long.
//!
//! Each node sends a heartbeat to every other node at a fixed interval (or, in the `ping`
//! style, asks each one and waits for its answer). A node that has heard nothing from a
//! peer for its *allowance* suspects it; hearing from the peer again ends the suspicion,
//! which was then wrong. How the allowance is chosen is the detector:
//!
//! - `fixed`: one timeout. In a synchronous system (a known bound on delays, no pauses)
//!   a timeout longer than an interval plus the longest delay suspects only crashed nodes:
//!   a perfect detector. Anywhere else it trades speed of detection against wrong
//!   suspicions, and no single value is right.
//! - `adaptive`: the timeout grows by its starting value after every wrong suspicion of
//!   that peer. Once the system's delays stop growing (partial synchrony), the timeout
//!   outgrows them and the suspicions stop: eventually perfect.
//! - `phi`: phi accrual. The allowance follows the gaps between heartbeats seen lately:
//!   a peer is suspected once its silence would be as unlikely as the threshold says
//!   (phi 8: one chance in 10^8) under a normal distribution of those gaps.
//!
//! What the detectors promise is checked ([`checkers`]): every crashed node is suspected by
//! every correct node once its allowance has passed (strong completeness), once the
//! network is calm every wrong suspicion ends (eventual accuracy), and, when the `model`
//! setting says the system is synchronous, no correct node is ever suspected before it
//! crashes (strong accuracy, checked at every step). The meter
//! measures what a lecturer draws: how long a crash takes to be noticed, and how many
//! suspicions were wrong.

/// Its roles, by code (the codes are part of every trace).
pub mod roles {
    use crate::protocol::{Role, RoleDesc, Tone};

    pub const TRUSTING: Role = Role(0);
    pub const SUSPECTING: Role = Role(1);

    pub const ALL: &[RoleDesc] = &[
        RoleDesc {
            code: 0,
            name: "trusting",
            label: "trusts every node",
            leads: false,
            tone: Tone::Steady,
        },
        RoleDesc {
            code: 1,
            name: "suspecting",
            label: "suspects a node",
            leads: false,
            tone: Tone::Restless,
        },
    ];
}

mod about;
mod checkers;
mod meter;
mod msg;
mod node;

pub use msg::{FdDisk, FdMsg, FdNote, FdTimer, FdWrite};
pub use node::FdNode;

use crate::time::{Micros, MICROS_PER_MS};

crate::bugs! {
    /// A deliberate mistake in a failure detector.
    pub enum FdBug {
        /// One deadline for all peers, pushed back by a heartbeat from any of them.
        SharedTimer = "shared-timer": "one deadline for every peer, pushed back by a heartbeat from any of them: while the others keep talking, a crashed node is never suspected",
        /// The allowance is one heartbeat interval, not the timeout.
        TimeoutIsInterval = "timeout-is-interval": "waits one heartbeat interval instead of the timeout, so a heartbeat that is a little late is taken for a crash",
    }
}

/// How a node decides that a peer has been silent too long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detector {
    Fixed,
    Adaptive,
    Phi,
}

/// How a node learns that a peer is alive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Every node sends heartbeats unasked.
    Heartbeat,
    /// Every node asks each peer and waits for its answer.
    Ping,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FdConfig {
    /// Time between heartbeats (or pings).
    pub interval_us: Micros,
    /// The fixed detector's timeout; the adaptive detector's first one; the phi
    /// detector's until it has seen a few gaps.
    pub timeout_us: Micros,
    pub detector: Detector,
    pub style: Style,
    /// The phi detector's threshold.
    pub phi: u32,
    /// The model its promises are made for: synchronous (a known bound on delays, no
    /// pauses), where strong accuracy is checked at every step, or partially synchronous,
    /// where only eventual accuracy is promised.
    pub synchronous: bool,
    pub bugs: Vec<FdBug>,
}

impl Default for FdConfig {
    fn default() -> Self {
        FdConfig {
            interval_us: 100 * MICROS_PER_MS,
            timeout_us: 300 * MICROS_PER_MS,
            detector: Detector::Fixed,
            style: Style::Heartbeat,
            phi: 8,
            synchronous: false,
            bugs: Vec::new(),
        }
    }
}

impl FdConfig {
    pub fn has(&self, bug: FdBug) -> bool {
        self.bugs.contains(&bug)
    }

    /// Whether a timeout of this length outlasts the longest gap between two heartbeats
    /// (or answers) in the synchronous model, so that there it suspects only crashed
    /// nodes.
    pub fn outlasts_synchronous_gaps(&self) -> bool {
        self.timeout_us > self.interval_us + 2 * crate::about::SYNCHRONOUS_DELAY_BOUND_US
    }
}

#[cfg(test)]
mod tests;
