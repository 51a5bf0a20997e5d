//! IC1: all loyal lieutenants obey the same order.

use super::{loyal_decisions, Faulty};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::protocols::byzantine::{ByzConfig, ByzGeneral};

#[derive(Clone, Debug)]
pub struct LoyalAgree {
    faulty: Faulty,
}

impl LoyalAgree {
    pub fn new(config: &ByzConfig, nodes: usize) -> Self {
        LoyalAgree {
            faulty: Faulty::new(config, nodes),
        }
    }
}

impl LoyalAgree {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "loyal lieutenants agree",
        kind: PropertyKind::Safety,
        promise: "IC1: every loyal lieutenant obeys the same order (with at most m faulty generals, and more than 3m generals for oral messages)",
        promised: true,
    };
}

impl Invariant<ByzGeneral> for LoyalAgree {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, ByzGeneral>) -> Result<(), String> {
        self.faulty.look(view);
        let mut decided = loyal_decisions(view, &self.faulty);
        let Some((first, order)) = decided.next() else {
            return Ok(());
        };
        match decided.find(|(_, o)| *o != order) {
            None => Ok(()),
            Some((other, o)) => Err(format!(
                "loyal lieutenants disagree: {first} will {}, {other} will {} ({})",
                order.word(),
                o.word(),
                self.faulty.context()
            )),
        }
    }
}
