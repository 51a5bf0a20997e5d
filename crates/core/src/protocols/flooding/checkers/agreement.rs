//! Uniform agreement: no two nodes decide differently, a node that decided and then
//! crashed included.

use super::{seen, Seen};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::flat::{FlatMap, FlatSet};
use crate::ids::NodeId;
use crate::protocols::flooding::{FloodConfig, FloodNode, Model};

/// Remembers every decision made (so that a node's decision still counts once it has
/// crashed) and the nodes that have been faulty.
///
/// The promise rests on the model, and the checker judges only runs that stay within it:
/// at most `f` faulty nodes (down, back after a crash, or lying), and, in the synchronous
/// model, no node suspected while it had not crashed (a lost or late message, a partition, a
/// paused node or clocks that drift apart make the failure detector wrong, which the
/// synchronous model rules out). From the moment either happens it stops judging. In the
/// asynchronous model a wrong suspicion is what the model allows, and the checker keeps
/// judging: that is how it shows agreement broken there.
#[derive(Clone, Debug)]
pub struct Agreement {
    f: usize,
    synchronous: bool,
    decided: FlatMap<NodeId, u64>,
    faulty: FlatSet<NodeId>,
    /// Why the run is no longer judged, once it left the model.
    left_model: Option<String>,
}

impl Agreement {
    pub fn new(config: &FloodConfig) -> Self {
        Agreement {
            f: config.f as usize,
            synchronous: config.model == Model::Synchronous,
            decided: FlatMap::new(),
            faulty: FlatSet::new(),
            left_model: None,
        }
    }

    /// Why the run stopped being judged, if it did.
    #[cfg(test)]
    pub(crate) fn left_model(&self) -> Option<&str> {
        self.left_model.as_deref()
    }

    pub(crate) fn observe(&mut self, nodes: &[Seen<'_>]) -> Result<(), String> {
        if self.left_model.is_some() {
            return Ok(());
        }
        self.faulty
            .extend(nodes.iter().filter(|n| n.faulty()).map(|n| n.id));
        if self.faulty.len() > self.f {
            self.left_model = Some(format!(
                "{} nodes have been faulty, more than f = {}",
                self.faulty.len(),
                self.f
            ));
            return Ok(());
        }
        if self.synchronous {
            for q in nodes.iter().filter(|n| !n.faulty()) {
                let Some(state) = q.state else { continue };
                if let Some(p) = state.suspects().keys().find(|p| !self.faulty.contains(p)) {
                    self.left_model = Some(format!(
                        "{} suspected {p} while it was up: a message was lost or late",
                        q.id
                    ));
                    return Ok(());
                }
            }
        }
        for n in nodes {
            let Some(value) = n.honest_state().and_then(FloodNode::decision) else {
                continue;
            };
            if self.decided.contains_key(&n.id) {
                continue;
            }
            if let Some((other, w)) = self.decided.iter().find(|(_, w)| **w != value) {
                let since = if nodes[other.index()].faulty() {
                    " (it has crashed since)"
                } else {
                    ""
                };
                return Err(format!(
                    "{} decides {value}, but {other} decided {w}{since}",
                    n.id
                ));
            }
            self.decided.insert(n.id, value);
        }
        Ok(())
    }
}

impl Agreement {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "agreement",
        kind: PropertyKind::Safety,
        promise: "no two nodes decide differently, counting a node that decided and then crashed (uniform agreement); promised for at most f crashes in the synchronous model, so the checker judges a run only while at most f nodes have been faulty and, in the synchronous model, while no node has been suspected before it crashed (a lost or late message leaves the model); with model=asynchronous it judges late messages too, and finds agreement broken",
        promised: true,
    };
}

impl Invariant<FloodNode> for Agreement {
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
    use crate::protocols::flooding::checkers::{down, up};

    fn node(id: u32, seen: &[u64], decision: Option<u64>, suspects: &[u32]) -> FloodNode {
        FloodNode::hand_made(id, seen[0], seen, decision, suspects, false)
    }

    #[test]
    fn two_different_decisions_are_caught_even_after_the_first_decider_crashed() {
        let mut check = Agreement::new(&FloodConfig::default());
        let (a, b) = (node(0, &[3, 9], Some(3), &[]), node(1, &[9], None, &[]));
        assert!(check.observe(&[up(&a), up(&b)]).is_ok());
        // n0 crashes; n1 then decides 9.
        let b = node(1, &[9], Some(9), &[0]);
        let err = check.observe(&[down(0), up(&b)]).unwrap_err();
        assert_eq!(err, "n1 decides 9, but n0 decided 3 (it has crashed since)");
    }

    #[test]
    fn the_same_decision_everywhere_passes() {
        let mut check = Agreement::new(&FloodConfig::default());
        let (a, b) = (
            node(0, &[3, 9], Some(3), &[]),
            node(1, &[3, 9], Some(3), &[]),
        );
        assert!(check.observe(&[up(&a), up(&b)]).is_ok());
    }

    #[test]
    fn a_run_with_more_than_f_crashes_is_not_judged() {
        let mut check = Agreement::new(&FloodConfig::default());
        let a = node(0, &[3], Some(3), &[]);
        let b = node(1, &[9], Some(9), &[]);
        assert!(check.observe(&[down(2), down(3), up(&a), up(&b)]).is_ok());
        assert!(check.left_model().unwrap().contains("more than f = 1"));
    }

    #[test]
    fn a_wrong_suspicion_ends_judging_only_in_the_synchronous_model() {
        // n1 suspects n0, which is up: a message was lost.
        let a = node(0, &[3], Some(3), &[]);
        let b = node(1, &[9], Some(9), &[0]);
        let mut sync = Agreement::new(&FloodConfig::default());
        assert!(sync.observe(&[up(&a), up(&b)]).is_ok());
        assert!(sync.left_model().unwrap().contains("n1 suspected n0"));
        let mut asynchronous = Agreement::new(&FloodConfig {
            model: Model::Asynchronous,
            ..FloodConfig::default()
        });
        assert_eq!(
            asynchronous.observe(&[up(&a), up(&b)]).unwrap_err(),
            "n1 decides 9, but n0 decided 3"
        );
    }
}
