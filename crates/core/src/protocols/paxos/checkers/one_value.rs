//! Only one value is chosen (Paxos Made Simple, §2.1): a value is chosen once a majority
//! of acceptors have accepted it in the same ballot, and every value chosen is the same.
//!
//! The check keeps a ghost record of every acceptance ever made, read from the acceptors'
//! states as the run goes (not from what learners heard), so it sees a value chosen even
//! when no learner has heard of it yet. An acceptance counts forever once made: an
//! acceptor that later forgets it, or accepts something else, does not unchoose a value.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::flat::{FlatMap, FlatSet};
use crate::ids::NodeId;
use crate::protocols::paxos::names;
use crate::protocols::paxos::{Ballot, PaxosNode, Val};

#[derive(Clone, Debug)]
pub struct OnlyOneValueChosen {
    majority: usize,
    /// Every acceptance ever made: which acceptors accepted each value in each ballot.
    accepted: FlatMap<(Ballot, Val), FlatSet<NodeId>>,
    /// The first value chosen, with its ballot.
    chosen: Option<(Ballot, Val)>,
}

impl OnlyOneValueChosen {
    pub fn new(nodes: usize) -> Self {
        OnlyOneValueChosen {
            majority: nodes / 2 + 1,
            accepted: FlatMap::new(),
            chosen: None,
        }
    }

    /// The value chosen so far, with the first ballot that chose it.
    pub fn chosen(&self) -> Option<(Ballot, Val)> {
        self.chosen
    }

    /// Acceptor `node` holds the acceptance `accepted`.
    pub fn observe(&mut self, node: NodeId, accepted: Option<(Ballot, Val)>) -> Result<(), String> {
        let Some((ballot, value)) = accepted else {
            return Ok(());
        };
        let by = self.accepted.entry((ballot, value)).or_default();
        if !by.insert(node) || by.len() < self.majority {
            return Ok(());
        }
        let by = by.clone();
        match self.chosen {
            None => {
                self.chosen = Some((ballot, value));
                Ok(())
            }
            Some((_, first)) if first == value => Ok(()),
            Some((first_ballot, first)) => {
                let first_by = &self.accepted[&(first_ballot, first)];
                Err(format!(
                    "{first} was chosen in ballot {first_ballot} (accepted by {}), and then {value} in ballot {ballot} (accepted by {})",
                    names(first_by),
                    names(&by)
                ))
            }
        }
    }
}

impl OnlyOneValueChosen {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "only one value is chosen",
        kind: PropertyKind::Safety,
        promise: "once a majority of acceptors accepted a value in one ballot, no other value is ever accepted by a majority in any ballot",
        promised: true,
    };
}

impl Invariant<PaxosNode> for OnlyOneValueChosen {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, PaxosNode>) -> Result<(), String> {
        match view.actor() {
            Some((id, node)) => self.observe(id, node.accepted()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(round: u64, proposer: u32) -> Option<(Ballot, Val)> {
        Some((Ballot { round, proposer }, Val(proposer)))
    }

    #[test]
    fn one_value_chosen_in_two_ballots_is_fine() {
        let mut c = OnlyOneValueChosen::new(5);
        for n in [0, 1, 2] {
            c.observe(NodeId(n), b(1, 0)).unwrap();
        }
        assert_eq!(c.chosen(), b(1, 0));
        // A later ballot re-proposes v0: still one value.
        let v0_again = Some((
            Ballot {
                round: 2,
                proposer: 1,
            },
            Val(0),
        ));
        for n in [2, 3, 4] {
            c.observe(NodeId(n), v0_again).unwrap();
        }
    }

    #[test]
    fn a_second_value_accepted_by_a_majority_is_caught() {
        let mut c = OnlyOneValueChosen::new(5);
        for n in [0, 1, 2] {
            c.observe(NodeId(n), b(1, 0)).unwrap();
        }
        // n2 forgot, and a majority with it accepts v1 in ballot 2.1.
        c.observe(NodeId(3), b(2, 1)).unwrap();
        c.observe(NodeId(4), b(2, 1)).unwrap();
        let err = c.observe(NodeId(2), b(2, 1)).unwrap_err();
        assert_eq!(
            err,
            "v0 was chosen in ballot 1.0 (accepted by n0, n1, n2), and then v1 in ballot 2.1 (accepted by n2, n3, n4)"
        );
    }

    #[test]
    fn acceptances_spread_over_ballots_choose_nothing() {
        let mut c = OnlyOneValueChosen::new(5);
        c.observe(NodeId(0), b(1, 0)).unwrap();
        c.observe(NodeId(1), b(1, 0)).unwrap();
        c.observe(NodeId(2), b(2, 1)).unwrap();
        c.observe(NodeId(3), b(2, 1)).unwrap();
        // The same acceptance seen again counts once.
        c.observe(NodeId(3), b(2, 1)).unwrap();
        assert_eq!(c.chosen(), None);
    }
}
