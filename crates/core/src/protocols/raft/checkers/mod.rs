//! Raft's safety properties (Raft §5.2-§5.4, Figure 3), each in its own file.
//!
//! They are checked incrementally: after an event only the node that acted can have
//! changed, and log stamps (see `Log`) point at the entries that are new since the last
//! look, so a check costs time proportional to what changed, not to the length of the logs.

mod election_safety;
mod every_live_node_catches_up;
mod leader_append_only;
mod leader_completeness;
mod log_matching;
mod state_machine_safety;

pub use election_safety::ElectionSafety;
pub use every_live_node_catches_up::EveryLiveNodeCatchesUp;
pub use leader_append_only::LeaderAppendOnly;
pub use leader_completeness::LeaderCompleteness;
pub use log_matching::LogMatching;
pub use state_machine_safety::StateMachineSafety;

use crate::check::{EndProperty, Invariant};
use crate::protocols::raft::{Entry, RaftNode};
use crate::trace::StableHasher;

pub fn all() -> Vec<Box<dyn Invariant<RaftNode>>> {
    vec![
        Box::new(ElectionSafety::default()),
        Box::new(LeaderAppendOnly::default()),
        Box::new(LogMatching::default()),
        Box::new(LeaderCompleteness::default()),
        Box::new(StateMachineSafety::default()),
    ]
}

/// The properties checked once, at the end of a settled run.
pub fn at_end() -> Vec<Box<dyn EndProperty<RaftNode>>> {
    vec![Box::new(EveryLiveNodeCatchesUp)]
}

/// A log entry's identity for comparisons: its term and a hash of its command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EntryId {
    pub term: u64,
    pub hash: u64,
}

impl EntryId {
    pub fn of(entry: &Entry) -> Self {
        EntryId {
            term: entry.term,
            hash: StableHasher::of(&entry.cmd),
        }
    }
}

/// Grows a per-node vector so that index `i` exists.
pub(crate) fn slot<T: Default + Clone>(v: &mut Vec<T>, i: usize) -> &mut T {
    if v.len() <= i {
        v.resize(i + 1, T::default());
    }
    &mut v[i]
}

#[cfg(test)]
mod tests;
