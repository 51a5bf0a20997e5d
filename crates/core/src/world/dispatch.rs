//! Handing inputs to nodes and carrying out what they ask for.

use super::nodes::{Input, Out};
use super::queue::{Event, InFlight, Parcel};
use super::Kernel;
use crate::check::Violation;
use crate::ids::{MsgId, NodeId};
use crate::trace::{DropReason, EventKind};

impl Kernel {
    /// Boots a node from its disk: at world creation (`recover == false`) or on restart.
    pub(super) fn boot(&mut self, id: NodeId, recover: bool) {
        self.host.boot(id);
        let slot = &mut self.nodes[id.index()];
        slot.up = true;
        self.up_changed();
        let slot = &mut self.nodes[id.index()];
        slot.status = None;
        slot.paused_until = 0;
        slot.busy_until = 0;
        if recover {
            slot.troubled_until = slot.troubled_until.max(self.now);
        }
        let input = if recover {
            Input::Recover
        } else {
            Input::Start
        };
        self.run_node(id, input, true);
    }

    pub(super) fn handle(&mut self, event: Event) {
        if let Some(node) = event.gated_node() {
            let slot = &self.nodes[node.index()];
            if slot.is_up() && (slot.ready_at() > self.now || !slot.inbox.is_empty()) {
                self.buffer(node, event);
                return;
            }
        }
        self.handle_ready(event);
    }

    /// A paused or busy node's input waits in its inbox, in arrival order. A message has
    /// crossed the network once it is in the inbox, so it is checked against the network
    /// now and not again.
    fn buffer(&mut self, node: NodeId, event: Event) {
        let event = match event {
            Event::Deliver(mut m) => {
                let meta = m.meta();
                if let Some(reason) = self.net.blocked(meta.from, meta.to) {
                    self.drop_msg(m.meta(), reason.into());
                    return;
                }
                m.meta_mut().arrived = true;
                Event::Deliver(m)
            }
            other => other,
        };
        let slot = &mut self.nodes[node.index()];
        slot.inbox.push_back(event);
        if !slot.wake_pending {
            slot.wake_pending = true;
            let at = slot.ready_at().max(self.now);
            self.queue.push(at, Event::Wake { node });
        }
    }

    fn wake(&mut self, node: NodeId) {
        let now = self.now;
        let slot = &mut self.nodes[node.index()];
        slot.wake_pending = false;
        if !slot.is_up() || slot.inbox.is_empty() {
            return;
        }
        if slot.ready_at() > now {
            // The pause was extended while the node waited.
            slot.wake_pending = true;
            let at = slot.ready_at();
            self.queue.push(at, Event::Wake { node });
            return;
        }
        let event = slot.inbox.pop_front().expect("not empty");
        self.handle_ready(event);
        let slot = &mut self.nodes[node.index()];
        if slot.is_up() && !slot.inbox.is_empty() && !slot.wake_pending {
            slot.wake_pending = true;
            let at = slot.ready_at().max(now);
            self.queue.push(at, Event::Wake { node });
        }
    }

    /// Drops everything waiting in a crashed node's inbox.
    pub(super) fn discard_inbox(&mut self, node: NodeId) {
        let inbox = std::mem::take(&mut self.nodes[node.index()].inbox);
        self.nodes[node.index()].wake_pending = false;
        for event in inbox {
            if let Event::Deliver(m) = event {
                self.drop_msg(m.meta(), DropReason::ReceiverDown);
            }
        }
    }

    fn handle_ready(&mut self, event: Event) {
        match event {
            Event::Deliver(m) => self.deliver(m),
            Event::Timer { node, generation } => {
                if !self.nodes[node.index()].up
                    || !self
                        .host
                        .take_timer(node, generation, self.now, &mut self.trace)
                {
                    return; // cancelled, re-armed or the node crashed since
                }
                self.counters.timers += 1;
                self.run_node(node, Input::Timer, false);
            }
            Event::ClientArrive { req, .. } => self.client_arrive(req),
            Event::ClientTimeout { req, attempt } => self.client_timeout(req, attempt),
            Event::ClientRetry { req } => self.client_retry(req),
            Event::Workload { generation } => self.workload_tick(generation),
            Event::Resume { node, until } => {
                let slot = &self.nodes[node.index()];
                if slot.is_up() && slot.paused_until == until {
                    self.trace.push(self.now, EventKind::Resume { node });
                }
            }
            Event::Wake { node } => self.wake(node),
            Event::Restart { node } => self.restart(node),
            Event::Fail { node, generation } => self.random_failure(node, generation),
            Event::Repair { node, generation } => self.random_repair(node, generation),
            Event::Trigger { node } => {
                if self.nodes[node.index()].is_up() {
                    self.run_node(node, Input::Trigger, false);
                }
            }
        }
    }

    fn deliver(&mut self, parcel: Box<dyn Parcel>) {
        let m = parcel.meta();
        let (id, from, to) = (m.id, m.from, m.to);
        if !self.nodes[to.index()].is_up() {
            self.drop_msg(m, DropReason::ReceiverDown);
            return;
        }
        if !m.arrived {
            if let Some(reason) = self.net.blocked(from, to) {
                self.drop_msg(m, reason.into());
                return;
            }
        }
        if m.damaged {
            if self.net.checksums {
                self.drop_msg(m, DropReason::CorruptDetected);
                return;
            }
            self.trace
                .push(self.now, EventKind::CorruptUndetected { id });
        }
        self.counters.delivered += 1;
        self.trace
            .push(self.now, EventKind::Deliver { id, from, to });
        let slot = &mut self.nodes[to.index()];
        slot.lamport.merge(m.lamport);
        if self.config.vector_clocks {
            slot.vclock.merge(&m.vclock, to);
        }
        self.run_node(to, Input::Message { from, parcel }, false);
    }

    fn drop_msg(&mut self, m: &InFlight, reason: DropReason) {
        self.counters.dropped += 1;
        self.trace.push(
            self.now,
            EventKind::Drop {
                id: m.id,
                from: m.from,
                to: m.to,
                reason,
            },
        );
    }

    /// Runs one input on a node that is up, then applies its effects, reports status
    /// changes and runs the checkers.
    pub(super) fn run_node(&mut self, id: NodeId, input: Input, rebooted: bool) {
        let now = self.now;
        {
            let slot = &mut self.nodes[id.index()];
            if !matches!(input, Input::Message { .. }) {
                slot.lamport.tick();
                if self.config.vector_clocks {
                    slot.vclock.tick(id);
                }
            }
            if !slot.up {
                return;
            }
            let clocks = (slot.clock.read(now), slot.clock.monotonic(now));
            self.host.input(id, input, clocks, &mut self.rng);
            slot.busy_until = now + slot.processing_us;
        }
        let mut wrote = false;
        while let Some(effect) = self.host.next_effect(id) {
            wrote |= matches!(effect, Out::Persist);
            self.apply_effect(id, effect);
        }
        self.report_status(id);
        self.check(Some(id), rebooted);
        if wrote {
            if let Some((disk, restart_after)) = self.nodes[id.index()].crash_on_write.take() {
                self.crash(id, disk);
                if let Some(after) = restart_after {
                    self.queue
                        .push(self.now + after, Event::Restart { node: id });
                }
            }
        }
    }

    fn apply_effect(&mut self, id: NodeId, effect: Out) {
        match effect {
            Out::Send { to, parcel } => match &self.behaviours[id.index()] {
                None => self.send(id, to, parcel),
                Some(behaviour) => {
                    if let Some(lie) = self.host.lie(behaviour, id, to, parcel, &mut self.rng) {
                        self.send(id, to, lie);
                    }
                }
            },
            Out::SetTimer { generation, after } => {
                let slot = &self.nodes[id.index()];
                let at = self.now + slot.clock.to_true_duration(after);
                self.queue.push(
                    at,
                    Event::Timer {
                        node: id,
                        generation,
                    },
                );
            }
            Out::Persist => {
                self.trace.push(self.now, EventKind::Persist { node: id });
            }
            Out::Reply { req, result } => self.client_reply(req, result),
            Out::Note(note) => self
                .trace
                .push(self.now, EventKind::Note { node: id, note }),
        }
    }

    fn send(&mut self, from: NodeId, to: NodeId, mut parcel: Box<dyn Parcel>) {
        let id = MsgId(self.next_msg);
        self.next_msg += 1;
        self.counters.sent += 1;
        let slot = &mut self.nodes[from.index()];
        let lamport = slot.lamport.tick();
        let vclock = if self.config.vector_clocks {
            slot.vclock.tick(from);
            slot.vclock.clone()
        } else {
            crate::clock::VectorClock(Vec::new())
        };
        let m = parcel.meta_mut();
        *m = InFlight {
            id,
            from,
            to,
            sent_at: self.now,
            lamport,
            vclock,
            damaged: false,
            arrived: false,
        };
        if self.trace.is_recording() {
            let msg = parcel.share();
            self.trace.push(
                self.now,
                EventKind::Send {
                    id,
                    from,
                    to,
                    msg,
                    lamport,
                },
            );
        } else {
            self.trace
                .hash_send(self.now, id, from, to, parcel.msg(), lamport);
        }
        if let Some(reason) = self.net.blocked(from, to) {
            self.drop_msg(parcel.meta(), reason.into());
            return;
        }
        let link = *self.net.link(from, to);
        if self.rng.chance(link.loss) {
            self.drop_msg(parcel.meta(), DropReason::Loss);
            return;
        }
        if self.rng.chance(link.corrupt) {
            parcel.corrupt(&mut self.rng);
            parcel.meta_mut().damaged = true;
            self.counters.corrupted += 1;
            if self.trace.is_recording() {
                let msg = parcel.share();
                self.trace.push(self.now, EventKind::Corrupt { id, msg });
            } else {
                self.trace.hash_corrupt(self.now, id, parcel.msg());
            }
        }
        let duplicate = self.rng.chance(link.duplicate).then(|| {
            let mut copy = parcel.clone();
            copy.meta_mut().id = MsgId(self.next_msg);
            self.next_msg += 1;
            copy
        });
        let at = self.now + link.draw_latency(&mut self.rng);
        self.queue.push(at, Event::Deliver(parcel));
        if let Some(copy) = duplicate {
            self.counters.duplicated += 1;
            let copy_id = copy.meta().id;
            self.trace
                .push(self.now, EventKind::Duplicate { id, copy: copy_id });
            let at = self.now + link.draw_latency(&mut self.rng);
            self.queue.push(at, Event::Deliver(copy));
        }
    }

    /// Turns changes in a node's status into trace events.
    fn report_status(&mut self, id: NodeId) {
        let Some(new) = self.host.status(id) else {
            return;
        };
        let slot = &mut self.nodes[id.index()];
        let old = slot.status.replace(new);
        let now = self.now;
        if old.is_none_or(|o| o.role != new.role || o.term != new.term) {
            if self.host.leads(new.role) {
                self.counters.leader_changes += 1;
                let leaders = self
                    .statuses()
                    .filter(|(_, s)| self.host.leads(s.role))
                    .count();
                if leaders > self.most_leaders.0 {
                    self.most_leaders = (leaders, Some(now));
                }
            }
            self.trace.push(
                now,
                EventKind::RoleChange {
                    node: id,
                    role: new.role,
                    term: new.term,
                },
            );
        }
        let (old_len, old_commit) = old.map_or((0, 0), |o| (o.log_len, o.commit));
        if new.log_len < old_len {
            self.trace.push(
                now,
                EventKind::Truncate {
                    node: id,
                    len: new.log_len,
                },
            );
        } else if new.log_len > old_len {
            self.trace.push(
                now,
                EventKind::Append {
                    node: id,
                    len: new.log_len,
                },
            );
        }
        if new.commit > old_commit {
            self.counters.commits += 1;
            self.trace.push(
                now,
                EventKind::Commit {
                    node: id,
                    index: new.commit,
                },
            );
        }
    }

    /// Runs every invariant against the current state; records violations.
    pub(super) fn check(&mut self, acted: Option<NodeId>, rebooted: bool) {
        let mut broken = std::mem::take(&mut self.broken);
        let facts = super::Facts {
            nodes: &self.nodes,
            now: self.now,
        };
        let moment = crate::check::Moment {
            now: self.now,
            acted,
            rebooted,
            honest: &self.honest,
            facts: &facts,
        };
        self.host.check(moment, &mut broken);
        let event = self.trace.len().saturating_sub(1);
        for (property, message) in broken.drain(..) {
            self.violations.push(Violation {
                invariant: property.to_string(),
                message,
                time_us: self.now,
                event,
                node: acted,
                at_end: false,
            });
        }
        self.broken = broken;
    }
}
