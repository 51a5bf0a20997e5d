//! The contract between the engine and a protocol.
//!
//! A protocol node is a plain state machine. The engine calls one `on_*` input at a time and
//! the node answers by pushing effects into its [`Ctx`]: messages to send, timers to set or
//! cancel, records to write to its disk, replies to clients. The node never sees the
//! network, true time or the PRNG state directly, which is what keeps it deterministic and
//! lets the world own every fault.
//!
//! Call order for one node: `boot` (from an empty disk) then `on_start`; after a crash,
//! `boot` again (from whatever the disk kept) then `on_recover`; in between, any number of
//! `on_message`, `on_timer` and `on_client_request` calls.

use crate::check::{EndProperty, Invariant};
use crate::client::{KvOp, KvResult};
use crate::ids::{NodeId, RequestId};
use crate::rng::SimRng;
use crate::time::Micros;
use serde::{de::DeserializeOwned, Serialize};
use std::fmt::Debug;

/// A node's role, as a code its protocol picks; the protocol's `ROLES` say what each code
/// means (its name, label, and whether it leads). Codes are stable: they are part of the
/// trace, so changing one changes every trace hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Role(pub u8);

/// The small summary of a node that the engine watches after every input; changes to it
/// become trace events (role change, append, truncate, commit), so no protocol can forget
/// to report them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct NodeStatus {
    pub role: Role,
    /// Term, epoch, ballot or view: whatever the protocol's notion of "era" is.
    pub term: u64,
    pub log_len: u64,
    pub commit: u64,
}

impl NodeStatus {
    /// The status of a node of a protocol with no era, log or commit point: its role alone.
    pub const fn role(role: Role) -> NodeStatus {
        NodeStatus {
            role,
            term: 0,
            log_len: 0,
            commit: 0,
        }
    }
}

/// A protocol message.
pub trait Message: Clone + Debug + Serialize + DeserializeOwned + PartialEq {
    /// A short label for the message's type, such as `"AppendEntries"`; by default the
    /// name of its enum variant (read through serde, see [`crate::kind::variant_name`]).
    fn kind(&self) -> &'static str {
        crate::kind::variant_name(self)
    }

    /// A plausible but wrong version of this message (a changed term, a flipped vote, a
    /// different value), as a bit error that slipped past no checksum would produce.
    fn corrupt(&self, rng: &mut SimRng) -> Self;

    /// Its contents in words, field by field (`("term", "3")`, `("entries", "put k1=5")`),
    /// for tooltips and for saying what corruption changed.
    fn fields(&self) -> Vec<(&'static str, String)>;
}

/// Something a protocol tells the trace in its own terms ("decided 7", "suspects n2",
/// "delivered m3"). The engine records it with the node that said it; every view shows its
/// text.
pub trait Note: Clone + Debug + Serialize {
    /// The note in words, without the node's name (`"attacks"`, `"suspects n2"`).
    fn text(&self) -> String;

    /// Whether it is routine (a call made, an answer received): kept in the log, but not
    /// told as a step of the story.
    fn is_routine(&self) -> bool {
        false
    }

    /// Whether the space-time diagram marks it with a tick on its node's lane (what the
    /// ticks mean is the protocol's [`crate::about::Look::mark`]).
    fn is_mark(&self) -> bool {
        false
    }

    /// A point of a line the space-time diagram draws across the lanes, through one point
    /// on each node's lane: a snapshot's cut, a recovery line (what the lines mean is the
    /// protocol's [`crate::about::Look::cut`]).
    fn cut(&self) -> Option<CutPoint> {
        None
    }
}

/// Where a line across the diagram's lanes ([`Note::cut`]) crosses the lane of the node
/// that noted it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CutPoint {
    /// Which line: points with the same number are joined (a snapshot's id, a recovery's).
    pub line: u64,
    /// The moment on the lane, if not the note's own (a recovery line passes through
    /// checkpoints taken before the recovery that notes it).
    pub at_us: Option<crate::time::Micros>,
}

/// The notes of a protocol that has none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum NoNotes {}

impl Note for NoNotes {
    fn text(&self) -> String {
        match *self {}
    }
}

/// State that survives a crash, changed only through write records so that a disk write is
/// an explicit, visible step.
pub trait Durable: Clone + Debug + Default + Serialize {
    type Write: Clone + Debug + Serialize;
    fn apply(&mut self, write: Self::Write);
}

/// One output of a node, applied by the engine in order after the input returns.
#[derive(Clone, Debug)]
pub enum Effect<P: Protocol> {
    Send { to: NodeId, msg: P::Msg },
    SetTimer { timer: P::Timer, after: Micros },
    CancelTimer { timer: P::Timer },
    Persist(<P::Disk as Durable>::Write),
    Reply { req: RequestId, result: KvResult },
    Note(P::Note),
    Record(P::Note),
}

/// What a node may ask of the world while it handles one input.
pub struct Ctx<'a, P: Protocol> {
    id: NodeId,
    nodes: usize,
    local_now: i64,
    monotonic_now: i64,
    rng: &'a mut SimRng,
    out: &'a mut Vec<Effect<P>>,
}

impl<'a, P: Protocol> Ctx<'a, P> {
    pub(crate) fn new(
        id: NodeId,
        nodes: usize,
        (local_now, monotonic_now): (i64, i64),
        rng: &'a mut SimRng,
        out: &'a mut Vec<Effect<P>>,
    ) -> Self {
        Ctx {
            id,
            nodes,
            local_now,
            monotonic_now,
            rng,
            out,
        }
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    /// Number of nodes in the cluster.
    pub fn cluster_size(&self) -> usize {
        self.nodes
    }

    /// All other nodes, in id order.
    pub fn peers(&self) -> impl Iterator<Item = NodeId> + 'static {
        let me = self.id;
        (0..self.nodes as u32).map(NodeId).filter(move |&p| p != me)
    }

    /// The node's own physical clock, its time of day (offset and drift included; a clock
    /// step moves it, backwards too), in microseconds.
    pub fn clock(&self) -> i64 {
        self.local_now
    }

    /// The node's monotonic clock: the physical clock without its steps, so it never goes
    /// back, for measuring intervals (a lease, a timeout); it still runs fast or slow with
    /// the node's drift. Microseconds, from an arbitrary start.
    pub fn monotonic_clock(&self) -> i64 {
        self.monotonic_now
    }

    /// A random duration in `lo..=hi`, from the simulation's seeded PRNG.
    pub fn random_between(&mut self, lo: Micros, hi: Micros) -> Micros {
        self.rng.range(lo, hi)
    }

    pub fn send(&mut self, to: NodeId, msg: P::Msg) {
        self.out.push(Effect::Send { to, msg });
    }

    /// Arms `timer` to fire after `after` microseconds of the node's own clock, replacing
    /// any earlier setting of the same timer.
    pub fn set_timer(&mut self, timer: P::Timer, after: Micros) {
        self.out.push(Effect::SetTimer { timer, after });
    }

    pub fn cancel_timer(&mut self, timer: P::Timer) {
        self.out.push(Effect::CancelTimer { timer });
    }

    /// Writes to stable storage; the write survives a crash unless the disk is lost.
    pub fn persist(&mut self, write: <P::Disk as Durable>::Write) {
        self.out.push(Effect::Persist(write));
    }

    pub fn reply(&mut self, req: RequestId, result: KvResult) {
        self.out.push(Effect::Reply { req, result });
    }

    /// Tells the trace something in the protocol's own terms.
    pub fn note(&mut self, note: P::Note) {
        self.out.push(Effect::Note(note));
    }

    /// Keeps `record` for the checkers, not for the trace: what a node did that a property
    /// judges (a commit, an acceptance, an answer with the replies behind it) but the node
    /// itself need not remember. The engine holds each node's records since its last boot
    /// (a crash forgets them with the node), and checkers read them with
    /// [`crate::check::CheckView::records`].
    pub fn record(&mut self, record: P::Note) {
        self.out.push(Effect::Record(record));
    }
}

/// A protocol node.
pub trait Protocol: Clone + Debug + Sized + 'static {
    type Msg: Message;
    type Timer: Clone + Debug + PartialEq + Serialize;
    type Disk: Durable;
    type Config: Clone + Debug;
    /// What the protocol tells the trace ([`NoNotes`] if nothing).
    type Note: Note;

    /// The roles its nodes take, by code; by default one role, every node alike.
    const ROLES: &'static [RoleDesc] = crate::about::ONE_ROLE;

    /// Whether a node in `role` leads the others (a leader, a primary).
    fn leads(role: Role) -> bool {
        Self::ROLES.iter().any(|r| r.code == role.0 && r.leads)
    }

    /// Builds a node from its disk (empty on first boot, possibly wiped by a fault).
    fn boot(id: NodeId, nodes: usize, config: &Self::Config, disk: &Self::Disk) -> Self;
    /// Which nodes must be up for the service to answer, for the availability measures
    /// (by default a majority of the `nodes`).
    fn needs(config: &Self::Config, nodes: usize) -> crate::availability::Needs {
        let _ = (config, nodes);
        crate::availability::Needs::Majority
    }

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>);
    fn on_recover(&mut self, ctx: &mut Ctx<'_, Self>);
    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeId, msg: Self::Msg);
    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, timer: Self::Timer);
    /// A key-value client's operation. The default, for a protocol that serves no key-value
    /// clients, answers "unavailable" (the operation certainly did nothing).
    fn on_client_request(&mut self, ctx: &mut Ctx<'_, Self>, req: RequestId, op: KvOp) {
        let _ = op;
        ctx.reply(req, KvResult::Unavailable);
    }
    /// The action a person takes at this node by hand (`Action::Trigger`), for a protocol
    /// whose description names one ([`crate::registry::About::trigger`]: the snapshot
    /// started here). The default does nothing.
    fn on_trigger(&mut self, ctx: &mut Ctx<'_, Self>) {
        let _ = ctx;
    }

    /// Its summary; the default, for a protocol without roles, eras or a log, is the
    /// first role and zeros.
    fn status(&self) -> NodeStatus {
        NodeStatus {
            role: Role(Self::ROLES.first().map_or(0, |r| r.code)),
            term: 0,
            log_len: 0,
            commit: 0,
        }
    }

    /// What a timer is for, in words, for logs (`"election timeout"`).
    fn timer_text(timer: &Self::Timer) -> String;

    /// The values this node stores for `key` (a replica may keep concurrent siblings);
    /// empty if it holds none, or if the protocol keeps no key-value state. Used to
    /// measure replicas that disagree and acknowledged writes that were lost.
    fn stored(&self, key: crate::client::Key) -> Vec<crate::client::Value> {
        let _ = key;
        Vec::new()
    }

    /// The safety properties this protocol promises, each checked after every event.
    fn invariants(config: &Self::Config, nodes: usize) -> Vec<Box<dyn Invariant<Self>>>;

    /// Properties checked once, at the end of a run that was given time to settle
    /// (termination: every correct node decided, every live node caught up).
    fn end_properties(config: &Self::Config, nodes: usize) -> Vec<Box<dyn EndProperty<Self>>> {
        let _ = (config, nodes);
        Vec::new()
    }

    /// What the protocol measures over a run, if anything (see [`crate::check::Meter`]);
    /// its readings follow the description's `About::measures`.
    fn meter(config: &Self::Config, nodes: usize) -> Option<Box<dyn crate::check::Meter<Self>>> {
        let _ = (config, nodes);
        None
    }

    /// What Byzantine node `from` with behaviour `behaviour` (one of the protocol's, from
    /// its description) sends instead of `msg`, which its honest code meant for `to`;
    /// `None` sends nothing. Lies live here, apart from the honest handlers. The default is
    /// silence, whatever the behaviour.
    fn lie(
        behaviour: &str,
        from: NodeId,
        to: NodeId,
        msg: Self::Msg,
        rng: &mut SimRng,
    ) -> Option<Self::Msg> {
        let _ = (behaviour, from, to, msg, rng);
        None
    }
}

/// Yes or no, for a flag in a message.
pub fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

/// A role a protocol's node can take, as the views show it.
#[derive(Debug, serde::Serialize)]
pub struct RoleDesc {
    /// The role's code in the trace (see [`crate::protocol::Role`]).
    pub code: u8,
    /// The role's own name, in its protocol's words (`leader`, `in-doubt`), for exported
    /// traces and the command line.
    pub name: &'static str,
    /// What the role means, for a legend.
    pub label: &'static str,
    /// Whether this role leads the others (counted as "leaders at once").
    pub leads: bool,
    /// The colour it is drawn in.
    pub tone: Tone,
}

/// The colour a role is drawn in, named for what it says about a node in any protocol (each
/// protocol's legend says what it means there).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tone {
    /// The role the run turns on: a leader or primary, a commander, a decision reached.
    Lead,
    /// At rest: following, serving, having acted.
    Steady,
    /// Between states: standing for election, preparing a ballot, in doubt, left out.
    Restless,
    /// Set against the others: a lieutenant that retreats.
    Contrary,
}

impl Tone {
    /// The page's colour class for it.
    pub fn class(self) -> &'static str {
        match self {
            Tone::Lead => "tone-lead",
            Tone::Steady => "tone-steady",
            Tone::Restless => "tone-restless",
            Tone::Contrary => "tone-contrary",
        }
    }
}
