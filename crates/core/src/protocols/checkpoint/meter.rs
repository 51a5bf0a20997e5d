//! What a lecturer charts for checkpointing and message logging: checkpoints taken,
//! rollbacks and how many of them were orphans', how far back the deepest went, the work
//! that rollbacks undid, and what logs replayed.

use super::checkers::Ghost;
use super::msg::{Cause, CkNote};
use super::CkNode;
use crate::about::{MeasureDesc, Unit};
use crate::check::{CheckView, LogCursor, Meter};
use crate::time::Micros;

pub const CHECKPOINTS: MeasureDesc = MeasureDesc {
    name: "checkpoints",
    unit: Unit::Count,
    none: "none yet",
    help: "checkpoints written, by every process (tentative ones of a round included)",
};

pub const ROLLBACKS: MeasureDesc = MeasureDesc {
    name: "rollbacks",
    unit: Unit::Count,
    none: "none yet",
    help: "times a process went back to a saved state: restarts after a crash, and orphans rolling back",
};

pub const ORPHANS: MeasureDesc = MeasureDesc {
    name: "orphan rollbacks",
    unit: Unit::Count,
    none: "none yet",
    help: "rollbacks of processes that had not crashed, made because their state held a job whose sending another's rollback undid",
};

pub const DEEPEST: MeasureDesc = MeasureDesc {
    name: "deepest rollback",
    unit: Unit::Count,
    none: "none yet",
    help: "the most checkpoints a single rollback went back past (0: to its latest checkpoint); a domino effect makes it grow",
};

pub const TO_START: MeasureDesc = MeasureDesc {
    name: "rollbacks to the start",
    unit: Unit::Count,
    none: "none yet",
    help: "rollbacks that went back past a checkpoint, or as an orphan, all the way to a process's initial state: the domino effect at its worst",
};

pub const LOST: MeasureDesc = MeasureDesc {
    name: "work lost",
    unit: Unit::Count,
    none: "none yet",
    help:
        "events (jobs started or received) that rollbacks undid, counted from what really happened",
};

pub const REPLAYED: MeasureDesc = MeasureDesc {
    name: "replayed",
    unit: Unit::Count,
    none: "none yet",
    help: "events that processes replayed from logs when they went back, past their checkpoints",
};

/// The measures, in the order of the meter's readings.
pub const ALL: &[MeasureDesc] = &[
    CHECKPOINTS,
    ROLLBACKS,
    ORPHANS,
    DEEPEST,
    TO_START,
    LOST,
    REPLAYED,
];

#[derive(Clone, Debug, Default)]
pub struct Recovery {
    ghost: Ghost,
    cursor: LogCursor,
    checkpoints: i64,
    rollbacks: i64,
    orphans: i64,
    deepest: Option<i64>,
    to_start: i64,
    replayed: i64,
}

impl Meter<CkNode> for Recovery {
    fn observe(&mut self, view: &CheckView<'_, CkNode>) {
        self.ghost.step(view, &[]);
        let Some(a) = view.acted else {
            return;
        };
        for note in self.cursor.unread(a, view.rebooted, view.records(a)) {
            match note {
                CkNote::Checkpoint { .. } => self.checkpoints += 1,
                CkNote::Restored { rollback: r, .. } => {
                    self.rollbacks += 1;
                    if matches!(r.cause, Cause::Orphan { .. }) {
                        self.orphans += 1;
                    }
                    self.deepest = Some(self.deepest.unwrap_or(0).max(i64::from(r.passed)));
                    let orphan = matches!(r.cause, Cause::Orphan { .. });
                    if r.to == 0 && (orphan || r.passed > 0) {
                        self.to_start += 1;
                    }
                    self.replayed += i64::from(r.replayed);
                }
                _ => {}
            }
        }
    }

    fn readings(&self, _now: Micros) -> Vec<Option<i64>> {
        vec![
            Some(self.checkpoints),
            Some(self.rollbacks),
            Some(self.orphans),
            self.deepest,
            Some(self.to_start),
            Some(self.ghost.lost as i64),
            Some(self.replayed),
        ]
    }
}
