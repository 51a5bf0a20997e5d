//! Broadcast: every node sends numbered messages to all the others, and each node's
//! application receives ("delivers") them under a guarantee the `order` setting picks.
//!
//! Each node broadcasts `messages` messages (`n1#1`, `n1#2`, ...), the first 1 ms after it
//! starts and the others at random moments, one per `interval` on average, so that two of
//! them often leave close together and overtake each other on a jittery link. A broadcast
//! goes out one copy at a time: the first peer's copy at once, the others'
//! [`SEND_GAP`] later, so a crash can cut it short.
//!
//! Underneath every level is the same repair layer, reliable multicast as the course notes
//! describe it: messages carry sequence numbers; every node keeps what it has received in
//! a history buffer (on disk); every [`REPAIR`] each node tells every other how far it has
//! received each sender's messages without a gap (a status), and a node that sees a gap,
//! in a status or in the numbers of what it receives, asks for the missing ones (a
//! negative acknowledgement), which are sent again from a history buffer.
//!
//! - `best-effort`: only a message's sender sends it, and sends it again when asked. If
//!   the sender stays up, everyone gets it; if it crashes in the middle of its sends, some
//!   nodes have it and the others never will.
//! - `reliable`: a node that receives a message for the first time relays it to every
//!   other node before delivering it, and answers requests for anybody's messages, so if
//!   one correct node delivers a message every correct node does (agreement), even when
//!   its sender crashed mid-send. Delivered as received, in any order.
//! - `fifo`: reliable, and a node delivers a sender's messages in the order they were
//!   sent: one that arrives ahead of an earlier one waits in a hold-back queue.
//! - `causal`: reliable, and a message waits until its sender's earlier messages and every
//!   message its sender had delivered before sending it are delivered here too. A message
//!   carries its sender's vector of delivered counts (a vector clock).
//! - `total-sequencer`: n0, the sequencer, numbers the messages (in an order that keeps
//!   causality) and tells everyone; every node delivers in the sequencer's numbering.
//! - `total-lamport`: each message is stamped (Lamport counter, sender); every node
//!   acknowledges what it receives with its own clock, and delivers the message with the
//!   smallest stamp once every other node has sent it something stamped at least as late,
//!   so that nothing stamped earlier can still come.
//!
//! The checkers ([`checkers`]) judge what each level promises: integrity (no duplication,
//! no creation) and validity at every level, agreement from `reliable` on, FIFO order from
//! `fifo` on, causal order from `causal` on, total order for the two total orders. The
//! meter counts the breaches of every order on every run, promised or not, for lessons.

/// Its roles, by code (the codes are part of every trace).
pub mod roles {
    use crate::protocol::{Role, RoleDesc, Tone};

    pub const NODE: Role = Role(0);
    pub const SEQUENCER: Role = Role(1);

    pub const ALL: &[RoleDesc] = &[
        RoleDesc {
            code: 0,
            name: "member",
            label: "member (broadcasts and delivers)",
            leads: false,
            tone: Tone::Steady,
        },
        RoleDesc {
            code: 1,
            name: "sequencer",
            label: "sequencer (numbers every message)",
            leads: false,
            tone: Tone::Lead,
        },
    ];
}

mod about;
pub mod checkers;
mod meter;
mod msg;
mod node;

pub use msg::{BcDisk, BcMsg, BcNote, BcTimer, BcWrite, Stamp};
pub use node::BcNode;

use crate::ids::NodeId;
use crate::time::{Micros, MICROS_PER_MS};
use serde::{Deserialize, Serialize};

crate::bugs! {
    /// Broken forms of the levels.
    pub enum BcBug {
        /// Nobody relays: a message reaches only those its sender's copies reached.
        NoRelay = "no-relay": "agreement: nodes do not relay what they receive and only a message's sender sends it again, so when a sender crashes in the middle of its sends the peers it reached deliver the message and the others never do",
        /// Deliver on receipt, with no hold-back queue.
        NoHoldback = "no-holdback": "FIFO and causal order: a node delivers every message as soon as it arrives, with no hold-back queue, so a message that overtakes an earlier one on the way is delivered first",
        /// Causal delivery waits only for the sender's own earlier messages.
        NoDeps = "no-deps": "causal order: a message waits only for its sender's earlier messages, not for the others' messages its sender had delivered before sending it, so a reply can be delivered before what it answers",
        /// Lamport order without the node id to break ties.
        LamportNoTiebreak = "lamport-no-tiebreak": "total order (switches to Lamport total order): messages with equal Lamport counters are delivered in the order they arrived instead of by sender, so two nodes deliver them in different orders",
        /// Sequencer order with no wait for the smaller numbers.
        SequencerNoWait = "sequencer-no-wait": "total order (switches to the sequencer's total order): a node delivers a numbered message as soon as it has it, without waiting for the messages with smaller numbers, so numbers that arrive out of order are delivered out of order",
    }
}

/// The guarantee the application gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Order {
    BestEffort,
    Reliable,
    Fifo,
    Causal,
    TotalSequencer,
    TotalLamport,
}

impl Order {
    pub fn name(self) -> &'static str {
        match self {
            Order::BestEffort => "best-effort",
            Order::Reliable => "reliable",
            Order::Fifo => "fifo",
            Order::Causal => "causal",
            Order::TotalSequencer => "total-sequencer",
            Order::TotalLamport => "total-lamport",
        }
    }

    pub fn parse(text: &str) -> Option<Order> {
        [
            Order::BestEffort,
            Order::Reliable,
            Order::Fifo,
            Order::Causal,
            Order::TotalSequencer,
            Order::TotalLamport,
        ]
        .into_iter()
        .find(|o| o.name() == text)
    }

    /// Whether it promises agreement (every level from reliable on).
    pub fn agrees(self) -> bool {
        self != Order::BestEffort
    }

    /// Whether it promises FIFO order.
    pub fn fifo(self) -> bool {
        self >= Order::Fifo
    }

    /// Whether it promises causal order.
    pub fn causal(self) -> bool {
        self >= Order::Causal
    }

    /// Whether it promises total order.
    pub fn total(self) -> bool {
        self >= Order::TotalSequencer
    }
}

/// A broadcast message's name: its sender and its number among the sender's (`n1#3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Mid {
    pub origin: NodeId,
    pub seq: u32,
}

impl std::fmt::Display for Mid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.origin, self.seq)
    }
}

/// Messages in a list, `n1#2 n0#1` (`none` when empty).
pub fn list(ids: impl IntoIterator<Item = Mid>) -> String {
    let words: Vec<String> = ids.into_iter().map(|m| m.to_string()).collect();
    if words.is_empty() {
        "none".into()
    } else {
        words.join(" ")
    }
}

/// The sequencer of `total-sequencer`.
pub const SEQUENCER: NodeId = NodeId(0);
/// How long after a broadcast's first copy its other copies leave.
pub const SEND_GAP: Micros = 2 * MICROS_PER_MS;
/// How often every node sends every other its status.
pub const REPAIR: Micros = 100 * MICROS_PER_MS;
/// The most messages sent again for one request.
pub const RESEND_MAX: u32 = 16;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BcConfig {
    pub order: Order,
    pub messages: u32,
    pub interval_us: Micros,
    pub bugs: Vec<BcBug>,
}

impl Default for BcConfig {
    fn default() -> Self {
        BcConfig {
            order: Order::Causal,
            messages: 20,
            interval_us: 50 * MICROS_PER_MS,
            bugs: Vec::new(),
        }
    }
}

impl BcConfig {
    pub fn has(&self, bug: BcBug) -> bool {
        self.bugs.contains(&bug)
    }

    /// Whether nodes relay what they receive and answer requests for anybody's messages.
    pub fn relays(&self) -> bool {
        self.order != Order::BestEffort && !self.has(BcBug::NoRelay)
    }
}

#[cfg(test)]
mod tests;
