//! With an idempotent consumer, no message's effect is applied twice.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant, LogCursor};
use crate::protocols::queue::msg::QNote;
use crate::protocols::queue::{QNode, DATABASE};

/// After every event: no message's effect has been applied by the database more than once,
/// counted from what the database recorded at each application (a restarted database's
/// records start again; the counts here do not).
#[derive(Clone, Debug, Default)]
pub struct WrittenOnce {
    /// Applications of message `n` seen so far, at `n - 1`.
    applied: Vec<u32>,
    cursor: LogCursor,
}

impl WrittenOnce {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "no message written twice",
        kind: PropertyKind::Safety,
        promise: "with an idempotent consumer, the effect of a message is applied once at most, however often the message is delivered",
        promised: true,
    };
}

impl Invariant<QNode> for WrittenOnce {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, QNode>) -> Result<(), String> {
        if view.acted != Some(DATABASE) {
            return Ok(());
        }
        let records = view.records(DATABASE);
        for record in self.cursor.unread(DATABASE, view.rebooted, records) {
            if let QNote::Applied { number } = *record {
                let i = number as usize - 1;
                if self.applied.len() <= i {
                    self.applied.resize(i + 1, 0);
                }
                self.applied[i] += 1;
                if self.applied[i] > 1 {
                    return Err(format!(
                        "the database applied message {number} a second time: it was delivered again and written again"
                    ));
                }
            }
        }
        Ok(())
    }
}
