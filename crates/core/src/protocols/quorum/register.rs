//! What a replica stores for one key: a register of versions, and the order between them.
//!
//! Under last-writer-wins every version carries a timestamp from the coordinator's physical
//! clock and the versions are totally ordered, so a register holds at most one. Under
//! version vectors, two versions written without either having seen the other are
//! concurrent; the register keeps both as siblings until a write that has seen them both
//! replaces them.

use crate::client::Value;
use crate::ids::NodeId;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// The ordering information attached to one version. (The derived `Ord` only fixes the
/// order siblings are listed in; causality is [`Version::compare`].)
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Clock {
    /// Last-writer-wins: the coordinator's physical clock reading when it accepted the
    /// write. Equal readings are ordered by coordinator id, then by the coordinator's own
    /// counter (two writes in the same microsecond).
    Stamp { wall: i64, node: NodeId, seq: u64 },
    /// A version vector: for each node, how many of the writes it coordinated this version
    /// descends from (entries beyond the end count as zero).
    Vector(Vec<u64>),
}

/// How two versions relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Causality {
    Before,
    Equal,
    After,
    /// Neither has seen the other (version vectors only).
    Concurrent,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Version {
    pub value: Value,
    pub clock: Clock,
}

impl Version {
    /// How `self` relates to `other`. Versions with equal clocks but different values can
    /// only come from a coordinator that lost its counter with its disk; ordering them by
    /// value keeps replicas converging even then.
    pub fn compare(&self, other: &Version) -> Causality {
        let by_value = |c: Causality| match c {
            Causality::Equal => ordering(self.value.cmp(&other.value)),
            c => c,
        };
        match (&self.clock, &other.clock) {
            (
                Clock::Stamp { wall, node, seq },
                Clock::Stamp {
                    wall: w2,
                    node: n2,
                    seq: s2,
                },
            ) => by_value(ordering((wall, node, seq).cmp(&(w2, n2, s2)))),
            (Clock::Vector(a), Clock::Vector(b)) => by_value(compare_vectors(a, b)),
            // The two kinds never meet in one run; a stamp is taken as older so that the
            // comparison stays total.
            (Clock::Stamp { .. }, Clock::Vector(_)) => Causality::Before,
            (Clock::Vector(_), Clock::Stamp { .. }) => Causality::After,
        }
    }
}

fn ordering(o: Ordering) -> Causality {
    match o {
        Ordering::Less => Causality::Before,
        Ordering::Equal => Causality::Equal,
        Ordering::Greater => Causality::After,
    }
}

fn compare_vectors(a: &[u64], b: &[u64]) -> Causality {
    let (mut less, mut greater) = (false, false);
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (
            a.get(i).copied().unwrap_or(0),
            b.get(i).copied().unwrap_or(0),
        );
        less |= x < y;
        greater |= x > y;
    }
    match (less, greater) {
        (false, false) => Causality::Equal,
        (true, false) => Causality::Before,
        (false, true) => Causality::After,
        (true, true) => Causality::Concurrent,
    }
}

/// The versions a replica keeps for one key: none of them is older than another.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Register {
    versions: Vec<Version>,
}

impl Register {
    pub fn versions(&self) -> &[Version] {
        &self.versions
    }

    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }

    /// Adds a version unless the register already holds it or something newer; drops the
    /// versions it supersedes. Returns whether the register changed.
    pub fn absorb(&mut self, version: &Version) -> bool {
        if self
            .versions
            .iter()
            .any(|v| matches!(v.compare(version), Causality::After | Causality::Equal))
        {
            return false;
        }
        self.versions
            .retain(|v| v.compare(version) != Causality::Before);
        self.versions.push(version.clone());
        // A fixed order makes equal registers compare equal however they were built.
        crate::sort::by(&mut self.versions, |a, b| {
            (a.value, &a.clock).cmp(&(b.value, &b.clock))
        });
        true
    }

    /// Absorbs every version of `other`. Returns whether `self` changed.
    pub fn merge(&mut self, other: &Register) -> bool {
        let mut changed = false;
        for v in &other.versions {
            changed |= self.absorb(v);
        }
        changed
    }

    /// Whether every version of `other` is in `self` or older than one of its versions:
    /// merging `other` in would change nothing.
    pub fn covers(&self, other: &Register) -> bool {
        other.versions.iter().all(|o| {
            self.versions
                .iter()
                .any(|v| matches!(v.compare(o), Causality::After | Causality::Equal))
        })
    }

    /// The value a read returns: the only version's value under last-writer-wins; among
    /// concurrent siblings, the largest value, a fixed rule standing in for an
    /// application's merge function (the siblings themselves stay stored).
    pub fn value(&self) -> Option<Value> {
        self.versions.iter().map(|v| v.value).max()
    }

    /// The version vector a new write must descend from to replace every sibling: the
    /// entry-wise maximum of their vectors.
    pub fn context(&self) -> Vec<u64> {
        let mut ctx: Vec<u64> = Vec::new();
        for v in &self.versions {
            if let Clock::Vector(vv) = &v.clock {
                if ctx.len() < vv.len() {
                    ctx.resize(vv.len(), 0);
                }
                for (c, x) in ctx.iter_mut().zip(vv) {
                    *c = (*c).max(*x);
                }
            }
        }
        ctx
    }

    /// A register holding just `version`, whatever was there before.
    pub fn only(version: Version) -> Register {
        Register {
            versions: vec![version],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(wall: i64, node: u32, value: Value) -> Version {
        Version {
            value,
            clock: Clock::Stamp {
                wall,
                node: NodeId(node),
                seq: 0,
            },
        }
    }

    fn vector(vv: &[u64], value: Value) -> Version {
        Version {
            value,
            clock: Clock::Vector(vv.to_vec()),
        }
    }

    #[test]
    fn last_writer_wins_keeps_one_version_and_breaks_ties_by_node() {
        let mut r = Register::default();
        assert!(r.absorb(&stamp(10, 0, 1)));
        assert!(!r.absorb(&stamp(5, 3, 2)), "older stamp loses");
        assert!(
            r.absorb(&stamp(10, 1, 3)),
            "same wall time, higher node wins"
        );
        assert_eq!(r.versions().len(), 1);
        assert_eq!(r.value(), Some(3));
        assert!(
            !r.absorb(&stamp(10, 1, 3)),
            "absorbing twice changes nothing"
        );
    }

    #[test]
    fn version_vectors_keep_concurrent_siblings_until_a_descendant_replaces_them() {
        let mut r = Register::default();
        r.absorb(&vector(&[1, 0], 10));
        r.absorb(&vector(&[0, 1], 20));
        assert_eq!(r.versions().len(), 2, "concurrent writes are both kept");
        assert_eq!(r.value(), Some(20));
        assert_eq!(r.context(), vec![1, 1]);
        assert!(!r.absorb(&vector(&[1, 0], 10)));
        assert!(!r.absorb(&vector(&[0, 0], 5)), "an ancestor adds nothing");
        assert!(r.absorb(&vector(&[2, 1], 7)));
        assert_eq!(r.versions(), &[vector(&[2, 1], 7)]);
        assert_eq!(r.value(), Some(7));
    }

    #[test]
    fn merge_is_order_independent_and_covers_its_inputs() {
        let a = [vector(&[1, 0, 0], 1), vector(&[0, 1, 0], 2)];
        let b = [vector(&[0, 0, 1], 3), vector(&[1, 1, 0], 4)];
        let (mut x, mut y) = (Register::default(), Register::default());
        for v in a.iter().chain(&b) {
            x.absorb(v);
        }
        for v in b.iter().chain(&a).rev() {
            y.absorb(v);
        }
        assert_eq!(x, y);
        assert_eq!(x.versions().len(), 2);
        let mut only_a = Register::default();
        only_a.absorb(&a[0]);
        assert!(x.covers(&only_a));
        assert!(!only_a.covers(&x));
    }
}
