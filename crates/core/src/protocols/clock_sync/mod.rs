//! Clock synchronisation: n0 keeps the time, the other nodes set their clocks by it.
//!
//! Every node has the engine's physical clock, which starts at true time but can be stepped
//! (`skew`) or made to run fast or slow (`drift`). A node never changes that clock: it keeps
//! a *correction* in software on top of it, as an operating system keeps the time of day on
//! top of a crystal. Its clock is its physical clock plus its correction.
//!
//! Two algorithms, chosen with the `algorithm` setting:
//!
//! - `ntp`: every `interval`, each client asks the time server n0. The client notes when it
//!   sent (t1, on its clock), the server when the request came (t2) and when it answered
//!   (t3, on the server's clock), and the client when the answer came (t4). The server's
//!   clock is ahead of the client's by about θ = ((t2 − t1) + (t3 − t4)) / 2; the round trip,
//!   less the server's own time, is δ = (t4 − t1) − (t3 − t2). Whatever the split of δ
//!   between the two directions, the estimate is wrong by at most δ / 2: that is the bound
//!   the client claims. This is Cristian's algorithm with the server's two timestamps of NTP.
//! - `berkeley`: every `interval`, the master n0 polls every node for its time and estimates
//!   each one's offset from its own clock by Cristian's method (half the round trip added to
//!   the answer). It takes the median of the offsets (its own, zero, included), averages
//!   those within `threshold` of the median (a clock further away is an outlier, left out),
//!   and tells each node how much to move its clock to reach that average, moving its own
//!   too. The corrections are relative, so the time they take to arrive does not matter.
//!
//! How a node applies a correction is the `adjust` setting: `step` adds it at once (a clock
//! corrected backwards reads an earlier time than it did a moment before: timestamps go
//! back), `slew` keeps it as a target and lets the clock it shows run a little faster or
//! slower ([`SLEW_PPM`]) until it gets there, never backwards.
//!
//! The reference is n0's clock (its physical clock plus its own correction, which under
//! `ntp` is always zero): what the algorithms can promise is agreement with their source.
//! When nobody touched n0's clock, that is true time, and the meter shows every clock's
//! offset from true time.
//!
//! The checkers ([`checkers`]) judge each synchronisation with what only the engine knows:
//! the true times of the timestamps and what every clock read at them. The offset a node
//! is left with is within the bound it claims, plus what the clocks themselves gained or
//! lost during the exchange (drift, or a step), measured exactly. Under `berkeley`, the
//! time the group agrees on also stays within `threshold` (and the estimates' bounds) of
//! the median clock, so that one wild clock cannot drag the others.

/// Its roles, by code (the codes are part of every trace).
pub mod roles {
    use crate::protocol::{Role, RoleDesc, Tone};

    pub const SERVER: Role = Role(0);
    pub const CLIENT: Role = Role(1);

    pub const ALL: &[RoleDesc] = &[
        RoleDesc {
            code: 0,
            name: "time-server",
            label: "time server (keeps the reference time; under Berkeley, the master)",
            leads: true,
            tone: Tone::Lead,
        },
        RoleDesc {
            code: 1,
            name: "client",
            label: "client (sets its clock by the time server)",
            leads: false,
            tone: Tone::Steady,
        },
    ];
}

mod about;
mod checkers;
mod meter;
mod msg;
mod node;

pub use msg::Exchange;
pub use msg::{CsDisk, CsMsg, CsNote, CsTimer, CsWrite};
pub use node::{CsNode, Face, SLEW_PPM};

use crate::ids::NodeId;
use crate::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};

/// The time server (the Berkeley master).
pub const SERVER: NodeId = NodeId(0);

crate::bugs! {
    /// A deliberate mistake in clock synchronisation.
    pub enum CsBug {
        /// The client sets its clock to the server's timestamp, ignoring the round trip.
        IgnoreRtt = "ignore-rtt": "an NTP client sets its clock to the server's answer t3 as it arrives (a Berkeley master takes a clock's answer for its time on arrival), forgetting that the answer took time to come: the clock is behind by the return trip, more than the half round trip it claims whenever the way back is the slower half",
        /// The Berkeley master averages every clock, outliers included.
        AverageOutliers = "average-outliers": "the Berkeley master (this bug runs Berkeley whatever the algorithm setting says) averages every clock it polled, a wildly wrong one included, so one bad clock drags every other clock away from the rest",
    }
}

/// Which algorithm the nodes run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// Each client asks the server (four timestamps).
    Ntp,
    /// The master polls every node and averages.
    Berkeley,
}

/// How a node applies a correction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adjust {
    /// At once (possibly backwards).
    Step,
    /// Gradually, by running its clock a little fast or slow.
    Slew,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsConfig {
    /// Time between synchronisations (on each node's own clock).
    pub interval_us: Micros,
    pub algorithm: Algorithm,
    pub adjust: Adjust,
    /// Berkeley: how far from the median offset a clock may be and still be averaged.
    pub threshold_us: Micros,
    pub bugs: Vec<CsBug>,
}

impl Default for CsConfig {
    fn default() -> Self {
        CsConfig {
            interval_us: MICROS_PER_SEC,
            algorithm: Algorithm::Ntp,
            adjust: Adjust::Step,
            threshold_us: 20 * MICROS_PER_MS,
            bugs: Vec::new(),
        }
    }
}

impl CsConfig {
    pub fn has(&self, bug: CsBug) -> bool {
        self.bugs.contains(&bug)
    }

    /// How long the Berkeley master waits for answers before it averages what it has.
    pub fn round_wait(&self) -> Micros {
        (self.interval_us / 2).min(500 * MICROS_PER_MS)
    }
}

#[cfg(test)]
mod tests;
