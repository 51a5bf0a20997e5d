//! No message lost: every message the producer made is written to the database or sits in
//! the dead-letter queue, once the run has had time to settle.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, EndProperty};
use crate::protocols::queue::msg::Held;
use crate::protocols::queue::{QNode, BROKER, DATABASE};

/// At the end of a settled run (the network healed and calm, nodes back to speed), while
/// the broker and the database are up and running: every message made (pills aside) was
/// applied by the database at least once, or is in the dead-letter queue. Judged on their
/// disks, which are what survives. A message still on its way is lost only if the queue
/// has stalled: no message made or settled for every attempt's timeout, a consumer's
/// restart and a second more.
#[derive(Clone, Debug)]
pub struct NothingLost;

impl NothingLost {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "no message lost",
        kind: PropertyKind::AtEnd,
        promise: "every message made is, once the run has settled, written to the database or in the dead-letter queue (promised with a dead-letter queue and acknowledgements after the write)",
        promised: true,
    };
}

impl EndProperty<QNode> for NothingLost {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, QNode>) -> Result<(), String> {
        let down = |id| view.node(id).is_none() || view.is_paused(id);
        if down(BROKER) || down(DATABASE) {
            return Ok(());
        }
        let Some(broker) = view.node(BROKER) else {
            return Ok(());
        };
        let config = broker.config();
        // The promise is for a run given time to settle: a message still on its way (in
        // the queue, out with a consumer or in the retry queue) counts as lost only once the
        // queue has gone without progress (nothing made, acknowledged, dead-lettered or
        // dropped) for long enough for every attempt at a message and a consumer's restart.
        let stalled = broker
            .broker()
            .is_some_and(|b| b.quiet_for() >= super::grace(config));
        let (queue, database) = (view.disk(BROKER), view.disk(DATABASE));
        let made = (queue.messages.len() as u32).min(config.messages);
        for number in 1..=made {
            let Some(stored) = queue.message(number) else {
                continue;
            };
            if stored.held == Held::Dead || database.applied(number) > 0 {
                continue;
            }
            if !stored.held.settled() && !stalled {
                continue;
            }
            let place = match stored.held {
                Held::Queued => "still waiting in the queue".to_string(),
                Held::Out(to) => format!("still out with {to}"),
                Held::Aside => "still in the retry queue".to_string(),
                Held::Done => "acknowledged".to_string(),
                Held::Discarded => "dropped".to_string(),
                Held::Dead => unreachable!("skipped above"),
            };
            return Err(format!(
                "message {number} was never written to the database and is not in the dead-letter queue: it is {place}, after {} deliveries",
                stored.deliveries
            ));
        }
        Ok(())
    }
}
