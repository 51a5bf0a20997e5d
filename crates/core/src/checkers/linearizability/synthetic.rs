//! Synthetic linearizable histories, for timing the checker.

use crate::client::{ClientRecord, Key, KvOp, KvResult, Outcome, Value};
use crate::ids::{NodeId, RequestId};
use crate::rng::SimRng;
use crate::time::Micros;
use std::collections::BTreeMap;

/// A linearizable history from `clients` closed-loop clients issuing `ops` operations on
/// `keys` keys (40% reads, the rest mostly puts and some compare-and-sets), with about 1%
/// timed out and 1% unavailable. Every write carries a fresh value. Meant for timing the
/// checker; the same seed always gives the same history.
pub fn synthetic_history(seed: u64, ops: usize, clients: usize, keys: u32) -> Vec<ClientRecord> {
    let mut rng = SimRng::new(seed);
    let clients = clients.max(1);
    let keys = keys.max(1);
    // Each client's next free instant, staggered so that the clients overlap.
    let mut free_at: Vec<Micros> = (0..clients).map(|_| rng.below(1_000)).collect();
    let mut last_written: BTreeMap<Key, Value> = BTreeMap::new();
    let mut records = Vec::with_capacity(ops);
    // When each operation takes effect, if it does.
    let mut points: Vec<Option<Micros>> = Vec::with_capacity(ops);
    for n in 0..ops {
        let client = (0..clients).min_by_key(|&c| (free_at[c], c)).unwrap_or(0);
        let call = free_at[client];
        let duration = rng.range(1, 2_000);
        let key = rng.below(u64::from(keys)) as Key;
        let fresh = n as Value + 1;
        let roll = rng.below(100);
        let op = if roll < 40 {
            KvOp::Get { key }
        } else if roll < 88 {
            KvOp::Put { key, value: fresh }
        } else {
            KvOp::Cas {
                key,
                expect: last_written.get(&key).copied(),
                new: fresh,
            }
        };
        if !op.is_read_only() {
            last_written.insert(key, fresh);
        }
        let fate = rng.below(100);
        let (outcome, point) = match fate {
            0 => (
                Outcome::Done {
                    result: KvResult::Unavailable,
                },
                None,
            ),
            1 => {
                let applied = rng.below(2) == 0;
                let point = call + rng.below(3 * duration);
                (Outcome::TimedOut, applied.then_some(point))
            }
            // Answered; the result is filled in once the order of effects is known.
            _ => (Outcome::Pending, Some(call + rng.below(duration + 1))),
        };
        records.push(ClientRecord {
            id: RequestId(n as u64),
            node: NodeId(client as u32),
            op,
            invoked_at: call,
            completed_at: Some(call + duration),
            outcome,
        });
        points.push(point);
        free_at[client] = call + duration + rng.below(500);
    }
    let mut order: Vec<usize> = (0..records.len())
        .filter(|&i| points[i].is_some())
        .collect();
    crate::sort::by_key(&mut order, |&i| (points[i], i));
    let mut store: BTreeMap<Key, Value> = BTreeMap::new();
    for i in order {
        let record = &mut records[i];
        let result = match record.op {
            KvOp::Get { key } => KvResult::Value {
                value: store.get(&key).copied(),
            },
            KvOp::Put { key, value } => {
                store.insert(key, value);
                KvResult::Written
            }
            KvOp::Cas { key, expect, new } => {
                let current = store.get(&key).copied();
                if current == expect {
                    store.insert(key, new);
                    KvResult::Written
                } else {
                    KvResult::CasFailed { current }
                }
            }
        };
        if record.outcome == Outcome::Pending {
            record.outcome = Outcome::Done { result };
        }
    }
    records
}
