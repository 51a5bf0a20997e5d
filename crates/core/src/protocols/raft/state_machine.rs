//! The key-value state machine every replica applies committed entries to.

use crate::client::{Key, KvOp, KvResult, Value};
use crate::flat::{FlatMap, FlatSet};
use crate::ids::RequestId;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvStore {
    data: FlatMap<Key, Value>,
    /// Requests already applied. A request can reach the log twice (a duplicated or
    /// retried forward); applying it once keeps writes idempotent (Raft §8).
    applied: Applied,
}

/// A set of request ids kept as runs of consecutive ids (first, one past the last), since
/// requests are applied roughly in the order they were made: a long run's set stays a few
/// runs, cheap to copy, where a `FlatSet` would hold every id. It serializes as the
/// `FlatSet<RequestId>` it stands for, so hashes and digests of a store are unchanged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Applied(FlatMap<u64, u64>);

impl Applied {
    fn contains(&self, id: RequestId) -> bool {
        self.0
            .range(..=id.0)
            .next_back()
            .is_some_and(|(_, &end)| id.0 < end)
    }

    /// Adds `id`; false if it was there.
    fn insert(&mut self, id: RequestId) -> bool {
        if self.contains(id) {
            return false;
        }
        let id = id.0;
        let before = self
            .0
            .range(..id)
            .next_back()
            .filter(|(_, &end)| end == id)
            .map(|(&start, _)| start);
        let after = self.0.remove(&(id + 1));
        let start = before.unwrap_or(id);
        self.0.insert(start, after.unwrap_or(id + 1));
        true
    }

    fn len(&self) -> usize {
        self.0
            .iter()
            .map(|(start, end)| (end - start) as usize)
            .sum()
    }

    fn ids(&self) -> impl Iterator<Item = RequestId> + '_ {
        self.0
            .iter()
            .flat_map(|(&start, &end)| (start..end).map(RequestId))
    }
}

impl Serialize for Applied {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for id in self.ids() {
            seq.serialize_element(&id)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Applied {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let ids = FlatSet::<RequestId>::deserialize(deserializer)?;
        let mut applied = Applied::default();
        for id in ids {
            applied.insert(id);
        }
        Ok(applied)
    }
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
        self.applied.contains(req)
    }

    pub fn data(&self) -> &FlatMap<Key, Value> {
        &self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applied_ids_read_and_hash_as_a_set_of_ids() {
        use crate::trace::StableHasher;
        let mut applied = Applied::default();
        let mut set = FlatSet::new();
        // Out of order, with gaps that close later and repeats.
        for id in [5, 3, 4, 9, 1, 2, 7, 4, 8, 6, 20, 12, 11] {
            assert_eq!(
                applied.insert(RequestId(id)),
                set.insert(RequestId(id)),
                "{id}"
            );
            for probe in 0..25 {
                assert_eq!(
                    applied.contains(RequestId(probe)),
                    set.contains(&RequestId(probe))
                );
            }
        }
        assert_eq!(applied.0.len(), 3, "runs 1-9, 11-12, 20: {:?}", applied.0);
        assert_eq!(applied.ids().collect::<FlatSet<_>>(), set);
        let (mut a, mut b) = (StableHasher::default(), StableHasher::default());
        a.write_value(&applied);
        b.write_value(&set);
        assert_eq!(a.finish(), b.finish());
    }

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
