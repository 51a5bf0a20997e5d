//! In the end every node that is up catches up: after the calm before the end check, all
//! of them have applied the same slots.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, EndProperty};
use crate::ids::NodeId;
use crate::protocols::multi_paxos::MpNode;

#[derive(Clone, Debug)]
pub struct EveryNodeCatchesUp;

/// The judgement on each up node's applied slots.
pub fn judge(applied: &[(NodeId, u64)]) -> Result<(), String> {
    let Some(&(ahead, most)) = applied
        .iter()
        .max_by_key(|(id, a)| (*a, std::cmp::Reverse(id.0)))
    else {
        return Ok(());
    };
    let behind: Vec<String> = applied
        .iter()
        .filter(|(_, a)| *a < most)
        .map(|(id, a)| format!("{id} ({a})"))
        .collect();
    if behind.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{ahead} applied {most} slots, but {} applied fewer",
            behind.join(", ")
        ))
    }
}

impl EveryNodeCatchesUp {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "every node that is up catches up",
        kind: PropertyKind::AtEnd,
        promise: "once the network heals, every node that is up applies every chosen slot",
        promised: true,
    };
}

impl EndProperty<MpNode> for EveryNodeCatchesUp {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, MpNode>) -> Result<(), String> {
        let applied: Vec<(NodeId, u64)> = view
            .up_nodes()
            .filter(|(id, _)| view.is_honest(*id))
            .map(|(id, n)| (id, n.applied()))
            .collect();
        judge(&applied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_behind_is_caught() {
        assert!(judge(&[(NodeId(0), 4), (NodeId(1), 4)]).is_ok());
        assert_eq!(
            judge(&[(NodeId(0), 4), (NodeId(1), 9), (NodeId(2), 3)]).unwrap_err(),
            "n1 applied 9 slots, but n0 (4), n2 (3) applied fewer"
        );
    }
}
