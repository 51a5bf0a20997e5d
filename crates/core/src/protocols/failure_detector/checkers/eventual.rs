//! Eventual accuracy: once the network is calm, no correct node is suspected.

use super::FdNode;
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, EndProperty};
use crate::time::{Micros, Pretty, MICROS_PER_MS};

/// The stretch at the end of a calm, settled run in which no wrong suspicion may begin: a
/// pause that was under way when the network calmed (at most 3 s) is over well before it.
pub const QUIET: Micros = 1500 * MICROS_PER_MS;

/// At the end of a run given time to settle (the network healed and calm, no new faults),
/// no correct node that is running (up, not paused, honest) suspects another, and none
/// began to in the last [`QUIET`]: a detector that keeps suspecting and trusting again on
/// a calm network is not eventually accurate, even if it happens to trust everyone at the
/// last moment.
#[derive(Clone, Debug)]
pub struct EventualAccuracy;

impl EventualAccuracy {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "eventual accuracy",
        kind: PropertyKind::AtEnd,
        promise: "once the network is calm again, wrong suspicions stop: no correct node is suspected, or newly suspected, in the last 1.5 s of a calm ending",
        promised: true,
    };
}

impl EndProperty<FdNode> for EventualAccuracy {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, FdNode>) -> Result<(), String> {
        // Correct and running: up, not paused, and not made to lie (a silent node is
        // rightly suspected).
        let running = |id| view.node(id).is_some() && !view.is_paused(id) && view.is_honest(id);
        for (id, node) in view.up_nodes().filter(|(id, _)| running(*id)) {
            if let Some(peer) = node.suspected().find(|p| running(*p)) {
                return Err(format!(
                    "{id} still suspects {peer}, which is up and running, with the network calm: it has heard nothing from it for {}",
                    Pretty(node.silence(peer))
                ));
            }
            let peers = (0..view.len() as u32).map(crate::ids::NodeId);
            for peer in peers.filter(|p| *p != id && running(*p)) {
                if let Some(ago) = node.suspected_ago(peer).filter(|ago| *ago < QUIET) {
                    return Err(format!(
                        "{id} suspected {peer}, which is up and running, {} before the end, with the network calm",
                        Pretty(ago)
                    ));
                }
            }
        }
        Ok(())
    }
}
