//! Validity: a transaction commits only if every participant voted yes on it. A ghost keeps
//! every vote ever cast (a no stays a no).

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant, LogCursor};
use crate::flat::FlatMap;
use crate::ids::NodeId;
use crate::protocols::two_phase_commit::msg::{TpcNote, Txn};
use crate::protocols::two_phase_commit::TpcNode;

#[derive(Clone, Debug)]
pub struct CommitNeedsEveryYes {
    nodes: usize,
    /// How much of each node's records has been read.
    read: LogCursor,
    /// Every vote seen: (transaction, participant) to yes, and false once it said no.
    votes: FlatMap<(Txn, NodeId), bool>,
}

impl CommitNeedsEveryYes {
    pub fn new(nodes: usize) -> Self {
        CommitNeedsEveryYes {
            nodes,
            read: LogCursor::default(),
            votes: FlatMap::new(),
        }
    }

    /// Whether a commit of `txn` by `id` had every participant's yes, given the votes seen.
    pub(crate) fn judge(
        votes: &FlatMap<(Txn, NodeId), bool>,
        nodes: usize,
        id: NodeId,
        txn: Txn,
    ) -> Result<(), String> {
        for p in (1..nodes as u32).map(NodeId) {
            match votes.get(&(txn, p)) {
                Some(true) => {}
                Some(false) => return Err(format!("{id} committed t{txn}, but {p} voted no")),
                None => return Err(format!("{id} committed t{txn}, but {p} never voted on it")),
            }
        }
        Ok(())
    }
}

impl CommitNeedsEveryYes {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "commit needs every yes",
        kind: PropertyKind::Safety,
        promise: "a transaction commits only if every participant voted yes on it",
        promised: true,
    };
}

impl Invariant<TpcNode> for CommitNeedsEveryYes {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, TpcNode>) -> Result<(), String> {
        let Some((id, _)) = view.actor() else {
            return Ok(());
        };
        // What it did since boot, as it recorded it for the checkers: votes first, so that
        // a vote and a decision in one step are judged in that order.
        let records = self.read.unread(id, view.rebooted, view.records(id));
        for record in records {
            if let TpcNote::Voted { txn, yes } = *record {
                let vote = self.votes.entry((txn, id)).or_insert(yes);
                *vote &= yes;
            }
        }
        for record in records {
            if let TpcNote::Decided { txn, commit: true } = *record {
                Self::judge(&self.votes, self.nodes, id, txn)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_without_every_yes_is_caught() {
        let mut votes = FlatMap::new();
        votes.insert((1, NodeId(1)), true);
        votes.insert((1, NodeId(2)), true);
        assert!(CommitNeedsEveryYes::judge(&votes, 3, NodeId(0), 1).is_ok());
        assert_eq!(
            CommitNeedsEveryYes::judge(&votes, 4, NodeId(0), 1).unwrap_err(),
            "n0 committed t1, but n3 never voted on it"
        );
        votes.insert((1, NodeId(2)), false);
        assert_eq!(
            CommitNeedsEveryYes::judge(&votes, 3, NodeId(1), 1).unwrap_err(),
            "n1 committed t1, but n2 voted no"
        );
    }
}
