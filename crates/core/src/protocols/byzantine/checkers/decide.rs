//! At the end: every lieutenant that is up and honest has decided.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, EndProperty};
use crate::protocols::byzantine::ByzGeneral;

#[derive(Clone, Debug)]
pub struct EveryLoyalDecides;

impl EveryLoyalDecides {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "every loyal lieutenant decides",
        kind: PropertyKind::AtEnd,
        promise: "every honest lieutenant that is up has decided once the rounds are over",
        promised: true,
    };
}

impl EndProperty<ByzGeneral> for EveryLoyalDecides {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, ByzGeneral>) -> Result<(), String> {
        let undecided: Vec<String> = view
            .up_nodes()
            .filter(|(id, g)| !g.is_commander() && view.is_honest(*id) && g.decision().is_none())
            .map(|(id, _)| id.to_string())
            .collect();
        if undecided.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} never decided, although the rounds are long over",
                undecided.join(", ")
            ))
        }
    }
}
