//! What two-phase commit promises, one property a file: every node that decides a
//! transaction decides alike (atomicity), a transaction commits only with every
//! participant's yes, and (not promised: the protocol blocks) at the end every transaction
//! is decided (with three phases, promised where crashes are the only faults: under a name
//! of its own).

mod alike;
mod decided;
mod every_yes;

pub use alike::DecideAlike;
pub use decided::EveryTransactionDecided;
pub use every_yes::CommitNeedsEveryYes;

use super::{TpcConfig, TpcNode};
use crate::check::{EndProperty, Invariant};

pub fn safety(_config: &TpcConfig, nodes: usize) -> Vec<Box<dyn Invariant<TpcNode>>> {
    vec![
        Box::new(DecideAlike::default()),
        Box::new(CommitNeedsEveryYes::new(nodes)),
    ]
}

pub fn at_end(config: &TpcConfig, _nodes: usize) -> Vec<Box<dyn EndProperty<TpcNode>>> {
    vec![Box::new(EveryTransactionDecided {
        three_phase: config.three_phase(),
    })]
}
