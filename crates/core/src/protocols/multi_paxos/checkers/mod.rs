//! What Multi-Paxos promises: one command per slot, replicas applying the same command in
//! each slot, and in the end every node that is up caught up. One file each.

mod catches_up;
mod one_command;
mod same_commands;

pub use catches_up::EveryNodeCatchesUp;
pub use one_command::OneCommandPerSlot;
pub use same_commands::SameCommandsApplied;

use super::MpNode;
use crate::check::{EndProperty, Invariant};

pub fn safety(nodes: usize) -> Vec<Box<dyn Invariant<MpNode>>> {
    vec![
        Box::new(OneCommandPerSlot::new(nodes)),
        Box::new(SameCommandsApplied::default()),
    ]
}

pub fn at_end() -> Vec<Box<dyn EndProperty<MpNode>>> {
    vec![Box::new(EveryNodeCatchesUp)]
}
