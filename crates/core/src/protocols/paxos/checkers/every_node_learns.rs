//! Every node learns the chosen value: after the calm that comes before the end check,
//! every node that is up has learned, and they learned the same value. A run that ends
//! with every proposer down may have chosen nothing at all, and then nobody can learn.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, EndProperty};
use crate::ids::NodeId;
use crate::protocols::paxos::{PaxosNode, Val};

#[derive(Clone, Debug)]
pub struct EveryNodeLearns;

/// The judgement on the final states: each node that is up and honest, whether it
/// proposes, and what it learned.
pub fn judge(nodes: &[(NodeId, bool, Option<Val>)]) -> Result<(), String> {
    let learned: Vec<(NodeId, Val)> = nodes
        .iter()
        .filter_map(|&(id, _, v)| Some((id, v?)))
        .collect();
    let Some(&(first, value)) = learned.first() else {
        return match nodes.iter().find(|(_, proposes, _)| *proposes) {
            Some((proposer, _, _)) => Err(format!(
                "no node has learned a value, though the proposer {proposer} is up"
            )),
            None => Ok(()),
        };
    };
    if let Some((other, v)) = learned.iter().find(|(_, v)| *v != value) {
        return Err(format!("{first} learned {value} but {other} learned {v}"));
    }
    let missing: Vec<String> = nodes
        .iter()
        .filter(|(_, _, v)| v.is_none())
        .map(|(id, _, _)| id.to_string())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{value} was learned, but {} {} not learned it",
            missing.join(", "),
            if missing.len() == 1 { "has" } else { "have" }
        ))
    }
}

impl EveryNodeLearns {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "every node learns the chosen value",
        kind: PropertyKind::AtEnd,
        promise: "once the network heals and a proposer is up, every node that is up learns the chosen value",
        promised: true,
    };
}

impl EndProperty<PaxosNode> for EveryNodeLearns {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, PaxosNode>) -> Result<(), String> {
        let nodes: Vec<(NodeId, bool, Option<Val>)> = view
            .up_nodes()
            .filter(|(id, _)| view.is_honest(*id))
            .map(|(id, n)| (id, n.is_proposer(), n.learned()))
            .collect();
        judge(&nodes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_left_behind_is_caught() {
        let n = |i, p, v: Option<u32>| (NodeId(i), p, v.map(Val));
        assert!(judge(&[n(0, true, Some(1)), n(2, false, Some(1))]).is_ok());
        assert_eq!(
            judge(&[n(0, true, Some(1)), n(2, false, None), n(3, false, None)]).unwrap_err(),
            "v1 was learned, but n2, n3 have not learned it"
        );
        assert_eq!(
            judge(&[n(1, true, None), n(2, false, None)]).unwrap_err(),
            "no node has learned a value, though the proposer n1 is up"
        );
        // No proposer up and nothing learned: nothing could be chosen.
        assert!(judge(&[n(2, false, None), n(3, false, None)]).is_ok());
    }
}
