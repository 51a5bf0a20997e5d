//! What the nodes say (messages, statuses, requests to send again, the sequencer's
//! numbers), their timers, their disk and their notes.

use super::Mid;
use crate::ids::NodeId;
use crate::protocol::{Durable, Message, Note};
use crate::rng::SimRng;
use serde::{Deserialize, Serialize};

/// What a broadcast message carries besides its name: its sender's count of messages
/// delivered from each node when it sent it (its own entry: its messages sent before; a
/// vector clock), and its Lamport timestamp.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub deps: Vec<u32>,
    pub clock: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BcMsg {
    /// A broadcast message, from its sender, a relay or a history buffer.
    Data { id: Mid, stamp: Stamp },
    /// Every [`super::REPAIR`], to every other node: how many of each sender's messages it
    /// holds without a gap, how many of the sequencer's numbers it knows without a gap,
    /// and its Lamport clock.
    Status {
        have: Vec<u32>,
        numbered: u32,
        clock: u64,
    },
    /// A negative acknowledgement: send me `origin`'s messages `from..=to` again.
    Nack { origin: NodeId, from: u32, to: u32 },
    /// The sequencer's number `number` is for message `id`.
    Number { number: u32, id: Mid },
    /// Send me the sequencer's numbers from `from` on.
    NackNumbers { from: u32 },
}

impl Message for BcMsg {
    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let mut msg = self.clone();
        let bump = rng.range(1, 9) as u32;
        match &mut msg {
            BcMsg::Data { id, .. } | BcMsg::Number { id, .. } => id.seq += bump,
            BcMsg::Status { numbered, .. } => *numbered += bump,
            BcMsg::Nack { from, .. } | BcMsg::NackNumbers { from } => *from += bump,
        }
        msg
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            BcMsg::Data { id, stamp } => vec![
                ("message", id.to_string()),
                ("vector clock", counts(&stamp.deps)),
                ("Lamport timestamp", stamp.clock.to_string()),
            ],
            BcMsg::Status {
                have,
                numbered,
                clock,
            } => vec![
                ("holds without a gap", counts(have)),
                ("sequencer's numbers known", numbered.to_string()),
                ("Lamport clock", clock.to_string()),
            ],
            BcMsg::Nack { origin, from, to } => vec![
                ("sender", origin.to_string()),
                ("missing", format!("{from} to {to}")),
            ],
            BcMsg::Number { number, id } => {
                vec![("number", number.to_string()), ("message", id.to_string())]
            }
            BcMsg::NackNumbers { from } => vec![("missing numbers from", from.to_string())],
        }
    }
}

/// Counts per node, `[2 0 3]`.
pub fn counts(v: &[u32]) -> String {
    let words: Vec<String> = v.iter().map(u32::to_string).collect();
    format!("[{}]", words.join(" "))
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum BcTimer {
    /// Time for the node's next broadcast.
    Next,
    /// Time for the other copies of its message `seq`.
    Rest(u32),
    /// Time to send its status.
    Repair,
}

/// The history buffer and the application's deliveries, kept on disk.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BcDisk {
    /// Every message held, in the order it arrived (its own when it sent them).
    pub stored: Vec<(Mid, Stamp)>,
    /// What its application was handed, in order.
    pub delivered: Vec<Mid>,
    /// Its own broadcasts, in order: for each, how many messages it had delivered before.
    pub sent: Vec<u32>,
    /// The sequencer's numbers it knows: (number, message).
    pub numbers: Vec<(u32, Mid)>,
}

#[derive(Clone, Debug, Serialize)]
pub enum BcWrite {
    /// Its own broadcast, with how many messages it had delivered before.
    Broadcast {
        id: Mid,
        stamp: Stamp,
        seen: u32,
    },
    Store {
        id: Mid,
        stamp: Stamp,
    },
    Deliver(Mid),
    Number {
        number: u32,
        id: Mid,
    },
}

impl Durable for BcDisk {
    type Write = BcWrite;

    fn apply(&mut self, write: BcWrite) {
        match write {
            BcWrite::Broadcast { id, stamp, seen } => {
                self.stored.push((id, stamp));
                self.sent.push(seen);
            }
            BcWrite::Store { id, stamp } => self.stored.push((id, stamp)),
            BcWrite::Deliver(id) => self.delivered.push(id),
            BcWrite::Number { number, id } => self.numbers.push((number, id)),
        }
    }
}

/// What a node tells the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum BcNote {
    /// Its application is handed `id`.
    Delivers { id: Mid },
    /// `id` waits in the hold-back queue for `until`.
    HoldsBack { id: Mid, until: Wait },
    /// The sequencer gives `id` its number.
    Numbers { id: Mid, number: u32 },
}

/// What a held-back message waits for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Wait {
    /// An earlier message (of its sender, or one its sender had delivered).
    Message(Mid),
    /// The sequencer's number for it, or for a message before it.
    Number(u32),
    /// A message stamped at least as late from each of these nodes.
    Later(Vec<NodeId>),
}

impl Note for BcNote {
    fn text(&self) -> String {
        match self {
            BcNote::Delivers { id } => format!("delivers {id}"),
            BcNote::HoldsBack { id, until } => match until {
                Wait::Message(m) => {
                    format!("holds back {id}: it has not delivered {m} yet")
                }
                Wait::Number(0) => {
                    format!("holds back {id}: the sequencer has not numbered it yet")
                }
                Wait::Number(k) => {
                    format!("holds back {id}: it waits for the message numbered {k}")
                }
                Wait::Later(from) => format!(
                    "holds back {id}: it waits for a timestamp at least as late from {}",
                    nodes(from)
                ),
            },
            BcNote::Numbers { id, number } => format!("numbers {id} as {number}"),
        }
    }

    fn is_routine(&self) -> bool {
        matches!(self, BcNote::Delivers { .. })
    }

    /// A delivery is drawn on the diagram's lane, beside the arrows that brought messages
    /// in: the delivery order beside the receive order.
    fn is_mark(&self) -> bool {
        matches!(self, BcNote::Delivers { .. })
    }
}

fn nodes(ids: &[NodeId]) -> String {
    let words: Vec<String> = ids.iter().map(NodeId::to_string).collect();
    words.join(", ")
}
