//! A vector that is cheap to copy: its elements live in sealed chunks shared between
//! copies (behind `Rc`) and one open chunk of at most [`CHUNK`] elements. Cloning costs
//! the open chunk and one reference per sealed chunk, not the whole vector, which is what a
//! viewer's snapshots of a world with long logs need (see [`crate::rewind`]).
//!
//! Appending, reading and truncating behave as on a `Vec`; truncating into a sealed chunk
//! copies that chunk's kept part into a new open chunk. It serializes exactly as a `Vec`.

use serde::ser::{Serialize, SerializeSeq, Serializer};
use std::rc::Rc;

/// Elements per sealed chunk.
pub const CHUNK: usize = 1024;

#[derive(Clone, Debug)]
pub struct Chunked<T> {
    sealed: Vec<Rc<[T]>>,
    open: Vec<T>,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            sealed: Vec::new(),
            open: Vec::new(),
        }
    }
}

impl<T: Clone> Chunked<T> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.sealed.len() * CHUNK + self.open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        match self.sealed.get(i / CHUNK) {
            Some(chunk) => chunk.get(i % CHUNK),
            None => self.open.get(i.checked_sub(self.sealed.len() * CHUNK)?),
        }
    }

    pub fn last(&self) -> Option<&T> {
        self.open
            .last()
            .or_else(|| self.sealed.last().and_then(|c| c.last()))
    }

    pub fn push(&mut self, value: T) {
        self.open.push(value);
        if self.open.len() == CHUNK {
            let full = std::mem::take(&mut self.open);
            self.sealed.push(full.into());
        }
    }

    pub fn extend(&mut self, values: impl IntoIterator<Item = T>) {
        for v in values {
            self.push(v);
        }
    }

    /// Keeps the first `len` elements.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len() {
            return;
        }
        let whole = len / CHUNK;
        if whole < self.sealed.len() {
            self.open = self.sealed[whole][..len % CHUNK].to_vec();
            self.sealed.truncate(whole);
        } else {
            self.open.truncate(len - whole * CHUNK);
        }
    }

    /// The elements from `from` on, in order.
    pub fn iter_from(&self, from: usize) -> impl Iterator<Item = &T> + '_ {
        let first = from / CHUNK;
        self.sealed
            .iter()
            .map(|c| &c[..])
            .chain(std::iter::once(&self.open[..]))
            .enumerate()
            .skip(first)
            .flat_map(move |(c, chunk)| {
                let skip = if c == first { from % CHUNK } else { 0 };
                chunk.iter().skip(skip)
            })
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.iter_from(0)
    }

    pub fn to_vec(&self) -> Vec<T> {
        self.iter().cloned().collect()
    }

    /// As `slice::partition_point`: the elements for which `pred` holds must come first.
    pub fn partition_point(&self, pred: impl Fn(&T) -> bool) -> usize {
        // The sealed chunks whose last element passes are passed whole.
        let whole = self.sealed.partition_point(|c| c.last().is_some_and(&pred));
        let chunk: &[T] = self.sealed.get(whole).map_or(&self.open[..], |c| &c[..]);
        whole * CHUNK + chunk.partition_point(&pred)
    }
}

impl<T: Clone> From<Vec<T>> for Chunked<T> {
    fn from(values: Vec<T>) -> Self {
        let mut c = Chunked::new();
        c.extend(values);
        c
    }
}

impl<T: Clone + PartialEq> PartialEq for Chunked<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: Clone + Eq> Eq for Chunked<T> {}

/// The same bytes as a `Vec` of the same elements.
impl<T: Clone + Serialize> Serialize for Chunked<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
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
            let mut c = Chunked::new();
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
            let c = Chunked::from(v.clone());
            prop_assert_eq!(c.partition_point(|&x| x < cut), v.partition_point(|&x| x < cut));
        }
    }

    #[test]
    fn serializes_as_a_vec() {
        use crate::trace::StableHasher;
        let v: Vec<u64> = (0..3000).collect();
        let c = Chunked::from(v.clone());
        let (mut a, mut b) = (StableHasher::default(), StableHasher::default());
        a.write_value(&c);
        b.write_value(&v);
        assert_eq!(a.finish(), b.finish());
        let mut d = StableHasher::default();
        d.write_value(&Chunked::from((0..2999u64).collect::<Vec<_>>()));
        assert_ne!(d.finish(), b.finish());
    }
}
