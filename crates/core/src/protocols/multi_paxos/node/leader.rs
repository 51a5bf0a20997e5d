//! The leader: a node whose election timer fires stands with a higher ballot (phase 1 for
//! every open slot at once); with a majority of promises it re-proposes what was reported
//! and fills gaps with no-ops, then proposes clients' commands slot by slot (phase 2 only),
//! and sends heartbeats; told of a higher ballot, it steps down.

use super::{MCtx, MpNode};
use crate::flat::{FlatMap, FlatSet};
use crate::ids::NodeId;
use crate::protocols::multi_paxos::roles::{CANDIDATE, FOLLOWER, LEADER};
use crate::protocols::multi_paxos::{MpBug, MpMsg, MpNote, MpTimer, MpWrite, Report};
use crate::protocols::paxos::Ballot;
use crate::protocols::raft::Command;

impl MpNode {
    pub(super) fn step_down(&mut self, ctx: &mut MCtx, by: Ballot) {
        if self.role != FOLLOWER {
            if let Some(ballot) = self.ballot {
                ctx.note(MpNote::StepsDown { ballot, by });
            }
            self.role = FOLLOWER;
            self.proposals.clear();
            self.promises.clear();
            ctx.cancel_timer(MpTimer::Heartbeat);
            self.reset_election(ctx);
        }
        if self.leader == Some(self.id) {
            self.leader = None;
        }
    }

    pub(super) fn stand(&mut self, ctx: &mut MCtx) {
        let round = self.round.max(self.highest) + 1;
        self.round = round;
        self.highest = round;
        ctx.persist(MpWrite::Round(round));
        let ballot = Ballot {
            round,
            proposer: self.id.0,
        };
        self.role = CANDIDATE;
        self.ballot = Some(ballot);
        self.leader = None;
        self.from = self.first_open();
        self.promises.clear();
        self.proposals.clear();
        ctx.note(MpNote::Stands {
            ballot,
            from: self.from,
        });
        self.reset_election(ctx);
        let from = self.from;
        self.broadcast(ctx, MpMsg::Prepare { ballot, from });
    }

    pub(super) fn on_promise(
        &mut self,
        ctx: &mut MCtx,
        from: NodeId,
        ballot: Ballot,
        accepted: Vec<Report>,
    ) {
        if self.role != CANDIDATE || self.ballot != Some(ballot) {
            return;
        }
        self.promises.insert(from, accepted);
        if self.promises.len() < self.majority() {
            return;
        }
        // Phase 1 is over for every slot from `from` on: recover what may be chosen.
        let mut best: FlatMap<u64, (Ballot, Command)> = FlatMap::new();
        for (slot, b, cmd) in self.promises.values().flatten() {
            if best.get(slot).is_none_or(|(old, _)| b > old) {
                best.insert(*slot, (*b, cmd.clone()));
            }
        }
        let ignore = self.config.has(MpBug::LeaderIgnoresAccepted);
        let last_reported = best.keys().next_back().copied().unwrap_or(0);
        let last_known = self.chosen.keys().next_back().copied().unwrap_or(0);
        let last = if ignore {
            last_known
        } else {
            last_reported.max(last_known)
        };
        let (mut recovered, mut gaps, mut ignored) = (0, 0, 0);
        let mut plan: Vec<(u64, Command)> = Vec::new();
        for slot in self.from..=last {
            if let Some(cmd) = self.chosen.get(&slot) {
                plan.push((slot, cmd.clone()));
            } else if let (Some((_, cmd)), false) = (best.get(&slot), ignore) {
                recovered += 1;
                plan.push((slot, cmd.clone()));
            } else {
                gaps += 1;
                plan.push((slot, Command::Noop));
            }
        }
        if ignore {
            ignored = best.keys().filter(|s| !self.chosen.contains_key(s)).count();
        }
        self.role = LEADER;
        self.leader = Some(self.id);
        self.promises.clear();
        self.next_slot = last.max(self.from.saturating_sub(1)) + 1;
        ctx.note(MpNote::Leads {
            ballot,
            recovered,
            gaps,
            ignored,
            next: self.next_slot,
        });
        ctx.cancel_timer(MpTimer::Election);
        ctx.set_timer(MpTimer::Heartbeat, self.config.heartbeat_us());
        for (slot, cmd) in plan {
            self.propose(ctx, slot, cmd);
        }
        self.heartbeat(ctx);
    }

    pub(super) fn propose(&mut self, ctx: &mut MCtx, slot: u64, cmd: Command) {
        let Some(ballot) = self.ballot else {
            return;
        };
        ctx.note(MpNote::Proposes {
            slot,
            cmd: cmd.clone(),
        });
        self.proposals.insert(slot, (cmd.clone(), FlatSet::new()));
        self.broadcast(ctx, MpMsg::Accept { ballot, slot, cmd });
    }

    pub(super) fn on_accepted(&mut self, ctx: &mut MCtx, from: NodeId, ballot: Ballot, slot: u64) {
        if self.role != LEADER || self.ballot != Some(ballot) {
            return;
        }
        let majority = self.majority();
        let Some((cmd, by)) = self.proposals.get_mut(&slot) else {
            return;
        };
        by.insert(from);
        if by.len() < majority {
            return;
        }
        let cmd = cmd.clone();
        self.proposals.remove(&slot);
        ctx.note(MpNote::Chooses {
            slot,
            cmd: cmd.clone(),
        });
        self.broadcast(ctx, MpMsg::Chosen { slot, cmd });
    }

    pub(super) fn heartbeat(&mut self, ctx: &mut MCtx) {
        let Some(ballot) = self.ballot.filter(|_| self.role == LEADER) else {
            return;
        };
        let upto = self.first_open() - 1;
        for peer in ctx.peers() {
            ctx.send(peer, MpMsg::Heartbeat { ballot, upto });
        }
        // Accepts that may have been lost are sent again.
        let open: Vec<(u64, Command)> = self
            .proposals
            .iter()
            .map(|(&slot, (cmd, _))| (slot, cmd.clone()))
            .collect();
        for (slot, cmd) in open {
            for peer in ctx.peers() {
                ctx.send(
                    peer,
                    MpMsg::Accept {
                        ballot,
                        slot,
                        cmd: cmd.clone(),
                    },
                );
            }
        }
    }
}
