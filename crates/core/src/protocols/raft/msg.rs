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

impl Message for RaftMsg {
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
