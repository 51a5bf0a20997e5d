//! The coordinator of a client's request: it asks the key's replicas, waits for `R`
//! answers to a read and `W` to a write, merges what they hold, repairs replicas it found
//! stale, and answers the client (or, with sloppy quorums, asks stand-ins for home replicas
//! that did not answer).

use super::{Pending, Phase, QCtx, QuorumNode};
use crate::client::Key;
use crate::client::{KvOp, KvResult, Value};
use crate::ids::{NodeId, RequestId};
use crate::protocols::quorum::{
    Clock, Conflict, QuorumMsg, QuorumTimer, QuorumWrite, ReadRepair, Register, Version,
};

impl QuorumNode {
    /// The version a new write of `value` gets. Under version vectors it descends from
    /// `seen`, the merge of what the write's read phase found.
    pub(super) fn new_version(&mut self, ctx: &mut QCtx, value: Value, seen: &Register) -> Version {
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

    pub(super) fn start_read(&mut self, ctx: &mut QCtx, req: RequestId, op: KvOp) {
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

    pub(super) fn arm_sloppy(&self, ctx: &mut QCtx, req: RequestId) {
        if self.config.sloppy {
            ctx.set_timer(QuorumTimer::Sloppy(req), self.config.hint_after_us);
        }
    }

    pub(super) fn start_write(
        &mut self,
        ctx: &mut QCtx,
        req: RequestId,
        version: Version,
        result: KvResult,
    ) {
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
    pub(super) fn on_read_reply(
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
    pub(super) fn repair_stale(&mut self, ctx: &mut QCtx, req: RequestId) {
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
    pub(super) fn finish_read(&mut self, ctx: &mut QCtx, req: RequestId) {
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
    pub(super) fn write_back(&mut self, ctx: &mut QCtx, req: RequestId, result: KvResult) {
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
    pub(super) fn on_write_ack(
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

    pub(super) fn repair(&mut self, ctx: &mut QCtx, node: NodeId, key: Key, register: Register) {
        if node == self.id {
            self.store_register(ctx, key, &register);
        } else {
            ctx.send(node, QuorumMsg::Repair { key, register });
        }
    }

    pub(super) fn done(&mut self, ctx: &mut QCtx, req: RequestId) {
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
    pub(super) fn ask_stand_ins(&mut self, ctx: &mut QCtx, req: RequestId) {
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
}
