//! The shape shared by all safety checkers. Checkers live apart from the protocols they
//! judge: they only read node state, after every event, and never change it.

use crate::ids::NodeId;
use crate::protocol::Protocol;
use crate::time::Micros;
use crate::world::NodeSlot;
use serde::{Deserialize, Serialize};

/// What a checker sees after one event.
pub struct CheckView<'a, P: Protocol> {
    pub now: Micros,
    /// The node whose state the event may have changed (`None` for events such as a
    /// network change that touch no node's state).
    pub acted: Option<NodeId>,
    /// True when the acting node was just rebuilt from its disk, so that checkers drop what
    /// they remembered of its volatile state.
    pub rebooted: bool,
    pub nodes: &'a [NodeSlot<P>],
    /// Which nodes run their honest code (the others were made Byzantine).
    pub honest: &'a [bool],
}

impl<'a, P: Protocol> CheckView<'a, P> {
    pub fn node(&self, id: NodeId) -> Option<&'a P> {
        self.nodes[id.index()].state.as_ref()
    }

    /// Every node that is up, with its id.
    pub fn up_nodes(&self) -> impl Iterator<Item = (NodeId, &'a P)> + 'a {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((NodeId(i as u32), s.state.as_ref()?)))
    }

    /// Whether node `id` runs its honest code.
    pub fn is_honest(&self, id: NodeId) -> bool {
        self.honest.get(id.index()).copied().unwrap_or(true)
    }

    /// The acting node, if it is up.
    pub fn actor(&self) -> Option<(NodeId, &'a P)> {
        let id = self.acted?;
        Some((id, self.node(id)?))
    }
}

/// A safety property. `check` may keep history between calls (for example every leader
/// seen so far), so it receives `&mut self`; `clone_box` lets the world be snapshotted.
pub trait Invariant<P: Protocol>: 'static {
    fn name(&self) -> &'static str;
    fn check(&mut self, view: &CheckView<'_, P>) -> Result<(), String>;
    fn clone_box(&self) -> Box<dyn Invariant<P>>;
}

impl<P: Protocol> Clone for Box<dyn Invariant<P>> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// A property checked once, at the end of a run (see [`Protocol::end_properties`]); it
/// keeps no history, since it judges the final state alone.
pub trait EndProperty<P: Protocol>: 'static {
    fn name(&self) -> &'static str;
    fn check_end(&self, view: &CheckView<'_, P>) -> Result<(), String>;
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A broken property: a safety property tied to the event that broke it, or a property
/// checked at the end of the run (`at_end`), tied to the moment it was checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub invariant: String,
    pub message: String,
    pub time_us: Micros,
    /// Position of the offending event in the trace (0-based); for a check at the end,
    /// the number of events the settled run had.
    pub event: u64,
    pub node: Option<NodeId>,
    /// Found by a check at the end of the run, not at an event.
    #[serde(default, skip_serializing_if = "is_false")]
    pub at_end: bool,
}

/// How far a checker has read each node's append-only log of what it did (commits,
/// acceptances, answers), so that it reads each entry once; a node that rebooted is read
/// again from the start.
#[derive(Clone, Debug, Default)]
pub struct LogCursor(std::collections::BTreeMap<crate::ids::NodeId, usize>);

impl LogCursor {
    /// The entries of node `id`'s `log` not read before (all of them after a reboot).
    pub fn unread<'l, T>(
        &mut self,
        id: crate::ids::NodeId,
        rebooted: bool,
        log: &'l [T],
    ) -> &'l [T] {
        let from = if rebooted {
            0
        } else {
            self.0.get(&id).copied().unwrap_or(0).min(log.len())
        };
        self.0.insert(id, log.len());
        &log[from..]
    }
}
