//! Log Matching (Raft §5.3, Figure 3): if two logs contain an entry with the same index and
//! term, then the logs are identical in all entries up through that index.
//!
//! Checked through an equivalent, incremental form: every (index, term) ever seen maps to
//! one command and one predecessor term. If that map is consistent, two entries with the
//! same index and term have the same command and the same predecessor, and by induction
//! the same whole prefix.

use super::{slot, EntryId};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::protocols::raft::RaftNode;
use std::collections::HashMap;

#[derive(Clone, Debug, Default)]
pub struct LogMatching {
    /// (index, term) -> (command hash, term of the previous entry).
    known: HashMap<(u64, u64), (u64, u64)>,
    /// Highest log stamp already checked, per node.
    checked: Vec<u64>,
}

impl LogMatching {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "log matching",
        kind: PropertyKind::Safety,
        promised: true,
        promise: "two logs with an entry of the same index and term are identical up to it (§5.3)",
    };
}

impl Invariant<RaftNode> for LogMatching {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, RaftNode>) -> Result<(), String> {
        let Some((id, node)) = view.actor() else {
            return Ok(());
        };
        let checked = slot(&mut self.checked, id.index());
        if view.rebooted {
            *checked = 0;
        }
        let log = node.log();
        let from = log.first_index_stamped_after(*checked);
        for index in from..=log.last_index() {
            let entry = EntryId::of(log.get(index).expect("in range"));
            let prev_term = log.term_at(index - 1).expect("in range");
            let first = *self
                .known
                .entry((index, entry.term))
                .or_insert((entry.hash, prev_term));
            if first != (entry.hash, prev_term) {
                let what = if first.0 != entry.hash {
                    "a different command"
                } else {
                    "a different history before it"
                };
                return Err(format!(
                    "{id} holds an entry at index {index}, term {} with {what} than another log's entry at the same index and term",
                    entry.term
                ));
            }
        }
        *checked = log.max_stamp();
        Ok(())
    }
}
