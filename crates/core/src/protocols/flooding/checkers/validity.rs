//! Validity: a node decides only a value that some node proposed.

use super::{seen, Seen};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::flat::FlatSet;
use crate::protocols::flooding::FloodNode;

/// Remembers every proposal made (a proposer may crash before anyone decides).
#[derive(Clone, Debug, Default)]
pub struct Validity {
    proposed: FlatSet<u64>,
}

impl Validity {
    pub(crate) fn observe(&mut self, nodes: &[Seen<'_>]) -> Result<(), String> {
        self.proposed
            .extend(nodes.iter().filter_map(|n| n.state?.proposal()));
        for n in nodes {
            let Some(value) = n.honest_state().and_then(FloodNode::decision) else {
                continue;
            };
            if !self.proposed.contains(&value) {
                return Err(format!(
                    "{} decides {value}, which no node proposed (the proposals: {})",
                    n.id,
                    super::super::msg::values_text(&self.proposed)
                ));
            }
        }
        Ok(())
    }
}

impl Validity {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "validity",
        kind: PropertyKind::Safety,
        promise: "a node decides only a value that some node proposed",
        promised: true,
    };
}

impl Invariant<FloodNode> for Validity {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, FloodNode>) -> Result<(), String> {
        self.observe(&seen(view))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::flooding::checkers::up;

    #[test]
    fn a_value_nobody_proposed_is_caught() {
        let mut check = Validity::default();
        let a = FloodNode::hand_made(0, 3, &[3, 9], None, &[], false);
        let b = FloodNode::hand_made(1, 9, &[9], None, &[], false);
        assert!(check.observe(&[up(&a), up(&b)]).is_ok());
        // n1 got a corrupted message and decides a value no one proposed.
        let b = FloodNode::hand_made(1, 9, &[9, 140], Some(140), &[], false);
        assert_eq!(
            check.observe(&[up(&a), up(&b)]).unwrap_err(),
            "n1 decides 140, which no node proposed (the proposals: 3, 9)"
        );
        let b = FloodNode::hand_made(1, 9, &[3, 9], Some(3), &[], false);
        assert!(check.observe(&[up(&a), up(&b)]).is_ok());
    }
}
