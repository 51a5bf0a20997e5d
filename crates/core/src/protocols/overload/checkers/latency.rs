//! What a recovered service owes the people waiting: answers within their timeout.

use super::super::node::{Outcome, SERVER};
use super::super::OvNode;
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, EndProperty};
use crate::time::Pretty;

/// At the end of a run given time to settle, once the server has been up, unpaused and at
/// full speed for [`super::RECOVERY`]: 99 in 100 of the requests answered in the last second took at most the clients'
/// timeout from their first attempt (retries and waits for a window included).
#[derive(Clone, Debug)]
pub struct LatencyBounded;

impl LatencyBounded {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "latency bounded",
        kind: PropertyKind::AtEnd,
        promise: "4 s after the trigger is over, 99 in 100 of the requests answered are answered within the clients' timeout of their first attempt",
        promised: true,
    };
}

impl EndProperty<OvNode> for LatencyBounded {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, OvNode>) -> Result<(), String> {
        if view.node(SERVER).is_none() || view.calm_for(SERVER) < super::RECOVERY {
            return Ok(());
        }
        let mut latencies = Vec::new();
        let mut timeout = 0;
        for (_, node) in view.up_nodes() {
            if let Some(client) = node.client() {
                timeout = node.config().timeout_us;
                latencies.extend(client.recent(node.now()).filter_map(|o| match o {
                    Outcome::Answered(l) => Some(l),
                    Outcome::GivenUp => None,
                }));
            }
        }
        let slow = latencies.iter().filter(|&&l| l > timeout).count();
        if slow * 100 > latencies.len() {
            crate::sort::natural(&mut latencies);
            return Err(format!(
                "with the server at full speed for 4 s, {slow} of the {} requests answered in the last second took longer than the clients' timeout of {}, the slowest {}",
                latencies.len(),
                Pretty(timeout),
                Pretty(latencies.last().copied().unwrap_or(0))
            ));
        }
        Ok(())
    }
}
