//! What single-decree Paxos promises: one value at most is chosen, only a proposed value is
//! learned, learners agree, and in the end every node learns the chosen value. One file
//! each.

mod agree;
mod every_node_learns;
mod one_value;
mod validity;

pub use agree::LearnersAgree;
pub use every_node_learns::EveryNodeLearns;
pub use one_value::OnlyOneValueChosen;
pub use validity::LearnedWasProposed;

use super::PaxosNode;
use crate::check::{EndProperty, Invariant};

pub fn safety(nodes: usize) -> Vec<Box<dyn Invariant<PaxosNode>>> {
    vec![
        Box::new(OnlyOneValueChosen::new(nodes)),
        Box::new(LearnedWasProposed::default()),
        Box::new(LearnersAgree::default()),
    ]
}

pub fn at_end() -> Vec<Box<dyn EndProperty<PaxosNode>>> {
    vec![Box::new(EveryNodeLearns)]
}
