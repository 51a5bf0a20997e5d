//! What a primary-backup node keeps on stable storage: the epoch it last joined and its
//! log of writes.

use super::msg::Entry;
use crate::protocol::Durable;
use serde::Serialize;

#[derive(Clone, Debug, Default, Serialize)]
pub struct PbDisk {
    pub epoch: u64,
    pub log: Vec<Entry>,
}

#[derive(Clone, Debug, Serialize)]
pub enum PbWrite {
    Epoch(u64),
    /// Keep log entries `1..=after` and append `entries`.
    Splice {
        after: u64,
        entries: Vec<Entry>,
    },
}

impl Durable for PbDisk {
    type Write = PbWrite;

    fn apply(&mut self, write: PbWrite) {
        match write {
            PbWrite::Epoch(epoch) => self.epoch = epoch,
            PbWrite::Splice { after, entries } => {
                self.log.truncate(after as usize);
                self.log.extend(entries);
            }
        }
    }
}
