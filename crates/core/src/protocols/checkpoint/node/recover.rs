//! Going back: a restart from the disk (its checkpoint and what its log replays), an
//! orphan's rollback, and with sender-based logging the collecting of a restarted process's
//! logged jobs from the others.

use super::{CkNode, Collect, KCtx};
use crate::flat::FlatMap;
use crate::ids::NodeId;
use crate::protocols::checkpoint::msg::{Cause, CkMsg, CkNote, CkTimer, CkWrite, Logged, Rollback};
use crate::protocols::checkpoint::{CkBug, Ended, Entry, Event, Logging, Mid, Pos, Scheme};

impl CkNode {
    /// The first event of its history that holds a job a known rollback undid (as an index:
    /// the state before it holds that many events).
    fn first_undone(&self) -> Option<(usize, Mid, Ended)> {
        self.history.iter().enumerate().find_map(|(i, e)| {
            let (id, pos) = e.received()?;
            self.undone_by(id, pos).map(|by| (i, id, by))
        })
    }

    /// Its latest checkpoint it may restore that holds at most `limit` events (permanent
    /// ones only), with how many permanent checkpoints lie past it.
    fn checkpoint_within(&self, limit: Pos) -> (Option<u32>, Pos, u32) {
        let permanent = self.checkpoints.iter().filter(|c| c.permanent);
        let best = permanent
            .clone()
            .filter(|c| c.pos <= limit)
            .max_by_key(|c| (c.pos, c.number));
        let (number, pos) = best.map_or((None, 0), |c| (Some(c.number), c.pos));
        let passed = permanent.filter(|c| c.pos > pos).count() as u32;
        (number, pos, passed)
    }

    /// Its latest permanent checkpoint whose round is at most `round`.
    fn checkpoint_of_round(&self, round: u32) -> (Option<u32>, Pos, u32) {
        let permanent = self.checkpoints.iter().filter(|c| c.permanent);
        let best = permanent
            .clone()
            .filter(|c| c.number <= round)
            .max_by_key(|c| c.number);
        let (number, pos) = best.map_or((None, 0), |c| (Some(c.number), c.pos));
        let passed = permanent.filter(|c| c.pos > pos).count() as u32;
        (number, pos, passed)
    }

    /// After a crash: back to its last checkpoint (coordinated: its last round that was
    /// done), then what its log replays; with sender-based logging, it first collects the
    /// jobs the others logged for it.
    pub(super) fn restart(&mut self, ctx: &mut KCtx) {
        let len = self.history.len() as Pos;
        let clean = self.first_undone().map_or(len, |(i, _, _)| i as Pos);
        let trusting = self.config.by_rounds() || self.config.has(CkBug::LatestCheckpoint);
        let (checkpoint, at, passed) = if trusting {
            self.checkpoint_within(Pos::MAX)
        } else {
            self.checkpoint_within(clean)
        };
        match self.config.logging {
            Logging::PessimisticSender => {
                self.history.truncate(at as usize);
                self.recount();
                self.collecting = Some(Collect {
                    checkpoint,
                    after: at,
                    passed,
                    answers: FlatMap::default(),
                });
                ctx.note(CkNote::Collects {
                    checkpoint,
                    pos: at,
                });
                let attempt = self.inc;
                for p in self.peers() {
                    ctx.send(p, CkMsg::AskLog { after: at, attempt });
                }
            }
            Logging::PessimisticReceiver | Logging::Optimistic => {
                let to = clean.max(at);
                self.go_back(ctx, to, checkpoint, passed, None);
            }
            Logging::None => self.go_back(ctx, at, checkpoint, passed, None),
        }
    }

    /// Goes back to the state after `to` events of its history (checkpoint `checkpoint` and
    /// what was replayed past it, `passed` later checkpoints dropped), writes the rollback
    /// down, and unless a bug silences it starts a new incarnation and tells everyone where
    /// the old one ended. `orphan`: the rollback that undid a job its state held, and that
    /// job; `None` for a restart.
    fn go_back(
        &mut self,
        ctx: &mut KCtx,
        to: Pos,
        checkpoint: Option<u32>,
        passed: u32,
        orphan: Option<(Ended, Mid)>,
    ) {
        let (cause, lost) = match orphan {
            Some((by, id)) => (
                Cause::Orphan { of: by.node, id },
                Some((self.history.len() as Pos).saturating_sub(to)),
            ),
            None => (Cause::Restart, None),
        };
        let restored = checkpoint
            .and_then(|k| {
                self.checkpoints
                    .iter()
                    .find(|c| c.permanent && c.number == k)
            })
            .copied();
        let from_checkpoint = restored.map_or(0, |c| c.pos);
        self.history.truncate(to as usize);
        self.recount();
        let reached = if to > from_checkpoint {
            self.history.last().map(|e| e.at)
        } else {
            restored.map(|c| c.at)
        };
        let line = match orphan {
            Some((e, _)) => e.line,
            None => (u64::from(self.id.0) << 32) | u64::from(self.inc),
        };
        let rollback = Rollback {
            inc: self.inc,
            to,
            checkpoint,
            replayed: to.saturating_sub(from_checkpoint),
            passed,
            lost,
            reached,
            line,
            cause,
        };
        let told = !(cause == Cause::Restart && self.config.has(CkBug::NoRollback));
        let ended = told.then(|| Ended {
            node: self.id,
            inc: self.inc,
            at: to,
            round: (self.config.scheme == Scheme::Coordinated).then(|| checkpoint.unwrap_or(0)),
            line,
        });
        ctx.persist(CkWrite::Rollback { rollback, ended });
        self.durable = self.durable.min(to);
        self.checkpoints.retain(|c| c.permanent && c.pos <= to);
        self.rollbacks.push(rollback);
        if let Some(e) = ended {
            if let Err(i) = self.table.binary_search(&e) {
                self.table.insert(i, e);
            }
            self.inc += 1;
        }
        if self.holding.take().is_some() && self.open.take().is_some() {
            // The coordinator went back past its round's tentative checkpoint: the round is
            // abandoned, and a new one comes an interval later.
            self.schedule_checkpoint(ctx);
        }
        self.unconfirmed.retain(|_, rsn| rsn.pos <= to);
        self.restores += 1;
        self.base = to;
        let note = CkNote::Restored {
            rollback,
            total: self.total,
            told,
            collected: cause == Cause::Restart && self.config.logging == Logging::PessimisticSender,
        };
        ctx.record(note.clone());
        ctx.note(note);
        if told {
            self.known = vec![None; self.n];
            self.tell_rollbacks(ctx);
        }
        if self.config.batches() && self.durable < to && !self.flush_armed {
            ctx.set_timer(CkTimer::Flush, self.config.flush_us);
            self.flush_armed = true;
        }
        self.start_due(ctx);
    }

    /// If its state holds a job that a rollback it knows of undid, it is an orphan: it goes
    /// back to a state without that job (with a log, to just before it; with coordinated
    /// checkpoints and no log, to its checkpoint of the round the other went back to;
    /// otherwise to its latest checkpoint that does not hold it).
    pub(super) fn check_orphan(&mut self, ctx: &mut KCtx) {
        if self.collecting.is_some() {
            return;
        }
        let Some((first, id, by)) = self.first_undone() else {
            return;
        };
        let first = first as Pos;
        let (checkpoint, to, passed) = if self.config.logging.replays() {
            let (k, _, passed) = self.checkpoint_within(first);
            (k, first, passed)
        } else if self.config.by_rounds() {
            let round = self.history[first as usize..]
                .iter()
                .filter_map(|e| {
                    let (id, pos) = e.received()?;
                    self.table
                        .iter()
                        .filter(|t| t.undoes(id, pos))
                        .filter_map(|t| t.round)
                        .min()
                })
                .min()
                .unwrap_or(0);
            self.checkpoint_of_round(round)
        } else if self.config.has(CkBug::LatestCheckpoint) {
            self.checkpoint_within(Pos::MAX)
        } else {
            self.checkpoint_within(first)
        };
        self.go_back(ctx, to, checkpoint, passed, Some((by, id)));
    }

    /// Which of its incarnations did its event at position `pos`: the latest one that
    /// began at or before it (an incarnation begins just after where the one before ended).
    fn owner(&self, pos: Pos) -> u32 {
        self.table
            .iter()
            .filter(|e| e.node == self.id && e.at < pos)
            .map(|e| e.inc + 1)
            .max()
            .unwrap_or(0)
    }

    /// A peer's copy of the jobs it logged for this restarted process.
    pub(super) fn on_log_copy(
        &mut self,
        ctx: &mut KCtx,
        from: NodeId,
        attempt: u32,
        jobs: Vec<Logged>,
    ) {
        if attempt != self.inc {
            return;
        }
        let Some(c) = &mut self.collecting else {
            return;
        };
        c.answers.insert(from, jobs);
        if c.answers.len() + 1 >= self.n {
            self.replay_collected(ctx);
        }
    }

    /// Every peer has answered: the events past its checkpoint are its own jobs (in its own
    /// log) and the jobs it received, each at the place its receive sequence number gives;
    /// it replays them in order as far as they run without a gap.
    fn replay_collected(&mut self, ctx: &mut KCtx) {
        let Some(c) = self.collecting.take() else {
            return;
        };
        let mut at: FlatMap<Pos, Entry> = FlatMap::default();
        for l in &self.sent {
            if l.pos > c.after && self.owner(l.pos) == l.id.inc {
                at.insert(
                    l.pos,
                    Entry {
                        inc: l.id.inc,
                        at: l.at,
                        event: Event::Tick {
                            to: l.to,
                            seq: l.id.seq,
                            size: l.size,
                        },
                    },
                );
            }
        }
        for l in c.answers.values().flatten() {
            let Some(rsn) = l.rsn else {
                continue;
            };
            if rsn.pos > c.after && self.owner(rsn.pos) == rsn.inc {
                at.insert(
                    rsn.pos,
                    Entry {
                        inc: rsn.inc,
                        at: rsn.at,
                        event: Event::Apply {
                            id: l.id,
                            pos: l.pos,
                            size: l.size,
                        },
                    },
                );
            }
        }
        let mut next = c.after + 1;
        while let Some(e) = at.get(&next) {
            self.push(*e);
            next += 1;
        }
        let len = self.history.len() as Pos;
        let to = self.first_undone().map_or(len, |(i, _, _)| i as Pos);
        self.go_back(ctx, to, c.checkpoint, c.passed, None);
    }
}
