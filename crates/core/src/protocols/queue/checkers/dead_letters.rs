//! The dead-letter queue holds only messages that failed every attempt.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, Invariant, LogCursor};
use crate::protocols::queue::msg::QNote;
use crate::protocols::queue::{QNode, BROKER};

/// Whenever the broker moves a message to the dead-letter queue, the message has been
/// delivered at least `attempts` times. The deliveries are counted here, from what the
/// broker recorded at each one (and each delivery a busy consumer gave back), not from the
/// count the broker keeps, which is what a bug gets wrong.
#[derive(Clone, Debug)]
pub struct DeadLettersFailed {
    attempts: u32,
    /// Deliveries of message `n` seen so far, at `n - 1`.
    deliveries: Vec<u32>,
    cursor: LogCursor,
}

impl DeadLettersFailed {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "dead letters failed every attempt",
        kind: PropertyKind::Safety,
        promise: "a message goes to the dead-letter queue only after it was delivered as many times as attempts allows, each delivery unacknowledged",
        promised: true,
    };

    pub fn new(attempts: u32) -> Self {
        DeadLettersFailed {
            attempts,
            deliveries: Vec::new(),
            cursor: LogCursor::default(),
        }
    }

    fn count(&mut self, number: u32) -> &mut u32 {
        let i = number as usize - 1;
        if self.deliveries.len() <= i {
            self.deliveries.resize(i + 1, 0);
        }
        &mut self.deliveries[i]
    }
}

impl Invariant<QNode> for DeadLettersFailed {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, QNode>) -> Result<(), String> {
        if view.acted != Some(BROKER) {
            return Ok(());
        }
        let records = view.records(BROKER);
        for record in self.cursor.unread(BROKER, view.rebooted, records) {
            match *record {
                QNote::Delivered { number } => *self.count(number) += 1,
                QNote::Released { number } => {
                    let c = self.count(number);
                    *c = c.saturating_sub(1);
                }
                QNote::DeadLettered { number, .. } => {
                    let delivered = *self.count(number);
                    if delivered < self.attempts {
                        return Err(format!(
                            "message {number} went to the dead-letter queue after {delivered} deliveries, fewer than the {} attempts promised",
                            self.attempts
                        ));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}
