//! Strong completeness: every crashed node is eventually suspected by every correct node.

use super::FdNode;
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, EndProperty};
use crate::time::{Micros, Pretty, MICROS_PER_SEC};

/// How long past a monitor's allowance a crashed node may still go unsuspected: time for
/// heartbeats it sent just before its crash, delayed on the way, to land.
pub const GRACE: Micros = MICROS_PER_SEC;

/// At the end, every node that is down has been suspected by every correct node (up,
/// honest and not paused), once the monitor's allowance for it (and [`GRACE`]) has passed since the
/// crash.
#[derive(Clone, Debug)]
pub struct StrongCompleteness;

impl StrongCompleteness {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "strong completeness",
        kind: PropertyKind::AtEnd,
        promise:
            "every node that crashed is suspected by every correct node once its timeout has passed",
        promised: true,
    };
}

impl EndProperty<FdNode> for StrongCompleteness {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, FdNode>) -> Result<(), String> {
        for down in (0..view.len() as u32).map(crate::ids::NodeId) {
            let Some((crashed, _)) = view.crashed(down) else {
                continue;
            };
            let gone = view.now.saturating_sub(crashed);
            let watching = view
                .up_nodes()
                .filter(|(id, _)| !view.is_paused(*id) && view.is_honest(*id));
            for (id, node) in watching {
                if gone > node.allowance(down) + GRACE && !node.suspects(down) {
                    return Err(format!(
                        "{down} crashed {} ago, and {id}, which waits {} for it, does not suspect it",
                        Pretty(gone),
                        Pretty(node.allowance(down))
                    ));
                }
            }
        }
        Ok(())
    }
}
