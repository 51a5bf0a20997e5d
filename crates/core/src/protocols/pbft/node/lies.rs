//! The lies a Byzantine replica tells (the behaviours PBFT lists), message by message.

use super::{PbftMsg, Snapshot, ViewClaim};
use crate::client::KvResult;
use crate::ids::NodeId;
use crate::protocols::raft::Command;

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

/// What a replica following `behaviour` sends `to` instead of `msg` (nothing, if silent).
pub(super) fn lie(behaviour: &str, from: NodeId, to: NodeId, msg: PbftMsg) -> Option<PbftMsg> {
    match (behaviour, msg) {
        ("equivocate", PbftMsg::PrePrepare { view, seq, cmd }) => Some(PbftMsg::PrePrepare {
            view,
            seq: seq_for(from, to, seq),
            cmd,
        }),
        ("equivocate" | "two-faced", PbftMsg::Commit { view, seq, cmd }) => Some(PbftMsg::Commit {
            view,
            seq: seq_for(from, to, seq),
            cmd,
        }),
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
        ("hides-certificates", PbftMsg::ViewChange { view, .. }) => Some(PbftMsg::ViewChange {
            view,
            claim: ViewClaim {
                stable: 0,
                digest: Snapshot::default().digest(),
                prepared: Vec::new(),
            },
        }),
        (
            "bad-new-view",
            PbftMsg::NewView {
                view,
                from,
                proof,
                mut pre_prepares,
            },
        ) => {
            // Every request carried becomes a no-op; with none, one number too many.
            let mut changed = false;
            for (_, cmd) in pre_prepares.iter_mut() {
                if matches!(cmd, Command::Client { .. }) {
                    *cmd = Command::Noop;
                    changed = true;
                }
            }
            if !changed {
                pre_prepares.push((from + pre_prepares.len() as u64, Command::Noop));
            }
            Some(PbftMsg::NewView {
                view,
                from,
                proof,
                pre_prepares,
            })
        }
        ("silent", _) => None,
        (_, msg) => Some(msg),
    }
}
