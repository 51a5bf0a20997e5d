//! FIFO order: no node delivers a sender's message before one the sender broadcast earlier.

use super::{Ghost, Kind};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::protocols::broadcast::BcNode;

/// FIFO order: no node delivers a sender's message before one the sender broadcast earlier.
#[derive(Clone, Debug, Default)]
pub struct FifoOrder {
    ghost: Ghost,
}

impl FifoOrder {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "fifo order",
        kind: PropertyKind::Safety,
        promise: "from fifo on: a node delivers a sender's messages in the order the sender broadcast them (none before an earlier one of the same sender)",
        promised: true,
    };
}

impl Invariant<BcNode> for FifoOrder {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, BcNode>) -> Result<(), String> {
        match self.ghost.step(view, &[Kind::Fifo]).into_iter().next() {
            Some(breach) => Err(breach.text),
            None => Ok(()),
        }
    }
}
