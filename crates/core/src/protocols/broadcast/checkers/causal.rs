//! Causal order: no node delivers a message before one in its causal past.

use super::{Ghost, Kind};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::protocols::broadcast::BcNode;

/// Causal order: no node delivers a message before one in its causal past.
#[derive(Clone, Debug, Default)]
pub struct CausalOrder {
    ghost: Ghost,
}

impl CausalOrder {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "causal order",
        kind: PropertyKind::Safety,
        promise: "from causal on: a node delivers a message only after every message that happened before its broadcast (its sender's earlier ones, what its sender had delivered, and so on)",
        promised: true,
    };
}

impl Invariant<BcNode> for CausalOrder {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, BcNode>) -> Result<(), String> {
        match self.ghost.step(view, &[Kind::Causal]).into_iter().next() {
            Some(breach) => Err(breach.text),
            None => Ok(()),
        }
    }
}
