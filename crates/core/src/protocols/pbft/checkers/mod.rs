//! What PBFT promises with at most f faulty replicas: honest replicas agree on each
//! sequence number, proxies answer only with f + 1 matching replies, and at the end every
//! request an honest replica took is answered. One file each.
//!
//! "Honest" is the run's: a replica made Byzantine is faulty; a crash is not a fault here,
//! since a replica keeps what it accepted and committed on its disk.

mod agree;
mod answered;
mod replies;

pub use agree::HonestAgree;
pub use answered::EveryRequestAnswered;
pub use replies::MatchingReplies;

use super::PbftNode;
use crate::check::{EndProperty, Invariant};

pub fn safety(nodes: usize) -> Vec<Box<dyn Invariant<PbftNode>>> {
    vec![
        Box::new(HonestAgree::new(nodes)),
        Box::new(MatchingReplies::new(nodes)),
    ]
}

pub fn at_end() -> Vec<Box<dyn EndProperty<PbftNode>>> {
    vec![Box::new(EveryRequestAnswered)]
}
