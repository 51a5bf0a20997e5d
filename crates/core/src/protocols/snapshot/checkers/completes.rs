//! Every snapshot completes: once the network has healed and every node is back, each
//! snapshot started a while ago has been recorded in full by every node.

use super::SnapNode;
use crate::about::{PropertyDesc, PropertyKind};
use crate::check::{CheckView, EndProperty};
use crate::flat::FlatMap;
use crate::ids::NodeId;
use crate::time::{Micros, Pretty, MICROS_PER_SEC};

/// How long a snapshot is given, by the clock of the node that recorded it first.
pub const GIVEN: Micros = 2 * MICROS_PER_SEC;
/// How long every node must have run undisturbed (up, unpaused, at full speed) for the
/// property to be judged.
pub const CALM: Micros = 2 * MICROS_PER_SEC;

/// At the end of a run given time to settle, when every node is up, honest and has run
/// undisturbed for [`CALM`]: every snapshot that some node recorded at least [`GIVEN`]
/// before (by that node's own clock) has been recorded in full, every channel included, by
/// every node. Chandy and Lamport assume no failures: with a node down for good, or lying,
/// nothing is judged.
#[derive(Clone, Debug)]
pub struct SnapshotsComplete;

impl SnapshotsComplete {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "snapshots complete",
        kind: PropertyKind::AtEnd,
        promise: "once the network has healed and every node is up and undisturbed, every snapshot started more than two seconds before has been recorded by every node, every channel included (nothing is promised while a node is down for good: the algorithm assumes no failures)",
        promised: true,
    };
}

impl EndProperty<SnapNode> for SnapshotsComplete {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, SnapNode>) -> Result<(), String> {
        let nodes: Vec<NodeId> = (0..view.len() as u32).map(NodeId).collect();
        if nodes
            .iter()
            .any(|&id| view.node(id).is_none() || !view.is_honest(id) || view.calm_for(id) < CALM)
        {
            return Ok(());
        }
        // Each snapshot's oldest recording, by its node's clock: (how long ago, by whom).
        let mut oldest: FlatMap<u32, (i64, NodeId)> = FlatMap::default();
        for &x in &nodes {
            let now = view.clock(x);
            for r in &view.disk(x).snaps {
                let age = now - r.clock;
                let entry = oldest.entry(r.snap).or_insert((age, x));
                if age > entry.0 {
                    *entry = (age, x);
                }
            }
        }
        for (&snap, &(age, by)) in oldest.iter() {
            if age < GIVEN as i64 {
                continue;
            }
            // To a tenth of a second, as a person says it.
            let ago = Pretty((age as Micros + 50_000) / 100_000 * 100_000);
            for &y in &nodes {
                match view.disk(y).recording(snap) {
                    None => {
                        return Err(format!(
                            "{by} recorded its state for snapshot {snap} {ago} ago (by its clock), and {y} never did: no marker of it reached {y}"
                        ))
                    }
                    Some(r) if !r.is_done() => {
                        let waits: Vec<String> = r
                            .channels
                            .iter()
                            .enumerate()
                            .filter(|(_, c)| c.open)
                            .map(|(i, _)| NodeId(i as u32).to_string())
                            .collect();
                        return Err(format!(
                            "{by} recorded its state for snapshot {snap} {ago} ago (by its clock), and {y} still waits for the marker from {}",
                            waits.join(", ")
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
        Ok(())
    }
}
