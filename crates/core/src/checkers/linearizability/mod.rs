//! Linearizability of key-value histories: could every client operation have taken effect
//! atomically at one instant between its invocation and its completion, with each read
//! seeing the latest write before it?
//!
//! # Model
//!
//! Each key is an independent register that starts out empty (`None`).
//!
//! - `Put { value }` sets the register and answers `Written`.
//! - `Get` answers `Value` with the current contents.
//! - `Cas { expect, new }` sets the register to `new` and answers `Written` if the current
//!   contents equal `expect`; otherwise it changes nothing and answers
//!   `CasFailed { current }`, or `CasRefused` when the history does not say what the
//!   register held (Jepsen's failed `cas`): only that it was not `expect`.
//!
//! An answer the model can never give (a `Get` answered `Written`, a `Put` answered
//! `CasFailed`, a `Cas` that failed although `current == expect`) cannot be linearized, so a
//! history containing one is reported as not linearizable with that operation as witness.
//!
//! # What the history says about each operation
//!
//! - `Done` with `Unavailable`: the operation definitely did not take effect and is
//!   ignored.
//! - `Done` with any other result: the operation took effect exactly once, at some instant
//!   in `[invoked_at, completed_at]`, and produced exactly that result. A `Done` record
//!   without `completed_at` is given an open end; a `completed_at` earlier than
//!   `invoked_at` is read as `invoked_at`.
//! - `TimedOut` or `Pending`: unknown. The operation may have taken effect at any instant
//!   after `invoked_at` (the client's timeout does not bound it: a request can still be
//!   applied after the client gave up) or not at all, and its result is unconstrained. An
//!   unknown `Get` changes nothing, so it is dropped. An unknown `Put` or `Cas` may be
//!   placed anywhere after its invocation or left out; an unknown `Cas` that would fail is
//!   the same as leaving it out.
//!
//! Real-time order is strict: operation A must precede B only if A completed strictly
//! before B was invoked. Operations whose completion and invocation fall on the same
//! microsecond count as concurrent, since the simulator orders events within one
//! microsecond in ways a client cannot observe.
//!
//! # Search
//!
//! Linearizability is compositional over independent objects (Herlihy & Wing), so each
//! key's sub-history is checked on its own and the history is linearizable iff every key's
//! is. This keeps each search small: its cost grows with the operations on one key, not in
//! the whole history.
//!
//! Per key, the search follows Wing & Gong with Lowe's refinements. Invocations and
//! completions form one time-ordered, doubly linked list. Walking it from the front, any
//! invocation met before the first completion of a not-yet-linearized operation may be
//! linearized next (it was invoked before that operation returned); the first such
//! completion ends the candidates, because its operation must come before everything
//! invoked later. A chosen operation is unlinked from the list and pushed on an explicit
//! stack (no recursion, so deep histories cannot overflow a WebAssembly stack);
//! backtracking relinks it and tries the next candidate. Each (set of linearized
//! operations, register value) configuration is remembered, and a configuration seen
//! before is not explored again: the cost can grow exponentially with how many operations
//! overlap, but only about linearly with the length of the history. A read (or failed
//! compare-and-set) that is a candidate and consistent with the register is linearized at
//! once, without trying the alternatives, as that never loses a solution (see `search`).
//! The search succeeds once every operation with a known result is linearized; unknown
//! writes left over are taken not to have happened.
//!
//! Before searching, an unknown write whose value no operation could ever have observed
//! (no read returned it, no compare-and-set expected it or reported it as current) is
//! dropped: if a linearization includes it, removing it leaves a linearization, because
//! only a state-independent write can follow it while the register holds that value.
//! Workloads that write fresh values on every write lose most timed-out writes this way,
//! which matters because each unknown write stays a candidate until the end.
//!
//! Each key's search stops after a step budget (one step is one attempt to linearize an
//! operation) and the verdict is then [`Verdict::Inconclusive`] unless another key is
//! definitely not linearizable.
//!
//! # Witness
//!
//! For a history that is not linearizable, the report names a small set of operations on
//! one key that is not linearizable by itself. It is found by greedy shrinking: drop blocks
//! of operations (halving the block size down to one), keeping each removal after which
//! the rest is still not linearizable, then repeat single-operation passes until none can
//! be dropped. Removing the only write of a value also removes the operations that
//! observed it (read it, expected it, or reported it as current), so that the witness
//! shows the real violation rather than a "value never written" made by shrinking.
//! Removing any one operation of the witness therefore makes it linearizable, unless it
//! is the only write of a value that others in the witness observe.

use crate::client::{ClientRecord, Key, KvOp, KvResult, Outcome, Value};
use crate::ids::RequestId;
use crate::time::Micros;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Steps allowed per key (and again for shrinking the witness). A step costs well under a
/// microsecond natively; the budget bounds the time of the search on adversarial histories
/// while leaving ordinary ones far from it.
pub const DEFAULT_STEP_BUDGET: u64 = 2_000_000;

/// Memory one key's search may use to remember explored configurations. Each costs a
/// bitset over the key's operations, so a long single-key history can reach this before
/// the step budget; the search then ends as if out of steps. The bound keeps the checker
/// well inside a browser tab's memory.
pub const MEMO_BYTE_LIMIT: usize = 128 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Linearizable,
    NotLinearizable,
    /// The step budget (or the search's memory bound) ran out on some key before a verdict
    /// was reached.
    Inconclusive,
}

/// The result of checking one history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LinReport {
    pub verdict: Verdict,
    /// Operations the search had to account for: all records except definite failures
    /// (`Unavailable`) and reads with an unknown outcome.
    pub ops: usize,
    /// Distinct keys among those operations.
    pub keys: usize,
    /// The key the witness is on (the lowest key that is not linearizable).
    pub witness_key: Option<Key>,
    /// For a history that is not linearizable: operations on `witness_key` that are not
    /// linearizable by themselves, in invocation order. Empty otherwise.
    pub witness: Vec<RequestId>,
    /// Whether shrinking the witness finished. If the budget ran out first, the witness is
    /// still not linearizable but may contain operations that play no part.
    pub witness_minimal: bool,
    /// Keys whose search ran out of budget.
    pub inconclusive_keys: Vec<Key>,
    /// Search steps taken, including those spent shrinking the witness.
    pub steps: u64,
}

impl LinReport {
    pub fn is_linearizable(&self) -> bool {
        self.verdict == Verdict::Linearizable
    }
}

/// The real-time order among `records`, as pairs (a, b) where a finished before b began,
/// leaving out pairs implied by others (a before c and c before b). Any linearization
/// keeps these; a witness is read with them. Only operations with a definite answer have
/// finished: one that timed out (or is pending) may still take effect at any later time.
pub fn real_time_order(records: &[&ClientRecord]) -> Vec<(RequestId, RequestId)> {
    let before = |a: &ClientRecord, b: &ClientRecord| {
        matches!(a.outcome, Outcome::Done { .. })
            && a.completed_at.is_some_and(|t| t < b.invoked_at)
    };
    let mut out = Vec::new();
    for a in records {
        for b in records {
            let implied = records.iter().any(|c| before(a, c) && before(c, b));
            if before(a, b) && !implied {
                out.push((a.id, b.id));
            }
        }
    }
    out
}

/// Checks a history with [`DEFAULT_STEP_BUDGET`].
pub fn check(history: &[ClientRecord]) -> LinReport {
    check_with_budget(history, DEFAULT_STEP_BUDGET)
}

/// Checks a history, allowing `step_budget` search steps per key and the same again for
/// shrinking the witness.
pub fn check_with_budget(history: &[ClientRecord], step_budget: u64) -> LinReport {
    let mut per_key: BTreeMap<Key, Vec<Op>> = BTreeMap::new();
    for record in history {
        if let Some(op) = Op::from_record(record) {
            per_key.entry(record.op.key()).or_default().push(op);
        }
    }
    let mut report = LinReport {
        verdict: Verdict::Linearizable,
        ops: per_key.values().map(Vec::len).sum(),
        keys: per_key.len(),
        witness_key: None,
        witness: Vec::new(),
        witness_minimal: false,
        inconclusive_keys: Vec::new(),
        steps: 0,
    };
    for (&key, ops) in &per_key {
        let mut budget = Budget::new(step_budget);
        let outcome = check_key(ops, &mut budget);
        report.steps += budget.spent;
        match outcome {
            KeyOutcome::Linearizable => {}
            KeyOutcome::OutOfBudget => report.inconclusive_keys.push(key),
            KeyOutcome::NotLinearizable => {
                if report.witness_key.is_none() {
                    let mut budget = Budget::new(step_budget);
                    let (mut witness, minimal) = shrink(ops.clone(), &mut budget);
                    report.steps += budget.spent;
                    crate::sort::by_key(&mut witness, |op| (op.call, op.id));
                    report.witness_key = Some(key);
                    report.witness = witness.iter().map(|op| op.id).collect();
                    report.witness_minimal = minimal;
                }
            }
        }
    }
    report.verdict = if report.witness_key.is_some() {
        Verdict::NotLinearizable
    } else if !report.inconclusive_keys.is_empty() {
        Verdict::Inconclusive
    } else {
        Verdict::Linearizable
    };
    report
}

/// What an operation does to its key's register, with the result it must produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Effect {
    /// A read that returned this value.
    Read(Option<Value>),
    /// An unconditional write.
    Write(Value),
    /// A compare-and-set that succeeded; for an unknown outcome, one that took effect.
    CasOk { expect: Option<Value>, new: Value },
    /// A compare-and-set that failed, reporting `current`.
    CasFail {
        expect: Option<Value>,
        current: Option<Value>,
    },
    /// A compare-and-set that failed on a value other than `expect`, not saying which.
    CasRefused { expect: Option<Value> },
    /// An answer the model never gives.
    Impossible,
}

impl Effect {
    /// The register after the operation, or `None` if it cannot take effect in `state`
    /// with its recorded result.
    fn apply(self, state: Option<Value>) -> Option<Option<Value>> {
        match self {
            Effect::Read(v) => (state == v).then_some(state),
            Effect::Write(v) => Some(Some(v)),
            Effect::CasOk { expect, new } => (state == expect).then_some(Some(new)),
            Effect::CasFail { expect, current } => {
                (state == current && state != expect).then_some(state)
            }
            Effect::CasRefused { expect } => (state != expect).then_some(state),
            Effect::Impossible => None,
        }
    }

    /// Whether the operation leaves the register as it found it whenever it can take
    /// effect.
    fn preserves_state(self) -> bool {
        matches!(
            self,
            Effect::Read(_) | Effect::CasFail { .. } | Effect::CasRefused { .. }
        )
    }

    /// A value the operation can only succeed on if the register holds it.
    fn observes(self) -> Option<Value> {
        match self {
            Effect::Read(v) | Effect::CasOk { expect: v, .. } => v,
            // A failure that reports the expected value is impossible in any state.
            Effect::CasFail { expect, current } => current.filter(|_| current != expect),
            Effect::Write(_) | Effect::CasRefused { .. } | Effect::Impossible => None,
        }
    }

    /// A compare-and-set refused without the value it met.
    fn refuses(self) -> bool {
        matches!(self, Effect::CasRefused { .. })
    }

    fn written(self) -> Option<Value> {
        match self {
            Effect::Write(v) | Effect::CasOk { new: v, .. } => Some(v),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Op {
    id: RequestId,
    call: Micros,
    /// `None` when the operation has no known completion: an unknown outcome, or a `Done`
    /// record without a completion time.
    ret: Option<Micros>,
    /// Whether the operation certainly took effect and so must be linearized.
    required: bool,
    effect: Effect,
}

impl Op {
    /// The operation as the search sees it, or `None` if it cannot affect the verdict.
    fn from_record(r: &ClientRecord) -> Option<Op> {
        let (effect, required) = match &r.outcome {
            Outcome::Done { result } => {
                let effect = match (&r.op, result) {
                    (_, KvResult::Unavailable) => return None,
                    (KvOp::Get { .. }, KvResult::Value { value }) => Effect::Read(*value),
                    (KvOp::Put { value, .. }, KvResult::Written) => Effect::Write(*value),
                    (KvOp::Cas { expect, new, .. }, KvResult::Written) => Effect::CasOk {
                        expect: *expect,
                        new: *new,
                    },
                    (KvOp::Cas { expect, .. }, KvResult::CasFailed { current }) => {
                        Effect::CasFail {
                            expect: *expect,
                            current: *current,
                        }
                    }
                    (KvOp::Cas { expect, .. }, KvResult::CasRefused) => {
                        Effect::CasRefused { expect: *expect }
                    }
                    _ => Effect::Impossible,
                };
                (effect, true)
            }
            Outcome::Pending | Outcome::TimedOut => {
                let effect = match r.op {
                    KvOp::Get { .. } => return None,
                    KvOp::Put { value, .. } => Effect::Write(value),
                    KvOp::Cas { expect, new, .. } => Effect::CasOk { expect, new },
                };
                (effect, false)
            }
        };
        let ret = if required {
            r.completed_at.map(|t| t.max(r.invoked_at))
        } else {
            None
        };
        Some(Op {
            id: r.id,
            call: r.invoked_at,
            ret,
            required,
            effect,
        })
    }
}

pub mod formats;
mod search;
mod synthetic;
#[cfg(test)]
mod tests;

use search::{check_key, Budget, KeyOutcome};
pub use synthetic::synthetic_history;

/// Shrinks a non-linearizable set of operations on one key to one from which no single
/// operation can be removed, and says whether it got there before the budget ran out.
///
/// Removing the only write of a value would leave the operations that observed it with
/// a "value never written" violation that exists only in the shrunken set and would hide
/// the real one. So every removal takes those observers along (see `without`), and a
/// single operation counts as removable only if the rest stays non-linearizable then.
fn shrink(mut ops: Vec<Op>, budget: &mut Budget) -> (Vec<Op>, bool) {
    crate::sort::by_key(&mut ops, |op| (op.call, op.id));
    let writable: BTreeSet<Value> =
        crate::sort::set(ops.iter().filter_map(|op| op.effect.written()));
    let mut block = (ops.len() / 2).max(1);
    loop {
        let mut removed_any = false;
        // Later operations go first: a violation is usually caused by what came before.
        let mut end = ops.len();
        while end > 0 {
            let start = end.saturating_sub(block);
            let trial = without(&ops, start..end, &writable);
            let mut trial_budget = Budget {
                limit: budget.limit.saturating_sub(budget.spent),
                spent: 0,
                memo_bytes: budget.memo_bytes,
            };
            let outcome = check_key(&trial, &mut trial_budget);
            budget.spent += trial_budget.spent;
            match outcome {
                KeyOutcome::NotLinearizable => {
                    ops = trial;
                    removed_any = true;
                }
                KeyOutcome::Linearizable => {}
                KeyOutcome::OutOfBudget => return (ops, false),
            }
            end = start.min(ops.len());
        }
        if block > 1 {
            block /= 2;
        } else if !removed_any {
            return (ops, true);
        }
    }
}

/// `ops` without `range`, and without the operations that would then observe a value in
/// `writable` that no remaining operation writes.
fn without(ops: &[Op], range: std::ops::Range<usize>, writable: &BTreeSet<Value>) -> Vec<Op> {
    let mut kept: Vec<Op> = ops[..range.start]
        .iter()
        .chain(&ops[range.end..])
        .copied()
        .collect();
    loop {
        let written: BTreeSet<Value> =
            crate::sort::set(kept.iter().filter_map(|op| op.effect.written()));
        let before = kept.len();
        kept.retain(|op| {
            op.effect
                .observes()
                .is_none_or(|v| written.contains(&v) || !writable.contains(&v))
        });
        // Dropping a compare-and-set can orphan the observers of what it wrote.
        if kept.len() == before {
            return kept;
        }
    }
}
