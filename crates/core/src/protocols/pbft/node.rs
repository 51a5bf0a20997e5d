//! One PBFT replica: the state it keeps, its tick, and the engine's entry points. What it
//! does in each part it plays is in a file of its own: `primary` (ordering the views it
//! leads), `replica` (agreement and execution, every replica), `proxy` (its clients'
//! requests and answers), `view_change`, `checkpoint`, and `lies` (a traitor's messages).

use super::roles::{BACKUP, PRIMARY};
use super::{faults, PbftBug, PbftConfig};
use crate::check::{EndProperty, Invariant};
use crate::client::{Key, KvOp, KvResult, Value};
use crate::flat::{FlatMap, FlatSet};
use crate::ids::{NodeId, RequestId};
use crate::protocol::{Ctx, NodeStatus, Protocol};
use crate::protocols::raft::{Command, KvStore};
use crate::rng::SimRng;

mod checkpoint;
mod lies;
mod primary;
mod proxy;
mod replica;
mod view_change;

#[cfg(test)]
pub(super) use view_change::{check_new_view, plan_new_view};

pub use super::msg::{
    command_text, PbftDisk, PbftMsg, PbftNote, PbftTimer, PbftWrite, Snapshot, ViewClaim,
};

/// Who sent which result for a request, as its proxy heard.
pub type Votes = Vec<(NodeId, KvResult)>;

#[derive(Clone, Debug)]
pub struct PbftNode {
    id: NodeId,
    nodes: usize,
    config: PbftConfig,
    view: u64,
    /// The pre-prepare accepted at each sequence number (the primary's own orders too).
    accepted: FlatMap<u64, (u64, Command)>,
    /// Prepares and commits heard, by sequence number: who sent which (view, request).
    prepares: FlatMap<u64, Vec<(NodeId, u64, Command)>>,
    commits: FlatMap<u64, Vec<(NodeId, u64, Command)>>,
    /// Sequence numbers this replica prepared in the view of its accepted pre-prepare.
    prepared: FlatSet<u64>,
    /// The last certificate prepared at each sequence number (for view changes).
    certs: FlatMap<u64, (u64, Command)>,
    /// Committed claims from others, for catching up: f + 1 matching suffice.
    claims: FlatMap<u64, Vec<(NodeId, Command)>>,
    /// Requests heard of and not yet executed (a reason to expect progress); the primary
    /// orders them from here.
    pub(super) heard: FlatMap<RequestId, Command>,
    /// Ticks with work pending and no progress; view changes in a row without progress.
    pub(super) stalled: u32,
    pub(super) attempts: u32,
    /// Between a view change and the new view's start.
    pub(super) changing: bool,
    /// View changes heard, by view.
    pub(super) vc: FlatMap<u64, FlatMap<NodeId, ViewClaim>>,
    /// The new-view message this replica sent as primary of its view, to resend.
    new_view: Option<PbftMsg>,
    committed: FlatMap<u64, (u64, Command)>,
    executed: u64,
    kv: KvStore,
    /// Results of the requests executed here, to resend a reply.
    results: FlatMap<RequestId, (NodeId, KvResult)>,
    /// The primary's next sequence number, and the requests it ordered.
    next_seq: u64,
    ordered: FlatMap<RequestId, u64>,
    /// As a proxy: the requests waiting for f + 1 matching replies, and the replies heard.
    waiting: FlatMap<RequestId, KvOp>,
    votes: FlatMap<RequestId, Votes>,
    /// The last stable checkpoint (the low-water mark), the state there and its digest.
    stable: u64,
    stable_state: Snapshot,
    stable_digest: u64,
    /// This replica's own checkpoints not yet stable, and the checkpoint messages heard
    /// past the stable one: by sequence number, who reached which digest.
    own_checkpoints: FlatMap<u64, (u64, Snapshot)>,
    checkpoints: FlatMap<u64, FlatMap<NodeId, u64>>,
    /// States offered to this replica while it is behind, by sequence number and digest.
    offers: FlatMap<(u64, u64), Snapshot>,
}

type PCtx<'a> = Ctx<'a, PbftNode>;

/// How many sequence numbers past the stable checkpoint are open (PBFT's high-water mark
/// is the low-water mark plus this): the primary orders no further, and a backup takes no
/// pre-prepare beyond.
const WINDOW: u64 = 64;

/// A replica takes a checkpoint each time it has executed this many sequence numbers.
pub const CHECKPOINT_EVERY: u64 = 16;

impl PbftNode {
    pub fn view(&self) -> u64 {
        self.view
    }

    pub fn primary_of(&self, view: u64) -> NodeId {
        NodeId((view % self.nodes as u64) as u32)
    }

    pub fn is_primary(&self) -> bool {
        self.primary_of(self.view) == self.id
    }

    pub fn f(&self) -> usize {
        faults(self.nodes)
    }

    pub fn committed(&self) -> &FlatMap<u64, (u64, Command)> {
        &self.committed
    }

    /// The last prepared certificate at each sequence number: the view and the request.
    pub fn certs(&self) -> &FlatMap<u64, (u64, Command)> {
        &self.certs
    }

    /// Between asking for a view and its start.
    pub fn changing(&self) -> bool {
        self.changing
    }

    pub fn accepted(&self) -> &FlatMap<u64, (u64, Command)> {
        &self.accepted
    }

    pub fn executed(&self) -> u64 {
        self.executed
    }

    /// The last stable checkpoint (the low-water mark).
    pub fn stable(&self) -> u64 {
        self.stable
    }

    /// The sequence numbers this replica takes pre-prepares for: past the low-water mark,
    /// up to the high-water mark.
    pub fn watermarks(&self) -> (u64, u64) {
        (self.stable, self.stable + WINDOW)
    }

    pub fn kv(&self) -> &KvStore {
        &self.kv
    }

    pub fn waiting(&self) -> &FlatMap<RequestId, KvOp> {
        &self.waiting
    }

    fn commit(&mut self, ctx: &mut PCtx, seq: u64, view: u64, cmd: Command) {
        self.committed.insert(seq, (view, cmd.clone()));
        ctx.persist(PbftWrite::Commit {
            view,
            seq,
            cmd: cmd.clone(),
        });
        ctx.note(PbftNote::Commits {
            seq,
            cmd: cmd.clone(),
        });
        ctx.record(PbftNote::Commits { seq, cmd });
    }

    fn broadcast(&mut self, ctx: &mut PCtx, msg: PbftMsg) {
        for p in ctx.peers() {
            ctx.send(p, msg.clone());
        }
    }

    fn tick(&mut self, ctx: &mut PCtx) {
        if self.expects_progress() || self.changing {
            self.stalled += 1;
            // Wait longer after each view change that brought no progress.
            if self.stalled >= self.config.patience << self.attempts.min(2) {
                self.attempts += 1;
                if let Some(next) = self.next_view() {
                    self.start_view_change(ctx, next);
                } else {
                    self.stalled = 0;
                }
            } else if self.changing {
                self.announce_view_change(ctx);
            }
        } else {
            self.stalled = 0;
        }
        // The oldest requests still waiting go out again, to every replica.
        let pending: Vec<(RequestId, KvOp)> = self
            .waiting
            .iter()
            .take(WINDOW as usize / 4)
            .map(|(r, o)| (*r, o.clone()))
            .collect();
        for (req, op) in pending {
            let cmd = Command::Client {
                req,
                origin: self.id,
                op,
            };
            self.submit(ctx, cmd, true);
        }
        // Resend this replica's part in every sequence number not yet executed.
        let open: Vec<(u64, (u64, Command))> = self
            .accepted
            .range(self.executed + 1..)
            .take(16)
            .map(|(s, e)| (*s, e.clone()))
            .collect();
        for (seq, (view, cmd)) in open {
            if view != self.view {
                continue;
            }
            if self.primary_of(view) == self.id {
                self.broadcast(
                    ctx,
                    PbftMsg::PrePrepare {
                        view,
                        seq,
                        cmd: cmd.clone(),
                    },
                );
            } else {
                self.broadcast(
                    ctx,
                    PbftMsg::Prepare {
                        view,
                        seq,
                        cmd: cmd.clone(),
                    },
                );
            }
            if self.prepared.contains(&seq) || self.committed.contains_key(&seq) {
                self.broadcast(ctx, PbftMsg::Commit { view, seq, cmd });
            }
        }
        let status = PbftMsg::Status {
            view: self.view,
            executed: self.executed,
        };
        self.broadcast(ctx, status);
        // The newest checkpoint again, for whoever lost it (a checkpoint must reach 2f + 1
        // to become stable, and a replica behind needs f + 1 to trust a state).
        let newest = match self.own_checkpoints.iter().next_back() {
            Some((&seq, &(digest, _))) => Some((seq, digest)),
            None => (self.stable > 0).then_some((self.stable, self.stable_digest)),
        };
        if let Some((seq, digest)) = newest {
            self.broadcast(ctx, PbftMsg::Checkpoint { seq, digest });
        }
        ctx.set_timer(PbftTimer::Tick, self.config.tick_us);
    }

    fn handle(&mut self, ctx: &mut PCtx, from: NodeId, msg: PbftMsg) {
        match msg {
            PbftMsg::Request { cmd } => self.on_request(ctx, cmd),
            PbftMsg::PrePrepare { view, seq, cmd } => {
                // Only between the watermarks: a primary cannot run far ahead of the
                // stable checkpoint (nor exhaust the sequence numbers).
                if seq <= self.stable + WINDOW {
                    self.on_pre_prepare(ctx, from, view, seq, cmd)
                }
            }
            PbftMsg::Prepare { view, seq, cmd } => self.on_vote(ctx, from, view, seq, cmd, false),
            PbftMsg::Commit { view, seq, cmd } => self.on_vote(ctx, from, view, seq, cmd, true),
            PbftMsg::Reply { req, result } => self.on_reply(ctx, from, req, result),
            PbftMsg::Status { view, executed } => self.on_status(ctx, from, view, executed),
            PbftMsg::Committed { seq, cmd } => self.on_committed(ctx, from, seq, cmd),
            PbftMsg::ViewChange { view, claim } => self.on_view_change(ctx, from, view, claim),
            PbftMsg::NewView {
                view,
                from: start,
                proof,
                pre_prepares,
            } => self.on_new_view(ctx, from, view, start, proof, pre_prepares),
            PbftMsg::Checkpoint { seq, digest } => self.on_checkpoint(ctx, from, seq, digest),
            PbftMsg::State { seq, snapshot } => self.on_state(ctx, from, seq, snapshot),
        }
    }
}

impl Protocol for PbftNode {
    type Msg = PbftMsg;
    type Timer = PbftTimer;
    type Disk = PbftDisk;
    type Config = PbftConfig;
    type Note = PbftNote;
    const ROLES: &'static [crate::protocol::RoleDesc] = super::roles::ALL;

    /// What must be up for the service to answer: a quorum of 2f + 1 of the 3f + 1 replicas.
    fn needs(_config: &Self::Config, nodes: usize) -> crate::availability::Needs {
        crate::availability::Needs::AtLeast(nodes - (nodes - 1) / 3)
    }

    fn boot(id: NodeId, nodes: usize, config: &PbftConfig, disk: &PbftDisk) -> Self {
        let mut node = PbftNode {
            id,
            nodes,
            config: config.clone(),
            view: disk.view,
            accepted: disk.accepted.clone(),
            prepares: FlatMap::new(),
            commits: FlatMap::new(),
            prepared: FlatSet::from_iter(disk.committed.keys().copied()),
            certs: disk.certs.clone(),
            claims: FlatMap::new(),
            heard: FlatMap::new(),
            stalled: 0,
            attempts: 0,
            changing: disk.view > 0 && !disk.entered,
            vc: FlatMap::new(),
            new_view: None,
            committed: disk.committed.clone(),
            executed: 0,
            kv: KvStore::default(),
            results: FlatMap::new(),
            next_seq: disk
                .accepted
                .keys()
                .next_back()
                .copied()
                .unwrap_or(0)
                .max(disk.stable.0)
                + 1,
            ordered: FlatMap::new(),
            waiting: FlatMap::new(),
            votes: FlatMap::new(),
            stable: disk.stable.0,
            stable_state: disk.stable.1.clone(),
            stable_digest: disk.stable.1.digest(),
            own_checkpoints: FlatMap::new(),
            checkpoints: FlatMap::new(),
            offers: FlatMap::new(),
        };
        for (seq, (_, cmd)) in &disk.accepted {
            if let Command::Client { req, .. } = cmd {
                node.ordered.insert(*req, *seq);
            }
        }
        // The store is rebuilt from the stable checkpoint and the committed requests past
        // it on disk.
        node.kv = disk.stable.1.kv.clone();
        node.results = disk.stable.1.results.clone();
        node.executed = disk.stable.0;
        while let Some((_, cmd)) = node.committed.get(&(node.executed + 1)).cloned() {
            node.executed += 1;
            if let Command::Client { req, origin, op } = cmd {
                if let Some(result) = node.kv.apply(req, &op) {
                    node.results.insert(req, (origin, result));
                }
            }
            if node.executed.is_multiple_of(CHECKPOINT_EVERY) {
                let snapshot = node.snapshot();
                node.own_checkpoints
                    .insert(node.executed, (snapshot.digest(), snapshot));
            }
        }
        node
    }

    fn on_start(&mut self, ctx: &mut PCtx) {
        ctx.set_timer(PbftTimer::Tick, self.config.tick_us);
    }

    fn on_recover(&mut self, ctx: &mut PCtx) {
        ctx.set_timer(PbftTimer::Tick, self.config.tick_us);
    }

    fn on_message(&mut self, ctx: &mut PCtx, from: NodeId, msg: PbftMsg) {
        self.handle(ctx, from, msg);
    }

    fn on_timer(&mut self, ctx: &mut PCtx, timer: PbftTimer) {
        match timer {
            PbftTimer::Tick => self.tick(ctx),
        }
    }

    fn on_client_request(&mut self, ctx: &mut PCtx, req: RequestId, op: KvOp) {
        self.waiting.insert(req, op.clone());
        let cmd = Command::Client {
            req,
            origin: self.id,
            op,
        };
        self.submit(ctx, cmd, false);
    }

    fn stored(&self, key: Key) -> Vec<Value> {
        self.kv.data().get(&key).copied().into_iter().collect()
    }

    fn timer_text(timer: &PbftTimer) -> String {
        match timer {
            PbftTimer::Tick => "resend what is pending".into(),
        }
    }

    fn status(&self) -> NodeStatus {
        NodeStatus {
            role: if self.is_primary() && !self.changing {
                PRIMARY
            } else {
                BACKUP
            },
            term: self.view,
            log_len: self.accepted.keys().next_back().copied().unwrap_or(0),
            commit: self.executed,
        }
    }

    fn invariants(_config: &PbftConfig, nodes: usize) -> Vec<Box<dyn Invariant<Self>>> {
        super::checkers::safety(nodes)
    }

    fn end_properties(_config: &PbftConfig, _nodes: usize) -> Vec<Box<dyn EndProperty<Self>>> {
        super::checkers::at_end()
    }

    fn lie(
        behaviour: &str,
        from: NodeId,
        to: NodeId,
        msg: PbftMsg,
        _rng: &mut SimRng,
    ) -> Option<PbftMsg> {
        lies::lie(behaviour, from, to, msg)
    }
}
