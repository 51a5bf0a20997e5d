//! Conservation: a complete snapshot's balances and channels add up to the money there is.

use super::{complete, sums, Follow, SnapNode};
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};

/// Judged when a snapshot is complete (the last node has recorded its last channel): the
/// balances recorded plus the transfers recorded on the channels equal the money in the
/// system, which never changes, since transfers only move it. Too little means money in
/// flight at the cut was missed; too much, that some was counted twice.
#[derive(Clone, Debug)]
pub struct Conservation {
    total: u64,
    follow: Follow,
}

impl Conservation {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "conservation",
        kind: PropertyKind::Safety,
        promise: "once a snapshot is complete, the balances it recorded and the money it recorded in flight on the channels add up to the money in the system, which transfers only move",
        promised: true,
    };

    /// The property for a system holding `total` in all.
    pub fn new(total: u64) -> Conservation {
        Conservation {
            total,
            follow: Follow::default(),
        }
    }
}

impl Invariant<SnapNode> for Conservation {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, SnapNode>) -> Result<(), String> {
        let Some((_, changed)) = self.follow.step(view) else {
            return Ok(());
        };
        for snap in changed.done {
            let Some(all) = complete(view, snap) else {
                continue;
            };
            let (balances, channels) = sums(&all);
            let found = balances + channels;
            if found != self.total {
                let why = if found < self.total {
                    format!(
                        "{} is missing: money in flight at the cut that no channel recorded",
                        self.total - found
                    )
                } else {
                    format!(
                        "{} too much: money counted twice, in a balance and again on a channel or in another balance",
                        found - self.total
                    )
                };
                return Err(format!(
                    "snapshot {snap} adds up to {found} (balances {balances}, in flight on the channels {channels}), but the accounts hold {} in all: {why}",
                    self.total
                ));
            }
        }
        Ok(())
    }
}
