//! What flooding consensus promises, one property a file: agreement (uniform), validity,
//! and, at the end of a run, termination.

mod agreement;
mod termination;
mod validity;

pub use agreement::Agreement;
pub use termination::Termination;
pub use validity::Validity;

use super::{FloodConfig, FloodNode};
use crate::check::{CheckView, EndProperty, Invariant};
use crate::ids::NodeId;

pub fn safety(config: &FloodConfig) -> Vec<Box<dyn Invariant<FloodNode>>> {
    vec![
        Box::new(Agreement::new(config)),
        Box::new(Validity::default()),
    ]
}

pub fn at_end(_config: &FloodConfig) -> Vec<Box<dyn EndProperty<FloodNode>>> {
    vec![Termination::checker()]
}

/// One node as a checker sees it: its state (`None` while it is down) and whether it runs
/// its honest code. The checkers judge a list of these, so that their tests can hand them
/// runs made up to be broken.
#[derive(Clone, Copy)]
pub struct Seen<'a> {
    pub id: NodeId,
    pub state: Option<&'a FloodNode>,
    /// Down after a crash (a node not booted yet is down without having crashed).
    pub crashed: bool,
    pub honest: bool,
}

impl<'a> Seen<'a> {
    /// Whether the node counts as faulty: down, back but out after a crash, or lying.
    pub fn faulty(&self) -> bool {
        !self.honest || self.crashed || self.state.is_some_and(FloodNode::is_out)
    }

    /// Its state if it is up and honest.
    pub fn honest_state(&self) -> Option<&'a FloodNode> {
        self.state.filter(|_| self.honest)
    }
}

pub fn seen<'a>(view: &CheckView<'a, FloodNode>) -> Vec<Seen<'a>> {
    (0..view.len() as u32)
        .map(NodeId)
        .map(|id| {
            let state = view.node(id);
            Seen {
                id,
                state,
                crashed: state.is_none() && view.crashed(id).is_some(),
                honest: view.is_honest(id),
            }
        })
        .collect()
}

#[cfg(test)]
pub(crate) fn up(node: &FloodNode) -> Seen<'_> {
    Seen {
        id: node_id(node),
        state: Some(node),
        crashed: false,
        honest: true,
    }
}

#[cfg(test)]
pub(crate) fn down(id: u32) -> Seen<'static> {
    Seen {
        id: NodeId(id),
        state: None,
        crashed: true,
        honest: true,
    }
}

#[cfg(test)]
fn node_id(node: &FloodNode) -> NodeId {
    node.id()
}
