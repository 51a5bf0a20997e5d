//! One node: its own broadcasts, the repair layer (relays, statuses, negative
//! acknowledgements, the history buffer) in `node/repair.rs`, and the delivery rule of each
//! level in `node/deliver.rs`.

mod deliver;
mod repair;

use super::msg::{BcDisk, BcMsg, BcNote, BcTimer, BcWrite, Stamp};
use super::{BcConfig, Mid, Order, SEND_GAP, SEQUENCER};
use crate::check::{EndProperty, Invariant};
use crate::flat::{FlatMap, FlatSet};
use crate::ids::NodeId;
use crate::protocol::{Ctx, NodeStatus, Protocol};

#[derive(Clone, Debug)]
pub struct BcNode {
    id: NodeId,
    n: usize,
    config: BcConfig,
    /// The history buffer, in arrival order, and where each message is in it.
    stored: Vec<(Mid, Stamp)>,
    index: FlatMap<Mid, usize>,
    /// Per sender: how many of its messages it holds without a gap.
    have: Vec<u32>,
    /// What its application was handed, in order, and per sender how many.
    delivered: Vec<Mid>,
    done: FlatSet<Mid>,
    counts: Vec<u32>,
    /// Its own broadcasts so far.
    sent: u32,
    /// The sequencer's numbers it knows, by number, and the messages numbered.
    numbers: FlatMap<u32, Mid>,
    numbered: FlatSet<Mid>,
    /// At the sequencer: per sender, how many of its messages it has numbered.
    assigned: Vec<u32>,
    /// Its Lamport clock, and per node the latest timestamp it has from it with every
    /// message of that node stamped up to it in hand.
    clock: u64,
    frontier: Vec<u64>,
    /// Per node, a (timestamp, messages sent) it has heard but cannot use until it holds
    /// that many of the node's messages.
    waiting: Vec<Option<(u64, u32)>>,
}

pub(super) type BCtx<'a> = Ctx<'a, BcNode>;

impl BcNode {
    pub fn config(&self) -> &BcConfig {
        &self.config
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The messages it holds, in the order they arrived.
    pub fn received(&self) -> impl Iterator<Item = Mid> + '_ {
        self.stored.iter().map(|(m, _)| *m)
    }

    /// What its application was handed, in order.
    pub fn delivered(&self) -> &[Mid] {
        &self.delivered
    }

    /// Messages it holds and has not delivered: its hold-back queue.
    pub fn held_back(&self) -> Vec<Mid> {
        self.received().filter(|m| !self.done.contains(m)).collect()
    }

    /// Per sender, how many of its messages it has delivered (its vector clock).
    pub fn counts(&self) -> &[u32] {
        &self.counts
    }

    pub fn sent(&self) -> u32 {
        self.sent
    }

    pub fn clock(&self) -> u64 {
        self.clock
    }

    /// The sequencer's numbers it knows without a gap.
    pub fn numbered(&self) -> u32 {
        let mut k = 0;
        while self.numbers.contains_key(&(k + 1)) {
            k += 1;
        }
        k
    }

    pub fn number_of(&self, id: Mid) -> Option<u32> {
        self.numbers
            .iter()
            .find(|(_, m)| **m == id)
            .map(|(g, _)| *g)
    }

    fn peers(&self) -> impl Iterator<Item = NodeId> + 'static {
        let me = self.id;
        (0..self.n as u32).map(NodeId).filter(move |p| *p != me)
    }

    /// Holds `id` in its history buffer (the caller persists it).
    fn hold(&mut self, id: Mid, stamp: Stamp) {
        self.index.insert(id, self.stored.len());
        self.stored.push((id, stamp));
        let o = id.origin.index();
        if o < self.n {
            while self.index.contains_key(&Mid {
                origin: id.origin,
                seq: self.have[o] + 1,
            }) {
                self.have[o] += 1;
            }
        }
    }

    fn stamp(&self, id: Mid) -> Option<&Stamp> {
        self.index.get(&id).map(|&i| &self.stored[i].1)
    }

    fn schedule_next(&mut self, ctx: &mut BCtx, first: bool) {
        if self.sent >= self.config.messages {
            return;
        }
        let after = if first {
            crate::time::MICROS_PER_MS
        } else {
            ctx.random_between(
                crate::time::MICROS_PER_MS,
                (2 * self.config.interval_us).max(2 * crate::time::MICROS_PER_MS),
            )
        };
        ctx.set_timer(BcTimer::Next, after);
    }

    /// Broadcasts its next message: stamps it, keeps it, sends the first copy and the
    /// others a little later, and delivers it to itself when its level allows.
    fn broadcast(&mut self, ctx: &mut BCtx) {
        if self.sent >= self.config.messages {
            return;
        }
        self.clock += 1;
        let mut deps = self.counts.clone();
        deps[self.id.index()] = self.sent;
        let stamp = Stamp {
            deps,
            clock: self.clock,
        };
        self.sent += 1;
        let id = Mid {
            origin: self.id,
            seq: self.sent,
        };
        ctx.persist(BcWrite::Broadcast {
            id,
            stamp: stamp.clone(),
            seen: self.delivered.len() as u32,
        });
        self.hold(id, stamp.clone());
        if let Some(first) = self.first_peer() {
            ctx.send(first, BcMsg::Data { id, stamp });
            ctx.set_timer(BcTimer::Rest(id.seq), SEND_GAP);
        }
        self.frontier[self.id.index()] = u64::MAX;
        self.after_new(ctx, id);
        self.schedule_next(ctx, false);
    }

    fn first_peer(&self) -> Option<NodeId> {
        (self.n > 1).then(|| NodeId(((self.id.index() + 1) % self.n) as u32))
    }

    /// The other copies of its message `seq`.
    fn send_rest(&mut self, ctx: &mut BCtx, seq: u32) {
        let id = Mid {
            origin: self.id,
            seq,
        };
        let Some(stamp) = self.stamp(id).cloned() else {
            return;
        };
        let first = self.first_peer();
        for p in self.peers().filter(|p| Some(*p) != first) {
            ctx.send(
                p,
                BcMsg::Data {
                    id,
                    stamp: stamp.clone(),
                },
            );
        }
    }

    /// After a message joined the history buffer: the sequencer numbers what it can, and
    /// the node delivers what its level allows; a message still waiting is held back.
    fn after_new(&mut self, ctx: &mut BCtx, id: Mid) {
        if self.config.order == Order::TotalSequencer && self.id == SEQUENCER {
            self.assign(ctx);
        }
        self.deliver_ready(ctx);
        if !self.done.contains(&id) {
            let until = self.wait_of(id);
            ctx.note(BcNote::HoldsBack { id, until });
        }
    }
}

impl Protocol for BcNode {
    type Msg = BcMsg;
    type Timer = BcTimer;
    type Disk = BcDisk;
    type Config = BcConfig;
    type Note = BcNote;
    const ROLES: &'static [crate::protocol::RoleDesc] = super::roles::ALL;

    /// What must be up for the service to answer: any one node that is up delivers what it is sent.
    fn needs(_config: &Self::Config, _nodes: usize) -> crate::availability::Needs {
        crate::availability::Needs::AtLeast(1)
    }

    fn boot(id: NodeId, nodes: usize, config: &BcConfig, disk: &BcDisk) -> Self {
        let mut node = BcNode {
            id,
            n: nodes,
            config: config.clone(),
            stored: Vec::new(),
            index: FlatMap::default(),
            have: vec![0; nodes],
            delivered: Vec::new(),
            done: FlatSet::default(),
            counts: vec![0; nodes],
            sent: disk.sent.len() as u32,
            numbers: FlatMap::default(),
            numbered: FlatSet::default(),
            assigned: vec![0; nodes],
            clock: 0,
            frontier: vec![0; nodes],
            waiting: vec![None; nodes],
        };
        for (m, stamp) in &disk.stored {
            node.clock = node.clock.max(stamp.clock);
            node.hold(*m, stamp.clone());
        }
        for m in &disk.delivered {
            node.mark_delivered(*m);
        }
        for (g, m) in &disk.numbers {
            node.numbers.insert(*g, *m);
            node.numbered.insert(*m);
            if let Some(c) = node.assigned.get_mut(m.origin.index()) {
                *c = (*c).max(m.seq);
            }
        }
        node.frontier[id.index()] = u64::MAX;
        node
    }

    fn on_start(&mut self, ctx: &mut BCtx) {
        ctx.set_timer(BcTimer::Repair, super::REPAIR);
        self.schedule_next(ctx, true);
    }

    fn on_recover(&mut self, ctx: &mut BCtx) {
        ctx.set_timer(BcTimer::Repair, super::REPAIR);
        self.schedule_next(ctx, false);
        self.deliver_ready(ctx);
    }

    fn on_message(&mut self, ctx: &mut BCtx, from: NodeId, msg: BcMsg) {
        if from.index() >= self.n {
            return;
        }
        match msg {
            BcMsg::Data { id, stamp } => self.on_data(ctx, from, id, stamp),
            BcMsg::Status {
                have,
                numbered,
                clock,
            } => self.on_status(ctx, from, &have, numbered, clock),
            BcMsg::Nack {
                origin,
                from: lo,
                to,
            } => self.on_nack(ctx, from, origin, lo, to),
            BcMsg::Number { number, id } => self.on_number(ctx, number, id),
            BcMsg::NackNumbers { from: lo } => self.on_nack_numbers(ctx, from, lo),
        }
    }

    fn on_timer(&mut self, ctx: &mut BCtx, timer: BcTimer) {
        match timer {
            BcTimer::Next => self.broadcast(ctx),
            BcTimer::Rest(seq) => self.send_rest(ctx, seq),
            BcTimer::Repair => {
                self.send_status(ctx);
                ctx.set_timer(BcTimer::Repair, super::REPAIR);
            }
        }
    }

    fn timer_text(timer: &BcTimer) -> String {
        match timer {
            BcTimer::Next => "time for its next broadcast".into(),
            BcTimer::Rest(seq) => format!("time for the other copies of its message {seq}"),
            BcTimer::Repair => "time to send its status".into(),
        }
    }

    fn status(&self) -> NodeStatus {
        NodeStatus::role(
            if self.config.order == Order::TotalSequencer && self.id == SEQUENCER {
                super::roles::SEQUENCER
            } else {
                super::roles::NODE
            },
        )
    }

    fn invariants(config: &BcConfig, _nodes: usize) -> Vec<Box<dyn Invariant<Self>>> {
        super::checkers::safety(config.order)
    }

    fn end_properties(config: &BcConfig, _nodes: usize) -> Vec<Box<dyn EndProperty<Self>>> {
        super::checkers::at_end(config.order)
    }

    fn meter(_config: &BcConfig, _nodes: usize) -> Option<Box<dyn crate::check::Meter<Self>>> {
        Some(Box::new(super::meter::Breaches::default()))
    }
}
