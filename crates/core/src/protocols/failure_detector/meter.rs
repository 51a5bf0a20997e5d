//! What the detector is measured by: how long a crash takes to be noticed, and how many
//! suspicions were wrong.

use super::checkers::Judge;
use super::FdNode;
use crate::about::{MeasureDesc, Unit};
use crate::check::{CheckView, Meter};
use crate::ids::NodeId;
use crate::time::{Micros, MICROS_PER_SEC};

pub const DETECTION: MeasureDesc = MeasureDesc {
    name: "detection time",
    unit: Unit::Duration,
    none: "none yet",
    help: "from a crash to its suspicion by a node that was watching, on average (no time at all for one that already suspected it)",
};

pub const SLOWEST: MeasureDesc = MeasureDesc {
    name: "slowest detection",
    unit: Unit::Duration,
    none: "none yet",
    help: "the longest any watching node took to suspect a crashed node",
};

pub const WRONG: MeasureDesc = MeasureDesc {
    name: "wrong suspicions",
    unit: Unit::Count,
    none: "none yet",
    help: "suspicions of a node that had not crashed since it was last heard",
};

pub const WRONG_RATE: MeasureDesc = MeasureDesc {
    name: "wrong suspicions per minute",
    unit: Unit::PerMinute,
    none: "none yet",
    help: "wrong suspicions per minute of the run, over the whole cluster",
};

pub const UNNOTICED: MeasureDesc = MeasureDesc {
    name: "crashes not yet noticed",
    unit: Unit::Count,
    none: "none yet",
    help: "pairs of a crashed node and a node watching it that does not suspect it yet",
};

/// The measures, in the order of the meter's readings.
pub const ALL: &[MeasureDesc] = &[DETECTION, SLOWEST, WRONG, WRONG_RATE, UNNOTICED];

#[derive(Clone, Debug, Default)]
pub struct Detection {
    judge: Judge,
    /// Crashes not yet suspected: (crashed node, watching node, when it crashed).
    waiting: Vec<(NodeId, NodeId, Micros)>,
    /// Each crash's time to suspicion, per watching node.
    detections: Vec<Micros>,
    wrong: u64,
    /// The nodes seen down at the previous event.
    down: Vec<bool>,
}

impl Meter<FdNode> for Detection {
    fn observe(&mut self, view: &CheckView<'_, FdNode>) {
        let n = view.len();
        self.down.resize(n, false);
        for i in 0..n {
            let id = NodeId(i as u32);
            // Down after a crash (a node not yet booted at the start is not).
            let down = view.crashed(id).is_some();
            if down && !self.down[i] {
                // A crash: every node up now should come to suspect it. One that already
                // does (wrongly, until now) noticed it at once.
                let at = view.crashed(id).map_or(view.now, |(at, _)| at);
                for (watcher, node) in view.up_nodes() {
                    if watcher == id {
                        continue;
                    }
                    if node.suspects(id) {
                        self.detections.push(view.now.saturating_sub(at));
                    } else {
                        self.waiting.push((id, watcher, at));
                    }
                }
            }
            if !down && self.down[i] {
                // Back before some noticed: nothing more to notice.
                self.waiting.retain(|(crashed, _, _)| *crashed != id);
            }
            if down {
                // A watcher that is down no longer watches.
                self.waiting.retain(|(_, watcher, _)| *watcher != id);
            }
            self.down[i] = down;
        }
        for s in self.judge.step(view) {
            if s.wrong {
                self.wrong += 1;
            } else if let Some(i) = self
                .waiting
                .iter()
                .position(|(crashed, watcher, _)| *crashed == s.of && *watcher == s.by)
            {
                let (_, _, at) = self.waiting.remove(i);
                self.detections.push(view.now.saturating_sub(at));
            }
        }
    }

    fn readings(&self, now: Micros) -> Vec<Option<i64>> {
        let mean = (!self.detections.is_empty())
            .then(|| self.detections.iter().sum::<Micros>() / self.detections.len() as Micros);
        let rate = (now > 0).then(|| (self.wrong * 60 * MICROS_PER_SEC * 1000 / now) as i64);
        vec![
            mean.map(|m| m as i64),
            self.detections.iter().max().map(|&m| m as i64),
            Some(self.wrong as i64),
            rate,
            Some(self.waiting.len() as i64),
        ]
    }
}
