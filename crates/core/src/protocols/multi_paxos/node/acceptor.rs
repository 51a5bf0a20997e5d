//! The acceptor: it promises a ballot for every slot from a given one on (reporting what it
//! accepted there) and accepts what no higher promise forbids, on disk first (unless
//! `forget-accepted`).

use super::{MCtx, MpNode};
use crate::ids::NodeId;
use crate::protocols::multi_paxos::{MpBug, MpMsg, MpNote, MpWrite, Report};
use crate::protocols::paxos::Ballot;
use crate::protocols::raft::Command;

impl MpNode {
    pub(super) fn kept(&self) -> bool {
        !self.config.has(MpBug::ForgetAccepted)
    }

    pub(super) fn on_prepare(&mut self, ctx: &mut MCtx, from: NodeId, ballot: Ballot, first: u64) {
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

    pub(super) fn on_accept(
        &mut self,
        ctx: &mut MCtx,
        from: NodeId,
        ballot: Ballot,
        slot: u64,
        cmd: Command,
    ) {
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
            ctx.record(MpNote::Accepted {
                slot,
                ballot,
                cmd: cmd.clone(),
            });
            ctx.persist(MpWrite::Accept {
                ballot,
                slot,
                cmd,
                kept: self.kept(),
            });
        }
        self.send(ctx, from, MpMsg::Accepted { ballot, slot });
    }
}
