//! The primary of a view: it gives each request a sequence number and tells the backups
//! (pre-prepare), within the window past the stable checkpoint.

use super::{PCtx, PbftMsg, PbftNode, PbftNote, PbftWrite, WINDOW};
use crate::protocols::raft::Command;

impl PbftNode {
    pub(super) fn on_request(&mut self, ctx: &mut PCtx, cmd: Command) {
        let Command::Client { req, origin, .. } = &cmd else {
            return;
        };
        let (req, origin) = (*req, *origin);
        // Executed already: resend the reply.
        if let Some((_, result)) = self.results.get(&req).cloned() {
            self.send_reply(ctx, origin, req, result);
            return;
        }
        self.heard.insert(req, cmd.clone());
        if !self.is_primary() || self.changing {
            return;
        }
        if let Some(&seq) = self.ordered.get(&req) {
            if let Some((view, cmd)) = self.accepted.get(&seq).cloned() {
                if view == self.view {
                    self.broadcast(ctx, PbftMsg::PrePrepare { view, seq, cmd });
                }
            }
            return;
        }
        self.order_heard(ctx);
    }

    /// As primary: order the requests heard and not yet ordered, as far as the window
    /// allows (PBFT's high-water mark): at most [`WINDOW`] sequence numbers past the stable
    /// checkpoint, so that a backlog waits here, in the requests, and not as
    /// thousands of open sequence numbers that lost messages must be resent for.
    pub(super) fn order_heard(&mut self, ctx: &mut PCtx) {
        if !self.is_primary() || self.changing {
            return;
        }
        let room = (self.stable + WINDOW + 1).saturating_sub(self.next_seq) as usize;
        let next: Vec<Command> = self
            .heard
            .iter()
            .filter(|(r, _)| !self.ordered.contains_key(r))
            .take(room)
            .map(|(_, c)| c.clone())
            .collect();
        for cmd in next {
            self.order(ctx, cmd);
        }
    }

    pub(super) fn order(&mut self, ctx: &mut PCtx, cmd: Command) {
        let Command::Client { req, .. } = &cmd else {
            return;
        };
        let req = *req;
        let seq = self.next_seq;
        self.next_seq += 1;
        self.ordered.insert(req, seq);
        let view = self.view;
        self.accepted.insert(seq, (view, cmd.clone()));
        ctx.persist(PbftWrite::Accept {
            view,
            seq,
            cmd: cmd.clone(),
        });
        ctx.note(PbftNote::Orders {
            seq,
            cmd: cmd.clone(),
        });
        self.broadcast(ctx, PbftMsg::PrePrepare { view, seq, cmd });
        self.advance(ctx, seq);
    }
}
