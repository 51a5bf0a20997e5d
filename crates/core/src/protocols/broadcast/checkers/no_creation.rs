//! No creation: every message delivered was broadcast by its sender.

use super::{Ghost, Kind};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::protocols::broadcast::BcNode;

/// No creation: every message delivered was broadcast by its sender.
#[derive(Clone, Debug, Default)]
pub struct NoCreation {
    ghost: Ghost,
}

impl NoCreation {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "no creation",
        kind: PropertyKind::Safety,
        promise: "at every level: a node delivers only messages that their sender broadcast",
        promised: true,
    };
}

impl Invariant<BcNode> for NoCreation {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, BcNode>) -> Result<(), String> {
        match self.ghost.step(view, &[Kind::Created]).into_iter().next() {
            Some(breach) => Err(breach.text),
            None => Ok(()),
        }
    }
}
