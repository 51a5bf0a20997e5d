//! Clients accept only f + 1 matching replies: an honest proxy answers a client only with
//! a result that at least f + 1 distinct replicas sent it.

use crate::check::{CheckView, Invariant};
use crate::describe;
use crate::ids::NodeId;
use crate::protocols::pbft::{faults, PbftNode};
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub struct MatchingReplies {
    f: usize,
    /// Per node, how many of its answers have been read.
    read: BTreeMap<NodeId, usize>,
}

impl MatchingReplies {
    pub fn new(nodes: usize) -> Self {
        MatchingReplies {
            f: faults(nodes),
            read: BTreeMap::new(),
        }
    }
}

impl Invariant<PbftNode> for MatchingReplies {
    fn name(&self) -> &'static str {
        "clients accept only f + 1 matching replies"
    }

    fn check(&mut self, view: &CheckView<'_, PbftNode>) -> Result<(), String> {
        let Some((id, node)) = view.actor() else {
            return Ok(());
        };
        if !view.is_honest(id) {
            return Ok(());
        }
        let answered = node.answered();
        let from = if view.rebooted {
            0
        } else {
            self.read.get(&id).copied().unwrap_or(0).min(answered.len())
        };
        self.read.insert(id, answered.len());
        for (req, result, votes) in &answered[from..] {
            let matching = votes.iter().filter(|(_, r)| r == result).count();
            if matching <= self.f {
                return Err(format!(
                    "{id} answered {req} with {} after {matching} matching repl{} (f + 1 = {} needed)",
                    describe::result(result),
                    if matching == 1 { "y" } else { "ies" },
                    self.f + 1
                ));
            }
        }
        Ok(())
    }

    fn clone_box(&self) -> Box<dyn Invariant<PbftNode>> {
        Box::new(self.clone())
    }
}
