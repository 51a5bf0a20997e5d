//! No orphans (pessimistic logging): no process's state ever holds a job whose sending was
//! undone.

use super::{Ghost, Kind};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::protocols::checkpoint::CkNode;

/// After every event: no process that is up holds the receipt of a job whose sending a
/// rollback undid (judged on what really happened, not on what the processes know).
#[derive(Clone, Debug, Default)]
pub struct NoOrphans {
    ghost: Ghost,
}

impl NoOrphans {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "no orphans",
        kind: PropertyKind::Safety,
        promise: "with pessimistic logging: a restarted process replays everything the others depend on, so no process ever holds a job that its sender will not have sent",
        promised: true,
    };
}

impl Invariant<CkNode> for NoOrphans {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, CkNode>) -> Result<(), String> {
        match self.ghost.step(view, &[Kind::Orphan]).into_iter().next() {
            Some(f) => Err(f.text),
            None => Ok(()),
        }
    }
}
