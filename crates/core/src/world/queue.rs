//! The event queue: a min-heap ordered by (time, sequence number). The sequence number
//! breaks ties in insertion order, which makes the order of simultaneous events part of
//! the deterministic run rather than an accident of the heap.

use crate::clock::VectorClock;
use crate::ids::{MsgId, NodeId, RequestId};
use crate::payload::{AnyMsg, Msg};
use crate::rng::SimRng;
use crate::time::Micros;
use std::any::Any;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A message on its way: what the kernel knows of it (the message itself is in its
/// [`Parcel`]).
#[derive(Clone, Debug)]
pub struct InFlight {
    pub id: MsgId,
    pub from: NodeId,
    pub to: NodeId,
    pub sent_at: Micros,
    pub lamport: u64,
    pub vclock: VectorClock,
    /// Damaged in flight; the receiver's checksum (if on) will reject it.
    pub damaged: bool,
    /// Already passed the network at arrival and is only waiting for a busy receiver.
    pub arrived: bool,
}

impl InFlight {
    /// An envelope not yet addressed: the kernel fills it in when it sends the message.
    pub fn unsent() -> Self {
        InFlight {
            id: MsgId(0),
            from: NodeId(0),
            to: NodeId(0),
            sent_at: 0,
            lamport: 0,
            vclock: VectorClock(Vec::new()),
            damaged: false,
            arrived: false,
        }
    }
}

/// A message and its envelope in one allocation: the typed layer packs a protocol's
/// message with the kernel's [`InFlight`] so that the kernel can carry it without knowing
/// its type.
pub trait Parcel {
    fn meta(&self) -> &InFlight;
    fn meta_mut(&mut self) -> &mut InFlight;
    /// The message, to hash and describe.
    fn msg(&self) -> &dyn AnyMsg;
    /// The message shared with a recorded trace (moved into a shared allocation the first
    /// time, so that keeping it costs no copy).
    fn share(&mut self) -> Msg;
    /// Damages the message (see [`crate::protocol::Message::corrupt`]).
    fn corrupt(&mut self, rng: &mut SimRng);
    fn box_clone(&self) -> Box<dyn Parcel>;
    /// For the typed layer to take its message back out.
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

impl std::fmt::Debug for dyn Parcel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} {:?}", self.meta(), self.msg())
    }
}

impl Clone for Box<dyn Parcel> {
    fn clone(&self) -> Self {
        self.box_clone()
    }
}

#[derive(Clone, Debug)]
pub enum Event {
    Deliver(Box<dyn Parcel>),
    /// Node `node`'s timer armed as `generation` is due (if it was not cancelled or armed
    /// again since: the node's timers say which generation is live).
    Timer {
        node: NodeId,
        generation: u64,
    },
    /// A client operation reaches its node.
    ClientArrive {
        node: NodeId,
        req: RequestId,
    },
    /// A client stops waiting for attempt `attempt`.
    ClientTimeout {
        req: RequestId,
        attempt: u32,
    },
    /// A client tries an operation again.
    ClientRetry {
        req: RequestId,
    },
    /// The steady workload issues its next operation.
    Workload {
        generation: u64,
    },
    /// The end of a pause.
    Resume {
        node: NodeId,
        until: Micros,
    },
    /// A paused or busy node may take the next input from its inbox.
    Wake {
        node: NodeId,
    },
    /// The restart that follows a crash at a disk write.
    Restart {
        node: NodeId,
    },
    /// A random failure drawn for `node` (see `Action::SetFailures`), if the failures of
    /// this `generation` are still on.
    Fail {
        node: NodeId,
        generation: u64,
    },
    /// A random repair drawn for `node`, likewise.
    Repair {
        node: NodeId,
        generation: u64,
    },
    /// A person's `Action::Trigger` reaches its node.
    Trigger {
        node: NodeId,
    },
}

impl Event {
    /// The node whose availability (paused, slow) gates this event.
    pub fn gated_node(&self) -> Option<NodeId> {
        match self {
            Event::Deliver(m) => Some(m.meta().to),
            Event::Timer { node, .. } => Some(*node),
            Event::ClientArrive { node, .. } | Event::Trigger { node } => Some(*node),
            Event::ClientTimeout { .. }
            | Event::ClientRetry { .. }
            | Event::Workload { .. }
            | Event::Resume { .. }
            | Event::Wake { .. }
            | Event::Restart { .. }
            | Event::Fail { .. }
            | Event::Repair { .. } => None,
        }
    }
}

#[derive(Clone, Debug)]
struct Queued {
    at: Micros,
    seq: u64,
    event: Event,
}

impl Queued {
    fn at(&self) -> Micros {
        self.at
    }
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the earliest event first.
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

#[derive(Clone, Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Queued>,
    next_seq: u64,
}

impl EventQueue {
    pub fn push(&mut self, at: Micros, event: Event) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Queued { at, seq, event });
    }

    pub fn peek_time(&self) -> Option<Micros> {
        self.heap.peek().map(Queued::at)
    }

    pub fn pop(&mut self) -> Option<(Micros, Event)> {
        self.heap.pop().map(|q| (q.at(), q.event))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Armed timers as (due time, node, generation), in no particular order. A timer whose
    /// generation is no longer armed at its node is stale and will not fire.
    pub fn timers(&self) -> impl Iterator<Item = (Micros, NodeId, u64)> + '_ {
        self.heap.iter().filter_map(|q| match &q.event {
            Event::Timer { node, generation } => Some((q.at(), *node, *generation)),
            _ => None,
        })
    }

    /// Messages currently in flight (not those waiting in a busy node's inbox), in no
    /// particular order.
    /// Each with the time it is due to arrive.
    pub fn in_flight(&self) -> impl Iterator<Item = (Micros, &InFlight, &dyn AnyMsg)> {
        self.heap.iter().filter_map(|q| match &q.event {
            Event::Deliver(m) => Some((q.at(), m.meta(), m.msg())),
            _ => None,
        })
    }
}
