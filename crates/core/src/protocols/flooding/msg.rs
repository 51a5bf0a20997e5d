//! What flooding nodes say to each other, their timers, disk and notes.

use crate::ids::NodeId;
use crate::protocol::{Durable, Message, Note};
use crate::rng::SimRng;
use serde::{Deserialize, Serialize};

/// The smallest and largest value a node may propose.
pub const VALUES: (u64, u64) = (1, 99);

/// Values as `3, 17, 42` (`none` for an empty set).
pub fn values_text<'a>(values: impl IntoIterator<Item = &'a u64>) -> String {
    let parts: Vec<String> = values.into_iter().map(u64::to_string).collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FloodMsg {
    /// The values the sender had seen when round `round` began.
    Values { round: u32, values: Vec<u64> },
}

impl Message for FloodMsg {
    fn kind(&self) -> &'static str {
        "Values"
    }

    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let FloodMsg::Values { round, values } = self.clone();
        let mut values = values;
        if values.is_empty() || rng.chance(crate::rng::Ppm::percent(30)) {
            return FloodMsg::Values {
                round: round + 1,
                values,
            };
        }
        let i = rng.below(values.len() as u64) as usize;
        // A value nobody proposed, as a flipped bit would make it.
        values[i] += rng.range(100, 200);
        crate::sort::natural(&mut values);
        FloodMsg::Values { round, values }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let FloodMsg::Values { round, values } = self;
        vec![
            ("round", round.to_string()),
            ("values", values_text(values)),
        ]
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum FloodTimer {
    /// Time to send this round's values to the next peer.
    Send,
    /// The end of the current round.
    RoundEnd,
}

/// What a node writes down: the last round it began and its decision.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FloodDisk {
    pub round: u32,
    pub decision: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub enum FloodWrite {
    /// It began round `n`'s sends.
    Began(u32),
    Decided(u64),
}

impl Durable for FloodDisk {
    type Write = FloodWrite;

    fn apply(&mut self, write: FloodWrite) {
        match write {
            FloodWrite::Began(r) => self.round = r,
            FloodWrite::Decided(v) => self.decision = Some(v),
        }
    }
}

/// What a node tells the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum FloodNote {
    Proposes {
        value: u64,
    },
    /// It heard nothing from `peer` in `round`; `sure` in the synchronous model, where
    /// silence means a crash.
    Suspects {
        peer: NodeId,
        round: u32,
        sure: bool,
    },
    /// A message from `from` for `round` came after it had counted `from` as crashed (for
    /// its silence in `suspected_in`); `synchronous` when the model ruled that out.
    Late {
        from: NodeId,
        round: u32,
        suspected_in: u32,
        values: Vec<u64>,
        synchronous: bool,
    },
    Learns {
        from: NodeId,
        values: Vec<u64>,
    },
    Decides {
        value: u64,
        seen: usize,
        rounds: u32,
    },
    /// Restarted after a crash: it stays out.
    StaysOut {
        decision: Option<u64>,
    },
}

impl Note for FloodNote {
    fn text(&self) -> String {
        match self {
            FloodNote::Proposes { value } => format!("proposes {value}"),
            FloodNote::Suspects {
                peer,
                round,
                sure: true,
            } => format!("suspects {peer}: nothing from it in round {round}, so it has crashed"),
            FloodNote::Suspects { peer, round, .. } => format!(
                "suspects {peer}: nothing from it in round {round} (crashed, or only slow: it cannot tell)"
            ),
            FloodNote::Late {
                from,
                round,
                suspected_in,
                values,
                synchronous,
            } => {
                let model = if *synchronous {
                    ", which the synchronous model rules out"
                } else {
                    ""
                };
                if round <= suspected_in {
                    format!(
                        "hears {from}'s round {round} values ({}) too late: it already counts {from} as crashed and drops them (the message took longer than a round{model})",
                        values_text(values)
                    )
                } else {
                    format!(
                        "hears from {from} in round {round}, though it counted {from} as crashed in round {suspected_in}: a message from it was lost or late{model}; it drops the values ({})",
                        values_text(values)
                    )
                }
            }
            FloodNote::Learns { from, values } => {
                format!("learns {} from {from}", values_text(values))
            }
            FloodNote::Decides {
                value,
                seen,
                rounds,
            } => {
                let after = format!("after {rounds} round{}", if *rounds == 1 { "" } else { "s" });
                if *seen == 1 {
                    format!("decides {value}, the only value it has seen {after}")
                } else {
                    format!("decides {value}, the smallest of the {seen} values it has seen {after}")
                }
            }
            FloodNote::StaysOut { decision: Some(v) } => format!(
                "comes back after its crash but takes no further part (a crashed node stays crashed in this model); it had decided {v}"
            ),
            FloodNote::StaysOut { decision: None } => {
                "comes back after its crash but takes no further part (a crashed node stays crashed in this model)".into()
            }
        }
    }

    fn is_routine(&self) -> bool {
        matches!(self, FloodNote::Proposes { .. } | FloodNote::Learns { .. })
    }
}
