//! Leader Append-Only (Raft §5.3, Figure 3): a leader never overwrites or deletes entries
//! in its log; it only appends new entries.

use super::slot;
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::protocols::raft::roles;
use crate::protocols::raft::RaftNode;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Seen {
    leader_term: u64,
    len: u64,
    last_stamp: u64,
}

#[derive(Clone, Debug, Default)]
pub struct LeaderAppendOnly {
    seen: Vec<Option<Seen>>,
}

impl LeaderAppendOnly {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "leader append-only",
        kind: PropertyKind::Safety,
        promised: true,
        promise: "a leader never overwrites or deletes entries in its log (§5.3)",
    };
}

impl Invariant<RaftNode> for LeaderAppendOnly {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, RaftNode>) -> Result<(), String> {
        let Some(id) = view.acted else {
            return Ok(());
        };
        let seen = slot(&mut self.seen, id.index());
        let Some(node) = view.node(id).filter(|n| n.role() == roles::LEADER) else {
            *seen = None;
            return Ok(());
        };
        let log = node.log();
        if let Some(prev) = *seen {
            if prev.leader_term == node.term() && !view.rebooted {
                let intact = log.last_index() >= prev.len
                    && (prev.len == 0 || log.stamp_at(prev.len) == Some(prev.last_stamp));
                if !intact {
                    return Err(format!(
                        "leader {id} of term {} removed or overwrote entries: its log went from {} entries to {}",
                        node.term(),
                        prev.len,
                        log.last_index()
                    ));
                }
            }
        }
        *seen = Some(Seen {
            leader_term: node.term(),
            len: log.last_index(),
            last_stamp: log.max_stamp(),
        });
        Ok(())
    }
}
