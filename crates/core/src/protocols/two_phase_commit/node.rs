//! A two-phase commit node: n0 coordinates, every other node is a participant.

use super::msg::{TpcDisk, TpcMsg, TpcNote, TpcTimer, TpcWrite, Txn, Why};
use super::{roles, TpcBug, TpcConfig, GAP_US};
use crate::client::{KvOp, KvResult};
use crate::flat::{FlatMap, FlatSet};
use crate::ids::{NodeId, RequestId};
use crate::protocol::{Ctx, NodeStatus, Protocol};

pub const COORDINATOR: NodeId = NodeId(0);

/// The coordinator's view of one transaction.
#[derive(Clone, Debug, Default)]
pub struct Round {
    pub votes: FlatMap<NodeId, bool>,
    pub acked: FlatSet<NodeId>,
}

#[derive(Clone, Debug)]
pub struct TpcNode {
    id: NodeId,
    nodes: usize,
    config: TpcConfig,
    /// Coordinator: every transaction it began, with its votes (its decision is in
    /// `decided`).
    rounds: FlatMap<Txn, Round>,
    /// Participant: its vote on each transaction it was asked about.
    votes: FlatMap<Txn, bool>,
    /// The decisions it knows (the same as its disk's, plus any it did not write down).
    decided: FlatMap<Txn, bool>,
    /// Transactions it is in doubt about and has said so.
    doubts_told: FlatSet<Txn>,
}

impl TpcNode {
    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn is_coordinator(&self) -> bool {
        self.id == COORDINATOR
    }

    pub fn rounds(&self) -> &FlatMap<Txn, Round> {
        &self.rounds
    }

    pub fn votes(&self) -> &FlatMap<Txn, bool> {
        &self.votes
    }

    pub fn decided(&self) -> &FlatMap<Txn, bool> {
        &self.decided
    }

    /// Transactions it voted yes on and knows no decision for.
    pub fn in_doubt(&self) -> impl Iterator<Item = Txn> + '_ {
        self.votes
            .iter()
            .filter(|(t, yes)| **yes && !self.decided.contains_key(t))
            .map(|(t, _)| *t)
    }

    fn participants(&self) -> impl Iterator<Item = NodeId> {
        (1..self.nodes as u32).map(NodeId)
    }

    /// Records a decision (on disk unless told not to), once.
    fn learn(&mut self, ctx: &mut Ctx<'_, Self>, txn: Txn, commit: bool, write: bool) -> bool {
        if self.decided.contains_key(&txn) {
            return false;
        }
        if write {
            ctx.persist(TpcWrite::Decide(txn, commit));
        }
        self.decided.insert(txn, commit);
        ctx.record(TpcNote::Decided { txn, commit });
        true
    }

    // --- the coordinator ---

    fn begin_next(&mut self, ctx: &mut Ctx<'_, Self>) {
        let txn = self.rounds.keys().next_back().map_or(1, |t| t + 1);
        if txn > self.config.transactions {
            return;
        }
        ctx.persist(TpcWrite::Begin(txn));
        self.rounds.insert(txn, Round::default());
        ctx.note(TpcNote::Begins(txn));
        for p in self.participants() {
            ctx.send(p, TpcMsg::Prepare { txn });
        }
        if self.nodes == 1 {
            self.decide(ctx, txn, true, Why::AllYes);
            return;
        }
        ctx.set_timer(TpcTimer::Votes(txn), self.config.timeout_us);
    }

    fn decide(&mut self, ctx: &mut Ctx<'_, Self>, txn: Txn, commit: bool, why: Why) {
        let write = !self.config.has(TpcBug::ForgetDecision);
        if !self.learn(ctx, txn, commit, write) {
            return;
        }
        ctx.cancel_timer(TpcTimer::Votes(txn));
        ctx.note(TpcNote::Decides { txn, commit, why });
        self.send_decision(ctx, txn);
        ctx.set_timer(TpcTimer::Next, GAP_US);
    }

    /// Sends `txn`'s decision to every participant that has not acknowledged it, and
    /// arms the timer to do it again.
    fn send_decision(&mut self, ctx: &mut Ctx<'_, Self>, txn: Txn) {
        let (Some(r), Some(&commit)) = (self.rounds.get(&txn), self.decided.get(&txn)) else {
            return;
        };
        let waiting: Vec<NodeId> = self
            .participants()
            .filter(|p| !r.acked.contains(p))
            .collect();
        for &p in &waiting {
            ctx.send(p, TpcMsg::Decision { txn, commit });
        }
        if !waiting.is_empty() {
            ctx.set_timer(TpcTimer::Resend(txn), self.config.timeout_us);
        }
    }

    fn on_vote(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeId, txn: Txn, yes: bool) {
        let Some(r) = self.rounds.get_mut(&txn) else {
            return;
        };
        r.votes.entry(from).or_insert(yes);
        if self.decided.contains_key(&txn) {
            return;
        }
        if !yes {
            self.decide(ctx, txn, false, Why::VotedNo(from));
        } else if r.votes.values().filter(|y| **y).count() == self.nodes - 1 {
            self.decide(ctx, txn, true, Why::AllYes);
        }
    }

    fn on_votes_overdue(&mut self, ctx: &mut Ctx<'_, Self>, txn: Txn) {
        let Some(r) = self.rounds.get(&txn) else {
            return;
        };
        if self.decided.contains_key(&txn) {
            return;
        }
        let missing = self
            .participants()
            .find(|p| !r.votes.contains_key(p))
            .unwrap_or(COORDINATOR);
        let commit = self.config.has(TpcBug::TimeoutCommits);
        self.decide(ctx, txn, commit, Why::NoVoteFrom(missing));
    }

    // --- a participant ---

    fn on_prepare(&mut self, ctx: &mut Ctx<'_, Self>, txn: Txn) {
        let vote = match (self.votes.get(&txn), self.decided.get(&txn)) {
            (Some(&v), _) => v,       // asked again: the same answer
            (None, Some(_)) => false, // aborted before it was asked (cooperative)
            (None, None) => {
                let yes = ctx.random_between(0, 99) >= self.config.no_percent;
                self.votes.insert(txn, yes);
                ctx.record(TpcNote::Voted { txn, yes });
                if yes {
                    ctx.persist(TpcWrite::Ready(txn));
                    ctx.note(TpcNote::VotesYes(txn));
                    ctx.set_timer(TpcTimer::Doubt(txn), self.config.timeout_us);
                } else {
                    ctx.note(TpcNote::VotesNo(txn));
                    self.learn(ctx, txn, false, true);
                }
                yes
            }
        };
        ctx.send(COORDINATOR, TpcMsg::Vote { txn, yes: vote });
    }

    fn on_decision(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeId, txn: Txn, commit: bool) {
        if self.learn(ctx, txn, commit, true) {
            ctx.cancel_timer(TpcTimer::Doubt(txn));
            ctx.note(TpcNote::Applies { txn, commit, from });
        }
        if from == COORDINATOR {
            ctx.send(COORDINATOR, TpcMsg::Ack { txn });
        }
    }

    fn on_doubt(&mut self, ctx: &mut Ctx<'_, Self>, txn: Txn) {
        if self.decided.contains_key(&txn) || self.votes.get(&txn) != Some(&true) {
            return;
        }
        if self.config.has(TpcBug::UnilateralAbort) {
            ctx.note(TpcNote::GivesUp(txn));
            self.learn(ctx, txn, false, true);
            return;
        }
        if self.doubts_told.insert(txn) {
            ctx.note(TpcNote::InDoubt(txn));
        }
        ctx.send(COORDINATOR, TpcMsg::Ask { txn });
        if self.config.cooperative {
            let me = self.id;
            for p in self.participants().filter(|&p| p != me) {
                ctx.send(p, TpcMsg::Ask { txn });
            }
        }
        ctx.set_timer(TpcTimer::Doubt(txn), self.config.timeout_us);
    }

    fn on_ask(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeId, txn: Txn) {
        if let Some(&commit) = self.decided.get(&txn) {
            ctx.send(from, TpcMsg::Decision { txn, commit });
            return;
        }
        // A participant that never voted can still refuse: it aborts, and will vote no.
        if !self.is_coordinator() && !self.votes.contains_key(&txn) {
            ctx.note(TpcNote::AbortsUnvoted { txn, asker: from });
            self.learn(ctx, txn, false, true);
            ctx.send(from, TpcMsg::Decision { txn, commit: false });
        }
    }

    /// What its card shows of a transaction it took part in.
    pub fn state_of(&self, txn: Txn) -> String {
        match (self.votes.get(&txn), self.decided.get(&txn)) {
            (_, Some(true)) => "committed".into(),
            (_, Some(false)) => "aborted".into(),
            (Some(true), None) => "in doubt (voted yes)".into(),
            (Some(false), None) => "voted no".into(),
            (None, None) => "not asked".into(),
        }
    }
}

impl Protocol for TpcNode {
    type Msg = TpcMsg;
    type Timer = TpcTimer;
    type Disk = TpcDisk;
    type Config = TpcConfig;
    type Note = TpcNote;

    const ROLES: &'static [crate::protocol::RoleDesc] = roles::ALL;

    fn boot(id: NodeId, nodes: usize, config: &TpcConfig, disk: &TpcDisk) -> Self {
        let rounds = FlatMap::from_iter(disk.begun.iter().map(|&t| (t, Round::default())));
        let votes: FlatMap<Txn, bool> = FlatMap::from_iter(disk.ready.iter().map(|&t| (t, true)));
        TpcNode {
            id,
            nodes,
            config: config.clone(),
            rounds,
            votes,
            decided: disk.decided.clone(),
            doubts_told: FlatSet::new(),
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        if self.is_coordinator() {
            ctx.set_timer(TpcTimer::Next, GAP_US / 2);
        }
    }

    fn on_recover(&mut self, ctx: &mut Ctx<'_, Self>) {
        if self.is_coordinator() {
            let (decided, open): (Vec<Txn>, Vec<Txn>) = self
                .rounds
                .keys()
                .partition(|t| self.decided.contains_key(t));
            for txn in decided {
                self.send_decision(ctx, txn);
            }
            for txn in open {
                // Never told "commit" without writing it first: aborting is safe.
                self.decide(ctx, txn, false, Why::Restarted);
            }
            ctx.set_timer(TpcTimer::Next, GAP_US);
        } else {
            let doubts: Vec<Txn> = self.in_doubt().collect();
            for txn in doubts {
                ctx.set_timer(TpcTimer::Doubt(txn), self.config.timeout_us);
            }
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeId, msg: TpcMsg) {
        match msg {
            TpcMsg::Prepare { txn } if !self.is_coordinator() => self.on_prepare(ctx, txn),
            TpcMsg::Vote { txn, yes } if self.is_coordinator() => self.on_vote(ctx, from, txn, yes),
            TpcMsg::Decision { txn, commit } if !self.is_coordinator() => {
                self.on_decision(ctx, from, txn, commit)
            }
            TpcMsg::Ack { txn } if self.is_coordinator() => {
                if let Some(r) = self.rounds.get_mut(&txn) {
                    r.acked.insert(from);
                }
            }
            TpcMsg::Ask { txn } => self.on_ask(ctx, from, txn),
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, timer: TpcTimer) {
        match timer {
            TpcTimer::Next => {
                let open = self.rounds.keys().any(|t| !self.decided.contains_key(t));
                if !open {
                    self.begin_next(ctx);
                }
            }
            TpcTimer::Votes(txn) => self.on_votes_overdue(ctx, txn),
            TpcTimer::Resend(txn) => self.send_decision(ctx, txn),
            TpcTimer::Doubt(txn) => self.on_doubt(ctx, txn),
        }
    }

    fn on_client_request(&mut self, ctx: &mut Ctx<'_, Self>, req: RequestId, _op: KvOp) {
        ctx.reply(req, KvResult::Unavailable);
    }

    fn status(&self) -> NodeStatus {
        let role = if self.is_coordinator() {
            roles::COORDINATOR
        } else if self.in_doubt().next().is_some() {
            roles::IN_DOUBT
        } else {
            roles::PARTICIPANT
        };
        let txn = self
            .rounds
            .keys()
            .chain(self.votes.keys())
            .max()
            .copied()
            .unwrap_or(0);
        NodeStatus {
            role,
            term: u64::from(txn),
            log_len: 0,
            commit: 0,
        }
    }

    fn timer_text(timer: &TpcTimer) -> String {
        match timer {
            TpcTimer::Next => "begin the next transaction".into(),
            TpcTimer::Votes(t) => format!("votes for t{t} overdue"),
            TpcTimer::Resend(t) => format!("send the decision on t{t} again"),
            TpcTimer::Doubt(t) => format!("still in doubt about t{t}: ask again"),
        }
    }

    fn invariants(config: &TpcConfig, nodes: usize) -> Vec<Box<dyn crate::check::Invariant<Self>>> {
        super::checkers::safety(config, nodes)
    }

    fn end_properties(
        config: &TpcConfig,
        nodes: usize,
    ) -> Vec<Box<dyn crate::check::EndProperty<Self>>> {
        super::checkers::at_end(config, nodes)
    }
}
