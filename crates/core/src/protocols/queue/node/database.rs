//! The database the consumers write the effects of their messages to.

use super::QCtx;
use crate::ids::NodeId;
use crate::protocols::queue::msg::{QDisk, QMsg, QNote, QWrite};

#[derive(Clone, Debug, Default)]
pub struct Database {
    /// How many times message `n`'s effect was applied, at `n - 1` (as on its disk).
    applied: Vec<u32>,
    /// Writes that came with a key already applied, since boot.
    ignored: u64,
}

impl Database {
    pub(super) fn boot(disk: &QDisk) -> Self {
        Database {
            applied: disk.applied.clone(),
            ignored: 0,
        }
    }

    /// How many times message `number`'s effect was applied.
    pub fn applied(&self, number: u32) -> u32 {
        self.applied
            .get((number as usize).wrapping_sub(1))
            .copied()
            .unwrap_or(0)
    }

    /// Every message's count of applications, message `n` at `n - 1`.
    pub fn counts(&self) -> &[u32] {
        &self.applied
    }

    pub fn ignored(&self) -> u64 {
        self.ignored
    }

    /// A consumer's write: applied, unless it is keyed and its key was applied before.
    /// Either way the database confirms it.
    pub(super) fn write(&mut self, ctx: &mut QCtx, from: NodeId, number: u32, keyed: bool) {
        if number == 0 {
            return;
        }
        if keyed && self.applied(number) > 0 {
            self.ignored += 1;
        } else {
            ctx.persist(QWrite::Apply { number });
            let i = number as usize - 1;
            if self.applied.len() <= i {
                self.applied.resize(i + 1, 0);
            }
            self.applied[i] += 1;
            ctx.record(QNote::Applied { number });
        }
        ctx.send(from, QMsg::Written { number });
    }
}
