//! A two-phase commit node: n0 coordinates, every other node is a participant.

use super::msg::{TpcDisk, TpcMsg, TpcNote, TpcTimer, TpcWrite, Txn, Why};
use super::{roles, TpcBug, TpcConfig, GAP_US};
use crate::client::{KvOp, KvResult};
use crate::flat::{FlatMap, FlatSet};
use crate::ids::{NodeId, RequestId};
use crate::protocol::{Ctx, NodeStatus, Protocol};
use crate::time::Micros;

pub const COORDINATOR: NodeId = NodeId(0);

/// The coordinator's view of one transaction.
#[derive(Clone, Debug, Default)]
pub struct Round {
    pub votes: FlatMap<NodeId, bool>,
    pub acked: FlatSet<NodeId>,
    /// Three phases: pre-commit sent, and who acknowledged it.
    pub precommitting: bool,
    pub pre_acked: FlatSet<NodeId>,
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
    /// Three phases, a participant: the transactions it is pre-committed to.
    precommitted: FlatSet<Txn>,
    /// Three phases, a participant running the termination protocol: for each transaction,
    /// whether it has asked the others (a round under way) and the states heard since
    /// (participant to pre-committed).
    heard: FlatMap<Txn, FlatMap<NodeId, bool>>,
    /// Three phases, a participant that took over: the participants whose acknowledgement
    /// of its pre-commit it still awaits.
    taking_over: FlatMap<Txn, FlatSet<NodeId>>,
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

    /// Three phases: the transactions it is pre-committed to.
    pub fn precommitted(&self) -> &FlatSet<Txn> {
        &self.precommitted
    }

    /// Three phases: the transactions it has taken over as coordinator and not yet decided.
    pub fn taken_over(&self) -> impl Iterator<Item = Txn> + '_ {
        self.taking_over.keys().copied()
    }

    pub fn config(&self) -> &TpcConfig {
        &self.config
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
        self.heard.remove(&txn);
        self.taking_over.remove(&txn);
        true
    }

    /// How long a participant waits for the coordinator's next word before asking: with
    /// three phases, longer than a phase of the coordinator's can take (its timeout, and a
    /// message's way), so that silence means a crash.
    fn doubt_wait(&self) -> Micros {
        if self.config.three_phase() {
            2 * self.config.timeout_us
        } else {
            self.config.timeout_us
        }
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
            if self.config.three_phase() {
                self.pre_commit(ctx, txn);
            } else {
                self.decide(ctx, txn, true, Why::AllYes);
            }
        }
    }

    /// Three phases: every participant voted yes; tell them all before anyone commits.
    fn pre_commit(&mut self, ctx: &mut Ctx<'_, Self>, txn: Txn) {
        let Some(r) = self.rounds.get_mut(&txn) else {
            return;
        };
        if r.precommitting {
            return;
        }
        r.precommitting = true;
        ctx.cancel_timer(TpcTimer::Votes(txn));
        ctx.note(TpcNote::PreCommits(txn));
        for p in self.participants() {
            ctx.send(p, TpcMsg::PreCommit { txn });
        }
        ctx.set_timer(TpcTimer::PreAcks(txn), self.config.timeout_us);
    }

    fn on_pre_ack(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeId, txn: Txn) {
        if !self.is_coordinator() {
            // A participant that took over.
            let Some(waiting) = self.taking_over.get_mut(&txn) else {
                return;
            };
            waiting.remove(&from);
            if waiting.is_empty() {
                self.finish_take_over(ctx, txn);
            }
            return;
        }
        let Some(r) = self.rounds.get_mut(&txn) else {
            return;
        };
        r.pre_acked.insert(from);
        if r.precommitting
            && r.pre_acked.len() == self.nodes - 1
            && !self.decided.contains_key(&txn)
        {
            self.decide(ctx, txn, true, Why::AllPreCommitted);
        }
    }

    fn on_pre_acks_overdue(&mut self, ctx: &mut Ctx<'_, Self>, txn: Txn) {
        if !self.is_coordinator() {
            if self.taking_over.contains_key(&txn) {
                self.finish_take_over(ctx, txn);
            }
            return;
        }
        let Some(r) = self.rounds.get(&txn) else {
            return;
        };
        if !r.precommitting || self.decided.contains_key(&txn) {
            return;
        }
        // A participant that does not answer in time has crashed (the model's promise):
        // everyone else is pre-committed, so committing is safe.
        let missing = self
            .participants()
            .find(|p| !r.pre_acked.contains(p))
            .unwrap_or(COORDINATOR);
        self.decide(ctx, txn, true, Why::NoPreAckFrom(missing));
    }

    fn on_votes_overdue(&mut self, ctx: &mut Ctx<'_, Self>, txn: Txn) {
        let Some(r) = self.rounds.get(&txn) else {
            return;
        };
        if self.decided.contains_key(&txn) || r.precommitting {
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
                    ctx.set_timer(TpcTimer::Doubt(txn), self.doubt_wait());
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
            ctx.cancel_timer(TpcTimer::PreAcks(txn));
            ctx.note(TpcNote::Applies { txn, commit, from });
        }
        if from == COORDINATOR {
            ctx.send(COORDINATOR, TpcMsg::Ack { txn });
        }
    }

    /// Three phases: a restarted coordinator hears what the participants decided without
    /// it, and tells the rest.
    fn on_decision_after_restart(
        &mut self,
        ctx: &mut Ctx<'_, Self>,
        from: NodeId,
        txn: Txn,
        commit: bool,
    ) {
        if !self.rounds.contains_key(&txn) || !self.learn(ctx, txn, commit, true) {
            return;
        }
        ctx.cancel_timer(TpcTimer::Doubt(txn));
        ctx.note(TpcNote::Applies { txn, commit, from });
        self.send_decision(ctx, txn);
        ctx.set_timer(TpcTimer::Next, GAP_US);
    }

    // --- three phases: pre-commit and the termination protocol ---

    fn on_pre_commit(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeId, txn: Txn) {
        if self.decided.contains_key(&txn) || self.votes.get(&txn) != Some(&true) {
            return;
        }
        if self.precommitted.insert(txn) {
            ctx.persist(TpcWrite::PreCommit(txn));
            ctx.note(TpcNote::PreCommitted { txn, from });
            if !self.taking_over.contains_key(&txn) {
                ctx.set_timer(TpcTimer::Doubt(txn), self.doubt_wait());
                self.heard.remove(&txn);
            }
        }
        ctx.send(from, TpcMsg::PreAck { txn });
    }

    fn on_state(&mut self, from: NodeId, txn: Txn, precommitted: bool) {
        if let Some(heard) = self.heard.get_mut(&txn) {
            heard.insert(from, precommitted);
        }
    }

    /// Three phases: the coordinator has been silent about `txn` too long. Weighs what the
    /// last round of questions brought (a decision would have ended the wait already): with
    /// an answer from a lower-numbered participant it leaves the termination to that one;
    /// otherwise it takes over. Then, if not taking over, asks everyone again.
    fn terminate(&mut self, ctx: &mut Ctx<'_, Self>, txn: Txn) {
        if self.taking_over.contains_key(&txn) {
            return;
        }
        let me = self.id;
        if let Some(heard) = self.heard.get(&txn).cloned() {
            let lower = heard.keys().any(|&p| p < me);
            if !lower {
                self.take_over(ctx, txn, &heard);
                return;
            }
        } else if self.doubts_told.insert(txn) {
            ctx.note(TpcNote::CoordinatorSilent {
                txn,
                precommitted: self.precommitted.contains(&txn),
            });
        }
        self.heard.insert(txn, FlatMap::new());
        ctx.send(COORDINATOR, TpcMsg::Ask { txn });
        for p in self.participants().filter(|&p| p != me) {
            ctx.send(p, TpcMsg::Ask { txn });
        }
        ctx.set_timer(TpcTimer::Doubt(txn), self.config.timeout_us);
    }

    /// Three phases: it heard from no lower-numbered participant; it finishes `txn` as
    /// coordinator with the states in `heard`.
    fn take_over(&mut self, ctx: &mut Ctx<'_, Self>, txn: Txn, heard: &FlatMap<NodeId, bool>) {
        let me = self.id;
        let precommitted = if self.precommitted.contains(&txn) {
            Some(me)
        } else {
            heard.iter().find(|(_, pre)| **pre).map(|(p, _)| *p)
        };
        ctx.note(TpcNote::TakesOver {
            txn,
            reached: heard.keys().copied().collect(),
            precommitted,
        });
        if precommitted.is_none() {
            self.learn(ctx, txn, false, true);
            ctx.note(TpcNote::Decides {
                txn,
                commit: false,
                why: Why::TakeOverNonePreCommitted,
            });
            for p in self.participants().filter(|&p| p != me) {
                ctx.send(p, TpcMsg::Decision { txn, commit: false });
            }
            return;
        }
        if self.precommitted.insert(txn) {
            ctx.persist(TpcWrite::PreCommit(txn));
        }
        let waiting = FlatSet::from_iter(heard.iter().filter(|(_, pre)| !**pre).map(|(p, _)| *p));
        for &p in waiting.iter() {
            ctx.send(p, TpcMsg::PreCommit { txn });
        }
        let done = waiting.is_empty();
        self.taking_over.insert(txn, waiting);
        if done {
            self.finish_take_over(ctx, txn);
        } else {
            ctx.set_timer(TpcTimer::PreAcks(txn), self.config.timeout_us);
        }
    }

    /// Three phases: the participants it reached are pre-committed (or silent: crashed); it
    /// commits and tells every participant.
    fn finish_take_over(&mut self, ctx: &mut Ctx<'_, Self>, txn: Txn) {
        ctx.cancel_timer(TpcTimer::PreAcks(txn));
        if !self.learn(ctx, txn, true, true) {
            return;
        }
        ctx.note(TpcNote::Decides {
            txn,
            commit: true,
            why: Why::TakeOverPreCommitted,
        });
        let me = self.id;
        for p in self.participants().filter(|&p| p != me) {
            ctx.send(p, TpcMsg::Decision { txn, commit: true });
        }
    }

    fn on_doubt(&mut self, ctx: &mut Ctx<'_, Self>, txn: Txn) {
        if self.is_coordinator() {
            // Three phases, restarted: ask until some participant tells the outcome.
            if self.rounds.contains_key(&txn) && !self.decided.contains_key(&txn) {
                for p in self.participants() {
                    ctx.send(p, TpcMsg::Ask { txn });
                }
                ctx.set_timer(TpcTimer::Doubt(txn), self.config.timeout_us);
            }
            return;
        }
        if self.decided.contains_key(&txn) || self.votes.get(&txn) != Some(&true) {
            return;
        }
        if self.config.has(TpcBug::UnilateralAbort) {
            ctx.note(TpcNote::GivesUp(txn));
            self.learn(ctx, txn, false, true);
            return;
        }
        if self.config.three_phase() {
            self.terminate(ctx, txn);
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
            return;
        }
        // Three phases: one in doubt tells how far it got.
        if self.config.three_phase() && !self.is_coordinator() {
            let precommitted = self.precommitted.contains(&txn);
            ctx.send(from, TpcMsg::State { txn, precommitted });
        }
    }

    /// What its card shows of a transaction it took part in.
    pub fn state_of(&self, txn: Txn) -> String {
        match (self.votes.get(&txn), self.decided.get(&txn)) {
            (_, Some(true)) => "committed".into(),
            (_, Some(false)) => "aborted".into(),
            (Some(true), None) if self.taking_over.contains_key(&txn) => {
                if self.precommitted.contains(&txn) {
                    "finishing it as coordinator (pre-committed)".into()
                } else {
                    "finishing it as coordinator (voted yes)".into()
                }
            }
            (Some(true), None) if self.precommitted.contains(&txn) => "pre-committed".into(),
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

    /// What must be up for the service to answer: every participant and the coordinator: one that is down blocks the commit.
    fn needs(_config: &Self::Config, nodes: usize) -> crate::availability::Needs {
        crate::availability::Needs::AtLeast(nodes)
    }

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
            precommitted: disk.precommitted.clone(),
            heard: FlatMap::new(),
            taking_over: FlatMap::new(),
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
                if self.config.three_phase() {
                    // The participants may have committed it without the coordinator.
                    ctx.note(TpcNote::AsksAfterRestart(txn));
                    for p in self.participants() {
                        ctx.send(p, TpcMsg::Ask { txn });
                    }
                    ctx.set_timer(TpcTimer::Doubt(txn), self.config.timeout_us);
                    continue;
                }
                // Never told "commit" without writing it first: aborting is safe.
                self.decide(ctx, txn, false, Why::Restarted);
            }
            ctx.set_timer(TpcTimer::Next, GAP_US);
        } else {
            let doubts: Vec<Txn> = self.in_doubt().collect();
            let wait = self.doubt_wait();
            for txn in doubts {
                ctx.set_timer(TpcTimer::Doubt(txn), wait);
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
            TpcMsg::Decision { txn, commit } if self.config.three_phase() => {
                self.on_decision_after_restart(ctx, from, txn, commit)
            }
            TpcMsg::PreCommit { txn } if !self.is_coordinator() => {
                self.on_pre_commit(ctx, from, txn)
            }
            TpcMsg::PreAck { txn } => self.on_pre_ack(ctx, from, txn),
            TpcMsg::State { txn, precommitted } if !self.is_coordinator() => {
                self.on_state(from, txn, precommitted)
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
            TpcTimer::PreAcks(txn) => self.on_pre_acks_overdue(ctx, txn),
        }
    }

    fn on_client_request(&mut self, ctx: &mut Ctx<'_, Self>, req: RequestId, _op: KvOp) {
        ctx.reply(req, KvResult::Unavailable);
    }

    fn status(&self) -> NodeStatus {
        let role = if self.is_coordinator() {
            roles::COORDINATOR
        } else if self.in_doubt().any(|t| self.precommitted.contains(&t)) {
            roles::PRE_COMMITTED
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
            TpcTimer::PreAcks(t) => format!("acknowledgements of the pre-commit of t{t} overdue"),
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
