//! What a lecturer charts for a queue with a poison message: messages processed, in the
//! dead-letter queue and lost, duplicates and redeliveries, the queue's depth, and the
//! consumers the poison crashed.

use super::msg::{Held, QNote};
use super::{QNode, BROKER, DATABASE};
use crate::about::{MeasureDesc, Unit};
use crate::check::{CheckView, LogCursor, Meter};
use crate::time::Micros;

pub const PROCESSED: MeasureDesc = MeasureDesc {
    name: "processed",
    unit: Unit::Count,
    none: "none yet",
    help: "messages whose effect the database has applied, each counted once",
};

pub const DEAD: MeasureDesc = MeasureDesc {
    name: "dead letters",
    unit: Unit::Count,
    none: "none yet",
    help: "messages in the dead-letter queue",
};

pub const LOST: MeasureDesc = MeasureDesc {
    name: "lost",
    unit: Unit::Count,
    none: "none yet",
    help: "messages the broker no longer keeps (acknowledged or dropped) that were never written to the database and that no consumer is still working on",
};

pub const DUPLICATES: MeasureDesc = MeasureDesc {
    name: "duplicates",
    unit: Unit::Count,
    none: "none yet",
    help: "writes of a message the database had already applied: the effect happened twice",
};

pub const REDELIVERIES: MeasureDesc = MeasureDesc {
    name: "redeliveries",
    unit: Unit::Count,
    none: "none yet",
    help: "deliveries of a message after its first",
};

pub const DEPTH: MeasureDesc = MeasureDesc {
    name: "queue depth",
    unit: Unit::Count,
    none: "none yet",
    help: "messages waiting in the queue or the retry queue now",
};

pub const CRASHES: MeasureDesc = MeasureDesc {
    name: "consumer crashes",
    unit: Unit::Count,
    none: "none yet",
    help: "times a consumer crashed working on the poison message",
};

/// The measures, in the order of the meter's readings.
pub const ALL: &[MeasureDesc] = &[
    PROCESSED,
    DEAD,
    LOST,
    DUPLICATES,
    REDELIVERIES,
    DEPTH,
    CRASHES,
];

#[derive(Clone, Debug, Default)]
pub struct Flow {
    /// Deliveries of message `n` recorded by the broker, at `n - 1`.
    delivered: Vec<u32>,
    crashes: u64,
    cursor: LogCursor,
    readings: [i64; 6],
}

impl Meter<QNode> for Flow {
    fn observe(&mut self, view: &CheckView<'_, QNode>) {
        if let Some(id) = view.acted {
            for record in self.cursor.unread(id, view.rebooted, view.records(id)) {
                match *record {
                    QNote::Delivered { number } => {
                        let i = number as usize - 1;
                        if self.delivered.len() <= i {
                            self.delivered.resize(i + 1, 0);
                        }
                        self.delivered[i] += 1;
                    }
                    QNote::Crashed { .. } => self.crashes += 1,
                    _ => {}
                }
            }
        }
        let Some(config) = view
            .node(BROKER)
            .or_else(|| view.up_nodes().next().map(|(_, n)| n))
            .map(|n| n.config())
        else {
            return;
        };
        let (queue, database) = (view.disk(BROKER), view.disk(DATABASE));
        let held: Vec<u32> = view
            .up_nodes()
            .filter(|(id, _)| *id != BROKER && *id != DATABASE)
            .filter_map(|(_, n)| n.consumer()?.holds())
            .collect();
        let (mut processed, mut dead, mut lost, mut duplicates, mut depth) = (0, 0, 0, 0, 0);
        let made = (queue.messages.len() as u32).min(config.messages);
        for number in 1..=made {
            let stored = queue.messages[number as usize - 1];
            let applied = database.applied(number);
            processed += i64::from(applied > 0);
            duplicates += i64::from(applied.saturating_sub(1));
            match stored.held {
                Held::Dead => dead += 1,
                Held::Queued | Held::Aside => depth += 1,
                Held::Done | Held::Discarded if applied == 0 && !held.contains(&number) => {
                    lost += 1
                }
                _ => {}
            }
        }
        let redeliveries: u32 = self
            .delivered
            .iter()
            .take(config.messages as usize)
            .map(|d| d.saturating_sub(1))
            .sum();
        self.readings = [
            processed,
            dead,
            lost,
            duplicates,
            i64::from(redeliveries),
            depth,
        ];
    }

    fn readings(&self, _now: Micros) -> Vec<Option<i64>> {
        let mut readings: Vec<Option<i64>> = self.readings.iter().map(|&r| Some(r)).collect();
        readings.push(Some(self.crashes as i64));
        readings
    }
}
