//! What a snapshot promises, one property per file: its cut is consistent (every transfer
//! received inside it was sent inside it), its balances and channels add up to the money
//! there is, and every snapshot started is completed.
//!
//! The checkers read the nodes' disks, which outlive crashes. What a node recorded at its
//! cut (its balance, how many transfers it had sent, the highest transfer it had received
//! from each node) is copied by the disk itself from the account at the moment of the
//! write, so it is the account's true state at that moment, whatever the snapshot's rules
//! (right or broken) made of it.

mod completes;
mod conservation;
mod consistent_cut;

pub use completes::{SnapshotsComplete, CALM, GIVEN};
pub use conservation::Conservation;
pub use consistent_cut::ConsistentCut;

use super::{Recording, SnapConfig, SnapDisk, SnapNode};
use crate::check::{CheckView, EndProperty, Invariant};
use crate::ids::NodeId;

pub fn safety(config: &SnapConfig) -> Vec<Box<dyn Invariant<SnapNode>>> {
    vec![
        Box::new(ConsistentCut::default()),
        Box::new(Conservation::new(config.total())),
    ]
}

pub fn at_end(_config: &SnapConfig) -> Vec<Box<dyn EndProperty<SnapNode>>> {
    vec![Box::new(SnapshotsComplete)]
}

/// Every node's recording of snapshot `snap`, if every node has recorded all of it.
pub fn complete<'a>(view: &CheckView<'a, SnapNode>, snap: u32) -> Option<Vec<&'a Recording>> {
    view.disks()
        .iter()
        .map(|d| d.recording(snap).filter(|r| r.is_done()))
        .collect()
}

/// What a complete snapshot adds up to: (the balances recorded, the money recorded on the
/// channels).
pub fn sums(recordings: &[&Recording]) -> (u64, u64) {
    recordings
        .iter()
        .fold((0, 0), |(b, c), r| (b + r.balance, c + r.in_channels()))
}

/// Follows the nodes' disks and tells, after each event, which of the acting node's
/// recordings are new (a cut made, or made again) and which it has completed since the
/// last look.
#[derive(Clone, Debug, Default)]
pub struct Follow {
    cuts: Vec<u64>,
    dones: Vec<u64>,
}

/// What the acting node's disk shows since the last look.
pub struct Changed {
    /// Snapshots it recorded its state for (again, with a bug).
    pub cut: Vec<u32>,
    /// Snapshots it finished its part of.
    pub done: Vec<u32>,
}

impl Follow {
    pub fn step(&mut self, view: &CheckView<'_, SnapNode>) -> Option<(NodeId, Changed)> {
        let n = view.len();
        if self.cuts.len() != n {
            self.cuts = vec![0; n];
            self.dones = vec![0; n];
        }
        let a = view.acted?;
        let i = a.index();
        let disk: &SnapDisk = view.disk(a);
        if disk.cuts < self.cuts[i] || disk.dones < self.dones[i] {
            // The disk was lost: the node starts over.
            self.cuts[i] = 0;
            self.dones[i] = 0;
        }
        if disk.cuts == self.cuts[i] && disk.dones == self.dones[i] {
            return None;
        }
        let (cuts, dones) = (self.cuts[i], self.dones[i]);
        let changed = Changed {
            cut: disk
                .snaps
                .iter()
                .filter(|r| r.cut_no > cuts)
                .map(|r| r.snap)
                .collect(),
            done: disk
                .snaps
                .iter()
                .filter(|r| r.done_no > dones)
                .map(|r| r.snap)
                .collect(),
        };
        self.cuts[i] = disk.cuts;
        self.dones[i] = disk.dones;
        Some((a, changed))
    }
}
