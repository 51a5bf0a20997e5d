//! A vector that is cheap to copy: its elements live in sealed chunks shared between
//! copies (behind `Rc`) and one open chunk, [`CHUNK`] elements each unless chosen otherwise. Cloning costs
//! the open chunk and one reference per sealed chunk, not the whole vector, which is what a
//! viewer's snapshots of a world with long logs need (see [`crate::rewind`]).
//!
//! Appending, reading and truncating behave as on a `Vec`; truncating into a sealed chunk
//! copies that chunk's kept part into a new open chunk. It serializes exactly as a `Vec`.
//! The oldest chunks can be forgotten (a viewer's bounded trace, see [`crate::trace`]).

use serde::ser::{Serialize, SerializeSeq, Serializer};
use std::rc::Rc;

/// Elements per sealed chunk, unless a user chooses another size.
pub const CHUNK: usize = 1024;

/// The vector; `N` elements to a chunk. Positions count from the first element ever
/// pushed, also after the oldest chunks were forgotten ([`Chunked::forget_before`]).
#[derive(Clone, Debug)]
pub struct Chunked<T, const N: usize = CHUNK> {
    /// Sealed chunks dropped from the front.
    forgotten: usize,
    sealed: Vec<Rc<[T]>>,
    open: Vec<T>,
}

impl<T, const N: usize> Default for Chunked<T, N> {
    fn default() -> Self {
        Chunked {
            forgotten: 0,
            sealed: Vec::new(),
            open: Vec::new(),
        }
    }
}

impl<T, const N: usize> Chunked<T, N> {
    pub fn new() -> Self {
        Self::default()
    }

    /// One past the last position.
    pub fn len(&self) -> usize {
        (self.forgotten + self.sealed.len()) * N + self.open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        let chunk = (i / N).checked_sub(self.forgotten)?;
        match self.sealed.get(chunk) {
            Some(c) => c.get(i % N),
            None if chunk == self.sealed.len() => self.open.get(i % N),
            None => None,
        }
    }

    pub fn last(&self) -> Option<&T> {
        self.open
            .last()
            .or_else(|| self.sealed.last().and_then(|c| c.last()))
    }

    pub fn push(&mut self, value: T) {
        self.open.push(value);
        if self.open.len() == N {
            let full = std::mem::take(&mut self.open);
            self.sealed.push(full.into());
        }
    }

    pub fn extend(&mut self, values: impl IntoIterator<Item = T>) {
        for v in values {
            self.push(v);
        }
    }

    /// The position of the oldest element kept (0 unless chunks were forgotten).
    pub fn first_kept(&self) -> usize {
        self.forgotten * N
    }

    /// Forgets the elements before position `i`, a whole sealed chunk at a time (so up to
    /// `N - 1` older ones may stay); positions and length are unchanged.
    pub fn forget_before(&mut self, i: usize) {
        let drop = (i / N)
            .saturating_sub(self.forgotten)
            .min(self.sealed.len());
        if drop > 0 {
            self.sealed.drain(..drop);
            self.forgotten += drop;
        }
    }

    /// The kept chunks in order, the open one last.
    pub fn chunks(&self) -> impl DoubleEndedIterator<Item = &[T]> + '_ {
        self.sealed
            .iter()
            .map(|c| &c[..])
            .chain(std::iter::once(&self.open[..]))
    }

    /// The elements from position `from` on (from the first kept one, if `from` was
    /// forgotten), in order.
    pub fn iter_from(&self, from: usize) -> impl Iterator<Item = &T> + '_ {
        let from = from.max(self.first_kept());
        let first = from / N - self.forgotten;
        self.chunks()
            .enumerate()
            .skip(first)
            .flat_map(move |(c, chunk)| {
                let skip = if c == first { from % N } else { 0 };
                chunk.iter().skip(skip)
            })
    }

    /// The kept elements in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.chunks().flat_map(|c| c.iter())
    }

    /// As `slice::partition_point` over the kept elements (for which `pred` must hold
    /// first), as a position.
    pub fn partition_point(&self, pred: impl Fn(&T) -> bool) -> usize {
        // The sealed chunks whose last element passes are passed whole.
        let whole = self.sealed.partition_point(|c| c.last().is_some_and(&pred));
        let chunk: &[T] = self.sealed.get(whole).map_or(&self.open[..], |c| &c[..]);
        (self.forgotten + whole) * N + chunk.partition_point(&pred)
    }
}

impl<T: Clone, const N: usize> Chunked<T, N> {
    /// Keeps the elements before position `len` (which must not have been forgotten).
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len() {
            return;
        }
        let whole = (len / N).saturating_sub(self.forgotten);
        if whole < self.sealed.len() {
            self.open = self.sealed[whole][..len % N].to_vec();
            self.sealed.truncate(whole);
        } else {
            self.open.truncate(len - (self.forgotten + whole) * N);
        }
    }

    pub fn to_vec(&self) -> Vec<T> {
        self.iter().cloned().collect()
    }
}

impl<T: Clone, const N: usize> From<Vec<T>> for Chunked<T, N> {
    fn from(values: Vec<T>) -> Self {
        let mut c = Chunked::new();
        c.extend(values);
        c
    }
}

impl<T: PartialEq, const N: usize> PartialEq for Chunked<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: Eq, const N: usize> Eq for Chunked<T, N> {}

/// The same bytes as a `Vec` of the kept elements.
impl<T: Serialize, const N: usize> Serialize for Chunked<T, N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let kept = self.len() - self.first_kept();
        let mut seq = serializer.serialize_seq(Some(kept))?;
        for v in self.iter() {
            seq.serialize_element(v)?;
        }
        seq.end()
    }
}

// proptest is a native-only dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Push(u32),
        Truncate(usize),
        Clone,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            8 => any::<u32>().prop_map(Op::Push),
            1 => (0..4000usize).prop_map(Op::Truncate),
            1 => Just(Op::Clone),
        ]
    }

    proptest! {
        /// Whatever is done to it, it reads as the `Vec` it models, and a copy taken on the
        /// way is not changed by what is done to the original afterwards.
        #[test]
        fn behaves_as_a_vec(ops in proptest::collection::vec(op(), 0..6000)) {
            let mut c: Chunked<u32> = Chunked::new();
            let mut v: Vec<u32> = Vec::new();
            let mut copies: Vec<(Chunked<u32>, Vec<u32>)> = Vec::new();
            for op in ops {
                match op {
                    Op::Push(x) => { c.push(x); v.push(x); }
                    Op::Truncate(n) => { c.truncate(n); v.truncate(n); }
                    Op::Clone => copies.push((c.clone(), v.clone())),
                }
            }
            prop_assert_eq!(c.len(), v.len());
            prop_assert_eq!(c.to_vec(), v.clone());
            prop_assert_eq!(c.last(), v.last());
            for i in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, v.len().saturating_sub(1), v.len()] {
                prop_assert_eq!(c.get(i), v.get(i));
                prop_assert_eq!(c.iter_from(i).copied().collect::<Vec<_>>(), v.get(i..).unwrap_or(&[]).to_vec());
            }
            for (copy, model) in copies {
                prop_assert_eq!(copy.to_vec(), model);
            }
        }

        #[test]
        fn partition_point_matches(n in 0..5000usize, cut in 0..5000u32) {
            let v: Vec<u32> = (0..n as u32).collect();
            let c: Chunked<u32> = Chunked::from(v.clone());
            prop_assert_eq!(c.partition_point(|&x| x < cut), v.partition_point(|&x| x < cut));
        }
    }

    #[test]
    fn serializes_as_a_vec() {
        use crate::trace::StableHasher;
        let v: Vec<u64> = (0..3000).collect();
        let c: Chunked<u64> = Chunked::from(v.clone());
        let (mut a, mut b) = (StableHasher::default(), StableHasher::default());
        a.write_value(&c);
        b.write_value(&v);
        assert_eq!(a.finish(), b.finish());
        let mut d = StableHasher::default();
        d.write_value(&Chunked::<u64>::from((0..2999u64).collect::<Vec<_>>()));
        assert_ne!(d.finish(), b.finish());
    }
}
