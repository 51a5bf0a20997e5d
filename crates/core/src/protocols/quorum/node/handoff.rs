//! A stand-in for an unreachable home replica (sloppy quorums): it holds the write as a
//! hint, on disk, and hands it off to its home once that answers again.

use super::{QCtx, QuorumNode};
use crate::client::Key;
use crate::ids::NodeId;
use crate::protocols::quorum::{QuorumMsg, QuorumWrite, Register};

impl QuorumNode {
    pub(super) fn hint(&self, home: NodeId, key: Key) -> Register {
        self.hints
            .get(&home)
            .and_then(|h| h.get(&key))
            .cloned()
            .unwrap_or_default()
    }

    pub(super) fn hold_hint(
        &mut self,
        ctx: &mut QCtx,
        home: NodeId,
        key: Key,
        incoming: &Register,
    ) {
        let entry = self.hints.entry(home).or_default().entry(key).or_default();
        if entry.merge(incoming) {
            ctx.persist(QuorumWrite::Hint {
                home,
                key,
                register: Some(entry.clone()),
            });
        }
    }

    /// Offers every held hint to its home replica; a hint goes once its home confirms it
    /// has what the hint holds.
    pub(super) fn hand_off(&self, ctx: &mut QCtx) {
        for (home, keys) in &self.hints {
            for (key, register) in keys {
                ctx.send(
                    *home,
                    QuorumMsg::Handoff {
                        key: *key,
                        register: register.clone(),
                    },
                );
            }
        }
    }

    pub(super) fn on_handoff_ack(
        &mut self,
        ctx: &mut QCtx,
        home: NodeId,
        key: Key,
        register: Register,
    ) {
        let Some(keys) = self.hints.get_mut(&home) else {
            return;
        };
        if keys.get(&key).is_some_and(|held| register.covers(held)) {
            keys.remove(&key);
            if keys.is_empty() {
                self.hints.remove(&home);
            }
            ctx.persist(QuorumWrite::Hint {
                home,
                key,
                register: None,
            });
        }
    }
}
