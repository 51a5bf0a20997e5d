//! One node: its proposal, the values it has seen, the peers it counts as crashed, and its
//! decision.

use super::msg::{FloodDisk, FloodMsg, FloodNote, FloodTimer, FloodWrite, VALUES};
use super::{FloodConfig, Model, SEND_GAP};
use crate::check::{EndProperty, Invariant};
use crate::flat::{FlatMap, FlatSet};
use crate::ids::NodeId;
use crate::protocol::{Ctx, NodeStatus, Protocol};

#[derive(Clone, Debug)]
pub struct FloodNode {
    id: NodeId,
    config: FloodConfig,
    proposal: Option<u64>,
    /// The current round (from 1); 0 before the first.
    round: u32,
    seen: FlatSet<u64>,
    /// What it sends this round: its values when the round began.
    sending: Vec<u64>,
    /// Peers still to send to this round, in order.
    to_send: Vec<NodeId>,
    /// Peers heard from in the current round.
    heard: FlatSet<NodeId>,
    /// Peers it counts as crashed, with the round in which it heard nothing from them.
    suspects: FlatMap<NodeId, u32>,
    decision: Option<u64>,
    /// Restarted after a crash: it takes no further part.
    out: bool,
    /// The last round whose sends it began, as on its disk (for a node that is out, the
    /// round it crashed in).
    crashed_in: u32,
}

type FCtx<'a> = Ctx<'a, FloodNode>;

impl FloodNode {
    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn proposal(&self) -> Option<u64> {
        self.proposal
    }

    pub fn round(&self) -> u32 {
        self.round
    }

    pub fn seen(&self) -> &FlatSet<u64> {
        &self.seen
    }

    pub fn suspects(&self) -> &FlatMap<NodeId, u32> {
        &self.suspects
    }

    pub fn decision(&self) -> Option<u64> {
        self.decision
    }

    /// Whether it came back after a crash (and so takes no part).
    pub fn is_out(&self) -> bool {
        self.out
    }

    /// The last round it began before its crash (for a node that is out).
    pub fn crashed_in(&self) -> u32 {
        self.crashed_in
    }

    pub fn config(&self) -> &FloodConfig {
        &self.config
    }

    /// A node in a given state, for checker tests.
    #[cfg(test)]
    pub(crate) fn hand_made(
        id: u32,
        proposal: u64,
        seen: &[u64],
        decision: Option<u64>,
        suspects: &[u32],
        out: bool,
    ) -> Self {
        FloodNode {
            id: NodeId(id),
            config: FloodConfig::default(),
            proposal: Some(proposal),
            round: 2,
            seen: seen.iter().copied().collect(),
            sending: Vec::new(),
            to_send: Vec::new(),
            heard: FlatSet::new(),
            suspects: suspects.iter().map(|&p| (NodeId(p), 1)).collect(),
            decision,
            out,
            crashed_in: 0,
        }
    }

    fn begin_round(&mut self, ctx: &mut FCtx, round: u32) {
        self.round = round;
        self.heard.clear();
        self.sending = self.seen.iter().copied().collect();
        self.to_send = ctx
            .peers()
            .filter(|p| !self.suspects.contains_key(p))
            .collect();
        if !self.to_send.is_empty() {
            ctx.set_timer(FloodTimer::Send, SEND_GAP);
        }
        ctx.set_timer(FloodTimer::RoundEnd, self.config.round_us);
    }

    fn send_next(&mut self, ctx: &mut FCtx) {
        if self.to_send.is_empty() {
            return;
        }
        if self.crashed_in < self.round {
            // The first send of the round: the round goes on disk before anyone hears of it.
            self.crashed_in = self.round;
            ctx.persist(FloodWrite::Began(self.round));
        }
        let to = self.to_send.remove(0);
        ctx.send(
            to,
            FloodMsg::Values {
                round: self.round,
                values: self.sending.clone(),
            },
        );
        if !self.to_send.is_empty() {
            ctx.set_timer(FloodTimer::Send, SEND_GAP);
        }
    }

    fn end_round(&mut self, ctx: &mut FCtx) {
        let silent: Vec<NodeId> = ctx
            .peers()
            .filter(|p| !self.suspects.contains_key(p) && !self.heard.contains(p))
            .collect();
        for peer in silent {
            self.suspects.insert(peer, self.round);
            ctx.note(FloodNote::Suspects {
                peer,
                round: self.round,
                sure: self.config.model == Model::Synchronous,
            });
        }
        if self.round >= self.config.decide_after() {
            self.decide(ctx);
        } else {
            self.begin_round(ctx, self.round + 1);
        }
    }

    fn decide(&mut self, ctx: &mut FCtx) {
        let value = *self.seen.first().expect("it has its own proposal");
        self.decision = Some(value);
        self.to_send.clear();
        ctx.cancel_timer(FloodTimer::Send);
        ctx.persist(FloodWrite::Decided(value));
        ctx.note(FloodNote::Decides {
            value,
            seen: self.seen.len(),
            rounds: self.round,
        });
    }
}

impl Protocol for FloodNode {
    type Msg = FloodMsg;
    type Timer = FloodTimer;
    type Disk = FloodDisk;
    type Config = FloodConfig;
    type Note = FloodNote;
    const ROLES: &'static [crate::protocol::RoleDesc] = super::roles::ALL;

    /// What must be up for the service to answer: the nodes that survive decide among themselves.
    fn needs(_config: &Self::Config, _nodes: usize) -> crate::availability::Needs {
        crate::availability::Needs::AtLeast(1)
    }

    fn boot(id: NodeId, _nodes: usize, config: &FloodConfig, disk: &FloodDisk) -> Self {
        FloodNode {
            id,
            config: config.clone(),
            proposal: None,
            round: 0,
            seen: FlatSet::new(),
            sending: Vec::new(),
            to_send: Vec::new(),
            heard: FlatSet::new(),
            suspects: FlatMap::new(),
            decision: disk.decision,
            out: false,
            crashed_in: disk.round,
        }
    }

    fn on_start(&mut self, ctx: &mut FCtx) {
        let value = ctx.random_between(VALUES.0, VALUES.1);
        self.proposal = Some(value);
        self.seen.insert(value);
        ctx.note(FloodNote::Proposes { value });
        if self.config.decide_after() == 0 {
            self.decide(ctx);
        } else {
            self.begin_round(ctx, 1);
        }
    }

    fn on_recover(&mut self, ctx: &mut FCtx) {
        // Crash-stop: whatever it knew is gone, and the others have counted it as crashed.
        self.out = true;
        ctx.note(FloodNote::StaysOut {
            decision: self.decision,
        });
    }

    fn on_message(&mut self, ctx: &mut FCtx, from: NodeId, msg: FloodMsg) {
        if self.out || self.round == 0 {
            return;
        }
        let FloodMsg::Values { round, values } = msg;
        if let Some(&suspected_in) = self.suspects.get(&from) {
            // In the synchronous model a node it counts as crashed sends nothing more: a
            // message of the round it was silent in took longer than the round, or one was
            // lost and this is the next.
            if self.decision.is_none() {
                ctx.note(FloodNote::Late {
                    from,
                    round,
                    suspected_in,
                    values,
                    synchronous: self.config.model == Model::Synchronous,
                });
            }
            return;
        }
        // A copy of a message of an earlier round, one for a later round (clocks that drifted
        // apart), or anything after it decided, counts for nothing.
        if round != self.round || self.decision.is_some() {
            return;
        }
        self.heard.insert(from);
        let new: Vec<u64> = values
            .into_iter()
            .filter(|v| self.seen.insert(*v))
            .collect();
        if !new.is_empty() {
            ctx.note(FloodNote::Learns { from, values: new });
        }
    }

    fn on_timer(&mut self, ctx: &mut FCtx, timer: FloodTimer) {
        if self.out || self.decision.is_some() {
            return;
        }
        match timer {
            FloodTimer::Send => self.send_next(ctx),
            FloodTimer::RoundEnd => self.end_round(ctx),
        }
    }

    fn timer_text(timer: &FloodTimer) -> String {
        match timer {
            FloodTimer::Send => "send this round's values to the next peer",
            FloodTimer::RoundEnd => "the round ends",
        }
        .into()
    }

    fn status(&self) -> NodeStatus {
        let role = if self.out {
            super::roles::OUT
        } else if self.decision.is_some() {
            super::roles::DECIDED
        } else {
            super::roles::IN_ROUND
        };
        NodeStatus {
            role,
            // The round is its era; the card tells the values and the decision.
            term: u64::from(self.round),
            log_len: 0,
            commit: 0,
        }
    }

    fn invariants(config: &FloodConfig, _nodes: usize) -> Vec<Box<dyn Invariant<Self>>> {
        super::checkers::safety(config)
    }

    fn end_properties(config: &FloodConfig, _nodes: usize) -> Vec<Box<dyn EndProperty<Self>>> {
        super::checkers::at_end(config)
    }
}
