//! What a page or an exported trace reads of a run, whatever its protocol: trace events with
//! the protocol's own payloads replaced by what a view needs ([`Seen`]), messages in flight
//! with their colour ([`Flying`]), countdowns worth drawing ([`Countdown`]), a node's
//! faults and clocks ([`NodeView`]), and events and messages in words.
//!
//! Nothing here knows a protocol's types: payloads describe themselves
//! ([`crate::payload`]) and the rest is asked of the world's boundary, so the views are
//! compiled once for every protocol.

use crate::about::{About, Around};
use crate::action::{Action, DiskFate};
use crate::client::{KvOp, KvResult};
use crate::clock::PhysicalClock;
use crate::describe;
use crate::ids::{MsgId, NodeId, RequestId};
use crate::payload::Msg;
use crate::protocol::{NodeStatus, Role};
use crate::time::{Micros, Pretty};
use crate::trace::{DropReason, EventKind, TraceEvent};
use crate::world::Kernel;

/// A trace event as a view sees it.
#[derive(Clone, Copy, Debug)]
pub struct Seen<'a> {
    pub time: Micros,
    pub kind: SeenKind<'a>,
}

/// [`EventKind`] without the protocol's types: a message is its kind and colour, a timer
/// and a note are only where they happened (their words come from [`text`]).
#[derive(Clone, Copy, Debug)]
pub enum SeenKind<'a> {
    Send {
        id: MsgId,
        from: NodeId,
        to: NodeId,
        /// The message's kind (`AppendEntries`).
        kind: &'static str,
        /// Which of the protocol's four message colours it has.
        colour: u8,
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
    Duplicate {
        id: MsgId,
        copy: MsgId,
    },
    Corrupt {
        id: MsgId,
    },
    CorruptUndetected {
        id: MsgId,
    },
    Timer {
        node: NodeId,
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
        op: &'a KvOp,
    },
    ClientReply {
        req: RequestId,
        result: &'a KvResult,
    },
    ClientTimeout {
        req: RequestId,
    },
    ClientRetry {
        req: RequestId,
        attempt: u32,
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
    Fault {
        action: &'a Action,
    },
    Note {
        node: NodeId,
        /// Whether the diagram marks it (see [`crate::protocol::Note::is_mark`]).
        mark: bool,
        /// Its point on a line across the diagram (see [`crate::protocol::Note::cut`]).
        cut: Option<crate::protocol::CutPoint>,
    },
}

/// The neutral form of a trace event.
pub fn seen(e: &TraceEvent) -> Seen<'_> {
    let kind = match &e.kind {
        EventKind::Send {
            id, from, to, msg, ..
        } => SeenKind::Send {
            id: *id,
            from: *from,
            to: *to,
            kind: msg.kind(),
            colour: msg.colour(),
        },
        EventKind::Deliver { id, from, to } => SeenKind::Deliver {
            id: *id,
            from: *from,
            to: *to,
        },
        EventKind::Drop {
            id,
            from,
            to,
            reason,
        } => SeenKind::Drop {
            id: *id,
            from: *from,
            to: *to,
            reason: *reason,
        },
        EventKind::Duplicate { id, copy } => SeenKind::Duplicate {
            id: *id,
            copy: *copy,
        },
        EventKind::Corrupt { id, .. } => SeenKind::Corrupt { id: *id },
        EventKind::CorruptUndetected { id } => SeenKind::CorruptUndetected { id: *id },
        EventKind::Timer { node, .. } => SeenKind::Timer { node: *node },
        EventKind::Crash { node, disk } => SeenKind::Crash {
            node: *node,
            disk: *disk,
        },
        EventKind::Restart { node } => SeenKind::Restart { node: *node },
        EventKind::Pause { node, until } => SeenKind::Pause {
            node: *node,
            until: *until,
        },
        EventKind::Resume { node } => SeenKind::Resume { node: *node },
        EventKind::ClientInvoke { req, node, op } => SeenKind::ClientInvoke {
            req: *req,
            node: *node,
            op,
        },
        EventKind::ClientReply { req, result } => SeenKind::ClientReply { req: *req, result },
        EventKind::ClientTimeout { req } => SeenKind::ClientTimeout { req: *req },
        EventKind::ClientRetry { req, attempt } => SeenKind::ClientRetry {
            req: *req,
            attempt: *attempt,
        },
        EventKind::Persist { node } => SeenKind::Persist { node: *node },
        EventKind::RoleChange { node, role, term } => SeenKind::RoleChange {
            node: *node,
            role: *role,
            term: *term,
        },
        EventKind::Append { node, len } => SeenKind::Append {
            node: *node,
            len: *len,
        },
        EventKind::Truncate { node, len } => SeenKind::Truncate {
            node: *node,
            len: *len,
        },
        EventKind::Commit { node, index } => SeenKind::Commit {
            node: *node,
            index: *index,
        },
        EventKind::Fault { action } => SeenKind::Fault { action },
        EventKind::Note { node, note } => SeenKind::Note {
            node: *node,
            mark: note.is_mark(),
            cut: note.cut(),
        },
    };
    Seen { time: e.time, kind }
}

impl SeenKind<'_> {
    /// The node whose lane (in a space-time diagram) the event sits on, if it has one.
    pub fn lane(&self) -> Option<NodeId> {
        Some(match self {
            SeenKind::Send { from, .. } => *from,
            SeenKind::Deliver { to, .. } => *to,
            SeenKind::Timer { node }
            | SeenKind::Crash { node, .. }
            | SeenKind::Restart { node }
            | SeenKind::Pause { node, .. }
            | SeenKind::Resume { node }
            | SeenKind::ClientInvoke { node, .. }
            | SeenKind::Note { node, .. }
            | SeenKind::RoleChange { node, .. } => *node,
            _ => return None,
        })
    }

    /// Whether the event concerns `node` (a message concerns both its ends).
    pub fn concerns(&self, node: NodeId) -> bool {
        match self {
            SeenKind::Send { from, to, .. }
            | SeenKind::Deliver { from, to, .. }
            | SeenKind::Drop { from, to, .. } => *from == node || *to == node,
            SeenKind::Commit { node: n, .. } => *n == node,
            SeenKind::Fault { action } => action.nodes().contains(&node),
            kind => kind.lane() == Some(node),
        }
    }

    /// The client operation the event belongs to, if any.
    pub fn request(&self) -> Option<RequestId> {
        match self {
            SeenKind::ClientInvoke { req, .. }
            | SeenKind::ClientReply { req, .. }
            | SeenKind::ClientTimeout { req }
            | SeenKind::ClientRetry { req, .. } => Some(*req),
            _ => None,
        }
    }

    /// The event log's class for the event (one of [`CLASSES`]), or `None` for the disk
    /// and log-length events the log leaves out.
    pub fn class(&self) -> Option<&'static str> {
        Some(match self {
            SeenKind::Send { .. } | SeenKind::Deliver { .. } => "send",
            SeenKind::Drop { .. } => "drop",
            SeenKind::Corrupt { .. }
            | SeenKind::CorruptUndetected { .. }
            | SeenKind::Duplicate { .. }
            | SeenKind::Crash { .. }
            | SeenKind::Restart { .. }
            | SeenKind::Pause { .. }
            | SeenKind::Resume { .. }
            | SeenKind::Fault { .. } => "fault",
            SeenKind::Timer { .. } => "timer",
            SeenKind::ClientInvoke { .. }
            | SeenKind::ClientReply { .. }
            | SeenKind::ClientTimeout { .. }
            | SeenKind::ClientRetry { .. } => "client",
            SeenKind::RoleChange { .. } => "role",
            SeenKind::Commit { .. } => "commit",
            SeenKind::Note { .. } => "note",
            SeenKind::Persist { .. } | SeenKind::Append { .. } | SeenKind::Truncate { .. } => {
                return None
            }
        })
    }

    /// The event's kind in exported traces (`send`, `role_change`).
    pub fn name(&self) -> &'static str {
        match self {
            SeenKind::Send { .. } => "send",
            SeenKind::Deliver { .. } => "deliver",
            SeenKind::Drop { .. } => "drop",
            SeenKind::Duplicate { .. } => "duplicate",
            SeenKind::Corrupt { .. } => "corrupt",
            SeenKind::CorruptUndetected { .. } => "corrupt_undetected",
            SeenKind::Timer { .. } => "timer",
            SeenKind::Crash { .. } => "crash",
            SeenKind::Restart { .. } => "restart",
            SeenKind::Pause { .. } => "pause",
            SeenKind::Resume { .. } => "resume",
            SeenKind::ClientInvoke { .. } => "client_invoke",
            SeenKind::ClientReply { .. } => "client_reply",
            SeenKind::ClientTimeout { .. } => "client_timeout",
            SeenKind::ClientRetry { .. } => "client_retry",
            SeenKind::Persist { .. } => "persist",
            SeenKind::RoleChange { .. } => "role_change",
            SeenKind::Append { .. } => "append",
            SeenKind::Truncate { .. } => "truncate",
            SeenKind::Commit { .. } => "commit",
            SeenKind::Fault { .. } => "fault",
            SeenKind::Note { .. } => "note",
        }
    }
}

/// The event log's classes of event, as (class, label for a filter).
pub const CLASSES: [(&str, &str); 8] = [
    ("send", "messages"),
    ("drop", "drops"),
    ("fault", "faults"),
    ("role", "roles"),
    ("commit", "commits"),
    ("client", "clients"),
    ("timer", "timers"),
    ("note", "protocol notes"),
];

/// Any event of a run of the protocol `about` describes, in words ("n4's timer fires:
/// election timeout", "n2 is the leader in term 3", "n0's log grows to 5 entries").
pub fn text(e: &TraceEvent, about: &About) -> String {
    match &e.kind {
        EventKind::Send { from, to, msg, .. } => {
            // What the message says, briefly: the kind alone does not tell a relayed
            // "attack" from a relayed "retreat".
            let fields = msg.fields_text(24);
            if fields.is_empty() {
                format!("{from} → {to}: {}", msg.kind())
            } else {
                format!("{from} → {to}: {} ({fields})", msg.kind())
            }
        }
        EventKind::Deliver { from, to, id } => {
            format!("{to} receives message {} from {from}", id.0)
        }
        EventKind::Drop {
            from, to, reason, ..
        } => format!("{from} → {to} dropped: {}", describe::drop_reason(*reason)),
        EventKind::Corrupt { id, .. } => format!("message {} corrupted in flight", id.0),
        EventKind::CorruptUndetected { id } => {
            format!("corrupted message {} delivered (checksums off)", id.0)
        }
        EventKind::Duplicate { id, .. } => format!("message {} duplicated", id.0),
        EventKind::Timer { node, timer } => {
            format!("{node}'s timer fires: {}", timer.text())
        }
        EventKind::Crash { node, disk } => describe::crash(*node, *disk),
        EventKind::Restart { node } => format!("{node} restarted"),
        EventKind::Pause { node, until } => format!("{node} paused until {}", Pretty(*until)),
        EventKind::Resume { node } => format!("{node} resumed"),
        EventKind::ClientInvoke { req, node, op } => {
            format!("{req} → {node}: {}", describe::op(op))
        }
        EventKind::ClientReply { req, result } => {
            format!("{req} answered: {}", describe::result(result))
        }
        EventKind::ClientTimeout { req } => format!("{req} timed out"),
        EventKind::ClientRetry { req, attempt } => {
            format!("{req} tried again (attempt {attempt})")
        }
        EventKind::RoleChange { node, role, term } => {
            let label = about
                .role(*role)
                .map_or("in a role its protocol does not name", |r| r.label);
            let era = about
                .look
                .era
                .map_or(String::new(), |(_, name)| format!(" in {name} {term}"));
            format!("{node} is {label}{era}")
        }
        EventKind::Commit { node, index } => format!("{node} commits up to {index}"),
        EventKind::Fault { action } => describe::action_of(action, about),
        EventKind::Note { node, note } => format!("{node} {}", note.text()),
        EventKind::Persist { node } => format!("{node} writes to its disk"),
        EventKind::Append { node, len } => format!(
            "{node}'s log grows to {len} entr{}",
            if *len == 1 { "y" } else { "ies" }
        ),
        EventKind::Truncate { node, len } => format!("{node}'s log is cut back to {len} entries"),
    }
}

/// A message on its way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flying {
    pub id: MsgId,
    pub from: NodeId,
    pub to: NodeId,
    pub sent_at: Micros,
    /// When it is due to arrive.
    pub arrive: Micros,
    /// Which of the protocol's four message colours it has.
    pub colour: u8,
    /// Damaged in flight.
    pub damaged: bool,
}

impl Flying {
    /// The fraction of its flight it has covered at `now`, from 0 to 1.
    pub fn progress(&self, now: Micros) -> f64 {
        let span = self.arrive.saturating_sub(self.sent_at).max(1) as f64;
        (now.saturating_sub(self.sent_at) as f64 / span).clamp(0.0, 1.0)
    }
}

/// The messages in flight in `world` (not those waiting in a busy node's inbox).
pub fn flying(world: &Kernel) -> Vec<Flying> {
    world
        .queue()
        .in_flight()
        .map(|(arrive, m, msg)| Flying {
            id: m.id,
            from: m.from,
            to: m.to,
            sent_at: m.sent_at,
            arrive,
            colour: msg.colour(),
            damaged: m.damaged,
        })
        .collect()
}

/// Message `id`, still in flight, in words for a tooltip: its kind, ends and times, its
/// fields, and what corruption changed in it.
pub fn message_text(world: &Kernel, id: MsgId) -> Option<String> {
    let (arrive, m, msg) = world.queue().in_flight().find(|(_, m, _)| m.id == id)?;
    let mut text = format!(
        "{} {} → {}, sent {}, arrives {}\n{}",
        msg.kind(),
        m.from,
        m.to,
        Pretty(m.sent_at),
        Pretty(arrive),
        msg.fields_text(60)
    );
    if m.damaged {
        let change = original(world, m.id, m.sent_at)
            .map(|o| o.changes_to(msg))
            .unwrap_or_else(|| "contents changed".into());
        text.push_str(&format!("\ncorrupted in flight: {change}"));
    }
    Some(text)
}

/// The message as it was sent (the trace keeps the original in the send event).
fn original(world: &Kernel, id: MsgId, sent_at: Micros) -> Option<Msg> {
    world
        .trace()
        .events()
        .rev()
        .take_while(|e| e.time >= sent_at)
        .find_map(|e| match &e.kind {
            EventKind::Send { id: i, msg, .. } if *i == id => Some(msg.clone()),
            _ => None,
        })
}

/// A timer worth drawing, running down around its node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Countdown {
    pub node: NodeId,
    /// When it fires.
    pub at: Micros,
    /// Its longest span, so `(at - now) / span` is the share left.
    pub span: Micros,
}

/// The armed timers the protocol draws as countdowns ([`Described::countdown`]), on nodes
/// that are up and do not lead.
pub fn countdowns(world: &Kernel) -> Vec<Countdown> {
    world
        .queue()
        .timers()
        .filter_map(|(at, node, generation)| {
            let role = world.nodes()[node.index()].status()?.role;
            if world.leads(role) {
                return None;
            }
            let span = world.host().countdown(node, generation)?;
            Some(Countdown { node, at, span })
        })
        .collect()
}

/// One node's faults, status and clocks, whatever its protocol.
#[derive(Clone, Debug)]
pub struct NodeView {
    pub up: bool,
    pub paused: bool,
    pub paused_until: Micros,
    pub processing_us: Micros,
    pub inbox_len: usize,
    /// Its status while it is up.
    pub status: Option<NodeStatus>,
    pub clock: PhysicalClock,
    pub lamport: u64,
    pub vclock: Vec<u32>,
    /// Its Byzantine behaviour, `None` while it is honest.
    pub behaviour: Option<String>,
    /// While it is down: when it crashed and what became of its disk.
    pub crashed: Option<(Micros, DiskFate)>,
}

/// Node `i` of `world` as a view sees it.
pub fn node_view(world: &Kernel, i: usize) -> NodeView {
    let now = world.now();
    let slot = &world.nodes()[i];
    NodeView {
        up: slot.is_up(),
        paused: slot.is_paused(now),
        paused_until: slot.paused_until,
        processing_us: slot.processing_us,
        inbox_len: slot.inbox_len(),
        status: slot.status(),
        clock: slot.clock,
        lamport: slot.lamport.0,
        vclock: slot.vclock.0.clone(),
        behaviour: world.behaviour(NodeId(i as u32)).map(str::to_string),
        crashed: slot.crashed,
    }
}

/// How far back [`narration`] looks for something to tell.
const NARRATION_LOOKBACK: u64 = 5_000;

/// The newest step of the story in `world`, as (its position in the trace, its time, the
/// sentence): what the protocol tells of its own events ([`Described::narrate`]), its
/// notes, roles that lead taken up, and faults; the many routine events (messages, timers,
/// commits) are left to the log.
///
/// A node that did two things worth telling in one instant (stepped down, then dropped the
/// entries the new leader's log replaces) is told both, in order.
pub fn narration(world: &Kernel) -> Option<(u64, Micros, String)> {
    let trace = world.trace();
    let len = trace.len();
    let mut story = (len.saturating_sub(NARRATION_LOOKBACK)..len)
        .rev()
        .filter_map(|i| {
            let e = trace.get(i)?;
            told(world, e).map(|text| (i, e, text))
        });
    let (i, e, text) = story.next()?;
    let subject = subject_of(e);
    if let Some((_, before, first)) = story.next() {
        if before.time == e.time && subject.is_some() && subject_of(before) == subject {
            return Some((i, e.time, format!("{first}; then {text}")));
        }
    }
    Some((i, e.time, text))
}

/// The node an event is about, if one.
fn subject_of(e: &TraceEvent) -> Option<NodeId> {
    match &e.kind {
        EventKind::Truncate { node, .. }
        | EventKind::Append { node, .. }
        | EventKind::Commit { node, .. } => Some(*node),
        _ => seen(e).kind.lane(),
    }
}

/// Event `e` as a step of the story, if it is one.
fn told(world: &Kernel, e: &TraceEvent) -> Option<String> {
    let around = At {
        world,
        event: &e.kind,
    };
    if let Some(text) = world.host().narrate(&e.kind, &around) {
        return (!text.is_empty()).then_some(text);
    }
    let about = world.about();
    match &e.kind {
        EventKind::Note { note, .. } if !note.is_routine() => Some(text(e, about)),
        EventKind::Crash { .. }
        | EventKind::Restart { .. }
        | EventKind::Pause { .. }
        | EventKind::Fault { .. } => Some(text(e, about)),
        EventKind::RoleChange { role, .. } if world.leads(*role) => Some(text(e, about)),
        _ => None,
    }
}

/// The moment of the event a protocol's narration tells ([`Around`]).
struct At<'a> {
    world: &'a Kernel,
    event: &'a EventKind,
}

impl Around for At<'_> {
    fn now(&self) -> Micros {
        self.world.now()
    }

    fn roles_before(&self, node: NodeId, max: usize) -> Vec<(Role, u64)> {
        roles_before(self.world, self.event, node, max)
    }
}

/// How far back [`roles_before`] looks for a node's earlier roles.
const ROLE_LOOKBACK: u64 = 50_000;

/// The roles (with their terms) `node` took before the event whose kind is `kind` (an
/// event of `world`'s trace, among its last few thousand), newest first, at most `max`:
/// for a narration that depends on where a node came from. Empty if the event is not
/// found there.
fn roles_before(world: &Kernel, kind: &EventKind, node: NodeId, max: usize) -> Vec<(Role, u64)> {
    let trace = world.trace();
    let len = trace.len();
    let mut reached = false;
    let mut roles = Vec::new();
    for i in (len.saturating_sub(ROLE_LOOKBACK)..len).rev() {
        let Some(e) = trace.get(i) else {
            break;
        };
        if !reached {
            reached = std::ptr::eq(&e.kind, kind);
            continue;
        }
        if let EventKind::RoleChange {
            node: n,
            role,
            term,
        } = &e.kind
        {
            if *n == node {
                roles.push((*role, *term));
                if roles.len() == max {
                    break;
                }
            }
        }
    }
    roles
}
