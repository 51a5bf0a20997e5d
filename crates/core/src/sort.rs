//! Stable sorting with one compiled sort for the whole program.
//!
//! The standard library's stable sort is compiled again for every element type and
//! comparison, about 3 to 4 KB of WebAssembly each time, and collecting into a `BTreeMap` or
//! `BTreeSet` sorts too. These functions sort short slices by insertion (a few hundred bytes
//! per use) and longer ones by sorting their positions with a single compiled sort, then
//! moving the elements into place. The result is the same as `slice::sort_by`'s: stable,
//! so equal elements keep their order.
//!
//! [`set`] and [`map`] build ordered collections by inserting one element at a time, for the
//! same reason: `collect()` into a `BTreeSet` or `BTreeMap` sorts its input first and builds
//! the tree in bulk, code compiled once per element type.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Below this length insertion sort is both smaller and faster than sorting positions.
const SHORT: usize = 16;

/// Sorts `items` stably by the key `key` gives each element (as `slice::sort_by_key`).
pub fn by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    by(items, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `items` stably in their natural order (as `slice::sort`).
pub fn natural<T: Ord>(items: &mut [T]) {
    by(items, T::cmp);
}

/// Sorts `items` stably by `compare` (as `slice::sort_by`).
pub fn by<T>(items: &mut [T], compare: impl Fn(&T, &T) -> Ordering) {
    if items.len() <= SHORT {
        for i in 1..items.len() {
            let mut j = i;
            while j > 0 && compare(&items[j - 1], &items[j]) == Ordering::Greater {
                items.swap(j - 1, j);
                j -= 1;
            }
        }
        return;
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    sort_positions(&mut order, &|a, b| compare(&items[a], &items[b]));
    permute(items, &mut order);
}

/// The set of `items` (as `collect::<BTreeSet<_>>()`).
pub fn set<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    for item in items {
        set.insert(item);
    }
    set
}

/// The map of `items` (as `collect::<BTreeMap<_, _>>()`: a repeated key keeps its last value).
pub fn map<K: Ord, V>(items: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    for (key, value) in items {
        map.insert(key, value);
    }
    map
}

/// The one compiled sort: positions ordered by what they point at. Positions start in
/// ascending order and the sort is stable, so equal elements keep their order.
#[inline(never)]
fn sort_positions(order: &mut [usize], compare: &dyn Fn(usize, usize) -> Ordering) {
    order.sort_by(|&a, &b| compare(a, b));
}

/// Rearranges `items` so that position `i` holds what was at `order[i]`, following each
/// cycle of the permutation with swaps. `order` is used up as the record of what is done.
fn permute<T>(items: &mut [T], order: &mut [usize]) {
    for start in 0..items.len() {
        let mut at = start;
        loop {
            let from = order[at];
            order[at] = at;
            if from == start || from == at {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SimRng;

    #[test]
    fn sorts_like_the_standard_stable_sort_at_every_length() {
        let mut rng = SimRng::new(5);
        for len in 0..200 {
            // Few distinct keys, so stability is exercised: the second field tells equal
            // keys apart.
            let items: Vec<(u64, usize)> = (0..len).map(|i| (rng.below(7), i)).collect();
            let mut ours = items.clone();
            by_key(&mut ours, |x| x.0);
            let mut std = items.clone();
            std.sort_by_key(|x| x.0);
            assert_eq!(ours, std, "length {len}");
        }
    }

    #[test]
    fn natural_order_and_comparators() {
        let mut words = vec!["pear", "fig", "apple", "fig", "kiwi"];
        natural(&mut words);
        assert_eq!(words, ["apple", "fig", "fig", "kiwi", "pear"]);
        let mut long: Vec<u32> = (0..100).rev().collect();
        by(&mut long, |a, b| (a % 10).cmp(&(b % 10)));
        assert_eq!(&long[..3], &[90, 80, 70]);
        assert_eq!(&long[97..], &[29, 19, 9]);
    }

    #[test]
    fn sets_and_maps_are_what_collect_builds() {
        let items = [5, 3, 5, 1, 3];
        assert_eq!(set(items), items.into_iter().collect::<BTreeSet<_>>());
        let pairs = [(2, 'a'), (1, 'b'), (2, 'c')];
        assert_eq!(map(pairs), pairs.into_iter().collect::<BTreeMap<_, _>>());
        assert_eq!(map(pairs)[&2], 'c');
    }
}
