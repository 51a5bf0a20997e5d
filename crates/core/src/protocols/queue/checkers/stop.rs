//! With poison pills, the shutdown is complete: every consumer stops.

use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, EndProperty};
use crate::protocols::queue::node::Doing;
use crate::protocols::queue::{QNode, BROKER};

/// At the end of a settled run with pills, once the broker has made and settled every
/// message and then gone without progress for the grace of [`super::grace`] (time for a
/// pill to be delivered again), every consumer that is up and running has taken a pill and
/// stopped. Without pills it holds at once.
#[derive(Clone, Debug)]
pub struct EveryConsumerStops;

impl EveryConsumerStops {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "every consumer stops",
        kind: PropertyKind::AtEnd,
        promise: "with poison pills, once every message is dealt with, every consumer that is running takes a pill and stops",
        promised: true,
    };
}

impl EndProperty<QNode> for EveryConsumerStops {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, QNode>) -> Result<(), String> {
        let Some(node) = view.node(BROKER) else {
            return Ok(());
        };
        let config = node.config();
        let Some(broker) = node.broker() else {
            return Ok(());
        };
        if !config.pills() || view.is_paused(BROKER) {
            return Ok(());
        }
        let made = broker.messages().len() as u32 >= config.messages;
        let settled = broker
            .messages()
            .iter()
            .take(config.messages as usize)
            .all(|m| m.held.settled());
        if !made || !settled || broker.quiet_for() < super::grace(config) {
            return Ok(());
        }
        for (id, consumer) in view.up_nodes() {
            let Some(consumer) = consumer.consumer() else {
                continue;
            };
            if view.is_paused(id) || consumer.doing() == Doing::Stopped {
                continue;
            }
            return Err(format!(
                "every message is dealt with and the queue has been quiet for a while, but {id} has not stopped: it took no pill"
            ));
        }
        Ok(())
    }
}
