//! What the two generals promise, and the one thing they cannot.

use super::{Decision, General};
use crate::about::{PropertyDesc, PropertyKind};
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

impl DecisionsAreFinal {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "decisions are final",
        kind: PropertyKind::Safety,
        promise: "a general never changes its decision, across crashes too",
        promised: true,
    };
}

impl Invariant<General> for DecisionsAreFinal {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
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
}

/// An honest general attacks only when the messengers it counts on were really sent: the
/// other general must have received the messenger before the last one meant for it (a
/// forged or corrupted messenger that skips ahead breaks this).
#[derive(Clone, Debug)]
pub struct AttacksRestOnRealMessengers;

impl AttacksRestOnRealMessengers {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "attacks rest on real messengers",
        kind: PropertyKind::Safety,
        promise: "an honest general attacks only on messengers the other general really sent",
        promised: true,
    };
}

impl Invariant<General> for AttacksRestOnRealMessengers {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check(&mut self, view: &CheckView<'_, General>) -> Result<(), String> {
        let Some((id, general)) = view.actor() else {
            return Ok(());
        };
        if general.decision() != Some(Decision::Attack) || !view.is_honest(id) {
            return Ok(());
        }
        let other = NodeId(1 - id.0.min(1));
        if other.index() >= view.len() {
            return Ok(());
        }
        let needed = general.heard().saturating_sub(1);
        let other_heard = view
            .node(other)
            .map_or(view.disk(other).heard, |g| g.heard());
        if general.heard() > 1 && other_heard < needed {
            return Err(format!(
                "{id} attacks on messenger {}, but {other} never received messenger {needed}, so never sent it",
                general.heard()
            ));
        }
        Ok(())
    }
}

/// At the end: every honest general that is up, knows the plan and whose clock has passed
/// the moment has decided.
#[derive(Clone, Debug)]
pub struct EveryGeneralDecides;

impl EveryGeneralDecides {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "every general decides",
        kind: PropertyKind::AtEnd,
        promise: "every general that knows the plan decides once its clock passes the moment",
        promised: true,
    };
}

impl EndProperty<General> for EveryGeneralDecides {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, General>) -> Result<(), String> {
        for (id, g) in view.up_nodes() {
            let clock = view.clock(id);
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

/// At the end: the generals decided alike, both attacking at the same moment or both
/// holding (a general that never heard the plan holds). The protocol cannot promise this on
/// a link that loses messengers, nor when a general lies; the checker shows it.
#[derive(Clone, Debug)]
pub struct GeneralsDecideAlike;

impl GeneralsDecideAlike {
    /// The property, as the protocol's description lists it.
    pub const PROPERTY: PropertyDesc = PropertyDesc {
        name: "the generals decide alike",
        kind: PropertyKind::AtEnd,
        promise: "both attack or both hold: what the generals want, and what no protocol that attacks when every messenger gets through can promise over a link that may lose any message",
        promised: false,
    };
}

impl EndProperty<General> for GeneralsDecideAlike {
    fn property(&self) -> &'static PropertyDesc {
        &Self::PROPERTY
    }

    fn check_end(&self, view: &CheckView<'_, General>) -> Result<(), String> {
        if view.len() < 2 {
            return Ok(());
        }
        let outcome = |i: usize| {
            let id = NodeId(i as u32);
            let (decision, plan) = match view.node(id) {
                Some(g) => (g.decision(), g.plan()),
                None => (view.disk(id).decision, view.disk(id).plan),
            };
            match decision {
                Some(Decision::Attack) => Some(plan.unwrap_or(0)),
                _ => None,
            }
        };
        match (outcome(0), outcome(1)) {
            (Some(a), Some(b)) if a != b => Err(format!(
                "both attack, but n0 at {} and n1 at {}",
                crate::time::format_duration(a),
                crate::time::format_duration(b)
            )),
            (Some(_), None) => Err(
                "n0 attacked alone: n1 held, because a messenger it was owed never arrived".into(),
            ),
            (None, Some(_)) => Err(
                "n1 attacked alone: n0 held, because a messenger it was owed never arrived".into(),
            ),
            _ => Ok(()),
        }
    }
}

fn word(d: Decision) -> &'static str {
    match d {
        Decision::Attack => "attack",
        Decision::Hold => "hold",
    }
}
