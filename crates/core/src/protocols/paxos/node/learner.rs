//! The learner: a value is chosen once a majority of acceptors accepted it in one ballot,
//! and the learner learns it on hearing that from a majority (or being told by a node that
//! learned it).

use super::{PCtx, PaxosNode};
use crate::flat::FlatSet;
use crate::ids::NodeId;
use crate::protocols::paxos::{names, Ballot, PaxosNote, PaxosTimer, PaxosWrite, Phase, Val};

impl PaxosNode {
    pub(super) fn on_accepted(&mut self, ctx: &mut PCtx, from: NodeId, ballot: Ballot, value: Val) {
        let majority = self.majority();
        let (_, by) = self
            .votes
            .entry(ballot)
            .or_insert_with(|| (value, FlatSet::new()));
        by.insert(from);
        if self.learned.is_some() || by.len() < majority {
            return;
        }
        let by = by.clone();
        self.learned_how = format!("accepted by {} in ballot {ballot}", names(&by));
        ctx.note(PaxosNote::Learns { value, ballot, by });
        self.learn(ctx, value);
    }

    pub(super) fn learn(&mut self, ctx: &mut PCtx, value: Val) {
        self.learned = Some(value);
        ctx.persist(PaxosWrite::Learned(value));
        self.phase = Phase::Idle;
        ctx.cancel_timer(PaxosTimer::Retry);
        ctx.cancel_timer(PaxosTimer::Ask);
    }
}
