//! Election Safety (Raft §5.2, Figure 3): at most one leader can be elected in a given term.

use crate::check::{CheckView, Invariant};
use crate::ids::NodeId;
use crate::protocols::raft::roles;
use crate::protocols::raft::RaftNode;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct ElectionSafety {
    /// Every leader ever seen, by term.
    leaders: BTreeMap<u64, NodeId>,
}

impl Invariant<RaftNode> for ElectionSafety {
    fn name(&self) -> &'static str {
        "election safety"
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

    fn clone_box(&self) -> Box<dyn Invariant<RaftNode>> {
        Box::new(self.clone())
    }
}
