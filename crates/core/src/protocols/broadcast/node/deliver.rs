//! When a held message may be handed to the application, level by level, and the
//! sequencer's numbering.

use super::super::msg::{BcMsg, BcNote, BcWrite, Wait};
use super::super::{BcBug, Mid, Order};
use super::{BCtx, BcNode};
use crate::ids::NodeId;

impl BcNode {
    pub(super) fn mark_delivered(&mut self, id: Mid) {
        self.delivered.push(id);
        self.done.insert(id);
        if let Some(c) = self.counts.get_mut(id.origin.index()) {
            *c += 1;
        }
    }

    /// Delivers every held message its level lets through, one at a time, until none is.
    pub(super) fn deliver_ready(&mut self, ctx: &mut BCtx) {
        while let Some(id) = self.next_ready() {
            ctx.persist(BcWrite::Deliver(id));
            ctx.note(BcNote::Delivers { id });
            self.mark_delivered(id);
        }
    }

    /// The next message to deliver, if any may go now.
    fn next_ready(&self) -> Option<Mid> {
        let config = &self.config;
        let mut held = self
            .stored
            .iter()
            .enumerate()
            .filter(|(_, (m, _))| !self.done.contains(m));
        if config.has(BcBug::NoHoldback) {
            return held.next().map(|(_, (m, _))| *m);
        }
        match config.order {
            Order::BestEffort | Order::Reliable => held.next().map(|(_, (m, _))| *m),
            Order::Fifo | Order::Causal => held
                .find(|(_, (m, _))| self.missing_before(*m).is_none())
                .map(|(_, (m, _))| *m),
            Order::TotalSequencer => {
                if config.has(BcBug::SequencerNoWait) {
                    return self
                        .numbers
                        .values()
                        .find(|m| !self.done.contains(*m) && self.index.contains_key(*m))
                        .copied();
                }
                let next = self.delivered.len() as u32 + 1;
                self.numbers
                    .get(&next)
                    .filter(|m| self.index.contains_key(*m) && !self.done.contains(*m))
                    .copied()
            }
            Order::TotalLamport => {
                // The held message with the smallest stamp: (counter, sender), or with the
                // bug (counter, arrival).
                let tiebreak = !config.has(BcBug::LamportNoTiebreak);
                let (_, (m, stamp)) = held.min_by_key(|(i, (m, s))| {
                    (s.clock, if tiebreak { m.origin.index() } else { *i })
                })?;
                self.later_from_all(stamp.clock).is_empty().then_some(*m)
            }
        }
    }

    /// For FIFO and causal delivery: a message `id` must wait for, if any (its sender's
    /// previous one; for causal, also one its sender had delivered before sending it).
    fn missing_before(&self, id: Mid) -> Option<Mid> {
        let o = id.origin.index();
        if self.counts[o] + 1 < id.seq {
            return Some(Mid {
                origin: id.origin,
                seq: self.counts[o] + 1,
            });
        }
        if self.config.order != Order::Causal || self.config.has(BcBug::NoDeps) {
            return None;
        }
        let stamp = self.stamp(id)?;
        stamp
            .deps
            .iter()
            .enumerate()
            .find(|&(k, &d)| k != o && self.counts[k] < d)
            .map(|(k, _)| Mid {
                origin: NodeId(k as u32),
                seq: self.counts[k] + 1,
            })
    }

    /// For Lamport order: the other nodes from which it has nothing stamped `clock` or
    /// later yet (with everything before it in hand).
    fn later_from_all(&self, clock: u64) -> Vec<NodeId> {
        self.peers()
            .filter(|p| self.frontier[p.index()] < clock)
            .collect()
    }

    /// What a held message waits for, in words for its note.
    pub(super) fn wait_of(&self, id: Mid) -> Wait {
        match self.config.order {
            Order::TotalSequencer => {
                let next = self.delivered.len() as u32 + 1;
                match self.number_of(id) {
                    None => Wait::Number(0),
                    Some(_) => Wait::Number(next),
                }
            }
            Order::TotalLamport => {
                let clock = self.stamp(id).map_or(0, |s| s.clock);
                Wait::Later(self.later_from_all(clock))
            }
            _ => Wait::Message(self.missing_before(id).unwrap_or(id)),
        }
    }

    /// At the sequencer: numbers every held message that may go next, in an order that
    /// keeps causality (a message after its sender's earlier ones and after what its sender
    /// had delivered before sending it), and tells everyone.
    pub(super) fn assign(&mut self, ctx: &mut BCtx) {
        loop {
            let next = self.stored.iter().find(|(m, s)| {
                !self.numbered.contains(m)
                    && self.assigned[m.origin.index()] + 1 == m.seq
                    && s.deps.iter().enumerate().all(|(k, &d)| {
                        k == m.origin.index() || self.assigned.get(k).is_some_and(|&a| a >= d)
                    })
            });
            let Some(&(id, _)) = next else {
                return;
            };
            let number = self.numbers.len() as u32 + 1;
            ctx.persist(BcWrite::Number { number, id });
            ctx.note(BcNote::Numbers { id, number });
            self.numbers.insert(number, id);
            self.numbered.insert(id);
            self.assigned[id.origin.index()] += 1;
            for p in self.peers() {
                ctx.send(p, BcMsg::Number { number, id });
            }
        }
    }
}
