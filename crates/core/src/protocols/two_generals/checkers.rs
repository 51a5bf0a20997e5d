//! What the two generals promise, and the one thing they cannot.

use super::{Decision, General};
use crate::check::{CheckView, EndProperty, Invariant};
use crate::ids::NodeId;

pub fn safety() -> Vec<Box<dyn Invariant<General>>> {
    vec![
        Box::new(DecisionsAreFinal::default()),
        Box::new(AttacksRestOnRealMessengers),
    ]
}

pub fn at_end() -> Vec<Box<dyn EndProperty<General>>> {
    vec![Box::new(EveryGeneralDecides), Box::new(GeneralsDecideAlike)]
}

/// Once a general has decided, it never decides otherwise, across crashes too.
#[derive(Clone, Debug, Default)]
pub struct DecisionsAreFinal {
    seen: Vec<Option<Decision>>,
}

impl Invariant<General> for DecisionsAreFinal {
    fn name(&self) -> &'static str {
        "decisions are final"
    }

    fn check(&mut self, view: &CheckView<'_, General>) -> Result<(), String> {
        let Some((id, general)) = view.actor() else {
            return Ok(());
        };
        if self.seen.len() <= id.index() {
            self.seen.resize(id.index() + 1, None);
        }
        let seen = &mut self.seen[id.index()];
        match (*seen, general.decision()) {
            (Some(before), Some(now)) if before != now => Err(format!(
                "{id} decided to {} and later to {}",
                word(before),
                word(now)
            )),
            (_, Some(now)) => {
                *seen = Some(now);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn clone_box(&self) -> Box<dyn Invariant<General>> {
        Box::new(self.clone())
    }
}

/// An honest general attacks only when the messengers it counts on were really sent: the
/// other general must have received the messenger before the last one meant for it (a
/// forged or corrupted messenger that skips ahead breaks this).
#[derive(Clone, Debug)]
pub struct AttacksRestOnRealMessengers;

impl Invariant<General> for AttacksRestOnRealMessengers {
    fn name(&self) -> &'static str {
        "attacks rest on real messengers"
    }

    fn check(&mut self, view: &CheckView<'_, General>) -> Result<(), String> {
        let Some((id, general)) = view.actor() else {
            return Ok(());
        };
        if general.decision() != Some(Decision::Attack) || !view.is_honest(id) {
            return Ok(());
        }
        let other = NodeId(1 - id.0.min(1));
        let Some(slot) = view.nodes.get(other.index()) else {
            return Ok(());
        };
        let needed = general.heard().saturating_sub(1);
        let other_heard = slot.state.as_ref().map_or(slot.disk.heard, |g| g.heard());
        if general.heard() > 1 && other_heard < needed {
            return Err(format!(
                "{id} attacks on messenger {}, but {other} never received messenger {needed}, so never sent it",
                general.heard()
            ));
        }
        Ok(())
    }

    fn clone_box(&self) -> Box<dyn Invariant<General>> {
        Box::new(self.clone())
    }
}

/// At the end: every honest general that is up, knows the plan and whose clock has passed
/// the moment has decided.
#[derive(Clone, Debug)]
pub struct EveryGeneralDecides;

impl EndProperty<General> for EveryGeneralDecides {
    fn name(&self) -> &'static str {
        "every general decides"
    }

    fn check_end(&self, view: &CheckView<'_, General>) -> Result<(), String> {
        for (id, g) in view.up_nodes() {
            let clock = view.nodes[id.index()].clock.read(view.now);
            let due = g.plan().is_some_and(|at| clock >= at as i64);
            if view.is_honest(id) && due && g.decision().is_none() {
                return Err(format!(
                    "{id} knows the plan, the moment passed, and it never decided"
                ));
            }
        }
        Ok(())
    }
}

/// At the end: the generals decided alike (a general that never heard the plan holds).
/// The protocol cannot promise this on a link that loses messengers; the checker shows it.
#[derive(Clone, Debug)]
pub struct GeneralsDecideAlike;

impl EndProperty<General> for GeneralsDecideAlike {
    fn name(&self) -> &'static str {
        "the generals decide alike"
    }

    fn check_end(&self, view: &CheckView<'_, General>) -> Result<(), String> {
        let decision = |i: usize| {
            let slot = &view.nodes[i];
            slot.state
                .as_ref()
                .map_or(slot.disk.decision, |g| g.decision())
                .unwrap_or(Decision::Hold)
        };
        if view.nodes.len() < 2 || !view.is_honest(NodeId(0)) || !view.is_honest(NodeId(1)) {
            return Ok(());
        }
        let (a, b) = (decision(0), decision(1));
        if a != b {
            let (attacker, holder) = if a == Decision::Attack {
                (0, 1)
            } else {
                (1, 0)
            };
            return Err(format!(
                "n{attacker} attacked alone: n{holder} held, because a messenger it was owed never arrived"
            ));
        }
        Ok(())
    }
}

fn word(d: Decision) -> &'static str {
    match d {
        Decision::Attack => "attack",
        Decision::Hold => "hold",
    }
}
