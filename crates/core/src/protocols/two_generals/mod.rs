//! The two generals: two armies on hills either side of a city win only if they attack at
//! the same moment, and their only way to agree is a messenger who must cross the valley,
//! where the city may catch him.
//!
//! The first general (n0) picks the moment and sends "attack at T" (messenger 1). Each
//! general answers the other's latest messenger with the next one (2 confirms 1, 3 confirms
//! 2, ...), up to `messages` messengers in all, resending the one it owes until the next
//! arrives. At T (on its own clock) a general attacks if every messenger of the chain meant
//! for it has arrived, and holds otherwise. On a link that never loses a messenger both
//! attack; but whoever sends the last messenger never learns whether it arrived, so one
//! lost messenger leaves one army attacking alone. A longer chain only moves the doubt to
//! the next messenger: no finite number of messages makes both generals certain, which is
//! what the checker of "the generals decide alike" shows for any setting.
//!
//! The protocol keeps what it can promise: a decision is final (it is on disk), and a
//! general attacks only at the planned moment and only once it knows of the plan.

/// Its roles, by code (the codes are part of every trace).
pub mod roles {
    use crate::protocol::Role;
    use crate::protocol::{RoleDesc, Tone};

    pub const FIRST: Role = Role(2);
    pub const SECOND: Role = Role(0);

    pub const ALL: &[RoleDesc] = &[
        RoleDesc {
            code: 2,
            name: "first-general",
            label: "first general (picks the moment)",
            leads: false,
            tone: Tone::Lead,
        },
        RoleDesc {
            code: 0,
            name: "second-general",
            label: "second general",
            leads: false,
            tone: Tone::Steady,
        },
    ];
}

mod about;
mod checkers;
mod msg;
mod node;

pub use msg::{Decision, GeneralsDisk, GeneralsMsg, GeneralsNote, GeneralsTimer};
pub use node::General;

use crate::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};

crate::bugs! {
    /// A deliberate departure from the protocol.
    pub enum GeneralsBug {
        /// The decision is not written to disk, so a general that restarts after the moment
        /// has passed decides again, and can take back an attack.
        ForgetDecision = "forget-decision": "the decision is not written down, so a general that restarts after the moment decides again and can take back an attack",
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneralsConfig {
    /// Messengers in the whole chain (1: the order alone, 2: the order and its
    /// confirmation, ...).
    pub messages: u32,
    /// The moment of the attack, on the first general's clock.
    pub attack_at_us: Micros,
    /// How often a general sends again the messenger it owes.
    pub resend_us: Micros,
    pub bugs: Vec<GeneralsBug>,
}

impl Default for GeneralsConfig {
    fn default() -> Self {
        GeneralsConfig {
            messages: 3,
            attack_at_us: 3 * MICROS_PER_SEC,
            resend_us: 300 * MICROS_PER_MS,
            bugs: Vec::new(),
        }
    }
}

impl GeneralsConfig {
    pub fn has(&self, bug: GeneralsBug) -> bool {
        self.bugs.contains(&bug)
    }
}

#[cfg(test)]
mod tests;
