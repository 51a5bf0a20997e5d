//! Primary-backup messages: the primary's log stream (which doubles as its heartbeat),
//! everyone's liveness pings, and client writes forwarded to the primary.

use crate::client::{Key, KvOp, KvResult, Value};
use crate::ids::{NodeId, RequestId};
use crate::protocol::Message;
use crate::rng::SimRng;
use serde::{Deserialize, Serialize};

/// One write, as the primary ordered it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry {
    /// The epoch of the primary that accepted the write.
    pub epoch: u64,
    pub key: Key,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PbMsg {
    /// Primary to backup: entries following `prev_index`, which the backup must hold with
    /// epoch `prev_epoch` (the same consistency check as Raft's AppendEntries). Sent empty
    /// as a heartbeat.
    Append {
        epoch: u64,
        prev_index: u64,
        prev_epoch: u64,
        entries: Vec<Entry>,
    },
    /// The backup's answer, with whom it follows in which epoch, so that a primary from an
    /// older epoch learns it has been replaced.
    AppendReply {
        epoch: u64,
        primary: Option<NodeId>,
        ok: bool,
        /// On success, the last index known to match; on failure, where to retry from.
        match_index: u64,
    },
    /// "I am alive", from every node that is not primary, so that backups know whom they
    /// can still hear when the primary goes quiet.
    Ping { epoch: u64 },
    /// A client write sent on towards the primary.
    Forward {
        req: RequestId,
        origin: NodeId,
        op: KvOp,
        hops: u8,
    },
    /// The primary's answer to a forwarded write, for the node its client talks to.
    ForwardReply { req: RequestId, result: KvResult },
}

fn bump(x: u64, rng: &mut SimRng) -> u64 {
    x.wrapping_add(rng.range(1, 4))
}

impl Message for PbMsg {
    fn fields(&self) -> Vec<(&'static str, String)> {
        use crate::protocol::yes_no;
        match self {
            PbMsg::Append {
                epoch,
                prev_index,
                prev_epoch,
                entries,
            } => {
                let writes: Vec<String> = entries
                    .iter()
                    .map(|e| format!("E{} put k{}={}", e.epoch, e.key, e.value))
                    .collect();
                vec![
                    ("epoch", epoch.to_string()),
                    ("prev index", prev_index.to_string()),
                    ("prev epoch", prev_epoch.to_string()),
                    (
                        "writes",
                        if writes.is_empty() {
                            "none (a heartbeat)".into()
                        } else {
                            format!("{}: {}", writes.len(), writes.join(", "))
                        },
                    ),
                ]
            }
            PbMsg::AppendReply {
                epoch,
                primary,
                ok,
                match_index,
            } => vec![
                ("epoch", epoch.to_string()),
                (
                    "follows",
                    primary.map_or("nobody".into(), |p| p.to_string()),
                ),
                ("ok", yes_no(*ok)),
                ("match index", match_index.to_string()),
            ],
            PbMsg::Ping { epoch } => vec![("epoch", epoch.to_string())],
            PbMsg::Forward {
                req,
                origin,
                op,
                hops,
            } => crate::describe::forward_fields(*req, *origin, op, *hops),
            PbMsg::ForwardReply { req, result } => vec![
                ("request", req.to_string()),
                ("answer", crate::describe::result(result)),
            ],
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            PbMsg::Append { .. } => "Append",
            PbMsg::AppendReply { .. } => "AppendReply",
            PbMsg::Ping { .. } => "Ping",
            PbMsg::Forward { .. } => "Forward",
            PbMsg::ForwardReply { .. } => "ForwardReply",
        }
    }

    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let mut m = self.clone();
        let pick = rng.below(2);
        match &mut m {
            PbMsg::Append {
                epoch,
                prev_index,
                entries,
                ..
            } => match (pick, entries.first_mut()) {
                (0, _) => *epoch = bump(*epoch, rng),
                (_, Some(e)) => e.value = bump(e.value, rng),
                (_, None) => *prev_index = bump(*prev_index, rng),
            },
            PbMsg::AppendReply {
                epoch,
                ok,
                match_index,
                ..
            } => match rng.below(3) {
                0 => *epoch = bump(*epoch, rng),
                1 => *ok = !*ok,
                _ => *match_index = bump(*match_index, rng),
            },
            PbMsg::Ping { epoch } => *epoch = bump(*epoch, rng),
            PbMsg::Forward { op, .. } => match op {
                KvOp::Get { key } => *key = key.wrapping_add(1),
                KvOp::Put { value, .. } => *value = bump(*value, rng),
                KvOp::Cas { new, .. } => *new = bump(*new, rng),
            },
            PbMsg::ForwardReply { result, .. } => {
                *result = match result {
                    KvResult::Written => KvResult::Unavailable,
                    _ => KvResult::Written,
                }
            }
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corruption_always_changes_the_message() {
        let mut rng = SimRng::new(3);
        let samples = [
            PbMsg::Append {
                epoch: 2,
                prev_index: 4,
                prev_epoch: 1,
                entries: vec![],
            },
            PbMsg::Append {
                epoch: 2,
                prev_index: 4,
                prev_epoch: 1,
                entries: vec![Entry {
                    epoch: 2,
                    key: 1,
                    value: 9,
                }],
            },
            PbMsg::AppendReply {
                epoch: 2,
                primary: Some(NodeId(1)),
                ok: true,
                match_index: 3,
            },
            PbMsg::Ping { epoch: 1 },
            PbMsg::Forward {
                req: RequestId(1),
                origin: NodeId(2),
                op: KvOp::Put { key: 1, value: 2 },
                hops: 1,
            },
            PbMsg::ForwardReply {
                req: RequestId(1),
                result: KvResult::Written,
            },
        ];
        for m in &samples {
            for _ in 0..50 {
                assert_ne!(&m.corrupt(&mut rng), m);
            }
        }
    }
}
