//! One node: an acceptor and a learner, and for the first few nodes a proposer too.

use super::{PaxosBug, PaxosConfig, RetryWait};
use crate::check::{EndProperty, Invariant};
use crate::ids::NodeId;
use crate::protocol::{Ctx, Durable, Message, NodeStatus, Note, Protocol};
use crate::rng::SimRng;
use crate::time::{Micros, Pretty};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A ballot (Lamport's proposal number): a round, and the proposer that uses it, so that no
/// two proposers ever use the same ballot. Ordered by round, then by proposer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ballot {
    pub round: u64,
    pub proposer: u32,
}

impl fmt::Display for Ballot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.round, self.proposer)
    }
}

/// A value a proposer proposes: proposer `n1` proposes `v1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Val(pub u32);

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

/// An acceptance in words: `v1 in ballot 2.0`, or `nothing`.
pub fn accepted_text(accepted: Option<(Ballot, Val)>) -> String {
    match accepted {
        Some((b, v)) => format!("{v} in ballot {b}"),
        None => "nothing".into(),
    }
}

fn ballot_text(ballot: Option<Ballot>) -> String {
    ballot.map_or("none".into(), |b| b.to_string())
}

/// Nodes as `n0, n2, n4`.
pub fn names(nodes: &BTreeSet<NodeId>) -> String {
    let names: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
    names.join(", ")
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaxosMsg {
    /// Phase 1a, proposer to acceptors: promise me `ballot`.
    Prepare { ballot: Ballot },
    /// Phase 1b: the promise, with the highest-ballot value the acceptor accepted, if any.
    Promise {
        ballot: Ballot,
        accepted: Option<(Ballot, Val)>,
    },
    /// Phase 2a, proposer to acceptors: accept `value` in `ballot`.
    Accept { ballot: Ballot, value: Val },
    /// Phase 2b, acceptor to every learner: it accepted `value` in `ballot`.
    Accepted { ballot: Ballot, value: Val },
    /// An acceptor refuses `ballot`: it promised the higher `promised`.
    Nack { ballot: Ballot, promised: Ballot },
    /// A learner that knows nothing yet asks whether a value was chosen.
    Ask,
    /// The answer of a learner that knows: `value` was chosen.
    Decided { value: Val },
}

impl Message for PaxosMsg {
    fn kind(&self) -> &'static str {
        match self {
            PaxosMsg::Prepare { .. } => "Prepare",
            PaxosMsg::Promise { .. } => "Promise",
            PaxosMsg::Accept { .. } => "Accept",
            PaxosMsg::Accepted { .. } => "Accepted",
            PaxosMsg::Nack { .. } => "Nack",
            PaxosMsg::Ask => "Ask",
            PaxosMsg::Decided { .. } => "Decided",
        }
    }

    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let bump = |b: Ballot, rng: &mut SimRng| Ballot {
            round: b.round + rng.range(1, 3),
            ..b
        };
        match self.clone() {
            PaxosMsg::Prepare { ballot } => PaxosMsg::Prepare {
                ballot: bump(ballot, rng),
            },
            PaxosMsg::Promise { ballot, accepted } => PaxosMsg::Promise {
                ballot,
                accepted: match accepted {
                    Some(_) => None,
                    None => Some((ballot, Val(rng.range(0, 8) as u32))),
                },
            },
            PaxosMsg::Accept { ballot, value } => PaxosMsg::Accept {
                ballot,
                value: Val(value.0 + 1),
            },
            PaxosMsg::Accepted { ballot, value } => PaxosMsg::Accepted {
                ballot: bump(ballot, rng),
                value,
            },
            PaxosMsg::Nack { ballot, promised } => PaxosMsg::Nack {
                ballot,
                promised: bump(promised, rng),
            },
            PaxosMsg::Ask => PaxosMsg::Decided {
                value: Val(rng.range(0, 8) as u32),
            },
            PaxosMsg::Decided { value } => PaxosMsg::Decided {
                value: Val(value.0 + 1),
            },
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            PaxosMsg::Prepare { ballot } => vec![("ballot", ballot.to_string())],
            PaxosMsg::Promise { ballot, accepted } => vec![
                ("ballot", ballot.to_string()),
                ("accepted before", accepted_text(*accepted)),
            ],
            PaxosMsg::Accept { ballot, value } | PaxosMsg::Accepted { ballot, value } => {
                vec![("ballot", ballot.to_string()), ("value", value.to_string())]
            }
            PaxosMsg::Nack { ballot, promised } => vec![
                ("refuses", ballot.to_string()),
                ("promised", promised.to_string()),
            ],
            PaxosMsg::Ask => vec![("asks", "which value was chosen".into())],
            PaxosMsg::Decided { value } => vec![("chosen", value.to_string())],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum PaxosTimer {
    /// A proposer's ballot got no answer from a majority in time, or its pause after being
    /// preempted is over: it prepares a higher ballot.
    Retry,
    /// A learner that knows nothing yet asks the others.
    Ask,
    /// A proposer whose start is staggered begins (see `PaxosConfig::stagger_us`).
    Start,
}

/// What a node writes down: as an acceptor, its promise and its acceptance; as a
/// proposer, the highest round it used; as a learner, the value it learned.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PaxosDisk {
    pub promised: Option<Ballot>,
    pub accepted: Option<(Ballot, Val)>,
    pub round: u64,
    pub learned: Option<Val>,
}

#[derive(Clone, Debug, Serialize)]
pub enum PaxosWrite {
    /// An acceptor's promise; with `kept` false (the `forget-promise` bug) it stays in
    /// memory and the write records nothing.
    Promise { ballot: Ballot, kept: bool },
    /// An acceptance (which is also a promise of its ballot); `kept` as for a promise.
    Accept {
        ballot: Ballot,
        value: Val,
        kept: bool,
    },
    /// A proposer's round, written before its ballot is used, so that a restarted
    /// proposer never uses the same ballot for another value.
    Round(u64),
    /// The value a learner learned.
    Learned(Val),
}

impl Durable for PaxosDisk {
    type Write = PaxosWrite;

    fn apply(&mut self, write: PaxosWrite) {
        match write {
            PaxosWrite::Promise { ballot, kept: true } => self.promised = Some(ballot),
            PaxosWrite::Accept {
                ballot,
                value,
                kept: true,
            } => {
                self.promised = Some(ballot);
                self.accepted = Some((ballot, value));
            }
            PaxosWrite::Promise { .. } | PaxosWrite::Accept { .. } => {}
            PaxosWrite::Round(round) => self.round = round,
            PaxosWrite::Learned(value) => self.learned = Some(value),
        }
    }
}

/// What a node tells the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum PaxosNote {
    Prepares {
        ballot: Ballot,
    },
    Retries {
        ballot: Ballot,
    },
    Promises {
        ballot: Ballot,
        accepted: Option<(Ballot, Val)>,
    },
    /// With promises from a majority, it proposes `value`: the one accepted in `adopted`
    /// if a promise reported one, else its own. `ignored` is a report it set aside (the
    /// `ignore-promised-values` bug).
    Proposes {
        ballot: Ballot,
        value: Val,
        adopted: Option<Ballot>,
        ignored: Option<(Ballot, Val)>,
    },
    Accepts {
        ballot: Ballot,
        value: Val,
    },
    Refuses {
        ballot: Ballot,
        promised: Ballot,
        accept: bool,
    },
    Preempted {
        ballot: Ballot,
        by: Ballot,
        after: Micros,
    },
    Learns {
        value: Val,
        ballot: Ballot,
        by: BTreeSet<NodeId>,
    },
    Told {
        value: Val,
        by: NodeId,
    },
    Asks,
}

impl Note for PaxosNote {
    fn text(&self) -> String {
        match self {
            PaxosNote::Prepares { ballot } => {
                format!("prepares ballot {ballot} and asks every acceptor for a promise")
            }
            PaxosNote::Retries { ballot } => format!(
                "has no answer from a majority for ballot {ballot} and tries a higher ballot"
            ),
            PaxosNote::Promises { ballot, accepted } => match accepted {
                Some(_) => format!(
                    "promises ballot {ballot} and reports that it accepted {}",
                    accepted_text(*accepted)
                ),
                None => format!("promises ballot {ballot}; it has accepted nothing"),
            },
            PaxosNote::Proposes {
                ballot,
                value,
                adopted,
                ignored,
            } => match (adopted, ignored) {
                (Some(b), _) => format!(
                    "has promises from a majority for ballot {ballot} and proposes {value}, which a promise reported accepted in ballot {b}"
                ),
                (None, Some((b, v))) => format!(
                    "has promises from a majority for ballot {ballot} and proposes its own {value}, ignoring that {v} was accepted in ballot {b}"
                ),
                (None, None) => format!(
                    "has promises from a majority for ballot {ballot}; none reported an accepted value, so it proposes its own {value}"
                ),
            },
            PaxosNote::Accepts { ballot, value } => format!("accepts {value} in ballot {ballot}"),
            PaxosNote::Refuses {
                ballot,
                promised,
                accept,
            } => format!(
                "refuses to {} ballot {ballot}: it promised the higher ballot {promised}",
                if *accept { "accept in" } else { "promise" }
            ),
            PaxosNote::Preempted { ballot, by, after: 0 } => {
                format!("is preempted in ballot {ballot} by ballot {by} and retries at once")
            }
            PaxosNote::Preempted { ballot, by, after } => format!(
                "is preempted in ballot {ballot} by ballot {by} and will retry in {}",
                Pretty(*after)
            ),
            PaxosNote::Learns { value, ballot, by } => {
                format!("learns {value} (accepted by {} in ballot {ballot})", names(by))
            }
            PaxosNote::Told { value, by } => format!("learns {value} from {by}, which knew it"),
            PaxosNote::Asks => "knows no chosen value yet and asks the others".into(),
        }
    }

    /// Promises, acceptances and questions are routine; phases, refusals, preemption and
    /// learning are the story.
    fn is_routine(&self) -> bool {
        matches!(
            self,
            PaxosNote::Promises { .. } | PaxosNote::Accepts { .. } | PaxosNote::Asks
        )
    }
}

/// Where a proposer is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not trying: waiting to try again, or done.
    Idle,
    /// Phase 1: the promises received so far for `ballot`, with what each reported.
    Preparing {
        ballot: Ballot,
        promises: BTreeMap<NodeId, Option<(Ballot, Val)>>,
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
    votes: BTreeMap<Ballot, (Val, BTreeSet<NodeId>)>,
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

    fn start_ballot(&mut self, ctx: &mut PCtx) {
        let round = self.round.max(self.highest) + 1;
        self.round = round;
        self.highest = self.highest.max(round);
        ctx.persist(PaxosWrite::Round(round));
        let ballot = Ballot {
            round,
            proposer: self.id.0,
        };
        self.phase = Phase::Preparing {
            ballot,
            promises: BTreeMap::new(),
        };
        ctx.note(PaxosNote::Prepares { ballot });
        let wait = self.pause(ctx);
        ctx.set_timer(PaxosTimer::Retry, wait);
        self.broadcast(ctx, PaxosMsg::Prepare { ballot });
    }

    fn kept(&self) -> bool {
        !self.config.has(PaxosBug::ForgetPromise)
    }

    fn on_prepare(&mut self, ctx: &mut PCtx, from: NodeId, ballot: Ballot) {
        match self.promised {
            Some(promised) if promised > ballot => {
                ctx.note(PaxosNote::Refuses {
                    ballot,
                    promised,
                    accept: false,
                });
                self.send(ctx, from, PaxosMsg::Nack { ballot, promised });
            }
            _ => {
                if self.promised != Some(ballot) {
                    self.promised = Some(ballot);
                    ctx.persist(PaxosWrite::Promise {
                        ballot,
                        kept: self.kept(),
                    });
                    ctx.note(PaxosNote::Promises {
                        ballot,
                        accepted: self.accepted,
                    });
                }
                let accepted = self.accepted;
                self.send(ctx, from, PaxosMsg::Promise { ballot, accepted });
            }
        }
    }

    fn on_promise(
        &mut self,
        ctx: &mut PCtx,
        from: NodeId,
        ballot: Ballot,
        accepted: Option<(Ballot, Val)>,
    ) {
        let majority = self.majority();
        let Phase::Preparing {
            ballot: mine,
            promises,
        } = &mut self.phase
        else {
            return;
        };
        if *mine != ballot {
            return;
        }
        promises.insert(from, accepted);
        if promises.len() < majority {
            return;
        }
        // The highest-ballot acceptance reported: its value may have been chosen.
        let reported = promises.values().flatten().max_by_key(|(b, _)| *b).copied();
        let (value, adopted, ignored) = match reported {
            Some((b, v)) if !self.config.has(PaxosBug::IgnorePromisedValues) => (v, Some(b), None),
            _ => (self.own_value(), None, reported),
        };
        self.phase = Phase::Proposing { ballot, value };
        ctx.note(PaxosNote::Proposes {
            ballot,
            value,
            adopted,
            ignored,
        });
        self.broadcast(ctx, PaxosMsg::Accept { ballot, value });
    }

    fn on_accept(&mut self, ctx: &mut PCtx, from: NodeId, ballot: Ballot, value: Val) {
        if let Some(promised) = self.promised.filter(|&p| p > ballot) {
            ctx.note(PaxosNote::Refuses {
                ballot,
                promised,
                accept: true,
            });
            self.send(ctx, from, PaxosMsg::Nack { ballot, promised });
            return;
        }
        if self.accepted != Some((ballot, value)) {
            self.promised = Some(ballot);
            self.accepted = Some((ballot, value));
            ctx.persist(PaxosWrite::Accept {
                ballot,
                value,
                kept: self.kept(),
            });
            ctx.note(PaxosNote::Accepts { ballot, value });
        }
        self.broadcast(ctx, PaxosMsg::Accepted { ballot, value });
    }

    fn on_accepted(&mut self, ctx: &mut PCtx, from: NodeId, ballot: Ballot, value: Val) {
        let majority = self.majority();
        let (_, by) = self
            .votes
            .entry(ballot)
            .or_insert_with(|| (value, BTreeSet::new()));
        by.insert(from);
        if self.learned.is_some() || by.len() < majority {
            return;
        }
        let by = by.clone();
        self.learned_how = format!("accepted by {} in ballot {ballot}", names(&by));
        ctx.note(PaxosNote::Learns { value, ballot, by });
        self.learn(ctx, value);
    }

    fn learn(&mut self, ctx: &mut PCtx, value: Val) {
        self.learned = Some(value);
        ctx.persist(PaxosWrite::Learned(value));
        self.phase = Phase::Idle;
        ctx.cancel_timer(PaxosTimer::Retry);
        ctx.cancel_timer(PaxosTimer::Ask);
    }

    fn on_nack(&mut self, ctx: &mut PCtx, ballot: Ballot, promised: Ballot) {
        let mine = match &self.phase {
            Phase::Preparing { ballot, .. } | Phase::Proposing { ballot, .. } => *ballot,
            Phase::Idle => return,
        };
        if mine != ballot || promised <= ballot {
            return;
        }
        self.phase = Phase::Idle;
        let after = match self.config.retry {
            RetryWait::AtOnce => 0,
            _ => self.pause(ctx),
        };
        ctx.set_timer(PaxosTimer::Retry, after);
        ctx.note(PaxosNote::Preempted {
            ballot,
            by: promised,
            after,
        });
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
            votes: BTreeMap::new(),
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
