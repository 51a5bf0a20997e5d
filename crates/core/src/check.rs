//! The shape shared by all safety checkers. Checkers live apart from the protocols they
//! judge: they only read node state, after every event, and never change it.

use crate::about::{FigureDesc, PropertyDesc};
use crate::action::DiskFate;
use crate::clock::PhysicalClock;
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
    /// Node `id`'s physical clock itself, which says when it was last stepped or set to a
    /// new rate ([`PhysicalClock::since`]): a meter that draws the clocks over time places
    /// a step between two events where it happened. `None` where the facts are made by
    /// hand.
    fn physical_clock(&self, _id: NodeId) -> Option<PhysicalClock> {
        None
    }
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

    /// Node `id`'s physical clock, where the engine gives it (see
    /// [`NodeFacts::physical_clock`]).
    pub fn physical_clock(&self, id: NodeId) -> Option<PhysicalClock> {
        self.facts.physical_clock(id)
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

    /// Figures drawn besides the readings at `now` (each clock's offset over the run, each
    /// synchronisation's round trip against its error): lines per node with the intervals
    /// they claimed, or a scatter. A meter keeps their data small however long the run
    /// ([`Track`], [`thin_pairs`]), since it is copied with every snapshot. None by default.
    fn figures(&self, _now: Micros) -> Vec<Figure> {
        Vec::new()
    }
}

/// A figure's data, with its description (see [`Meter::figures`]).
#[derive(Clone, Debug)]
pub struct Figure {
    pub desc: &'static FigureDesc,
    pub plot: Plot,
}

/// What a figure draws.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plot {
    /// One line per node over simulated time, each with what it claimed along it.
    Lines(Vec<Trail>),
    /// Points (x, y) against the description's guide.
    Scatter(Vec<Dot>),
}

/// One node's line over simulated time: its values at moments in order (`None` from a
/// moment it was down, breaking the line; two values at one moment, a jump), and the
/// intervals it claimed along it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trail {
    pub node: NodeId,
    pub points: Vec<(Micros, Option<i64>)>,
    pub claims: Vec<Claim>,
}

/// An interval a node claimed at a moment (`low` to `high`: where it says the value is),
/// and the value it really had then, on the line's axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Claim {
    pub at: Micros,
    pub value: i64,
    pub low: i64,
    pub high: i64,
    /// Whether the claim held, as the protocol's property judges it (which may allow for
    /// what the interval cannot cover, such as drift during an exchange).
    pub kept: bool,
}

impl Claim {
    /// How far its value is outside the interval (zero or less inside it).
    pub fn excess(&self) -> i64 {
        (self.low - self.value).max(self.value - self.high)
    }
}

/// A point of a scatter, of node `node`, and whether it kept its claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dot {
    pub node: NodeId,
    pub x: i64,
    pub y: i64,
    pub kept: bool,
}

/// A line over simulated time kept within `cap` points however long the run: values at
/// most one per `grain` of time, besides jumps (kept whole) and breaks; past `cap` points
/// each stretch of a grain keeps only its lowest and highest values (and the breaks), the
/// grain doubling until half the cap is left, so that the line keeps its extent (a
/// sawtooth its teeth) at any scale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Track {
    points: Vec<(Micros, Option<i64>)>,
    grain: Micros,
    cap: usize,
}

impl Track {
    /// An empty track of at most about `cap` points (at least 16), one per `grain` at first.
    pub fn new(cap: usize, grain: Micros) -> Track {
        Track {
            points: Vec::new(),
            grain: grain.max(1),
            cap: cap.max(16),
        }
    }

    /// The points so far.
    pub fn points(&self) -> &[(Micros, Option<i64>)] {
        &self.points
    }

    /// The value at `now` was `before` an event and is `after` it (`None` while down): a
    /// change is kept as a jump, a break once, and a steady value once per grain.
    pub fn record(&mut self, now: Micros, before: Option<i64>, after: Option<i64>) {
        let last = self.points.last().copied();
        match (before, after) {
            (_, None) => {
                if last.is_some_and(|(_, v)| v.is_some()) {
                    self.points.push((now, None));
                }
            }
            (Some(b), Some(a)) if b != a => {
                if last != Some((now, Some(b))) {
                    self.points.push((now, Some(b)));
                }
                self.points.push((now, Some(a)));
            }
            (_, Some(a)) => {
                let due = match last {
                    None | Some((_, None)) => true,
                    Some((t, Some(_))) => now >= t + self.grain,
                };
                if due {
                    self.points.push((now, Some(a)));
                }
            }
        }
        self.keep_small(now);
    }

    /// A point where the line bends at `at` (a rate changed), kept whatever the grain.
    pub fn bend(&mut self, at: Micros, value: i64) {
        if self.points.last() != Some(&(at, Some(value))) {
            self.points.push((at, Some(value)));
            self.keep_small(at);
        }
    }

    /// Past the cap, thins the points down to half of it, so that thinning is rare
    /// whatever the line does.
    fn keep_small(&mut self, now: Micros) {
        if self.points.len() > self.cap {
            self.thin();
            while self.points.len() > self.cap / 2 && self.grain <= now {
                self.grain *= 2;
                self.thin();
            }
        }
    }

    /// Keeps, of each stretch of a grain, its lowest and highest values and its breaks.
    fn thin(&mut self) {
        let mut kept = Vec::with_capacity(self.points.len());
        let mut start = 0;
        while start < self.points.len() {
            let bucket = self.points[start].0 / self.grain;
            let mut end = start;
            while end < self.points.len() && self.points[end].0 / self.grain == bucket {
                end += 1;
            }
            let stretch = &self.points[start..end];
            let values = || {
                stretch
                    .iter()
                    .enumerate()
                    .filter_map(|(i, p)| Some((i, p.1?)))
            };
            let low = values().min_by_key(|&(_, v)| v).map(|(i, _)| i);
            let high = values().max_by_key(|&(_, v)| v).map(|(i, _)| i);
            for (i, p) in stretch.iter().enumerate() {
                if Some(i) == low || Some(i) == high || p.1.is_none() {
                    kept.push(*p);
                }
            }
            start = end;
        }
        self.points = kept;
    }
}

/// Halves `items` while there are more than `cap` (at least 2), keeping of each pair the
/// first, or the second when `rather` prefers it (a claim broken over one kept), so that
/// what a figure most needs to show survives the thinning.
pub fn thin_pairs<T: Copy>(items: &mut Vec<T>, cap: usize, rather: impl Fn(&T, &T) -> bool) {
    while items.len() > cap.max(2) {
        *items = items
            .chunks(2)
            .map(|pair| match pair {
                [a, b] if rather(b, a) => *b,
                _ => pair[0],
            })
            .collect();
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

    #[test]
    fn a_track_keeps_jumps_and_breaks_and_one_steady_value_per_grain() {
        let mut t = Track::new(100, 10);
        t.record(0, None, Some(5));
        t.record(4, Some(5), Some(5));
        t.record(10, Some(6), Some(6));
        t.record(12, Some(7), Some(-3));
        t.record(15, None, None);
        t.record(16, None, None);
        t.record(20, None, Some(1));
        assert_eq!(
            t.points(),
            [
                (0, Some(5)),
                (10, Some(6)),
                (12, Some(7)),
                (12, Some(-3)),
                (15, None),
                (20, Some(1))
            ]
        );
    }

    #[test]
    fn a_long_track_stays_within_its_cap_and_keeps_its_teeth() {
        // A sawtooth: up one a microsecond for 100, then back to zero, for a second.
        let mut t = Track::new(200, 1);
        for now in 0..1_000_000 {
            let value = (now % 100) as i64;
            let before = if value == 0 && now > 0 { 100 } else { value };
            t.record(now, Some(before), Some(value));
        }
        let points = t.points();
        assert!(points.len() <= 200, "{}", points.len());
        assert!(points.windows(2).all(|p| p[0].0 <= p[1].0));
        // Its extent, early and late.
        let (low, high) = points
            .iter()
            .filter_map(|p| p.1)
            .fold((99, 0), |(l, h), v| (v.min(l), v.max(h)));
        assert_eq!((low, high), (0, 100));
        assert!(points.last().unwrap().0 > 990_000);
    }

    #[test]
    fn thinning_pairs_keeps_what_it_would_rather_show() {
        let mut items: Vec<(u32, bool)> = (0..100).map(|i| (i, i != 37 && i != 90)).collect();
        thin_pairs(&mut items, 30, |b, a| a.1 && !b.1);
        assert!(items.len() <= 30 && items.len() >= 15, "{}", items.len());
        assert!(items.contains(&(37, false)) && items.contains(&(90, false)));
        assert!(items.windows(2).all(|p| p[0].0 < p[1].0));
    }
}
