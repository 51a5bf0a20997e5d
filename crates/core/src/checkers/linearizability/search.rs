//! The search for a linearization of one key's operations: a depth-first walk over the
//! order of calls and returns, with memoisation of (operations linearized, register
//! state), as the module above describes.

use super::{Op, MEMO_BYTE_LIMIT};
use crate::client::Value;
use crate::rng::SimRng;
use crate::time::Micros;
use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum KeyOutcome {
    Linearizable,
    NotLinearizable,
    OutOfBudget,
}

pub(super) struct Budget {
    pub(super) limit: u64,
    pub(super) spent: u64,
    pub(super) memo_bytes: usize,
}

impl Budget {
    pub(super) fn new(limit: u64) -> Self {
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
pub(super) fn check_key(ops: &[Op], budget: &mut Budget) -> KeyOutcome {
    let mut ops = ops.to_vec();
    drop_unobserved_unknown_writes(&mut ops);
    // Numbering operations in invocation order keeps the search cache compact (see `Memo`).
    crate::sort::by_key(&mut ops, |op| op.call);
    search(&ops, budget)
}

/// Removes unknown writes whose value no remaining operation could observe (see the module
/// documentation for why this keeps the verdict). Dropping an unknown compare-and-set can
/// leave the value it expected unobserved, hence the loop.
fn drop_unobserved_unknown_writes(ops: &mut Vec<Op>) {
    // A refused compare-and-set is satisfied by any value but the one it expected, so a
    // write nobody reads can still decide the verdict: then nothing is dropped.
    if ops.iter().any(|op| op.effect.refuses()) {
        return;
    }
    loop {
        let observed: BTreeSet<Value> =
            crate::sort::set(ops.iter().filter_map(|op| op.effect.observes()));
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
        crate::sort::natural(&mut events);
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

#[cfg(test)]
mod tests {
    use super::Memo;

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
}
