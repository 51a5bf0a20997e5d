//! One Raft server. Read it beside Figure 2 of the paper: the handlers below follow its
//! "Rules for Servers" and the two RPCs, in that order.

use super::disk::{RaftDisk, RaftWrite};
use super::log::{Command, Entry, Log};
use super::msg::RaftMsg;
use super::state_machine::KvStore;
use super::{roles, RaftBug, RaftConfig};
use crate::check::Invariant;
use crate::client::{Key, KvOp, KvResult, Value};
use crate::flat::FlatSet;
use crate::ids::{NodeId, RequestId};
use crate::protocol::{Ctx, NodeStatus, Protocol, Role};
use crate::protocols::shared::{first_difference, route, Difference, Route};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RaftTimer {
    Election,
    Heartbeat,
    /// A candidate asks again those who have not granted their vote (RPCs are retried,
    /// §5.1; asking again is harmless because a vote, once cast, is final for the term).
    VoteRetry,
}

#[derive(Clone, Debug)]
pub struct RaftNode {
    id: NodeId,
    nodes: usize,
    config: RaftConfig,
    // Persistent state (mirrored on disk through `RaftWrite`s).
    term: u64,
    voted_for: Option<NodeId>,
    log: Log,
    // Volatile state.
    role: Role,
    leader: Option<NodeId>,
    commit: u64,
    applied: u64,
    kv: KvStore,
    votes: Vec<bool>,
    /// Client requests this node has to answer once they are applied.
    waiting: FlatSet<RequestId>,
    // Leader state, reinitialised after each election.
    next_index: Vec<u64>,
    match_index: Vec<u64>,
    /// Followers found holding less than they had acknowledged to this leader: (who,
    /// what it had acknowledged, what it holds now), the latest last.
    shrunk: Vec<(NodeId, u64, u64)>,
    /// Per follower: a refusal already showed it holding less than it acknowledged.
    /// One such refusal may be an old one the network delayed; a second one in a row is
    /// taken as the truth.
    doubt: Vec<bool>,
}

/// What Raft tells the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum RaftNote {
    /// A follower answered with a log shorter than it had acknowledged: it lost entries
    /// (its disk, outside Raft's fault model), and the leader sends them again.
    FollowerLostEntries {
        follower: NodeId,
        acknowledged: u64,
        holds: u64,
    },
    /// A follower deleted entries that conflict with the leader's log: written in an older
    /// term and never committed, they are replaced by the leader's.
    DroppedConflicting {
        /// The first index deleted, how many were deleted, and the term of the first.
        from: u64,
        count: u64,
        term: u64,
        leader: NodeId,
    },
}

impl crate::protocol::Note for RaftNote {
    fn text(&self) -> String {
        match self {
            RaftNote::FollowerLostEntries {
                follower,
                acknowledged,
                holds,
            } => format!(
                "finds that {follower} holds {holds} entries after acknowledging {acknowledged}: it lost its log, so the leader sends it again"
            ),
            RaftNote::DroppedConflicting {
                from,
                count,
                term,
                leader,
            } => {
                let (entries, they) = if *count == 1 {
                    ("entry", "it conflicts")
                } else {
                    ("entries", "they conflict")
                };
                format!(
                    "drops {count} uncommitted {entries} from index {from} on (written in term {term}): {they} with {leader}'s log, which replaces {}",
                    if *count == 1 { "it" } else { "them" }
                )
            }
        }
    }
}

type RaftCtx<'a> = Ctx<'a, RaftNode>;

impl RaftNode {
    /// Followers this leader found holding less than they had acknowledged: (who, what
    /// it had acknowledged, what it held), the latest last.
    pub fn shrunk_followers(&self) -> &[(NodeId, u64, u64)] {
        &self.shrunk
    }

    pub fn term(&self) -> u64 {
        self.term
    }
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn voted_for(&self) -> Option<NodeId> {
        self.voted_for
    }
    pub fn log(&self) -> &Log {
        &self.log
    }
    pub fn commit_index(&self) -> u64 {
        self.commit
    }
    pub fn leader_hint(&self) -> Option<NodeId> {
        self.leader
    }
    pub fn kv(&self) -> &KvStore {
        &self.kv
    }
    pub fn match_index(&self) -> &[u64] {
        &self.match_index
    }

    fn majority(&self) -> usize {
        self.nodes / 2 + 1
    }

    fn reset_election_timer(&self, ctx: &mut RaftCtx) {
        let after = ctx.random_between(
            self.config.election_timeout_min_us,
            self.config.election_timeout_max_us,
        );
        ctx.set_timer(RaftTimer::Election, after);
    }

    fn persist_term(&self, ctx: &mut RaftCtx) {
        let voted_for = if self.config.has(RaftBug::ForgetVote) {
            None
        } else {
            self.voted_for
        };
        ctx.persist(RaftWrite::Term {
            term: self.term,
            voted_for,
        });
    }

    /// "If RPC request or response contains term T > currentTerm: set currentTerm = T,
    /// convert to follower" (§5.1). Returns true if the term changed.
    fn observe_term(&mut self, ctx: &mut RaftCtx, term: u64) -> bool {
        if term <= self.term {
            return false;
        }
        let was_leader = self.role == roles::LEADER;
        self.term = term;
        self.voted_for = None;
        self.role = roles::FOLLOWER;
        self.leader = None;
        self.persist_term(ctx);
        if was_leader {
            ctx.cancel_timer(RaftTimer::Heartbeat);
            self.reset_election_timer(ctx);
        }
        true
    }

    /// Followers and candidates whose election timer runs out start an election (§5.2).
    fn start_election(&mut self, ctx: &mut RaftCtx) {
        self.term += 1;
        self.role = roles::CANDIDATE;
        self.voted_for = Some(self.id);
        self.leader = None;
        self.persist_term(ctx);
        self.votes = vec![false; self.nodes];
        self.votes[self.id.index()] = true;
        self.reset_election_timer(ctx);
        self.request_votes(ctx);
        self.count_votes(ctx);
    }

    /// Sends RequestVote to every peer that has not granted its vote in this term.
    fn request_votes(&mut self, ctx: &mut RaftCtx) {
        let request = RaftMsg::RequestVote {
            term: self.term,
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
        };
        for peer in ctx.peers() {
            if !self.votes[peer.index()] {
                ctx.send(peer, request.clone());
            }
        }
        ctx.set_timer(RaftTimer::VoteRetry, self.config.heartbeat_us);
    }

    fn count_votes(&mut self, ctx: &mut RaftCtx) {
        if self.role == roles::CANDIDATE
            && self.votes.iter().filter(|v| **v).count() >= self.majority()
        {
            self.become_leader(ctx);
        }
    }

    fn become_leader(&mut self, ctx: &mut RaftCtx) {
        self.role = roles::LEADER;
        self.leader = Some(self.id);
        ctx.cancel_timer(RaftTimer::Election);
        ctx.cancel_timer(RaftTimer::VoteRetry);
        // nextIndex starts just past the leader's log, matchIndex at 0 (Figure 2).
        self.next_index = vec![self.log.last_index() + 1; self.nodes];
        self.match_index = vec![0; self.nodes];
        self.doubt = vec![false; self.nodes];
        self.shrunk.clear();
        // A blank entry in the new term lets earlier entries commit (§8). The Figure 8
        // variant leaves it out, as the paper's figure does: the blank entry would mask
        // the bug by always travelling with the older entries.
        if !self.config.has(RaftBug::CommitOldTerm) {
            self.append_local(ctx, Command::Noop);
        }
        self.match_index[self.id.index()] = self.log.last_index();
        self.broadcast_append(ctx);
        ctx.set_timer(RaftTimer::Heartbeat, self.config.heartbeat_us);
        self.advance_commit(ctx);
    }

    fn append_local(&mut self, ctx: &mut RaftCtx, cmd: Command) {
        let entry = Entry {
            term: self.term,
            cmd,
        };
        ctx.persist(RaftWrite::Splice {
            after: self.log.last_index(),
            entries: vec![entry.clone()],
        });
        self.log.append(entry);
        if self.role == roles::LEADER && !self.match_index.is_empty() {
            self.match_index[self.id.index()] = self.log.last_index();
        }
    }

    fn broadcast_append(&mut self, ctx: &mut RaftCtx) {
        for peer in ctx.peers() {
            self.send_append(ctx, peer);
        }
    }

    fn send_append(&self, ctx: &mut RaftCtx, peer: NodeId) {
        let next = self.next_index[peer.index()].clamp(1, self.log.last_index() + 1);
        let prev_index = next - 1;
        ctx.send(
            peer,
            RaftMsg::AppendEntries {
                term: self.term,
                prev_index,
                prev_term: self.log.term_at(prev_index).unwrap_or(0),
                entries: self.log.slice(next, self.config.max_batch),
                leader_commit: self.commit,
            },
        );
    }

    fn on_request_vote(
        &mut self,
        ctx: &mut RaftCtx,
        candidate: NodeId,
        term: u64,
        last_log_index: u64,
        last_log_term: u64,
    ) {
        self.observe_term(ctx, term);
        // §5.4.1: vote only for a candidate whose log is at least as up-to-date.
        let up_to_date = last_log_term > self.log.last_term()
            || (last_log_term == self.log.last_term() && last_log_index >= self.log.last_index());
        let log_ok = up_to_date || self.config.has(RaftBug::VoteWithoutLogCheck);
        let free = self.voted_for.is_none() || self.voted_for == Some(candidate);
        let granted = term == self.term && free && log_ok && self.role != roles::LEADER;
        if granted {
            self.voted_for = Some(candidate);
            // The vote must reach the disk before the reply leaves (Figure 2).
            self.persist_term(ctx);
            self.reset_election_timer(ctx);
        }
        ctx.send(
            candidate,
            RaftMsg::Vote {
                term: self.term,
                granted,
            },
        );
    }

    fn on_append_entries(&mut self, ctx: &mut RaftCtx, leader: NodeId, msg: RaftMsg) {
        let RaftMsg::AppendEntries {
            term,
            prev_index,
            prev_term,
            entries,
            leader_commit,
        } = msg
        else {
            return;
        };
        self.observe_term(ctx, term);
        let reject = |ctx: &mut RaftCtx, me: &Self, hint: u64| {
            ctx.send(
                leader,
                RaftMsg::AppendReply {
                    term: me.term,
                    success: false,
                    match_index: hint,
                },
            );
        };
        // Reply false if term < currentTerm (§5.1).
        if term < self.term || self.role == roles::LEADER {
            reject(ctx, self, 0);
            return;
        }
        // A current leader exists: candidates step back (§5.2).
        self.role = roles::FOLLOWER;
        self.leader = Some(leader);
        self.reset_election_timer(ctx);
        // Reply false if the log has no entry at prevLogIndex whose term matches (§5.3).
        if self.log.term_at(prev_index) != Some(prev_term) {
            let hint = self.log.last_index().min(prev_index.saturating_sub(1));
            reject(ctx, self, hint);
            return;
        }
        // Delete a conflicting entry and all that follow it; append entries not already
        // in the log (§5.3). Entries that match stay, so a delayed, shorter AppendEntries
        // never shortens the log.
        let first_new = first_difference(&entries, prev_index, |index, entry| {
            self.log.term_at(index).map(|t| t == entry.term)
        });
        if let Some((k, Difference::Conflict)) = first_new {
            let index = prev_index + 1 + k as u64;
            let count = self.log.last_index() - index + 1;
            let term = self.log.term_at(index).unwrap_or_default();
            ctx.note(RaftNote::DroppedConflicting {
                from: index,
                count,
                term,
                leader,
            });
            self.log.truncate_after(index - 1);
        }
        if let Some((k, _)) = first_new {
            let fresh = entries[k..].to_vec();
            ctx.persist(RaftWrite::Splice {
                after: prev_index + k as u64,
                entries: fresh.clone(),
            });
            for entry in fresh {
                self.log.append(entry);
            }
        }
        let last_new = prev_index + entries.len() as u64;
        // commitIndex = min(leaderCommit, index of last new entry) (§5.3).
        if leader_commit > self.commit {
            self.commit = self.commit.max(leader_commit.min(last_new));
            self.apply_committed(ctx);
        }
        ctx.send(
            leader,
            RaftMsg::AppendReply {
                term: self.term,
                success: true,
                match_index: last_new,
            },
        );
    }

    fn on_append_reply(
        &mut self,
        ctx: &mut RaftCtx,
        from: NodeId,
        term: u64,
        success: bool,
        match_index: u64,
    ) {
        if self.observe_term(ctx, term) || self.role != roles::LEADER || term != self.term {
            return;
        }
        let f = from.index();
        // Only a reply that moves things forward triggers another send: a duplicated or
        // stale reply is ignored, otherwise duplicates would multiply into a storm.
        if success {
            self.doubt[f] = false;
            let matched = match_index.min(self.log.last_index());
            if matched <= self.match_index[f] {
                return;
            }
            self.match_index[f] = matched;
            self.next_index[f] = self.next_index[f].max(matched + 1);
            self.advance_commit(ctx);
            if self.next_index[f] <= self.log.last_index() {
                self.send_append(ctx, from);
            }
        } else {
            // A follower holding less than it acknowledged lost entries it had written
            // (a wiped disk, outside the crash-recovery model Raft assumes). Nothing is
            // known to match any more: start again from what it says it holds, or it can
            // never rejoin.
            if match_index < self.match_index[f] && !std::mem::replace(&mut self.doubt[f], true) {
                return;
            }
            if match_index < self.match_index[f] {
                self.doubt[f] = false;
                ctx.note(RaftNote::FollowerLostEntries {
                    follower: from,
                    acknowledged: self.match_index[f],
                    holds: match_index,
                });
                self.shrunk.push((from, self.match_index[f], match_index));
                if self.shrunk.len() > 4 {
                    self.shrunk.remove(0);
                }
                self.match_index[f] = match_index;
                self.next_index[f] = match_index + 1;
                self.send_append(ctx, from);
                return;
            }
            // Back up and retry (§5.3), never below what is known to match.
            let next = self.next_index[f]
                .saturating_sub(1)
                .min(match_index + 1)
                .max(self.match_index[f] + 1)
                .max(1);
            if next < self.next_index[f] {
                self.next_index[f] = next;
                self.send_append(ctx, from);
            }
        }
    }

    /// §5.3/§5.4.2: commit the highest index stored on a majority whose entry is from the
    /// current term; earlier entries are then committed indirectly.
    fn advance_commit(&mut self, ctx: &mut RaftCtx) {
        let mut n = self.log.last_index();
        while n > self.commit {
            let replicas = self.match_index.iter().filter(|&&m| m >= n).count();
            let current_term = self.log.term_at(n) == Some(self.term);
            if replicas >= self.majority()
                && (current_term || self.config.has(RaftBug::CommitOldTerm))
            {
                self.commit = n;
                self.apply_committed(ctx);
                return;
            }
            n -= 1;
        }
    }

    /// "If commitIndex > lastApplied: increment lastApplied, apply log[lastApplied] to
    /// state machine" (Figure 2); the node the client talks to answers it.
    fn apply_committed(&mut self, ctx: &mut RaftCtx) {
        while self.applied < self.commit {
            self.applied += 1;
            let Some(entry) = self.log.get(self.applied) else {
                break;
            };
            if let Command::Client { req, origin, op } = &entry.cmd {
                let result = self.kv.apply(*req, op);
                if let Some(result) = result {
                    if *origin == self.id && self.waiting.remove(req) {
                        ctx.reply(*req, result);
                    }
                }
            }
        }
    }

    /// A client operation, from a local client or forwarded by another node.
    fn submit(&mut self, ctx: &mut RaftCtx, req: RequestId, origin: NodeId, op: KvOp, hops: u8) {
        match route(self.id, self.role == roles::LEADER, self.leader, hops) {
            Route::Here => {
                self.append_local(ctx, Command::Client { req, origin, op });
                self.broadcast_append(ctx);
                self.advance_commit(ctx);
            }
            Route::Forward { to, hops } => {
                ctx.send(
                    to,
                    RaftMsg::Forward {
                        req,
                        origin,
                        op,
                        hops,
                    },
                );
            }
            Route::Nowhere if origin == self.id => {
                // Nothing was appended anywhere, so a definite failure is the truth.
                self.waiting.remove(&req);
                ctx.reply(req, KvResult::Unavailable);
            }
            Route::Nowhere => {} // a forward with nowhere to go; the client will time out
        }
    }
}

impl Protocol for RaftNode {
    type Msg = RaftMsg;
    type Timer = RaftTimer;
    type Disk = RaftDisk;
    type Config = RaftConfig;
    type Note = RaftNote;
    const ROLES: &'static [crate::protocol::RoleDesc] = super::roles::ALL;

    fn boot(id: NodeId, nodes: usize, config: &RaftConfig, disk: &RaftDisk) -> Self {
        RaftNode {
            id,
            nodes,
            config: config.clone(),
            term: disk.term,
            voted_for: disk.voted_for,
            log: Log::from_entries(disk.log.clone()),
            role: roles::FOLLOWER,
            leader: None,
            commit: 0,
            applied: 0,
            kv: KvStore::default(),
            votes: Vec::new(),
            waiting: FlatSet::new(),
            next_index: Vec::new(),
            match_index: Vec::new(),
            shrunk: Vec::new(),
            doubt: Vec::new(),
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        self.reset_election_timer(ctx);
    }

    fn on_recover(&mut self, ctx: &mut Ctx<'_, Self>) {
        // Term, vote and log came back from the disk in `boot`; everything else starts
        // afresh, as after a real reboot.
        self.reset_election_timer(ctx);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeId, msg: RaftMsg) {
        match msg {
            RaftMsg::RequestVote {
                term,
                last_log_index,
                last_log_term,
            } => self.on_request_vote(ctx, from, term, last_log_index, last_log_term),
            RaftMsg::Vote { term, granted } => {
                if !self.observe_term(ctx, term)
                    && term == self.term
                    && self.role == roles::CANDIDATE
                {
                    self.votes[from.index()] |= granted;
                    self.count_votes(ctx);
                }
            }
            msg @ RaftMsg::AppendEntries { .. } => self.on_append_entries(ctx, from, msg),
            RaftMsg::AppendReply {
                term,
                success,
                match_index,
            } => self.on_append_reply(ctx, from, term, success, match_index),
            RaftMsg::Forward {
                req,
                origin,
                op,
                hops,
            } => self.submit(ctx, req, origin, op, hops),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, timer: RaftTimer) {
        match timer {
            RaftTimer::Election if self.role != roles::LEADER => self.start_election(ctx),
            RaftTimer::VoteRetry if self.role == roles::CANDIDATE => self.request_votes(ctx),
            RaftTimer::Heartbeat if self.role == roles::LEADER => {
                self.broadcast_append(ctx);
                ctx.set_timer(RaftTimer::Heartbeat, self.config.heartbeat_us);
            }
            _ => {}
        }
    }

    fn on_client_request(&mut self, ctx: &mut Ctx<'_, Self>, req: RequestId, op: KvOp) {
        self.waiting.insert(req);
        self.submit(ctx, req, self.id, op, 0);
    }

    fn stored(&self, key: Key) -> Vec<Value> {
        self.kv().data().get(&key).copied().into_iter().collect()
    }

    fn timer_text(timer: &RaftTimer) -> String {
        match timer {
            RaftTimer::Election => "election timeout",
            RaftTimer::Heartbeat => "heartbeat",
            RaftTimer::VoteRetry => "ask again for missing votes",
        }
        .into()
    }

    fn status(&self) -> NodeStatus {
        NodeStatus {
            role: self.role,
            term: self.term,
            log_len: self.log.last_index(),
            commit: self.commit,
        }
    }

    fn invariants(_config: &RaftConfig, _nodes: usize) -> Vec<Box<dyn Invariant<Self>>> {
        super::checkers::all()
    }

    fn end_properties(
        _config: &RaftConfig,
        _nodes: usize,
    ) -> Vec<Box<dyn crate::check::EndProperty<Self>>> {
        super::checkers::at_end()
    }
}
