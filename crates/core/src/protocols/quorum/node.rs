//! One node of the leaderless store. It plays two parts at once: a replica for the keys
//! that map to it, and the coordinator of the requests its own clients send. Its state,
//! its part as a replica and the engine's entry points are here; the coordinator's work
//! is in `coordinator`, and a stand-in's (sloppy quorums: hints and hand-off) in `handoff`.

use super::disk::{QuorumDisk, QuorumWrite};
use super::msg::{QuorumMsg, QuorumTimer};

mod coordinator;
mod handoff;
use super::register::{Register, Version};
use super::{Conflict, QuorumBug, QuorumConfig};
use crate::check::Invariant;
use crate::client::{Key, KvOp, KvResult, Value};
use crate::flat::FlatMap;
use crate::ids::{NodeId, RequestId};
use crate::protocol::{Ctx, NodeStatus, Protocol};

#[derive(Clone, Debug)]
enum Phase {
    /// Collecting the replicas' registers: a get, or the first half of a compare-and-set
    /// or of a version-vector put.
    Read,
    /// Waiting for `W` acknowledgements; `result` is the client's answer once they arrive.
    Write { version: Version, result: KvResult },
    /// Write-back (`repair=wait`): the read is over, and `register`, the newest it found,
    /// must be on `W` replicas before the client gets `result`.
    WriteBack {
        register: Register,
        result: KvResult,
    },
}

/// A client request this node coordinates.
#[derive(Clone, Debug)]
struct Pending {
    op: KvOp,
    phase: Phase,
    /// The client has its answer; a get stays on to repair replicas that answer late.
    answered: bool,
    /// Home replicas accounted for in the current phase: by their own answer, or by a
    /// stand-in's (sloppy quorums).
    heard: Vec<NodeId>,
    /// Nodes that answered this request themselves, so are known to be reachable.
    responded: Vec<NodeId>,
    /// Read phase: each replica's register (as far as this node knows), for read repair.
    replies: Vec<(NodeId, Register)>,
    /// Read phase: the merge of every register received.
    merged: Register,
}

impl Pending {
    fn new(op: KvOp) -> Self {
        Pending {
            op,
            phase: Phase::Read,
            answered: false,
            heard: Vec::new(),
            responded: Vec::new(),
            replies: Vec::new(),
            merged: Register::default(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct QuorumNode {
    id: NodeId,
    nodes: usize,
    config: QuorumConfig,
    /// Replicas per key.
    n: usize,
    // Mirrored on disk through `QuorumWrite`s.
    store: FlatMap<Key, Register>,
    counter: u64,
    /// Sloppy quorums: writes taken as a stand-in, by home replica, until handed off.
    hints: FlatMap<NodeId, FlatMap<Key, Register>>,
    // Volatile.
    /// Tie-breaker between last-writer-wins stamps taken in the same microsecond.
    seq: u64,
    pending: FlatMap<RequestId, Pending>,
    /// The version this node wrote for each request it coordinated. A client that tries
    /// a request again (same id: an idempotency key) gets the same version sent again,
    /// not a second write with a newer stamp that could bury a later write. Kept in
    /// memory only: a coordinator that crashes forgets it.
    written: FlatMap<RequestId, (Version, KvResult)>,
}

type QCtx<'a> = Ctx<'a, QuorumNode>;

/// The replicas of `key` in a cluster of `nodes` nodes with `n` replicas per key: the `n`
/// nodes starting at `key mod nodes`.
pub fn replicas(key: Key, n: usize, nodes: usize) -> impl Iterator<Item = NodeId> {
    let first = key as usize % nodes.max(1);
    (0..n).map(move |i| NodeId(((first + i) % nodes) as u32))
}

impl QuorumNode {
    pub fn store(&self) -> &FlatMap<Key, Register> {
        &self.store
    }

    /// What this replica would answer a read of `key` with.
    pub fn value(&self, key: Key) -> Option<Value> {
        self.store.get(&key).and_then(Register::value)
    }

    /// Writes held for other replicas (sloppy quorums), by home replica.
    pub fn hints(&self) -> &FlatMap<NodeId, FlatMap<Key, Register>> {
        &self.hints
    }

    /// Client requests this node is still coordinating.
    pub fn pending_requests(&self) -> usize {
        self.pending.len()
    }

    pub fn replicas_of(&self, key: Key) -> impl Iterator<Item = NodeId> {
        replicas(key, self.n, self.nodes)
    }

    fn is_replica(&self, key: Key) -> bool {
        self.replicas_of(key).any(|r| r == self.id)
    }

    fn local(&self, key: Key) -> Register {
        self.store.get(&key).cloned().unwrap_or_default()
    }

    /// Replica side: stores `incoming` merged into what is held for `key` (or, with the
    /// blind-overwrite bug, in place of it) and writes the result to disk before any
    /// acknowledgement leaves.
    fn store_register(&mut self, ctx: &mut QCtx, key: Key, incoming: &Register) {
        let entry = self.store.entry(key).or_default();
        let changed = if self.config.has(QuorumBug::BlindOverwrite) {
            let changed = *entry != *incoming;
            *entry = incoming.clone();
            changed
        } else {
            entry.merge(incoming)
        };
        if changed {
            ctx.persist(QuorumWrite::Store {
                key,
                register: entry.clone(),
            });
        }
    }
}

impl Protocol for QuorumNode {
    type Msg = QuorumMsg;
    type Timer = QuorumTimer;
    type Disk = QuorumDisk;
    type Config = QuorumConfig;
    type Note = crate::protocol::NoNotes;
    const ROLES: &'static [crate::protocol::RoleDesc] = super::roles::ALL;

    /// What must be up for the service to answer: enough replicas for a read and for a write.
    fn needs(config: &Self::Config, nodes: usize) -> crate::availability::Needs {
        crate::availability::Needs::AtLeast(config.r.max(config.w).min(nodes))
    }

    fn boot(id: NodeId, nodes: usize, config: &QuorumConfig, disk: &QuorumDisk) -> Self {
        QuorumNode {
            id,
            nodes,
            n: config.replicas_in(nodes),
            config: config.clone(),
            store: disk.store.clone(),
            counter: disk.counter,
            hints: disk.hints.clone(),
            seq: 0,
            pending: FlatMap::new(),
            written: FlatMap::new(),
        }
    }

    fn on_start(&mut self, ctx: &mut QCtx) {
        if self.config.sloppy {
            ctx.set_timer(QuorumTimer::Handoff, self.config.handoff_every_us);
        }
    }

    fn on_recover(&mut self, ctx: &mut QCtx) {
        // Registers, hints and the counter came back from the disk in `boot`. Requests
        // this node was coordinating are gone; their clients time out.
        self.on_start(ctx);
    }

    fn on_message(&mut self, ctx: &mut QCtx, from: NodeId, msg: QuorumMsg) {
        match msg {
            QuorumMsg::Read { req, key } => {
                if self.is_replica(key) {
                    let register = self.local(key);
                    ctx.send(from, QuorumMsg::ReadReply { req, key, register });
                }
            }
            QuorumMsg::ReadReply { req, key, register } => {
                self.on_read_reply(ctx, req, from, from, key, register)
            }
            QuorumMsg::Write { req, key, version } => {
                if self.is_replica(key) {
                    self.store_register(ctx, key, &Register::only(version));
                    ctx.send(from, QuorumMsg::WriteAck { req, key });
                }
            }
            QuorumMsg::WriteAck { req, key } => self.on_write_ack(ctx, req, from, from, key),
            QuorumMsg::WriteBack { req, key, register } => {
                if self.is_replica(key) {
                    self.store_register(ctx, key, &register);
                    ctx.send(from, QuorumMsg::WriteAck { req, key });
                }
            }
            QuorumMsg::HintedWriteBack {
                req,
                key,
                home,
                register,
            } => {
                self.hold_hint(ctx, home, key, &register);
                ctx.send(from, QuorumMsg::HintedWriteAck { req, key, home });
            }
            QuorumMsg::Repair { key, register } => {
                if self.is_replica(key) {
                    self.store_register(ctx, key, &register);
                }
            }
            QuorumMsg::HintedRead { req, key, home } => {
                let register = self.hint(home, key);
                ctx.send(
                    from,
                    QuorumMsg::HintedReadReply {
                        req,
                        key,
                        home,
                        register,
                    },
                );
            }
            QuorumMsg::HintedReadReply {
                req,
                key,
                home,
                register,
            } => self.on_read_reply(ctx, req, from, home, key, register),
            QuorumMsg::HintedWrite {
                req,
                key,
                home,
                version,
            } => {
                self.hold_hint(ctx, home, key, &Register::only(version));
                ctx.send(from, QuorumMsg::HintedWriteAck { req, key, home });
            }
            QuorumMsg::HintedWriteAck { req, key, home } => {
                self.on_write_ack(ctx, req, from, home, key)
            }
            QuorumMsg::Handoff { key, register } => {
                if self.is_replica(key) {
                    self.store_register(ctx, key, &register);
                    ctx.send(from, QuorumMsg::HandoffAck { key, register });
                }
            }
            QuorumMsg::HandoffAck { key, register } => {
                self.on_handoff_ack(ctx, from, key, register)
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut QCtx, timer: QuorumTimer) {
        let req = match timer {
            QuorumTimer::Request(req) => req,
            QuorumTimer::Sloppy(req) => return self.ask_stand_ins(ctx, req),
            QuorumTimer::Handoff => {
                self.hand_off(ctx);
                ctx.set_timer(QuorumTimer::Handoff, self.config.handoff_every_us);
                return;
            }
        };
        if self.config.sloppy {
            ctx.cancel_timer(QuorumTimer::Sloppy(req));
        }
        let Some(p) = self.pending.remove(&req) else {
            return;
        };
        // Only a request still reading wrote nothing anywhere, so only it can honestly be
        // called unavailable; a write short of `W` may be on some replicas already. A read
        // writing back wrote only what a write had written: it changed nothing.
        if !p.answered && matches!(p.phase, Phase::Read | Phase::WriteBack { .. }) {
            ctx.reply(req, KvResult::Unavailable);
        }
    }

    fn on_client_request(&mut self, ctx: &mut QCtx, req: RequestId, op: KvOp) {
        if self.pending.contains_key(&req) {
            return; // a retry while the first attempt is still under way
        }
        ctx.set_timer(QuorumTimer::Request(req), self.config.request_timeout_us);
        if let Some((version, result)) = self.written.get(&req).cloned() {
            // A retry of a write already made: send the same version again.
            self.pending.insert(req, Pending::new(op));
            self.start_write(ctx, req, version, result);
            return;
        }
        match op {
            KvOp::Put { value, .. } if self.config.conflict == Conflict::Lww => {
                // A last-writer-wins put needs no read: its stamp is the clock.
                self.pending.insert(req, Pending::new(op));
                let version = self.new_version(ctx, value, &Register::default());
                self.start_write(ctx, req, version, KvResult::Written);
            }
            op => self.start_read(ctx, req, op),
        }
    }

    fn stored(&self, key: Key) -> Vec<Value> {
        self.store
            .get(&key)
            .map(|r| r.versions().iter().map(|v| v.value).collect())
            .unwrap_or_default()
    }

    fn timer_text(timer: &QuorumTimer) -> String {
        match timer {
            QuorumTimer::Request(req) => format!("deadline of {req}"),
            QuorumTimer::Sloppy(req) => format!("ask stand-ins for {req}"),
            QuorumTimer::Handoff => "offer held hints back".into(),
        }
    }

    fn status(&self) -> NodeStatus {
        NodeStatus {
            role: super::roles::REPLICA,
            term: 0,
            log_len: self.store.len() as u64,
            commit: 0,
        }
    }

    fn invariants(_config: &QuorumConfig, _nodes: usize) -> Vec<Box<dyn Invariant<Self>>> {
        super::checkers::all()
    }
}
