//! The Byzantine generals: a commander sends an order (attack or retreat) to its
//! lieutenants, some of whom (or the commander itself) may be traitors that lie. The loyal
//! lieutenants must obey the same order (IC1), and the commander's own if it is loyal
//! (IC2). After Lamport, Shostak and Pease, "The Byzantine Generals Problem" (1982).
//!
//! **Oral messages, OM(m).** The commander (n0) sends its order to every lieutenant. A
//! lieutenant relays every order it receives, adding itself to the order's path ("n0 told
//! n2, who tells you"), to every lieutenant not yet on the path, until paths are m + 1
//! generals long. When the rounds are over, each lieutenant folds what it heard from the
//! leaves up: the value of a path is the majority of what it heard directly along that
//! path and of the values of the paths one general longer (retreat if nothing came, or on
//! a tie). With more than 3m generals and at most m traitors the loyal lieutenants agree;
//! with 3 generals and 1 traitor they can be split, since a lieutenant cannot tell a lying
//! commander from a lying fellow lieutenant.
//!
//! **Signed messages, SM(m)** (`signed`). Every order carries the signatures of the
//! generals it passed through; a signature cannot be forged, so a relay cannot change the
//! order it passes on. A lieutenant collects the orders that reach it with valid
//! signatures and relays each new one once (paths up to m + 1 long); at the end it obeys
//! the one order it collected, or retreats if it collected both. Any number of traitors
//! then leaves the loyal lieutenants agreeing, given m + 1 rounds for m traitors.
//!
//! The model is synchronous: every message between loyal generals arrives within a round,
//! and a message that did not come by the end counts as "retreat". A general who crashes,
//! or whose messages are lost, is as good as a traitor; the checkers count it as faulty.

/// Its roles, by code (the codes are part of every trace).
pub mod roles {
    use crate::protocol::Role;
    use crate::protocol::{RoleDesc, Tone};

    pub const COMMANDER: Role = Role(2);
    pub const LIEUTENANT: Role = Role(0);
    pub const ATTACKS: Role = Role(3);
    pub const RETREATS: Role = Role(4);

    pub const ALL: &[RoleDesc] = &[
        RoleDesc {
            code: 2,
            name: "commander",
            label: "commander (gives the order)",
            leads: false,
            tone: Tone::Lead,
        },
        RoleDesc {
            code: 0,
            name: "undecided",
            label: "lieutenant, undecided",
            leads: false,
            tone: Tone::Restless,
        },
        RoleDesc {
            code: 3,
            name: "attacks",
            label: "lieutenant: attacks",
            leads: false,
            tone: Tone::Steady,
        },
        RoleDesc {
            code: 4,
            name: "retreats",
            label: "lieutenant: retreats",
            leads: false,
            tone: Tone::Contrary,
        },
    ];
}

mod about;
mod checkers;
mod msg;
mod node;

pub use msg::{ByzDisk, ByzMsg, ByzNote, ByzTimer, Order};
pub use node::ByzGeneral;

use crate::time::{Micros, MICROS_PER_MS};

/// When the commander gives its order.
pub const START_US: Micros = MICROS_PER_MS;

crate::bugs! {
    /// A deliberate departure from the algorithm.
    pub enum ByzBug {
        /// Lieutenants decide one round of relaying short: OM(m - 1)'s answer for m traitors
        /// (with m = 1, each simply obeys what the commander told it).
        OneRoundShort = "one-round-short": "lieutenants decide one round of relaying short (with m = 1 each obeys what the commander told it), so a two-faced commander splits them",
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByzConfig {
    /// Rounds of relaying, and the traitors the algorithm is run for.
    pub m: u32,
    /// What a loyal commander orders.
    pub order: Order,
    /// Signed messages (SM(m)) instead of oral ones (OM(m)).
    pub signed: bool,
    /// How long a round lasts: every message between loyal generals arrives within it.
    pub round_us: Micros,
    pub bugs: Vec<ByzBug>,
}

impl Default for ByzConfig {
    fn default() -> Self {
        ByzConfig {
            m: 1,
            order: Order::Attack,
            signed: false,
            round_us: 100 * MICROS_PER_MS,
            bugs: Vec::new(),
        }
    }
}

impl ByzConfig {
    pub fn has(&self, bug: ByzBug) -> bool {
        self.bugs.contains(&bug)
    }

    /// The algorithm in the paper's notation (`OM(1)`, `SM(2)`).
    pub fn algorithm(&self) -> String {
        format!("{}({})", if self.signed { "SM" } else { "OM" }, self.m)
    }

    /// When the lieutenants decide: after m + 1 rounds.
    pub fn decide_at(&self) -> Micros {
        u64::from(self.m + 1) * self.round_us
    }
}

#[cfg(test)]
mod tests;
