//! The shape shared by all safety checkers. Checkers live apart from the protocols they
//! judge: they only read node state, after every event, and never change it.

use crate::about::PropertyDesc;
use crate::action::DiskFate;
use crate::ids::NodeId;
use crate::protocol::Protocol;
use crate::time::Micros;
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;

/// What the engine knows of a node beyond its protocol's state, for the few checkers that
/// need it (whether a node is paused or crashed, what its clock reads).
pub trait NodeFacts {
    /// While node `id` is down: when it crashed and what became of its disk.
    fn crashed(&self, id: NodeId) -> Option<(Micros, DiskFate)>;
    /// Whether node `id` is up and paused (a stall) now.
    fn is_paused(&self, id: NodeId) -> bool;
    /// What node `id`'s own physical clock reads now (offset and drift included).
    fn clock(&self, id: NodeId) -> i64;
    /// The extra time node `id` takes for every input now (0 unless it was slowed).
    fn slowed(&self, id: NodeId) -> Micros;
    /// When node `id`'s last pause, slowdown or restart ended (or will end).
    fn troubled_until(&self, id: NodeId) -> Micros;
}

/// The moment a checker looks at, as the engine tells it: the time, the node that acted,
/// who is honest, and the facts of [`NodeFacts`].
#[derive(Clone, Copy)]
pub struct Moment<'a> {
    pub now: Micros,
    /// The node whose state the event may have changed (`None` for events such as a
    /// network change that touch no node's state).
    pub acted: Option<NodeId>,
    /// True when the acting node was just rebuilt from its disk, so that checkers drop what
    /// they remembered of its volatile state.
    pub rebooted: bool,
    /// Which nodes run their honest code (the others were made Byzantine).
    pub honest: &'a [bool],
    pub facts: &'a dyn NodeFacts,
}

/// What a checker sees after one event: the moment, and every node's state and disk.
pub struct CheckView<'a, P: Protocol> {
    pub now: Micros,
    pub acted: Option<NodeId>,
    pub rebooted: bool,
    honest: &'a [bool],
    facts: &'a dyn NodeFacts,
    states: &'a [Option<P>],
    disks: &'a [P::Disk],
    records: &'a [Vec<P::Note>],
}

impl<'a, P: Protocol> CheckView<'a, P> {
    /// The view of `states`, `disks` and `records` (one of each per node) at `moment`.
    pub fn new(
        moment: Moment<'a>,
        states: &'a [Option<P>],
        disks: &'a [P::Disk],
        records: &'a [Vec<P::Note>],
    ) -> Self {
        CheckView {
            now: moment.now,
            acted: moment.acted,
            rebooted: moment.rebooted,
            honest: moment.honest,
            facts: moment.facts,
            states,
            disks,
            records,
        }
    }

    /// What node `id` recorded for the checkers since its last boot, in order (see
    /// [`crate::protocol::Ctx::record`]); empty while it is down.
    pub fn records(&self, id: NodeId) -> &'a [P::Note] {
        self.records.get(id.index()).map_or(&[], Vec::as_slice)
    }

    /// How many nodes the cluster has.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// Node `id`'s state; `None` while it is down.
    pub fn node(&self, id: NodeId) -> Option<&'a P> {
        self.states[id.index()].as_ref()
    }

    /// Node `id`'s disk (kept while it is down).
    pub fn disk(&self, id: NodeId) -> &'a P::Disk {
        &self.disks[id.index()]
    }

    /// Every node's disk, in id order.
    pub fn disks(&self) -> &'a [P::Disk] {
        self.disks
    }

    /// Every node that is up, with its id.
    pub fn up_nodes(&self) -> impl Iterator<Item = (NodeId, &'a P)> + 'a {
        self.states
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((NodeId(i as u32), s.as_ref()?)))
    }

    /// Whether node `id` runs its honest code.
    pub fn is_honest(&self, id: NodeId) -> bool {
        self.honest.get(id.index()).copied().unwrap_or(true)
    }

    /// While node `id` is down: when it crashed and what became of its disk.
    pub fn crashed(&self, id: NodeId) -> Option<(Micros, DiskFate)> {
        self.facts.crashed(id)
    }

    /// Whether node `id` is up and paused now.
    pub fn is_paused(&self, id: NodeId) -> bool {
        self.facts.is_paused(id)
    }

    /// The extra time node `id` takes for every input now (0 unless it was slowed).
    pub fn slowed(&self, id: NodeId) -> Micros {
        self.facts.slowed(id)
    }

    /// How long node `id` has run at full speed, paused by nothing and up (zero while a
    /// pause, slowdown or time down lasts): the time a node has had to recover.
    pub fn calm_for(&self, id: NodeId) -> Micros {
        if self.facts.crashed(id).is_some() || self.slowed(id) > 0 {
            return 0;
        }
        self.now.saturating_sub(self.facts.troubled_until(id))
    }

    /// What node `id`'s own clock reads now.
    pub fn clock(&self, id: NodeId) -> i64 {
        self.facts.clock(id)
    }

    /// The acting node, if it is up.
    pub fn actor(&self) -> Option<(NodeId, &'a P)> {
        let id = self.acted?;
        Some((id, self.node(id)?))
    }
}

/// A safety property. `check` may keep history between calls (for example every leader
/// seen so far), so it receives `&mut self`; a checker is `Clone` so that the world can be
/// snapshotted ([`CloneInvariant`] boxes the copy, for every checker).
pub trait Invariant<P: Protocol>: CloneInvariant<P> + 'static {
    /// What the property promises, as the protocol's description lists it: declared once,
    /// beside the checker, and read by the description (`About::properties`).
    fn property(&self) -> &'static PropertyDesc;

    /// The property's name, as violations name it.
    fn name(&self) -> &'static str {
        self.property().name
    }

    fn check(&mut self, view: &CheckView<'_, P>) -> Result<(), String>;
}

/// A boxed copy of a checker, written once for every checker that is `Clone`.
pub trait CloneInvariant<P: Protocol> {
    fn clone_box(&self) -> Box<dyn Invariant<P>>;
}

impl<P: Protocol, T: Invariant<P> + Clone> CloneInvariant<P> for T {
    fn clone_box(&self) -> Box<dyn Invariant<P>> {
        Box::new(self.clone())
    }
}

impl<P: Protocol> Clone for Box<dyn Invariant<P>> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// What a protocol measures over a run (see [`Protocol::meter`]): it looks at every event
/// as the safety checkers do, keeps what it needs (when a node crashed, when another first
/// suspected it) and reads out numbers, one for each of the description's
/// `About::measures`, in that order. It never judges: a measure is for showing and for
/// lessons' claims, a property for checking.
pub trait Meter<P: Protocol>: CloneMeter<P> + 'static {
    fn observe(&mut self, view: &CheckView<'_, P>);

    /// The readings at `now`, in the order of `About::measures`; `None` for one with
    /// nothing measured yet.
    fn readings(&self, now: Micros) -> Vec<Option<i64>>;

    /// A warning the page shows as a badge while it holds (the overloaded service's
    /// "metastable"); none by default.
    fn alarm(&self, _now: Micros) -> Option<Alarm> {
        None
    }
}

/// A meter's warning: a word or two for the badge, and a sentence saying why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Alarm {
    pub badge: String,
    pub says: String,
}

/// A boxed copy of a meter, written once for every meter that is `Clone`.
pub trait CloneMeter<P: Protocol> {
    fn clone_box(&self) -> Box<dyn Meter<P>>;
}

impl<P: Protocol, T: Meter<P> + Clone> CloneMeter<P> for T {
    fn clone_box(&self) -> Box<dyn Meter<P>> {
        Box::new(self.clone())
    }
}

impl<P: Protocol> Clone for Box<dyn Meter<P>> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// The readings of a run's measures at one moment (see [`Meter`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sample {
    pub at_us: Micros,
    pub readings: Vec<Option<i64>>,
}

/// How often a run's measures are sampled for a chart over time.
pub const SAMPLE_EVERY_US: Micros = 100 * crate::time::MICROS_PER_MS;

/// A property checked once, at the end of a run (see [`Protocol::end_properties`]); it
/// keeps no history, since it judges the final state alone.
pub trait EndProperty<P: Protocol>: 'static {
    /// What the property promises (see [`Invariant::property`]).
    fn property(&self) -> &'static PropertyDesc;

    /// The property's name, as violations name it.
    fn name(&self) -> &'static str {
        self.property().name
    }

    fn check_end(&self, view: &CheckView<'_, P>) -> Result<(), String>;
}

/// A safety property written as a function of what the checker sees after each event, for
/// properties that need no memory between events: `check::invariant(&PROPERTY, |view| ...)`.
/// A property that must remember (every leader seen so far) is a type implementing
/// [`Invariant`].
pub fn invariant<P, F>(property: &'static PropertyDesc, check: F) -> Box<dyn Invariant<P>>
where
    P: Protocol,
    F: Fn(&CheckView<'_, P>) -> Result<(), String> + Clone + 'static,
{
    Box::new(Written {
        property,
        check,
        judges: PhantomData::<fn() -> P>,
    })
}

/// A property checked at the end of a run, written as a function of the final state:
/// `check::at_end(&PROPERTY, |view| ...)`.
pub fn at_end<P, F>(property: &'static PropertyDesc, check: F) -> Box<dyn EndProperty<P>>
where
    P: Protocol,
    F: Fn(&CheckView<'_, P>) -> Result<(), String> + 'static,
{
    Box::new(Written {
        property,
        check,
        judges: PhantomData::<fn() -> P>,
    })
}

/// A property and the function that judges it.
struct Written<P, F> {
    property: &'static PropertyDesc,
    check: F,
    judges: PhantomData<fn() -> P>,
}

impl<P, F: Clone> Clone for Written<P, F> {
    fn clone(&self) -> Self {
        Written {
            property: self.property,
            check: self.check.clone(),
            judges: PhantomData,
        }
    }
}

impl<P, F> Invariant<P> for Written<P, F>
where
    P: Protocol,
    F: Fn(&CheckView<'_, P>) -> Result<(), String> + Clone + 'static,
{
    fn property(&self) -> &'static PropertyDesc {
        self.property
    }

    fn check(&mut self, view: &CheckView<'_, P>) -> Result<(), String> {
        (self.check)(view)
    }
}

impl<P, F> EndProperty<P> for Written<P, F>
where
    P: Protocol,
    F: Fn(&CheckView<'_, P>) -> Result<(), String> + 'static,
{
    fn property(&self) -> &'static PropertyDesc {
        self.property
    }

    fn check_end(&self, view: &CheckView<'_, P>) -> Result<(), String> {
        (self.check)(view)
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::about::PropertyKind;
    use crate::protocol::Protocol;
    use crate::protocols::raft::{RaftConfig, RaftDisk, RaftNode};

    use crate::testkit::Calm;

    const AT_MOST_TWO: PropertyDesc = PropertyDesc {
        name: "at most two nodes up",
        kind: PropertyKind::Safety,
        promise: "",
        promised: true,
    };

    #[test]
    fn a_property_written_as_a_function_is_checked_copied_and_named() {
        let config = RaftConfig::default();
        let disks = vec![RaftDisk::default(); 3];
        let mut states: Vec<Option<RaftNode>> = (0..3)
            .map(|i| Some(RaftNode::boot(NodeId(i), 3, &config, &disks[0])))
            .collect();
        let honest = [true; 3];
        let records = vec![Vec::new(); 3];
        let judge = |view: &CheckView<'_, RaftNode>| match view.up_nodes().count() {
            n if n > 2 => Err(format!("{n} nodes are up")),
            _ => Ok(()),
        };
        let mut safety = invariant(&AT_MOST_TWO, judge);
        let mut copy = safety.clone();
        let end = at_end(&AT_MOST_TWO, judge);
        let mut look = |states: &[Option<RaftNode>]| {
            let moment = Moment {
                now: 0,
                acted: None,
                rebooted: false,
                honest: &honest,
                facts: &Calm,
            };
            let view = CheckView::new(moment, states, &disks, &records);
            (safety.check(&view), copy.check(&view), end.check_end(&view))
        };
        let broken = Err("3 nodes are up".to_string());
        assert_eq!(look(&states), (broken.clone(), broken.clone(), broken));
        states[2] = None;
        assert_eq!(look(&states), (Ok(()), Ok(()), Ok(())));
        assert_eq!(safety.name(), "at most two nodes up");
    }
}
