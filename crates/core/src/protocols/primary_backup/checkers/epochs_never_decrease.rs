//! A node's epoch never decreases, across crashes too: it is written to disk before the
//! node acts in the new epoch, so a restarted node cannot go back to following, or being,
//! a primary it had already seen replaced.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::protocols::primary_backup::PbNode;

#[derive(Clone, Debug, Default)]
pub struct EpochsNeverDecrease {
    /// The highest epoch seen at each node.
    seen: Vec<u64>,
}

impl EpochsNeverDecrease {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "epochs never decrease",
        kind: PropertyKind::Safety,
        promised: true,
        promise: "a node's epoch never goes back",
    };
}

impl Invariant<PbNode> for EpochsNeverDecrease {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, PbNode>) -> Result<(), String> {
        let Some((id, node)) = view.actor() else {
            return Ok(());
        };
        let i = id.index();
        if self.seen.len() <= i {
            self.seen.resize(i + 1, 0);
        }
        // A node that comes back with an empty disk lost it, which is outside the
        // crash-recovery model; it starts over.
        if view.rebooted && node.epoch() == 0 && node.log().is_empty() {
            self.seen[i] = 0;
        }
        if node.epoch() < self.seen[i] {
            return Err(format!(
                "{id} went back from epoch {} to epoch {}",
                self.seen[i],
                node.epoch()
            ));
        }
        self.seen[i] = node.epoch();
        Ok(())
    }
}
