//! The key-value state machine every replica applies committed entries to.

use crate::client::{Key, KvOp, KvResult, Value};
use crate::ids::RequestId;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvStore {
    data: BTreeMap<Key, Value>,
    /// Requests already applied. A request can reach the log twice (a duplicated or
    /// retried forward); applying it once keeps writes idempotent (Raft §8).
    applied: BTreeSet<RequestId>,
}

impl KvStore {
    /// Applies `op` unless request `req` was applied before; returns the result for a
    /// first application.
    pub fn apply(&mut self, req: RequestId, op: &KvOp) -> Option<KvResult> {
        if !self.applied.insert(req) {
            return None;
        }
        Some(self.execute(op))
    }

    fn execute(&mut self, op: &KvOp) -> KvResult {
        match *op {
            KvOp::Get { key } => KvResult::Value {
                value: self.data.get(&key).copied(),
            },
            KvOp::Put { key, value } => {
                self.data.insert(key, value);
                KvResult::Written
            }
            KvOp::Cas { key, expect, new } => {
                let current = self.data.get(&key).copied();
                if current == expect {
                    self.data.insert(key, new);
                    KvResult::Written
                } else {
                    KvResult::CasFailed { current }
                }
            }
        }
    }

    /// Whether request `req` was applied here.
    pub fn has_applied(&self, req: RequestId) -> bool {
        self.applied.contains(&req)
    }

    pub fn data(&self) -> &BTreeMap<Key, Value> {
        &self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cas_and_idempotency() {
        let mut kv = KvStore::default();
        let put = KvOp::Put { key: 1, value: 10 };
        assert_eq!(kv.apply(RequestId(1), &put), Some(KvResult::Written));
        assert_eq!(kv.apply(RequestId(1), &put), None, "applied once");
        let cas = KvOp::Cas {
            key: 1,
            expect: Some(9),
            new: 11,
        };
        assert_eq!(
            kv.apply(RequestId(2), &cas),
            Some(KvResult::CasFailed { current: Some(10) })
        );
        let cas = KvOp::Cas {
            key: 1,
            expect: Some(10),
            new: 11,
        };
        assert_eq!(kv.apply(RequestId(3), &cas), Some(KvResult::Written));
        assert_eq!(
            kv.apply(RequestId(4), &KvOp::Get { key: 1 }),
            Some(KvResult::Value { value: Some(11) })
        );
    }
}
