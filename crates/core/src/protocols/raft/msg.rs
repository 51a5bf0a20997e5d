//! Raft's messages (Raft §5, Figure 2), plus `Forward`, which carries a client request from
//! the node the client talks to over to the leader.

use super::log::{Command, Entry};
use crate::client::KvOp;
use crate::ids::{NodeId, RequestId};
use crate::protocol::Message;
use crate::rng::SimRng;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RaftMsg {
    RequestVote {
        term: u64,
        last_log_index: u64,
        last_log_term: u64,
    },
    Vote {
        term: u64,
        granted: bool,
    },
    AppendEntries {
        term: u64,
        prev_index: u64,
        prev_term: u64,
        entries: Vec<Entry>,
        leader_commit: u64,
    },
    AppendReply {
        term: u64,
        success: bool,
        /// On success, the last index known to match; on failure, a hint where to retry.
        match_index: u64,
    },
    Forward {
        req: RequestId,
        origin: NodeId,
        op: KvOp,
        hops: u8,
    },
}

/// Adds 1 to 4 to a number: a plausible bit error.
fn bump(x: u64, rng: &mut SimRng) -> u64 {
    x.wrapping_add(rng.range(1, 4))
}

fn corrupt_op(op: &KvOp, rng: &mut SimRng) -> KvOp {
    match op.clone() {
        KvOp::Get { key } => KvOp::Get {
            key: key.wrapping_add(1),
        },
        KvOp::Put { key, value } => KvOp::Put {
            key,
            value: bump(value, rng),
        },
        KvOp::Cas { key, expect, new } => KvOp::Cas {
            key,
            expect,
            new: bump(new, rng),
        },
    }
}

fn entries_text(entries: &[Entry]) -> String {
    if entries.is_empty() {
        return "none (a heartbeat)".into();
    }
    let items: Vec<String> = entries
        .iter()
        .map(|e| match &e.cmd {
            crate::protocols::raft::Command::Noop => format!("T{} no-op", e.term),
            crate::protocols::raft::Command::Client { op, .. } => {
                format!("T{} {}", e.term, crate::describe::op(op))
            }
        })
        .collect();
    format!("{}: {}", entries.len(), items.join(", "))
}

impl Message for RaftMsg {
    fn fields(&self) -> Vec<(&'static str, String)> {
        use crate::protocol::yes_no;
        match self {
            RaftMsg::RequestVote {
                term,
                last_log_index,
                last_log_term,
            } => vec![
                ("term", term.to_string()),
                ("last log index", last_log_index.to_string()),
                ("last log term", last_log_term.to_string()),
            ],
            RaftMsg::Vote { term, granted } => {
                vec![("term", term.to_string()), ("granted", yes_no(*granted))]
            }
            RaftMsg::AppendEntries {
                term,
                prev_index,
                prev_term,
                entries,
                leader_commit,
            } => vec![
                ("term", term.to_string()),
                ("prev index", prev_index.to_string()),
                ("prev term", prev_term.to_string()),
                ("entries", entries_text(entries)),
                ("leader commit", leader_commit.to_string()),
            ],
            RaftMsg::AppendReply {
                term,
                success,
                match_index,
            } => vec![
                ("term", term.to_string()),
                ("success", yes_no(*success)),
                ("match index", match_index.to_string()),
            ],
            RaftMsg::Forward {
                req,
                origin,
                op,
                hops,
            } => crate::describe::forward_fields(*req, *origin, op, *hops),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            RaftMsg::RequestVote { .. } => "RequestVote",
            RaftMsg::Vote { .. } => "Vote",
            RaftMsg::AppendEntries { .. } => "AppendEntries",
            RaftMsg::AppendReply { .. } => "AppendReply",
            RaftMsg::Forward { .. } => "Forward",
        }
    }

    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let mut m = self.clone();
        let pick = rng.below(3);
        match &mut m {
            RaftMsg::RequestVote {
                term,
                last_log_index,
                last_log_term,
            } => match pick {
                0 => *term = bump(*term, rng),
                1 => *last_log_index = bump(*last_log_index, rng),
                _ => *last_log_term = bump(*last_log_term, rng),
            },
            RaftMsg::Vote { term, granted } => match pick {
                0 => *term = bump(*term, rng),
                _ => *granted = !*granted,
            },
            RaftMsg::AppendEntries {
                term,
                prev_index,
                entries,
                leader_commit,
                ..
            } => match pick {
                0 => *term = bump(*term, rng),
                1 => *leader_commit = bump(*leader_commit, rng),
                _ => match entries.first_mut() {
                    Some(Entry {
                        cmd: Command::Client { op, .. },
                        ..
                    }) => *op = corrupt_op(op, rng),
                    Some(entry) => entry.term = bump(entry.term, rng),
                    None => *prev_index = bump(*prev_index, rng),
                },
            },
            RaftMsg::AppendReply {
                term,
                success,
                match_index,
            } => match pick {
                0 => *term = bump(*term, rng),
                1 => *success = !*success,
                _ => *match_index = bump(*match_index, rng),
            },
            RaftMsg::Forward { op, .. } => *op = corrupt_op(op, rng),
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corruption_always_changes_the_message() {
        let mut rng = SimRng::new(5);
        let samples = [
            RaftMsg::RequestVote {
                term: 3,
                last_log_index: 7,
                last_log_term: 2,
            },
            RaftMsg::Vote {
                term: 3,
                granted: true,
            },
            RaftMsg::AppendEntries {
                term: 3,
                prev_index: 1,
                prev_term: 1,
                entries: vec![],
                leader_commit: 1,
            },
            RaftMsg::AppendReply {
                term: 3,
                success: true,
                match_index: 4,
            },
        ];
        for m in &samples {
            for _ in 0..50 {
                assert_ne!(&m.corrupt(&mut rng), m);
            }
        }
    }
}
