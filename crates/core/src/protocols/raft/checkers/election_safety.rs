//! Election Safety (Raft §5.2, Figure 3): at most one leader can be elected in a given term.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::flat::FlatMap;
use crate::ids::NodeId;
use crate::protocols::raft::roles;
use crate::protocols::raft::RaftNode;

#[derive(Clone, Debug, Default)]
pub struct ElectionSafety {
    /// Every leader ever seen, by term.
    leaders: FlatMap<u64, NodeId>,
}

impl ElectionSafety {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "election safety",
        kind: PropertyKind::Safety,
        promised: true,
        promise: "at most one leader is elected in a term (§5.2)",
    };
}

impl Invariant<RaftNode> for ElectionSafety {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, RaftNode>) -> Result<(), String> {
        let Some((id, node)) = view.actor() else {
            return Ok(());
        };
        if node.role() != roles::LEADER {
            return Ok(());
        }
        let first = *self.leaders.entry(node.term()).or_insert(id);
        if first != id {
            return Err(format!(
                "two leaders in term {}: {first} and {id}",
                node.term()
            ));
        }
        Ok(())
    }
}
