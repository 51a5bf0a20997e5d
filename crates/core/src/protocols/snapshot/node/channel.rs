//! The channel layer under the snapshot: reliable FIFO channels over links that lose,
//! duplicate and reorder. Each message is numbered per channel and kept (on disk) until
//! acknowledged; the receiver takes them in order, holding back one that overtook an
//! earlier one, ignores what it has already taken, and acknowledges how far it has taken
//! them; every [`RESEND`](super::super::RESEND) what is still unacknowledged after a round
//! is sent again. With the `non-fifo` bug the receiver takes each message as it arrives.

use super::super::msg::{Body, SnapMsg, SnapNote, SnapWrite};
use super::super::RESEND_MAX;
use super::{SCtx, SnapNode};
use crate::ids::NodeId;

impl SnapNode {
    /// Sends `body` as the next message on the channel to `to`.
    pub(super) fn send(&mut self, ctx: &mut SCtx, to: NodeId, body: Body) {
        let seq = self.disk.out[to.index()].next;
        self.write(ctx, SnapWrite::Send { to, seq, body });
        ctx.send(to, body.numbered(seq));
    }

    /// Message `seq` from `from`: taken now if it is the next (and any held back behind
    /// it), held back if it overtook one, ignored if taken already; acknowledged in every
    /// case, so a lost acknowledgement is made good.
    pub(super) fn on_numbered(&mut self, ctx: &mut SCtx, from: NodeId, seq: u32, body: Body) {
        let f = from.index();
        let inbox = &self.disk.inbox[f];
        let taken = seq == 0 || seq < inbox.next || inbox.ahead.contains(&seq);
        if !taken {
            if !self.config.fifo() || seq == inbox.next {
                self.take(ctx, from, seq, body);
                while let Some(body) = self.held[f].remove(&self.disk.inbox[f].next) {
                    let next = self.disk.inbox[f].next;
                    self.take(ctx, from, next, body);
                }
            } else if !self.held[f].contains_key(&seq) {
                let waits = self.disk.inbox[f].next;
                self.held[f].insert(seq, body);
                ctx.note(SnapNote::HoldsBack { from, seq, waits });
            }
        }
        ctx.send(
            from,
            SnapMsg::Ack {
                upto: self.disk.inbox[f].next - 1,
            },
        );
    }

    /// The channel to `to` is acknowledged up to `upto`: what it kept up to there can go.
    pub(super) fn on_ack(&mut self, ctx: &mut SCtx, to: NodeId, upto: u32) {
        let out = &self.disk.out[to.index()];
        let upto = upto.min(out.next.saturating_sub(1));
        if out.unacked.first().is_some_and(|(s, _)| *s <= upto) {
            self.write(ctx, SnapWrite::Acked { to, upto });
        }
    }

    /// Sends again, on every channel, the oldest messages still unacknowledged that were
    /// already sent at the last round.
    pub(super) fn resend(&mut self, ctx: &mut SCtx) {
        for p in self.peers() {
            let i = p.index();
            let out = &self.disk.out[i];
            for (seq, body) in out
                .unacked
                .iter()
                .filter(|(s, _)| *s <= self.mark[i])
                .take(RESEND_MAX)
            {
                ctx.send(p, body.numbered(*seq));
            }
            self.mark[i] = out.next.saturating_sub(1);
        }
    }
}
