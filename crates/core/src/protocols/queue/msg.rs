//! What the broker, the consumers and the database say to each other, their timers, what
//! each keeps on disk, and their notes.

use crate::ids::NodeId;
use crate::protocol::{yes_no, Durable, Message, Note};
use crate::rng::SimRng;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QMsg {
    /// Consumer to broker: it has nothing to do and takes a message.
    Ready,
    /// Broker to consumer: message `number`, delivered for the `count`-th time.
    Deliver { number: u32, count: u32 },
    /// Consumer to broker: message `number` is dealt with (`ready`: and it takes another).
    Ack { number: u32, ready: bool },
    /// Consumer to broker: it is busy and gives message `number` back untouched.
    Release { number: u32 },
    /// Consumer to database: the effect of message `number` (`keyed`: with the message's
    /// number as a key the database applies once).
    Write { number: u32, keyed: bool },
    /// Database to consumer: the write of message `number` is done.
    Written { number: u32 },
}

impl Message for QMsg {
    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let mut msg = self.clone();
        match &mut msg {
            QMsg::Ready => {}
            QMsg::Deliver { number, .. }
            | QMsg::Ack { number, .. }
            | QMsg::Release { number }
            | QMsg::Write { number, .. }
            | QMsg::Written { number } => *number += rng.range(1, 9) as u32,
        }
        msg
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            QMsg::Ready => Vec::new(),
            QMsg::Deliver { number, count } => vec![
                ("message", number.to_string()),
                ("delivery", count.to_string()),
            ],
            QMsg::Ack { number, ready } => vec![
                ("message", number.to_string()),
                ("takes another", yes_no(*ready)),
            ],
            QMsg::Release { number } | QMsg::Written { number } => {
                vec![("message", number.to_string())]
            }
            QMsg::Write { number, keyed } => {
                vec![("message", number.to_string()), ("keyed", yes_no(*keyed))]
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum QTimer {
    /// The broker's producer makes its next message.
    Produce,
    /// Message `n`'s visibility timeout: no acknowledgement came in time.
    Visible(u32),
    /// Message `n` has waited out its delay in the retry queue.
    Back(u32),
    /// A consumer has finished working on its message.
    Work,
    /// A consumer asks again for work, or sends its write again.
    Again,
    /// A consumer that crashed is running again.
    Restart,
}

/// Where a message is, as the broker keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Held {
    /// In the queue, waiting for a consumer.
    Queued,
    /// Delivered to a consumer, not acknowledged yet.
    Out(NodeId),
    /// In the retry queue, waiting out its delay.
    Aside,
    /// Acknowledged.
    Done,
    /// In the dead-letter queue.
    Dead,
    /// Dropped after a failed delivery.
    Discarded,
}

impl Held {
    /// Whether the broker is done with it (acknowledged, dead-lettered or dropped).
    pub fn settled(self) -> bool {
        matches!(self, Held::Done | Held::Dead | Held::Discarded)
    }
}

/// One message as the broker keeps it on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Stored {
    pub held: Held,
    /// How many times it has been delivered (a release gives one back).
    pub deliveries: u32,
}

/// What a node keeps on disk: the broker its messages, the database its writes, a consumer
/// whether a pill stopped it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct QDisk {
    /// The broker's messages, message `n` at `n - 1` (pills after the last message).
    pub messages: Vec<Stored>,
    /// The database: how many times message `n`'s effect was applied, at `n - 1`.
    pub applied: Vec<u32>,
    /// A consumer took a poison pill.
    pub stopped: bool,
}

#[derive(Clone, Debug, Serialize)]
pub enum QWrite {
    Message { number: u32, stored: Stored },
    Apply { number: u32 },
    Stop,
}

impl Durable for QDisk {
    type Write = QWrite;

    fn apply(&mut self, write: QWrite) {
        match write {
            QWrite::Message { number, stored } => {
                let i = number as usize - 1;
                if self.messages.len() <= i {
                    self.messages.resize(
                        i + 1,
                        Stored {
                            held: Held::Queued,
                            deliveries: 0,
                        },
                    );
                }
                self.messages[i] = stored;
            }
            QWrite::Apply { number } => {
                let i = number as usize - 1;
                if self.applied.len() <= i {
                    self.applied.resize(i + 1, 0);
                }
                self.applied[i] += 1;
            }
            QWrite::Stop => self.stopped = true,
        }
    }
}

impl QDisk {
    /// How many times message `number`'s effect was applied.
    pub fn applied(&self, number: u32) -> u32 {
        self.applied
            .get((number as usize).wrapping_sub(1))
            .copied()
            .unwrap_or(0)
    }

    /// Message `number` as the broker keeps it.
    pub fn message(&self, number: u32) -> Option<Stored> {
        self.messages
            .get((number as usize).wrapping_sub(1))
            .copied()
    }
}

/// `n` failed deliveries, in words.
fn failed(n: u32) -> String {
    if n == 1 {
        "1 failed delivery".into()
    } else {
        format!("{n} failed deliveries")
    }
}

/// What a node tells the trace, and what it records for the checkers and the meter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum QNote {
    /// A consumer crashed working on message `number`.
    Crashed {
        number: u32,
    },
    /// The broker moved message `number` to the dead-letter queue after `deliveries`.
    DeadLettered {
        number: u32,
        deliveries: u32,
    },
    /// The broker dropped message `number` after a failed delivery.
    Discarded {
        number: u32,
    },
    /// The broker set message `number` aside in the retry queue.
    SetAside {
        number: u32,
    },
    /// The broker puts message `number` back at the head of the queue after a failure.
    Again {
        number: u32,
        deliveries: u32,
    },
    /// A consumer took a poison pill and stops.
    Stops,
    /// The broker sends the poison pills.
    Pills {
        count: u32,
    },
    /// Records: the broker delivered message `number`; a consumer gave it back.
    Delivered {
        number: u32,
    },
    Released {
        number: u32,
    },
    /// Record: the database applied message `number`'s effect.
    Applied {
        number: u32,
    },
}

impl Note for QNote {
    fn text(&self) -> String {
        match self {
            QNote::Crashed { number } => {
                format!("crashes working on message {number}: the poison message")
            }
            QNote::DeadLettered { number, deliveries } => format!(
                "moves message {number} to the dead-letter queue after {}",
                failed(*deliveries)
            ),
            QNote::Discarded { number } => {
                format!("drops message {number}: its delivery failed")
            }
            QNote::SetAside { number } => {
                format!("sets message {number} aside in the retry queue: its delivery failed")
            }
            QNote::Again { number, deliveries } => format!(
                "puts message {number} back at the head of the queue after {}",
                failed(*deliveries)
            ),
            QNote::Stops => "takes a poison pill and stops".into(),
            QNote::Pills { count } => {
                format!("queues {count} poison pills, one for each consumer")
            }
            QNote::Delivered { number } => format!("delivers message {number}"),
            QNote::Released { number } => format!("gets message {number} back untouched"),
            QNote::Applied { number } => format!("applies message {number}"),
        }
    }

    fn is_routine(&self) -> bool {
        matches!(
            self,
            QNote::Delivered { .. } | QNote::Released { .. } | QNote::Applied { .. }
        )
    }
}
