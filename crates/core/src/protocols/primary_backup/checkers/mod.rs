//! What primary-backup does promise, split brain and all: each node's epoch only moves
//! forward (it is on disk), and a primary never rewrites its own log while it leads. It
//! promises nothing across nodes, which is the point of showing it.

mod epochs_never_decrease;
mod primary_append_only;

pub use epochs_never_decrease::EpochsNeverDecrease;
pub use primary_append_only::PrimaryAppendOnly;

use crate::check::Invariant;
use crate::protocols::primary_backup::PbNode;

pub fn all() -> Vec<Box<dyn Invariant<PbNode>>> {
    vec![
        Box::new(EpochsNeverDecrease::default()),
        Box::new(PrimaryAppendOnly::default()),
    ]
}
