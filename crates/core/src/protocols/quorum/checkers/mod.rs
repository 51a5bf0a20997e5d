//! Safety properties of the leaderless quorum store. It promises little beyond its
//! replicas' own discipline, which is exactly what can be checked after every event.

mod versions_never_regress;

pub use versions_never_regress::VersionsNeverRegress;

use crate::check::Invariant;
use crate::protocols::quorum::QuorumNode;

pub fn all() -> Vec<Box<dyn Invariant<QuorumNode>>> {
    vec![Box::new(VersionsNeverRegress::default())]
}
