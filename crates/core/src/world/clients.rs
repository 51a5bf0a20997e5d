//! Clients: single operations, the steady workload, and the history of every operation.

use super::nodes::Input;
use super::queue::Event;
use super::Kernel;
use crate::client::{ClientRecord, KvOp, KvResult, Outcome, Retry, Workload};
use crate::ids::{NodeId, RequestId};
use crate::time::MICROS_PER_SEC;
use crate::trace::EventKind;

/// Timeout for single operations sent by hand.
const MANUAL_TIMEOUT_US: u64 = 2 * MICROS_PER_SEC;

impl Kernel {
    pub(super) fn client_invoke(&mut self, node: NodeId, op: KvOp) {
        let timeout = self.workload.map_or(MANUAL_TIMEOUT_US, |w| w.timeout_us);
        // Operations sent by hand make one attempt.
        self.invoke_with_timeout(node, op, timeout, Retry::None);
    }

    fn invoke_with_timeout(&mut self, node: NodeId, op: KvOp, timeout_us: u64, retry: Retry) {
        let req = RequestId(self.clients.len() as u64);
        self.counters.client_ops += 1;
        self.trace.push(
            self.now,
            EventKind::ClientInvoke {
                req,
                node,
                op: op.clone(),
            },
        );
        self.clients.push(ClientRecord {
            id: req,
            node,
            op,
            invoked_at: self.now,
            completed_at: None,
            outcome: Outcome::Pending,
        });
        self.attempts.push((1, retry));
        // The client sits next to its node, so the request skips the network but still
        // waits while the node is paused or busy.
        self.queue.push(self.now, Event::ClientArrive { node, req });
        self.queue.push(
            self.now + timeout_us,
            Event::ClientTimeout { req, attempt: 1 },
        );
    }

    /// After a timeout or an "unavailable" answer: schedules the next attempt if the
    /// operation's policy allows one, and says whether it did.
    fn schedule_retry(&mut self, req: RequestId) -> bool {
        let Some((attempts, retry)) = self.attempts.get(req.0 as usize).copied() else {
            return false;
        };
        if attempts >= retry.attempts() {
            return false;
        }
        let delay = match retry {
            Retry::None => return false,
            Retry::Fixed { delay_us, .. } => delay_us,
            Retry::Backoff {
                base_us, cap_us, ..
            } => {
                let ceiling = base_us
                    .saturating_mul(1u64 << (attempts - 1).min(40))
                    .min(cap_us);
                self.rng.range(0, ceiling.saturating_add(1))
            }
        };
        self.attempts[req.0 as usize].0 = attempts + 1;
        self.queue
            .push(self.now + delay, Event::ClientRetry { req });
        true
    }

    pub(super) fn client_retry(&mut self, req: RequestId) {
        let record = &self.clients[req.0 as usize];
        if record.outcome != Outcome::Pending {
            return; // an earlier attempt was answered meanwhile
        }
        let node = record.node;
        let attempt = self.attempts[req.0 as usize].0;
        self.trace
            .push(self.now, EventKind::ClientRetry { req, attempt });
        let timeout = self.workload.map_or(MANUAL_TIMEOUT_US, |w| w.timeout_us);
        self.queue.push(self.now, Event::ClientArrive { node, req });
        self.queue
            .push(self.now + timeout, Event::ClientTimeout { req, attempt });
    }

    pub(super) fn client_arrive(&mut self, req: RequestId) {
        let record = &self.clients[req.0 as usize];
        if record.outcome != Outcome::Pending {
            return;
        }
        let (node, op) = (record.node, record.op.clone());
        if !self.nodes[node.index()].is_up() {
            return; // nobody answers; the client will time out
        }
        self.run_node(node, Input::Client { req, op }, false);
    }

    pub(super) fn client_reply(&mut self, req: RequestId, result: KvResult) {
        let Some(record) = self.clients.get_mut(req.0 as usize) else {
            return;
        };
        if record.outcome != Outcome::Pending {
            return; // the client already gave up, or a duplicate answer
        }
        // "Unavailable" means the attempt certainly did nothing: safe to try again.
        if result == KvResult::Unavailable && self.schedule_retry(req) {
            return;
        }
        let record = &mut self.clients[req.0 as usize];
        if result == KvResult::Unavailable {
            self.counters.client_failed += 1;
        } else {
            self.counters.client_ok += 1;
        }
        record.completed_at = Some(self.now);
        record.outcome = Outcome::Done {
            result: result.clone(),
        };
        self.trace
            .push(self.now, EventKind::ClientReply { req, result });
    }

    pub(super) fn client_timeout(&mut self, req: RequestId, attempt: u32) {
        if self.clients[req.0 as usize].outcome != Outcome::Pending
            || self.attempts[req.0 as usize].0 != attempt
        {
            return; // answered, or a later attempt is under way
        }
        if self.schedule_retry(req) {
            return;
        }
        let record = &mut self.clients[req.0 as usize];
        record.completed_at = Some(self.now);
        record.outcome = Outcome::TimedOut;
        self.counters.client_timeouts += 1;
        self.trace.push(self.now, EventKind::ClientTimeout { req });
    }

    pub(super) fn set_workload(&mut self, workload: Workload) {
        self.workload_generation += 1;
        self.workload_last_value = vec![None; workload.keys as usize];
        if workload.rate_per_s == 0 {
            self.workload = None;
            return;
        }
        self.workload = Some(workload);
        let generation = self.workload_generation;
        let at = self.now + self.workload_gap(&workload);
        self.queue.push(at, Event::Workload { generation });
    }

    /// The gap before the next operation: the mean interval, spread by ±50%.
    fn workload_gap(&mut self, w: &Workload) -> u64 {
        let mean = (MICROS_PER_SEC / u64::from(w.rate_per_s.max(1))).max(1);
        self.rng.range(mean / 2, mean + mean / 2).max(1)
    }

    pub(super) fn workload_tick(&mut self, generation: u64) {
        let Some(w) = self.workload else { return };
        if generation != self.workload_generation {
            return;
        }
        let node = NodeId(self.rng.below(self.config.nodes as u64) as u32);
        let key = self.rng.below(u64::from(w.keys)) as u32;
        // Every write carries a value never used before, which makes histories easy to
        // read and to check.
        let fresh = self.clients.len() as u64 + 1;
        let roll = self.rng.below(100) as u32;
        let op = if roll < w.read_percent {
            KvOp::Get { key }
        } else if roll < w.read_percent + (100 - w.read_percent) * 4 / 5 {
            KvOp::Put { key, value: fresh }
        } else {
            KvOp::Cas {
                key,
                expect: self.workload_last_value[key as usize],
                new: fresh,
            }
        };
        if !op.is_read_only() {
            self.workload_last_value[key as usize] = Some(fresh);
        }
        self.invoke_with_timeout(node, op, w.timeout_us, w.retry);
        let at = self.now + self.workload_gap(&w);
        self.queue.push(at, Event::Workload { generation });
    }
}
