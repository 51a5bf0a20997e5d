//! IC2: if the commander is loyal, every loyal lieutenant obeys its order.

use super::{loyal_decisions, Faulty};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::ids::NodeId;
use crate::protocols::byzantine::{ByzConfig, ByzGeneral, Order};

#[derive(Clone, Debug)]
pub struct LoyalObey {
    faulty: Faulty,
    order: Order,
}

impl LoyalObey {
    pub fn new(config: &ByzConfig, nodes: usize) -> Self {
        LoyalObey {
            faulty: Faulty::new(config, nodes),
            order: config.order,
        }
    }
}

impl LoyalObey {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "loyal lieutenants obey a loyal commander",
        kind: PropertyKind::Safety,
        promise: "IC2: if the commander is loyal, every loyal lieutenant obeys its order",
        promised: true,
    };
}

impl Invariant<ByzGeneral> for LoyalObey {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, ByzGeneral>) -> Result<(), String> {
        self.faulty.look(view);
        if !self.faulty.is_loyal(NodeId(0)) {
            return Ok(());
        }
        match loyal_decisions(view, &self.faulty).find(|(_, o)| *o != self.order) {
            None => Ok(()),
            Some((id, o)) => Err(format!(
                "the loyal commander ordered {}, but loyal {id} will {} ({})",
                self.order.word(),
                o.word(),
                self.faulty.context()
            )),
        }
    }
}
