//! Two-phase commit's messages, disk, timers and notes.

use crate::flat::{FlatMap, FlatSet};
use crate::ids::NodeId;
use crate::protocol::{yes_no, Durable, Message, Note};
use crate::rng::SimRng;
use serde::{Deserialize, Serialize};

/// A transaction's number (t1, t2, ...).
pub type Txn = u32;

/// What a decision is, in words.
pub fn outcome(commit: bool) -> &'static str {
    if commit {
        "commit"
    } else {
        "abort"
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TpcMsg {
    /// Coordinator to participant: can you commit `txn`? (the vote request)
    Prepare { txn: Txn },
    /// Participant to coordinator: its vote.
    Vote { txn: Txn, yes: bool },
    /// The outcome of `txn`: from the coordinator, or from a participant that knows it.
    Decision { txn: Txn, commit: bool },
    /// Participant to coordinator: the decision has been applied.
    Ack { txn: Txn },
    /// A participant in doubt asks what became of `txn`.
    Ask { txn: Txn },
}

impl Message for TpcMsg {
    fn kind(&self) -> &'static str {
        match self {
            TpcMsg::Prepare { .. } => "Prepare",
            TpcMsg::Vote { .. } => "Vote",
            TpcMsg::Decision { .. } => "Decision",
            TpcMsg::Ack { .. } => "Ack",
            TpcMsg::Ask { .. } => "Ask",
        }
    }

    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let other = |txn: Txn, rng: &mut SimRng| txn + 1 + rng.below(3) as Txn;
        match self.clone() {
            TpcMsg::Prepare { txn } => TpcMsg::Prepare {
                txn: other(txn, rng),
            },
            TpcMsg::Vote { txn, yes } => TpcMsg::Vote { txn, yes: !yes },
            TpcMsg::Decision { txn, commit } => TpcMsg::Decision {
                txn,
                commit: !commit,
            },
            TpcMsg::Ack { txn } => TpcMsg::Ack {
                txn: other(txn, rng),
            },
            TpcMsg::Ask { txn } => TpcMsg::Ask {
                txn: other(txn, rng),
            },
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let t = |txn: &Txn| ("transaction", format!("t{txn}"));
        match self {
            TpcMsg::Prepare { txn } | TpcMsg::Ack { txn } | TpcMsg::Ask { txn } => vec![t(txn)],
            TpcMsg::Vote { txn, yes } => vec![t(txn), ("yes", yes_no(*yes))],
            TpcMsg::Decision { txn, commit } => {
                vec![t(txn), ("outcome", outcome(*commit).to_string())]
            }
        }
    }
}

/// What a node keeps on disk: the transactions it began (coordinator), voted yes on
/// (participant), and the decisions it knows.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TpcDisk {
    pub begun: FlatSet<Txn>,
    pub ready: FlatSet<Txn>,
    pub decided: FlatMap<Txn, bool>,
}

#[derive(Clone, Debug, Serialize)]
pub enum TpcWrite {
    Begin(Txn),
    Ready(Txn),
    Decide(Txn, bool),
}

impl Durable for TpcDisk {
    type Write = TpcWrite;

    fn apply(&mut self, write: TpcWrite) {
        match write {
            TpcWrite::Begin(t) => {
                self.begun.insert(t);
            }
            TpcWrite::Ready(t) => {
                self.ready.insert(t);
            }
            TpcWrite::Decide(t, commit) => {
                self.decided.entry(t).or_insert(commit);
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum TpcTimer {
    /// Coordinator: begin the next transaction.
    Next,
    /// Coordinator: the votes for this transaction are overdue.
    Votes(Txn),
    /// Coordinator: send this decision again to whoever has not acknowledged it.
    Resend(Txn),
    /// Participant: still in doubt about this transaction; ask again.
    Doubt(Txn),
}

/// Why a coordinator decided as it did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Why {
    AllYes,
    VotedNo(NodeId),
    NoVoteFrom(NodeId),
    Restarted,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum TpcNote {
    Begins(Txn),
    VotesYes(Txn),
    VotesNo(Txn),
    Decides {
        txn: Txn,
        commit: bool,
        why: Why,
    },
    /// A participant applies the outcome, heard from `from`.
    Applies {
        txn: Txn,
        commit: bool,
        from: NodeId,
    },
    InDoubt(Txn),
    /// Asked by a participant in doubt about a transaction it never voted on: aborts it.
    AbortsUnvoted {
        txn: Txn,
        asker: NodeId,
    },
    GivesUp(Txn),
    /// Kept for the checkers (a record, not traced): this participant voted on `txn`.
    Voted {
        txn: Txn,
        yes: bool,
    },
    /// Kept for the checkers (a record, not traced): this node decided `txn`.
    Decided {
        txn: Txn,
        commit: bool,
    },
}

impl Note for TpcNote {
    fn text(&self) -> String {
        match self {
            TpcNote::Voted { txn, yes } => {
                format!("voted {} on t{txn}", if *yes { "yes" } else { "no" })
            }
            TpcNote::Decided { txn, commit } => {
                format!("decided to {} t{txn}", if *commit { "commit" } else { "abort" })
            }
            TpcNote::Begins(t) => format!("begins transaction t{t} and asks every participant to prepare"),
            TpcNote::VotesYes(t) => format!(
                "votes yes on t{t}, written to its disk first: it may no longer abort t{t} on its own"
            ),
            TpcNote::VotesNo(t) => format!("votes no on t{t} and aborts it"),
            TpcNote::Decides { txn, commit, why } => {
                let why = match why {
                    Why::AllYes => "every participant voted yes".to_string(),
                    Why::VotedNo(n) => format!("{n} voted no"),
                    Why::NoVoteFrom(n) => format!("no vote from {n} in time"),
                    Why::Restarted => {
                        "it restarted and had not decided before its crash".to_string()
                    }
                };
                format!("decides to {} t{txn}: {why}", outcome(*commit))
            }
            TpcNote::Applies { txn, commit, from } => {
                let done = if *commit { "commits" } else { "aborts" };
                if from.0 == 0 {
                    format!("{done} t{txn}")
                } else {
                    format!("{done} t{txn}, as {from} told it")
                }
            }
            TpcNote::InDoubt(t) => format!(
                "is in doubt about t{t}: it voted yes and has heard no decision, so it may neither commit nor abort"
            ),
            TpcNote::AbortsUnvoted { txn, asker } => format!(
                "never voted on t{txn}, so aborts it when {asker} asks (it will vote no)"
            ),
            TpcNote::GivesUp(t) => format!("gives up waiting and aborts t{t} on its own"),
        }
    }

    fn is_routine(&self) -> bool {
        matches!(self, TpcNote::Applies { from, .. } if from.0 == 0)
    }
}
