//! What clock synchronisation is measured by: how far the clocks are from true time (read
//! at the moment asked, between events too), how far a correction ever took a clock back,
//! and each synchronisation's round trip, claimed bound and real error (the same judge as
//! the checkers').

use super::checkers::Ghost;
use super::{CsNode, Face};
use crate::about::{MeasureDesc, Unit};
use crate::check::{CheckView, Meter};
use crate::ids::NodeId;
use crate::time::Micros;

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

/// What the meter knows of one node's clock, to read it at any moment until the next event.
///
/// The engine does not tell a checker or a meter when a clock is stepped or set to drift,
/// and does not look at them after such an action: the meter measures each physical
/// clock's rate itself, over a stretch of events in which the clock kept to one rate, and
/// starts a new stretch when a reading leaves the line the stretch predicts by more than
/// the readings' rounding explains (a step, or a new drift).
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
}

impl Meter<CsNode> for Offsets {
    fn observe(&mut self, view: &CheckView<'_, CsNode>) {
        if let Some(s) = self.ghost.step(view).syncs.last() {
            self.last = Some((s.delay, s.bound, s.error));
        }
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
}
