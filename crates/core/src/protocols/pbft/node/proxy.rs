//! A replica as its clients' proxy: it passes their requests on and answers a client once
//! f + 1 replicas sent the same result (one of them, at least, is honest).

use super::{PCtx, PbftMsg, PbftNode, PbftNote};
use crate::client::KvResult;
use crate::ids::{NodeId, RequestId};
use crate::protocols::raft::Command;

impl PbftNode {
    /// The proxy passes a request to the primary (or, resending, to every replica).
    pub(super) fn submit(&mut self, ctx: &mut PCtx, cmd: Command, to_all: bool) {
        let primary = self.primary_of(self.view);
        if primary == self.id {
            self.on_request(ctx, cmd.clone());
        } else {
            ctx.send(primary, PbftMsg::Request { cmd: cmd.clone() });
        }
        if to_all {
            for p in ctx.peers().filter(|&p| p != primary) {
                ctx.send(p, PbftMsg::Request { cmd: cmd.clone() });
            }
        }
    }

    pub(super) fn send_reply(
        &mut self,
        ctx: &mut PCtx,
        origin: NodeId,
        req: RequestId,
        result: KvResult,
    ) {
        if origin == self.id {
            self.on_reply(ctx, self.id, req, result);
        } else {
            ctx.send(origin, PbftMsg::Reply { req, result });
        }
    }

    pub(super) fn on_reply(
        &mut self,
        ctx: &mut PCtx,
        from: NodeId,
        req: RequestId,
        result: KvResult,
    ) {
        if !self.waiting.contains_key(&req) {
            return;
        }
        let votes = self.votes.entry(req).or_default();
        if votes.iter().any(|(n, _)| *n == from) {
            return;
        }
        votes.push((from, result.clone()));
        let matching = votes.iter().filter(|(_, r)| *r == result).count();
        if matching > self.f() {
            let votes = self.votes.remove(&req).unwrap_or_default();
            self.waiting.remove(&req);
            ctx.note(PbftNote::Answers {
                req,
                result: result.clone(),
                matching,
            });
            ctx.record(PbftNote::Answered {
                req,
                result: result.clone(),
                votes,
            });
            ctx.reply(req, result);
        }
    }
}
