//! Recovery completes: once the network has healed, no process is left waiting to replay
//! and no orphan is left holding an undone job.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, EndProperty};
use crate::protocols::checkpoint::CkNode;

/// At the end of a run given time to settle: every process that is up has finished its
/// recovery (unless it waits for the log of a process that is down), and no process holds a
/// job that its sender's history no longer holds, among processes that are up and not
/// recovering.
#[derive(Clone, Debug)]
pub struct RecoveryCompletes;

impl RecoveryCompletes {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "recovery completes",
        kind: PropertyKind::AtEnd,
        promise: "once the network has healed, every restarted process has finished its replay (unless a process whose log it needs is down), and every orphan has rolled back: every job a process holds is one its sender's history still holds",
        promised: true,
    };
}

impl EndProperty<CkNode> for RecoveryCompletes {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, CkNode>) -> Result<(), String> {
        for (j, node) in view.up_nodes() {
            let waiting = node.waiting_for();
            if node.recovering() && waiting.iter().all(|p| view.node(*p).is_some()) {
                let names: Vec<String> = waiting.iter().map(|p| p.to_string()).collect();
                return Err(format!(
                    "{j} is still collecting the jobs logged for it, waiting for {}, though they are up",
                    names.join(", ")
                ));
            }
        }
        for (j, node) in view.up_nodes().filter(|(_, n)| !n.recovering()) {
            for e in node.history() {
                let Some((id, pos)) = e.received() else {
                    continue;
                };
                let Some(sender) = view.node(id.from).filter(|s| !s.recovering()) else {
                    continue;
                };
                let sent = pos
                    .checked_sub(1)
                    .and_then(|k| sender.history().get(k as usize))
                    .and_then(|x| x.sent(id.from));
                if sent != Some((id, j)) {
                    return Err(format!(
                        "{j} still holds {id}, which {} no longer sent (its history went back to before it): an orphan left after recovery",
                        id.from
                    ));
                }
            }
        }
        Ok(())
    }
}
