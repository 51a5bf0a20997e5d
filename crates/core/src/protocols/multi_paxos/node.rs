//! One Multi-Paxos node: acceptor, learner and replica, and leader when its ballot wins.
//! Its state, forwarding of clients' requests and the engine's entry points are here; what
//! it does as each role is in a file of its own (`leader`, `acceptor`, `learner`, which
//! also catches up).

use super::roles::{FOLLOWER, LEADER};
use super::{MpConfig, MpDisk, MpMsg, MpNote, MpTimer, Report};
use crate::check::{EndProperty, Invariant};
use crate::client::{Key, KvOp, KvResult, Value};
use crate::flat::{FlatMap, FlatSet};
use crate::ids::{NodeId, RequestId};
use crate::protocol::{Ctx, NodeStatus, Protocol, Role};
use crate::protocols::paxos::Ballot;
use crate::protocols::raft::{Command, KvStore};
use crate::protocols::shared::{route, Route};
use crate::time::Micros;

mod acceptor;
mod leader;
mod learner;

#[derive(Clone, Debug)]
pub struct MpNode {
    id: NodeId,
    nodes: usize,
    config: MpConfig,
    // The acceptor.
    promised: Option<Ballot>,
    accepted: FlatMap<u64, (Ballot, Command)>,
    // The learner and replica.
    chosen: FlatMap<u64, Command>,
    applied: u64,
    kv: KvStore,
    waiting: FlatSet<RequestId>,
    // The proposer.
    role: Role,
    round: u64,
    highest: u64,
    ballot: Option<Ballot>,
    leader: Option<NodeId>,
    /// A candidate's first open slot and the promises so far.
    from: u64,
    promises: FlatMap<NodeId, Vec<Report>>,
    /// A leader's proposals not yet chosen, with the acceptors that accepted each.
    proposals: FlatMap<u64, (Command, FlatSet<NodeId>)>,
    next_slot: u64,
}

type MCtx<'a> = Ctx<'a, MpNode>;

impl MpNode {
    pub fn role(&self) -> Role {
        self.role
    }

    pub fn promised(&self) -> Option<Ballot> {
        self.promised
    }

    pub fn accepted(&self) -> &FlatMap<u64, (Ballot, Command)> {
        &self.accepted
    }

    pub fn chosen(&self) -> &FlatMap<u64, Command> {
        &self.chosen
    }

    /// Slots applied to the store, 1 to this one.
    pub fn applied(&self) -> u64 {
        self.applied
    }

    pub fn kv(&self) -> &KvStore {
        &self.kv
    }

    pub fn ballot(&self) -> Option<Ballot> {
        self.ballot
    }

    pub fn leader(&self) -> Option<NodeId> {
        self.leader
    }

    pub fn open_proposals(&self) -> usize {
        self.proposals.len()
    }

    fn majority(&self) -> usize {
        self.nodes / 2 + 1
    }

    /// The first slot this node has not seen chosen.
    fn first_open(&self) -> u64 {
        let mut s = self.applied + 1;
        while self.chosen.contains_key(&s) {
            s += 1;
        }
        s
    }

    fn election_wait(&self, ctx: &mut MCtx) -> Micros {
        ctx.random_between(self.config.election_us, 2 * self.config.election_us)
    }

    fn reset_election(&self, ctx: &mut MCtx) {
        let wait = self.election_wait(ctx);
        ctx.set_timer(MpTimer::Election, wait);
    }

    fn broadcast(&mut self, ctx: &mut MCtx, msg: MpMsg) {
        for peer in ctx.peers() {
            ctx.send(peer, msg.clone());
        }
        let me = self.id;
        self.handle(ctx, me, msg);
    }

    fn send(&mut self, ctx: &mut MCtx, to: NodeId, msg: MpMsg) {
        if to == self.id {
            self.handle(ctx, to, msg);
        } else {
            ctx.send(to, msg);
        }
    }

    fn submit(&mut self, ctx: &mut MCtx, req: RequestId, origin: NodeId, op: KvOp, hops: u8) {
        match route(self.id, self.role == LEADER, self.leader, hops) {
            Route::Here => {
                let slot = self.next_slot;
                self.next_slot += 1;
                self.propose(ctx, slot, Command::Client { req, origin, op });
            }
            Route::Forward { to, hops } => ctx.send(
                to,
                MpMsg::Forward {
                    req,
                    origin,
                    op,
                    hops,
                },
            ),
            Route::Nowhere if origin == self.id => {
                // Proposed nowhere: a definite failure is the truth.
                self.waiting.remove(&req);
                ctx.reply(req, KvResult::Unavailable);
            }
            Route::Nowhere => {} // a forward with nowhere to go; the client will time out
        }
    }

    fn handle(&mut self, ctx: &mut MCtx, from: NodeId, msg: MpMsg) {
        match &msg {
            MpMsg::Prepare { ballot, .. }
            | MpMsg::Promise { ballot, .. }
            | MpMsg::Accept { ballot, .. }
            | MpMsg::Accepted { ballot, .. }
            | MpMsg::Heartbeat { ballot, .. } => self.highest = self.highest.max(ballot.round),
            MpMsg::Nack { promised, .. } => self.highest = self.highest.max(promised.round),
            _ => {}
        }
        match msg {
            MpMsg::Prepare {
                ballot,
                from: first,
            } => self.on_prepare(ctx, from, ballot, first),
            MpMsg::Promise { ballot, accepted } => self.on_promise(ctx, from, ballot, accepted),
            MpMsg::Accept { ballot, slot, cmd } => self.on_accept(ctx, from, ballot, slot, cmd),
            MpMsg::Accepted { ballot, slot } => self.on_accepted(ctx, from, ballot, slot),
            MpMsg::Nack { ballot, promised } => {
                if self.ballot == Some(ballot) && promised > ballot {
                    self.step_down(ctx, promised);
                }
            }
            MpMsg::Chosen { slot, cmd } => self.learn(ctx, slot, cmd),
            MpMsg::Heartbeat { ballot, upto } => self.on_heartbeat(ctx, from, ballot, upto),
            MpMsg::Fetch { from: first } => self.on_fetch(ctx, from, first),
            MpMsg::Forward {
                req,
                origin,
                op,
                hops,
            } => self.submit(ctx, req, origin, op, hops),
        }
    }
}

impl Protocol for MpNode {
    type Msg = MpMsg;
    type Timer = MpTimer;
    type Disk = MpDisk;
    type Config = MpConfig;
    type Note = MpNote;
    const ROLES: &'static [crate::protocol::RoleDesc] = super::roles::ALL;

    fn boot(id: NodeId, nodes: usize, config: &MpConfig, disk: &MpDisk) -> Self {
        let mut node = MpNode {
            id,
            nodes,
            config: config.clone(),
            promised: disk.promised,
            accepted: disk.accepted.clone(),
            chosen: disk.chosen.clone(),
            applied: 0,
            kv: KvStore::default(),
            waiting: FlatSet::new(),
            role: FOLLOWER,
            round: disk.round,
            highest: disk.round.max(disk.promised.map_or(0, |b| b.round)),
            ballot: None,
            leader: None,
            from: 1,
            promises: FlatMap::new(),
            proposals: FlatMap::new(),
            next_slot: 1,
        };
        // The store is rebuilt from the chosen slots on disk.
        while let Some(cmd) = node.chosen.get(&(node.applied + 1)) {
            node.applied += 1;
            if let Command::Client { req, op, .. } = cmd {
                node.kv.apply(*req, op);
            }
        }
        node
    }

    fn on_start(&mut self, ctx: &mut MCtx) {
        self.reset_election(ctx);
    }

    fn on_recover(&mut self, ctx: &mut MCtx) {
        self.reset_election(ctx);
    }

    fn on_message(&mut self, ctx: &mut MCtx, from: NodeId, msg: MpMsg) {
        self.handle(ctx, from, msg);
    }

    fn on_timer(&mut self, ctx: &mut MCtx, timer: MpTimer) {
        match timer {
            MpTimer::Election if self.role != LEADER => self.stand(ctx),
            MpTimer::Election => {}
            MpTimer::Heartbeat if self.role == LEADER => {
                self.heartbeat(ctx);
                ctx.set_timer(MpTimer::Heartbeat, self.config.heartbeat_us());
            }
            MpTimer::Heartbeat => {}
        }
    }

    fn on_client_request(&mut self, ctx: &mut MCtx, req: RequestId, op: KvOp) {
        self.waiting.insert(req);
        self.submit(ctx, req, self.id, op, 0);
    }

    fn stored(&self, key: Key) -> Vec<Value> {
        self.kv.data().get(&key).copied().into_iter().collect()
    }

    fn timer_text(timer: &MpTimer) -> String {
        match timer {
            MpTimer::Election => "no word from a leader: prepare a higher ballot",
            MpTimer::Heartbeat => "heartbeat",
        }
        .into()
    }

    fn status(&self) -> NodeStatus {
        NodeStatus {
            role: self.role,
            term: self.highest,
            log_len: self.chosen.keys().next_back().copied().unwrap_or(0),
            commit: self.applied,
        }
    }

    fn invariants(_config: &MpConfig, nodes: usize) -> Vec<Box<dyn Invariant<Self>>> {
        super::checkers::safety(nodes)
    }

    fn end_properties(_config: &MpConfig, _nodes: usize) -> Vec<Box<dyn EndProperty<Self>>> {
        super::checkers::at_end()
    }
}
