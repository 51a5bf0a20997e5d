//! What failure detectors promise (after Chandra and Toueg): completeness, that crashed
//! nodes are suspected, and accuracy, that correct ones are not, as strongly as the system
//! model allows.

mod accuracy;
mod completeness;
mod eventual;

pub use accuracy::StrongAccuracy;
pub use completeness::StrongCompleteness;
pub use eventual::EventualAccuracy;

use super::{FdConfig, FdNode};
use crate::check::{CheckView, EndProperty, Invariant};
use crate::ids::NodeId;
use crate::time::Micros;

/// Strong accuracy is checked only in the synchronous model: anywhere else no timeout can
/// promise it. (There, a timeout too short for the model's gaps breaks it.)
pub fn safety(config: &FdConfig) -> Vec<Box<dyn Invariant<FdNode>>> {
    if config.synchronous {
        vec![Box::new(StrongAccuracy::default())]
    } else {
        Vec::new()
    }
}

pub fn at_end() -> Vec<Box<dyn EndProperty<FdNode>>> {
    vec![Box::new(StrongCompleteness), Box::new(EventualAccuracy)]
}

/// A suspicion a node began at this event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suspicion {
    pub by: NodeId,
    pub of: NodeId,
    /// The suspected node is up, honest (not made silent) and has not crashed since `by`
    /// last heard from it.
    pub wrong: bool,
    /// When `by` last heard from it (engine time; its boot if never).
    pub heard_at: Micros,
}

/// Follows a run event by event and tells which suspicions are new and which of them are
/// wrong, from what the engine knows and the nodes cannot: when each node crashed, and
/// when each node last heard from each other.
#[derive(Clone, Debug, Default)]
pub struct Judge {
    /// The latest crash of each node seen so far.
    crashed_at: Vec<Option<Micros>>,
    /// `[by][of]`: how many times `by` had heard from `of`, and when that last changed.
    heard: Vec<Vec<(u64, Micros)>>,
    /// `[by][of]`: how many suspicions of `of` by `by` have been seen.
    suspicions: Vec<Vec<u32>>,
}

impl Judge {
    /// The suspicions begun at the event `view` shows, judged.
    pub fn step(&mut self, view: &CheckView<'_, FdNode>) -> Vec<Suspicion> {
        let n = view.len();
        if self.heard.len() != n {
            self.crashed_at = vec![None; n];
            self.heard = vec![vec![(0, 0); n]; n];
            self.suspicions = vec![vec![0; n]; n];
        }
        for i in 0..n {
            if let Some((at, _)) = view.crashed(NodeId(i as u32)) {
                self.crashed_at[i] = Some(at);
            }
        }
        let Some((by, node)) = view.actor() else {
            return Vec::new();
        };
        let b = by.index();
        if view.rebooted {
            self.heard[b] = vec![(0, view.now); n];
            self.suspicions[b] = vec![0; n];
        }
        let mut new = Vec::new();
        for o in (0..n).filter(|&o| o != b) {
            let of = NodeId(o as u32);
            let heard = node.heard(of);
            if heard != self.heard[b][o].0 {
                self.heard[b][o] = (heard, view.now);
            }
            let count = node.suspicions(of);
            if count > self.suspicions[b][o] {
                self.suspicions[b][o] = count;
                let heard_at = self.heard[b][o].1;
                let correct = view.node(of).is_some() && view.is_honest(of);
                let crashed_since = self.crashed_at[o].is_some_and(|c| c >= heard_at);
                new.push(Suspicion {
                    by,
                    of,
                    wrong: correct && !crashed_since && view.is_honest(by),
                    heard_at,
                });
            }
        }
        new
    }
}
