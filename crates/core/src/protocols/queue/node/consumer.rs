//! A consumer: takes one message at a time, works on it, writes its effect to the database
//! and acknowledges it; the poison message crashes it.

use super::QCtx;
use crate::flat::FlatSet;
use crate::protocols::queue::msg::{QDisk, QMsg, QNote, QTimer, QWrite};
use crate::protocols::queue::{QBug, QConfig, ASK_AGAIN, BROKER, DATABASE, WORK, WRITE_AGAIN};

/// What a consumer is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Doing {
    /// Waiting for a message.
    Idle,
    /// Working on message `number`.
    Working { number: u32, count: u32 },
    /// Waiting for the database to confirm message `number`'s write.
    Writing { number: u32 },
    /// Crashed on the poison; silent until it runs again.
    Crashed,
    /// Took a poison pill: takes nothing more.
    Stopped,
}

#[derive(Clone, Debug)]
pub struct Consumer {
    doing: Doing,
    /// Messages it wrote, and crashes, since it last booted.
    processed: u64,
    crashes: u32,
    /// The local-dedup bug: the messages it wrote, in memory only.
    seen: FlatSet<u32>,
}

impl Consumer {
    pub(super) fn boot(disk: &QDisk) -> Self {
        Consumer {
            doing: if disk.stopped {
                Doing::Stopped
            } else {
                Doing::Idle
            },
            processed: 0,
            crashes: 0,
            seen: FlatSet::default(),
        }
    }

    pub fn doing(&self) -> Doing {
        self.doing
    }

    pub fn processed(&self) -> u64 {
        self.processed
    }

    pub fn crashes(&self) -> u32 {
        self.crashes
    }

    /// The message it holds (working on it or writing it), if any.
    pub fn holds(&self) -> Option<u32> {
        match self.doing {
            Doing::Working { number, .. } | Doing::Writing { number } => Some(number),
            _ => None,
        }
    }

    /// At boot: asks for a message (unless a pill stopped it).
    pub(super) fn start(&mut self, ctx: &mut QCtx) {
        if self.doing == Doing::Idle {
            self.ask(ctx);
        }
    }

    fn ask(&mut self, ctx: &mut QCtx) {
        self.doing = Doing::Idle;
        ctx.send(BROKER, QMsg::Ready);
        ctx.set_timer(QTimer::Again, ASK_AGAIN);
    }

    pub(super) fn deliver(&mut self, ctx: &mut QCtx, config: &QConfig, number: u32, count: u32) {
        match self.doing {
            Doing::Crashed => return,
            Doing::Idle => {}
            _ if self.holds() == Some(number) => return,
            _ => {
                ctx.send(BROKER, QMsg::Release { number });
                return;
            }
        }
        if number == 0 {
            return;
        }
        if config.is_pill(number) {
            ctx.send(
                BROKER,
                QMsg::Ack {
                    number,
                    ready: false,
                },
            );
            ctx.persist(QWrite::Stop);
            ctx.cancel_timer(QTimer::Again);
            self.doing = Doing::Stopped;
            ctx.note(QNote::Stops);
            return;
        }
        if config.ack_before {
            ctx.send(
                BROKER,
                QMsg::Ack {
                    number,
                    ready: false,
                },
            );
        }
        if config.has(QBug::LocalDedup) && config.idempotent && self.seen.contains(&number) {
            // It remembers writing this one: done at once.
            self.done(ctx, config, number);
            return;
        }
        ctx.cancel_timer(QTimer::Again);
        self.doing = Doing::Working { number, count };
        ctx.set_timer(QTimer::Work, WORK);
    }

    /// Its work on the message is over: the poison crashes it; anything else is written to
    /// the database.
    pub(super) fn worked(&mut self, ctx: &mut QCtx, config: &QConfig) {
        let Doing::Working { number, .. } = self.doing else {
            return;
        };
        if config.is_poison(number) {
            let note = QNote::Crashed { number };
            ctx.record(note.clone());
            ctx.note(note);
            self.doing = Doing::Crashed;
            self.crashes += 1;
            self.seen = FlatSet::default();
            ctx.cancel_timer(QTimer::Again);
            ctx.set_timer(QTimer::Restart, config.restart_us);
            return;
        }
        self.doing = Doing::Writing { number };
        self.write(ctx, config, number);
    }

    fn write(&mut self, ctx: &mut QCtx, config: &QConfig, number: u32) {
        ctx.send(
            DATABASE,
            QMsg::Write {
                number,
                keyed: config.keyed(),
            },
        );
        ctx.set_timer(QTimer::Again, WRITE_AGAIN);
    }

    /// The database confirms the write: acknowledge (after processing) and take another.
    pub(super) fn written(&mut self, ctx: &mut QCtx, config: &QConfig, number: u32) {
        if self.doing != (Doing::Writing { number }) {
            return;
        }
        self.processed += 1;
        if config.has(QBug::LocalDedup) && config.idempotent {
            self.seen.insert(number);
        }
        self.done(ctx, config, number);
    }

    fn done(&mut self, ctx: &mut QCtx, config: &QConfig, number: u32) {
        if config.ack_before {
            ctx.send(BROKER, QMsg::Ready);
            ctx.set_timer(QTimer::Again, ASK_AGAIN);
            self.doing = Doing::Idle;
        } else {
            ctx.send(
                BROKER,
                QMsg::Ack {
                    number,
                    ready: true,
                },
            );
            ctx.set_timer(QTimer::Again, ASK_AGAIN);
            self.doing = Doing::Idle;
        }
    }

    /// Asks again for a message it did not get, or sends again a write not confirmed.
    pub(super) fn again(&mut self, ctx: &mut QCtx, config: &QConfig) {
        match self.doing {
            Doing::Idle => self.ask(ctx),
            Doing::Writing { number } => self.write(ctx, config, number),
            _ => {}
        }
    }

    /// Running again after the crash: memory empty, it asks for a message.
    pub(super) fn restarted(&mut self, ctx: &mut QCtx) {
        if self.doing == Doing::Crashed {
            self.ask(ctx);
        }
    }
}
