//! Atomicity: no two nodes decide a transaction differently, and no node changes its mind
//! (across crashes too). A ghost keeps the first decision seen for each transaction.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant, LogCursor};
use crate::flat::FlatMap;
use crate::ids::NodeId;
use crate::protocols::two_phase_commit::msg::{outcome, TpcNote, Txn};
use crate::protocols::two_phase_commit::TpcNode;

#[derive(Clone, Debug, Default)]
pub struct DecideAlike {
    read: LogCursor,
    /// The first decision seen for each transaction, and who made it.
    first: FlatMap<Txn, (bool, NodeId)>,
}

impl DecideAlike {
    /// Takes node `id`'s new decisions into the ghost; the first that contradicts one seen
    /// before is the error.
    pub(crate) fn judge(
        first: &mut FlatMap<Txn, (bool, NodeId)>,
        id: NodeId,
        decisions: &[(Txn, bool)],
    ) -> Result<(), String> {
        for &(txn, commit) in decisions {
            let (earlier, who) = *first.entry(txn).or_insert((commit, id));
            if earlier != commit {
                let (now, before) = (outcome(commit), outcome(earlier));
                return Err(if who == id {
                    format!("{id} decided to {now} t{txn}, after deciding to {before} it earlier")
                } else {
                    format!("{id} decided to {now} t{txn}, but {who} decided to {before} it")
                });
            }
        }
        Ok(())
    }
}

impl DecideAlike {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "all decide alike",
        kind: PropertyKind::Safety,
        promise: "no two nodes decide a transaction differently, and no node changes its decision, across crashes too (atomicity)",
        promised: true,
    };
}

impl Invariant<TpcNode> for DecideAlike {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, TpcNode>) -> Result<(), String> {
        let Some((id, _)) = view.actor() else {
            return Ok(());
        };
        // Its decisions since boot, as it recorded them for the checkers.
        let new: Vec<(Txn, bool)> = self
            .read
            .unread(id, view.rebooted, view.records(id))
            .iter()
            .filter_map(|r| match *r {
                TpcNote::Decided { txn, commit } => Some((txn, commit)),
                _ => None,
            })
            .collect();
        Self::judge(&mut self.first, id, &new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_decision_or_a_change_of_mind_is_caught() {
        let mut first = FlatMap::new();
        DecideAlike::judge(&mut first, NodeId(0), &[(1, true), (2, false)]).unwrap();
        DecideAlike::judge(&mut first, NodeId(1), &[(1, true), (2, false)]).unwrap();
        assert_eq!(
            DecideAlike::judge(&mut first, NodeId(2), &[(1, false)]).unwrap_err(),
            "n2 decided to abort t1, but n0 decided to commit it"
        );
        assert_eq!(
            DecideAlike::judge(&mut first, NodeId(0), &[(2, true)]).unwrap_err(),
            "n0 decided to commit t2, after deciding to abort it earlier"
        );
    }
}
