//! What the lesson claims of a service under load: once its trigger has gone, it recovers.

use super::super::node::{Outcome, SERVER};
use super::super::OvNode;
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, EndProperty};

/// At the end of a run given time to settle (the network healed and calm, the server back
/// to its speed, no new faults; the clients keep sending), once the server has been up,
/// unpaused and at full speed for [`super::RECOVERY`]: its queue holds less than half its bound, and at least nine in ten of the
/// requests that ended in the last second were answered.
#[derive(Clone, Debug)]
pub struct Recovers;

impl Recovers {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "recovers after the trigger",
        kind: PropertyKind::AtEnd,
        promise: "once a slowdown, a pause, a restart or a partition is over, the service recovers: 4 s later the server's queue is below half full and nine in ten requests are answered",
        promised: true,
    };
}

impl EndProperty<OvNode> for Recovers {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, OvNode>) -> Result<(), String> {
        let Some(server) = view.node(SERVER).and_then(|n| n.server()) else {
            return Ok(());
        };
        if view.calm_for(SERVER) < super::RECOVERY {
            return Ok(());
        }
        let bound = server.queue().len() * 2;
        let limit = view.node(SERVER).map_or(0, |n| n.config().queue);
        if bound >= limit && limit > 0 {
            return Err(format!(
                "with the network calm and the server at full speed for 4 s, its queue still holds {} of {limit} requests: it is still overloaded",
                server.queue().len()
            ));
        }
        let (mut answered, mut given_up) = (0u64, 0u64);
        for (_, node) in view.up_nodes() {
            if let Some(client) = node.client() {
                for outcome in client.recent(node.now()) {
                    match outcome {
                        Outcome::Answered(_) => answered += 1,
                        Outcome::GivenUp => given_up += 1,
                    }
                }
            }
        }
        if given_up * 10 > (answered + given_up) {
            return Err(format!(
                "with the network calm and the server at full speed for 4 s, {given_up} of the {} requests that ended in the last second were still given up",
                answered + given_up
            ));
        }
        Ok(())
    }
}
