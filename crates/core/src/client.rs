//! What clients ask of a replicated store, and what they hear back. Every protocol that
//! serves clients speaks these types, so workloads, histories and the linearizability
//! checker work across protocols.

use crate::ids::{NodeId, RequestId};
use crate::time::Micros;
use serde::{Deserialize, Serialize};

pub type Key = u32;
pub type Value = u64;

/// A key-value operation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum KvOp {
    Get {
        key: Key,
    },
    Put {
        key: Key,
        value: Value,
    },
    /// Compare-and-set: write `new` only if the current value equals `expect`.
    Cas {
        key: Key,
        expect: Option<Value>,
        new: Value,
    },
}

impl KvOp {
    pub fn key(&self) -> Key {
        match self {
            KvOp::Get { key } | KvOp::Put { key, .. } | KvOp::Cas { key, .. } => *key,
        }
    }

    pub fn is_read_only(&self) -> bool {
        matches!(self, KvOp::Get { .. })
    }
}

/// A node's answer to a client.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum KvResult {
    /// A read's value (`None` when the key was never written).
    Value { value: Option<Value> },
    /// A put or successful compare-and-set took effect.
    Written,
    /// A compare-and-set found a different value and changed nothing.
    CasFailed { current: Option<Value> },
    /// The operation was definitely not performed (for example: no leader known).
    Unavailable,
    /// A compare-and-set found a value other than the expected one, without saying which
    /// (as Jepsen records a failed `cas`); it changed nothing.
    CasRefused,
}

/// How a client operation ended, as the client saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Pending,
    /// The node answered (which may be a definite failure such as `Unavailable`).
    Done {
        result: KvResult,
    },
    /// The client gave up waiting: the operation may or may not have taken effect.
    TimedOut,
}

impl ClientRecord {
    /// Whether the operation got a definite answer other than "unavailable" (a failed
    /// compare-and-set counts: the store answered).
    pub fn succeeded(&self) -> bool {
        matches!(&self.outcome, Outcome::Done { result } if *result != KvResult::Unavailable)
    }
}

/// One client operation from invocation to completion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRecord {
    pub id: RequestId,
    pub node: NodeId,
    pub op: KvOp,
    pub invoked_at: Micros,
    pub completed_at: Option<Micros>,
    pub outcome: Outcome,
}

/// What a client does when an attempt times out or is refused as unavailable. Every
/// attempt carries the same request id, which the protocols use as an idempotency key, so
/// a retried write takes effect once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Retry {
    /// One attempt; a timeout is recorded as an unknown outcome.
    #[default]
    None,
    /// Try again after `delay_us`, up to `attempts` attempts in all.
    Fixed { delay_us: Micros, attempts: u32 },
    /// Exponential backoff with full jitter: before attempt k (k ≥ 2) wait a random time
    /// in [0, min(cap_us, base_us · 2^(k−2))], up to `attempts` attempts in all.
    Backoff {
        base_us: Micros,
        cap_us: Micros,
        attempts: u32,
    },
}

impl Retry {
    /// The most attempts this policy makes.
    pub fn attempts(&self) -> u32 {
        match self {
            Retry::None => 1,
            Retry::Fixed { attempts, .. } | Retry::Backoff { attempts, .. } => (*attempts).max(1),
        }
    }
}

/// Why a client workload was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WorkloadError {
    #[error("client rate {0} per second is above the limit of 1000000")]
    Rate(u32),
    #[error("a workload needs at least one key")]
    NoKeys,
    #[error("read_percent {0} is above 100")]
    ReadPercent(u32),
    #[error("client timeout must be positive")]
    NoTimeout,
    #[error("at most 100 attempts per operation, not {0}")]
    Attempts(u32),
}

/// A steady, open-loop client load spread over all nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Workload {
    /// Operations per simulated second across the cluster (0 switches the load off).
    pub rate_per_s: u32,
    /// Number of distinct keys the operations touch.
    pub keys: u32,
    /// Percentage of reads; the rest are split 4:1 between put and compare-and-set.
    pub read_percent: u32,
    /// How long a client waits for an answer to one attempt.
    pub timeout_us: Micros,
    /// What the client does after a timeout or an "unavailable" answer.
    pub retry: Retry,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            rate_per_s: 50,
            keys: 5,
            read_percent: 40,
            timeout_us: 1_000_000,
            retry: Retry::None,
        }
    }
}

impl Workload {
    pub fn validate(&self) -> Result<(), WorkloadError> {
        if self.rate_per_s > 1_000_000 {
            return Err(WorkloadError::Rate(self.rate_per_s));
        }
        if self.keys == 0 {
            return Err(WorkloadError::NoKeys);
        }
        if self.read_percent > 100 {
            return Err(WorkloadError::ReadPercent(self.read_percent));
        }
        if self.timeout_us == 0 {
            return Err(WorkloadError::NoTimeout);
        }
        if self.retry.attempts() > 100 {
            return Err(WorkloadError::Attempts(self.retry.attempts()));
        }
        Ok(())
    }
}
