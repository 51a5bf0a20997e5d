//! The proposer: phase 1 prepares a ballot no other proposer uses; with a majority of
//! promises, phase 2 asks the acceptors to accept the highest-ballot value reported, or its
//! own; told of a higher ballot, it gives way and tries again after a pause.

use super::{PCtx, PaxosNode, Phase};
use crate::flat::FlatMap;
use crate::ids::NodeId;
use crate::protocols::paxos::{
    Ballot, PaxosBug, PaxosMsg, PaxosNote, PaxosTimer, PaxosWrite, RetryWait, Val,
};

impl PaxosNode {
    pub(super) fn start_ballot(&mut self, ctx: &mut PCtx) {
        let round = self.round.max(self.highest) + 1;
        self.round = round;
        self.highest = self.highest.max(round);
        ctx.persist(PaxosWrite::Round(round));
        let ballot = Ballot {
            round,
            proposer: self.id.0,
        };
        self.phase = Phase::Preparing {
            ballot,
            promises: FlatMap::new(),
        };
        ctx.note(PaxosNote::Prepares { ballot });
        let wait = self.pause(ctx);
        ctx.set_timer(PaxosTimer::Retry, wait);
        self.broadcast(ctx, PaxosMsg::Prepare { ballot });
    }

    pub(super) fn on_promise(
        &mut self,
        ctx: &mut PCtx,
        from: NodeId,
        ballot: Ballot,
        accepted: Option<(Ballot, Val)>,
    ) {
        let majority = self.majority();
        let Phase::Preparing {
            ballot: mine,
            promises,
        } = &mut self.phase
        else {
            return;
        };
        if *mine != ballot {
            return;
        }
        promises.insert(from, accepted);
        if promises.len() < majority {
            return;
        }
        // The highest-ballot acceptance reported: its value may have been chosen.
        let reported = promises.values().flatten().max_by_key(|(b, _)| *b).copied();
        let (value, adopted, ignored) = match reported {
            Some((b, v)) if !self.config.has(PaxosBug::IgnorePromisedValues) => (v, Some(b), None),
            _ => (self.own_value(), None, reported),
        };
        self.phase = Phase::Proposing { ballot, value };
        ctx.note(PaxosNote::Proposes {
            ballot,
            value,
            adopted,
            ignored,
        });
        self.broadcast(ctx, PaxosMsg::Accept { ballot, value });
    }

    pub(super) fn on_nack(&mut self, ctx: &mut PCtx, ballot: Ballot, promised: Ballot) {
        let mine = match &self.phase {
            Phase::Preparing { ballot, .. } | Phase::Proposing { ballot, .. } => *ballot,
            Phase::Idle => return,
        };
        if mine != ballot || promised <= ballot {
            return;
        }
        self.phase = Phase::Idle;
        let after = match self.config.retry {
            RetryWait::AtOnce => 0,
            _ => self.pause(ctx),
        };
        ctx.set_timer(PaxosTimer::Retry, after);
        ctx.note(PaxosNote::Preempted {
            ballot,
            by: promised,
            after,
        });
    }
}
