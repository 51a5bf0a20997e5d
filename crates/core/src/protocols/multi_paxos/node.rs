//! One Multi-Paxos node: acceptor, learner and replica, and leader when its ballot wins.

use super::roles::{CANDIDATE, FOLLOWER, LEADER};
use super::{MpBug, MpConfig};
use crate::check::{EndProperty, Invariant};
use crate::client::{Key, KvOp, KvResult, Value};
use crate::describe;
use crate::ids::{NodeId, RequestId};
use crate::protocol::{Ctx, Durable, Message, NodeStatus, Note, Protocol, Role};
use crate::protocols::paxos::Ballot;
use crate::protocols::raft::{Command, KvStore};
use crate::rng::SimRng;
use crate::time::Micros;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A command in words: `no-op`, or `put k1=5 (r12)`.
pub fn command_text(cmd: &Command) -> String {
    match cmd {
        Command::Noop => "no-op".into(),
        Command::Client { req, op, .. } => format!("{} ({req})", describe::op(op)),
    }
}

/// An acceptance a promise reports: the slot, the ballot it was accepted in, the command.
pub type Report = (u64, Ballot, Command);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MpMsg {
    /// Phase 1a for every slot from `from` on.
    Prepare { ballot: Ballot, from: u64 },
    /// Phase 1b: the promise, with every acceptance in slots from the prepare's `from` on.
    Promise {
        ballot: Ballot,
        accepted: Vec<Report>,
    },
    /// Phase 2a: accept `cmd` in `slot` in `ballot`.
    Accept {
        ballot: Ballot,
        slot: u64,
        cmd: Command,
    },
    /// Phase 2b, to the leader.
    Accepted { ballot: Ballot, slot: u64 },
    /// A refusal: the acceptor promised the higher `promised`.
    Nack { ballot: Ballot, promised: Ballot },
    /// The leader tells every node that `cmd` was chosen in `slot`.
    Chosen { slot: u64, cmd: Command },
    /// The leader is alive; every slot up to `upto` is chosen.
    Heartbeat { ballot: Ballot, upto: u64 },
    /// A follower asks for the chosen slots from `from` on.
    Fetch { from: u64 },
    /// A client request passed on to the leader.
    Forward {
        req: RequestId,
        origin: NodeId,
        op: KvOp,
        hops: u8,
    },
}

impl Message for MpMsg {
    fn kind(&self) -> &'static str {
        match self {
            MpMsg::Prepare { .. } => "Prepare",
            MpMsg::Promise { .. } => "Promise",
            MpMsg::Accept { .. } => "Accept",
            MpMsg::Accepted { .. } => "Accepted",
            MpMsg::Nack { .. } => "Nack",
            MpMsg::Chosen { .. } => "Chosen",
            MpMsg::Heartbeat { .. } => "Heartbeat",
            MpMsg::Fetch { .. } => "Fetch",
            MpMsg::Forward { .. } => "Forward",
        }
    }

    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let bump = |b: Ballot, rng: &mut SimRng| Ballot {
            round: b.round + rng.range(1, 3),
            ..b
        };
        match self.clone() {
            MpMsg::Prepare { ballot, from } => MpMsg::Prepare {
                ballot: bump(ballot, rng),
                from,
            },
            MpMsg::Promise {
                ballot,
                mut accepted,
            } => {
                accepted.pop();
                MpMsg::Promise { ballot, accepted }
            }
            MpMsg::Accept { ballot, slot, .. } => MpMsg::Accept {
                ballot,
                slot,
                cmd: Command::Noop,
            },
            MpMsg::Accepted { ballot, slot } => MpMsg::Accepted {
                ballot,
                slot: slot + rng.range(1, 3),
            },
            MpMsg::Nack { ballot, promised } => MpMsg::Nack {
                ballot,
                promised: bump(promised, rng),
            },
            MpMsg::Chosen { slot, .. } => MpMsg::Chosen {
                slot,
                cmd: Command::Noop,
            },
            MpMsg::Heartbeat { ballot, upto } => MpMsg::Heartbeat {
                ballot,
                upto: upto + rng.range(1, 5),
            },
            MpMsg::Fetch { from } => MpMsg::Fetch {
                from: from + rng.range(1, 5),
            },
            MpMsg::Forward {
                req,
                origin,
                op,
                hops,
            } => MpMsg::Forward {
                req,
                origin,
                op: match op {
                    KvOp::Put { key, value } => KvOp::Put {
                        key,
                        value: value + rng.range(1, 9),
                    },
                    other => other,
                },
                hops,
            },
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            MpMsg::Prepare { ballot, from } => vec![
                ("ballot", ballot.to_string()),
                ("for slots from", from.to_string()),
            ],
            MpMsg::Promise { ballot, accepted } => {
                let shown: Vec<String> = accepted
                    .iter()
                    .take(4)
                    .map(|(slot, b, cmd)| format!("{slot}: {} in {b}", command_text(cmd)))
                    .collect();
                vec![
                    ("ballot", ballot.to_string()),
                    (
                        "accepted before",
                        if accepted.is_empty() {
                            "nothing".into()
                        } else {
                            format!("{} slots ({})", accepted.len(), shown.join(", "))
                        },
                    ),
                ]
            }
            MpMsg::Accept { ballot, slot, cmd } => vec![
                ("ballot", ballot.to_string()),
                ("slot", slot.to_string()),
                ("command", command_text(cmd)),
            ],
            MpMsg::Accepted { ballot, slot } => {
                vec![("ballot", ballot.to_string()), ("slot", slot.to_string())]
            }
            MpMsg::Nack { ballot, promised } => vec![
                ("refuses", ballot.to_string()),
                ("promised", promised.to_string()),
            ],
            MpMsg::Chosen { slot, cmd } => {
                vec![("slot", slot.to_string()), ("command", command_text(cmd))]
            }
            MpMsg::Heartbeat { ballot, upto } => vec![
                ("ballot", ballot.to_string()),
                ("chosen up to slot", upto.to_string()),
            ],
            MpMsg::Fetch { from } => vec![("missing from slot", from.to_string())],
            MpMsg::Forward {
                req,
                origin,
                op,
                hops,
            } => describe::forward_fields(*req, *origin, op, *hops),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum MpTimer {
    /// No word from a leader for a while: prepare a higher ballot.
    Election,
    /// A leader's heartbeat (and resend of accepts still open).
    Heartbeat,
}

/// What a node writes down: its promise, its acceptances, the chosen slots it knows, and
/// the highest round it used.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MpDisk {
    pub promised: Option<Ballot>,
    pub accepted: BTreeMap<u64, (Ballot, Command)>,
    pub chosen: BTreeMap<u64, Command>,
    pub round: u64,
}

#[derive(Clone, Debug, Serialize)]
pub enum MpWrite {
    /// A promise; with `kept` false (`forget-accepted`) the write records nothing.
    Promise {
        ballot: Ballot,
        kept: bool,
    },
    /// An acceptance; `kept` as for a promise.
    Accept {
        ballot: Ballot,
        slot: u64,
        cmd: Command,
        kept: bool,
    },
    Chosen {
        slot: u64,
        cmd: Command,
    },
    Round(u64),
}

impl Durable for MpDisk {
    type Write = MpWrite;

    fn apply(&mut self, write: MpWrite) {
        match write {
            MpWrite::Promise { ballot, kept: true } => self.promised = Some(ballot),
            MpWrite::Accept {
                ballot,
                slot,
                cmd,
                kept: true,
            } => {
                self.promised = Some(ballot);
                self.accepted.insert(slot, (ballot, cmd));
            }
            MpWrite::Promise { .. } | MpWrite::Accept { .. } => {}
            MpWrite::Chosen { slot, cmd } => {
                self.chosen.insert(slot, cmd);
            }
            MpWrite::Round(round) => self.round = round,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum MpNote {
    Stands {
        ballot: Ballot,
        from: u64,
    },
    Leads {
        ballot: Ballot,
        recovered: usize,
        gaps: usize,
        ignored: usize,
        next: u64,
    },
    StepsDown {
        ballot: Ballot,
        by: Ballot,
    },
    Proposes {
        slot: u64,
        cmd: Command,
    },
    Chooses {
        slot: u64,
        cmd: Command,
    },
    Refuses {
        ballot: Ballot,
        promised: Ballot,
    },
}

impl Note for MpNote {
    fn text(&self) -> String {
        match self {
            MpNote::Stands { ballot, from } => format!(
                "hears no leader and prepares ballot {ballot} for every slot from {from} on"
            ),
            MpNote::Leads {
                ballot,
                recovered,
                gaps,
                ignored,
                next,
            } => {
                let mut text = format!(
                    "leads with ballot {ballot}: it re-proposes {recovered} value{} the promises reported and fills {gaps} gap{} with no-ops; new commands go from slot {next} on",
                    if *recovered == 1 { "" } else { "s" },
                    if *gaps == 1 { "" } else { "s" }
                );
                if *ignored > 0 {
                    text = format!(
                        "leads with ballot {ballot}, ignoring {ignored} value{} the promises reported; new commands go from slot {next} on",
                        if *ignored == 1 { "" } else { "s" }
                    );
                }
                text
            }
            MpNote::StepsDown { ballot, by } => {
                format!("gives up ballot {ballot}: ballot {by} is higher")
            }
            MpNote::Proposes { slot, cmd } => {
                format!("proposes {} for slot {slot}", command_text(cmd))
            }
            MpNote::Chooses { slot, cmd } => format!(
                "hears from a majority: {} is chosen for slot {slot}",
                command_text(cmd)
            ),
            MpNote::Refuses { ballot, promised } => {
                format!("refuses ballot {ballot}: it promised the higher ballot {promised}")
            }
        }
    }

    fn is_routine(&self) -> bool {
        matches!(
            self,
            MpNote::Proposes { .. } | MpNote::Chooses { .. } | MpNote::Refuses { .. }
        )
    }
}

#[derive(Clone, Debug)]
pub struct MpNode {
    id: NodeId,
    nodes: usize,
    config: MpConfig,
    // The acceptor.
    promised: Option<Ballot>,
    accepted: BTreeMap<u64, (Ballot, Command)>,
    /// Every acceptance this node made since it booted, in order (for the checkers).
    accept_log: Vec<Report>,
    // The learner and replica.
    chosen: BTreeMap<u64, Command>,
    applied: u64,
    kv: KvStore,
    waiting: BTreeSet<RequestId>,
    // The proposer.
    role: Role,
    round: u64,
    highest: u64,
    ballot: Option<Ballot>,
    leader: Option<NodeId>,
    /// A candidate's first open slot and the promises so far.
    from: u64,
    promises: BTreeMap<NodeId, Vec<Report>>,
    /// A leader's proposals not yet chosen, with the acceptors that accepted each.
    proposals: BTreeMap<u64, (Command, BTreeSet<NodeId>)>,
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

    pub fn accepted(&self) -> &BTreeMap<u64, (Ballot, Command)> {
        &self.accepted
    }

    /// Every acceptance made since the node last booted, in order.
    pub fn accept_log(&self) -> &[Report] {
        &self.accept_log
    }

    pub fn chosen(&self) -> &BTreeMap<u64, Command> {
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

    fn kept(&self) -> bool {
        !self.config.has(MpBug::ForgetAccepted)
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

    fn step_down(&mut self, ctx: &mut MCtx, by: Ballot) {
        if self.role != FOLLOWER {
            if let Some(ballot) = self.ballot {
                ctx.note(MpNote::StepsDown { ballot, by });
            }
            self.role = FOLLOWER;
            self.proposals.clear();
            self.promises.clear();
            ctx.cancel_timer(MpTimer::Heartbeat);
            self.reset_election(ctx);
        }
        if self.leader == Some(self.id) {
            self.leader = None;
        }
    }

    fn stand(&mut self, ctx: &mut MCtx) {
        let round = self.round.max(self.highest) + 1;
        self.round = round;
        self.highest = round;
        ctx.persist(MpWrite::Round(round));
        let ballot = Ballot {
            round,
            proposer: self.id.0,
        };
        self.role = CANDIDATE;
        self.ballot = Some(ballot);
        self.leader = None;
        self.from = self.first_open();
        self.promises.clear();
        self.proposals.clear();
        ctx.note(MpNote::Stands {
            ballot,
            from: self.from,
        });
        self.reset_election(ctx);
        let from = self.from;
        self.broadcast(ctx, MpMsg::Prepare { ballot, from });
    }

    fn on_prepare(&mut self, ctx: &mut MCtx, from: NodeId, ballot: Ballot, first: u64) {
        if let Some(promised) = self.promised.filter(|&p| p > ballot) {
            ctx.note(MpNote::Refuses { ballot, promised });
            self.send(ctx, from, MpMsg::Nack { ballot, promised });
            return;
        }
        if self.promised != Some(ballot) {
            self.promised = Some(ballot);
            ctx.persist(MpWrite::Promise {
                ballot,
                kept: self.kept(),
            });
        }
        if from != self.id {
            // Someone else's ballot is at least as high: stop leading or standing.
            if self.ballot.is_some_and(|b| b < ballot) {
                self.step_down(ctx, ballot);
            }
            self.reset_election(ctx);
        }
        let accepted: Vec<Report> = self
            .accepted
            .range(first..)
            .map(|(&slot, (b, cmd))| (slot, *b, cmd.clone()))
            .collect();
        self.send(ctx, from, MpMsg::Promise { ballot, accepted });
    }

    fn on_promise(&mut self, ctx: &mut MCtx, from: NodeId, ballot: Ballot, accepted: Vec<Report>) {
        if self.role != CANDIDATE || self.ballot != Some(ballot) {
            return;
        }
        self.promises.insert(from, accepted);
        if self.promises.len() < self.majority() {
            return;
        }
        // Phase 1 is over for every slot from `from` on: recover what may be chosen.
        let mut best: BTreeMap<u64, (Ballot, Command)> = BTreeMap::new();
        for (slot, b, cmd) in self.promises.values().flatten() {
            if best.get(slot).is_none_or(|(old, _)| b > old) {
                best.insert(*slot, (*b, cmd.clone()));
            }
        }
        let ignore = self.config.has(MpBug::LeaderIgnoresAccepted);
        let last_reported = best.keys().next_back().copied().unwrap_or(0);
        let last_known = self.chosen.keys().next_back().copied().unwrap_or(0);
        let last = if ignore {
            last_known
        } else {
            last_reported.max(last_known)
        };
        let (mut recovered, mut gaps, mut ignored) = (0, 0, 0);
        let mut plan: Vec<(u64, Command)> = Vec::new();
        for slot in self.from..=last {
            if let Some(cmd) = self.chosen.get(&slot) {
                plan.push((slot, cmd.clone()));
            } else if let (Some((_, cmd)), false) = (best.get(&slot), ignore) {
                recovered += 1;
                plan.push((slot, cmd.clone()));
            } else {
                gaps += 1;
                plan.push((slot, Command::Noop));
            }
        }
        if ignore {
            ignored = best.keys().filter(|s| !self.chosen.contains_key(s)).count();
        }
        self.role = LEADER;
        self.leader = Some(self.id);
        self.promises.clear();
        self.next_slot = last.max(self.from.saturating_sub(1)) + 1;
        ctx.note(MpNote::Leads {
            ballot,
            recovered,
            gaps,
            ignored,
            next: self.next_slot,
        });
        ctx.cancel_timer(MpTimer::Election);
        ctx.set_timer(MpTimer::Heartbeat, self.config.heartbeat_us());
        for (slot, cmd) in plan {
            self.propose(ctx, slot, cmd);
        }
        self.heartbeat(ctx);
    }

    fn propose(&mut self, ctx: &mut MCtx, slot: u64, cmd: Command) {
        let Some(ballot) = self.ballot else {
            return;
        };
        ctx.note(MpNote::Proposes {
            slot,
            cmd: cmd.clone(),
        });
        self.proposals.insert(slot, (cmd.clone(), BTreeSet::new()));
        self.broadcast(ctx, MpMsg::Accept { ballot, slot, cmd });
    }

    fn on_accept(&mut self, ctx: &mut MCtx, from: NodeId, ballot: Ballot, slot: u64, cmd: Command) {
        if let Some(promised) = self.promised.filter(|&p| p > ballot) {
            ctx.note(MpNote::Refuses { ballot, promised });
            self.send(ctx, from, MpMsg::Nack { ballot, promised });
            return;
        }
        if from != self.id {
            if self.ballot.is_some_and(|b| b < ballot) {
                self.step_down(ctx, ballot);
            }
            self.leader = Some(from);
            self.reset_election(ctx);
        }
        if self.accepted.get(&slot) != Some(&(ballot, cmd.clone())) {
            self.promised = Some(ballot);
            self.accepted.insert(slot, (ballot, cmd.clone()));
            self.accept_log.push((slot, ballot, cmd.clone()));
            ctx.persist(MpWrite::Accept {
                ballot,
                slot,
                cmd,
                kept: self.kept(),
            });
        }
        self.send(ctx, from, MpMsg::Accepted { ballot, slot });
    }

    fn on_accepted(&mut self, ctx: &mut MCtx, from: NodeId, ballot: Ballot, slot: u64) {
        if self.role != LEADER || self.ballot != Some(ballot) {
            return;
        }
        let majority = self.majority();
        let Some((cmd, by)) = self.proposals.get_mut(&slot) else {
            return;
        };
        by.insert(from);
        if by.len() < majority {
            return;
        }
        let cmd = cmd.clone();
        self.proposals.remove(&slot);
        ctx.note(MpNote::Chooses {
            slot,
            cmd: cmd.clone(),
        });
        self.broadcast(ctx, MpMsg::Chosen { slot, cmd });
    }

    fn learn(&mut self, ctx: &mut MCtx, slot: u64, cmd: Command) {
        if self.chosen.contains_key(&slot) || slot <= self.applied {
            return;
        }
        self.chosen.insert(slot, cmd.clone());
        ctx.persist(MpWrite::Chosen { slot, cmd });
        self.apply_chosen(ctx);
    }

    /// Applies chosen slots in order; the node the client talks to answers it.
    fn apply_chosen(&mut self, ctx: &mut MCtx) {
        while let Some(cmd) = self.chosen.get(&(self.applied + 1)) {
            self.applied += 1;
            if let Command::Client { req, origin, op } = cmd {
                if let Some(result) = self.kv.apply(*req, op) {
                    if *origin == self.id && self.waiting.remove(req) {
                        ctx.reply(*req, result);
                    }
                }
            }
        }
    }

    fn heartbeat(&mut self, ctx: &mut MCtx) {
        let Some(ballot) = self.ballot.filter(|_| self.role == LEADER) else {
            return;
        };
        let upto = self.first_open() - 1;
        for peer in ctx.peers() {
            ctx.send(peer, MpMsg::Heartbeat { ballot, upto });
        }
        // Accepts that may have been lost are sent again.
        let open: Vec<(u64, Command)> = self
            .proposals
            .iter()
            .map(|(&slot, (cmd, _))| (slot, cmd.clone()))
            .collect();
        for (slot, cmd) in open {
            for peer in ctx.peers() {
                ctx.send(
                    peer,
                    MpMsg::Accept {
                        ballot,
                        slot,
                        cmd: cmd.clone(),
                    },
                );
            }
        }
    }

    fn on_heartbeat(&mut self, ctx: &mut MCtx, from: NodeId, ballot: Ballot, upto: u64) {
        if let Some(promised) = self.promised.filter(|&p| p > ballot) {
            self.send(ctx, from, MpMsg::Nack { ballot, promised });
            return;
        }
        if self.ballot.is_some_and(|b| b < ballot) {
            self.step_down(ctx, ballot);
        }
        self.leader = Some(from);
        self.reset_election(ctx);
        let open = self.first_open();
        if open <= upto {
            ctx.send(from, MpMsg::Fetch { from: open });
        }
    }

    fn on_fetch(&mut self, ctx: &mut MCtx, from: NodeId, first: u64) {
        for (&slot, cmd) in self.chosen.range(first..).take(32) {
            ctx.send(
                from,
                MpMsg::Chosen {
                    slot,
                    cmd: cmd.clone(),
                },
            );
        }
    }

    fn submit(&mut self, ctx: &mut MCtx, req: RequestId, origin: NodeId, op: KvOp, hops: u8) {
        match (self.role, self.leader) {
            (LEADER, _) => {
                let slot = self.next_slot;
                self.next_slot += 1;
                self.propose(ctx, slot, Command::Client { req, origin, op });
            }
            (_, Some(leader)) if leader != self.id && hops < 3 => ctx.send(
                leader,
                MpMsg::Forward {
                    req,
                    origin,
                    op,
                    hops: hops + 1,
                },
            ),
            _ if origin == self.id => {
                // Proposed nowhere: a definite failure is the truth.
                self.waiting.remove(&req);
                ctx.reply(req, KvResult::Unavailable);
            }
            _ => {}
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
            accept_log: Vec::new(),
            chosen: disk.chosen.clone(),
            applied: 0,
            kv: KvStore::default(),
            waiting: BTreeSet::new(),
            role: FOLLOWER,
            round: disk.round,
            highest: disk.round.max(disk.promised.map_or(0, |b| b.round)),
            ballot: None,
            leader: None,
            from: 1,
            promises: BTreeMap::new(),
            proposals: BTreeMap::new(),
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
