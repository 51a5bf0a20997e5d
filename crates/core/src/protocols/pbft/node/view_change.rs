//! The view change: asking for the next view with the prepared certificates, joining the
//! views f + 1 replicas ask for, and the new primary's NEW-VIEW.

use super::{PCtx, PbftMsg, PbftNode, PbftNote, PbftWrite};
use crate::client::KvOp;
use crate::ids::{NodeId, RequestId};
use crate::protocols::raft::Command;
use std::collections::{BTreeMap, BTreeSet};

impl PbftNode {
    /// Whether this replica expects progress: a request waits, or an order is open.
    pub(super) fn expects_progress(&self) -> bool {
        !self.waiting.is_empty()
            || !self.heard.is_empty()
            || self
                .accepted
                .range(self.executed + 1..)
                .any(|(_, (v, _))| *v == self.view)
    }

    /// The view to ask for when waiting brought nothing: the next one, unless this
    /// replica is already changing views and fewer than 2f + 1 ask for its view. Then it
    /// moves on only to a view another replica asks for (as Castro and Liskov's timer
    /// starts only with 2f + 1 view changes): a replica alone must not run ahead through
    /// views the others never reach, and the ones behind must be able to reach it.
    pub(super) fn next_view(&self) -> Option<u64> {
        let quorum = self
            .vc
            .get(&self.view)
            .is_some_and(|m| m.len() > 2 * self.f());
        if !self.changing || quorum {
            return Some(self.view + 1);
        }
        self.vc
            .range(self.view + 1..)
            .find(|(_, m)| m.keys().any(|n| *n != self.id))
            .map(|(v, _)| *v)
    }

    pub(super) fn start_view_change(&mut self, ctx: &mut PCtx, view: u64) {
        self.view = view;
        self.changing = true;
        self.stalled = 0;
        self.new_view = None;
        ctx.persist(PbftWrite::View(view));
        ctx.note(PbftNote::ViewChange { view });
        self.announce_view_change(ctx);
    }

    /// Sends this replica's view change to all, and counts it itself (also after a
    /// restart in the middle of a view change, which forgot the ones heard).
    pub(super) fn announce_view_change(&mut self, ctx: &mut PCtx) {
        let msg = self.view_change_msg();
        self.on_view_change(ctx, self.id, msg.clone());
        if self.changing {
            self.broadcast(ctx, msg);
        }
    }

    pub(super) fn view_change_msg(&self) -> PbftMsg {
        PbftMsg::ViewChange {
            view: self.view,
            executed: self.executed,
            prepared: self
                .certs
                .range(self.executed + 1..)
                .map(|(s, (v, c))| (*s, *v, c.clone()))
                .collect(),
        }
    }

    pub(super) fn on_view_change(&mut self, ctx: &mut PCtx, from: NodeId, msg: PbftMsg) {
        let PbftMsg::ViewChange {
            view,
            executed,
            prepared,
        } = msg
        else {
            return;
        };
        if view < self.view || (view == self.view && !self.changing) {
            // Behind: tell it how the current view began.
            if self.is_primary() && !self.changing && from != self.id {
                if let Some(nv) = self.new_view.clone() {
                    ctx.send(from, nv);
                }
            }
            return;
        }
        self.vc
            .entry(view)
            .or_default()
            .insert(from, (executed, prepared));
        // Join a view change that f + 1 replicas ask for (one of them honest).
        if view > self.view || !self.changing {
            let mut asking: Vec<(u64, NodeId)> = self
                .vc
                .range(self.view + 1..)
                .flat_map(|(v, m)| m.keys().map(move |n| (*v, *n)))
                .collect();
            asking.sort();
            let senders: BTreeSet<NodeId> = asking.iter().map(|(_, n)| *n).collect();
            if senders.len() > self.f() {
                // The highest view that f + 1 replicas ask for, at least.
                let mut views: Vec<u64> = senders
                    .iter()
                    .map(|n| {
                        asking
                            .iter()
                            .filter(|(_, m)| m == n)
                            .map(|(v, _)| *v)
                            .max()
                            .unwrap_or(0)
                    })
                    .collect();
                views.sort_unstable_by(|a, b| b.cmp(a));
                let target = views[self.f()];
                if target > self.view || (target == self.view && !self.changing) {
                    self.start_view_change(ctx, target);
                }
            }
        }
        self.try_new_view(ctx);
    }

    /// As the new primary with 2f + 1 view changes: start the view.
    pub(super) fn try_new_view(&mut self, ctx: &mut PCtx) {
        let view = self.view;
        if !self.changing || self.primary_of(view) != self.id {
            return;
        }
        let Some(vcs) = self.vc.get(&view) else {
            return;
        };
        if vcs.len() < 2 * self.f() + 1 {
            return;
        }
        let from = vcs.values().map(|(e, _)| *e).min().unwrap_or(0) + 1;
        let mut best: BTreeMap<u64, (u64, Command)> = BTreeMap::new();
        for (_, certs) in vcs.values() {
            for (seq, v, cmd) in certs {
                if *seq < from {
                    continue;
                }
                if best.get(seq).is_none_or(|(bv, _)| v > bv) {
                    best.insert(*seq, (*v, cmd.clone()));
                }
            }
        }
        let last = best.keys().next_back().copied().unwrap_or(from - 1);
        let pre_prepares: Vec<(u64, Command)> = (from..=last)
            .map(|s| (s, best.get(&s).map_or(Command::Noop, |(_, c)| c.clone())))
            .collect();
        let msg = PbftMsg::NewView {
            view,
            from,
            pre_prepares: pre_prepares.clone(),
        };
        ctx.note(PbftNote::NewView {
            view,
            from,
            count: pre_prepares.len(),
        });
        self.new_view = Some(msg.clone());
        self.broadcast(ctx, msg);
        // Set before entering the view, which passes the waiting requests on to itself.
        self.next_seq = last.max(self.executed).max(from - 1) + 1;
        self.enter_view(ctx, view, pre_prepares);
    }

    pub(super) fn enter_view(
        &mut self,
        ctx: &mut PCtx,
        view: u64,
        pre_prepares: Vec<(u64, Command)>,
    ) {
        ctx.persist(PbftWrite::Entered(view));
        self.view = view;
        self.changing = false;
        self.stalled = 0;
        self.vc.retain(|v, _| *v > view);
        let primary = self.primary_of(view);
        self.ordered.clear();
        for (seq, cmd) in pre_prepares {
            if primary == self.id {
                if self.accept(ctx, view, seq, &cmd) {
                    self.advance(ctx, seq);
                }
            } else {
                self.on_pre_prepare(ctx, primary, view, seq, cmd);
            }
        }
        // The new primary orders what it heard of; the requests still waiting go to it.
        self.order_heard(ctx);
        let pending: Vec<(RequestId, KvOp)> =
            self.waiting.iter().map(|(r, o)| (*r, o.clone())).collect();
        for (req, op) in pending {
            let cmd = Command::Client {
                req,
                origin: self.id,
                op,
            };
            self.submit(ctx, cmd, false);
        }
    }

    pub(super) fn on_new_view(
        &mut self,
        ctx: &mut PCtx,
        from: NodeId,
        view: u64,
        pre_prepares: Vec<(u64, Command)>,
    ) {
        if view < self.view
            || (view == self.view && !self.changing)
            || from != self.primary_of(view)
        {
            return;
        }
        self.enter_view(ctx, view, pre_prepares);
    }
}
