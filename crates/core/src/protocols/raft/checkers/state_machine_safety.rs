//! State Machine Safety (Raft §5.4.3, Figure 3): if a server has applied a log entry at a
//! given index to its state machine, no other server will ever apply a different log entry
//! for the same index. Also catches a server changing an entry it had already committed.

use super::{slot, EntryId};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::protocols::raft::RaftNode;

#[derive(Clone, Debug, Default)]
pub struct StateMachineSafety {
    /// The first entry committed at each index (index 1 at position 0).
    committed: Vec<EntryId>,
    /// Per node: (commit index checked so far, highest log stamp checked).
    seen: Vec<(u64, u64)>,
}

impl StateMachineSafety {
    fn compare(&mut self, index: u64, entry: EntryId, who: &str) -> Result<(), String> {
        let i = (index - 1) as usize;
        match self.committed.get(i) {
            Some(first) if *first != entry => Err(format!(
                "{who} committed a different entry (term {}) at index {index} than one committed before (term {})",
                entry.term, first.term
            )),
            Some(_) => Ok(()),
            None => {
                debug_assert_eq!(i, self.committed.len());
                self.committed.push(entry);
                Ok(())
            }
        }
    }
}

impl StateMachineSafety {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "state machine safety",
        kind: PropertyKind::Safety,
        promised: true,
        promise: "no two nodes apply different commands at the same index (§5.4.3)",
    };
}

impl Invariant<RaftNode> for StateMachineSafety {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, RaftNode>) -> Result<(), String> {
        let Some((id, node)) = view.actor() else {
            return Ok(());
        };
        let (mut commit_seen, stamp_seen) = *slot(&mut self.seen, id.index());
        if view.rebooted {
            commit_seen = 0;
        }
        let log = node.log();
        let who = id.to_string();
        // Entries this node already committed must not change under it.
        let changed_from = log.first_index_stamped_after(stamp_seen);
        if !view.rebooted && changed_from <= commit_seen.min(log.last_index()) {
            return Err(format!(
                "{id} replaced its entry at index {changed_from}, which it had already committed"
            ));
        }
        if log.last_index() < commit_seen && !view.rebooted {
            return Err(format!(
                "{id} dropped committed entries: its log has {} entries but it had committed {commit_seen}",
                log.last_index()
            ));
        }
        // Newly committed entries must agree with what any node committed before.
        let commit = node.commit_index().min(log.last_index());
        for index in commit_seen + 1..=commit {
            let entry = EntryId::of(log.get(index).expect("committed entries exist"));
            self.compare(index, entry, &who)?;
        }
        *slot(&mut self.seen, id.index()) = (commit.max(commit_seen), log.max_stamp());
        Ok(())
    }
}
