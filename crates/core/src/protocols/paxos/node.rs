//! One node: an acceptor and a learner, and for the first few nodes a proposer too. Its
//! state and the engine's entry points are here; what it does as each role is in a file of
//! its own (`proposer`, `acceptor`, `learner`).

use super::msg::ballot_text;
use super::{Ballot, PaxosConfig, PaxosDisk, PaxosMsg, PaxosNote, PaxosTimer, RetryWait, Val};
use crate::check::{EndProperty, Invariant};
use crate::flat::{FlatMap, FlatSet};
use crate::ids::NodeId;
use crate::protocol::{Ctx, NodeStatus, Protocol};
use crate::time::Micros;

mod acceptor;
mod learner;
mod proposer;

/// Where a proposer is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not trying: waiting to try again, or done.
    Idle,
    /// Phase 1: the promises received so far for `ballot`, with what each reported.
    Preparing {
        ballot: Ballot,
        promises: FlatMap<NodeId, Option<(Ballot, Val)>>,
    },
    /// Phase 2: asking the acceptors to accept `value` in `ballot`.
    Proposing { ballot: Ballot, value: Val },
}

#[derive(Clone, Debug)]
pub struct PaxosNode {
    id: NodeId,
    nodes: usize,
    config: PaxosConfig,
    // The acceptor.
    promised: Option<Ballot>,
    accepted: Option<(Ballot, Val)>,
    // The proposer.
    round: u64,
    phase: Phase,
    /// The highest round it has seen in any ballot.
    highest: u64,
    // The learner.
    learned: Option<Val>,
    /// Who told it, in words (`accepted by n0, n1, n2 in ballot 1.0`).
    learned_how: String,
    /// The acceptors heard to accept, by ballot.
    votes: FlatMap<Ballot, (Val, FlatSet<NodeId>)>,
}

type PCtx<'a> = Ctx<'a, PaxosNode>;

impl PaxosNode {
    pub fn is_proposer(&self) -> bool {
        self.id.0 < self.config.proposers
    }

    /// The value this node proposes if no promise reports another.
    pub fn own_value(&self) -> Val {
        Val(self.id.0)
    }

    pub fn promised(&self) -> Option<Ballot> {
        self.promised
    }

    pub fn accepted(&self) -> Option<(Ballot, Val)> {
        self.accepted
    }

    pub fn learned(&self) -> Option<Val> {
        self.learned
    }

    pub fn learned_how(&self) -> &str {
        &self.learned_how
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    /// The value it asks acceptors to accept, in phase 2.
    pub fn proposing(&self) -> Option<(Ballot, Val)> {
        match self.phase {
            Phase::Proposing { ballot, value } => Some((ballot, value)),
            _ => None,
        }
    }

    pub fn round(&self) -> u64 {
        self.round
    }

    fn majority(&self) -> usize {
        self.nodes / 2 + 1
    }

    /// How long to wait before trying a higher ballot: after starting one (in case its
    /// messages are lost), or after it was overtaken.
    fn pause(&self, ctx: &mut PCtx) -> Micros {
        match self.config.retry {
            RetryWait::Random => ctx.random_between(self.config.retry_us, 2 * self.config.retry_us),
            RetryWait::Fixed | RetryWait::AtOnce => self.config.retry_us,
        }
    }

    /// Sends `msg` to every node, itself included (handled at once, in this step).
    fn broadcast(&mut self, ctx: &mut PCtx, msg: PaxosMsg) {
        for peer in ctx.peers() {
            ctx.send(peer, msg.clone());
        }
        let me = self.id;
        self.handle(ctx, me, msg);
    }

    /// Sends `msg` to `to`, which may be itself.
    fn send(&mut self, ctx: &mut PCtx, to: NodeId, msg: PaxosMsg) {
        if to == self.id {
            self.handle(ctx, to, msg);
        } else {
            ctx.send(to, msg);
        }
    }

    fn handle(&mut self, ctx: &mut PCtx, from: NodeId, msg: PaxosMsg) {
        match msg {
            PaxosMsg::Prepare { ballot }
            | PaxosMsg::Promise { ballot, .. }
            | PaxosMsg::Accept { ballot, .. }
            | PaxosMsg::Accepted { ballot, .. } => self.highest = self.highest.max(ballot.round),
            PaxosMsg::Nack { promised, .. } => self.highest = self.highest.max(promised.round),
            PaxosMsg::Ask | PaxosMsg::Decided { .. } => {}
        }
        match msg {
            PaxosMsg::Prepare { ballot } => self.on_prepare(ctx, from, ballot),
            PaxosMsg::Promise { ballot, accepted } => self.on_promise(ctx, from, ballot, accepted),
            PaxosMsg::Accept { ballot, value } => self.on_accept(ctx, from, ballot, value),
            PaxosMsg::Accepted { ballot, value } => self.on_accepted(ctx, from, ballot, value),
            PaxosMsg::Nack { ballot, promised } => self.on_nack(ctx, ballot, promised),
            PaxosMsg::Ask => {
                if let Some(value) = self.learned {
                    self.send(ctx, from, PaxosMsg::Decided { value });
                }
            }
            PaxosMsg::Decided { value } => {
                if self.learned.is_none() {
                    self.learned_how = format!("told by {from}");
                    ctx.note(PaxosNote::Told { value, by: from });
                    self.learn(ctx, value);
                }
            }
        }
    }

    /// How long a learner waits before asking the others what was chosen.
    fn ask_after(&self, ctx: &mut PCtx) -> Micros {
        ctx.random_between(3 * self.config.retry_us, 6 * self.config.retry_us)
    }

    /// Sets the timer of whatever this node still has to do.
    fn resume(&mut self, ctx: &mut PCtx) {
        if self.learned.is_some() {
            return;
        }
        if self.is_proposer() {
            let wait = self.pause(ctx);
            ctx.set_timer(PaxosTimer::Retry, wait);
        } else {
            let wait = self.ask_after(ctx);
            ctx.set_timer(PaxosTimer::Ask, wait);
        }
    }
}

impl Protocol for PaxosNode {
    type Msg = PaxosMsg;
    type Timer = PaxosTimer;
    type Disk = PaxosDisk;
    type Config = PaxosConfig;
    type Note = PaxosNote;
    const ROLES: &'static [crate::protocol::RoleDesc] = super::roles::ALL;

    fn boot(id: NodeId, nodes: usize, config: &PaxosConfig, disk: &PaxosDisk) -> Self {
        PaxosNode {
            id,
            nodes,
            config: config.clone(),
            promised: disk.promised,
            accepted: disk.accepted,
            round: disk.round,
            phase: Phase::Idle,
            highest: disk.round.max(disk.promised.map_or(0, |b| b.round)),
            learned: disk.learned,
            learned_how: if disk.learned.is_some() {
                "read back from its disk".into()
            } else {
                String::new()
            },
            votes: FlatMap::new(),
        }
    }

    fn on_start(&mut self, ctx: &mut PCtx) {
        let start_after = u64::from(self.id.0) * self.config.stagger_us;
        if self.is_proposer() && start_after > 0 {
            ctx.set_timer(PaxosTimer::Start, start_after);
        } else if self.is_proposer() {
            self.start_ballot(ctx);
        } else {
            self.resume(ctx);
        }
    }

    fn on_recover(&mut self, ctx: &mut PCtx) {
        self.resume(ctx);
    }

    fn on_message(&mut self, ctx: &mut PCtx, from: NodeId, msg: PaxosMsg) {
        self.handle(ctx, from, msg);
    }

    fn on_timer(&mut self, ctx: &mut PCtx, timer: PaxosTimer) {
        if self.learned.is_some() {
            return;
        }
        match timer {
            PaxosTimer::Retry if self.is_proposer() => {
                if let Phase::Preparing { ballot, .. } | Phase::Proposing { ballot, .. } =
                    self.phase
                {
                    ctx.note(PaxosNote::Retries { ballot });
                }
                self.start_ballot(ctx);
            }
            PaxosTimer::Start if self.is_proposer() && self.phase == Phase::Idle => {
                self.start_ballot(ctx);
            }
            PaxosTimer::Retry | PaxosTimer::Start => {}
            PaxosTimer::Ask => {
                ctx.note(PaxosNote::Asks);
                for peer in ctx.peers() {
                    ctx.send(peer, PaxosMsg::Ask);
                }
                let wait = self.ask_after(ctx);
                ctx.set_timer(PaxosTimer::Ask, wait);
            }
        }
    }

    fn timer_text(timer: &PaxosTimer) -> String {
        match timer {
            PaxosTimer::Retry => "time to try a higher ballot",
            PaxosTimer::Ask => "time to ask the others whether a value was chosen",
            PaxosTimer::Start => "time to start proposing",
        }
        .into()
    }

    fn status(&self) -> NodeStatus {
        let role = match (&self.phase, self.is_proposer() && self.learned.is_none()) {
            (_, false) => super::roles::ACCEPTOR,
            (Phase::Proposing { .. }, true) => super::roles::PROPOSING,
            (_, true) => super::roles::PREPARING,
        };
        NodeStatus {
            role,
            term: self.highest,
            log_len: 0,
            commit: 0,
        }
    }

    fn invariants(_config: &PaxosConfig, nodes: usize) -> Vec<Box<dyn Invariant<Self>>> {
        super::checkers::safety(nodes)
    }

    fn end_properties(_config: &PaxosConfig, _nodes: usize) -> Vec<Box<dyn EndProperty<Self>>> {
        super::checkers::at_end()
    }
}

impl PaxosNode {
    /// Its number (2 for n2).
    pub fn id_number(&self) -> u32 {
        self.id.0
    }

    /// How many acceptors make a majority.
    pub fn majority_size(&self) -> usize {
        self.majority()
    }

    /// Its latest ballot in words (`none` before its first).
    pub fn ballot_text(&self) -> String {
        ballot_text((self.round > 0).then_some(Ballot {
            round: self.round,
            proposer: self.id.0,
        }))
    }
}
