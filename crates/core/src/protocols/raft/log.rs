//! The replicated log. Indices start at 1, as in the Raft paper; index 0 is the empty
//! prefix with term 0.
//!
//! Every entry also carries a *stamp*: a number that grows with each append and is never
//! reused within one boot of the node. Stamps are not part of the protocol; they let the
//! checkers find the entries that changed since they last looked without rescanning the
//! whole log after every event.

use crate::chunked::Chunked;
use crate::client::KvOp;
use crate::ids::{NodeId, RequestId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Command {
    /// The blank entry a new leader appends to commit earlier entries (Raft §8).
    Noop,
    /// A client operation, answered by `origin` (the node the client talks to).
    Client {
        req: RequestId,
        origin: NodeId,
        op: KvOp,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry {
    pub term: u64,
    pub cmd: Command,
}

/// The log in memory. Its entries and stamps are [`Chunked`], so that copying a node (a
/// snapshot of the world) shares all but the newest entries.
#[derive(Clone, Debug, Default)]
pub struct Log {
    entries: Chunked<Entry>,
    stamps: Chunked<u64>,
    next_stamp: u64,
}

impl Log {
    pub fn from_entries(entries: Chunked<Entry>) -> Self {
        let stamps = (1..=entries.len() as u64).collect::<Vec<_>>().into();
        Log {
            next_stamp: entries.len() as u64 + 1,
            entries,
            stamps,
        }
    }

    pub fn last_index(&self) -> u64 {
        self.entries.len() as u64
    }

    pub fn last_term(&self) -> u64 {
        self.entries.last().map_or(0, |e| e.term)
    }

    /// Term of the entry at `index` (0 for index 0), or `None` past the end.
    pub fn term_at(&self, index: u64) -> Option<u64> {
        if index == 0 {
            Some(0)
        } else {
            self.get(index).map(|e| e.term)
        }
    }

    pub fn get(&self, index: u64) -> Option<&Entry> {
        let i = usize::try_from(index.checked_sub(1)?).ok()?;
        self.entries.get(i)
    }

    /// Up to `max` entries starting at `from`.
    pub fn slice(&self, from: u64, max: usize) -> Vec<Entry> {
        let start = usize::try_from(from.max(1) - 1).unwrap_or(usize::MAX);
        self.entries.iter_from(start).take(max).cloned().collect()
    }

    pub fn append(&mut self, entry: Entry) {
        self.entries.push(entry);
        self.stamps.push(self.next_stamp);
        self.next_stamp += 1;
    }

    /// Keeps entries `1..=index`, removing the rest.
    pub fn truncate_after(&mut self, index: u64) {
        let keep = usize::try_from(index).unwrap_or(usize::MAX);
        self.entries.truncate(keep);
        self.stamps.truncate(keep);
    }

    /// Every entry, in order.
    pub fn entries(&self) -> Vec<Entry> {
        self.entries.to_vec()
    }

    pub fn stamp_at(&self, index: u64) -> Option<u64> {
        self.stamps
            .get(usize::try_from(index.checked_sub(1)?).ok()?)
            .copied()
    }

    /// The first index whose stamp is greater than `seen` (stamps grow along the log).
    pub fn first_index_stamped_after(&self, seen: u64) -> u64 {
        self.stamps.partition_point(|&s| s <= seen) as u64 + 1
    }

    /// The largest stamp in the log (0 when empty).
    pub fn max_stamp(&self) -> u64 {
        self.stamps.last().copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(term: u64) -> Entry {
        Entry {
            term,
            cmd: Command::Noop,
        }
    }

    #[test]
    fn indexing_is_one_based() {
        let mut log = Log::default();
        assert_eq!(log.term_at(0), Some(0));
        assert_eq!(log.term_at(1), None);
        log.append(e(1));
        log.append(e(2));
        assert_eq!(log.last_index(), 2);
        assert_eq!(log.term_at(2), Some(2));
        assert_eq!(log.slice(2, 10).len(), 1);
        assert!(log.slice(3, 10).is_empty());
    }

    #[test]
    fn stamps_identify_new_entries_after_truncation() {
        let mut log = Log::default();
        for t in [1, 1, 2] {
            log.append(e(t));
        }
        let seen = log.max_stamp();
        assert_eq!(log.first_index_stamped_after(seen), 4);
        log.truncate_after(1);
        log.append(e(3));
        // Index 2 now holds a new entry, even though the log is shorter than before.
        assert_eq!(log.first_index_stamped_after(seen), 2);
    }
}
