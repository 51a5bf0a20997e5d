//! A replica of the majority register, which also coordinates the operations of the clients
//! that talk to it.
//!
//! Every operation takes two phases, each finished when a majority has answered:
//! 1. **query**: ask every replica for its newest tagged value of the key;
//! 2. **store**: a write picks a tag above the newest it heard (`seq + 1`, its own number)
//!    and stores its value; a read stores back the newest value it heard (the write-back,
//!    which stops a later read from seeing an older value than this one returned).
//!
//! Any two majorities share a replica, so the store of one operation is seen by the query
//! of every later one. Replicas write to disk before they acknowledge, so a crash loses
//! nothing acknowledged. Messages are sent again on a timer until answered: the network may
//! lose them.

use crate::msg::{AbdMsg, Tag};
use crate::{AbdBug, AbdConfig};
use serde::Serialize;
use splitbrain_core::client::{Key, KvOp, KvResult, Value};
use splitbrain_core::ids::{NodeId, RequestId};
use splitbrain_core::protocol::{Ctx, Durable, NodeStatus, Protocol, Role};
use std::collections::{BTreeMap, BTreeSet};

/// What a replica keeps on disk: the newest tagged value of each key it has stored.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AbdDisk {
    pub store: BTreeMap<Key, (Tag, Option<Value>)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Keep {
    pub key: Key,
    pub tag: Tag,
    pub value: Option<Value>,
}

impl Durable for AbdDisk {
    type Write = Keep;

    fn apply(&mut self, w: Keep) {
        let newer = self.store.get(&w.key).is_none_or(|(t, _)| w.tag > *t);
        if newer {
            self.store.insert(w.key, (w.tag, w.value));
        }
    }
}

impl AbdDisk {
    /// The tag this disk holds for `key` ((0, 0) if none).
    pub fn tag(&self, key: Key) -> Tag {
        self.store.get(&key).map_or(Tag::default(), |(t, _)| *t)
    }
}

/// The one timer: send again what has not been answered.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Resend;

/// Where an operation this node coordinates stands.
#[derive(Clone, Debug)]
pub enum Phase {
    /// Asking for the newest value; the newest heard so far.
    Query { newest: (Tag, Option<Value>) },
    /// Storing this tagged value.
    Store { tag: Tag, value: Option<Value> },
}

#[derive(Clone, Debug)]
pub struct Pending {
    pub op: KvOp,
    pub phase: Phase,
    /// The replicas that answered the current phase (this node among them).
    pub heard: BTreeSet<NodeId>,
}

/// An answer this node gave a client: what the checkers verify stands on a majority.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answer {
    pub req: RequestId,
    pub key: Key,
    pub tag: Tag,
    pub read: bool,
}

#[derive(Clone, Debug)]
pub struct AbdNode {
    id: NodeId,
    nodes: usize,
    config: AbdConfig,
    /// The same as the disk (read without asking the world for it).
    store: BTreeMap<Key, (Tag, Option<Value>)>,
    pending: BTreeMap<RequestId, Pending>,
    /// Every answer given since this node last booted, in order (for the checkers).
    answers: Vec<Answer>,
}

impl AbdNode {
    pub fn store(&self) -> &BTreeMap<Key, (Tag, Option<Value>)> {
        &self.store
    }

    pub fn pending(&self) -> &BTreeMap<RequestId, Pending> {
        &self.pending
    }

    pub fn answers(&self) -> &[Answer] {
        &self.answers
    }

    /// How many answers finish a phase: a majority, or with the bug one fewer than that.
    pub fn quorum(&self) -> usize {
        let majority = self.nodes / 2 + 1;
        if self.config.bugs.contains(&AbdBug::MinorityQuorum) {
            (majority - 1).max(1)
        } else {
            majority
        }
    }

    fn newest(&self, key: Key) -> (Tag, Option<Value>) {
        self.store.get(&key).copied().unwrap_or_default()
    }

    /// Keeps a tagged value if it is newer than what this replica holds, on disk first.
    fn keep(&mut self, ctx: &mut Ctx<'_, Self>, key: Key, tag: Tag, value: Option<Value>) {
        if tag > self.newest(key).0 {
            if !self.config.bugs.contains(&AbdBug::StoreInMemory) {
                ctx.persist(Keep { key, tag, value });
            }
            self.store.insert(key, (tag, value));
        }
    }

    /// The message of an operation's current phase.
    fn phase_msg(req: RequestId, p: &Pending) -> AbdMsg {
        let key = p.op.key();
        match p.phase {
            Phase::Query { .. } => AbdMsg::Query { req, key },
            Phase::Store { tag, value } => AbdMsg::Store {
                req,
                key,
                tag,
                value,
            },
        }
    }

    /// Sends the current phase of `req` to every replica that has not answered it yet.
    fn send_phase(&self, ctx: &mut Ctx<'_, Self>, req: RequestId) {
        let Some(p) = self.pending.get(&req) else {
            return;
        };
        for peer in ctx.peers() {
            if !p.heard.contains(&peer) {
                ctx.send(peer, Self::phase_msg(req, p));
            }
        }
    }

    /// Starts `req`'s store phase, this replica answering first.
    fn start_store(&mut self, ctx: &mut Ctx<'_, Self>, req: RequestId, tag: Tag, v: Option<Value>) {
        let me = self.id;
        let key = match self.pending.get_mut(&req) {
            Some(p) => {
                p.phase = Phase::Store { tag, value: v };
                p.heard = BTreeSet::from([me]);
                p.op.key()
            }
            None => return,
        };
        self.keep(ctx, key, tag, v);
        self.send_phase(ctx, req);
        self.advance(ctx, req);
    }

    /// Moves `req` on if its current phase has a quorum of answers.
    fn advance(&mut self, ctx: &mut Ctx<'_, Self>, req: RequestId) {
        let Some(p) = self.pending.get(&req) else {
            return;
        };
        if p.heard.len() < self.quorum() {
            return;
        }
        let (op, phase) = (p.op.clone(), p.phase.clone());
        let key = op.key();
        match (&op, phase) {
            (KvOp::Put { value, .. }, Phase::Query { newest }) => {
                // Above the newest heard, and above any tag this node stored since it
                // asked (its own concurrent write may have picked one): a tag names one
                // write only.
                let mut seq = newest.0.seq;
                if !self.config.bugs.contains(&AbdBug::SameTag) {
                    seq = seq.max(self.newest(key).0.seq);
                }
                let tag = Tag {
                    seq: seq + 1,
                    writer: self.id.0,
                };
                let value = Some(*value);
                self.start_store(ctx, req, tag, value);
            }
            (_, Phase::Query { newest }) if !self.config.bugs.contains(&AbdBug::SkipWriteBack) => {
                self.start_store(ctx, req, newest.0, newest.1);
            }
            (
                _,
                Phase::Query {
                    newest: (tag, value),
                },
            )
            | (_, Phase::Store { tag, value }) => {
                let read = op.is_read_only();
                self.pending.remove(&req);
                self.answers.push(Answer {
                    req,
                    key,
                    tag,
                    read,
                });
                ctx.reply(
                    req,
                    if read {
                        KvResult::Value { value }
                    } else {
                        KvResult::Written
                    },
                );
            }
        }
    }
}

impl Protocol for AbdNode {
    type Msg = AbdMsg;
    type Timer = Resend;
    type Disk = AbdDisk;
    type Config = AbdConfig;
    type Note = splitbrain_core::protocol::NoNotes;

    const ROLES: &'static [splitbrain_core::registry::RoleDesc] = crate::ROLES;

    fn boot(id: NodeId, nodes: usize, config: &AbdConfig, disk: &AbdDisk) -> Self {
        AbdNode {
            id,
            nodes,
            config: config.clone(),
            store: disk.store.clone(),
            pending: BTreeMap::new(),
            answers: Vec::new(),
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        ctx.set_timer(Resend, self.config.resend_us);
    }

    fn on_recover(&mut self, ctx: &mut Ctx<'_, Self>) {
        ctx.set_timer(Resend, self.config.resend_us);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeId, msg: AbdMsg) {
        match msg {
            AbdMsg::Query { req, key } => {
                let (tag, value) = self.newest(key);
                ctx.send(from, AbdMsg::Holds { req, tag, value });
            }
            AbdMsg::Store {
                req,
                key,
                tag,
                value,
            } => {
                self.keep(ctx, key, tag, value);
                ctx.send(from, AbdMsg::Stored { req, tag });
            }
            AbdMsg::Holds { req, tag, value } => {
                if let Some(p) = self.pending.get_mut(&req) {
                    if let Phase::Query { newest } = &mut p.phase {
                        if tag > newest.0 {
                            *newest = (tag, value);
                        }
                        p.heard.insert(from);
                        self.advance(ctx, req);
                    }
                }
            }
            AbdMsg::Stored { req, tag } => {
                if let Some(p) = self.pending.get_mut(&req) {
                    // An acknowledgement of an earlier attempt's tag proves nothing now.
                    if matches!(p.phase, Phase::Store { tag: t, .. } if t == tag) {
                        p.heard.insert(from);
                        self.advance(ctx, req);
                    }
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, _timer: Resend) {
        let open: Vec<RequestId> = self.pending.keys().copied().collect();
        for req in open {
            self.send_phase(ctx, req);
        }
        ctx.set_timer(Resend, self.config.resend_us);
    }

    fn on_client_request(&mut self, ctx: &mut Ctx<'_, Self>, req: RequestId, op: KvOp) {
        if matches!(op, KvOp::Cas { .. }) {
            // A compare-and-set needs the replicas to agree on an order: consensus, which
            // a majority register does not have.
            ctx.reply(req, KvResult::Unavailable);
            return;
        }
        if self.pending.contains_key(&req) {
            return; // a client's retry of what is under way
        }
        let newest = self.newest(op.key());
        self.pending.insert(
            req,
            Pending {
                op,
                phase: Phase::Query { newest },
                heard: BTreeSet::from([self.id]),
            },
        );
        self.send_phase(ctx, req);
        self.advance(ctx, req);
    }

    fn status(&self) -> NodeStatus {
        NodeStatus {
            role: Role(0),
            term: 0,
            log_len: 0,
            commit: 0,
        }
    }

    fn timer_text(_timer: &Resend) -> String {
        "send unanswered queries and stores again".into()
    }

    fn stored(&self, key: Key) -> Vec<Value> {
        self.newest(key).1.into_iter().collect()
    }

    fn invariants(
        _config: &AbdConfig,
        _nodes: usize,
    ) -> Vec<Box<dyn splitbrain_core::check::Invariant<Self>>> {
        vec![
            Box::new(crate::checkers::AnswersStandOnAMajority::default()),
            Box::new(crate::checkers::TagsNeverGoBack::default()),
        ]
    }
}
