//! The server: one request at a time from a bounded queue.

use super::{OCtx, OvConfig};
use crate::ids::NodeId;
use crate::protocols::overload::msg::{OvMsg, OvNote, OvTimer};
use std::collections::VecDeque;

/// A request waiting for the server, or being served.
#[derive(Clone, Debug)]
pub struct Job {
    pub from: NodeId,
    pub session: u32,
    pub request: u64,
    pub attempt: u32,
    /// When it arrived (the server's clock).
    pub arrived: i64,
}

#[derive(Clone, Debug, Default)]
pub struct Server {
    queue: VecDeque<Job>,
    serving: Option<Job>,
    /// Requests that arrived, were served, refused (queue full) and shed, since boot.
    arrived: u64,
    served: u64,
    refused: u64,
    shed: u64,
    full: bool,
}

impl Server {
    pub fn queue(&self) -> &VecDeque<Job> {
        &self.queue
    }

    pub fn serving(&self) -> Option<&Job> {
        self.serving.as_ref()
    }

    pub fn arrived(&self) -> u64 {
        self.arrived
    }

    pub fn served(&self) -> u64 {
        self.served
    }

    pub fn refused(&self) -> u64 {
        self.refused
    }

    pub fn shed(&self) -> u64 {
        self.shed
    }

    pub(super) fn arrive(&mut self, ctx: &mut OCtx, config: &OvConfig, job: Job) {
        self.arrived += 1;
        if self.queue.len() >= config.queue {
            self.refused += 1;
            ctx.send(job.from, busy(&job));
            return;
        }
        self.queue.push_back(job);
        if self.queue.len() >= config.queue && !self.full {
            self.full = true;
            ctx.note(OvNote::QueueFull {
                queue: self.queue.len(),
            });
        }
        if self.serving.is_none() {
            self.next(ctx, config, self.queue.back().map_or(0, |j| j.arrived));
        }
    }

    /// The request being served is done: answer it and take the next.
    pub(super) fn finish(&mut self, ctx: &mut OCtx, config: &OvConfig, now: i64) {
        if let Some(job) = self.serving.take() {
            self.served += 1;
            ctx.send(
                job.from,
                OvMsg::Done {
                    session: job.session,
                    request: job.request,
                    attempt: job.attempt,
                },
            );
        }
        self.next(ctx, config, now);
    }

    /// Takes the next request from the queue (dropping, with the shedder, those that have
    /// waited longer than a client waits).
    fn next(&mut self, ctx: &mut OCtx, config: &OvConfig, now: i64) {
        while let Some(job) = self.queue.pop_front() {
            if config.shed && now - job.arrived > config.timeout_us as i64 {
                self.shed += 1;
                ctx.send(job.from, busy(&job));
                continue;
            }
            self.serving = Some(job);
            ctx.set_timer(OvTimer::Served, config.service_us);
            break;
        }
        if self.full && self.queue.is_empty() {
            self.full = false;
            ctx.note(OvNote::QueueDrained);
        }
    }
}

fn busy(job: &Job) -> OvMsg {
    OvMsg::Busy {
        session: job.session,
        request: job.request,
        attempt: job.attempt,
    }
}
