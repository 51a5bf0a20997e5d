//! Every replica's part in agreement: accept the primary's pre-prepare, prepare with 2f
//! others, commit with 2f + 1, execute in sequence order; and catching up from f + 1
//! matching claims of what others committed.

use super::{PCtx, PbftBug, PbftMsg, PbftNode, PbftNote, PbftWrite, CHECKPOINT_EVERY};
use crate::ids::NodeId;
use crate::protocols::raft::Command;

impl PbftNode {
    pub(super) fn prepare_quorum(&self) -> usize {
        if self.config.has(PbftBug::PrepareQuorumF) {
            self.f()
        } else {
            2 * self.f()
        }
    }

    pub(super) fn on_pre_prepare(
        &mut self,
        ctx: &mut PCtx,
        from: NodeId,
        view: u64,
        seq: u64,
        cmd: Command,
    ) {
        if view != self.view
            || self.changing
            || from != self.primary_of(view)
            || from == self.id
            || seq <= self.stable
        {
            return;
        }
        match self.accepted.get(&seq) {
            Some((v, c)) if *v == view && *c != cmd => return,
            Some((v, _)) if *v == view => {}
            _ => {
                if !self.accept(ctx, view, seq, &cmd) {
                    return;
                }
            }
        }
        self.record(seq, self.id, view, cmd.clone(), false);
        self.broadcast(ctx, PbftMsg::Prepare { view, seq, cmd });
        self.advance(ctx, seq);
    }

    /// Accepts `cmd` at `seq` in `view` (on disk first), unless this replica committed
    /// another request there; false then.
    pub(super) fn accept(&mut self, ctx: &mut PCtx, view: u64, seq: u64, cmd: &Command) -> bool {
        if seq <= self.stable || self.committed.get(&seq).is_some_and(|(_, c)| c != cmd) {
            return false;
        }
        self.prepared.remove(&seq);
        self.accepted.insert(seq, (view, cmd.clone()));
        ctx.persist(PbftWrite::Accept {
            view,
            seq,
            cmd: cmd.clone(),
        });
        if let Command::Client { req, .. } = cmd {
            self.ordered.insert(*req, seq);
        }
        true
    }

    pub(super) fn record(&mut self, seq: u64, from: NodeId, view: u64, cmd: Command, commit: bool) {
        let votes = if commit {
            self.commits.entry(seq).or_default()
        } else {
            self.prepares.entry(seq).or_default()
        };
        if !votes
            .iter()
            .any(|(n, v, c)| *n == from && *v == view && *c == cmd)
        {
            votes.push((from, view, cmd));
        }
    }

    pub(super) fn matching(&self, seq: u64, view: u64, cmd: &Command, commit: bool) -> usize {
        let votes = if commit {
            &self.commits
        } else {
            &self.prepares
        };
        votes.get(&seq).map_or(0, |vs| {
            let voters = vs.iter().filter(|(_, v, c)| *v == view && c == cmd);
            crate::flat::FlatSet::from_iter(voters.map(|(n, _, _)| *n)).len()
        })
    }

    /// Moves sequence number `seq` on as far as the votes allow: prepared, then committed,
    /// then executed (with every earlier one).
    pub(super) fn advance(&mut self, ctx: &mut PCtx, seq: u64) {
        if self.changing {
            return;
        }
        if let Some((view, cmd)) = self.accepted.get(&seq).cloned() {
            // A replica that committed this request in an earlier view still prepares it
            // again in a new view: the others need its commit to get there too.
            if !self.prepared.contains(&seq)
                && view == self.view
                && self.matching(seq, view, &cmd, false) >= self.prepare_quorum()
            {
                self.prepared.insert(seq);
                self.certs.insert(seq, (view, cmd.clone()));
                ctx.persist(PbftWrite::Prepared {
                    view,
                    seq,
                    cmd: cmd.clone(),
                });
                ctx.note(PbftNote::Prepared {
                    seq,
                    cmd: cmd.clone(),
                });
                self.record(seq, self.id, view, cmd.clone(), true);
                self.broadcast(ctx, PbftMsg::Commit { view, seq, cmd });
            }
        }
        if let Some((view, cmd)) = self.accepted.get(&seq).cloned() {
            if self.prepared.contains(&seq)
                && !self.committed.contains_key(&seq)
                && self.matching(seq, view, &cmd, true) > 2 * self.f()
            {
                self.commit(ctx, seq, view, cmd);
            }
        }
        self.execute(ctx);
    }

    pub(super) fn execute(&mut self, ctx: &mut PCtx) {
        let before = self.executed;
        self.execute_committed(ctx);
        if self.executed > before {
            self.order_heard(ctx);
        }
    }

    pub(super) fn execute_committed(&mut self, ctx: &mut PCtx) {
        while let Some((_, cmd)) = self.committed.get(&(self.executed + 1)).cloned() {
            self.executed += 1;
            self.stalled = 0;
            self.attempts = 0;
            if let Command::Client { req, origin, op } = cmd {
                self.heard.remove(&req);
                let result = match self.kv.apply(req, &op) {
                    Some(result) => result,
                    None => match self.results.get(&req) {
                        Some((_, r)) => r.clone(),
                        None => continue,
                    },
                };
                self.results.insert(req, (origin, result.clone()));
                self.send_reply(ctx, origin, req, result);
            }
            if self.executed.is_multiple_of(CHECKPOINT_EVERY) {
                self.take_checkpoint(ctx);
            }
        }
    }

    pub(super) fn on_vote(
        &mut self,
        ctx: &mut PCtx,
        from: NodeId,
        view: u64,
        seq: u64,
        cmd: Command,
        commit: bool,
    ) {
        // Votes count only in the view they were cast in, and not while this replica is
        // leaving it: what it prepares after asking for the next view would be missing
        // from its view-change message, and the new primary could order something else.
        if view != self.view
            || self.changing
            || seq <= self.stable
            || (!commit && from == self.primary_of(view))
        {
            return;
        }
        // A prepare for what this replica prepared and executed long ago: the sender is
        // behind and may have lost this replica's commit, so send it again.
        if !commit && seq <= self.executed && self.prepared.contains(&seq) {
            if let Some((v, c)) = self.accepted.get(&seq) {
                if *v == view && *c == cmd {
                    ctx.send(from, PbftMsg::Commit { view, seq, cmd });
                    return;
                }
            }
        }
        self.record(seq, from, view, cmd, commit);
        self.advance(ctx, seq);
    }

    pub(super) fn on_status(&mut self, ctx: &mut PCtx, from: NodeId, view: u64, executed: u64) {
        if view < self.view && !self.changing && self.is_primary() {
            if let Some(nv) = self.new_view.clone() {
                ctx.send(from, nv);
            }
        }
        if executed >= self.executed {
            return;
        }
        if executed < self.stable {
            let snapshot = self.stable_state.clone();
            ctx.send(
                from,
                PbftMsg::State {
                    seq: self.stable,
                    snapshot,
                },
            );
        }
        // Resend, for a few of the sequence numbers it misses, what this replica sent.
        let missed: Vec<(u64, (u64, Command))> = self
            .committed
            .range(executed + 1..)
            .take(16)
            .map(|(s, e)| (*s, e.clone()))
            .collect();
        for (seq, (_, cmd)) in missed {
            ctx.send(from, PbftMsg::Committed { seq, cmd });
        }
    }

    pub(super) fn on_committed(&mut self, ctx: &mut PCtx, from: NodeId, seq: u64, cmd: Command) {
        if seq <= self.executed || self.committed.contains_key(&seq) {
            return;
        }
        let claims = self.claims.entry(seq).or_default();
        if !claims.iter().any(|(n, _)| *n == from) {
            claims.push((from, cmd.clone()));
        }
        let matching = claims.iter().filter(|(_, c)| *c == cmd).count();
        if matching > self.f() {
            self.claims.remove(&seq);
            let view = self.view;
            self.commit(ctx, seq, view, cmd);
            self.execute(ctx);
        }
    }
}
