//! The repair layer every level stands on: a message received for the first time is kept
//! in the history buffer and (from `reliable` on) relayed before anything is delivered; a
//! gap in a sender's numbers, seen in what arrives or in another node's status, is asked
//! for again with a negative acknowledgement, and answered from a history buffer.

use super::super::msg::{BcMsg, BcWrite, Stamp};
use super::super::{Mid, Order, RESEND_MAX};
use super::{BCtx, BcNode};
use crate::ids::NodeId;

impl BcNode {
    pub(super) fn on_data(&mut self, ctx: &mut BCtx, from: NodeId, id: Mid, stamp: Stamp) {
        let o = id.origin.index();
        if o >= self.n || id.seq == 0 || stamp.deps.len() != self.n {
            return;
        }
        self.hear(id.origin, stamp.clock, id.seq);
        if self.index.contains_key(&id) {
            return; // a duplicate: already in the history buffer
        }
        ctx.persist(BcWrite::Store {
            id,
            stamp: stamp.clone(),
        });
        let before = self.have[o];
        self.hold(id, stamp.clone());
        if self.config.relays() {
            // Relay before delivering: if this node delivers it, everyone will get it.
            for p in self.peers().filter(|p| *p != from && *p != id.origin) {
                ctx.send(
                    p,
                    BcMsg::Data {
                        id,
                        stamp: stamp.clone(),
                    },
                );
            }
        }
        if id.seq > before + 1 && self.have[o] < id.seq {
            // A gap below it: ask for the missing ones.
            let ask = if self.config.relays() {
                from
            } else {
                id.origin
            };
            if ask != self.id {
                ctx.send(
                    ask,
                    BcMsg::Nack {
                        origin: id.origin,
                        from: self.have[o] + 1,
                        to: id.seq - 1,
                    },
                );
            }
        }
        self.use_waiting(id.origin);
        if self.config.order == Order::TotalLamport {
            // Acknowledge it to everyone, with this node's clock.
            self.send_status(ctx);
        }
        self.after_new(ctx, id);
    }

    pub(super) fn send_status(&mut self, ctx: &mut BCtx) {
        let numbered = self.numbered();
        for p in self.peers() {
            ctx.send(
                p,
                BcMsg::Status {
                    have: self.have.clone(),
                    numbered,
                    clock: self.clock,
                },
            );
        }
    }

    pub(super) fn on_status(
        &mut self,
        ctx: &mut BCtx,
        from: NodeId,
        have: &[u32],
        numbered: u32,
        clock: u64,
    ) {
        if have.len() != self.n {
            return;
        }
        self.hear(from, clock, have[from.index()]);
        for (o, &theirs) in have.iter().enumerate() {
            let origin = NodeId(o as u32);
            if origin == self.id || theirs <= self.have[o] {
                continue;
            }
            // Without relaying, only a sender sends its messages again.
            if self.config.relays() || origin == from {
                ctx.send(
                    from,
                    BcMsg::Nack {
                        origin,
                        from: self.have[o] + 1,
                        to: theirs,
                    },
                );
            }
        }
        if self.config.order == Order::TotalSequencer {
            let known = self.numbered();
            if numbered > known {
                ctx.send(from, BcMsg::NackNumbers { from: known + 1 });
            }
        }
        self.deliver_ready(ctx);
    }

    pub(super) fn on_nack(
        &mut self,
        ctx: &mut BCtx,
        asker: NodeId,
        origin: NodeId,
        from: u32,
        to: u32,
    ) {
        if !(self.config.relays() || origin == self.id) {
            return;
        }
        let to = to.min(from.saturating_add(RESEND_MAX - 1));
        for seq in from..=to {
            let id = Mid { origin, seq };
            if let Some(stamp) = self.stamp(id) {
                let stamp = stamp.clone();
                ctx.send(asker, BcMsg::Data { id, stamp });
            }
        }
    }

    pub(super) fn on_number(&mut self, ctx: &mut BCtx, number: u32, id: Mid) {
        if number == 0 || self.numbers.contains_key(&number) || self.numbered.contains(&id) {
            return;
        }
        ctx.persist(BcWrite::Number { number, id });
        self.numbers.insert(number, id);
        self.numbered.insert(id);
        self.deliver_ready(ctx);
    }

    pub(super) fn on_nack_numbers(&mut self, ctx: &mut BCtx, asker: NodeId, from: u32) {
        for number in from..from.saturating_add(RESEND_MAX) {
            match self.numbers.get(&number) {
                Some(&id) => ctx.send(asker, BcMsg::Number { number, id }),
                None => break,
            }
        }
    }

    /// Node `node` had stamped up to `clock` with `sent` of its messages sent: once this
    /// node holds that many of them, nothing `node` sends later is stamped `clock` or less.
    pub(super) fn hear(&mut self, node: NodeId, clock: u64, sent: u32) {
        self.clock = self.clock.max(clock);
        let j = node.index();
        if j >= self.n || node == self.id {
            return;
        }
        if self.have[j] >= sent {
            self.frontier[j] = self.frontier[j].max(clock);
        } else if self.waiting[j].is_none_or(|(c, _)| c < clock) {
            self.waiting[j] = Some((clock, sent));
        }
    }

    /// A stamp heard from `node` becomes usable once its messages are in hand.
    fn use_waiting(&mut self, node: NodeId) {
        let j = node.index();
        if let Some((clock, sent)) = self.waiting[j] {
            if self.have[j] >= sent {
                self.frontier[j] = self.frontier[j].max(clock);
                self.waiting[j] = None;
            }
        }
    }
}
