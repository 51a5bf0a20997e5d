//! One node of the leaderless store. It plays two parts at once: a replica for the keys
//! that map to it, and the coordinator of the requests its own clients send.

use super::disk::{QuorumDisk, QuorumWrite};
use super::msg::QuorumMsg;
use super::register::{Clock, Register, Version};
use super::{Conflict, QuorumBug, QuorumConfig, ReadRepair};
use crate::check::Invariant;
use crate::client::{Key, KvOp, KvResult, Value};
use crate::ids::{NodeId, RequestId};
use crate::protocol::{Ctx, NodeStatus, Protocol};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum QuorumTimer {
    /// The coordinator's deadline for one client request.
    Request(RequestId),
    /// Sloppy quorums: time to ask stand-ins for the home replicas that have not answered.
    Sloppy(RequestId),
    /// Sloppy quorums: time to offer held hints to their home replicas again.
    Handoff,
}

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
    store: BTreeMap<Key, Register>,
    counter: u64,
    /// Sloppy quorums: writes taken as a stand-in, by home replica, until handed off.
    hints: BTreeMap<NodeId, BTreeMap<Key, Register>>,
    // Volatile.
    /// Tie-breaker between last-writer-wins stamps taken in the same microsecond.
    seq: u64,
    pending: BTreeMap<RequestId, Pending>,
    /// The version this node wrote for each request it coordinated. A client that tries
    /// a request again (same id: an idempotency key) gets the same version sent again,
    /// not a second write with a newer stamp that could bury a later write. Kept in
    /// memory only: a coordinator that crashes forgets it.
    written: BTreeMap<RequestId, (Version, KvResult)>,
}

type QCtx<'a> = Ctx<'a, QuorumNode>;

/// The replicas of `key` in a cluster of `nodes` nodes with `n` replicas per key: the `n`
/// nodes starting at `key mod nodes`.
pub fn replicas(key: Key, n: usize, nodes: usize) -> impl Iterator<Item = NodeId> {
    let first = key as usize % nodes.max(1);
    (0..n).map(move |i| NodeId(((first + i) % nodes) as u32))
}

impl QuorumNode {
    pub fn store(&self) -> &BTreeMap<Key, Register> {
        &self.store
    }

    /// What this replica would answer a read of `key` with.
    pub fn value(&self, key: Key) -> Option<Value> {
        self.store.get(&key).and_then(Register::value)
    }

    /// Writes held for other replicas (sloppy quorums), by home replica.
    pub fn hints(&self) -> &BTreeMap<NodeId, BTreeMap<Key, Register>> {
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

    /// The version a new write of `value` gets. Under version vectors it descends from
    /// `seen`, the merge of what the write's read phase found.
    fn new_version(&mut self, ctx: &mut QCtx, value: Value, seen: &Register) -> Version {
        let clock = match self.config.conflict {
            Conflict::Lww => {
                self.seq += 1;
                Clock::Stamp {
                    wall: ctx.clock(),
                    node: self.id,
                    seq: self.seq,
                }
            }
            Conflict::VersionVectors => {
                let mut vv = seen.context();
                if vv.len() < self.nodes {
                    vv.resize(self.nodes, 0);
                }
                let me = self.id.index();
                let dot = vv[me].max(self.counter) + 1;
                vv[me] = dot;
                self.counter = dot;
                ctx.persist(QuorumWrite::Counter(dot));
                Clock::Vector(vv)
            }
        };
        Version { value, clock }
    }

    fn start_read(&mut self, ctx: &mut QCtx, req: RequestId, op: KvOp) {
        let key = op.key();
        self.pending.insert(req, Pending::new(op));
        for replica in self.replicas_of(key) {
            if replica != self.id {
                ctx.send(replica, QuorumMsg::Read { req, key });
            }
        }
        self.arm_sloppy(ctx, req);
        if self.is_replica(key) {
            let local = self.local(key);
            self.on_read_reply(ctx, req, self.id, self.id, key, local);
        }
    }

    fn arm_sloppy(&self, ctx: &mut QCtx, req: RequestId) {
        if self.config.sloppy {
            ctx.set_timer(QuorumTimer::Sloppy(req), self.config.hint_after_us);
        }
    }

    fn start_write(&mut self, ctx: &mut QCtx, req: RequestId, version: Version, result: KvResult) {
        let Some(p) = self.pending.get_mut(&req) else {
            return;
        };
        self.written.insert(req, (version.clone(), result.clone()));
        p.phase = Phase::Write {
            version: version.clone(),
            result,
        };
        p.heard.clear();
        let key = p.op.key();
        for replica in self.replicas_of(key) {
            if replica != self.id {
                ctx.send(
                    replica,
                    QuorumMsg::Write {
                        req,
                        key,
                        version: version.clone(),
                    },
                );
            }
        }
        self.arm_sloppy(ctx, req);
        if self.is_replica(key) {
            self.store_register(ctx, key, &Register::only(version));
            self.on_write_ack(ctx, req, self.id, self.id, key);
        }
    }

    /// A read answer from `from` for home replica `home` (itself, or one it stands in
    /// for under sloppy quorums).
    fn on_read_reply(
        &mut self,
        ctx: &mut QCtx,
        req: RequestId,
        from: NodeId,
        home: NodeId,
        key: Key,
        register: Register,
    ) {
        let (r, n) = (self.config.r, self.n);
        let read_repair = self.config.repair == ReadRepair::Async;
        let Some(p) = self.pending.get_mut(&req) else {
            return;
        };
        if p.op.key() != key || !matches!(p.phase, Phase::Read) || p.heard.contains(&home) {
            return;
        }
        p.heard.push(home);
        p.merged.merge(&register);
        if from == home {
            if !p.responded.contains(&from) {
                p.responded.push(from);
            }
            // Only a home replica's own copy is worth repairing.
            p.replies.push((from, register));
        }
        if !p.answered {
            if p.heard.len() >= r {
                self.finish_read(ctx, req);
            }
            return;
        }
        // A reply after the client had its answer: only read repair is left to do. The
        // late replica may be behind, or may have brought something newer, which puts the
        // replicas that answered earlier behind.
        if read_repair {
            self.repair_stale(ctx, req);
        }
        if self.pending.get(&req).is_some_and(|p| p.heard.len() >= n) {
            self.done(ctx, req);
        }
    }

    /// Read repair: sends the merge of everything the read has seen to each replica whose
    /// reply lacked part of it.
    fn repair_stale(&mut self, ctx: &mut QCtx, req: RequestId) {
        let Some(p) = self.pending.get_mut(&req) else {
            return;
        };
        let key = p.op.key();
        let merged = p.merged.clone();
        let mut stale = Vec::new();
        for (node, register) in &mut p.replies {
            if !register.covers(&merged) {
                stale.push(*node);
                *register = merged.clone();
            }
        }
        for node in stale {
            self.repair(ctx, node, key, merged.clone());
        }
    }

    /// `R` replicas have answered the read phase.
    fn finish_read(&mut self, ctx: &mut QCtx, req: RequestId) {
        let Some(p) = self.pending.get_mut(&req) else {
            return;
        };
        let (op, merged) = (p.op.clone(), p.merged.clone());
        let current = merged.value();
        let repair = self.config.repair;
        if repair == ReadRepair::Async {
            self.repair_stale(ctx, req);
        }
        match op {
            KvOp::Get { .. } if repair == ReadRepair::Wait => {
                self.write_back(ctx, req, KvResult::Value { value: current });
            }
            KvOp::Get { .. } => {
                ctx.reply(req, KvResult::Value { value: current });
                let p = self.pending.get_mut(&req).expect("still pending");
                p.answered = true;
                if repair == ReadRepair::Off || p.heard.len() >= self.n {
                    self.done(ctx, req);
                }
            }
            KvOp::Cas { expect, new, .. } => {
                if current == expect {
                    // Nothing stops another write from landing between this read and the
                    // write below: the compare-and-set is not atomic.
                    let version = self.new_version(ctx, new, &merged);
                    self.start_write(ctx, req, version, KvResult::Written);
                } else if repair == ReadRepair::Wait {
                    // A failed compare-and-set reports what it read: it is a read too.
                    self.write_back(ctx, req, KvResult::CasFailed { current });
                } else {
                    ctx.reply(req, KvResult::CasFailed { current });
                    self.done(ctx, req);
                }
            }
            KvOp::Put { value, .. } => {
                let version = self.new_version(ctx, value, &merged);
                self.start_write(ctx, req, version, KvResult::Written);
            }
        }
    }

    /// Write-back (`repair=wait`): makes sure `W` replicas hold the newest version the read
    /// found before the client gets `result`, so that every later read meets it. Replicas
    /// whose own reply already held it count at once; the others are sent it.
    fn write_back(&mut self, ctx: &mut QCtx, req: RequestId, result: KvResult) {
        let w = self.config.w;
        let Some(p) = self.pending.get_mut(&req) else {
            return;
        };
        let key = p.op.key();
        let register = p.merged.clone();
        p.heard = p
            .replies
            .iter()
            .filter(|(_, held)| held.covers(&register))
            .map(|(node, _)| *node)
            .collect();
        if register.versions().is_empty() || p.heard.len() >= w {
            // Nothing to write back, or it is on W replicas already.
            ctx.reply(req, result);
            return self.done(ctx, req);
        }
        p.phase = Phase::WriteBack {
            register: register.clone(),
            result,
        };
        let holding = p.heard.clone();
        let missing: Vec<NodeId> = self
            .replicas_of(key)
            .filter(|r| !holding.contains(r))
            .collect();
        for replica in &missing {
            if *replica != self.id {
                ctx.send(
                    *replica,
                    QuorumMsg::WriteBack {
                        req,
                        key,
                        register: register.clone(),
                    },
                );
            }
        }
        self.arm_sloppy(ctx, req);
        if missing.contains(&self.id) {
            self.store_register(ctx, key, &register);
            self.on_write_ack(ctx, req, self.id, self.id, key);
        }
    }

    /// A write acknowledgement from `from` for home replica `home` (itself, or one it
    /// holds a hint for under sloppy quorums).
    fn on_write_ack(
        &mut self,
        ctx: &mut QCtx,
        req: RequestId,
        from: NodeId,
        home: NodeId,
        key: Key,
    ) {
        let w = self.config.w;
        let Some(p) = self.pending.get_mut(&req) else {
            return;
        };
        let (Phase::Write { result, .. } | Phase::WriteBack { result, .. }) = &p.phase else {
            return;
        };
        if p.op.key() != key || p.heard.contains(&home) {
            return;
        }
        p.heard.push(home);
        if from == home && !p.responded.contains(&from) {
            p.responded.push(from);
        }
        if p.heard.len() >= w {
            ctx.reply(req, result.clone());
            self.done(ctx, req);
        }
    }

    fn repair(&mut self, ctx: &mut QCtx, node: NodeId, key: Key, register: Register) {
        if node == self.id {
            self.store_register(ctx, key, &register);
        } else {
            ctx.send(node, QuorumMsg::Repair { key, register });
        }
    }

    fn done(&mut self, ctx: &mut QCtx, req: RequestId) {
        self.pending.remove(&req);
        ctx.cancel_timer(QuorumTimer::Request(req));
        if self.config.sloppy {
            ctx.cancel_timer(QuorumTimer::Sloppy(req));
        }
    }

    /// Sloppy quorums: for each home replica that has not answered in this phase, asks a
    /// stand-in to answer for it: the first node after it on the ring that is known to be
    /// reachable (it answered this request) or is this node. A stand-in holds writes as
    /// hints for the home replica and answers reads from the hints it holds, as Dynamo's
    /// fallback nodes do, so a quorum can be made of whoever is reachable.
    fn ask_stand_ins(&mut self, ctx: &mut QCtx, req: RequestId) {
        let Some(p) = self.pending.get(&req) else {
            return;
        };
        if p.answered {
            return;
        }
        let key = p.op.key();
        let (write, back) = match &p.phase {
            Phase::Read => (None, None),
            Phase::Write { version, .. } => (Some(version.clone()), None),
            Phase::WriteBack { register, .. } => (None, Some(register.clone())),
        };
        let missing: Vec<NodeId> = self
            .replicas_of(key)
            .filter(|h| !p.heard.contains(h))
            .collect();
        let stand_ins: Vec<(NodeId, NodeId)> = missing
            .into_iter()
            .map(|home| {
                let stand_in = (1..self.nodes)
                    .map(|i| NodeId(((home.index() + i) % self.nodes) as u32))
                    .find(|&s| s == self.id || p.responded.contains(&s))
                    .unwrap_or(self.id);
                (home, stand_in)
            })
            .collect();
        for (home, stand_in) in stand_ins {
            if let Some(register) = &back {
                if stand_in == self.id {
                    self.hold_hint(ctx, home, key, register);
                    self.on_write_ack(ctx, req, self.id, home, key);
                } else {
                    ctx.send(
                        stand_in,
                        QuorumMsg::HintedWriteBack {
                            req,
                            key,
                            home,
                            register: register.clone(),
                        },
                    );
                }
                continue;
            }
            match (&write, stand_in == self.id) {
                (None, true) => {
                    let hint = self.hint(home, key);
                    self.on_read_reply(ctx, req, self.id, home, key, hint);
                }
                (None, false) => ctx.send(stand_in, QuorumMsg::HintedRead { req, key, home }),
                (Some(version), true) => {
                    self.hold_hint(ctx, home, key, &Register::only(version.clone()));
                    self.on_write_ack(ctx, req, self.id, home, key);
                }
                (Some(version), false) => ctx.send(
                    stand_in,
                    QuorumMsg::HintedWrite {
                        req,
                        key,
                        home,
                        version: version.clone(),
                    },
                ),
            }
        }
    }

    fn hint(&self, home: NodeId, key: Key) -> Register {
        self.hints
            .get(&home)
            .and_then(|h| h.get(&key))
            .cloned()
            .unwrap_or_default()
    }

    fn hold_hint(&mut self, ctx: &mut QCtx, home: NodeId, key: Key, incoming: &Register) {
        let entry = self.hints.entry(home).or_default().entry(key).or_default();
        if entry.merge(incoming) {
            ctx.persist(QuorumWrite::Hint {
                home,
                key,
                register: Some(entry.clone()),
            });
        }
    }

    /// Offers every held hint to its home replica; a hint goes once its home confirms it
    /// has what the hint holds.
    fn hand_off(&self, ctx: &mut QCtx) {
        for (home, keys) in &self.hints {
            for (key, register) in keys {
                ctx.send(
                    *home,
                    QuorumMsg::Handoff {
                        key: *key,
                        register: register.clone(),
                    },
                );
            }
        }
    }

    fn on_handoff_ack(&mut self, ctx: &mut QCtx, home: NodeId, key: Key, register: Register) {
        let Some(keys) = self.hints.get_mut(&home) else {
            return;
        };
        if keys.get(&key).is_some_and(|held| register.covers(held)) {
            keys.remove(&key);
            if keys.is_empty() {
                self.hints.remove(&home);
            }
            ctx.persist(QuorumWrite::Hint {
                home,
                key,
                register: None,
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
            pending: BTreeMap::new(),
            written: BTreeMap::new(),
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
