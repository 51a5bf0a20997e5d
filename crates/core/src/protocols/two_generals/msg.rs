//! What the generals' messengers carry, their timers, disk and notes.

use crate::protocol::{Durable, Message, Note};
use crate::rng::SimRng;
use crate::time::Micros;
use serde::{Deserialize, Serialize};

/// What a general does at the moment of the attack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Attack,
    Hold,
}

/// A messenger: the `depth`-th of the chain, carrying the planned moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GeneralsMsg {
    Messenger { depth: u32, attack_at: Micros },
}

impl Message for GeneralsMsg {
    fn fields(&self) -> Vec<(&'static str, String)> {
        let GeneralsMsg::Messenger { depth, attack_at } = self;
        vec![
            ("messenger", depth.to_string()),
            ("attack at", crate::time::format_duration(*attack_at)),
        ]
    }

    fn kind(&self) -> &'static str {
        match self {
            GeneralsMsg::Messenger { depth: 1, .. } => "Order",
            GeneralsMsg::Messenger { .. } => "Confirmation",
        }
    }

    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let GeneralsMsg::Messenger { depth, attack_at } = *self;
        if rng.chance(crate::rng::Ppm::percent(50)) {
            GeneralsMsg::Messenger {
                depth: depth + 1 + rng.below(3) as u32,
                attack_at,
            }
        } else {
            GeneralsMsg::Messenger {
                depth,
                attack_at: attack_at + rng.range(1, 5) * 1_000_000,
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum GeneralsTimer {
    /// Time to send again the messenger this general owes.
    Resend,
    /// The planned moment, on this general's clock.
    Deadline,
}

/// What a general writes down: the plan, the deepest messenger received, the decision.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GeneralsDisk {
    pub plan: Option<Micros>,
    pub heard: u32,
    pub decision: Option<Decision>,
}

#[derive(Clone, Debug, Serialize)]
pub enum GeneralsWrite {
    Plan(Micros),
    Heard(u32),
    Decided(Decision),
}

impl Durable for GeneralsDisk {
    type Write = GeneralsWrite;

    fn apply(&mut self, write: GeneralsWrite) {
        match write {
            GeneralsWrite::Plan(t) => self.plan = Some(t),
            GeneralsWrite::Heard(d) => self.heard = d,
            GeneralsWrite::Decided(d) => self.decision = Some(d),
        }
    }
}

/// What a general tells the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum GeneralsNote {
    /// Messenger `depth` reached this general.
    Received { depth: u32 },
    /// The general decided; `complete` says whether every messenger meant for it came.
    Decided { decision: Decision, complete: bool },
}

impl Note for GeneralsNote {
    fn text(&self) -> String {
        match self {
            GeneralsNote::Received { depth: 1 } => "received the order (messenger 1)".into(),
            GeneralsNote::Received { depth } => format!("received messenger {depth}"),
            GeneralsNote::Decided {
                decision: Decision::Attack,
                ..
            } => "attacks".into(),
            GeneralsNote::Decided {
                decision: Decision::Hold,
                complete: false,
            } => "holds: a messenger it was owed never came".into(),
            GeneralsNote::Decided {
                decision: Decision::Hold,
                complete: true,
            } => "holds: the moment had passed when it came back".into(),
        }
    }
}
