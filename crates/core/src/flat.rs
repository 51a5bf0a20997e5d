//! Ordered maps and sets kept as sorted vectors, for protocol state.
//!
//! A protocol's maps are small (one entry per node, per request in flight, per slot in a
//! window) and their order matters (iteration decides what is sent first, so it is part of
//! a run). `BTreeMap` gives that order, but its code (insertion with node splits, removal
//! with merges, cloning of subtrees) is compiled again for every key and value type, about
//! 5 KB of WebAssembly each, and the protocols use forty of them. [`FlatMap`] and
//! [`FlatSet`] keep their entries in one sorted `Vec`: the same order, the same results, a
//! fraction of the code. Insertion and removal move the entries after the position, which
//! for the sizes protocols keep is as fast as a tree, or faster.
//!
//! They behave as `BTreeMap` and `BTreeSet` do in everything the protocols ask of them,
//! including their `Hash`, `Debug` and serde forms, so a run's trace and hash do not depend
//! on which of the two holds a node's state.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Bound, Index, RangeBounds};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An ordered map held as a vector sorted by key.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FlatMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for FlatMap<K, V> {
    fn default() -> Self {
        FlatMap {
            entries: Vec::new(),
        }
    }
}

impl<K, V> FlatMap<K, V> {
    pub const fn new() -> Self {
        FlatMap {
            entries: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = (&K, &mut V)> + ExactSizeIterator {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    pub fn into_keys(self) -> impl DoubleEndedIterator<Item = K> + ExactSizeIterator {
        self.entries.into_iter().map(|(k, _)| k)
    }

    pub fn into_values(self) -> impl DoubleEndedIterator<Item = V> + ExactSizeIterator {
        self.entries.into_iter().map(|(_, v)| v)
    }

    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        self.entries.first().map(|(k, v)| (k, v))
    }

    pub fn last_key_value(&self) -> Option<(&K, &V)> {
        self.entries.last().map(|(k, v)| (k, v))
    }

    pub fn pop_first(&mut self) -> Option<(K, V)> {
        if self.entries.is_empty() {
            None
        } else {
            Some(self.entries.remove(0))
        }
    }

    pub fn pop_last(&mut self) -> Option<(K, V)> {
        self.entries.pop()
    }

    /// Keeps the entries for which `keep` says yes, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }
}

impl<K: Ord, V> FlatMap<K, V> {
    /// Where `key` is, or where it would go.
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        // Protocols mostly add after the last key (the next slot, the next request), and a
        // long log's binary search misses the cache at every probe: look at the end first.
        let n = self.entries.len();
        match self.entries.last().map(|(last, _)| last.borrow().cmp(key)) {
            None | Some(Ordering::Less) => Err(n),
            Some(Ordering::Equal) => Ok(n - 1),
            Some(Ordering::Greater) => {
                self.entries[..n - 1].binary_search_by(|(k, _)| k.borrow().cmp(key))
            }
        }
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Puts `value` under `key`, returning what was there.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        match self.find(&key) {
            Ok(at) => Entry::Occupied(OccupiedEntry { map: self, at }),
            Err(at) => Entry::Vacant(VacantEntry { map: self, at, key }),
        }
    }

    /// The positions of the entries whose keys fall in `range`.
    fn span<Q: Ord + ?Sized>(&self, range: &impl RangeBounds<Q>) -> std::ops::Range<usize>
    where
        K: Borrow<Q>,
    {
        let start = match range.start_bound() {
            Bound::Included(s) => self.entries.partition_point(|(k, _)| k.borrow() < s),
            Bound::Excluded(s) => self.entries.partition_point(|(k, _)| k.borrow() <= s),
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(e) => self.entries.partition_point(|(k, _)| k.borrow() <= e),
            Bound::Excluded(e) => self.entries.partition_point(|(k, _)| k.borrow() < e),
            Bound::Unbounded => self.entries.len(),
        };
        start..end.max(start)
    }

    /// The entries whose keys fall in `range`, in order.
    pub fn range<Q: Ord + ?Sized>(
        &self,
        range: impl RangeBounds<Q>,
    ) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator
    where
        K: Borrow<Q>,
    {
        self.entries[self.span(&range)].iter().map(|(k, v)| (k, v))
    }

    pub fn range_mut<Q: Ord + ?Sized>(
        &mut self,
        range: impl RangeBounds<Q>,
    ) -> impl DoubleEndedIterator<Item = (&K, &mut V)> + ExactSizeIterator
    where
        K: Borrow<Q>,
    {
        let span = self.span(&range);
        self.entries[span].iter_mut().map(|(k, v)| (&*k, v))
    }

    /// Removes and returns the entries from `key` on (as `BTreeMap::split_off`).
    pub fn split_off<Q: Ord + ?Sized>(&mut self, key: &Q) -> Self
    where
        K: Borrow<Q>,
    {
        let at = self.entries.partition_point(|(k, _)| k.borrow() < key);
        FlatMap {
            entries: self.entries.split_off(at),
        }
    }
}

/// A place in a [`FlatMap`] that may or may not hold a value (as `btree_map::Entry`).
pub enum Entry<'a, K, V> {
    Occupied(OccupiedEntry<'a, K, V>),
    Vacant(VacantEntry<'a, K, V>),
}

pub struct OccupiedEntry<'a, K, V> {
    map: &'a mut FlatMap<K, V>,
    at: usize,
}

pub struct VacantEntry<'a, K, V> {
    map: &'a mut FlatMap<K, V>,
    at: usize,
    key: K,
}

impl<'a, K, V> OccupiedEntry<'a, K, V> {
    pub fn get(&self) -> &V {
        &self.map.entries[self.at].1
    }

    pub fn get_mut(&mut self) -> &mut V {
        &mut self.map.entries[self.at].1
    }

    pub fn into_mut(self) -> &'a mut V {
        &mut self.map.entries[self.at].1
    }

    pub fn insert(&mut self, value: V) -> V {
        std::mem::replace(self.get_mut(), value)
    }

    pub fn remove(self) -> V {
        self.map.entries.remove(self.at).1
    }
}

impl<'a, K, V> VacantEntry<'a, K, V> {
    pub fn insert(self, value: V) -> &'a mut V {
        self.map.entries.insert(self.at, (self.key, value));
        &mut self.map.entries[self.at].1
    }
}

impl<'a, K, V> Entry<'a, K, V> {
    pub fn or_insert(self, default: V) -> &'a mut V {
        self.or_insert_with(|| default)
    }

    pub fn or_insert_with(self, default: impl FnOnce() -> V) -> &'a mut V {
        match self {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => v.insert(default()),
        }
    }

    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }

    pub fn and_modify(mut self, change: impl FnOnce(&mut V)) -> Self {
        if let Entry::Occupied(o) = &mut self {
            change(o.get_mut());
        }
        self
    }
}

impl<K: Ord, V, Q: Ord + ?Sized> Index<&Q> for FlatMap<K, V>
where
    K: Borrow<Q>,
{
    type Output = V;

    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry for this key in the map")
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for FlatMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(items: I) -> Self {
        let mut map = FlatMap::new();
        map.extend(items);
        map
    }
}

impl<K: Ord, V> Extend<(K, V)> for FlatMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, items: I) {
        for (k, v) in items {
            self.insert(k, v);
        }
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for FlatMap<K, V> {
    fn from(items: [(K, V); N]) -> Self {
        items.into_iter().collect()
    }
}

impl<K, V> IntoIterator for FlatMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a FlatMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl<'a, K, V> IntoIterator for &'a mut FlatMap<K, V> {
    type Item = (&'a K, &'a mut V);
    type IntoIter =
        std::iter::Map<std::slice::IterMut<'a, (K, V)>, fn(&'a mut (K, V)) -> (&'a K, &'a mut V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }
}

/// Hashes as `BTreeMap` does: the length, then each key and value in order.
impl<K: Hash, V: Hash> Hash for FlatMap<K, V> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.entries.len());
        for (k, v) in &self.entries {
            k.hash(state);
            v.hash(state);
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for FlatMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Serialize, V: Serialize> Serialize for FlatMap<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de, K: Ord + Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for FlatMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<K, V>::deserialize(deserializer)?;
        Ok(map.into_iter().collect())
    }
}

/// An ordered set held as a sorted vector (see [`FlatMap`]).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FlatSet<T> {
    items: Vec<T>,
}

impl<T> Default for FlatSet<T> {
    fn default() -> Self {
        FlatSet { items: Vec::new() }
    }
}

impl<T> FlatSet<T> {
    pub const fn new() -> Self {
        FlatSet { items: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    pub fn first(&self) -> Option<&T> {
        self.items.first()
    }

    pub fn last(&self) -> Option<&T> {
        self.items.last()
    }

    pub fn pop_first(&mut self) -> Option<T> {
        if self.items.is_empty() {
            None
        } else {
            Some(self.items.remove(0))
        }
    }

    pub fn pop_last(&mut self) -> Option<T> {
        self.items.pop()
    }

    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.items.retain(keep);
    }
}

impl<T: Ord> FlatSet<T> {
    fn find<Q: Ord + ?Sized>(&self, item: &Q) -> Result<usize, usize>
    where
        T: Borrow<Q>,
    {
        let n = self.items.len();
        match self.items.last().map(|last| last.borrow().cmp(item)) {
            None | Some(Ordering::Less) => Err(n),
            Some(Ordering::Equal) => Ok(n - 1),
            Some(Ordering::Greater) => {
                self.items[..n - 1].binary_search_by(|x| x.borrow().cmp(item))
            }
        }
    }

    pub fn contains<Q: Ord + ?Sized>(&self, item: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.find(item).is_ok()
    }

    /// Adds `item`; false if it was there already.
    pub fn insert(&mut self, item: T) -> bool {
        match self.find(&item) {
            Ok(_) => false,
            Err(i) => {
                self.items.insert(i, item);
                true
            }
        }
    }

    /// Removes `item`; false if it was not there.
    pub fn remove<Q: Ord + ?Sized>(&mut self, item: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        match self.find(item) {
            Ok(i) => {
                self.items.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    /// The items that fall in `range`, in order.
    pub fn range<Q: Ord + ?Sized>(&self, range: impl RangeBounds<Q>) -> std::slice::Iter<'_, T>
    where
        T: Borrow<Q>,
    {
        let start = match range.start_bound() {
            Bound::Included(s) => self.items.partition_point(|x| x.borrow() < s),
            Bound::Excluded(s) => self.items.partition_point(|x| x.borrow() <= s),
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(e) => self.items.partition_point(|x| x.borrow() <= e),
            Bound::Excluded(e) => self.items.partition_point(|x| x.borrow() < e),
            Bound::Unbounded => self.items.len(),
        };
        self.items[start..end.max(start)].iter()
    }

    /// Removes and returns the items from `item` on (as `BTreeSet::split_off`).
    pub fn split_off<Q: Ord + ?Sized>(&mut self, item: &Q) -> Self
    where
        T: Borrow<Q>,
    {
        let at = self.items.partition_point(|x| x.borrow() < item);
        FlatSet {
            items: self.items.split_off(at),
        }
    }

    pub fn is_subset(&self, other: &FlatSet<T>) -> bool {
        self.items.iter().all(|x| other.contains(x))
    }

    /// The items in both sets, in order.
    pub fn intersection<'a>(&'a self, other: &'a FlatSet<T>) -> impl Iterator<Item = &'a T> {
        self.items.iter().filter(move |x| other.contains(*x))
    }

    /// The items in this set and not in `other`, in order.
    pub fn difference<'a>(&'a self, other: &'a FlatSet<T>) -> impl Iterator<Item = &'a T> {
        self.items.iter().filter(move |x| !other.contains(*x))
    }

    /// The items in either set, in order, each once.
    pub fn union<'a>(&'a self, other: &'a FlatSet<T>) -> impl Iterator<Item = &'a T> {
        let (mut a, mut b) = (self.items.iter().peekable(), other.items.iter().peekable());
        std::iter::from_fn(move || match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => match x.cmp(y) {
                Ordering::Less => a.next(),
                Ordering::Greater => b.next(),
                Ordering::Equal => {
                    b.next();
                    a.next()
                }
            },
            (Some(_), None) => a.next(),
            (None, _) => b.next(),
        })
    }
}

impl<T: Ord> FromIterator<T> for FlatSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut set = FlatSet::new();
        set.extend(items);
        set
    }
}

impl<T: Ord> Extend<T> for FlatSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for item in items {
            self.insert(item);
        }
    }
}

impl<T: Ord, const N: usize> From<[T; N]> for FlatSet<T> {
    fn from(items: [T; N]) -> Self {
        items.into_iter().collect()
    }
}

impl<T> IntoIterator for FlatSet<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a FlatSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// Hashes as `BTreeSet` does: the length, then each item in order.
impl<T: Hash> Hash for FlatSet<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.items.len());
        for item in &self.items {
            item.hash(state);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for FlatSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T: Serialize> Serialize for FlatSet<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de, T: Ord + Deserialize<'de>> Deserialize<'de> for FlatSet<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Vec::<T>::deserialize(deserializer)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SimRng;
    use std::collections::{BTreeMap, BTreeSet};
    use std::hash::DefaultHasher;

    fn hash_of(x: &impl Hash) -> u64 {
        let mut h = DefaultHasher::new();
        x.hash(&mut h);
        h.finish()
    }

    /// Random operations on a flat map and a `BTreeMap` side by side: every answer, the
    /// order, the hash, the `Debug` and the serde forms agree after each one.
    #[test]
    fn behaves_as_btree_map_under_random_operations() {
        let mut rng = SimRng::new(11);
        let mut flat = FlatMap::new();
        let mut tree = BTreeMap::new();
        for step in 0..4000 {
            let k = rng.below(40);
            let v = rng.below(1000);
            match rng.below(9) {
                0 | 1 => assert_eq!(flat.insert(k, v), tree.insert(k, v)),
                2 => assert_eq!(flat.remove(&k), tree.remove(&k)),
                3 => *flat.entry(k).or_default() += v,
                4 => *flat.entry(k).or_insert(v) += 1,
                5 => {
                    let (a, b) = (k.min(v % 40), k.max(v % 40));
                    let ours: Vec<_> = flat.range(a..b).collect();
                    assert_eq!(ours, tree.range(a..b).collect::<Vec<_>>());
                    let ours: Vec<_> = flat.range(a..=b).rev().collect();
                    assert_eq!(ours, tree.range(a..=b).rev().collect::<Vec<_>>());
                    let ours: Vec<_> = flat.range((Bound::Excluded(a), Bound::Unbounded)).collect();
                    let theirs: Vec<_> =
                        tree.range((Bound::Excluded(a), Bound::Unbounded)).collect();
                    assert_eq!(ours, theirs);
                }
                6 => {
                    flat.retain(|k, v| (k + *v) % 7 != 0);
                    tree.retain(|k, v| (k + *v) % 7 != 0);
                }
                7 => {
                    let mut a = flat.clone();
                    let mut b = tree.clone();
                    assert_eq!(
                        a.split_off(&k).iter().collect::<Vec<_>>(),
                        b.split_off(&k).iter().collect::<Vec<_>>()
                    );
                    assert_eq!(a.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>());
                }
                _ => {
                    assert_eq!(flat.pop_first(), tree.pop_first());
                    assert_eq!(flat.pop_last(), tree.pop_last());
                }
            }
            // Entry arms that do not exist in the tree are mirrored here.
            for (k, v) in &flat {
                tree.entry(*k).or_insert(*v);
            }
            tree.retain(|k, _| flat.contains_key(k));
            for (k, v) in flat.iter_mut() {
                *v = *tree.get(k).unwrap().max(v);
            }
            for (k, v) in &flat {
                tree.insert(*k, *v);
            }
            assert_eq!(
                flat.iter().collect::<Vec<_>>(),
                tree.iter().collect::<Vec<_>>(),
                "step {step}"
            );
            assert_eq!(flat.len(), tree.len());
            assert_eq!(flat.get(&k), tree.get(&k));
            assert_eq!(flat.first_key_value(), tree.first_key_value());
            assert_eq!(flat.last_key_value(), tree.last_key_value());
            assert_eq!(hash_of(&flat), hash_of(&tree));
        }
        assert_eq!(format!("{flat:?}"), format!("{tree:?}"));
        assert_eq!(
            serde_json::to_string(&flat).unwrap(),
            serde_json::to_string(&tree).unwrap()
        );
        let back: FlatMap<u64, u64> =
            serde_json::from_str(&serde_json::to_string(&tree).unwrap()).unwrap();
        assert_eq!(back, flat);
    }

    #[test]
    fn behaves_as_btree_set_under_random_operations() {
        let mut rng = SimRng::new(12);
        let (mut flat, mut tree) = (FlatSet::new(), BTreeSet::new());
        let (mut other_flat, mut other_tree) = (FlatSet::new(), BTreeSet::new());
        for _ in 0..3000 {
            let x = rng.below(50);
            match rng.below(5) {
                0 | 1 => assert_eq!(flat.insert(x), tree.insert(x)),
                2 => assert_eq!(flat.remove(&x), tree.remove(&x)),
                3 => assert_eq!(other_flat.insert(x), other_tree.insert(x)),
                _ => assert_eq!(flat.pop_first(), tree.pop_first()),
            }
            assert_eq!(
                flat.iter().collect::<Vec<_>>(),
                tree.iter().collect::<Vec<_>>()
            );
            assert_eq!(flat.contains(&x), tree.contains(&x));
            assert_eq!(
                flat.union(&other_flat).collect::<Vec<_>>(),
                tree.union(&other_tree).collect::<Vec<_>>()
            );
            assert_eq!(
                flat.intersection(&other_flat).collect::<Vec<_>>(),
                tree.intersection(&other_tree).collect::<Vec<_>>()
            );
            assert_eq!(
                flat.difference(&other_flat).collect::<Vec<_>>(),
                tree.difference(&other_tree).collect::<Vec<_>>()
            );
            assert_eq!(flat.is_subset(&other_flat), tree.is_subset(&other_tree));
            assert_eq!(
                flat.range(10..30).collect::<Vec<_>>(),
                tree.range(10..30).collect::<Vec<_>>()
            );
            assert_eq!(hash_of(&flat), hash_of(&tree));
        }
        assert_eq!(format!("{flat:?}"), format!("{tree:?}"));
        assert_eq!(
            serde_json::to_string(&flat).unwrap(),
            serde_json::to_string(&tree).unwrap()
        );
    }
}
