//! What a quorum replica keeps on stable storage: its registers, and the counter its
//! version-vector entry has reached as a coordinator.

use super::register::Register;
use crate::client::Key;
use crate::protocol::Durable;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Serialize)]
pub struct QuorumDisk {
    pub store: BTreeMap<Key, Register>,
    pub counter: u64,
}

#[derive(Clone, Debug, Serialize)]
pub enum QuorumWrite {
    /// Replace what is stored for `key`.
    Store { key: Key, register: Register },
    /// The highest version-vector entry this node has handed out. It must survive a crash:
    /// handing the same entry out twice would give two different writes the same version.
    Counter(u64),
}

impl Durable for QuorumDisk {
    type Write = QuorumWrite;

    fn apply(&mut self, write: QuorumWrite) {
        match write {
            QuorumWrite::Store { key, register } => {
                self.store.insert(key, register);
            }
            QuorumWrite::Counter(c) => self.counter = self.counter.max(c),
        }
    }
}
