//! What PBFT replicas send, keep on disk and note: the messages, the disk and its writes,
//! and the notes the trace tells.

use crate::client::KvResult;
use crate::describe;
use crate::ids::RequestId;
use crate::protocol::{Durable, Message, Note};
use crate::protocols::raft::Command;
use crate::rng::SimRng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
