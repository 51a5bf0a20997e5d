//! Carrying out user and schedule actions.

use super::Kernel;
use crate::action::{Action, DiskFate};
use crate::ids::NodeId;
use crate::trace::EventKind;

impl Kernel {
    /// Applies one action at the current time. Actions naming a node outside the cluster
    /// are ignored (schedules are validated before they get here).
    pub(super) fn apply(&mut self, action: Action) {
        if action.validate(self.config.nodes).is_err() {
            return;
        }
        let now = self.now;
        match action {
            Action::Crash { node, disk } => self.crash(node, disk),
            Action::Restart { node } => self.restart(node),
            Action::CrashOnWrite {
                node,
                disk,
                restart_after_us,
            } => {
                if !self.nodes[node.index()].is_up() {
                    return;
                }
                self.nodes[node.index()].crash_on_write = Some((disk, restart_after_us));
                self.trace.push(
                    now,
                    EventKind::Fault {
                        action: Action::CrashOnWrite {
                            node,
                            disk,
                            restart_after_us,
                        },
                    },
                );
            }
            Action::Pause { node, for_us } => {
                let slot = &mut self.nodes[node.index()];
                if !slot.is_up() || for_us == 0 {
                    return;
                }
                let until = slot.paused_until.max(now + for_us);
                slot.paused_until = until;
                slot.troubled_until = slot.troubled_until.max(until);
                self.trace.push(now, EventKind::Pause { node, until });
                self.queue
                    .push(until, super::queue::Event::Resume { node, until });
            }
            Action::Client { node, op } => self.client_invoke(node, op),
            Action::CrashLeader {
                disk,
                restart_after_us,
            } => {
                self.trace.push(
                    now,
                    EventKind::Fault {
                        action: Action::CrashLeader {
                            disk,
                            restart_after_us,
                        },
                    },
                );
                if let Some(leader) = self.leader() {
                    self.crash(leader, disk);
                    if let Some(after) = restart_after_us {
                        self.queue
                            .push(now + after, super::queue::Event::Restart { node: leader });
                    }
                }
            }
            Action::PartitionLeader { with } => {
                self.trace.push(
                    now,
                    EventKind::Fault {
                        action: Action::PartitionLeader { with },
                    },
                );
                if let Some(leader) = self.leader() {
                    let n = self.config.nodes as u32;
                    let side: Vec<NodeId> = (0..=with.min(n.saturating_sub(2)))
                        .map(|k| NodeId((leader.0 + k) % n))
                        .collect();
                    self.net.partition(&[side]);
                }
            }
            Action::Behave { node, behaviour } => {
                let honest = behaviour == crate::action::HONEST;
                self.honest[node.index()] = honest;
                self.behaviours[node.index()] = (!honest).then(|| behaviour.clone());
                self.trace.push(
                    now,
                    EventKind::Fault {
                        action: Action::Behave { node, behaviour },
                    },
                );
            }
            Action::SetFailures { failures } => self.set_failures(failures),
            Action::Trigger { node } => {
                self.trace.push(
                    now,
                    EventKind::Fault {
                        action: Action::Trigger { node },
                    },
                );
                // Like a client's request, it waits its turn at a paused or busy node.
                self.queue.push(now, super::queue::Event::Trigger { node });
            }
            Action::SetWorkload { workload } => {
                self.trace.push(
                    now,
                    EventKind::Fault {
                        action: Action::SetWorkload { workload },
                    },
                );
                self.set_workload(workload);
            }
            other => {
                self.apply_world_change(&other);
                self.trace.push(now, EventKind::Fault { action: other });
            }
        }
    }

    /// The node that leads now: among the up nodes whose role is a leader's, the one with
    /// the highest era (the lowest id among equals).
    pub(super) fn leader(&self) -> Option<NodeId> {
        self.statuses()
            .filter(|(_, s)| self.host.leads(s.role))
            .max_by_key(|(id, s)| (s.term, std::cmp::Reverse(id.0)))
            .map(|(id, _)| id)
    }

    pub(super) fn crash(&mut self, node: NodeId, disk: DiskFate) {
        if !self.nodes[node.index()].is_up() {
            return;
        }
        self.trace.push(self.now, EventKind::Crash { node, disk });
        self.discard_inbox(node);
        self.host.crash(node, disk == DiskFate::Lose);
        let slot = &mut self.nodes[node.index()];
        slot.up = false;
        slot.status = None;
        slot.paused_until = 0;
        slot.busy_until = 0;
        slot.crash_on_write = None;
        slot.crashed = Some((self.now, disk));
        self.up_changed();
        self.check(None, false);
    }

    pub(super) fn restart(&mut self, node: NodeId) {
        if self.nodes[node.index()].is_up() {
            return;
        }
        self.trace.push(self.now, EventKind::Restart { node });
        self.nodes[node.index()].crashed = None;
        self.boot(node, true);
    }

    /// Actions that change the network or a node's clock or speed, not its state.
    fn apply_world_change(&mut self, action: &Action) {
        let now = self.now;
        match action {
            Action::Slow { node, delay_us } => {
                let slot = &mut self.nodes[node.index()];
                slot.processing_us = *delay_us;
                slot.troubled_until = slot.troubled_until.max(now);
            }
            Action::SkewClock { node, by_us } => self.nodes[node.index()].clock.step(now, *by_us),
            Action::SetDrift { node, ppm } => self.nodes[node.index()].clock.set_drift(now, *ppm),
            Action::Partition { groups } => self.net.partition(groups),
            Action::CutLink { from, to } => self.net.set_cut(*from, *to, true),
            Action::RestoreLink { from, to } => self.net.set_cut(*from, *to, false),
            Action::Heal => self.net.heal(),
            Action::SetLink { from, to, link } => self.net.set_link(*from, *to, *link),
            Action::SetNetwork { link } => self.net.set_all_links(*link),
            Action::SetChecksums { on } => self.net.checksums = *on,
            Action::Crash { .. }
            | Action::CrashOnWrite { .. }
            | Action::Restart { .. }
            | Action::Pause { .. }
            | Action::Client { .. }
            | Action::Behave { .. }
            | Action::CrashLeader { .. }
            | Action::PartitionLeader { .. }
            | Action::SetWorkload { .. }
            | Action::SetFailures { .. }
            | Action::Trigger { .. } => unreachable!("handled in apply"),
        }
    }
}
