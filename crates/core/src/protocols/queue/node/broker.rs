//! The broker: the producer's messages, the queue, deliveries and their visibility
//! timeouts, and what happens to a message whose delivery failed.

use super::QCtx;
use crate::ids::NodeId;
use crate::protocols::queue::msg::{Held, QDisk, QMsg, QNote, QTimer, QWrite, Stored};
use crate::protocols::queue::{QBug, QConfig, Strategy};
use std::collections::VecDeque;

#[derive(Clone, Debug, Default)]
pub struct Broker {
    /// Every message made so far, message `n` at `n - 1` (as on its disk).
    messages: Vec<Stored>,
    /// The queued messages, in the order they will be delivered.
    queue: VecDeque<u32>,
    /// Consumers that asked for a message and have not been given one yet.
    waiting: Vec<NodeId>,
    /// How many consumers the cluster has (one pill for each).
    consumers: u32,
    /// Its monotonic clock at its latest input, and when it last made a message or settled
    /// one (acknowledged, dead-lettered or dropped), or booted.
    now: i64,
    progressed: i64,
}

impl Broker {
    pub(super) fn boot(disk: &QDisk, consumers: u32) -> Self {
        let queue = (1..=disk.messages.len() as u32)
            .filter(|&n| disk.messages[n as usize - 1].held == Held::Queued)
            .collect();
        Broker {
            messages: disk.messages.clone(),
            queue,
            waiting: Vec::new(),
            consumers,
            now: 0,
            progressed: 0,
        }
    }

    /// Every message made so far, message `n` at `n - 1`.
    pub fn messages(&self) -> &[Stored] {
        &self.messages
    }

    pub fn message(&self, number: u32) -> Option<Stored> {
        self.messages
            .get((number as usize).wrapping_sub(1))
            .copied()
    }

    pub fn queue(&self) -> &VecDeque<u32> {
        &self.queue
    }

    /// Messages in the retry queue.
    pub fn aside(&self) -> usize {
        self.messages
            .iter()
            .filter(|m| m.held == Held::Aside)
            .count()
    }

    pub fn dead_letters(&self) -> impl Iterator<Item = u32> + '_ {
        (1..=self.messages.len() as u32)
            .filter(|&n| self.messages[n as usize - 1].held == Held::Dead)
    }

    /// Consumers waiting for a message.
    pub fn waiting(&self) -> &[NodeId] {
        &self.waiting
    }

    /// How long (its own clock, at its latest input) since it last made a message or
    /// settled one: how long the queue has gone without progress.
    pub fn quiet_for(&self) -> i64 {
        self.now - self.progressed
    }

    /// Every input: the time.
    pub(super) fn tick(&mut self, ctx: &QCtx) {
        self.now = ctx.monotonic_clock();
    }

    /// After a boot: the timers of the messages out and aside again, and the producer.
    pub(super) fn start(&mut self, ctx: &mut QCtx, config: &QConfig) {
        self.tick(ctx);
        self.progressed = self.now;
        for n in 1..=self.messages.len() as u32 {
            match self.messages[n as usize - 1].held {
                Held::Out(_) => ctx.set_timer(QTimer::Visible(n), config.timeout_us),
                Held::Aside => ctx.set_timer(QTimer::Back(n), config.delay_us),
                _ => {}
            }
        }
        if (self.messages.len() as u32) < config.messages {
            ctx.set_timer(QTimer::Produce, config.interval_us);
        }
        self.pills(ctx, config);
    }

    fn store(&mut self, ctx: &mut QCtx, number: u32, stored: Stored) {
        let i = number as usize - 1;
        if self.messages.len() <= i || stored.held.settled() {
            self.progressed = self.now;
        }
        if self.messages.len() <= i {
            self.messages.resize(i + 1, stored);
        }
        self.messages[i] = stored;
        ctx.persist(QWrite::Message { number, stored });
    }

    /// A new message (or pill), never delivered yet, stored and put at the back of the queue.
    fn enqueue_new(&mut self, ctx: &mut QCtx, number: u32) {
        self.store(
            ctx,
            number,
            Stored {
                held: Held::Queued,
                deliveries: 0,
            },
        );
        self.queue.push_back(number);
    }

    /// The producer makes the next message, at the back of the queue.
    pub(super) fn produce(&mut self, ctx: &mut QCtx, config: &QConfig) {
        let number = self.messages.len() as u32 + 1;
        if number > config.messages {
            return;
        }
        self.enqueue_new(ctx, number);
        if number < config.messages {
            ctx.set_timer(QTimer::Produce, config.interval_us);
        }
        self.pills(ctx, config);
        self.pump(ctx, config);
    }

    /// With pills: once every message is made and settled, one pill per consumer at the
    /// back of the queue. (Sent any earlier, a pill could reach a consumer before a message
    /// that is delivered again later, and once every consumer has stopped that message
    /// would wait for ever.)
    fn pills(&mut self, ctx: &mut QCtx, config: &QConfig) {
        let consumers = if config.has(QBug::OnePill) {
            self.consumers.min(1)
        } else {
            self.consumers
        };
        let made = self.messages.len() as u32;
        if !config.pills() || made != config.messages || consumers == 0 {
            return;
        }
        if !self.messages.iter().all(|m| m.held.settled()) {
            return;
        }
        for number in made + 1..=made + consumers {
            self.enqueue_new(ctx, number);
        }
        ctx.note(QNote::Pills { count: consumers });
        self.pump(ctx, config);
    }

    /// Consumer `from` asks for a message.
    pub(super) fn ready(&mut self, ctx: &mut QCtx, config: &QConfig, from: NodeId) {
        if !self.waiting.contains(&from) {
            self.waiting.push(from);
        }
        self.pump(ctx, config);
    }

    /// Hands the head of the queue to each waiting consumer in turn.
    fn pump(&mut self, ctx: &mut QCtx, config: &QConfig) {
        while !self.waiting.is_empty() {
            let Some(number) = self.queue.pop_front() else {
                break;
            };
            let to = self.waiting.remove(0);
            let mut stored = self.messages[number as usize - 1];
            stored.deliveries += 1;
            stored.held = Held::Out(to);
            self.store(ctx, number, stored);
            ctx.record(QNote::Delivered { number });
            ctx.send(
                to,
                QMsg::Deliver {
                    number,
                    count: stored.deliveries,
                },
            );
            ctx.set_timer(QTimer::Visible(number), config.timeout_us);
        }
    }

    /// Consumer `from` acknowledges message `number`: it is done (unless already settled).
    pub(super) fn ack(
        &mut self,
        ctx: &mut QCtx,
        config: &QConfig,
        from: NodeId,
        number: u32,
        ready: bool,
    ) {
        if let Some(mut stored) = self.message(number).filter(|m| !m.held.settled()) {
            match stored.held {
                Held::Queued => self.queue.retain(|&n| n != number),
                Held::Out(_) => ctx.cancel_timer(QTimer::Visible(number)),
                Held::Aside => ctx.cancel_timer(QTimer::Back(number)),
                _ => {}
            }
            stored.held = Held::Done;
            self.store(ctx, number, stored);
            self.pills(ctx, config);
        }
        if ready {
            self.ready(ctx, config, from);
        }
    }

    /// Consumer `from` was busy: message `number` goes back to the head of the queue, its
    /// delivery not counted.
    pub(super) fn release(&mut self, ctx: &mut QCtx, config: &QConfig, from: NodeId, number: u32) {
        let Some(mut stored) = self.message(number) else {
            return;
        };
        if stored.held != Held::Out(from) {
            return;
        }
        stored.deliveries = stored.deliveries.saturating_sub(1);
        stored.held = Held::Queued;
        self.store(ctx, number, stored);
        ctx.record(QNote::Released { number });
        ctx.cancel_timer(QTimer::Visible(number));
        self.queue.push_front(number);
        self.pump(ctx, config);
    }

    /// No acknowledgement for message `number` within the visibility timeout: a failed
    /// delivery, dealt with as the strategy says.
    pub(super) fn timed_out(&mut self, ctx: &mut QCtx, config: &QConfig, number: u32) {
        let Some(mut stored) = self.message(number) else {
            return;
        };
        if !matches!(stored.held, Held::Out(_)) {
            return;
        }
        let failed = stored.deliveries;
        let reset = config.has(QBug::CountReset);
        if config.is_pill(number) {
            // A pill is never given up: it goes to the back of the queue.
            stored.held = Held::Queued;
            self.store(ctx, number, stored);
            self.queue.push_back(number);
        } else {
            match config.strategy {
                Strategy::Discard => {
                    stored.held = Held::Discarded;
                    self.store(ctx, number, stored);
                    ctx.note(QNote::Discarded { number });
                }
                Strategy::RetryQueue => {
                    stored.held = Held::Aside;
                    if reset {
                        stored.deliveries = 0;
                    }
                    self.store(ctx, number, stored);
                    ctx.note(QNote::SetAside { number });
                    ctx.set_timer(QTimer::Back(number), config.delay_us);
                }
                Strategy::Retry | Strategy::DeadLetter => {
                    let limit = if config.has(QBug::EarlyDeadLetter) {
                        config.attempts.saturating_sub(1)
                    } else {
                        config.attempts
                    };
                    if config.strategy == Strategy::DeadLetter && failed >= limit {
                        stored.held = Held::Dead;
                        self.store(ctx, number, stored);
                        let note = QNote::DeadLettered {
                            number,
                            deliveries: failed,
                        };
                        ctx.record(note.clone());
                        ctx.note(note);
                    } else {
                        stored.held = Held::Queued;
                        if reset {
                            stored.deliveries = 0;
                        }
                        self.store(ctx, number, stored);
                        self.queue.push_front(number);
                        ctx.note(QNote::Again {
                            number,
                            deliveries: failed,
                        });
                    }
                }
            }
        }
        self.pills(ctx, config);
        self.pump(ctx, config);
    }

    /// Message `number` has waited out its delay: to the back of the queue.
    pub(super) fn back(&mut self, ctx: &mut QCtx, config: &QConfig, number: u32) {
        let Some(mut stored) = self.message(number) else {
            return;
        };
        if stored.held != Held::Aside {
            return;
        }
        stored.held = Held::Queued;
        self.store(ctx, number, stored);
        self.queue.push_back(number);
        self.pump(ctx, config);
    }
}
