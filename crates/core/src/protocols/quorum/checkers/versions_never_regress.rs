//! A replica's stored versions never go backwards: whatever it holds for a key later must
//! be the same as, or descend from, what it held before. Under last-writer-wins the stamp
//! never decreases; under version vectors every sibling it held is kept or superseded.
//! Crash-recovery with a kept disk is included, so forgetting to persist a write shows up
//! here after the restart.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant};
use crate::client::Key;
use crate::flat::FlatMap;
use crate::protocols::quorum::{QuorumNode, Register};

#[derive(Clone, Debug, Default)]
pub struct VersionsNeverRegress {
    /// Per node: the registers seen at its last check.
    seen: Vec<FlatMap<Key, Register>>,
}

impl VersionsNeverRegress {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "replica versions never regress",
        kind: PropertyKind::Safety,
        promised: true,
        promise: "a replica never replaces a version of a key with one that is older",
    };
}

impl Invariant<QuorumNode> for VersionsNeverRegress {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, QuorumNode>) -> Result<(), String> {
        let Some((id, node)) = view.actor() else {
            return Ok(());
        };
        let i = id.index();
        if self.seen.len() <= i {
            self.seen.resize(i + 1, FlatMap::new());
        }
        let seen = &mut self.seen[i];
        // A node that comes back with nothing lost its disk, which is outside the
        // crash-recovery model; it starts over.
        if view.rebooted && node.store().is_empty() {
            seen.clear();
        }
        for (key, old) in seen.iter() {
            let now = node.store().get(key);
            if now == Some(old) {
                continue;
            }
            if !now.is_some_and(|r| r.covers(old)) {
                return Err(format!(
                    "{id} held {} for key {key} and now holds {}, which does not descend from it",
                    crate::protocols::quorum::msg::register_text(old),
                    now.map_or_else(
                        || "none".into(),
                        crate::protocols::quorum::msg::register_text
                    )
                ));
            }
        }
        for (key, register) in node.store() {
            if seen.get(key) != Some(register) {
                seen.insert(*key, register.clone());
            }
        }
        Ok(())
    }
}
