//! IC1: all loyal lieutenants obey the same order.

use super::{loyal_decisions, Faulty};
use crate::check::{CheckView, Invariant};
use crate::protocols::byzantine::{ByzConfig, ByzGeneral};

#[derive(Clone, Debug)]
pub struct LoyalAgree {
    faulty: Faulty,
}

impl LoyalAgree {
    pub fn new(config: &ByzConfig, nodes: usize) -> Self {
        LoyalAgree {
            faulty: Faulty::new(config, nodes),
        }
    }
}

impl Invariant<ByzGeneral> for LoyalAgree {
    fn name(&self) -> &'static str {
        "loyal lieutenants agree"
    }

    fn check(&mut self, view: &CheckView<'_, ByzGeneral>) -> Result<(), String> {
        self.faulty.look(view);
        let mut decided = loyal_decisions(view, &self.faulty);
        let Some((first, order)) = decided.next() else {
            return Ok(());
        };
        match decided.find(|(_, o)| *o != order) {
            None => Ok(()),
            Some((other, o)) => Err(format!(
                "loyal lieutenants disagree: {first} will {}, {other} will {} ({})",
                order.word(),
                o.word(),
                self.faulty.context()
            )),
        }
    }

    fn clone_box(&self) -> Box<dyn Invariant<ByzGeneral>> {
        Box::new(self.clone())
    }
}
