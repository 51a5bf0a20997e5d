//! What a Raft server keeps on stable storage (Raft §5, Figure 2: currentTerm, votedFor,
//! log[]), and the writes that change it.

use super::log::Entry;
use crate::chunked::Chunked;
use crate::ids::NodeId;
use crate::protocol::Durable;
use serde::Serialize;

#[derive(Clone, Debug, Default, Serialize)]
pub struct RaftDisk {
    pub term: u64,
    pub voted_for: Option<NodeId>,
    /// [`Chunked`], so that a copy of the disk shares its older entries.
    pub log: Chunked<Entry>,
}

#[derive(Clone, Debug, Serialize)]
pub enum RaftWrite {
    /// Record the current term and the vote cast in it.
    Term {
        term: u64,
        voted_for: Option<NodeId>,
    },
    /// Keep log entries `1..=after` and append `entries`.
    Splice { after: u64, entries: Vec<Entry> },
}

impl Durable for RaftDisk {
    type Write = RaftWrite;

    fn apply(&mut self, write: RaftWrite) {
        match write {
            RaftWrite::Term { term, voted_for } => {
                self.term = term;
                self.voted_for = voted_for;
            }
            RaftWrite::Splice { after, entries } => {
                self.log.truncate(after as usize);
                self.log.extend(entries);
            }
        }
    }
}
