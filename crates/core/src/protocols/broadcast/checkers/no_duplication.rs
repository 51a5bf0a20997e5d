//! No duplication: no node delivers the same message twice.

use super::{Ghost, Kind};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::protocols::broadcast::BcNode;

/// No duplication: no node delivers the same message twice.
#[derive(Clone, Debug, Default)]
pub struct NoDuplication {
    ghost: Ghost,
}

impl NoDuplication {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "no duplication",
        kind: PropertyKind::Safety,
        promise: "at every level: no node delivers a message more than once, even when the network duplicates it, relays and repairs send it again, or the node restarts",
        promised: true,
    };
}

impl Invariant<BcNode> for NoDuplication {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, BcNode>) -> Result<(), String> {
        match self.ghost.step(view, &[Kind::Duplicate]).into_iter().next() {
            Some(breach) => Err(breach.text),
            None => Ok(()),
        }
    }
}
