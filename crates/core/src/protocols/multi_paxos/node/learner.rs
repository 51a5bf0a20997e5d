//! The learner and replica: it records what the leader tells it was chosen, applies chosen
//! slots in order to its store (answering its own clients), and catches up on slots it
//! missed by asking the leader whose heartbeat shows it is behind.

use super::{MCtx, MpNode};
use crate::ids::NodeId;
use crate::protocols::multi_paxos::{MpMsg, MpWrite};
use crate::protocols::paxos::Ballot;
use crate::protocols::raft::Command;

impl MpNode {
    pub(super) fn learn(&mut self, ctx: &mut MCtx, slot: u64, cmd: Command) {
        if self.chosen.contains_key(&slot) || slot <= self.applied {
            return;
        }
        self.chosen.insert(slot, cmd.clone());
        ctx.persist(MpWrite::Chosen { slot, cmd });
        self.apply_chosen(ctx);
    }

    /// Applies chosen slots in order; the node the client talks to answers it.
    pub(super) fn apply_chosen(&mut self, ctx: &mut MCtx) {
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

    pub(super) fn on_heartbeat(&mut self, ctx: &mut MCtx, from: NodeId, ballot: Ballot, upto: u64) {
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

    pub(super) fn on_fetch(&mut self, ctx: &mut MCtx, from: NodeId, first: u64) {
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
}
