//! One primary-backup node: the primary's write path and log stream, a backup's log
//! following, and the failover rule.

use super::disk::{PbDisk, PbWrite};
use super::msg::{Entry, PbMsg};
use super::{roles, PbBug, PbConfig};
use crate::check::Invariant;
use crate::client::{Key, KvOp, KvResult, Value};
use crate::flat::FlatMap;
use crate::ids::{NodeId, RequestId};
use crate::protocol::{Ctx, NodeStatus, Protocol, Role};
use crate::protocols::shared::{first_difference, route, Difference, Route};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum PbTimer {
    /// Every heartbeat interval: the primary streams its log, a backup pings its peers and
    /// checks whether its primary has gone quiet.
    Tick,
}

/// A write the primary applied and will answer once a backup has it (synchronous mode).
#[derive(Clone, Debug)]
struct Waiting {
    index: u64,
    req: RequestId,
    origin: NodeId,
    result: KvResult,
}

/// How a claim to be primary, `(epoch, node)`, compares with the one a node follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Claim {
    /// From an older epoch, or a higher id in the same epoch.
    Stale,
    /// The primary this node already follows.
    Current,
    /// Newer: a higher epoch, or a lower id in the same epoch.
    Better,
}

#[derive(Clone, Debug)]
pub struct PbNode {
    id: NodeId,
    nodes: usize,
    config: PbConfig,
    // Persistent (mirrored on disk through `PbWrite`s).
    epoch: u64,
    log: Vec<Entry>,
    // Volatile.
    role: Role,
    /// Whom this node takes for primary (itself when it is one).
    primary: Option<NodeId>,
    /// The log applied in order.
    store: FlatMap<Key, Value>,
    /// The node's own clock when it last heard from each node.
    last_heard: Vec<i64>,
    /// The highest epoch seen in any message; a new primary takes the next one.
    max_epoch: u64,
    // Primary state, reset on promotion.
    next_index: Vec<u64>,
    match_index: Vec<u64>,
    waiting: Vec<Waiting>,
    /// Writes this primary accepted, by request id (an idempotency key): a client's retry
    /// is answered again instead of appended twice. In memory only, so a new primary
    /// after failover does not know them.
    accepted: FlatMap<RequestId, KvResult>,
}

type PbCtx<'a> = Ctx<'a, PbNode>;

impl PbNode {
    pub fn epoch(&self) -> u64 {
        self.epoch
    }
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn is_primary(&self) -> bool {
        self.role == roles::PRIMARY
    }
    /// Whom this node takes for primary.
    pub fn primary(&self) -> Option<NodeId> {
        self.primary
    }
    pub fn log(&self) -> &[Entry] {
        &self.log
    }
    pub fn store(&self) -> &FlatMap<Key, Value> {
        &self.store
    }

    fn last_index(&self) -> u64 {
        self.log.len() as u64
    }

    /// The epoch of entry `index` (0 for the empty prefix), if the log has it.
    fn epoch_at(&self, index: u64) -> Option<u64> {
        match index {
            0 => Some(0),
            i => self.log.get(i as usize - 1).map(|e| e.epoch),
        }
    }

    fn judge(&self, epoch: u64, who: NodeId) -> Claim {
        if epoch != self.epoch {
            return if epoch > self.epoch {
                Claim::Better
            } else {
                Claim::Stale
            };
        }
        match self.primary {
            Some(p) if p == who => Claim::Current,
            Some(p) if who > p => Claim::Stale,
            _ => Claim::Better,
        }
    }

    fn persist_epoch(&self, ctx: &mut PbCtx) {
        if !self.config.has(PbBug::ForgetEpoch) {
            ctx.persist(PbWrite::Epoch(self.epoch));
        }
    }

    /// Follows `who` as primary of `epoch`, stepping down if this node was primary.
    fn follow(&mut self, ctx: &mut PbCtx, epoch: u64, who: Option<NodeId>) {
        if epoch != self.epoch {
            self.epoch = epoch;
            self.persist_epoch(ctx);
        }
        self.max_epoch = self.max_epoch.max(epoch);
        self.primary = who;
        self.role = roles::BACKUP;
        // Writes waiting for a backup get no answer: they may survive or not.
        self.waiting.clear();
    }

    fn become_primary(&mut self, ctx: &mut PbCtx) {
        self.epoch = self.max_epoch.max(self.epoch) + 1;
        self.max_epoch = self.epoch;
        self.persist_epoch(ctx);
        self.role = roles::PRIMARY;
        self.primary = Some(self.id);
        self.next_index = vec![self.last_index() + 1; self.nodes];
        self.match_index = vec![0; self.nodes];
        self.match_index[self.id.index()] = self.last_index();
        self.broadcast(ctx);
    }

    fn rebuild_store(&mut self) {
        self.store.clear();
        for e in &self.log {
            self.store.insert(e.key, e.value);
        }
    }

    fn broadcast(&self, ctx: &mut PbCtx) {
        for peer in ctx.peers() {
            self.send_append(ctx, peer);
        }
    }

    fn send_append(&self, ctx: &mut PbCtx, peer: NodeId) {
        let next = self.next_index[peer.index()].clamp(1, self.last_index() + 1);
        let prev_index = next - 1;
        let end = (prev_index as usize + self.config.max_batch).min(self.log.len());
        ctx.send(
            peer,
            PbMsg::Append {
                epoch: self.epoch,
                prev_index,
                prev_epoch: self.epoch_at(prev_index).unwrap_or(0),
                entries: self.log[prev_index as usize..end].to_vec(),
            },
        );
    }

    /// A backup whose primary has gone quiet follows the lowest-id node it can still
    /// hear from, or promotes itself if that is itself. No vote: the other side of a
    /// partition may be doing the same.
    fn check_failover(&mut self, ctx: &mut PbCtx) {
        let now = ctx.clock();
        let timeout = self.config.failover_timeout_us as i64;
        let me = self.id;
        let alive = |p: NodeId| p == me || now - self.last_heard[p.index()] <= timeout;
        if self.primary.is_some_and(|p| p != me && alive(p)) {
            return;
        }
        let lowest = (0..self.nodes as u32)
            .map(NodeId)
            .find(|&p| alive(p))
            .expect("a node can hear itself");
        if lowest == me {
            self.become_primary(ctx);
        } else {
            self.primary = Some(lowest);
        }
    }

    /// Answers a write for a client of `origin`, directly or through a forward reply.
    fn answer(&self, ctx: &mut PbCtx, req: RequestId, origin: NodeId, result: KvResult) {
        if origin == self.id {
            ctx.reply(req, result);
        } else {
            ctx.send(origin, PbMsg::ForwardReply { req, result });
        }
    }

    /// The primary's write path: apply, log, stream, answer (now or after a backup).
    fn execute(&mut self, ctx: &mut PbCtx, req: RequestId, origin: NodeId, op: KvOp) {
        if let Some(result) = self.accepted.get(&req).cloned() {
            // A retry of a write already in the log: answer it, once it may be answered.
            if !self.waiting.iter().any(|w| w.req == req) {
                self.answer(ctx, req, origin, result);
            }
            return;
        }
        let (key, value) = match op {
            KvOp::Get { key } => {
                let value = self.store.get(&key).copied();
                self.answer(ctx, req, origin, KvResult::Value { value });
                return;
            }
            KvOp::Put { key, value } => (key, value),
            KvOp::Cas { key, expect, new } => {
                let current = self.store.get(&key).copied();
                if current != expect {
                    self.answer(ctx, req, origin, KvResult::CasFailed { current });
                    return;
                }
                (key, new)
            }
        };
        let entry = Entry {
            epoch: self.epoch,
            key,
            value,
        };
        ctx.persist(PbWrite::Splice {
            after: self.last_index(),
            entries: vec![entry.clone()],
        });
        self.log.push(entry);
        self.store.insert(key, value);
        self.accepted.insert(req, KvResult::Written);
        let index = self.last_index();
        self.match_index[self.id.index()] = index;
        self.broadcast(ctx);
        if self.config.sync_follower && self.nodes > 1 {
            self.waiting.push(Waiting {
                index,
                req,
                origin,
                result: KvResult::Written,
            });
        } else {
            self.answer(ctx, req, origin, KvResult::Written);
        }
    }

    /// A client write that arrived here (`hops` = 0) or was forwarded here.
    fn route(&mut self, ctx: &mut PbCtx, req: RequestId, origin: NodeId, op: KvOp, hops: u8) {
        match route(self.id, self.is_primary(), self.primary, hops) {
            Route::Here => self.execute(ctx, req, origin, op),
            Route::Forward { to, hops } => ctx.send(
                to,
                PbMsg::Forward {
                    req,
                    origin,
                    op,
                    hops,
                },
            ),
            // Nothing was written anywhere.
            Route::Nowhere => self.answer(ctx, req, origin, KvResult::Unavailable),
        }
    }

    fn on_append(
        &mut self,
        ctx: &mut PbCtx,
        from: NodeId,
        epoch: u64,
        prev_index: u64,
        prev_epoch: u64,
        entries: Vec<Entry>,
    ) {
        match self.judge(epoch, from) {
            Claim::Stale => {
                ctx.send(
                    from,
                    PbMsg::AppendReply {
                        epoch: self.epoch,
                        primary: self.primary,
                        ok: false,
                        match_index: 0,
                    },
                );
                return;
            }
            Claim::Better => self.follow(ctx, epoch, Some(from)),
            Claim::Current => {}
        }
        let reply = |ctx: &mut PbCtx, me: &Self, ok: bool, match_index: u64| {
            ctx.send(
                from,
                PbMsg::AppendReply {
                    epoch: me.epoch,
                    primary: me.primary,
                    ok,
                    match_index,
                },
            );
        };
        if self.epoch_at(prev_index) != Some(prev_epoch) {
            let hint = self.last_index().min(prev_index.saturating_sub(1));
            reply(ctx, self, false, hint);
            return;
        }
        // Entries that match stay; from the first that differs, the primary's log wins,
        // even over writes this node acknowledged while it was a primary itself.
        let first_new = first_difference(&entries, prev_index, |index, entry| {
            let same = |e: u64| e == entry.epoch && self.log[index as usize - 1] == *entry;
            self.epoch_at(index).map(same)
        });
        if let Some((k, Difference::Conflict)) = first_new {
            self.log.truncate(prev_index as usize + k);
            self.rebuild_store();
        }
        if let Some((k, _)) = first_new {
            let fresh = entries[k..].to_vec();
            ctx.persist(PbWrite::Splice {
                after: prev_index + k as u64,
                entries: fresh.clone(),
            });
            for e in fresh {
                self.store.insert(e.key, e.value);
                self.log.push(e);
            }
        }
        reply(ctx, self, true, prev_index + entries.len() as u64);
    }

    fn on_append_reply(
        &mut self,
        ctx: &mut PbCtx,
        from: NodeId,
        epoch: u64,
        primary: Option<NodeId>,
        ok: bool,
        match_index: u64,
    ) {
        if !self.is_primary() {
            return;
        }
        // The backup follows someone with a better claim: this primary has been replaced.
        match primary {
            Some(p) if self.judge(epoch, p) == Claim::Better => {
                self.follow(ctx, epoch, Some(p));
                return;
            }
            None if epoch > self.epoch => {
                self.follow(ctx, epoch, None);
                return;
            }
            _ => {}
        }
        if epoch != self.epoch || primary != Some(self.id) {
            return;
        }
        let f = from.index();
        if ok {
            let matched = match_index.min(self.last_index());
            if matched <= self.match_index[f] {
                return;
            }
            self.match_index[f] = matched;
            self.next_index[f] = self.next_index[f].max(matched + 1);
            self.release_waiting(ctx, matched);
            if self.next_index[f] <= self.last_index() {
                self.send_append(ctx, from);
            }
        } else {
            let next = self.next_index[f]
                .saturating_sub(1)
                .min(match_index + 1)
                .max(self.match_index[f] + 1)
                .max(1);
            if next < self.next_index[f] {
                self.next_index[f] = next;
                self.send_append(ctx, from);
            }
        }
    }

    /// Synchronous mode: a backup holds the log up to `matched`; answer what it covers.
    fn release_waiting(&mut self, ctx: &mut PbCtx, matched: u64) {
        let (done, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|w| w.index <= matched);
        self.waiting = rest;
        for w in done {
            self.answer(ctx, w.req, w.origin, w.result);
        }
    }

    fn message_epoch(msg: &PbMsg) -> Option<u64> {
        match msg {
            PbMsg::Append { epoch, .. }
            | PbMsg::AppendReply { epoch, .. }
            | PbMsg::Ping { epoch } => Some(*epoch),
            PbMsg::Forward { .. } | PbMsg::ForwardReply { .. } => None,
        }
    }
}

impl Protocol for PbNode {
    type Msg = PbMsg;
    type Timer = PbTimer;
    type Disk = PbDisk;
    type Config = PbConfig;
    type Note = crate::protocol::NoNotes;
    const ROLES: &'static [crate::protocol::RoleDesc] = super::roles::ALL;

    /// What must be up for the service to answer: any one replica: a backup takes over from a failed primary.
    fn needs(_config: &Self::Config, _nodes: usize) -> crate::availability::Needs {
        crate::availability::Needs::AtLeast(1)
    }

    fn boot(id: NodeId, nodes: usize, config: &PbConfig, disk: &PbDisk) -> Self {
        let mut node = PbNode {
            id,
            nodes,
            config: config.clone(),
            epoch: disk.epoch,
            log: disk.log.clone(),
            role: roles::BACKUP,
            primary: None,
            store: FlatMap::new(),
            last_heard: vec![0; nodes],
            max_epoch: disk.epoch,
            next_index: Vec::new(),
            match_index: Vec::new(),
            waiting: Vec::new(),
            accepted: FlatMap::new(),
        };
        node.rebuild_store();
        node
    }

    fn on_start(&mut self, ctx: &mut PbCtx) {
        self.last_heard = vec![ctx.clock(); self.nodes];
        if self.id == NodeId(0) {
            // Epoch 0 + 1: node 0 starts as primary of epoch 1.
            self.become_primary(ctx);
        } else {
            self.follow(ctx, 1, Some(NodeId(0)));
        }
        ctx.set_timer(PbTimer::Tick, self.config.heartbeat_us);
    }

    fn on_recover(&mut self, ctx: &mut PbCtx) {
        // Epoch and log came back from the disk in `boot`; whom to follow it learns from
        // the next primary it hears, or by failing over like any backup.
        self.last_heard = vec![ctx.clock(); self.nodes];
        ctx.set_timer(PbTimer::Tick, self.config.heartbeat_us);
    }

    fn on_message(&mut self, ctx: &mut PbCtx, from: NodeId, msg: PbMsg) {
        self.last_heard[from.index()] = ctx.clock();
        if let Some(epoch) = Self::message_epoch(&msg) {
            self.max_epoch = self.max_epoch.max(epoch);
        }
        match msg {
            PbMsg::Append {
                epoch,
                prev_index,
                prev_epoch,
                entries,
            } => self.on_append(ctx, from, epoch, prev_index, prev_epoch, entries),
            PbMsg::AppendReply {
                epoch,
                primary,
                ok,
                match_index,
            } => self.on_append_reply(ctx, from, epoch, primary, ok, match_index),
            PbMsg::Ping { .. } => {}
            PbMsg::Forward {
                req,
                origin,
                op,
                hops,
            } => self.route(ctx, req, origin, op, hops),
            PbMsg::ForwardReply { req, result } => ctx.reply(req, result),
        }
    }

    fn on_timer(&mut self, ctx: &mut PbCtx, timer: PbTimer) {
        let PbTimer::Tick = timer;
        if self.is_primary() {
            self.broadcast(ctx);
        } else {
            for peer in ctx.peers() {
                ctx.send(peer, PbMsg::Ping { epoch: self.epoch });
            }
            self.check_failover(ctx);
        }
        ctx.set_timer(PbTimer::Tick, self.config.heartbeat_us);
    }

    fn on_client_request(&mut self, ctx: &mut PbCtx, req: RequestId, op: KvOp) {
        match op {
            // Any node answers reads from its own copy: fast, available, possibly stale.
            KvOp::Get { key } => {
                let value = self.store.get(&key).copied();
                ctx.reply(req, KvResult::Value { value });
            }
            op => self.route(ctx, req, self.id, op, 0),
        }
    }

    fn stored(&self, key: Key) -> Vec<Value> {
        self.store.get(&key).copied().into_iter().collect()
    }

    fn timer_text(_: &PbTimer) -> String {
        "heartbeat tick".into()
    }

    fn status(&self) -> NodeStatus {
        NodeStatus {
            role: self.role,
            term: self.epoch,
            log_len: self.last_index(),
            commit: 0,
        }
    }

    fn invariants(_config: &PbConfig, _nodes: usize) -> Vec<Box<dyn Invariant<Self>>> {
        super::checkers::all()
    }
}
