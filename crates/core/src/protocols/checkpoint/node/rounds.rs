//! Checkpoints: each process's own (independent), and the coordinated rounds (the
//! coordinator's request, the tentative checkpoints and reports, done or abandoned).

use super::{CkNode, KCtx};
use crate::flat::FlatSet;
use crate::ids::NodeId;
use crate::protocols::checkpoint::msg::{Checkpoint, CkMsg, CkNote, CkTimer, CkWrite};
use crate::protocols::checkpoint::{Pos, Scheme, COORDINATOR};

impl CkNode {
    /// Arms the checkpoint timer: the coordinator's next round `interval` from now; an
    /// independent process's next checkpoint at a random moment about `interval` away.
    pub(super) fn schedule_checkpoint(&mut self, ctx: &mut KCtx) {
        let i = self.config.interval_us;
        match self.config.scheme {
            Scheme::Coordinated if self.id == COORDINATOR => {
                ctx.set_timer(CkTimer::Checkpoint, i);
            }
            Scheme::Coordinated => {}
            Scheme::Independent => {
                let after = ctx.random_between((i / 2).max(1), i + i / 2);
                ctx.set_timer(CkTimer::Checkpoint, after);
            }
        }
    }

    pub(super) fn on_checkpoint_timer(&mut self, ctx: &mut KCtx) {
        match self.config.scheme {
            Scheme::Independent => {
                self.schedule_checkpoint(ctx);
                if self.collecting.is_none() {
                    let number = self.taken + 1;
                    self.take_checkpoint(ctx, number, true, None);
                }
            }
            Scheme::Coordinated => self.start_round(ctx),
        }
    }

    /// Writes its state as checkpoint `number` (with the events not yet on disk);
    /// `round`: tentative, for that round.
    fn take_checkpoint(
        &mut self,
        ctx: &mut KCtx,
        number: u32,
        permanent: bool,
        round: Option<u32>,
    ) {
        let pos = self.history.len() as Pos;
        let checkpoint = Checkpoint {
            number,
            pos,
            total: self.total,
            at: ctx.clock(),
            permanent,
        };
        let from = self.durable.min(pos);
        ctx.persist(CkWrite::Checkpoint {
            checkpoint,
            from: self.durable,
            events: self.history[from as usize..].to_vec(),
        });
        self.durable = self.durable.max(pos);
        self.checkpoints.retain(|c| c.permanent);
        self.checkpoints.push(checkpoint);
        self.taken = self.taken.max(number);
        let note = CkNote::Checkpoint {
            number,
            pos,
            total: self.total,
            round,
            starts: round.is_some() && self.id == COORDINATOR,
        };
        ctx.record(note.clone());
        ctx.note(note);
        if permanent {
            self.settled(ctx, pos);
        }
    }

    /// A permanent checkpoint now holds everything up to `pos`: receipts before it need no
    /// confirmation from their senders any more.
    fn settled(&mut self, ctx: &mut KCtx, pos: Pos) {
        self.unconfirmed.retain(|_, rsn| rsn.pos > pos);
        self.start_due(ctx);
    }

    /// The coordinator starts a round (unless one is open, or it is collecting its log).
    fn start_round(&mut self, ctx: &mut KCtx) {
        if self.open.is_some() {
            return;
        }
        if self.collecting.is_some() {
            self.schedule_checkpoint(ctx);
            return;
        }
        let round = self.rounds + 1;
        ctx.persist(CkWrite::Round { round });
        self.rounds = round;
        self.take_checkpoint(ctx, round, false, Some(round));
        self.holding = Some(round);
        let mut reports = FlatSet::default();
        reports.insert(self.id);
        self.open = Some((round, reports));
        for p in self.peers() {
            ctx.send(p, CkMsg::Request { round });
        }
        self.maybe_complete(ctx);
    }

    /// A participant asked to checkpoint for `round`.
    pub(super) fn on_request(&mut self, ctx: &mut KCtx, from: NodeId, round: u32) {
        if from != COORDINATOR || self.config.scheme != Scheme::Coordinated {
            return;
        }
        if self.collecting.is_some() {
            return;
        }
        if let Some(h) = self.holding {
            if h == round {
                ctx.send(from, CkMsg::Report { round });
                return;
            }
            if h < round {
                // A new round: the one it held for was finished or abandoned without its
                // hearing of it.
                self.abandon(ctx, h);
            } else {
                return;
            }
        }
        let last = self
            .checkpoints
            .iter()
            .filter(|c| c.permanent)
            .map(|c| c.number)
            .max()
            .unwrap_or(0);
        if round == last {
            ctx.send(from, CkMsg::Report { round });
        } else if round > last {
            self.take_checkpoint(ctx, round, false, Some(round));
            self.holding = Some(round);
            ctx.send(from, CkMsg::Report { round });
        }
    }

    /// The coordinator hears a report.
    pub(super) fn on_report(&mut self, ctx: &mut KCtx, from: NodeId, round: u32) {
        if self.config.scheme != Scheme::Coordinated || self.id != COORDINATOR {
            return;
        }
        if let Some((r, reports)) = &mut self.open {
            if *r == round {
                reports.insert(from);
                self.maybe_complete(ctx);
                return;
            }
        }
        if self
            .checkpoints
            .iter()
            .any(|c| c.permanent && c.number == round)
        {
            ctx.send(from, CkMsg::Done { round });
        } else if round <= self.rounds {
            ctx.send(from, CkMsg::Abort { round });
        }
    }

    /// The coordinator finishes its open round once every process has reported.
    fn maybe_complete(&mut self, ctx: &mut KCtx) {
        let Some((round, reports)) = &self.open else {
            return;
        };
        if reports.len() < self.n {
            return;
        }
        let round = *round;
        self.open = None;
        self.make_permanent(ctx, round);
        let note = CkNote::Done {
            round,
            coordinator: true,
        };
        ctx.record(note.clone());
        ctx.note(note);
        for p in self.peers() {
            ctx.send(p, CkMsg::Done { round });
        }
        self.schedule_checkpoint(ctx);
        self.start_due(ctx);
    }

    fn make_permanent(&mut self, ctx: &mut KCtx, round: u32) {
        ctx.persist(CkWrite::Permanent { number: round });
        let mut pos = None;
        for c in self.checkpoints.iter_mut().filter(|c| c.number == round) {
            c.permanent = true;
            pos = Some(c.pos);
        }
        self.holding = None;
        if let Some(pos) = pos {
            self.settled(ctx, pos);
        }
    }

    pub(super) fn on_done(&mut self, ctx: &mut KCtx, from: NodeId, round: u32) {
        if from != COORDINATOR || self.holding != Some(round) {
            return;
        }
        self.make_permanent(ctx, round);
        let note = CkNote::Done {
            round,
            coordinator: false,
        };
        ctx.record(note.clone());
        ctx.note(note);
        self.start_due(ctx);
    }

    pub(super) fn on_abort(&mut self, ctx: &mut KCtx, from: NodeId, round: u32) {
        if from != COORDINATOR || self.holding != Some(round) {
            return;
        }
        self.abandon(ctx, round);
        self.start_due(ctx);
    }

    /// Drops its tentative checkpoint of `round` and lets its jobs flow again.
    fn abandon(&mut self, ctx: &mut KCtx, round: u32) {
        ctx.persist(CkWrite::Drop { number: round });
        self.checkpoints
            .retain(|c| c.permanent || c.number != round);
        self.holding = None;
        ctx.note(CkNote::Abandons { round });
    }

    /// Sends again what a round waits for: a held report, or the coordinator's requests to
    /// those that have not reported.
    pub(super) fn repair_rounds(&mut self, ctx: &mut KCtx) {
        if self.config.scheme != Scheme::Coordinated {
            return;
        }
        if let Some((round, reports)) = &self.open {
            for p in self.peers().filter(|p| !reports.contains(p)) {
                ctx.send(p, CkMsg::Request { round: *round });
            }
        } else if let Some(round) = self.holding {
            if self.id != COORDINATOR {
                ctx.send(COORDINATOR, CkMsg::Report { round });
            }
        }
    }
}
