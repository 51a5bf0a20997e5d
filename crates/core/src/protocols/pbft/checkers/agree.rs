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
    /// Per node, how much of its commit log has been read.
    read: BTreeMap<NodeId, usize>,
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
        let log = node.commit_log();
        let from = if view.rebooted {
            0
        } else {
            self.read.get(&id).copied().unwrap_or(0).min(log.len())
        };
        self.read.insert(id, log.len());
        for (seq, cmd) in &log[from..] {
            self.observe(id, *seq, cmd)?;
        }
        Ok(())
    }

    fn clone_box(&self) -> Box<dyn Invariant<PbftNode>> {
        Box::new(self.clone())
    }
}
