//! Honest replicas agree on each sequence number: no two honest replicas commit (or
//! execute) different requests at the same sequence number, in any views.

use crate::check::{CheckView, Invariant};
use crate::ids::NodeId;
use crate::protocols::pbft::node::command_text;
use crate::protocols::pbft::PbftNode;
use crate::protocols::raft::Command;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct HonestAgree {
    /// The first request an honest replica committed at each sequence number, and who.
    first: BTreeMap<u64, (NodeId, Command)>,
}

impl HonestAgree {
    pub fn observe(&mut self, node: NodeId, seq: u64, cmd: &Command) -> Result<(), String> {
        match self.first.get(&seq) {
            None => {
                self.first.insert(seq, (node, cmd.clone()));
                Ok(())
            }
            Some((_, first)) if first == cmd => Ok(()),
            Some((who, first)) => Err(format!(
                "honest {node} committed {} at sequence number {seq}, but honest {who} committed {} there",
                command_text(cmd),
                command_text(first)
            )),
        }
    }
}

impl Invariant<PbftNode> for HonestAgree {
    fn name(&self) -> &'static str {
        "honest replicas agree on each sequence number"
    }

    fn check(&mut self, view: &CheckView<'_, PbftNode>) -> Result<(), String> {
        let Some((id, node)) = view.actor() else {
            return Ok(());
        };
        if !view.is_honest(id) {
            return Ok(());
        }
        for (seq, (_, cmd)) in node.committed() {
            self.observe(id, *seq, cmd)?;
        }
        Ok(())
    }

    fn clone_box(&self) -> Box<dyn Invariant<PbftNode>> {
        Box::new(self.clone())
    }
}
