//! The view change: asking for the next view with the stable checkpoint and the prepared
//! certificates past it, joining the views f + 1 replicas ask for, the new primary's
//! NEW-VIEW, and a backup's check of it.

use super::{PCtx, PbftMsg, PbftNode, PbftNote, PbftWrite, ViewClaim};
use crate::client::KvOp;
use crate::flat::{FlatMap, FlatSet};
use crate::ids::{NodeId, RequestId};
use crate::protocols::pbft::PbftBug;
use crate::protocols::raft::Command;

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
        if let PbftMsg::ViewChange { view, claim } = msg.clone() {
            self.on_view_change(ctx, self.id, view, claim);
        }
        if self.changing {
            self.broadcast(ctx, msg);
        }
    }

    /// Every certificate past the stable checkpoint, executed or not: a request this
    /// replica executed may have been prepared by no other honest replica of the new
    /// primary's 2f + 1, and leaving it out would let the new view fill its sequence
    /// number with a no-op. (Only a stable checkpoint, which 2f + 1 replicas reached, lets
    /// the certificates below it go.)
    pub(super) fn view_change_msg(&self) -> PbftMsg {
        let from = if self.config.has(PbftBug::ViewChangeFromExecuted) {
            self.executed
        } else {
            self.stable
        };
        PbftMsg::ViewChange {
            view: self.view,
            claim: ViewClaim {
                stable: self.stable,
                digest: self.stable_digest,
                prepared: self
                    .certs
                    .range(from + 1..)
                    .map(|(s, (v, c))| (*s, *v, c.clone()))
                    .collect(),
            },
        }
    }

    pub(super) fn on_view_change(
        &mut self,
        ctx: &mut PCtx,
        from: NodeId,
        view: u64,
        claim: ViewClaim,
    ) {
        if view < self.view || (view == self.view && !self.changing) {
            // Behind: tell it how the current view began.
            if self.is_primary() && !self.changing && from != self.id {
                if let Some(nv) = self.new_view.clone() {
                    ctx.send(from, nv);
                }
            }
            return;
        }
        self.vc.entry(view).or_default().insert(from, claim);
        // Join a view change that f + 1 replicas ask for (one of them honest).
        if view > self.view || !self.changing {
            let mut asking: Vec<(u64, NodeId)> = self
                .vc
                .range(self.view + 1..)
                .flat_map(|(v, m)| m.keys().map(move |n| (*v, *n)))
                .collect();
            crate::sort::natural(&mut asking);
            let senders: FlatSet<NodeId> = FlatSet::from_iter(asking.iter().map(|(_, n)| *n));
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
                crate::sort::natural(&mut views);
                views.reverse();
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
        let proof: Vec<(NodeId, ViewClaim)> = vcs.iter().map(|(n, c)| (*n, c.clone())).collect();
        let Some((from, pre_prepares)) = plan_new_view(self.f(), &proof) else {
            return;
        };
        let last = from - 1 + pre_prepares.len() as u64;
        let msg = PbftMsg::NewView {
            view,
            from,
            proof,
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

    /// A backup takes a new view only if its pre-prepares are what the view changes it
    /// carries give (the view changes are signed by their senders, so the primary cannot
    /// make them up); otherwise it asks for the view after.
    pub(super) fn on_new_view(
        &mut self,
        ctx: &mut PCtx,
        from: NodeId,
        view: u64,
        start: u64,
        proof: Vec<(NodeId, ViewClaim)>,
        pre_prepares: Vec<(u64, Command)>,
    ) {
        if view < self.view
            || (view == self.view && !self.changing)
            || from != self.primary_of(view)
        {
            return;
        }
        if !self.config.has(PbftBug::UncheckedNewView) {
            if let Err(why) = check_new_view(self.f(), &proof, start, &pre_prepares) {
                ctx.note(PbftNote::RefusesNewView {
                    view,
                    primary: from,
                    why,
                });
                if view + 1 > self.view || !self.changing {
                    self.start_view_change(ctx, view + 1);
                }
                return;
            }
        }
        self.enter_view(ctx, view, pre_prepares);
    }
}

/// What a new primary must propose from the view changes it holds (at least 2f + 1 from
/// different replicas, else nothing): it starts after the highest stable checkpoint among
/// them, and at every sequence number up to the highest one prepared it pre-prepares the
/// request of the certificate from the highest view, or a no-op where none was prepared.
/// Returns the first sequence number and the pre-prepares.
pub fn plan_new_view(
    f: usize,
    claims: &[(NodeId, ViewClaim)],
) -> Option<(u64, Vec<(u64, Command)>)> {
    let senders: FlatSet<NodeId> = FlatSet::from_iter(claims.iter().map(|(n, _)| *n));
    if senders.len() != claims.len() || senders.len() < 2 * f + 1 {
        return None;
    }
    let stable = claims.iter().map(|(_, c)| c.stable).max().unwrap_or(0);
    let mut best: FlatMap<u64, (u64, Command)> = FlatMap::new();
    for (_, claim) in claims {
        for (seq, v, cmd) in &claim.prepared {
            if *seq <= stable {
                continue;
            }
            if best.get(seq).is_none_or(|(bv, _)| v > bv) {
                best.insert(*seq, (*v, cmd.clone()));
            }
        }
    }
    let last = best.keys().next_back().copied().unwrap_or(stable);
    let pre_prepares = (stable + 1..=last)
        .map(|s| (s, best.get(&s).map_or(Command::Noop, |(_, c)| c.clone())))
        .collect();
    Some((stable + 1, pre_prepares))
}

/// A backup's check of a NEW-VIEW: the view changes it carries are 2f + 1 from different
/// replicas, and the pre-prepares are exactly what they give. The reason, in words, if not.
pub fn check_new_view(
    f: usize,
    proof: &[(NodeId, ViewClaim)],
    start: u64,
    pre_prepares: &[(u64, Command)],
) -> Result<(), String> {
    let Some((from, expected)) = plan_new_view(f, proof) else {
        return Err(format!(
            "it carries {} view changes, not 2f + 1 = {} from different replicas",
            proof.len(),
            2 * f + 1
        ));
    };
    if from != start {
        return Err(format!(
            "it starts at sequence number {start}, but the view changes it carries give {from}"
        ));
    }
    let got: FlatMap<u64, &Command> = FlatMap::from_iter(pre_prepares.iter().map(|(s, c)| (*s, c)));
    let want: FlatMap<u64, &Command> = FlatMap::from_iter(expected.iter().map(|(s, c)| (*s, c)));
    if got.len() != pre_prepares.len() {
        return Err("it pre-prepares a sequence number twice".into());
    }
    for (seq, cmd) in &want {
        match got.get(seq) {
            Some(c) if c == cmd => {}
            Some(c) => {
                return Err(format!(
                    "it pre-prepares {} at {seq}, but the view changes it carries give {}",
                    super::command_text(c),
                    super::command_text(cmd)
                ))
            }
            None => {
                return Err(format!(
                    "it leaves out {seq}, where the view changes it carries give {}",
                    super::command_text(cmd)
                ))
            }
        }
    }
    if let Some((seq, c)) = got.iter().find(|(s, _)| !want.contains_key(s)) {
        return Err(format!(
            "it pre-prepares {} at {seq}, which the view changes it carries do not give",
            super::command_text(c)
        ));
    }
    Ok(())
}
