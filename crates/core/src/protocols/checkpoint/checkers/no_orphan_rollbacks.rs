//! No orphan rollbacks: only a process that crashed goes back in time. Not promised without
//! pessimistic logging.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, EndProperty};
use crate::ids::NodeId;
use crate::protocols::checkpoint::{msg::events, Cause, CkNode, CkNote};

/// At the end of a run: no process rolled back because its state held a job whose sending
/// another's rollback undid, as each process's record of its rollbacks (on its disk) says.
#[derive(Clone, Debug)]
pub struct NoOrphanRollbacks;

impl NoOrphanRollbacks {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "no orphan rollbacks",
        kind: PropertyKind::AtEnd,
        promise: "only a process that crashed goes back in time: no crash leaves an orphan that must roll back too. Not promised with checkpoints alone or an optimistic log, where a crash undoes jobs that others have already received",
        promised: false,
    };
}

impl EndProperty<CkNode> for NoOrphanRollbacks {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, CkNode>) -> Result<(), String> {
        for i in 0..view.len() {
            let id = NodeId(i as u32);
            for r in &view.disk(id).rollbacks {
                if let Cause::Orphan { of, id: job } = r.cause {
                    let lost = r
                        .lost
                        .map_or(String::new(), |k| format!(", undoing {}", events(k)));
                    return Err(format!(
                        "{id} had to roll back to {}{lost}: it held {job}, which {of} no longer sent after going back (an orphan)",
                        CkNote::place(r.checkpoint, r.to - r.replayed)
                    ));
                }
            }
        }
        Ok(())
    }
}
