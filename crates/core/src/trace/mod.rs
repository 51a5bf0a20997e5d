//! The typed event log of a run and its stable hash.
//!
//! Every event is folded into a 64-bit FNV-1a hash through its postcard encoding, a compact
//! binary format with a published, versioned specification; so the hash depends only on
//! the events and our types, never on the platform, the compiler or `std`'s hasher.
//! Keeping the events themselves is optional: batch runs keep only the hash and counters.

use crate::action::{Action, DiskFate};
use crate::chunked::Chunked;
use crate::client::{KvOp, KvResult};
use crate::ids::{MsgId, NodeId, RequestId};
use crate::network::Blocked;
use crate::payload::{AnyMsg, AnyNote, AnyTimer, Msg};
use crate::protocol::Role;
use crate::time::Micros;
use serde::Serialize;
use std::rc::Rc;

mod hash;
pub use hash::StableHasher;

/// Why a message never reached its receiver's handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Lost by the link's loss probability.
    Loss,
    /// Sender and receiver were in different partition groups.
    Partition,
    /// The link was cut by hand.
    Cut,
    /// The receiver was down when the message arrived.
    ReceiverDown,
    /// The receiver's checksum caught the corruption.
    CorruptDetected,
}

impl From<Blocked> for DropReason {
    fn from(b: Blocked) -> Self {
        match b {
            Blocked::Partition => DropReason::Partition,
            Blocked::Cut => DropReason::Cut,
        }
    }
}

/// What happened, one kind per variant. The protocol's own payloads (a message, a timer, a
/// note) are erased ([`crate::payload`]) so the engine that records them is compiled once;
/// each still hashes as its typed value would.
#[derive(Clone, Debug)]
pub enum EventKind {
    Send {
        id: MsgId,
        from: NodeId,
        to: NodeId,
        msg: Msg,
        lamport: u64,
    },
    Deliver {
        id: MsgId,
        from: NodeId,
        to: NodeId,
    },
    Drop {
        id: MsgId,
        from: NodeId,
        to: NodeId,
        reason: DropReason,
    },
    /// The network delivers a second copy `copy` of message `id`.
    Duplicate {
        id: MsgId,
        copy: MsgId,
    },
    /// Message `id` was damaged in flight; `msg` is what the receiver will get.
    Corrupt {
        id: MsgId,
        msg: Msg,
    },
    /// A corrupted message reached the handler because checksums were off.
    CorruptUndetected {
        id: MsgId,
    },
    Timer {
        node: NodeId,
        timer: Rc<dyn AnyTimer>,
    },
    Crash {
        node: NodeId,
        disk: DiskFate,
    },
    Restart {
        node: NodeId,
    },
    Pause {
        node: NodeId,
        until: Micros,
    },
    Resume {
        node: NodeId,
    },
    ClientInvoke {
        req: RequestId,
        node: NodeId,
        op: KvOp,
    },
    ClientReply {
        req: RequestId,
        result: KvResult,
    },
    ClientTimeout {
        req: RequestId,
    },
    Persist {
        node: NodeId,
    },
    RoleChange {
        node: NodeId,
        role: Role,
        term: u64,
    },
    Append {
        node: NodeId,
        len: u64,
    },
    Truncate {
        node: NodeId,
        len: u64,
    },
    Commit {
        node: NodeId,
        index: u64,
    },
    /// A user or schedule action that changes the world without a more specific event.
    Fault {
        action: Action,
    },
    /// A client tries operation `req` again (attempt `attempt`, counted from 1).
    ClientRetry {
        req: RequestId,
        attempt: u32,
    },
    /// The protocol said something in its own terms (see [`crate::protocol::Note`]).
    Note {
        node: NodeId,
        note: Rc<dyn AnyNote>,
    },
}

/// The variant indices of [`EventKind`] in its encoding (postcard writes a variant as its
/// index, then its fields in order): the order of the variants, which never changes.
mod variant {
    pub const SEND: u32 = 0;
    pub const DELIVER: u32 = 1;
    pub const DROP: u32 = 2;
    pub const DUPLICATE: u32 = 3;
    pub const CORRUPT: u32 = 4;
    pub const CORRUPT_UNDETECTED: u32 = 5;
    pub const TIMER: u32 = 6;
    pub const CRASH: u32 = 7;
    pub const RESTART: u32 = 8;
    pub const PAUSE: u32 = 9;
    pub const RESUME: u32 = 10;
    pub const CLIENT_INVOKE: u32 = 11;
    pub const CLIENT_REPLY: u32 = 12;
    pub const CLIENT_TIMEOUT: u32 = 13;
    pub const PERSIST: u32 = 14;
    pub const ROLE_CHANGE: u32 = 15;
    pub const APPEND: u32 = 16;
    pub const TRUNCATE: u32 = 17;
    pub const COMMIT: u32 = 18;
    pub const FAULT: u32 = 19;
    pub const CLIENT_RETRY: u32 = 20;
    pub const NOTE: u32 = 21;
}

impl EventKind {
    /// Folds the event's canonical encoding into `h`: its variant index, then its fields
    /// in order, a payload as its own typed encoding.
    #[inline]
    fn hash_into(&self, h: &mut StableHasher) {
        use variant as v;
        match self {
            EventKind::Send {
                id,
                from,
                to,
                msg,
                lamport,
            } => hash_send(h, *id, *from, *to, msg.as_ref(), *lamport),
            EventKind::Deliver { id, from, to } => {
                h.ids(v::DELIVER, &[id.0, from.0.into(), to.0.into()])
            }
            EventKind::Drop {
                id,
                from,
                to,
                reason,
            } => h.write_value(&(v::DROP, id, from, to, reason)),
            EventKind::Duplicate { id, copy } => h.write_value(&(v::DUPLICATE, id, copy)),
            EventKind::Corrupt { id, msg } => hash_corrupt(h, *id, msg.as_ref()),
            EventKind::CorruptUndetected { id } => h.write_value(&(v::CORRUPT_UNDETECTED, id)),
            EventKind::Timer { node, timer } => {
                h.ids(v::TIMER, &[node.0.into()]);
                timer.hash_into(h);
            }
            EventKind::Crash { node, disk } => h.write_value(&(v::CRASH, node, disk)),
            EventKind::Restart { node } => h.write_value(&(v::RESTART, node)),
            EventKind::Pause { node, until } => h.write_value(&(v::PAUSE, node, until)),
            EventKind::Resume { node } => h.write_value(&(v::RESUME, node)),
            EventKind::ClientInvoke { req, node, op } => {
                h.write_value(&(v::CLIENT_INVOKE, req, node, op))
            }
            EventKind::ClientReply { req, result } => {
                h.write_value(&(v::CLIENT_REPLY, req, result))
            }
            EventKind::ClientTimeout { req } => h.write_value(&(v::CLIENT_TIMEOUT, req)),
            EventKind::Persist { node } => h.ids(v::PERSIST, &[node.0.into()]),
            EventKind::RoleChange { node, role, term } => {
                h.write_value(&(v::ROLE_CHANGE, node, role, term))
            }
            EventKind::Append { node, len } => h.ids(v::APPEND, &[node.0.into(), *len]),
            EventKind::Truncate { node, len } => h.ids(v::TRUNCATE, &[node.0.into(), *len]),
            EventKind::Commit { node, index } => h.ids(v::COMMIT, &[node.0.into(), *index]),
            EventKind::Fault { action } => h.write_value(&(v::FAULT, action)),
            EventKind::ClientRetry { req, attempt } => {
                h.write_value(&(v::CLIENT_RETRY, req, attempt))
            }
            EventKind::Note { node, note } => {
                h.ids(v::NOTE, &[node.0.into()]);
                note.hash_into(h);
            }
        }
    }
}

/// The encoding of [`EventKind::Send`], written once for the event and for
/// [`Trace::hash_send`].
fn hash_send(
    h: &mut StableHasher,
    id: MsgId,
    from: NodeId,
    to: NodeId,
    msg: &dyn AnyMsg,
    lamport: u64,
) {
    h.ids(variant::SEND, &[id.0, from.0.into(), to.0.into()]);
    msg.hash_into(h);
    h.varint(lamport);
}

/// The encoding of [`EventKind::Corrupt`].
fn hash_corrupt(h: &mut StableHasher, id: MsgId, msg: &dyn AnyMsg) {
    h.ids(variant::CORRUPT, &[id.0]);
    msg.hash_into(h);
}

#[derive(Clone, Debug)]
pub struct TraceEvent {
    pub time: Micros,
    pub kind: EventKind,
}

impl TraceEvent {
    /// Folds the event's canonical encoding (its time, then its kind) into `h`.
    #[inline]
    pub fn hash_into(&self, h: &mut StableHasher) {
        h.varint(self.time);
        self.kind.hash_into(h);
    }
}

/// Counters kept for every run, recorded or not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Counters {
    pub events: u64,
    pub sent: u64,
    pub delivered: u64,
    pub dropped: u64,
    pub duplicated: u64,
    pub corrupted: u64,
    pub timers: u64,
    pub commits: u64,
    pub leader_changes: u64,
    pub client_ops: u64,
    pub client_ok: u64,
    pub client_failed: u64,
    pub client_timeouts: u64,
}

/// Recorded events are kept in sealed, shared chunks of this many events plus one open
/// chunk, so that cloning a world (a snapshot) does not copy its history.
const CHUNK: usize = 4096;

/// The trace of one run: a running hash, counters and (optionally) the events.
#[derive(Clone, Debug)]
pub struct Trace {
    hash: StableHasher,
    len: u64,
    record: bool,
    /// The events, if recording; positions are places in the run.
    events: Chunked<TraceEvent, CHUNK>,
}

impl Trace {
    pub fn new(record: bool) -> Self {
        Trace {
            hash: StableHasher::default(),
            len: 0,
            record,
            events: Chunked::new(),
        }
    }

    /// Records an event. Inlined, so that where the kind is known the hashing of the other
    /// kinds is not looked through at every event.
    #[inline]
    pub fn push(&mut self, time: Micros, kind: EventKind) {
        let event = TraceEvent { time, kind };
        event.hash_into(&mut self.hash);
        self.len += 1;
        if self.record {
            self.events.push(event);
        }
    }

    /// Counts and hashes a send without keeping it, where the message lies (a world that
    /// keeps its events pushes [`EventKind::Send`] instead): the same bytes as the event.
    pub fn hash_send(
        &mut self,
        time: Micros,
        id: MsgId,
        from: NodeId,
        to: NodeId,
        msg: &dyn AnyMsg,
        lamport: u64,
    ) {
        debug_assert!(!self.record, "a kept send is pushed as an event");
        self.hash.varint(time);
        hash_send(&mut self.hash, id, from, to, msg, lamport);
        self.len += 1;
    }

    /// Counts and hashes a message damaged into `msg` without keeping it (see
    /// [`Trace::hash_send`]).
    pub fn hash_corrupt(&mut self, time: Micros, id: MsgId, msg: &dyn AnyMsg) {
        debug_assert!(!self.record, "a kept corruption is pushed as an event");
        self.hash.varint(time);
        hash_corrupt(&mut self.hash, id, msg);
        self.len += 1;
    }

    /// Records that `node`'s timer `timer` fired. Unless events are kept, the timer is
    /// hashed where it lies instead of being wrapped for keeping; the bytes hashed are
    /// exactly those of the `EventKind::Timer` event.
    pub fn push_timer<T: serde::Serialize>(
        &mut self,
        time: Micros,
        node: NodeId,
        timer: &T,
        keep: impl FnOnce() -> Rc<dyn AnyTimer>,
    ) {
        if self.record {
            self.push(
                time,
                EventKind::Timer {
                    node,
                    timer: keep(),
                },
            );
            return;
        }
        self.hash.write_value(&(time, variant::TIMER, node, timer));
        self.len += 1;
    }

    pub fn hash(&self) -> u64 {
        self.hash.finish()
    }

    /// Number of events so far (also the index the next event will get).
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether events are kept (otherwise only the hash and the count are).
    pub fn is_recording(&self) -> bool {
        self.record
    }

    /// The kept event at position `index` (its place in the run, counted from 0).
    pub fn get(&self, index: u64) -> Option<&TraceEvent> {
        self.events.get(usize::try_from(index).ok()?)
    }

    /// The kept events from position `index` on (or from the first kept one, if `index`
    /// was forgotten), each with its position.
    pub fn events_from(&self, index: u64) -> impl Iterator<Item = (u64, &TraceEvent)> + '_ {
        let start = index.max(self.first_kept());
        let from = usize::try_from(start).unwrap_or(usize::MAX);
        (start..).zip(self.events.iter_from(from))
    }

    /// The position of the oldest event still kept (0 unless older ones were forgotten).
    pub fn first_kept(&self) -> u64 {
        self.events.first_kept() as u64
    }

    /// Forgets the kept events before position `index`, a whole chunk at a time (so a few
    /// thousand older ones may stay), to bound the memory of a long recorded run. The hash,
    /// the count and everything after stay as they were.
    pub fn forget_before(&mut self, index: u64) {
        self.events
            .forget_before(usize::try_from(index).unwrap_or(usize::MAX));
    }

    /// The kept events in order (none unless recording).
    pub fn events(&self) -> impl DoubleEndedIterator<Item = &TraceEvent> + '_ {
        self.events.iter()
    }
}

#[cfg(test)]
mod tests;
