//! The recovery line is consistent: whatever state a process goes back to is one it really
//! had, the rollbacks it announces are the ones its execution made, and no process keeps a
//! state that holds a job it knows was undone.

use super::{Ghost, Kind};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::protocols::checkpoint::CkNode;

/// After every event: no process restores a state it never had or announces a rollback it
/// did not make, and none keeps (or goes back to) a state that holds the receipt of a job
/// whose sending it knows a rollback undid, so the states processes go back to fit together
/// as a consistent cut.
#[derive(Clone, Debug, Default)]
pub struct ConsistentLine {
    ghost: Ghost,
}

impl ConsistentLine {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "consistent recovery line",
        kind: PropertyKind::Safety,
        promise: "every state a process goes back to is one it really had, and none holds a job whose sending the process knows was undone: every job received in the recovery line was sent in it",
        promised: true,
    };
}

impl Invariant<CkNode> for ConsistentLine {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, CkNode>) -> Result<(), String> {
        let kinds = [Kind::Unreal, Kind::Untrue, Kind::Inconsistent];
        match self.ghost.step(view, &kinds).into_iter().next() {
            Some(f) => Err(f.text),
            None => Ok(()),
        }
    }
}
