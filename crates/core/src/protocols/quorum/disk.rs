//! What a quorum replica keeps on stable storage: its registers, the hints it holds for
//! other replicas, and the counter its version-vector entry has reached as a coordinator.

use super::register::Register;
use crate::client::Key;
use crate::flat::FlatMap;
use crate::ids::NodeId;
use crate::protocol::Durable;
use serde::Serialize;

#[derive(Clone, Debug, Default, Serialize)]
pub struct QuorumDisk {
    pub store: FlatMap<Key, Register>,
    pub counter: u64,
    pub hints: FlatMap<NodeId, FlatMap<Key, Register>>,
}

#[derive(Clone, Debug, Serialize)]
pub enum QuorumWrite {
    /// Replace what is stored for `key`.
    Store { key: Key, register: Register },
    /// The highest version-vector entry this node has handed out. It must survive a crash:
    /// handing the same entry out twice would give two different writes the same version.
    Counter(u64),
    /// Replace (or, with `None`, drop) the hint held for `home`'s copy of `key`.
    Hint {
        home: NodeId,
        key: Key,
        register: Option<Register>,
    },
}

impl Durable for QuorumDisk {
    type Write = QuorumWrite;

    fn apply(&mut self, write: QuorumWrite) {
        match write {
            QuorumWrite::Store { key, register } => {
                self.store.insert(key, register);
            }
            QuorumWrite::Counter(c) => self.counter = self.counter.max(c),
            QuorumWrite::Hint {
                home,
                key,
                register,
            } => {
                let keys = self.hints.entry(home).or_default();
                match register {
                    Some(r) => {
                        keys.insert(key, r);
                    }
                    None => {
                        keys.remove(&key);
                        if keys.is_empty() {
                            self.hints.remove(&home);
                        }
                    }
                }
            }
        }
    }
}
