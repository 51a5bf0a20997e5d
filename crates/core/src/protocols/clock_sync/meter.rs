//! What clock synchronisation is measured by: how far the clocks are from true time (read
//! at the moment asked, between events too), how far a correction ever took a clock back,
//! and each synchronisation's round trip, claimed bound and real error (the same judge as
//! the checkers'). Two figures draw the same over the run: every clock's offset from true
//! time with the bound each synchronisation claimed, and every synchronisation's round
//! trip against the error it left.

use super::checkers::{time_of, Ghost};
use super::{CsNode, Face, SERVER};
use crate::about::{FigureAxis, FigureDesc, MeasureDesc, Unit};
use crate::check::{self, CheckView, Claim, Dot, Figure, Meter, Plot, Track, Trail};
use crate::clock::PhysicalClock;
use crate::ids::NodeId;
use crate::time::{Micros, MICROS_PER_MS};

pub const LARGEST: MeasureDesc = MeasureDesc {
    name: "largest offset",
    unit: Unit::Duration,
    none: "none yet",
    help: "how far the clock furthest from true time is, among the nodes other than n0 that are up (the clock each shows: under slew, still catching up; between events, each physical clock read at the rate it kept until the latest one)",
};

pub const MEAN: MeasureDesc = MeasureDesc {
    name: "mean offset",
    unit: Unit::Duration,
    none: "none yet",
    help:
        "how far the clocks of the nodes other than n0 that are up are from true time, on average",
};

pub const SERVER_OFFSET: MeasureDesc = MeasureDesc {
    name: "server offset",
    unit: Unit::Duration,
    none: "none yet",
    help: "how far n0's clock, the reference every other clock is set by, is from true time",
};

pub const ROUND_TRIP: MeasureDesc = MeasureDesc {
    name: "round trip",
    unit: Unit::Duration,
    none: "none yet",
    help: "the round trip (less the server's own time) of the latest synchronisation",
};

pub const BOUND: MeasureDesc = MeasureDesc {
    name: "claimed bound",
    unit: Unit::Duration,
    none: "none yet",
    help: "the error the latest synchronisation claims at most: half its round trip",
};

pub const ERROR: MeasureDesc = MeasureDesc {
    name: "error at sync",
    unit: Unit::Duration,
    none: "none yet",
    help: "the real error the latest synchronisation left (against the server's clock; under Berkeley, of the master's estimate), which the node itself cannot see",
};

pub const WENT_BACK: MeasureDesc = MeasureDesc {
    name: "clock went back",
    unit: Unit::Duration,
    none: "none yet",
    help: "the furthest any node's clock has gone back when the node applied a correction: a clock stepped back reads an earlier time than it did a moment before, so a timestamp taken after the step can be earlier than one taken before it; a slew never goes back (jumps of the hardware clock itself, and a node restarted mid-slew starting from its whole correction, are not counted)",
};

/// The measures, in the order of the meter's readings.
pub const ALL: &[MeasureDesc] = &[
    LARGEST,
    MEAN,
    SERVER_OFFSET,
    ROUND_TRIP,
    BOUND,
    ERROR,
    WENT_BACK,
];

/// Each clock over the run, with the bound each synchronisation claimed.
pub const OFFSETS: FigureDesc = FigureDesc {
    name: "each clock against true time",
    help: "How far each node's clock is from true time (the clock it shows; under slew, still catching up): a clock that runs fast or slow drifts between synchronisations (a slope), and each correction moves it (a jump). At each synchronisation a bar shows the bound it claimed, ± half the round trip around n0's clock, and a dot where it really left the clock (under slew, where the clock is heading): the node sees the bar, never the dot.",
    x: None,
    y: FigureAxis {
        name: "offset from true time: ahead +, behind −",
        unit: Unit::Duration,
    },
    mark: "a node's clock",
    claim: "at a synchronisation: the bound it claims, ± half the round trip around n0's clock, and (dot) where it left the clock",
    beyond: "a synchronisation that left the clock further off than it claimed",
    guide: None,
};

/// Each synchronisation's round trip against the error it left.
pub const ERRORS: FigureDesc = FigureDesc {
    name: "round trip against error",
    help: "One dot per synchronisation (under Berkeley, per clock the master estimated): its round trip, and how far it really left the clock from n0's. Knowing only the round trip, a node claims half of it, the dashed lines: a lopsided path puts a dot anywhere between them, and only a mistake outside.",
    x: Some(FigureAxis {
        name: "round trip",
        unit: Unit::Duration,
    }),
    y: FigureAxis {
        name: "error left: ahead +, behind −",
        unit: Unit::Duration,
    },
    mark: "one synchronisation",
    claim: "± half the round trip: the bound each claims",
    beyond: "a synchronisation beyond its claim",
    guide: Some((1, 2)),
};

/// The most points the figures keep of the whole cluster's clocks, of its claims and of its
/// synchronisations, however long the run: the meter is copied with every snapshot.
const TRACK_POINTS: usize = 6000;
const CLAIMS: usize = 1200;
const DOTS: usize = 400;

/// What the figures keep of one node's clock.
#[derive(Clone, Debug)]
struct Drawn {
    /// Its clock over the run.
    track: Track,
    /// The bound each of its synchronisations claimed.
    claims: Vec<Claim>,
    /// At the meter's latest look: the time, its physical clock, and what its clock shows
    /// as a function of that (`None` while down), to place a step that came between two
    /// events where it happened.
    at: Micros,
    physical: Option<PhysicalClock>,
    face: Option<Face>,
    /// How many times it had corrected its clock (since its last boot).
    syncs: u64,
    /// While its clock slews: the true time the slew ends, where its line bends (between
    /// two looks, as the line is straight until then).
    bend: Option<Micros>,
}

/// The figures' record of the run: each clock, its claims, and every synchronisation.
#[derive(Clone, Debug, Default)]
struct Drawing {
    nodes: Vec<Drawn>,
    dots: Vec<Dot>,
    /// Berkeley: the latest estimate the master judged of each node's offset (round,
    /// bound, whether it held), for the claim the node makes when it applies the correction.
    estimates: Vec<Option<(u64, i64, bool)>>,
    /// When every node's clock is next looked at (see [`Drawing::observe`]).
    next_look: Micros,
}

/// How often the figures look at every clock, besides the acting node's at each event.
const LOOK_EVERY_US: Micros = crate::check::SAMPLE_EVERY_US;

impl Drawing {
    fn observe(&mut self, view: &CheckView<'_, CsNode>, syncs: &[super::checkers::Sync]) {
        let n = view.len();
        let now = view.now;
        while self.nodes.len() < n {
            self.nodes.push(Drawn {
                track: Track::new(TRACK_POINTS / n.max(1), 10 * MICROS_PER_MS),
                claims: Vec::new(),
                at: now,
                physical: None,
                face: None,
                syncs: 0,
                bend: None,
            });
            self.estimates.push(None);
        }
        for s in syncs {
            // An NTP client's own correction (error: its clock less the server's), or a
            // Berkeley estimate judged as the master took it (error: the estimate less the
            // real offset, so the clock is left that much the other way).
            let ntp = view.acted == Some(s.node);
            self.dots.push(Dot {
                node: s.node,
                x: s.delay,
                y: if ntp { s.error } else { -s.error },
                kept: s.holds(),
            });
            if !ntp {
                self.estimates[s.node.index()] = Some((s.seq, s.bound, s.holds()));
            }
        }
        check::thin_pairs(&mut self.dots, DOTS, |b, a| a.kept && !b.kept);
        // Only the acting node's clock can change at an event; another's line is straight
        // until its physical clock is stepped or re-rated or its slew ends, each drawn where
        // it happened whenever the node is next looked at (the step from the engine's
        // clock, the slew's end from the clock it shows). So every event looks at the
        // acting node, and every clock is looked at every `LOOK_EVERY_US` and at events no
        // node acted in (a crash), which keeps a large cluster's events cheap.
        let all = now >= self.next_look || view.acted.is_none();
        if all {
            self.next_look = now + LOOK_EVERY_US;
        }
        for i in 0..n {
            let id = NodeId(i as u32);
            if !(all || view.acted == Some(id)) {
                continue;
            }
            let physical = view.physical_clock(id);
            let face = view.node(id).map(CsNode::face);
            let phys = view.clock(id);
            let d = &mut self.nodes[i];
            // Between the latest look and now: where a slew ended (the line bends) and a
            // step or a new rate (at `since`), in time order.
            if let (Some(old), Some(shown)) = (d.physical, d.face) {
                let new = physical.unwrap_or(old);
                let since = (old != new).then(|| new.since());
                let since = since.filter(|t| (d.at..=now).contains(t));
                let read = |clock: PhysicalClock, t: Micros| shown.at(clock.read(t)) - t as i64;
                if let Some(bend) = d.bend.filter(|b| *b < now && since.is_none_or(|s| *b < s)) {
                    d.track.bend(bend, read(old, bend));
                }
                if let Some(t) = since {
                    d.track.record(t, Some(read(old, t)), Some(read(new, t)));
                }
            }
            // At this event: the clock before and after the node acted (a correction).
            let before = d.face.map(|f| f.at(phys) - now as i64);
            d.track
                .record(now, before, face.map(|f| f.at(phys) - now as i64));
            d.bend = face.and_then(|f| f.slew_lasts(phys)).map(|mono| {
                let lasts = match physical {
                    Some(clock) => clock.to_true_duration(mono as Micros),
                    None => mono as Micros,
                };
                now + lasts
            });
            (d.at, d.physical, d.face) = (now, physical, face);
        }
        let Some((actor, node)) = view.actor() else {
            return;
        };
        let d = &mut self.nodes[actor.index()];
        let corrected = node.syncs() > d.syncs && !view.rebooted;
        d.syncs = node.syncs();
        if !corrected || actor == SERVER {
            return;
        }
        // The bound it claims: NTP, its own exchange's, judged at this event; Berkeley, the
        // master's estimate of its clock in the round it applies.
        let claim = match syncs.iter().find(|s| s.node == actor) {
            Some(s) => Some((s.bound, s.holds())),
            None => self.estimates[actor.index()]
                .filter(|e| e.0 == node.round())
                .map(|e| (e.1, e.2)),
        };
        if let Some((bound, kept)) = claim {
            let reference = time_of(view, SERVER) - now as i64;
            d.claims.push(Claim {
                at: now,
                value: time_of(view, actor) - now as i64,
                low: reference - bound,
                high: reference + bound,
                kept,
            });
            let cap = CLAIMS / n.max(1);
            check::thin_pairs(&mut d.claims, cap, |b, a| b.excess() > a.excess().max(0));
        }
    }

    fn figures(&self, now: Micros, clocks: &[Clock]) -> Vec<Figure> {
        let trails = self
            .nodes
            .iter()
            .zip(clocks)
            .enumerate()
            .map(|(i, (d, clock))| {
                let mut points = d.track.points().to_vec();
                // The line reaches the present, the clock read now, bending where a slew
                // ended since the latest look.
                let last = points.last().map_or(0, |p| p.0);
                if let Some(bend) = d.bend.filter(|b| (last..now).contains(b)) {
                    points.push((bend, clock.offset(bend)));
                }
                if last < now {
                    points.push((now, clock.offset(now)));
                }
                Trail {
                    node: NodeId(i as u32),
                    points,
                    claims: d.claims.clone(),
                }
            })
            .collect();
        vec![
            Figure {
                desc: &OFFSETS,
                plot: Plot::Lines(trails),
            },
            Figure {
                desc: &ERRORS,
                plot: Plot::Scatter(self.dots.clone()),
            },
        ]
    }
}

/// What the meter knows of one node's clock, to read it at any moment until the next event.
///
/// The engine does not look at a meter after a clock is stepped or set to drift (it shows
/// one the physical clock itself only at events, which the figures use to place a step
/// afterwards): to read the clock between events, the meter measures each physical clock's
/// rate itself, over a stretch of events in which the clock kept to one rate, and starts a
/// new stretch when a reading leaves the line the stretch predicts by more than the
/// readings' rounding explains (a step, or a new drift).
#[derive(Clone, Copy, Debug)]
struct Clock {
    /// The true time and its physical clock at the latest event.
    at: Micros,
    phys: i64,
    /// The true time and its physical clock when the current stretch began.
    since: Micros,
    since_phys: i64,
    /// Its physical clock's rate, as (clock time, true time): over the current stretch once
    /// it has lasted a microsecond, until then the previous stretch's (true time's at first).
    rate: (i64, i64),
    /// What its clock shows as a function of its physical clock; `None` while it is down.
    face: Option<Face>,
}

impl Clock {
    fn new(now: Micros, phys: i64, face: Option<Face>) -> Clock {
        Clock {
            at: now,
            phys,
            since: now,
            since_phys: phys,
            rate: (1, 1),
            face,
        }
    }

    /// Its physical clock at `now` (at or after its latest event), read at its rate.
    fn physical_at(&self, now: Micros) -> i64 {
        let elapsed = now.saturating_sub(self.at) as i128;
        self.phys + (elapsed * self.rate.0 as i128 / self.rate.1 as i128) as i64
    }

    /// Takes the reading `phys` at `now`.
    fn read(&mut self, now: Micros, phys: i64, face: Option<Face>) {
        let span = self.at.saturating_sub(self.since);
        if span > 0 {
            // The rate is known to within a microsecond over `span`: the prediction, to
            // within that much per `span` of the time since, and a microsecond of rounding
            // at either end.
            let since_last = now.saturating_sub(self.at);
            let slack = 2 + since_last.div_ceil(span) as i64;
            if (phys - self.physical_at(now)).abs() > slack {
                (self.since, self.since_phys) = (now, phys);
            }
        } else if phys != self.phys && now == self.at {
            // Stepped at the instant of the stretch's only reading.
            (self.since, self.since_phys) = (now, phys);
        }
        if now > self.since {
            self.rate = (phys - self.since_phys, (now - self.since) as i64);
        }
        (self.at, self.phys, self.face) = (now, phys, face);
    }

    /// How far the clock it shows is from true time at `now` (at or after its latest event).
    fn offset(&self, now: Micros) -> Option<i64> {
        Some(self.face?.at(self.physical_at(now)) - now as i64)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Offsets {
    ghost: Ghost,
    /// Every node's clock at the latest event.
    clocks: Vec<Clock>,
    /// The latest synchronisation: (round trip, bound, real error).
    last: Option<(i64, i64, i64)>,
    /// The furthest any node's clock went back at a correction.
    went_back: i64,
    /// The figures' record.
    drawing: Drawing,
}

impl Meter<CsNode> for Offsets {
    fn observe(&mut self, view: &CheckView<'_, CsNode>) {
        let seen = self.ghost.step(view);
        if let Some(s) = seen.syncs.last() {
            self.last = Some((s.delay, s.bound, s.error));
        }
        self.drawing.observe(view, &seen.syncs);
        if let Some((_, node)) = view.actor() {
            self.went_back = self.went_back.max(node.went_back());
        }
        let now = view.now;
        for i in 0..view.len() {
            let id = NodeId(i as u32);
            let phys = view.clock(id);
            let face = view.node(id).map(CsNode::face);
            match self.clocks.get_mut(i) {
                Some(clock) => clock.read(now, phys, face),
                None => self.clocks.push(Clock::new(now, phys, face)),
            }
        }
    }

    fn readings(&self, now: Micros) -> Vec<Option<i64>> {
        let clients: Vec<i64> = self
            .clocks
            .iter()
            .skip(1)
            .filter_map(|c| c.offset(now))
            .map(i64::abs)
            .collect();
        let mean =
            (!clients.is_empty()).then(|| clients.iter().sum::<i64>() / clients.len() as i64);
        vec![
            clients.iter().max().copied(),
            mean,
            self.clocks
                .first()
                .and_then(|c| c.offset(now))
                .map(i64::abs),
            self.last.map(|l| l.0),
            self.last.map(|l| l.1),
            self.last.map(|l| l.2.abs()),
            Some(self.went_back),
        ]
    }

    fn figures(&self, now: Micros) -> Vec<Figure> {
        self.drawing.figures(now, &self.clocks)
    }
}
