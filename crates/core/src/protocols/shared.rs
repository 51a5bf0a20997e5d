//! Mechanics more than one protocol uses, written once: where a log received from a leader
//! first differs from the local one, and where a client's request goes in a cluster with a
//! leader.

use crate::ids::NodeId;

/// How far a client request may be forwarded from node to node in search of the leader
/// before it is dropped (the client's own timeout then answers for it); it keeps a stale
/// view of who leads from bouncing a request around for ever.
pub const MAX_HOPS: u8 = 3;

/// Where a request goes, from a node that knows (or thinks it knows) who leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// This node leads: it handles the request itself.
    Here,
    /// Pass it to `to`, with the hop count it travels with.
    Forward { to: NodeId, hops: u8 },
    /// No leader known, or the request has travelled far enough: it goes nowhere.
    Nowhere,
}

/// Where node `me` sends a request that has come `hops` hops so far, when `leads` says
/// whether `me` leads and `leader` is the leader it knows of.
pub fn route(me: NodeId, leads: bool, leader: Option<NodeId>, hops: u8) -> Route {
    match leader {
        _ if leads => Route::Here,
        Some(to) if to != me && hops < MAX_HOPS => Route::Forward { to, hops: hops + 1 },
        _ => Route::Nowhere,
    }
}

/// Where a leader's entries (the ones after `prev`, in order) first differ from the local
/// log, given `local(index, entry)`: `None` when the log has no entry at `index`, else
/// whether its entry there is the same as `entry`.
///
/// Entries that match stay (so a delayed, shorter message never shortens the log); from
/// the first that differs, the leader's entries win. The answer is the position in
/// `entries` of the first entry to write, and whether a local entry there conflicts (the
/// log must be cut back first); `None` when every entry is already in place.
pub fn first_difference<E>(
    entries: &[E],
    prev: u64,
    mut local: impl FnMut(u64, &E) -> Option<bool>,
) -> Option<(usize, Difference)> {
    entries
        .iter()
        .enumerate()
        .find_map(|(k, entry)| match local(prev + 1 + k as u64, entry) {
            Some(true) => None,
            Some(false) => Some((k, Difference::Conflict)),
            None => Some((k, Difference::Missing)),
        })
}

/// What the local log has where it first differs from the leader's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Difference {
    /// Another entry, which must go, with all after it.
    Conflict,
    /// Nothing: the log ends before.
    Missing,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_goes_to_the_leader_at_most_three_hops_away() {
        let (me, other) = (NodeId(1), NodeId(2));
        assert_eq!(route(me, true, Some(other), 0), Route::Here);
        assert_eq!(
            route(me, false, Some(other), 0),
            Route::Forward { to: other, hops: 1 }
        );
        assert_eq!(route(me, false, Some(other), MAX_HOPS), Route::Nowhere);
        assert_eq!(route(me, false, None, 0), Route::Nowhere);
        // A node that believes itself the leader but does not lead forwards to no one.
        assert_eq!(route(me, false, Some(me), 0), Route::Nowhere);
    }

    #[test]
    fn the_first_difference_is_a_conflict_or_the_end_of_the_log() {
        // Local log: terms 1, 1, 2 at indexes 1 to 3.
        let log = [1u64, 1, 2];
        let local = |i: u64, e: &u64| log.get(i as usize - 1).map(|t| t == e);
        assert_eq!(first_difference(&[1, 2], 1, local), None);
        assert_eq!(
            first_difference(&[1, 3, 3], 1, local),
            Some((1, Difference::Conflict))
        );
        assert_eq!(
            first_difference(&[2, 2], 2, local),
            Some((1, Difference::Missing))
        );
        assert_eq!(first_difference::<u64>(&[], 3, local), None);
    }
}
