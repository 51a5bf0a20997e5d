//! Total order: no two nodes deliver two messages in opposite orders.

use super::{Ghost, Kind};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::protocols::broadcast::BcNode;

/// Total order: no two nodes deliver two messages in opposite orders.
#[derive(Clone, Debug, Default)]
pub struct TotalOrder {
    ghost: Ghost,
}

impl TotalOrder {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "total order",
        kind: PropertyKind::Safety,
        promise: "for the total orders: any two nodes deliver any two messages they both deliver in the same order",
        promised: true,
    };
}

impl Invariant<BcNode> for TotalOrder {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, BcNode>) -> Result<(), String> {
        match self.ghost.step(view, &[Kind::Total]).into_iter().next() {
            Some(breach) => Err(breach.text),
            None => Ok(()),
        }
    }
}
