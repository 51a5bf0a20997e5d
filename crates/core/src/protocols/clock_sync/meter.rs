//! What clock synchronisation is measured by: how far the clocks are from true time, and
//! each synchronisation's round trip, claimed bound and real error (the same judge as the
//! checkers').

use super::checkers::Ghost;
use super::CsNode;
use crate::about::{MeasureDesc, Unit};
use crate::check::{CheckView, Meter};
use crate::ids::NodeId;
use crate::time::Micros;

pub const LARGEST: MeasureDesc = MeasureDesc {
    name: "largest offset",
    unit: Unit::Duration,
    none: "none yet",
    help: "how far the clock furthest from true time is, among the nodes other than n0 that are up (the clock each shows: under slew, still catching up)",
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

/// The measures, in the order of the meter's readings.
pub const ALL: &[MeasureDesc] = &[LARGEST, MEAN, SERVER_OFFSET, ROUND_TRIP, BOUND, ERROR];

#[derive(Clone, Debug, Default)]
pub struct Offsets {
    ghost: Ghost,
    /// Every up node's offset from true time (the clock it shows) at the latest event.
    offsets: Vec<Option<i64>>,
    /// The latest synchronisation: (round trip, bound, real error).
    last: Option<(i64, i64, i64)>,
}

impl Meter<CsNode> for Offsets {
    fn observe(&mut self, view: &CheckView<'_, CsNode>) {
        if let Some(s) = self.ghost.step(view).syncs.last() {
            self.last = Some((s.delay, s.bound, s.error));
        }
        let now = view.now as i64;
        self.offsets = (0..view.len() as u32)
            .map(NodeId)
            .map(|id| {
                view.node(id)
                    .map(|node| node.shown_at(view.clock(id)) - now)
            })
            .collect();
    }

    fn readings(&self, _now: Micros) -> Vec<Option<i64>> {
        let clients: Vec<i64> = self
            .offsets
            .iter()
            .skip(1)
            .flatten()
            .map(|o| o.abs())
            .collect();
        let mean =
            (!clients.is_empty()).then(|| clients.iter().sum::<i64>() / clients.len() as i64);
        vec![
            clients.iter().max().copied(),
            mean,
            self.offsets.first().copied().flatten().map(i64::abs),
            self.last.map(|l| l.0),
            self.last.map(|l| l.1),
            self.last.map(|l| l.2.abs()),
        ]
    }
}
