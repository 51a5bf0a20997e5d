//! A message queue with a poison message: a broker, the consumers that take its messages,
//! and the database they write their work to.
//!
//! n0 is the broker. A producer inside it makes `messages` numbered messages (50), one every
//! `interval` (200 ms), and the broker hands each, oldest first, to a consumer that asks
//! for work. n1 is the database the consumers share. Every other node is a consumer: it
//! takes one message at a time, works on it for [`WORK`], writes its effect to the
//! database, and acknowledges it to the broker. A message the broker hears no
//! acknowledgement for within `timeout` (the visibility timeout, 500 ms) counts as a failed
//! delivery: the consumer may have crashed, or a message may have been lost.
//!
//! Message `poison` (5) cannot be processed: a consumer that works on it crashes (it loses
//! what it held in memory and is silent for `restart`, 2 s, as a process that died and was
//! started again). What happens after a failed delivery is `strategy`:
//!
//! - `retry`: back to the head of the queue, forever. The poison crashes one consumer after
//!   another and the queue stalls behind it.
//! - `discard`: dropped. The queue flows, and a message that failed only because of a lost
//!   acknowledgement is gone too.
//! - `retry-queue`: set aside for `delay` (2 s), then to the back of the queue. The queue
//!   flows, and the poison comes back for ever.
//! - `dead-letter` (the default): back to the head of the queue until it has been delivered
//!   `attempts` times (3), then into the dead-letter queue, for a person to look at.
//!
//! `ack` says when a consumer acknowledges: `after` its write to the database (at least
//! once: a message whose acknowledgement is lost is delivered again, and written twice) or
//! `before` it starts (a consumer that crashes while working loses the message; one too
//! slow to acknowledge before the visibility timeout still gets it delivered twice). An
//! `idempotent` consumer writes with the message's number as its key, and the database
//! applies a key once. `pill` ends the run with a poison pill per consumer, which makes
//! each stop once it has nothing else to do.
//!
//! The properties ([`checkers`]): no message lost (each is written to the database or in
//! the dead-letter queue), the dead-letter queue holds only messages delivered `attempts`
//! times, with an idempotent consumer no message is written twice, and with pills every
//! consumer stops. The bugs are the
//! naive forms of each mechanism.

/// Its roles, by code (the codes are part of every trace).
pub mod roles {
    use crate::protocol::{Role, RoleDesc, Tone};

    pub const BROKER: Role = Role(0);
    pub const DATABASE: Role = Role(1);
    pub const CONSUMER: Role = Role(2);
    pub const CRASHED: Role = Role(3);
    pub const STOPPED: Role = Role(4);

    pub const ALL: &[RoleDesc] = &[
        RoleDesc {
            code: 0,
            name: "broker",
            label: "broker (the queue)",
            leads: false,
            tone: Tone::Lead,
        },
        RoleDesc {
            code: 1,
            name: "database",
            label: "database",
            leads: false,
            tone: Tone::Steady,
        },
        RoleDesc {
            code: 2,
            name: "consumer",
            label: "consumer",
            leads: false,
            tone: Tone::Steady,
        },
        RoleDesc {
            code: 3,
            name: "crashed",
            label: "consumer (crashed, restarting)",
            leads: false,
            tone: Tone::Restless,
        },
        RoleDesc {
            code: 4,
            name: "stopped",
            label: "consumer (stopped by the pill)",
            leads: false,
            tone: Tone::Contrary,
        },
    ];
}

mod about;
mod checkers;
mod meter;
mod msg;
mod node;

pub use msg::{Held, QDisk, QMsg, QNote, QTimer, QWrite, Stored};
pub use node::QNode;

use crate::ids::NodeId;
use crate::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};

crate::bugs! {
    /// The naive forms of the queue's mechanisms.
    pub enum QBug {
        /// Dead-letters a message one delivery early.
        EarlyDeadLetter = "early-dead-letter": "the broker compares the delivery count with the limit off by one: a message goes to the dead-letter queue after one delivery fewer than promised",
        /// Resets a message's delivery count when it goes back to the queue.
        CountReset = "count-reset": "the broker forgets a message's delivery count when it puts it back in the queue: the poison never reaches the limit, is never dead-lettered, and loops for ever",
        /// Keeps the table of processed messages in the consumer's memory.
        LocalDedup = "local-dedup": "each consumer remembers in its own memory which messages it processed and writes without a key: a message delivered again to another consumer, or after a crash, is written twice",
        /// Sends one poison pill for all the consumers.
        OnePill = "one-pill": "the run ends with a single poison pill, not one per consumer: the consumer that takes it stops, and the others wait for messages for ever",
    }
}

/// What the broker does with a message whose delivery failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    Retry,
    Discard,
    RetryQueue,
    DeadLetter,
}

/// The broker: n0.
pub const BROKER: NodeId = NodeId(0);
/// The database the consumers write to: n1.
pub const DATABASE: NodeId = NodeId(1);
/// How long a consumer works on a message.
pub const WORK: Micros = 50 * MICROS_PER_MS;
/// How often an idle consumer asks again for work it did not get, and how often a consumer
/// sends again a write the database has not confirmed.
pub const ASK_AGAIN: Micros = MICROS_PER_SEC;
pub const WRITE_AGAIN: Micros = 200 * MICROS_PER_MS;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QConfig {
    pub messages: u32,
    pub interval_us: Micros,
    /// The poison message's number (0: none).
    pub poison: u32,
    pub strategy: Strategy,
    pub attempts: u32,
    pub timeout_us: Micros,
    pub delay_us: Micros,
    pub restart_us: Micros,
    /// Acknowledge before working on a message (a crash loses it), not after its write.
    pub ack_before: bool,
    pub idempotent: bool,
    pub pill: bool,
    pub bugs: Vec<QBug>,
}

impl Default for QConfig {
    fn default() -> Self {
        QConfig {
            messages: 50,
            interval_us: 200 * MICROS_PER_MS,
            poison: 5,
            strategy: Strategy::DeadLetter,
            attempts: 3,
            timeout_us: 500 * MICROS_PER_MS,
            delay_us: 2 * MICROS_PER_SEC,
            restart_us: 2 * MICROS_PER_SEC,
            ack_before: false,
            idempotent: true,
            pill: false,
            bugs: Vec::new(),
        }
    }
}

impl QConfig {
    pub fn has(&self, bug: QBug) -> bool {
        self.bugs.contains(&bug)
    }

    /// Whether message `number` is the poison.
    pub fn is_poison(&self, number: u32) -> bool {
        number == self.poison && number <= self.messages
    }

    /// Whether message `number` is a poison pill (they come after the last message).
    pub fn is_pill(&self, number: u32) -> bool {
        number > self.messages
    }

    /// Whether the run ends with poison pills (the one-pill bug sends one).
    pub fn pills(&self) -> bool {
        self.pill || self.has(QBug::OnePill)
    }

    /// Whether consumers write with the message's number as a key the database applies
    /// once (the local-dedup bug keeps its table in memory instead).
    pub fn keyed(&self) -> bool {
        self.idempotent && !self.has(QBug::LocalDedup)
    }

    /// How many consumers a cluster of `nodes` has.
    pub fn consumers(nodes: usize) -> u32 {
        nodes.saturating_sub(2) as u32
    }
}

#[cfg(test)]
mod tests;
