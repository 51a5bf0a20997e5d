//! At the end of a run that had time to settle (network healed, clients stopped): when a
//! majority is up, one of them leads and every node that is up has committed as far as the
//! furthest of them. Raft promises this once the network behaves (§5.3: the leader retries
//! AppendEntries until every follower's log matches its own); a follower that can never
//! rejoin breaks it.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, EndProperty};
use crate::protocols::raft::roles;
use crate::protocols::raft::RaftNode;

#[derive(Clone, Debug, Default)]
pub struct EveryLiveNodeCatchesUp;

impl EveryLiveNodeCatchesUp {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "every live node catches up",
        kind: PropertyKind::AtEnd,
        promised: true,
        promise: "once the network heals and a majority is up, one node leads and every node that is up commits as far as the furthest",
    };
}

impl EndProperty<RaftNode> for EveryLiveNodeCatchesUp {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, RaftNode>) -> Result<(), String> {
        let up: Vec<_> = view
            .up_nodes()
            .filter(|(id, _)| !view.is_paused(*id))
            .collect();
        if up.len() * 2 <= view.len() {
            return Ok(()); // no majority: Raft promises no progress
        }
        if !up.iter().any(|(_, n)| n.role() == roles::LEADER) {
            return Err(format!(
                "{} of {} nodes are up and connected, yet none leads",
                up.len(),
                view.len()
            ));
        }
        let furthest = up.iter().map(|(_, n)| n.commit_index()).max().unwrap_or(0);
        let behind: Vec<String> = up
            .iter()
            .filter(|(_, n)| n.commit_index() < furthest)
            .map(|(id, n)| format!("{id} at {}", n.commit_index()))
            .collect();
        if behind.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "with the network healed, {} still behind commit index {furthest}",
                behind.join(", ")
            ))
        }
    }
}
