//! What the Byzantine generals promise: the loyal lieutenants obey the same order (IC1),
//! and a loyal commander's order (IC2); and at the end, every loyal lieutenant decided.
//!
//! "Loyal" is judged from the run: a general that lied at any moment, or was ever down, is
//! faulty from then on. The promises hold with at most m faulty generals, and for oral
//! messages only with more than 3m generals; a violation says how many were faulty.

mod agree;
mod decide;
mod obey;

use super::{ByzConfig, ByzGeneral};
use crate::check::{CheckView, EndProperty, Invariant};
use crate::flat::FlatSet;
use crate::ids::NodeId;

pub use agree::LoyalAgree;
pub use decide::EveryLoyalDecides;
pub use obey::LoyalObey;

pub fn safety(config: &ByzConfig, nodes: usize) -> Vec<Box<dyn Invariant<ByzGeneral>>> {
    vec![
        Box::new(LoyalAgree::new(config, nodes)),
        Box::new(LoyalObey::new(config, nodes)),
    ]
}

pub fn at_end(_config: &ByzConfig, _nodes: usize) -> Vec<Box<dyn EndProperty<ByzGeneral>>> {
    vec![Box::new(EveryLoyalDecides)]
}

/// The generals seen faulty so far: lying, or down.
#[derive(Clone, Debug)]
pub struct Faulty {
    seen: FlatSet<NodeId>,
    m: u32,
    nodes: usize,
    algorithm: String,
    signed: bool,
}

impl Faulty {
    pub fn new(config: &ByzConfig, nodes: usize) -> Self {
        Faulty {
            seen: FlatSet::new(),
            m: config.m,
            nodes,
            algorithm: config.algorithm(),
            signed: config.signed,
        }
    }

    /// Notes who is faulty after this event: lying, or crashed. (A paused general, or one
    /// whose messages are lost, breaks the synchronous model too; the fuzzer keeps to the
    /// model, and on the page a violation after such faults is the model's limit shown.)
    pub fn look(&mut self, view: &CheckView<'_, ByzGeneral>) {
        for id in (0..view.len() as u32).map(NodeId) {
            // Crashed (a node not booted yet is neither).
            if view.crashed(id).is_some() || !view.is_honest(id) {
                self.seen.insert(id);
            }
        }
    }

    pub fn is_loyal(&self, id: NodeId) -> bool {
        !self.seen.contains(&id)
    }

    /// Who was faulty, and whether the algorithm promised anything with that many.
    pub fn context(&self) -> String {
        let names: Vec<String> = self.seen.iter().map(|n| n.to_string()).collect();
        let who = match names.len() {
            0 => "no general was faulty".to_string(),
            1 => format!("1 faulty general ({})", names[0]),
            k => format!("{k} faulty generals ({})", names.join(", ")),
        };
        let bound = if self.seen.len() > self.m as usize {
            format!(
                "; {} is made for at most {} traitor{}",
                self.algorithm,
                self.m,
                if self.m == 1 { "" } else { "s" }
            )
        } else if !self.signed && self.nodes <= 3 * self.m as usize {
            format!(
                "; with {} generals, no more than 3m = {}, oral messages cannot promise this",
                self.nodes,
                3 * self.m
            )
        } else {
            String::new()
        };
        format!("{who}{bound}")
    }
}

/// The loyal lieutenants that have decided, with their orders.
pub fn loyal_decisions<'a>(
    view: &'a CheckView<'_, ByzGeneral>,
    faulty: &'a Faulty,
) -> impl Iterator<Item = (NodeId, super::Order)> + 'a {
    view.up_nodes()
        .filter(|(id, g)| !g.is_commander() && faulty.is_loyal(*id))
        .filter_map(|(id, g)| Some((id, g.decision()?)))
}
