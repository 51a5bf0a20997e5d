//! Consistent cut: every transfer a node had received when it recorded its state was sent
//! before its sender recorded its own.

use super::{Follow, SnapNode};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::ids::NodeId;

/// Judged whenever a node records its state for a snapshot (its cut), against every other
/// node that has recorded that snapshot: neither has received, before its cut, a transfer
/// the other sent after its own. Transfers are numbered by their sender, one after another,
/// so a receiver's highest number from a sender at its cut must not pass the sender's count
/// at its cut. A cut that fails has a receive without its send: the state it describes
/// could never have happened.
#[derive(Clone, Debug, Default)]
pub struct ConsistentCut {
    follow: Follow,
}

impl ConsistentCut {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "consistent cut",
        kind: PropertyKind::Safety,
        promise: "every transfer a node had received when it recorded its state for a snapshot was sent before its sender recorded its own: the snapshot has no receive without its send",
        promised: true,
    };
}

impl Invariant<SnapNode> for ConsistentCut {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, SnapNode>) -> Result<(), String> {
        let Some((x, changed)) = self.follow.step(view) else {
            return Ok(());
        };
        for snap in changed.cut {
            let Some(mine) = view.disk(x).recording(snap) else {
                continue;
            };
            for y in (0..view.len() as u32).map(NodeId).filter(|y| *y != x) {
                let Some(theirs) = view.disk(y).recording(snap) else {
                    continue;
                };
                // Each way: what one received before its cut against what the other had
                // sent at its cut.
                for (to, at_to, from, at_from) in [(x, mine, y, theirs), (y, theirs, x, mine)] {
                    let got = at_to.got.get(from.index()).copied().unwrap_or(0);
                    if got > at_from.paid {
                        return Err(format!(
                            "in snapshot {snap}, {to} had received {from}'s transfer #{got} when it recorded its state, but {from} recorded its state after sending only {} transfer{}: the cut holds a receive without its send",
                            at_from.paid,
                            if at_from.paid == 1 { "" } else { "s" }
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}
