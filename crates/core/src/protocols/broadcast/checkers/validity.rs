//! Validity: what a correct node broadcasts, every correct node delivers.

use super::correct;
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, EndProperty};
use crate::protocols::broadcast::{BcNode, Mid};

/// At the end of a run given time to settle (the network healed and calm), every message
/// broadcast by a node that is up and honest has been delivered by every node that is up
/// and honest.
#[derive(Clone, Debug)]
pub struct Validity;

impl Validity {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "validity",
        kind: PropertyKind::AtEnd,
        promise: "at every level: once the network has healed, every message a correct node broadcast is delivered by every correct node (for the total orders, in a run where no node crashes)",
        promised: true,
    };
}

impl EndProperty<BcNode> for Validity {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, BcNode>) -> Result<(), String> {
        let correct = correct(view);
        for &o in &correct {
            for seq in 1..=view.disk(o).sent.len() as u32 {
                let m = Mid { origin: o, seq };
                if let Some(p) = correct
                    .iter()
                    .find(|p| !view.disk(**p).delivered.contains(&m))
                {
                    return Err(format!(
                        "{o} broadcast {m} and is up, but {p} never delivered it"
                    ));
                }
            }
        }
        Ok(())
    }
}
