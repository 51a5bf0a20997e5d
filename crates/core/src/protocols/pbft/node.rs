//! One PBFT replica: proxy for its clients, backup, and primary of the views it leads.

use super::roles::{BACKUP, PRIMARY};
use super::{faults, PbftBug, PbftConfig};
use crate::check::{EndProperty, Invariant};
use crate::client::{Key, KvOp, KvResult, Value};
use crate::describe;
use crate::ids::{NodeId, RequestId};
use crate::protocol::{Ctx, Durable, Message, NodeStatus, Note, Protocol};
use crate::protocols::raft::{Command, KvStore};
use crate::rng::SimRng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A request in words: `no-op`, or `put k1=5 (r12)`.
pub fn command_text(cmd: &Command) -> String {
    match cmd {
        Command::Noop => "no-op".into(),
        Command::Client { req, op, .. } => format!("{} ({req})", describe::op(op)),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PbftMsg {
    /// A proxy passes a client's request on (to the primary; when resending, to all).
    Request { cmd: Command },
    /// The primary of `view` orders `cmd` at sequence number `seq`.
    PrePrepare { view: u64, seq: u64, cmd: Command },
    /// A backup accepted the pre-prepare.
    Prepare { view: u64, seq: u64, cmd: Command },
    /// The sender prepared `cmd` at `seq`.
    Commit { view: u64, seq: u64, cmd: Command },
    /// A replica executed request `req` with `result` (to the request's proxy).
    Reply { req: RequestId, result: KvResult },
    /// How far the sender executed, so that the others resend what it missed.
    Status { view: u64, executed: u64 },
    /// The sender committed `cmd` at `seq` (to a lagging replica, which takes it from f + 1).
    Committed { seq: u64, cmd: Command },
    /// The sender moves to `view`: how far it executed, and what it prepared beyond.
    ViewChange {
        view: u64,
        executed: u64,
        prepared: Vec<Cert>,
    },
    /// The new primary starts `view`, pre-preparing every sequence number from `from` on.
    NewView {
        view: u64,
        from: u64,
        pre_prepares: Vec<(u64, Command)>,
    },
}

/// A prepared certificate: the sequence number, the view it was prepared in, the request.
pub type Cert = (u64, u64, Command);

impl Message for PbftMsg {
    fn kind(&self) -> &'static str {
        match self {
            PbftMsg::Request { .. } => "Request",
            PbftMsg::PrePrepare { .. } => "PrePrepare",
            PbftMsg::Prepare { .. } => "Prepare",
            PbftMsg::Commit { .. } => "Commit",
            PbftMsg::Reply { .. } => "Reply",
            PbftMsg::Status { .. } => "Status",
            PbftMsg::Committed { .. } => "Committed",
            PbftMsg::ViewChange { .. } => "ViewChange",
            PbftMsg::NewView { .. } => "NewView",
        }
    }

    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let _ = rng;
        match self.clone() {
            PbftMsg::Request { .. } => PbftMsg::Request { cmd: Command::Noop },
            PbftMsg::PrePrepare { view, seq, .. } => PbftMsg::PrePrepare {
                view,
                seq,
                cmd: Command::Noop,
            },
            PbftMsg::Prepare { view, seq, .. } => PbftMsg::Prepare {
                view,
                seq,
                cmd: Command::Noop,
            },
            PbftMsg::Commit { view, seq, .. } => PbftMsg::Commit {
                view,
                seq,
                cmd: Command::Noop,
            },
            PbftMsg::Reply { req, .. } => PbftMsg::Reply {
                req,
                result: KvResult::Unavailable,
            },
            PbftMsg::Status { view, executed } => PbftMsg::Status {
                view,
                executed: executed + 1,
            },
            PbftMsg::Committed { seq, .. } => PbftMsg::Committed {
                seq,
                cmd: Command::Noop,
            },
            PbftMsg::ViewChange {
                view,
                executed,
                mut prepared,
            } => {
                prepared.pop();
                PbftMsg::ViewChange {
                    view,
                    executed,
                    prepared,
                }
            }
            PbftMsg::NewView {
                view,
                from,
                mut pre_prepares,
            } => {
                pre_prepares.pop();
                PbftMsg::NewView {
                    view,
                    from,
                    pre_prepares,
                }
            }
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            PbftMsg::Request { cmd } => vec![("request", command_text(cmd))],
            PbftMsg::PrePrepare { view, seq, cmd }
            | PbftMsg::Prepare { view, seq, cmd }
            | PbftMsg::Commit { view, seq, cmd } => vec![
                ("view", view.to_string()),
                ("seq", seq.to_string()),
                ("request", command_text(cmd)),
            ],
            PbftMsg::Reply { req, result } => vec![
                ("request", req.to_string()),
                ("result", describe::result(result)),
            ],
            PbftMsg::Status { view, executed } => vec![
                ("view", view.to_string()),
                ("executed", executed.to_string()),
            ],
            PbftMsg::Committed { seq, cmd } => {
                vec![("seq", seq.to_string()), ("request", command_text(cmd))]
            }
            PbftMsg::ViewChange {
                view,
                executed,
                prepared,
            } => vec![
                ("view", view.to_string()),
                ("executed", executed.to_string()),
                (
                    "prepared",
                    prepared
                        .iter()
                        .map(|(s, v, c)| format!("{s}: {} in view {v}", command_text(c)))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ],
            PbftMsg::NewView {
                view,
                from,
                pre_prepares,
            } => vec![
                ("view", view.to_string()),
                ("from", from.to_string()),
                (
                    "pre-prepares",
                    pre_prepares
                        .iter()
                        .map(|(s, c)| format!("{s}: {}", command_text(c)))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum PbftTimer {
    /// Resend what is pending.
    Tick,
}

/// What a replica keeps on disk: its view, the request it accepted at each sequence number
/// (with the view), and what it committed.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PbftDisk {
    pub view: u64,
    /// Whether the view on disk was entered (its new view received or sent), or only
    /// asked for: a replica that restarts in the middle of a view change is still in it.
    pub entered: bool,
    pub accepted: BTreeMap<u64, (u64, Command)>,
    pub committed: BTreeMap<u64, (u64, Command)>,
    pub certs: BTreeMap<u64, (u64, Command)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum PbftWrite {
    /// Asks for this view.
    View(u64),
    /// Entered this view.
    Entered(u64),
    Prepared {
        view: u64,
        seq: u64,
        cmd: Command,
    },
    Accept {
        view: u64,
        seq: u64,
        cmd: Command,
    },
    Commit {
        view: u64,
        seq: u64,
        cmd: Command,
    },
}

impl Durable for PbftDisk {
    type Write = PbftWrite;

    fn apply(&mut self, write: PbftWrite) {
        match write {
            PbftWrite::View(v) => {
                self.view = v;
                self.entered = false;
            }
            PbftWrite::Entered(v) => {
                self.view = v;
                self.entered = true;
            }
            PbftWrite::Prepared { view, seq, cmd } => {
                self.certs.insert(seq, (view, cmd));
            }
            PbftWrite::Accept { view, seq, cmd } => {
                self.accepted.insert(seq, (view, cmd));
            }
            PbftWrite::Commit { view, seq, cmd } => {
                self.committed.insert(seq, (view, cmd));
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum PbftNote {
    Orders {
        seq: u64,
        cmd: Command,
    },
    Prepared {
        seq: u64,
        cmd: Command,
    },
    Commits {
        seq: u64,
        cmd: Command,
    },
    Answers {
        req: RequestId,
        result: KvResult,
        matching: usize,
    },
    ViewChange {
        view: u64,
    },
    NewView {
        view: u64,
        from: u64,
        count: usize,
    },
}

impl Note for PbftNote {
    fn text(&self) -> String {
        match self {
            PbftNote::Orders { seq, cmd } => {
                format!("orders {} at sequence number {seq}", command_text(cmd))
            }
            PbftNote::Prepared { seq, cmd } => format!(
                "prepared {} at {seq}: the pre-prepare and 2f matching prepares",
                command_text(cmd)
            ),
            PbftNote::Commits { seq, cmd } => format!(
                "committed {} at {seq}: 2f + 1 matching commits",
                command_text(cmd)
            ),
            PbftNote::Answers {
                req,
                result,
                matching,
            } => format!(
                "answers {req}: {} ({matching} matching replies)",
                describe::result(result)
            ),
            PbftNote::ViewChange { view } => format!("asks for view {view}"),
            PbftNote::NewView { view, from, count } => format!(
                "starts view {view} as its primary: {count} pre-prepares from sequence number {from} on"
            ),
        }
    }

    fn is_routine(&self) -> bool {
        matches!(self, PbftNote::Prepared { .. })
    }
}

/// Who sent which result for a request, as its proxy heard.
pub type Votes = Vec<(NodeId, KvResult)>;

#[derive(Clone, Debug)]
pub struct PbftNode {
    id: NodeId,
    nodes: usize,
    config: PbftConfig,
    view: u64,
    /// The pre-prepare accepted at each sequence number (the primary's own orders too).
    accepted: BTreeMap<u64, (u64, Command)>,
    /// Prepares and commits heard, by sequence number: who sent which (view, request).
    prepares: BTreeMap<u64, Vec<(NodeId, u64, Command)>>,
    commits: BTreeMap<u64, Vec<(NodeId, u64, Command)>>,
    /// Sequence numbers this replica prepared in the view of its accepted pre-prepare.
    prepared: BTreeSet<u64>,
    /// The last certificate prepared at each sequence number (for view changes).
    certs: BTreeMap<u64, (u64, Command)>,
    /// Committed claims from others, for catching up: f + 1 matching suffice.
    claims: BTreeMap<u64, Vec<(NodeId, Command)>>,
    /// Requests heard of and not yet executed (a reason to expect progress); the primary
    /// orders them from here.
    pub(super) heard: BTreeMap<RequestId, Command>,
    /// Ticks with work pending and no progress; view changes in a row without progress.
    pub(super) stalled: u32,
    pub(super) attempts: u32,
    /// Between a view change and the new view's start.
    pub(super) changing: bool,
    /// View changes heard, by view.
    pub(super) vc: BTreeMap<u64, BTreeMap<NodeId, (u64, Vec<Cert>)>>,
    /// The new-view message this replica sent as primary of its view, to resend.
    new_view: Option<PbftMsg>,
    committed: BTreeMap<u64, (u64, Command)>,
    executed: u64,
    kv: KvStore,
    /// Results of the requests executed here, to resend a reply.
    results: BTreeMap<RequestId, (NodeId, KvResult)>,
    /// The primary's next sequence number, and the requests it ordered.
    next_seq: u64,
    ordered: BTreeMap<RequestId, u64>,
    /// As a proxy: the requests waiting for f + 1 matching replies, and the replies heard.
    waiting: BTreeMap<RequestId, KvOp>,
    votes: BTreeMap<RequestId, Votes>,
    /// As a proxy: the requests answered, in order, with the result and the replies
    /// heard then (for the checkers, which read what is new).
    answered: Vec<(RequestId, KvResult, Votes)>,
    /// Every commit made here since boot, in order (for the checkers).
    commit_log: Vec<(u64, Command)>,
}

type PCtx<'a> = Ctx<'a, PbftNode>;

/// How many sequence numbers past the last one it executed a primary may order.
const WINDOW: u64 = 64;

impl PbftNode {
    pub fn view(&self) -> u64 {
        self.view
    }

    pub fn primary_of(&self, view: u64) -> NodeId {
        NodeId((view % self.nodes as u64) as u32)
    }

    pub fn is_primary(&self) -> bool {
        self.primary_of(self.view) == self.id
    }

    pub fn f(&self) -> usize {
        faults(self.nodes)
    }

    pub fn committed(&self) -> &BTreeMap<u64, (u64, Command)> {
        &self.committed
    }

    /// The last prepared certificate at each sequence number: the view and the request.
    pub fn certs(&self) -> &BTreeMap<u64, (u64, Command)> {
        &self.certs
    }

    /// Between asking for a view and its start.
    pub fn changing(&self) -> bool {
        self.changing
    }

    pub fn accepted(&self) -> &BTreeMap<u64, (u64, Command)> {
        &self.accepted
    }

    pub fn executed(&self) -> u64 {
        self.executed
    }

    pub fn kv(&self) -> &KvStore {
        &self.kv
    }

    pub fn waiting(&self) -> &BTreeMap<RequestId, KvOp> {
        &self.waiting
    }

    pub fn answered(&self) -> &[(RequestId, KvResult, Votes)] {
        &self.answered
    }

    /// Every commit made since boot (those on disk first), in order.
    pub fn commit_log(&self) -> &[(u64, Command)] {
        &self.commit_log
    }

    fn commit(&mut self, ctx: &mut PCtx, seq: u64, view: u64, cmd: Command) {
        self.committed.insert(seq, (view, cmd.clone()));
        self.commit_log.push((seq, cmd.clone()));
        ctx.persist(PbftWrite::Commit {
            view,
            seq,
            cmd: cmd.clone(),
        });
        ctx.note(PbftNote::Commits { seq, cmd });
    }

    fn broadcast(&mut self, ctx: &mut PCtx, msg: PbftMsg) {
        for p in ctx.peers() {
            ctx.send(p, msg.clone());
        }
    }

    fn prepare_quorum(&self) -> usize {
        if self.config.has(PbftBug::PrepareQuorumF) {
            self.f()
        } else {
            2 * self.f()
        }
    }

    /// The proxy passes a request to the primary (or, resending, to every replica).
    fn submit(&mut self, ctx: &mut PCtx, cmd: Command, to_all: bool) {
        let primary = self.primary_of(self.view);
        if primary == self.id {
            self.on_request(ctx, cmd.clone());
        } else {
            ctx.send(primary, PbftMsg::Request { cmd: cmd.clone() });
        }
        if to_all {
            for p in ctx.peers().filter(|&p| p != primary) {
                ctx.send(p, PbftMsg::Request { cmd: cmd.clone() });
            }
        }
    }

    fn on_request(&mut self, ctx: &mut PCtx, cmd: Command) {
        let Command::Client { req, origin, .. } = &cmd else {
            return;
        };
        let (req, origin) = (*req, *origin);
        // Executed already: resend the reply.
        if let Some((_, result)) = self.results.get(&req).cloned() {
            self.send_reply(ctx, origin, req, result);
            return;
        }
        self.heard.insert(req, cmd.clone());
        if !self.is_primary() || self.changing {
            return;
        }
        if let Some(&seq) = self.ordered.get(&req) {
            if let Some((view, cmd)) = self.accepted.get(&seq).cloned() {
                if view == self.view {
                    self.broadcast(ctx, PbftMsg::PrePrepare { view, seq, cmd });
                }
            }
            return;
        }
        self.order_heard(ctx);
    }

    /// As primary: order the requests heard and not yet ordered, as far as the window
    /// allows (PBFT's high-water mark): at most [`WINDOW`] sequence numbers past what this
    /// replica executed, so that a backlog waits here, in the requests, and not as
    /// thousands of open sequence numbers that lost messages must be resent for.
    fn order_heard(&mut self, ctx: &mut PCtx) {
        if !self.is_primary() || self.changing {
            return;
        }
        let room = (self.executed + WINDOW + 1).saturating_sub(self.next_seq) as usize;
        let next: Vec<Command> = self
            .heard
            .iter()
            .filter(|(r, _)| !self.ordered.contains_key(r))
            .take(room)
            .map(|(_, c)| c.clone())
            .collect();
        for cmd in next {
            self.order(ctx, cmd);
        }
    }

    fn order(&mut self, ctx: &mut PCtx, cmd: Command) {
        let Command::Client { req, .. } = &cmd else {
            return;
        };
        let req = *req;
        let seq = self.next_seq;
        self.next_seq += 1;
        self.ordered.insert(req, seq);
        let view = self.view;
        self.accepted.insert(seq, (view, cmd.clone()));
        ctx.persist(PbftWrite::Accept {
            view,
            seq,
            cmd: cmd.clone(),
        });
        ctx.note(PbftNote::Orders {
            seq,
            cmd: cmd.clone(),
        });
        self.broadcast(ctx, PbftMsg::PrePrepare { view, seq, cmd });
        self.advance(ctx, seq);
    }

    fn on_pre_prepare(&mut self, ctx: &mut PCtx, from: NodeId, view: u64, seq: u64, cmd: Command) {
        if view != self.view || self.changing || from != self.primary_of(view) || from == self.id {
            return;
        }
        match self.accepted.get(&seq) {
            Some((v, c)) if *v == view && *c != cmd => return,
            Some((v, _)) if *v == view => {}
            _ => {
                if !self.accept(ctx, view, seq, &cmd) {
                    return;
                }
            }
        }
        self.record(seq, self.id, view, cmd.clone(), false);
        self.broadcast(ctx, PbftMsg::Prepare { view, seq, cmd });
        self.advance(ctx, seq);
    }

    /// Accepts `cmd` at `seq` in `view` (on disk first), unless this replica committed
    /// another request there; false then.
    fn accept(&mut self, ctx: &mut PCtx, view: u64, seq: u64, cmd: &Command) -> bool {
        if self.committed.get(&seq).is_some_and(|(_, c)| c != cmd) {
            return false;
        }
        self.prepared.remove(&seq);
        self.accepted.insert(seq, (view, cmd.clone()));
        ctx.persist(PbftWrite::Accept {
            view,
            seq,
            cmd: cmd.clone(),
        });
        if let Command::Client { req, .. } = cmd {
            self.ordered.insert(*req, seq);
        }
        true
    }

    fn record(&mut self, seq: u64, from: NodeId, view: u64, cmd: Command, commit: bool) {
        let votes = if commit {
            self.commits.entry(seq).or_default()
        } else {
            self.prepares.entry(seq).or_default()
        };
        if !votes
            .iter()
            .any(|(n, v, c)| *n == from && *v == view && *c == cmd)
        {
            votes.push((from, view, cmd));
        }
    }

    fn matching(&self, seq: u64, view: u64, cmd: &Command, commit: bool) -> usize {
        let votes = if commit {
            &self.commits
        } else {
            &self.prepares
        };
        votes.get(&seq).map_or(0, |vs| {
            vs.iter()
                .filter(|(_, v, c)| *v == view && c == cmd)
                .map(|(n, _, _)| *n)
                .collect::<BTreeSet<_>>()
                .len()
        })
    }

    /// Moves sequence number `seq` on as far as the votes allow: prepared, then committed,
    /// then executed (with every earlier one).
    fn advance(&mut self, ctx: &mut PCtx, seq: u64) {
        if self.changing {
            return;
        }
        if let Some((view, cmd)) = self.accepted.get(&seq).cloned() {
            // A replica that committed this request in an earlier view still prepares it
            // again in a new view: the others need its commit to get there too.
            if !self.prepared.contains(&seq)
                && view == self.view
                && self.matching(seq, view, &cmd, false) >= self.prepare_quorum()
            {
                self.prepared.insert(seq);
                self.certs.insert(seq, (view, cmd.clone()));
                ctx.persist(PbftWrite::Prepared {
                    view,
                    seq,
                    cmd: cmd.clone(),
                });
                ctx.note(PbftNote::Prepared {
                    seq,
                    cmd: cmd.clone(),
                });
                self.record(seq, self.id, view, cmd.clone(), true);
                self.broadcast(ctx, PbftMsg::Commit { view, seq, cmd });
            }
        }
        if let Some((view, cmd)) = self.accepted.get(&seq).cloned() {
            if self.prepared.contains(&seq)
                && !self.committed.contains_key(&seq)
                && self.matching(seq, view, &cmd, true) > 2 * self.f()
            {
                self.commit(ctx, seq, view, cmd);
            }
        }
        self.execute(ctx);
    }

    fn execute(&mut self, ctx: &mut PCtx) {
        let before = self.executed;
        self.execute_committed(ctx);
        if self.executed > before {
            self.order_heard(ctx);
        }
    }

    fn execute_committed(&mut self, ctx: &mut PCtx) {
        while let Some((_, cmd)) = self.committed.get(&(self.executed + 1)).cloned() {
            self.executed += 1;
            self.stalled = 0;
            self.attempts = 0;
            if let Command::Client { req, origin, op } = cmd {
                self.heard.remove(&req);
                let result = match self.kv.apply(req, &op) {
                    Some(result) => result,
                    None => match self.results.get(&req) {
                        Some((_, r)) => r.clone(),
                        None => continue,
                    },
                };
                self.results.insert(req, (origin, result.clone()));
                self.send_reply(ctx, origin, req, result);
            }
        }
    }

    fn send_reply(&mut self, ctx: &mut PCtx, origin: NodeId, req: RequestId, result: KvResult) {
        if origin == self.id {
            self.on_reply(ctx, self.id, req, result);
        } else {
            ctx.send(origin, PbftMsg::Reply { req, result });
        }
    }

    fn on_reply(&mut self, ctx: &mut PCtx, from: NodeId, req: RequestId, result: KvResult) {
        if !self.waiting.contains_key(&req) {
            return;
        }
        let votes = self.votes.entry(req).or_default();
        if votes.iter().any(|(n, _)| *n == from) {
            return;
        }
        votes.push((from, result.clone()));
        let matching = votes.iter().filter(|(_, r)| *r == result).count();
        if matching > self.f() {
            let votes = self.votes.remove(&req).unwrap_or_default();
            self.waiting.remove(&req);
            ctx.note(PbftNote::Answers {
                req,
                result: result.clone(),
                matching,
            });
            self.answered.push((req, result.clone(), votes));
            ctx.reply(req, result);
        }
    }

    fn on_vote(
        &mut self,
        ctx: &mut PCtx,
        from: NodeId,
        view: u64,
        seq: u64,
        cmd: Command,
        commit: bool,
    ) {
        // Votes count only in the view they were cast in, and not while this replica is
        // leaving it: what it prepares after asking for the next view would be missing
        // from its view-change message, and the new primary could order something else.
        if view != self.view || self.changing || (!commit && from == self.primary_of(view)) {
            return;
        }
        // A prepare for what this replica prepared and executed long ago: the sender is
        // behind and may have lost this replica's commit, so send it again.
        if !commit && seq <= self.executed && self.prepared.contains(&seq) {
            if let Some((v, c)) = self.accepted.get(&seq) {
                if *v == view && *c == cmd {
                    ctx.send(from, PbftMsg::Commit { view, seq, cmd });
                    return;
                }
            }
        }
        self.record(seq, from, view, cmd, commit);
        self.advance(ctx, seq);
    }

    fn on_status(&mut self, ctx: &mut PCtx, from: NodeId, view: u64, executed: u64) {
        if view < self.view && !self.changing && self.is_primary() {
            if let Some(nv) = self.new_view.clone() {
                ctx.send(from, nv);
            }
        }
        if executed >= self.executed {
            return;
        }
        // Resend, for a few of the sequence numbers it misses, what this replica sent.
        let missed: Vec<(u64, (u64, Command))> = self
            .committed
            .range(executed + 1..)
            .take(16)
            .map(|(s, e)| (*s, e.clone()))
            .collect();
        for (seq, (_, cmd)) in missed {
            ctx.send(from, PbftMsg::Committed { seq, cmd });
        }
    }

    fn on_committed(&mut self, ctx: &mut PCtx, from: NodeId, seq: u64, cmd: Command) {
        if self.committed.contains_key(&seq) {
            return;
        }
        let claims = self.claims.entry(seq).or_default();
        if !claims.iter().any(|(n, _)| *n == from) {
            claims.push((from, cmd.clone()));
        }
        let matching = claims.iter().filter(|(_, c)| *c == cmd).count();
        if matching > self.f() {
            self.claims.remove(&seq);
            let view = self.view;
            self.commit(ctx, seq, view, cmd);
            self.execute(ctx);
        }
    }

    /// Whether this replica expects progress: a request waits, or an order is open.
    fn expects_progress(&self) -> bool {
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
    fn next_view(&self) -> Option<u64> {
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

    fn start_view_change(&mut self, ctx: &mut PCtx, view: u64) {
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
    fn announce_view_change(&mut self, ctx: &mut PCtx) {
        let msg = self.view_change_msg();
        self.on_view_change(ctx, self.id, msg.clone());
        if self.changing {
            self.broadcast(ctx, msg);
        }
    }

    fn view_change_msg(&self) -> PbftMsg {
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

    fn on_view_change(&mut self, ctx: &mut PCtx, from: NodeId, msg: PbftMsg) {
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
    fn try_new_view(&mut self, ctx: &mut PCtx) {
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

    fn enter_view(&mut self, ctx: &mut PCtx, view: u64, pre_prepares: Vec<(u64, Command)>) {
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

    fn on_new_view(
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

    fn tick(&mut self, ctx: &mut PCtx) {
        if self.expects_progress() || self.changing {
            self.stalled += 1;
            // Wait longer after each view change that brought no progress.
            if self.stalled >= self.config.patience << self.attempts.min(2) {
                self.attempts += 1;
                if let Some(next) = self.next_view() {
                    self.start_view_change(ctx, next);
                } else {
                    self.stalled = 0;
                }
            } else if self.changing {
                self.announce_view_change(ctx);
            }
        } else {
            self.stalled = 0;
        }
        // The oldest requests still waiting go out again, to every replica.
        let pending: Vec<(RequestId, KvOp)> = self
            .waiting
            .iter()
            .take(WINDOW as usize / 4)
            .map(|(r, o)| (*r, o.clone()))
            .collect();
        for (req, op) in pending {
            let cmd = Command::Client {
                req,
                origin: self.id,
                op,
            };
            self.submit(ctx, cmd, true);
        }
        // Resend this replica's part in every sequence number not yet executed.
        let open: Vec<(u64, (u64, Command))> = self
            .accepted
            .range(self.executed + 1..)
            .take(16)
            .map(|(s, e)| (*s, e.clone()))
            .collect();
        for (seq, (view, cmd)) in open {
            if view != self.view {
                continue;
            }
            if self.primary_of(view) == self.id {
                self.broadcast(
                    ctx,
                    PbftMsg::PrePrepare {
                        view,
                        seq,
                        cmd: cmd.clone(),
                    },
                );
            } else {
                self.broadcast(
                    ctx,
                    PbftMsg::Prepare {
                        view,
                        seq,
                        cmd: cmd.clone(),
                    },
                );
            }
            if self.prepared.contains(&seq) || self.committed.contains_key(&seq) {
                self.broadcast(ctx, PbftMsg::Commit { view, seq, cmd });
            }
        }
        let status = PbftMsg::Status {
            view: self.view,
            executed: self.executed,
        };
        self.broadcast(ctx, status);
        ctx.set_timer(PbftTimer::Tick, self.config.tick_us);
    }

    fn handle(&mut self, ctx: &mut PCtx, from: NodeId, msg: PbftMsg) {
        match msg {
            PbftMsg::Request { cmd } => self.on_request(ctx, cmd),
            PbftMsg::PrePrepare { view, seq, cmd } => {
                self.on_pre_prepare(ctx, from, view, seq, cmd)
            }
            PbftMsg::Prepare { view, seq, cmd } => self.on_vote(ctx, from, view, seq, cmd, false),
            PbftMsg::Commit { view, seq, cmd } => self.on_vote(ctx, from, view, seq, cmd, true),
            PbftMsg::Reply { req, result } => self.on_reply(ctx, from, req, result),
            PbftMsg::Status { view, executed } => self.on_status(ctx, from, view, executed),
            PbftMsg::Committed { seq, cmd } => self.on_committed(ctx, from, seq, cmd),
            msg @ PbftMsg::ViewChange { .. } => self.on_view_change(ctx, from, msg),
            PbftMsg::NewView {
                view, pre_prepares, ..
            } => self.on_new_view(ctx, from, view, pre_prepares),
        }
    }
}

/// The sequence number a liar names to replica `to` for what it ordered (or was shown) at
/// `seq`: the same to replicas of its own parity (odd or even node number), and to the
/// others the other number of its pair (1 and 2, 3 and 4, ...). An equivocating primary
/// thus orders two real requests one way for some replicas and the other way for the rest,
/// and a two-faced backup of the other parity, which was shown the swapped order, tells
/// each side the order that side was shown.
fn seq_for(from: NodeId, to: NodeId, seq: u64) -> u64 {
    if from.0 % 2 == to.0 % 2 {
        seq
    } else if seq % 2 == 1 {
        seq + 1
    } else {
        seq - 1
    }
}

impl Protocol for PbftNode {
    type Msg = PbftMsg;
    type Timer = PbftTimer;
    type Disk = PbftDisk;
    type Config = PbftConfig;
    type Note = PbftNote;
    const ROLES: &'static [crate::registry::RoleDesc] = super::roles::ALL;

    fn boot(id: NodeId, nodes: usize, config: &PbftConfig, disk: &PbftDisk) -> Self {
        let mut node = PbftNode {
            id,
            nodes,
            config: config.clone(),
            view: disk.view,
            accepted: disk.accepted.clone(),
            prepares: BTreeMap::new(),
            commits: BTreeMap::new(),
            prepared: disk.committed.keys().copied().collect(),
            certs: disk.certs.clone(),
            claims: BTreeMap::new(),
            heard: BTreeMap::new(),
            stalled: 0,
            attempts: 0,
            changing: disk.view > 0 && !disk.entered,
            vc: BTreeMap::new(),
            new_view: None,
            committed: disk.committed.clone(),
            executed: 0,
            kv: KvStore::default(),
            results: BTreeMap::new(),
            next_seq: disk.accepted.keys().next_back().copied().unwrap_or(0) + 1,
            ordered: BTreeMap::new(),
            waiting: BTreeMap::new(),
            votes: BTreeMap::new(),
            answered: Vec::new(),
            commit_log: disk
                .committed
                .iter()
                .map(|(s, (_, c))| (*s, c.clone()))
                .collect(),
        };
        for (seq, (_, cmd)) in &disk.accepted {
            if let Command::Client { req, .. } = cmd {
                node.ordered.insert(*req, *seq);
            }
        }
        // The store is rebuilt from the committed requests on disk.
        while let Some((_, cmd)) = node.committed.get(&(node.executed + 1)).cloned() {
            node.executed += 1;
            if let Command::Client { req, origin, op } = cmd {
                if let Some(result) = node.kv.apply(req, &op) {
                    node.results.insert(req, (origin, result));
                }
            }
        }
        node
    }

    fn on_start(&mut self, ctx: &mut PCtx) {
        ctx.set_timer(PbftTimer::Tick, self.config.tick_us);
    }

    fn on_recover(&mut self, ctx: &mut PCtx) {
        ctx.set_timer(PbftTimer::Tick, self.config.tick_us);
    }

    fn on_message(&mut self, ctx: &mut PCtx, from: NodeId, msg: PbftMsg) {
        self.handle(ctx, from, msg);
    }

    fn on_timer(&mut self, ctx: &mut PCtx, timer: PbftTimer) {
        match timer {
            PbftTimer::Tick => self.tick(ctx),
        }
    }

    fn on_client_request(&mut self, ctx: &mut PCtx, req: RequestId, op: KvOp) {
        self.waiting.insert(req, op.clone());
        let cmd = Command::Client {
            req,
            origin: self.id,
            op,
        };
        self.submit(ctx, cmd, false);
    }

    fn stored(&self, key: Key) -> Vec<Value> {
        self.kv.data().get(&key).copied().into_iter().collect()
    }

    fn timer_text(timer: &PbftTimer) -> String {
        match timer {
            PbftTimer::Tick => "resend what is pending".into(),
        }
    }

    fn status(&self) -> NodeStatus {
        NodeStatus {
            role: if self.is_primary() && !self.changing {
                PRIMARY
            } else {
                BACKUP
            },
            term: self.view,
            log_len: self.accepted.keys().next_back().copied().unwrap_or(0),
            commit: self.executed,
        }
    }

    fn invariants(_config: &PbftConfig, nodes: usize) -> Vec<Box<dyn Invariant<Self>>> {
        super::checkers::safety(nodes)
    }

    fn end_properties(_config: &PbftConfig, _nodes: usize) -> Vec<Box<dyn EndProperty<Self>>> {
        super::checkers::at_end()
    }

    fn lie(
        behaviour: &str,
        from: NodeId,
        to: NodeId,
        msg: PbftMsg,
        _rng: &mut SimRng,
    ) -> Option<PbftMsg> {
        match (behaviour, msg) {
            ("equivocate", PbftMsg::PrePrepare { view, seq, cmd }) => Some(PbftMsg::PrePrepare {
                view,
                seq: seq_for(from, to, seq),
                cmd,
            }),
            ("equivocate" | "two-faced", PbftMsg::Commit { view, seq, cmd }) => {
                Some(PbftMsg::Commit {
                    view,
                    seq: seq_for(from, to, seq),
                    cmd,
                })
            }
            ("two-faced", PbftMsg::Prepare { view, seq, cmd }) => Some(PbftMsg::Prepare {
                view,
                seq: seq_for(from, to, seq),
                cmd,
            }),
            ("wrong-reply", PbftMsg::Reply { req, result }) => Some(PbftMsg::Reply {
                req,
                result: match result {
                    KvResult::Value { value } => KvResult::Value {
                        value: Some(value.unwrap_or(0).wrapping_add(1000)),
                    },
                    _ => KvResult::CasFailed { current: None },
                },
            }),
            ("silent", _) => None,
            (_, msg) => Some(msg),
        }
    }
}
