//! What a snapshot run is measured by: how many snapshots completed, what the latest one
//! added up to and how much of it it found on the channels, how long it took, and how much
//! money is on its way now.

use super::checkers::{complete, sums, Follow};
use super::{SnapConfig, SnapNode};
use crate::about::{MeasureDesc, Unit};
use crate::check::{CheckView, Meter};
use crate::flat::FlatMap;
use crate::time::Micros;

pub const COMPLETED: MeasureDesc = MeasureDesc {
    name: "snapshots completed",
    unit: Unit::Count,
    none: "none yet",
    help: "snapshots every node has recorded in full, its state and every incoming channel",
};

pub const RECORDED: MeasureDesc = MeasureDesc {
    name: "recorded total",
    unit: Unit::Count,
    none: "none yet",
    help: "what the latest complete snapshot adds up to: the balances it recorded and the money it recorded on the channels (the money in the system, if it is right)",
};

pub const IN_CHANNELS: MeasureDesc = MeasureDesc {
    name: "recorded in flight",
    unit: Unit::Count,
    none: "none yet",
    help: "the money the latest complete snapshot recorded on the channels: transfers sent before their sender's cut and received after their receiver's",
};

pub const DURATION: MeasureDesc = MeasureDesc {
    name: "snapshot duration",
    unit: Unit::Duration,
    none: "none yet",
    help: "how long the latest complete snapshot took, from the first node recording its state to the last marker arriving",
};

pub const FLYING: MeasureDesc = MeasureDesc {
    name: "money in flight",
    unit: Unit::Count,
    none: "none yet",
    help: "money sent and not yet received now: the money in the system less every balance",
};

/// The measures, in the order of the meter's readings.
pub const ALL: &[MeasureDesc] = &[COMPLETED, RECORDED, IN_CHANNELS, DURATION, FLYING];

#[derive(Clone, Debug)]
pub struct Snapshots {
    total: u64,
    follow: Follow,
    /// When each snapshot not yet complete was first recorded.
    began: FlatMap<u32, Micros>,
    completed: i64,
    /// The latest complete snapshot: (its total, its channels' money, how long it took).
    last: Option<(u64, u64, Micros)>,
    flying: Option<i64>,
}

impl Snapshots {
    pub fn new(config: &SnapConfig) -> Snapshots {
        Snapshots {
            total: config.total(),
            follow: Follow::default(),
            began: FlatMap::default(),
            completed: 0,
            last: None,
            flying: None,
        }
    }
}

impl Meter<SnapNode> for Snapshots {
    fn observe(&mut self, view: &CheckView<'_, SnapNode>) {
        if let Some((_, changed)) = self.follow.step(view) {
            for snap in changed.cut {
                self.began.entry(snap).or_insert(view.now);
            }
            for snap in changed.done {
                if let Some(all) = complete(view, snap) {
                    let (balances, channels) = sums(&all);
                    let began = self.began.remove(&snap).unwrap_or(view.now);
                    self.completed += 1;
                    self.last = Some((balances + channels, channels, view.now - began));
                }
            }
        }
        let disks = view.disks();
        if disks.iter().all(|d| d.opened) {
            let held: u64 = disks.iter().map(|d| d.balance).sum();
            self.flying = Some(self.total as i64 - held as i64);
        }
    }

    fn readings(&self, _now: Micros) -> Vec<Option<i64>> {
        vec![
            Some(self.completed),
            self.last.map(|l| l.0 as i64),
            self.last.map(|l| l.1 as i64),
            self.last.map(|l| l.2 as i64),
            self.flying.map(|f| f.max(0)),
        ]
    }
}
