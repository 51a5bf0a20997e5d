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
//!   `CasFailed { current }`.
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
use crate::ids::{NodeId, RequestId};
use crate::rng::SimRng;
use crate::time::Micros;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

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
                    witness.sort_by_key(|op| (op.call, op.id));
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
            Effect::Impossible => None,
        }
    }

    /// Whether the operation leaves the register as it found it whenever it can take
    /// effect.
    fn preserves_state(self) -> bool {
        matches!(self, Effect::Read(_) | Effect::CasFail { .. })
    }

    /// A value the operation can only succeed on if the register holds it.
    fn observes(self) -> Option<Value> {
        match self {
            Effect::Read(v) | Effect::CasOk { expect: v, .. } => v,
            // A failure that reports the expected value is impossible in any state.
            Effect::CasFail { expect, current } => current.filter(|_| current != expect),
            Effect::Write(_) | Effect::Impossible => None,
        }
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyOutcome {
    Linearizable,
    NotLinearizable,
    OutOfBudget,
}

struct Budget {
    limit: u64,
    spent: u64,
    memo_bytes: usize,
}

impl Budget {
    fn new(limit: u64) -> Self {
        Budget {
            limit,
            spent: 0,
            memo_bytes: MEMO_BYTE_LIMIT,
        }
    }

    /// Counts one step; false once the budget is used up.
    fn take(&mut self) -> bool {
        self.spent += 1;
        self.spent <= self.limit
    }
}

/// Checks one key's operations.
fn check_key(ops: &[Op], budget: &mut Budget) -> KeyOutcome {
    let mut ops = ops.to_vec();
    drop_unobserved_unknown_writes(&mut ops);
    // Numbering operations in invocation order keeps the search cache compact (see `Memo`).
    ops.sort_by_key(|op| op.call);
    search(&ops, budget)
}

/// Removes unknown writes whose value no remaining operation could observe (see the module
/// documentation for why this keeps the verdict). Dropping an unknown compare-and-set can
/// leave the value it expected unobserved, hence the loop.
fn drop_unobserved_unknown_writes(ops: &mut Vec<Op>) {
    loop {
        let observed: BTreeSet<Value> = ops.iter().filter_map(|op| op.effect.observes()).collect();
        let before = ops.len();
        ops.retain(|op| op.required || op.effect.written().is_none_or(|v| observed.contains(&v)));
        if ops.len() == before {
            return;
        }
    }
}

/// Hashes that are already well mixed go into the cache's map unchanged.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = x;
    }
}

/// SplitMix64's finaliser: spreads any input over all 64 bits.
fn mix64(x: u64) -> u64 {
    SimRng::derive_seed(x, 0)
}

fn state_hash(state: Option<Value>) -> u64 {
    match state {
        None => 0x6c62_272e_07bb_0142,
        Some(v) => mix64(v ^ 0x2545_f491_4f6c_dd1d),
    }
}

/// The configurations already explored: sets of linearized operations (as bitsets) paired
/// with the register value they lead to.
///
/// Operations are numbered in invocation order, so a set is nearly always a run of
/// all-ones words, a short stretch of mixed words around the operations in flight, and
/// then zeros. Only the mixed stretch is stored, which keeps an entry small however long
/// the history is. Stretches live in one flat arena, chained per hash, so a lookup
/// allocates nothing.
struct Memo {
    heads: HashMap<u64, usize, BuildHasherDefault<PassThrough>>,
    entries: Vec<MemoEntry>,
    words: Vec<u64>,
}

struct MemoEntry {
    /// Index of the first word that is not all ones.
    first: usize,
    /// Where the stored words start in the arena, and how many there are.
    at: usize,
    len: usize,
    state: Option<Value>,
    /// The previous entry with the same hash.
    next: usize,
}

impl Memo {
    const END: usize = usize::MAX;

    fn new() -> Self {
        Memo {
            heads: HashMap::default(),
            entries: Vec::new(),
            words: Vec::new(),
        }
    }

    /// Records a configuration; false if it was seen before.
    fn insert(&mut self, hash: u64, bits: &[u64], state: Option<Value>) -> bool {
        let first = bits
            .iter()
            .position(|&w| w != u64::MAX)
            .unwrap_or(bits.len());
        let end = bits.iter().rposition(|&w| w != 0).map_or(0, |i| i + 1);
        let stretch = bits.get(first..end).unwrap_or(&[]);
        let head = self.heads.entry(hash).or_insert(Self::END);
        let mut at = *head;
        while at != Self::END {
            let e = &self.entries[at];
            if e.state == state && e.first == first && &self.words[e.at..e.at + e.len] == stretch {
                return false;
            }
            at = e.next;
        }
        self.entries.push(MemoEntry {
            first,
            at: self.words.len(),
            len: stretch.len(),
            state,
            next: *head,
        });
        *head = self.entries.len() - 1;
        self.words.extend_from_slice(stretch);
        true
    }

    /// Roughly the memory held, counting the map entry of every configuration.
    fn bytes(&self) -> usize {
        let per_entry = std::mem::size_of::<MemoEntry>() + 2 * std::mem::size_of::<usize>();
        self.words.len() * 8 + self.entries.len() * per_entry
    }
}

/// The time-ordered list of invocations and completions, doubly linked so that a
/// linearized operation can be unlinked and, on backtracking, relinked in O(1).
struct EventList {
    next: Vec<usize>,
    prev: Vec<usize>,
    /// For each list node: its operation and whether it is the invocation.
    node_op: Vec<usize>,
    node_is_call: Vec<bool>,
    call_node: Vec<usize>,
    ret_node: Vec<Option<usize>>,
}

impl EventList {
    const HEAD: usize = 0;

    fn new(ops: &[Op]) -> Self {
        // (time, is completion, op): at equal times invocations come first, which makes
        // operations touching at one microsecond concurrent.
        let mut events: Vec<(Micros, bool, usize)> = Vec::with_capacity(ops.len() * 2);
        for (i, op) in ops.iter().enumerate() {
            events.push((op.call, false, i));
            if let Some(ret) = op.ret {
                events.push((ret, true, i));
            }
        }
        events.sort_unstable();
        let tail = events.len() + 1;
        let mut list = EventList {
            next: (1..=tail).chain([tail]).collect(),
            prev: [0].into_iter().chain(0..tail).collect(),
            node_op: vec![usize::MAX; tail + 1],
            node_is_call: vec![false; tail + 1],
            call_node: vec![0; ops.len()],
            ret_node: vec![None; ops.len()],
        };
        for (k, &(_, is_ret, op)) in events.iter().enumerate() {
            let node = k + 1;
            list.node_op[node] = op;
            list.node_is_call[node] = !is_ret;
            if is_ret {
                list.ret_node[op] = Some(node);
            } else {
                list.call_node[op] = node;
            }
        }
        list
    }

    fn tail(&self) -> usize {
        self.next.len() - 1
    }

    fn unlink(&mut self, node: usize) {
        let (p, n) = (self.prev[node], self.next[node]);
        self.next[p] = n;
        self.prev[n] = p;
    }

    fn relink(&mut self, node: usize) {
        let (p, n) = (self.prev[node], self.next[node]);
        self.next[p] = node;
        self.prev[n] = node;
    }

    fn lift(&mut self, op: usize) {
        self.unlink(self.call_node[op]);
        if let Some(ret) = self.ret_node[op] {
            self.unlink(ret);
        }
    }

    /// Undoes `lift`; lifts must be undone in reverse order.
    fn unlift(&mut self, op: usize) {
        if let Some(ret) = self.ret_node[op] {
            self.relink(ret);
        }
        self.relink(self.call_node[op]);
    }
}

/// One linearized operation on the search path.
struct Frame {
    op: usize,
    /// The register before the operation.
    before: Option<Value>,
    /// Linearized eagerly as a consistent read (see `search`): its configuration had no
    /// alternatives worth trying.
    eager: bool,
}

/// The search's position: which operations are linearized, in what order, and the
/// register they leave.
struct Path<'a> {
    ops: &'a [Op],
    list: EventList,
    memo: Memo,
    /// Zobrist keys: a set's hash is the XOR of its members' keys, so it updates in O(1)
    /// per step instead of rehashing the bitset.
    keys: Vec<u64>,
    bits: Vec<u64>,
    set_hash: u64,
    state: Option<Value>,
    required_left: usize,
    stack: Vec<Frame>,
}

impl<'a> Path<'a> {
    fn new(ops: &'a [Op]) -> Self {
        let words = ops.len().div_ceil(64);
        Path {
            ops,
            list: EventList::new(ops),
            memo: Memo::new(),
            keys: (0..ops.len() as u64).map(|i| mix64(i + 1)).collect(),
            bits: vec![0; words],
            set_hash: 0,
            state: None,
            required_left: ops.iter().filter(|op| op.required).count(),
            stack: Vec::new(),
        }
    }

    fn flip(&mut self, i: usize) {
        self.bits[i / 64] ^= 1 << (i % 64);
        self.set_hash ^= self.keys[i];
    }

    /// Linearizes operation `i` next if it can take effect now and leads to a
    /// configuration not seen before.
    fn push(&mut self, i: usize, eager: bool) -> bool {
        let Some(after) = self.ops[i].effect.apply(self.state) else {
            return false;
        };
        self.flip(i);
        let hash = self.set_hash ^ state_hash(after);
        if !self.memo.insert(hash, &self.bits, after) {
            self.flip(i);
            return false;
        }
        self.stack.push(Frame {
            op: i,
            before: self.state,
            eager,
        });
        self.state = after;
        if self.ops[i].required {
            self.required_left -= 1;
        }
        self.list.lift(i);
        true
    }

    fn pop(&mut self) -> Option<Frame> {
        let frame = self.stack.pop()?;
        self.list.unlift(frame.op);
        self.flip(frame.op);
        self.state = frame.before;
        if self.ops[frame.op].required {
            self.required_left += 1;
        }
        Some(frame)
    }

    /// A candidate that only reads the register and is consistent with it.
    fn consistent_read(&self) -> Option<usize> {
        let mut node = self.list.next[EventList::HEAD];
        while node != self.list.tail() && self.list.node_is_call[node] {
            let i = self.list.node_op[node];
            let effect = self.ops[i].effect;
            if effect.preserves_state() && effect.apply(self.state).is_some() {
                return Some(i);
            }
            node = self.list.next[node];
        }
        None
    }
}

/// Searches for a linearization of one key's operations.
///
/// Besides the walk described in the module documentation, a read-only candidate (a read,
/// or a failed compare-and-set) that is consistent with the register is linearized at once
/// without trying alternatives: any linearization from here can be rearranged to place it
/// first, because it is already allowed by real time and leaves the register unchanged.
/// Without this, concurrent reads that commute would be tried in every order whenever the
/// search backtracks past them.
fn search(ops: &[Op], budget: &mut Budget) -> KeyOutcome {
    let mut path = Path::new(ops);
    let tail = path.list.tail();
    // Whether the current configuration is new and still to be scanned for reads.
    let mut fresh = true;
    let mut node = path.list.next[EventList::HEAD];
    loop {
        if path.required_left == 0 {
            return KeyOutcome::Linearizable;
        }
        let mut dead_end = false;
        if fresh {
            fresh = false;
            node = path.list.next[EventList::HEAD];
            if let Some(i) = path.consistent_read() {
                if !budget.take() {
                    return KeyOutcome::OutOfBudget;
                }
                if path.push(i, true) {
                    if path.memo.bytes() > budget.memo_bytes {
                        return KeyOutcome::OutOfBudget;
                    }
                    fresh = true;
                    continue;
                }
                // The configuration after the read was explored and failed, so this one,
                // which can always take the read first, fails as well.
                dead_end = true;
            }
        }
        if !dead_end && node != tail && path.list.node_is_call[node] {
            if !budget.take() {
                return KeyOutcome::OutOfBudget;
            }
            let i = path.list.node_op[node];
            if path.push(i, false) {
                if path.memo.bytes() > budget.memo_bytes {
                    return KeyOutcome::OutOfBudget;
                }
                fresh = true;
            } else {
                node = path.list.next[node];
            }
            continue;
        }
        // Out of candidates: undo choices up to the latest one that had alternatives, and
        // try the candidate after it.
        loop {
            let Some(frame) = path.pop() else {
                return KeyOutcome::NotLinearizable;
            };
            if !frame.eager {
                node = path.list.next[path.list.call_node[frame.op]];
                break;
            }
        }
    }
}

/// Shrinks a non-linearizable set of operations on one key to one from which no single
/// operation can be removed, and says whether it got there before the budget ran out.
///
/// Removing the only write of a value would leave the operations that observed it with
/// a "value never written" violation that exists only in the shrunken set and would hide
/// the real one. So every removal takes those observers along (see `without`), and a
/// single operation counts as removable only if the rest stays non-linearizable then.
fn shrink(mut ops: Vec<Op>, budget: &mut Budget) -> (Vec<Op>, bool) {
    ops.sort_by_key(|op| (op.call, op.id));
    let writable: BTreeSet<Value> = ops.iter().filter_map(|op| op.effect.written()).collect();
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
        let written: BTreeSet<Value> = kept.iter().filter_map(|op| op.effect.written()).collect();
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
    order.sort_by_key(|&i| (points[i], i));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: u64, op: KvOp, call: Micros, ret: Micros, outcome: Outcome) -> ClientRecord {
        ClientRecord {
            id: RequestId(id),
            node: NodeId(0),
            op,
            invoked_at: call,
            completed_at: Some(ret),
            outcome,
        }
    }

    fn done(result: KvResult) -> Outcome {
        Outcome::Done { result }
    }

    fn put(id: u64, key: Key, value: Value, call: Micros, ret: Micros) -> ClientRecord {
        record(
            id,
            KvOp::Put { key, value },
            call,
            ret,
            done(KvResult::Written),
        )
    }

    fn get(id: u64, key: Key, value: Option<Value>, call: Micros, ret: Micros) -> ClientRecord {
        let outcome = done(KvResult::Value { value });
        record(id, KvOp::Get { key }, call, ret, outcome)
    }

    fn cas(
        id: u64,
        key: Key,
        expect: Option<Value>,
        new: Value,
        window: (Micros, Micros),
        result: KvResult,
    ) -> ClientRecord {
        let op = KvOp::Cas { key, expect, new };
        record(id, op, window.0, window.1, done(result))
    }

    fn timed_out(mut r: ClientRecord) -> ClientRecord {
        r.outcome = Outcome::TimedOut;
        r
    }

    fn unavailable(mut r: ClientRecord) -> ClientRecord {
        r.outcome = done(KvResult::Unavailable);
        r
    }

    fn ids(list: &[u64]) -> Vec<RequestId> {
        list.iter().map(|&i| RequestId(i)).collect()
    }

    fn assert_linearizable(history: &[ClientRecord]) {
        let report = check(history);
        assert_eq!(report.verdict, Verdict::Linearizable, "{report:?}");
        assert!(report.witness.is_empty());
        assert_eq!(report.witness_key, None);
    }

    fn assert_witness(history: &[ClientRecord], key: Key, witness: &[u64]) {
        let report = check(history);
        assert_eq!(report.verdict, Verdict::NotLinearizable, "{report:?}");
        assert_eq!(report.witness_key, Some(key));
        assert!(report.witness_minimal);
        assert_eq!(report.witness, ids(witness));
    }

    #[test]
    fn empty_history_is_linearizable() {
        let report = check(&[]);
        assert_eq!(report.verdict, Verdict::Linearizable);
        assert_eq!((report.ops, report.keys), (0, 0));
    }

    #[test]
    fn sequential_history_is_linearizable() {
        let history = [
            get(0, 1, None, 0, 5),
            put(1, 1, 10, 10, 20),
            get(2, 1, Some(10), 30, 40),
            cas(3, 1, Some(10), 11, (50, 60), KvResult::Written),
            cas(
                4,
                1,
                Some(10),
                12,
                (70, 80),
                KvResult::CasFailed { current: Some(11) },
            ),
            get(5, 1, Some(11), 90, 100),
        ];
        assert_linearizable(&history);
        assert_eq!(check(&history).ops, 6);
    }

    #[test]
    fn stale_read_after_completed_write_is_caught() {
        let history = [
            get(0, 1, None, 0, 5),
            put(1, 1, 10, 10, 20),
            get(2, 1, None, 30, 40),
            put(3, 1, 20, 50, 60),
        ];
        assert_witness(&history, 1, &[1, 2]);
    }

    #[test]
    fn concurrent_write_and_read_may_go_either_way() {
        for seen in [None, Some(10)] {
            assert_linearizable(&[put(0, 1, 10, 0, 10), get(1, 1, seen, 5, 15)]);
        }
        // Completion and invocation in the same microsecond count as concurrent.
        assert_linearizable(&[put(0, 1, 10, 0, 10), get(1, 1, None, 10, 15)]);
        assert_witness(&[put(0, 1, 10, 0, 10), get(1, 1, None, 11, 15)], 1, &[0, 1]);
    }

    #[test]
    fn unknown_write_explains_a_later_read() {
        let history = [
            timed_out(put(0, 1, 10, 0, 100)),
            get(1, 1, Some(10), 200, 210),
        ];
        assert_linearizable(&history);
        // Pending is as unknown as timed out.
        let mut pending = history.clone();
        pending[0].outcome = Outcome::Pending;
        pending[0].completed_at = None;
        assert_linearizable(&pending);
    }

    #[test]
    fn unknown_write_may_not_have_happened() {
        assert_linearizable(&[timed_out(put(0, 1, 10, 0, 100)), get(1, 1, None, 200, 210)]);
    }

    #[test]
    fn unknown_write_cannot_be_undone() {
        // Once the timed-out write is seen it stays, so a later empty read is stale.
        let history = [
            timed_out(put(0, 1, 10, 0, 100)),
            get(1, 1, Some(10), 200, 210),
            get(2, 1, None, 300, 310),
        ];
        assert_witness(&history, 1, &[0, 1, 2]);
    }

    #[test]
    fn unknown_reads_are_dropped() {
        let stale = timed_out(get(1, 1, Some(99), 30, 40));
        let report = check(&[put(0, 1, 10, 0, 10), stale]);
        assert_eq!(report.verdict, Verdict::Linearizable);
        assert_eq!(report.ops, 1);
    }

    #[test]
    fn value_never_written_is_caught() {
        let history = [put(0, 1, 10, 0, 10), get(1, 1, Some(7), 20, 30)];
        assert_witness(&history, 1, &[1]);
    }

    #[test]
    fn compare_and_set_results_must_match_the_register() {
        let write = put(0, 1, 10, 0, 10);
        // Succeeds on the right value, fails reporting the right value.
        assert_linearizable(&[
            write.clone(),
            cas(1, 1, Some(10), 11, (20, 30), KvResult::Written),
            get(2, 1, Some(11), 40, 50),
        ]);
        assert_linearizable(&[
            write.clone(),
            cas(
                1,
                1,
                Some(3),
                11,
                (20, 30),
                KvResult::CasFailed { current: Some(10) },
            ),
            get(2, 1, Some(10), 40, 50),
        ]);
        // Succeeds although the register held something else.
        assert_witness(
            &[
                write.clone(),
                cas(1, 1, None, 11, (20, 30), KvResult::Written),
            ],
            1,
            &[0, 1],
        );
        // Fails although the register held the expected value.
        let wrong_failure = KvResult::CasFailed { current: Some(10) };
        assert_witness(
            &[
                write.clone(),
                cas(1, 1, Some(10), 11, (20, 30), wrong_failure),
            ],
            1,
            &[1],
        );
        // Fails reporting a value the register did not hold.
        let wrong_current = KvResult::CasFailed { current: None };
        assert_witness(
            &[write, cas(1, 1, Some(3), 11, (20, 30), wrong_current)],
            1,
            &[0, 1],
        );
    }

    #[test]
    fn concurrent_compare_and_sets_cannot_both_win() {
        let both = [
            cas(0, 1, None, 1, (0, 20), KvResult::Written),
            cas(1, 1, None, 2, (5, 25), KvResult::Written),
        ];
        assert_witness(&both, 1, &[0, 1]);
        let one = [
            cas(0, 1, None, 1, (0, 20), KvResult::Written),
            cas(
                1,
                1,
                None,
                2,
                (5, 25),
                KvResult::CasFailed { current: Some(1) },
            ),
        ];
        assert_linearizable(&one);
    }

    #[test]
    fn unknown_compare_and_set_may_take_effect_or_not() {
        let unknown = timed_out(cas(1, 1, Some(10), 11, (20, 30), KvResult::Written));
        for seen in [10, 11] {
            assert_linearizable(&[
                put(0, 1, 10, 0, 10),
                unknown.clone(),
                get(2, 1, Some(seen), 100, 110),
            ]);
        }
        // It can only take effect if the register held the expected value, and nothing
        // else wrote 11.
        assert_witness(
            &[put(0, 1, 12, 0, 10), unknown, get(2, 1, Some(11), 100, 110)],
            1,
            &[1, 2],
        );
    }

    #[test]
    fn unavailable_operations_are_ignored() {
        let failed_put = unavailable(put(0, 1, 9, 0, 10));
        assert_linearizable(&[failed_put.clone(), get(1, 1, None, 20, 30)]);
        // The put definitely did not happen, so nobody can read its value.
        assert_witness(&[failed_put, get(1, 1, Some(9), 20, 30)], 1, &[1]);
        let report = check(&[unavailable(get(0, 1, Some(5), 0, 10))]);
        assert_eq!((report.verdict, report.ops), (Verdict::Linearizable, 0));
    }

    #[test]
    fn witness_stays_on_the_bad_key() {
        let history = [
            put(0, 1, 10, 0, 10),
            put(1, 2, 20, 0, 10),
            get(2, 1, Some(10), 20, 30),
            get(3, 2, None, 20, 30),
            put(4, 3, 30, 25, 35),
            get(5, 3, Some(30), 40, 50),
            get(6, 2, Some(20), 40, 50),
        ];
        let report = check(&history);
        assert_eq!(report.keys, 3);
        assert_witness(&history, 2, &[1, 3]);
    }

    #[test]
    fn malformed_records_do_not_panic() {
        // A read answered as if it were a write cannot be linearized.
        let nonsense = record(0, KvOp::Get { key: 1 }, 0, 10, done(KvResult::Written));
        assert_witness(&[nonsense], 1, &[0]);
        let put_failed = record(
            0,
            KvOp::Put { key: 1, value: 3 },
            0,
            10,
            done(KvResult::CasFailed { current: None }),
        );
        assert_witness(&[put_failed], 1, &[0]);
        // Completion before invocation, and a done record with no completion time.
        let backwards = get(0, 1, Some(4), 50, 10);
        let mut open = put(1, 1, 4, 20, 0);
        open.completed_at = None;
        assert_linearizable(&[backwards, open.clone(), get(2, 1, Some(4), 30, 40)]);
        assert_linearizable(&[open, get(2, 1, None, 1_000, 1_010)]);
        // Repeated ids and extreme times are taken as they come.
        let extreme = [
            put(7, 1, 1, Micros::MAX - 1, Micros::MAX),
            get(7, 1, Some(1), Micros::MAX, Micros::MAX),
        ];
        assert_linearizable(&extreme);
    }

    #[test]
    fn budget_exhaustion_is_inconclusive() {
        let history: Vec<ClientRecord> = (0..6)
            .map(|i| put(i, 1, i + 1, 0, 100))
            .chain([get(6, 1, Some(99), 200, 300)])
            .collect();
        let report = check_with_budget(&history, 3);
        assert_eq!(report.verdict, Verdict::Inconclusive);
        assert_eq!(report.inconclusive_keys, vec![1]);
        // A bad key elsewhere still makes the verdict definite.
        let mut with_bad = history.clone();
        with_bad.push(get(7, 2, Some(5), 0, 1));
        let report = check_with_budget(&with_bad, 3);
        assert_eq!(report.verdict, Verdict::NotLinearizable);
        assert_eq!(report.witness, ids(&[7]));
        assert_eq!(check(&history).verdict, Verdict::NotLinearizable);
    }

    #[test]
    fn memory_bound_is_inconclusive() {
        let history = synthetic_history(3, 300, 5, 1);
        let ops: Vec<Op> = history.iter().filter_map(Op::from_record).collect();
        let mut roomy = Budget::new(u64::MAX);
        assert_eq!(check_key(&ops, &mut roomy), KeyOutcome::Linearizable);
        let mut tight = Budget::new(u64::MAX);
        tight.memo_bytes = 1_000;
        assert_eq!(check_key(&ops, &mut tight), KeyOutcome::OutOfBudget);
    }

    #[test]
    fn memo_tells_sets_apart_by_their_mixed_stretch() {
        let sets: [[u64; 3]; 6] = [
            [0, 0, 0],
            [u64::MAX, 0, 0],
            [u64::MAX, u64::MAX, 0],
            [u64::MAX, u64::MAX, u64::MAX],
            [u64::MAX, 5, 0],
            [5, u64::MAX, 1],
        ];
        let mut memo = Memo::new();
        for bits in &sets {
            // One shared hash puts every entry in the same chain.
            assert!(memo.insert(7, bits, None));
            assert!(memo.insert(7, bits, Some(1)));
        }
        for bits in &sets {
            assert!(!memo.insert(7, bits, None));
            assert!(!memo.insert(7, bits, Some(1)));
        }
    }

    #[test]
    fn report_serialises() {
        let report = check(&[get(3, 1, Some(7), 0, 1)]);
        let json = serde_json::to_value(&report).expect("report serialises");
        assert_eq!(json["verdict"], "not_linearizable");
        assert_eq!(json["witness"], serde_json::json!([3]));
        assert_eq!(json["witness_key"], 1);
    }

    #[test]
    fn synthetic_histories_are_linearizable() {
        for seed in 0..5 {
            let history = synthetic_history(seed, 400, 5, 3);
            assert_eq!(history.len(), 400);
            assert_linearizable(&history);
        }
    }

    /// Makes the last read on `key` that saw something else return the value of the first
    /// put on `key`, and returns that read's id.
    fn plant_stale_read(history: &mut [ClientRecord], key: Key) -> RequestId {
        let read_value = |r: &ClientRecord| match &r.outcome {
            Outcome::Done {
                result: KvResult::Value { value },
            } => Some(*value),
            _ => None,
        };
        let early = history
            .iter()
            .find_map(|r| match (&r.op, &r.outcome) {
                (
                    KvOp::Put { key: k, value },
                    Outcome::Done {
                        result: KvResult::Written,
                    },
                ) if *k == key => Some(*value),
                _ => None,
            })
            .expect("a put on the key");
        let late = history
            .iter_mut()
            .rev()
            .find(|r| r.op == KvOp::Get { key } && read_value(r).is_some_and(|v| v != Some(early)))
            .expect("a later read on the key");
        late.outcome = done(KvResult::Value { value: Some(early) });
        late.id
    }

    #[test]
    fn stale_read_in_a_long_history_gives_a_small_witness() {
        let mut history = synthetic_history(7, 400, 5, 2);
        let stale = plant_stale_read(&mut history, 0);
        let report = check(&history);
        assert_eq!(report.verdict, Verdict::NotLinearizable);
        assert_eq!(report.witness_key, Some(0));
        assert!(report.witness.contains(&stale), "{report:?}");
        assert!(report.witness.len() <= 4, "{report:?}");
        assert!(report.witness_minimal);
        let witness: Vec<ClientRecord> = history
            .iter()
            .filter(|r| report.witness.contains(&r.id))
            .cloned()
            .collect();
        assert_eq!(check(&witness).verdict, Verdict::NotLinearizable);
    }

    /// The register after `r` takes effect in `state`, straight from the model; `None` if it
    /// cannot. An unknown compare-and-set may succeed or fail, and failing leaves the state.
    fn brute_apply(r: &ClientRecord, state: Option<Value>) -> Option<Option<Value>> {
        let unknown = matches!(r.outcome, Outcome::TimedOut | Outcome::Pending);
        let result = match &r.outcome {
            Outcome::Done { result } => Some(result),
            _ => None,
        };
        match (&r.op, result) {
            (KvOp::Put { value, .. }, Some(KvResult::Written)) => Some(Some(*value)),
            (KvOp::Put { value, .. }, None) if unknown => Some(Some(*value)),
            (KvOp::Get { .. }, Some(KvResult::Value { value })) => {
                (state == *value).then_some(state)
            }
            (KvOp::Cas { expect, new, .. }, Some(KvResult::Written)) => {
                (state == *expect).then_some(Some(*new))
            }
            (KvOp::Cas { expect, .. }, Some(KvResult::CasFailed { current })) => {
                (state == *current && state != *expect).then_some(state)
            }
            (KvOp::Cas { expect, new, .. }, None) if unknown => {
                Some(if state == *expect { Some(*new) } else { state })
            }
            _ => None,
        }
    }

    /// Tries every order of `left` that respects real time, applying the model.
    fn brute_orders(
        ops: &[(&ClientRecord, Micros, Micros)],
        left: &mut Vec<usize>,
        state: Option<Value>,
    ) -> bool {
        if left.is_empty() {
            return true;
        }
        for k in 0..left.len() {
            let x = left[k];
            if left.iter().any(|&y| ops[y].2 < ops[x].1) {
                continue; // some remaining operation completed before x was invoked
            }
            let Some(after) = brute_apply(ops[x].0, state) else {
                continue;
            };
            left.remove(k);
            let found = brute_orders(ops, left, after);
            left.insert(k, x);
            if found {
                return true;
            }
        }
        false
    }

    /// Linearizability of a single-key history by exhaustion: every subset of the unknown
    /// writes, every order of each.
    fn brute_force(history: &[ClientRecord]) -> bool {
        let mut ops = Vec::new();
        let mut optional = Vec::new();
        for r in history {
            let unknown = matches!(r.outcome, Outcome::TimedOut | Outcome::Pending);
            let ret = match &r.outcome {
                Outcome::Done {
                    result: KvResult::Unavailable,
                } => continue,
                Outcome::Done { .. } => r.completed_at.unwrap_or(Micros::MAX),
                _ if r.op.is_read_only() => continue,
                _ => Micros::MAX,
            };
            if unknown {
                optional.push(ops.len());
            }
            ops.push((r, r.invoked_at, ret.max(r.invoked_at)));
        }
        let required: Vec<usize> = (0..ops.len()).filter(|i| !optional.contains(i)).collect();
        (0..1u32 << optional.len()).any(|mask| {
            let mut left = required.clone();
            for (b, &i) in optional.iter().enumerate() {
                if mask & (1 << b) != 0 {
                    left.push(i);
                }
            }
            brute_orders(&ops, &mut left, None)
        })
    }

    /// A random single-key history of at most 7 operations from 2 or 3 clients, with
    /// values from a tiny domain so that reads and compare-and-sets often collide. Results
    /// come from a random execution, and in half the cases one result is then replaced at
    /// random, so both verdicts occur.
    fn random_history(rng: &mut SimRng) -> Vec<ClientRecord> {
        let clients = rng.range(2, 3) as usize;
        let n = rng.range(1, 7) as usize;
        let mut free_at = vec![0; clients];
        let mut records = Vec::new();
        // When each operation takes effect (if it does), and whether its client hears back.
        let mut points = Vec::new();
        let mut answered = Vec::new();
        let maybe_value = |rng: &mut SimRng| match rng.below(4) {
            0 => None,
            v => Some(v),
        };
        for i in 0..n {
            let c = rng.below(clients as u64) as usize;
            let call = free_at[c] + rng.below(4);
            let ret = call + rng.below(5);
            free_at[c] = ret + rng.below(2);
            let op = match rng.below(3) {
                0 => KvOp::Get { key: 0 },
                1 => KvOp::Put {
                    key: 0,
                    value: rng.range(1, 3),
                },
                _ => KvOp::Cas {
                    key: 0,
                    expect: maybe_value(rng),
                    new: rng.range(1, 3),
                },
            };
            let (outcome, completed_at, point) = match rng.below(10) {
                0 => (done(KvResult::Unavailable), Some(ret), None),
                1 => (Outcome::TimedOut, Some(ret), None),
                2 => (Outcome::TimedOut, Some(ret), Some(call + rng.below(12))),
                3 => (Outcome::Pending, None, Some(call + rng.below(12))),
                // Filled in once the execution is known.
                _ => (Outcome::Pending, Some(ret), Some(rng.range(call, ret))),
            };
            answered.push(outcome == Outcome::Pending && completed_at.is_some());
            points.push(point);
            records.push(ClientRecord {
                id: RequestId(i as u64),
                node: NodeId(c as u32),
                op,
                invoked_at: call,
                completed_at,
                outcome,
            });
        }
        let mut order: Vec<usize> = (0..n).filter(|&i| points[i].is_some()).collect();
        order.sort_by_key(|&i| (points[i], i));
        let mut state: Option<Value> = None;
        for i in order {
            let result = match records[i].op {
                KvOp::Get { .. } => KvResult::Value { value: state },
                KvOp::Put { value, .. } => {
                    state = Some(value);
                    KvResult::Written
                }
                KvOp::Cas { expect, new, .. } => {
                    if state == expect {
                        state = Some(new);
                        KvResult::Written
                    } else {
                        KvResult::CasFailed { current: state }
                    }
                }
            };
            if answered[i] {
                records[i].outcome = done(result);
            }
        }
        let answered: Vec<usize> = (0..n).filter(|&i| answered[i]).collect();
        if rng.below(2) == 0 && !answered.is_empty() {
            let i = *rng.pick(&answered);
            let result = match rng.below(4) {
                0 => KvResult::Written,
                1 => KvResult::CasFailed {
                    current: maybe_value(rng),
                },
                _ => KvResult::Value {
                    value: maybe_value(rng),
                },
            };
            records[i].outcome = done(result);
        }
        records
    }

    /// Whether every value `subset` observes, if something in `full` writes it, is also
    /// written in `subset`.
    fn keeps_writers(full: &[ClientRecord], subset: &[ClientRecord]) -> bool {
        let written = |records: &[ClientRecord]| -> BTreeSet<Value> {
            records
                .iter()
                .filter_map(Op::from_record)
                .filter_map(|op| op.effect.written())
                .collect()
        };
        let (all, kept) = (written(full), written(subset));
        subset
            .iter()
            .filter_map(Op::from_record)
            .filter_map(|op| op.effect.observes())
            .all(|v| !all.contains(&v) || kept.contains(&v))
    }

    #[test]
    fn agrees_with_brute_force_on_random_small_histories() {
        let mut rng = SimRng::new(0x11ea_5eed);
        let (mut good, mut bad, mut with_unknown) = (0, 0, 0);
        for case in 0..4_000 {
            let history = random_history(&mut rng);
            let expected = brute_force(&history);
            let report = check(&history);
            assert_eq!(
                report.is_linearizable(),
                expected,
                "case {case}: {history:#?}\n{report:?}"
            );
            if history
                .iter()
                .any(|r| matches!(r.outcome, Outcome::TimedOut | Outcome::Pending))
            {
                with_unknown += 1;
            }
            if expected {
                good += 1;
                continue;
            }
            bad += 1;
            assert!(report.witness_minimal, "case {case}");
            // The witness is itself not linearizable, and removing any one of its
            // operations makes it linearizable unless that drops the only write of a value
            // the rest observes.
            let witness: Vec<ClientRecord> = history
                .iter()
                .filter(|r| report.witness.contains(&r.id))
                .cloned()
                .collect();
            assert!(!brute_force(&witness), "case {case}: witness {witness:#?}");
            for skip in 0..witness.len() {
                let mut smaller = witness.clone();
                smaller.remove(skip);
                assert!(
                    brute_force(&smaller) || !keeps_writers(&history, &smaller),
                    "case {case}: witness {witness:#?} not minimal"
                );
            }
        }
        assert!(good > 500 && bad > 500, "good {good}, bad {bad}");
        assert!(
            with_unknown > 500,
            "only {with_unknown} cases with unknown outcomes"
        );
    }
}
