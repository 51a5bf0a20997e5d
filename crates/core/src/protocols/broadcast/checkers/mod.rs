//! What the levels of broadcast promise, one property per file: integrity (no
//! duplication, no creation) and validity at every level, agreement from `reliable` on,
//! FIFO order from `fifo` on, causal order from `causal` on and total order for the total
//! orders. Only the properties a level promises are checked on its runs (the meter counts
//! the breaches of every order on every run).
//!
//! The safety properties read the nodes' disks (the deliveries are written down as they
//! happen, and a disk outlives a crash) through one [`Ghost`], which follows the run event
//! by event: what each node has broadcast and delivered so far, and the causal past of
//! every message.

mod agreement;
mod causal;
mod fifo;
mod no_creation;
mod no_duplication;
mod total;
mod validity;

pub use agreement::Agreement;
pub use causal::CausalOrder;
pub use fifo::FifoOrder;
pub use no_creation::NoCreation;
pub use no_duplication::NoDuplication;
pub use total::TotalOrder;
pub use validity::Validity;

use super::{BcNode, Mid, Order};
use crate::check::{CheckView, EndProperty, Invariant};
use crate::flat::{FlatMap, FlatSet};
use crate::ids::NodeId;

pub fn safety(order: Order) -> Vec<Box<dyn Invariant<BcNode>>> {
    let mut all: Vec<Box<dyn Invariant<BcNode>>> = vec![
        Box::new(NoDuplication::default()),
        Box::new(NoCreation::default()),
    ];
    if order.fifo() {
        all.push(Box::new(FifoOrder::default()));
    }
    if order.causal() {
        all.push(Box::new(CausalOrder::default()));
    }
    if order.total() {
        all.push(Box::new(TotalOrder::default()));
    }
    all
}

pub fn at_end(order: Order) -> Vec<Box<dyn EndProperty<BcNode>>> {
    // Agreement first: when a message some have is missing elsewhere, that is what a
    // report should name (validity can then fail too, for a later message held back).
    let mut all: Vec<Box<dyn EndProperty<BcNode>>> = Vec::new();
    if order.agrees() {
        all.push(Box::new(Agreement));
    }
    all.push(Box::new(Validity));
    all
}

/// Which breaches a [`Ghost`] looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Duplicate,
    Created,
    Fifo,
    Causal,
    Total,
}

/// One delivery that breaks a property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breach {
    pub kind: Kind,
    pub text: String,
}

/// Follows the deliveries and broadcasts of a run, and tells the new deliveries that break
/// a property: delivered twice, never broadcast, before an earlier message of its sender,
/// before a message in its causal past, or in the opposite order to another node's.
#[derive(Clone, Debug, Default)]
pub struct Ghost {
    /// Per node, how many of its deliveries and broadcasts have been looked at.
    delivered: Vec<usize>,
    sent: Vec<usize>,
    /// Per node, where each message it delivered is in its deliveries.
    at: Vec<FlatMap<Mid, u32>>,
    /// The causal past of every message broadcast (kept only when `causal` is asked).
    past: FlatMap<Mid, FlatSet<Mid>>,
}

impl Ghost {
    /// The breaches of the kinds in `kinds` that the event `view` shows made.
    pub fn step(&mut self, view: &CheckView<'_, BcNode>, kinds: &[Kind]) -> Vec<Breach> {
        let n = view.len();
        if self.at.len() != n {
            self.delivered = vec![0; n];
            self.sent = vec![0; n];
            self.at = vec![FlatMap::default(); n];
        }
        let Some(a) = view.acted else {
            return Vec::new();
        };
        let i = a.index();
        let disk = view.disk(a);
        if disk.delivered.len() < self.delivered[i] || disk.sent.len() < self.sent[i] {
            // The disk was lost: the node starts over.
            self.delivered[i] = 0;
            self.sent[i] = 0;
            self.at[i] = FlatMap::default();
        }
        let mut out = Vec::new();
        // New deliveries first: a broadcast's own delivery comes with it, after it.
        let from = self.delivered[i];
        for (p, &m) in disk.delivered.iter().enumerate().skip(from) {
            self.judge(view, a, p, m, kinds, &mut out);
            self.at[i].entry(m).or_insert(p as u32);
        }
        self.delivered[i] = disk.delivered.len();
        if kinds.contains(&Kind::Causal) {
            for s in self.sent[i]..disk.sent.len() {
                let seen = disk.sent[s] as usize;
                let id = Mid {
                    origin: a,
                    seq: s as u32 + 1,
                };
                let mut past = FlatSet::default();
                let before = disk.delivered[..seen.min(disk.delivered.len())]
                    .iter()
                    .copied()
                    .chain((1..=s as u32).map(|seq| Mid { origin: a, seq }));
                for m in before {
                    if m == id {
                        continue;
                    }
                    past.insert(m);
                    if let Some(theirs) = self.past.get(&m) {
                        for x in theirs.iter() {
                            past.insert(*x);
                        }
                    }
                }
                self.past.insert(id, past);
            }
        }
        self.sent[i] = disk.sent.len();
        out
    }

    fn judge(
        &self,
        view: &CheckView<'_, BcNode>,
        a: NodeId,
        p: usize,
        m: Mid,
        kinds: &[Kind],
        out: &mut Vec<Breach>,
    ) {
        let i = a.index();
        let disk = view.disk(a);
        let earlier = &disk.delivered[..p];
        let mut say = |kind: Kind, text: String| {
            if kinds.contains(&kind) {
                out.push(Breach { kind, text });
            }
        };
        if self.at[i].contains_key(&m) {
            say(Kind::Duplicate, format!("{a} delivers {m} a second time"));
            return;
        }
        let o = m.origin.index();
        if o >= view.len() || m.seq as usize > view.disk(m.origin).sent.len() || m.seq == 0 {
            say(
                Kind::Created,
                format!("{a} delivers {m}, which {} never broadcast", m.origin),
            );
            return;
        }
        if kinds.contains(&Kind::Fifo) {
            if let Some(seq) = (1..m.seq).find(|&seq| {
                !self.at[i].contains_key(&Mid {
                    origin: m.origin,
                    seq,
                })
            }) {
                say(
                    Kind::Fifo,
                    format!(
                        "{a} delivers {m} before {}, which {} broadcast first",
                        Mid {
                            origin: m.origin,
                            seq
                        },
                        m.origin
                    ),
                );
            }
        }
        if kinds.contains(&Kind::Causal) {
            if let Some(past) = self.past.get(&m) {
                if let Some(x) = past.iter().find(|x| !self.at[i].contains_key(*x)) {
                    say(
                        Kind::Causal,
                        format!(
                            "{a} delivers {m} before {x}, which is in its causal past ({} had broadcast or delivered {x}, or something that followed it, before broadcasting {m})",
                            m.origin
                        ),
                    );
                }
            }
        }
        if kinds.contains(&Kind::Total) {
            for (b, theirs) in self.at.iter().enumerate() {
                if b == i {
                    continue;
                }
                let Some(&q) = theirs.get(&m) else {
                    continue;
                };
                if let Some(x) = earlier
                    .iter()
                    .find(|x| theirs.get(*x).is_some_and(|&qx| qx > q))
                {
                    say(
                        Kind::Total,
                        format!("{a} delivers {x} before {m}, and n{b} delivered {m} before {x}"),
                    );
                    break;
                }
            }
        }
    }
}

/// The nodes that are correct at the end: up and honest.
fn correct(view: &CheckView<'_, BcNode>) -> Vec<NodeId> {
    view.up_nodes()
        .map(|(id, _)| id)
        .filter(|id| view.is_honest(*id))
        .collect()
}
