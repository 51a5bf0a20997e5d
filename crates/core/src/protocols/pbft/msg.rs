//! What PBFT replicas send, keep on disk and note: the messages, the disk and its writes,
//! and the notes the trace tells.

use crate::client::KvResult;
use crate::describe;
use crate::flat::FlatMap;
use crate::ids::{NodeId, RequestId};
use crate::protocol::{Durable, Message, Note};
use crate::protocols::raft::{Command, KvStore};
use crate::rng::SimRng;
use crate::trace::StableHasher;
use serde::{Deserialize, Serialize};

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
    /// The sender moves to `view`: its stable checkpoint and what it prepared past it.
    ViewChange { view: u64, claim: ViewClaim },
    /// The new primary starts `view`, pre-preparing every sequence number from `from` on,
    /// with the view changes it chose them from (so that a backup can check the choice).
    NewView {
        view: u64,
        from: u64,
        proof: Vec<(NodeId, ViewClaim)>,
        pre_prepares: Vec<(u64, Command)>,
    },
    /// The sender's state after executing up to `seq` has this digest.
    Checkpoint { seq: u64, digest: u64 },
    /// The state at the sender's stable checkpoint `seq`, for a replica that fell behind it.
    State { seq: u64, snapshot: Snapshot },
}

/// A prepared certificate: the sequence number, the view it was prepared in, the request.
pub type Cert = (u64, u64, Command);

/// What a replica's view change states: its stable checkpoint (the sequence number and
/// the state's digest; 0 is the empty start) and every certificate it prepared past it.
/// The checkpoint's proof (2f + 1 matching checkpoint messages) and a certificate's
/// prepares are signed by the replicas that sent them, so a liar can hide or age what it
/// holds, but cannot make up what others signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewClaim {
    pub stable: u64,
    pub digest: u64,
    pub prepared: Vec<Cert>,
}

/// The state a checkpoint holds: the store (with the requests applied) and the result of
/// each request executed, to answer a proxy that asks again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub kv: KvStore,
    pub results: FlatMap<RequestId, (NodeId, KvResult)>,
}

impl Snapshot {
    pub fn digest(&self) -> u64 {
        StableHasher::of(self)
    }
}

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
            PbftMsg::Checkpoint { .. } => "Checkpoint",
            PbftMsg::State { .. } => "State",
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
            PbftMsg::ViewChange { view, mut claim } => {
                claim.prepared.pop();
                PbftMsg::ViewChange { view, claim }
            }
            PbftMsg::NewView {
                view,
                from,
                proof,
                mut pre_prepares,
            } => {
                pre_prepares.pop();
                PbftMsg::NewView {
                    view,
                    from,
                    proof,
                    pre_prepares,
                }
            }
            PbftMsg::Checkpoint { seq, digest } => PbftMsg::Checkpoint {
                seq,
                digest: digest ^ 1,
            },
            PbftMsg::State { seq, mut snapshot } => {
                snapshot.results.pop_last();
                PbftMsg::State { seq, snapshot }
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
            PbftMsg::ViewChange { view, claim } => vec![
                ("view", view.to_string()),
                ("stable checkpoint", claim.stable.to_string()),
                ("prepared", certs_text(&claim.prepared)),
            ],
            PbftMsg::Checkpoint { seq, digest } => vec![
                ("executed up to", seq.to_string()),
                ("state digest", format!("{:04x}", digest & 0xffff)),
            ],
            PbftMsg::State { seq, snapshot } => vec![
                ("executed up to", seq.to_string()),
                ("requests applied", snapshot.results.len().to_string()),
                (
                    "state digest",
                    format!("{:04x}", snapshot.digest() & 0xffff),
                ),
            ],
            PbftMsg::NewView {
                view,
                from,
                proof,
                pre_prepares,
            } => vec![
                ("view", view.to_string()),
                ("from", from.to_string()),
                (
                    "view changes",
                    proof
                        .iter()
                        .map(|(n, _)| n.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
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

/// Prepared certificates in words: `5: put k1=3 (r4) in view 0, 6: no-op in view 1`.
fn certs_text(certs: &[Cert]) -> String {
    if certs.is_empty() {
        return "nothing".into();
    }
    certs
        .iter()
        .map(|(s, v, c)| format!("{s}: {} in view {v}", command_text(c)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum PbftTimer {
    /// Resend what is pending.
    Tick,
}

/// What a replica keeps on disk: its view, its last stable checkpoint with the state
/// there, and past it the request it accepted at each sequence number (with the view),
/// what it prepared and what it committed.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PbftDisk {
    pub view: u64,
    /// Whether the view on disk was entered (its new view received or sent), or only
    /// asked for: a replica that restarts in the middle of a view change is still in it.
    pub entered: bool,
    pub accepted: FlatMap<u64, (u64, Command)>,
    pub committed: FlatMap<u64, (u64, Command)>,
    pub certs: FlatMap<u64, (u64, Command)>,
    /// The last stable checkpoint: its sequence number and the state there.
    pub stable: (u64, Snapshot),
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
    /// The checkpoint at `seq` is stable: the state there is kept, the logs up to it go.
    Stable {
        seq: u64,
        snapshot: Snapshot,
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
            PbftWrite::Stable { seq, snapshot } => {
                self.accepted = self.accepted.split_off(&(seq + 1));
                self.committed = self.committed.split_off(&(seq + 1));
                self.certs = self.certs.split_off(&(seq + 1));
                self.stable = (seq, snapshot);
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
    /// A backup refuses a new view whose pre-prepares are not what its view changes give.
    RefusesNewView {
        view: u64,
        primary: NodeId,
        why: String,
    },
    /// 2f + 1 replicas, this one among them, reached the same state at `seq`.
    Stable {
        seq: u64,
    },
    /// The state at `seq`, taken from f + 1 replicas that sent the same one.
    TakesState {
        seq: u64,
        from: usize,
    },
    /// Kept for the checkers (a record, not traced): a proxy answered `req` with `result`,
    /// having heard `votes`.
    Answered {
        req: RequestId,
        result: KvResult,
        votes: Vec<(NodeId, KvResult)>,
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
            PbftNote::NewView { view, from, count } => match count {
                0 => format!(
                    "starts view {view} as its primary: nothing was prepared to order again, so it orders new requests from sequence number {from} on"
                ),
                1 => format!(
                    "starts view {view} as its primary: 1 pre-prepare from sequence number {from} on"
                ),
                _ => format!(
                    "starts view {view} as its primary: {count} pre-prepares from sequence number {from} on"
                ),
            },
            PbftNote::RefusesNewView {
                view,
                primary,
                why,
            } => {
                format!("refuses {primary}'s NEW-VIEW for view {view}: {why}")
            }
            PbftNote::Stable { seq } => format!(
                "checkpoint at {seq} is stable (2f + 1 matching states): its log up to {seq} is discarded"
            ),
            PbftNote::TakesState { seq, from } => format!(
                "takes the state at sequence number {seq} from {from} replicas that sent the same one"
            ),
            PbftNote::Answered { req, result, votes } => format!(
                "answered {req}: {} after {} replies",
                describe::result(result),
                votes.len()
            ),
        }
    }

    fn is_routine(&self) -> bool {
        matches!(self, PbftNote::Prepared { .. } | PbftNote::Stable { .. })
    }
}
