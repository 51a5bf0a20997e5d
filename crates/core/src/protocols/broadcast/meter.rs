//! What a lecturer counts in a broadcast run, whatever its level promises: messages sent
//! and delivered, the hold-back queues, messages only some nodes have, and deliveries that
//! break each order.

use super::checkers::{Ghost, Kind};
use super::{BcNode, Mid};
use crate::about::{MeasureDesc, Unit};
use crate::check::{CheckView, Meter};
use crate::flat::FlatMap;
use crate::time::Micros;

pub const BROADCAST: MeasureDesc = MeasureDesc {
    name: "messages broadcast",
    unit: Unit::Count,
    none: "none yet",
    help: "messages the nodes have broadcast so far",
};

pub const DELIVERED: MeasureDesc = MeasureDesc {
    name: "deliveries",
    unit: Unit::Count,
    none: "none yet",
    help: "messages handed to the nodes' applications so far, all nodes together",
};

pub const HELD: MeasureDesc = MeasureDesc {
    name: "held back",
    unit: Unit::Count,
    none: "none yet",
    help: "messages received but not yet delivered, waiting in the hold-back queues of the nodes that are up",
};

pub const PARTIAL: MeasureDesc = MeasureDesc {
    name: "delivered by some, not all",
    unit: Unit::Count,
    none: "none yet",
    help: "messages that some node that is up has delivered and another node that is up has not",
};

pub const FIFO: MeasureDesc = MeasureDesc {
    name: "out of FIFO order",
    unit: Unit::Count,
    none: "none yet",
    help: "deliveries of a message before an earlier message of the same sender",
};

pub const CAUSAL: MeasureDesc = MeasureDesc {
    name: "out of causal order",
    unit: Unit::Count,
    none: "none yet",
    help: "deliveries of a message before a message in its causal past (FIFO breaches included)",
};

pub const TOTAL: MeasureDesc = MeasureDesc {
    name: "order disagreements",
    unit: Unit::Count,
    none: "none yet",
    help: "deliveries that put two messages in the opposite order to another node's",
};

/// The measures, in the order of the meter's readings.
pub const ALL: &[MeasureDesc] = &[BROADCAST, DELIVERED, HELD, PARTIAL, FIFO, CAUSAL, TOTAL];

#[derive(Clone, Debug, Default)]
pub struct Breaches {
    ghost: Ghost,
    broadcast: u64,
    delivered: Vec<usize>,
    sent: Vec<usize>,
    held: Vec<usize>,
    /// Per message, the nodes that delivered it (a bit each).
    by: FlatMap<Mid, u64>,
    up: u64,
    partial: i64,
    fifo: i64,
    causal: i64,
    total: i64,
}

impl Meter<BcNode> for Breaches {
    fn observe(&mut self, view: &CheckView<'_, BcNode>) {
        let n = view.len();
        if self.delivered.len() != n {
            self.delivered = vec![0; n];
            self.sent = vec![0; n];
            self.held = vec![0; n];
        }
        for b in self
            .ghost
            .step(view, &[Kind::Fifo, Kind::Causal, Kind::Total])
        {
            match b.kind {
                Kind::Fifo => self.fifo += 1,
                Kind::Causal => self.causal += 1,
                Kind::Total => self.total += 1,
                _ => {}
            }
        }
        let mut up = 0u64;
        for i in 0..n {
            let id = crate::ids::NodeId(i as u32);
            match view.node(id) {
                Some(_) => up |= 1 << i,
                None => self.held[i] = 0,
            }
        }
        let mut changed = up != self.up;
        self.up = up;
        if let Some((a, node)) = view.actor() {
            let i = a.index();
            let disk = view.disk(a);
            self.held[i] = node.held_back().len();
            if disk.sent.len() > self.sent[i] {
                self.broadcast += (disk.sent.len() - self.sent[i]) as u64;
            }
            self.sent[i] = disk.sent.len();
            if disk.delivered.len() > self.delivered[i] {
                for m in &disk.delivered[self.delivered[i]..] {
                    *self.by.entry(*m).or_insert(0) |= 1 << i;
                }
                changed = true;
            }
            self.delivered[i] = disk.delivered.len();
        }
        if changed {
            self.partial = self
                .by
                .values()
                .filter(|&&mask| mask & up != 0 && mask & up != up)
                .count() as i64;
        }
    }

    fn readings(&self, _now: Micros) -> Vec<Option<i64>> {
        let delivered: usize = self.delivered.iter().sum();
        let held: usize = self.held.iter().sum();
        vec![
            Some(self.broadcast as i64),
            Some(delivered as i64),
            Some(held as i64),
            Some(self.partial),
            Some(self.fifo),
            Some(self.causal),
            Some(self.total),
        ]
    }
}
