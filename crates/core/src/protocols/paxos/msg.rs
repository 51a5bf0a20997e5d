//! What Paxos nodes say to each other, what they write to disk, what they tell the trace,
//! and the ballots and values all of it is made of.

use crate::flat::FlatSet;
use crate::ids::NodeId;
use crate::protocol::{Durable, Message, Note};
use crate::rng::SimRng;
use crate::time::{Micros, Pretty};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A ballot (Lamport's proposal number): a round, and the proposer that uses it, so that no
/// two proposers ever use the same ballot. Ordered by round, then by proposer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ballot {
    pub round: u64,
    pub proposer: u32,
}

impl fmt::Display for Ballot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.round, self.proposer)
    }
}

/// A value a proposer proposes: proposer `n1` proposes `v1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Val(pub u32);

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

/// An acceptance in words: `v1 in ballot 2.0`, or `nothing`.
pub fn accepted_text(accepted: Option<(Ballot, Val)>) -> String {
    match accepted {
        Some((b, v)) => format!("{v} in ballot {b}"),
        None => "nothing".into(),
    }
}

pub(super) fn ballot_text(ballot: Option<Ballot>) -> String {
    ballot.map_or("none".into(), |b| b.to_string())
}

/// Nodes as `n0, n2, n4`.
pub fn names(nodes: &FlatSet<NodeId>) -> String {
    let names: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
    names.join(", ")
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaxosMsg {
    /// Phase 1a, proposer to acceptors: promise me `ballot`.
    Prepare { ballot: Ballot },
    /// Phase 1b: the promise, with the highest-ballot value the acceptor accepted, if any.
    Promise {
        ballot: Ballot,
        accepted: Option<(Ballot, Val)>,
    },
    /// Phase 2a, proposer to acceptors: accept `value` in `ballot`.
    Accept { ballot: Ballot, value: Val },
    /// Phase 2b, acceptor to every learner: it accepted `value` in `ballot`.
    Accepted { ballot: Ballot, value: Val },
    /// An acceptor refuses `ballot`: it promised the higher `promised`.
    Nack { ballot: Ballot, promised: Ballot },
    /// A learner that knows nothing yet asks whether a value was chosen.
    Ask,
    /// The answer of a learner that knows: `value` was chosen.
    Decided { value: Val },
}

impl Message for PaxosMsg {
    fn kind(&self) -> &'static str {
        match self {
            PaxosMsg::Prepare { .. } => "Prepare",
            PaxosMsg::Promise { .. } => "Promise",
            PaxosMsg::Accept { .. } => "Accept",
            PaxosMsg::Accepted { .. } => "Accepted",
            PaxosMsg::Nack { .. } => "Nack",
            PaxosMsg::Ask => "Ask",
            PaxosMsg::Decided { .. } => "Decided",
        }
    }

    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let bump = |b: Ballot, rng: &mut SimRng| Ballot {
            round: b.round + rng.range(1, 3),
            ..b
        };
        match self.clone() {
            PaxosMsg::Prepare { ballot } => PaxosMsg::Prepare {
                ballot: bump(ballot, rng),
            },
            PaxosMsg::Promise { ballot, accepted } => PaxosMsg::Promise {
                ballot,
                accepted: match accepted {
                    Some(_) => None,
                    None => Some((ballot, Val(rng.range(0, 8) as u32))),
                },
            },
            PaxosMsg::Accept { ballot, value } => PaxosMsg::Accept {
                ballot,
                value: Val(value.0 + 1),
            },
            PaxosMsg::Accepted { ballot, value } => PaxosMsg::Accepted {
                ballot: bump(ballot, rng),
                value,
            },
            PaxosMsg::Nack { ballot, promised } => PaxosMsg::Nack {
                ballot,
                promised: bump(promised, rng),
            },
            PaxosMsg::Ask => PaxosMsg::Decided {
                value: Val(rng.range(0, 8) as u32),
            },
            PaxosMsg::Decided { value } => PaxosMsg::Decided {
                value: Val(value.0 + 1),
            },
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            PaxosMsg::Prepare { ballot } => vec![("ballot", ballot.to_string())],
            PaxosMsg::Promise { ballot, accepted } => vec![
                ("ballot", ballot.to_string()),
                ("accepted before", accepted_text(*accepted)),
            ],
            PaxosMsg::Accept { ballot, value } | PaxosMsg::Accepted { ballot, value } => {
                vec![("ballot", ballot.to_string()), ("value", value.to_string())]
            }
            PaxosMsg::Nack { ballot, promised } => vec![
                ("refuses", ballot.to_string()),
                ("promised", promised.to_string()),
            ],
            PaxosMsg::Ask => vec![("asks", "which value was chosen".into())],
            PaxosMsg::Decided { value } => vec![("chosen", value.to_string())],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum PaxosTimer {
    /// A proposer's ballot got no answer from a majority in time, or its pause after being
    /// preempted is over: it prepares a higher ballot.
    Retry,
    /// A learner that knows nothing yet asks the others.
    Ask,
    /// A proposer whose start is staggered begins (see `PaxosConfig::stagger_us`).
    Start,
}

/// What a node writes down: as an acceptor, its promise and its acceptance; as a
/// proposer, the highest round it used; as a learner, the value it learned.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PaxosDisk {
    pub promised: Option<Ballot>,
    pub accepted: Option<(Ballot, Val)>,
    pub round: u64,
    pub learned: Option<Val>,
}

#[derive(Clone, Debug, Serialize)]
pub enum PaxosWrite {
    /// An acceptor's promise; with `kept` false (the `forget-promise` bug) it stays in
    /// memory and the write records nothing.
    Promise { ballot: Ballot, kept: bool },
    /// An acceptance (which is also a promise of its ballot); `kept` as for a promise.
    Accept {
        ballot: Ballot,
        value: Val,
        kept: bool,
    },
    /// A proposer's round, written before its ballot is used, so that a restarted
    /// proposer never uses the same ballot for another value.
    Round(u64),
    /// The value a learner learned.
    Learned(Val),
}

impl Durable for PaxosDisk {
    type Write = PaxosWrite;

    fn apply(&mut self, write: PaxosWrite) {
        match write {
            PaxosWrite::Promise { ballot, kept: true } => self.promised = Some(ballot),
            PaxosWrite::Accept {
                ballot,
                value,
                kept: true,
            } => {
                self.promised = Some(ballot);
                self.accepted = Some((ballot, value));
            }
            PaxosWrite::Promise { .. } | PaxosWrite::Accept { .. } => {}
            PaxosWrite::Round(round) => self.round = round,
            PaxosWrite::Learned(value) => self.learned = Some(value),
        }
    }
}

/// What a node tells the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum PaxosNote {
    Prepares {
        ballot: Ballot,
    },
    Retries {
        ballot: Ballot,
    },
    Promises {
        ballot: Ballot,
        accepted: Option<(Ballot, Val)>,
    },
    /// With promises from a majority, it proposes `value`: the one accepted in `adopted`
    /// if a promise reported one, else its own. `ignored` is a report it set aside (the
    /// `ignore-promised-values` bug).
    Proposes {
        ballot: Ballot,
        value: Val,
        adopted: Option<Ballot>,
        ignored: Option<(Ballot, Val)>,
    },
    Accepts {
        ballot: Ballot,
        value: Val,
    },
    Refuses {
        ballot: Ballot,
        promised: Ballot,
        accept: bool,
    },
    Preempted {
        ballot: Ballot,
        by: Ballot,
        after: Micros,
    },
    Learns {
        value: Val,
        ballot: Ballot,
        by: FlatSet<NodeId>,
    },
    Told {
        value: Val,
        by: NodeId,
    },
    Asks,
}

impl Note for PaxosNote {
    fn text(&self) -> String {
        match self {
            PaxosNote::Prepares { ballot } => {
                format!("prepares ballot {ballot} and asks every acceptor for a promise")
            }
            PaxosNote::Retries { ballot } => format!(
                "has no answer from a majority for ballot {ballot} and tries a higher ballot"
            ),
            PaxosNote::Promises { ballot, accepted } => match accepted {
                Some(_) => format!(
                    "promises ballot {ballot} and reports that it accepted {}",
                    accepted_text(*accepted)
                ),
                None => format!("promises ballot {ballot}; it has accepted nothing"),
            },
            PaxosNote::Proposes {
                ballot,
                value,
                adopted,
                ignored,
            } => match (adopted, ignored) {
                (Some(b), _) => format!(
                    "has promises from a majority for ballot {ballot} and proposes {value}, which a promise reported accepted in ballot {b}"
                ),
                (None, Some((b, v))) => format!(
                    "has promises from a majority for ballot {ballot} and proposes its own {value}, ignoring that {v} was accepted in ballot {b}"
                ),
                (None, None) => format!(
                    "has promises from a majority for ballot {ballot}; none reported an accepted value, so it proposes its own {value}"
                ),
            },
            PaxosNote::Accepts { ballot, value } => format!("accepts {value} in ballot {ballot}"),
            PaxosNote::Refuses {
                ballot,
                promised,
                accept,
            } => format!(
                "refuses to {} ballot {ballot}: it promised the higher ballot {promised}",
                if *accept { "accept in" } else { "promise" }
            ),
            PaxosNote::Preempted { ballot, by, after: 0 } => {
                format!("is preempted in ballot {ballot} by ballot {by} and retries at once")
            }
            PaxosNote::Preempted { ballot, by, after } => format!(
                "is preempted in ballot {ballot} by ballot {by} and will retry in {}",
                Pretty(*after)
            ),
            PaxosNote::Learns { value, ballot, by } => {
                format!("learns {value} (accepted by {} in ballot {ballot})", names(by))
            }
            PaxosNote::Told { value, by } => format!("learns {value} from {by}, which knew it"),
            PaxosNote::Asks => "knows no chosen value yet and asks the others".into(),
        }
    }

    /// Promises, acceptances and questions are routine; phases, refusals, preemption and
    /// learning are the story.
    fn is_routine(&self) -> bool {
        matches!(
            self,
            PaxosNote::Promises { .. } | PaxosNote::Accepts { .. } | PaxosNote::Asks
        )
    }
}
