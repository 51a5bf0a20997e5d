//! Validity: a learned value is one a proposer proposed (never one made up on the way, by
//! a corrupted message for instance). The check records every value a proposer asks the
//! acceptors to accept, from the proposers' states.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::flat::FlatSet;
use crate::ids::NodeId;
use crate::protocols::paxos::{PaxosNode, Val};

#[derive(Clone, Debug, Default)]
pub struct LearnedWasProposed {
    proposed: FlatSet<Val>,
}

impl LearnedWasProposed {
    /// Node `node` proposes `proposing` (in phase 2) and has learned `learned`.
    pub fn observe(
        &mut self,
        node: NodeId,
        proposing: Option<Val>,
        learned: Option<Val>,
    ) -> Result<(), String> {
        self.proposed.extend(proposing);
        match learned {
            Some(v) if !self.proposed.contains(&v) => {
                let known: Vec<String> = self.proposed.iter().map(|v| v.to_string()).collect();
                Err(format!(
                    "{node} learned {v}, which no proposer proposed (proposed so far: {})",
                    if known.is_empty() {
                        "nothing".into()
                    } else {
                        known.join(", ")
                    }
                ))
            }
            _ => Ok(()),
        }
    }
}

impl LearnedWasProposed {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "a learned value was proposed",
        kind: PropertyKind::Safety,
        promise: "a node learns only a value some proposer proposed",
        promised: true,
    };
}

impl Invariant<PaxosNode> for LearnedWasProposed {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, PaxosNode>) -> Result<(), String> {
        match view.actor() {
            Some((id, node)) => self.observe(id, node.proposing().map(|(_, v)| v), node.learned()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_nobody_proposed_is_caught() {
        let mut c = LearnedWasProposed::default();
        c.observe(NodeId(0), Some(Val(0)), None).unwrap();
        c.observe(NodeId(3), None, Some(Val(0))).unwrap();
        let err = c.observe(NodeId(4), None, Some(Val(7))).unwrap_err();
        assert_eq!(
            err,
            "n4 learned v7, which no proposer proposed (proposed so far: v0)"
        );
    }
}
