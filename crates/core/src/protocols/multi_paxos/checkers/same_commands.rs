//! Replicas apply the same command in each slot: no node applies, in some slot, another
//! command than one applied there before by any node (and so the stores agree).

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::flat::FlatMap;
use crate::ids::NodeId;
use crate::protocols::multi_paxos::command_text;
use crate::protocols::multi_paxos::MpNode;
use crate::protocols::raft::Command;

#[derive(Clone, Debug, Default)]
pub struct SameCommandsApplied {
    /// The first command applied in each slot, and by whom.
    first: FlatMap<u64, (NodeId, Command)>,
    /// Per node, the slots checked so far.
    seen: FlatMap<NodeId, u64>,
}

impl SameCommandsApplied {
    pub fn observe(&mut self, node: NodeId, slot: u64, cmd: &Command) -> Result<(), String> {
        match self.first.get(&slot) {
            None => {
                self.first.insert(slot, (node, cmd.clone()));
                Ok(())
            }
            Some((_, first)) if first == cmd => Ok(()),
            Some((who, first)) => Err(format!(
                "{node} applied {} in slot {slot}, but {who} applied {} there",
                command_text(cmd),
                command_text(first)
            )),
        }
    }
}

impl SameCommandsApplied {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "replicas apply the same command in each slot",
        kind: PropertyKind::Safety,
        promise:
            "no node applies, in any slot, a different command than another node applied there",
        promised: true,
    };
}

impl Invariant<MpNode> for SameCommandsApplied {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, MpNode>) -> Result<(), String> {
        let Some((id, node)) = view.actor() else {
            return Ok(());
        };
        let mut seen = if view.rebooted {
            0
        } else {
            self.seen.get(&id).copied().unwrap_or(0)
        };
        while seen < node.applied() {
            seen += 1;
            let cmd = node.chosen().get(&seen).expect("applied slots are chosen");
            self.observe(id, seen, cmd)?;
        }
        self.seen.insert(id, seen);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_replicas_applying_different_commands_are_caught() {
        let mut c = SameCommandsApplied::default();
        c.observe(NodeId(0), 1, &Command::Noop).unwrap();
        c.observe(NodeId(1), 1, &Command::Noop).unwrap();
        let put = Command::Client {
            req: crate::ids::RequestId(4),
            origin: NodeId(2),
            op: crate::client::KvOp::Put { key: 2, value: 9 },
        };
        assert_eq!(
            c.observe(NodeId(2), 1, &put).unwrap_err(),
            format!(
                "n2 applied put k2=9 ({}) in slot 1, but n0 applied no-op there",
                crate::ids::RequestId(4)
            )
        );
    }
}
