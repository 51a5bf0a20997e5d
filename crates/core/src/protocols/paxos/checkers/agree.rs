//! Learners agree: no two nodes ever learn different values, and no node changes what it
//! learned.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::ids::NodeId;
use crate::protocols::paxos::{PaxosNode, Val};

#[derive(Clone, Debug, Default)]
pub struct LearnersAgree {
    /// The first value learned, and by whom.
    first: Option<(NodeId, Val)>,
}

impl LearnersAgree {
    pub fn observe(&mut self, node: NodeId, learned: Option<Val>) -> Result<(), String> {
        let Some(value) = learned else {
            return Ok(());
        };
        match self.first {
            None => {
                self.first = Some((node, value));
                Ok(())
            }
            Some((_, first)) if first == value => Ok(()),
            Some((who, first)) if who == node => {
                Err(format!("{node} learned {first} and later {value}"))
            }
            Some((who, first)) => Err(format!("{who} learned {first} but {node} learned {value}")),
        }
    }
}

impl LearnersAgree {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "learners agree",
        kind: PropertyKind::Safety,
        promise: "no two nodes learn different values, and no node changes what it learned",
        promised: true,
    };
}

impl Invariant<PaxosNode> for LearnersAgree {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, PaxosNode>) -> Result<(), String> {
        match view.actor() {
            Some((id, node)) => self.observe(id, node.learned()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_learners_with_different_values_are_caught() {
        let mut c = LearnersAgree::default();
        c.observe(NodeId(1), None).unwrap();
        c.observe(NodeId(1), Some(Val(0))).unwrap();
        c.observe(NodeId(2), Some(Val(0))).unwrap();
        assert_eq!(
            c.observe(NodeId(4), Some(Val(1))).unwrap_err(),
            "n1 learned v0 but n4 learned v1"
        );
        assert_eq!(
            c.observe(NodeId(1), Some(Val(1))).unwrap_err(),
            "n1 learned v0 and later v1"
        );
    }
}
