//! Carrying out user and schedule actions.

use super::World;
use crate::action::{Action, DiskFate};
use crate::ids::NodeId;
use crate::protocol::Protocol;
use crate::trace::EventKind;

impl<P: Protocol> World<P> {
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
                self.trace.push(now, EventKind::Pause { node, until });
                self.queue
                    .push(until, super::queue::Event::Resume { node, until });
            }
            Action::Client { node, op } => self.client_invoke(node, op),
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

    pub(super) fn crash(&mut self, node: NodeId, disk: DiskFate) {
        if !self.nodes[node.index()].is_up() {
            return;
        }
        self.trace.push(self.now, EventKind::Crash { node, disk });
        self.discard_inbox(node);
        let slot = &mut self.nodes[node.index()];
        slot.state = None;
        slot.timers.clear();
        slot.status = None;
        slot.paused_until = 0;
        slot.busy_until = 0;
        slot.crash_on_write = None;
        if disk == DiskFate::Lose {
            slot.disk = P::Disk::default();
        }
        self.check(None, false);
    }

    pub(super) fn restart(&mut self, node: NodeId) {
        if self.nodes[node.index()].is_up() {
            return;
        }
        self.trace.push(self.now, EventKind::Restart { node });
        self.boot(node, true);
    }

    /// Actions that change the network or a node's clock or speed, not its state.
    fn apply_world_change(&mut self, action: &Action) {
        let now = self.now;
        match action {
            Action::Slow { node, delay_us } => self.nodes[node.index()].processing_us = *delay_us,
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
            | Action::SetWorkload { .. } => unreachable!("handled in apply"),
        }
    }
}
