//! Termination: at the end of a run, every node that is up and never crashed has decided.

use super::{seen, Seen};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{self, EndProperty};
use crate::protocols::flooding::FloodNode;

/// Judged on the final state. A node that came back after a crash takes no part (crash-stop),
/// so it is not expected to decide; a lying node is not judged either. Rounds end by the
/// clock, so this holds whatever the network did.
pub struct Termination;

impl Termination {
    pub(crate) fn judge(nodes: &[Seen<'_>]) -> Result<(), String> {
        for n in nodes.iter().filter(|n| !n.faulty()) {
            let Some(state) = n.state else { continue };
            if state.decision().is_none() {
                return Err(format!(
                    "{} is up and never crashed, but has not decided (it is in round {})",
                    n.id,
                    state.round()
                ));
            }
        }
        Ok(())
    }
}

impl Termination {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "termination",
        kind: PropertyKind::AtEnd,
        promise: "every node that is up and never crashed has decided (a node back from a crash stays out of the run)",
        promised: true,
    };
}

impl Termination {
    /// The property as the engine checks it: a function of the final state.
    pub fn checker() -> Box<dyn EndProperty<FloodNode>> {
        check::at_end(&Self::PROPERTY, |view| Termination::judge(&seen(view)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::flooding::checkers::{down, up};

    #[test]
    fn a_live_node_without_a_decision_is_caught_and_crashed_ones_are_not() {
        let a = FloodNode::hand_made(0, 3, &[3], Some(3), &[], false);
        let b = FloodNode::hand_made(1, 9, &[9], None, &[], false);
        assert_eq!(
            Termination::judge(&[up(&a), up(&b)]).unwrap_err(),
            "n1 is up and never crashed, but has not decided (it is in round 2)"
        );
        let back = FloodNode::hand_made(1, 9, &[], None, &[], true);
        assert!(Termination::judge(&[up(&a), up(&back), down(2)]).is_ok());
    }
}
