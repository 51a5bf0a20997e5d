//! Agreement: if a correct node delivers a message, every correct node does.

use super::correct;
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, EndProperty};
use crate::protocols::broadcast::BcNode;

/// At the end of a run given time to settle, every message delivered by a node that is up
/// and honest has been delivered by every node that is up and honest, whatever became of
/// its sender.
#[derive(Clone, Debug)]
pub struct Agreement;

impl Agreement {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "agreement",
        kind: PropertyKind::AtEnd,
        promise: "from reliable on: once the network has healed, a message one correct node delivered is delivered by every correct node, even if its sender crashed in the middle of sending it",
        promised: true,
    };
}

impl EndProperty<BcNode> for Agreement {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, BcNode>) -> Result<(), String> {
        let correct = correct(view);
        for &p in &correct {
            for m in &view.disk(p).delivered {
                if let Some(q) = correct
                    .iter()
                    .find(|q| !view.disk(**q).delivered.contains(m))
                {
                    let sender = if view.node(m.origin).is_some() {
                        "up"
                    } else {
                        "down"
                    };
                    return Err(format!(
                        "{p} delivered {m} but {q} never did (its sender {} is {sender})",
                        m.origin
                    ));
                }
            }
        }
        Ok(())
    }
}
