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
    /// Three phases: every participant voted yes on `txn`; be ready to commit it.
    PreCommit { txn: Txn },
    /// Three phases: the answer to a pre-commit.
    PreAck { txn: Txn },
    /// Three phases: a participant in doubt tells one that asked how far it got with `txn`
    /// (pre-committed, or only voted yes).
    State { txn: Txn, precommitted: bool },
}

impl Message for TpcMsg {
    fn kind(&self) -> &'static str {
        match self {
            TpcMsg::Prepare { .. } => "Prepare",
            TpcMsg::Vote { .. } => "Vote",
            TpcMsg::Decision { .. } => "Decision",
            TpcMsg::Ack { .. } => "Ack",
            TpcMsg::Ask { .. } => "Ask",
            TpcMsg::PreCommit { .. } => "PreCommit",
            TpcMsg::PreAck { .. } => "PreAck",
            TpcMsg::State { .. } => "State",
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
            TpcMsg::PreCommit { txn } => TpcMsg::PreCommit {
                txn: other(txn, rng),
            },
            TpcMsg::PreAck { txn } => TpcMsg::PreAck {
                txn: other(txn, rng),
            },
            TpcMsg::State { txn, precommitted } => TpcMsg::State {
                txn,
                precommitted: !precommitted,
            },
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let t = |txn: &Txn| ("transaction", format!("t{txn}"));
        match self {
            TpcMsg::Prepare { txn }
            | TpcMsg::Ack { txn }
            | TpcMsg::Ask { txn }
            | TpcMsg::PreCommit { txn }
            | TpcMsg::PreAck { txn } => vec![t(txn)],
            TpcMsg::State { txn, precommitted } => vec![
                t(txn),
                (
                    "state",
                    if *precommitted {
                        "pre-committed"
                    } else {
                        "voted yes"
                    }
                    .to_string(),
                ),
            ],
            TpcMsg::Vote { txn, yes } => vec![t(txn), ("yes", yes_no(*yes))],
            TpcMsg::Decision { txn, commit } => {
                vec![t(txn), ("outcome", outcome(*commit).to_string())]
            }
        }
    }
}

/// What a node keeps on disk: the transactions it began (coordinator), voted yes on
/// (participant), was pre-committed to (participant, three phases), and the decisions it
/// knows.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TpcDisk {
    pub begun: FlatSet<Txn>,
    pub ready: FlatSet<Txn>,
    pub decided: FlatMap<Txn, bool>,
    #[serde(skip_serializing_if = "FlatSet::is_empty")]
    pub precommitted: FlatSet<Txn>,
}

#[derive(Clone, Debug, Serialize)]
pub enum TpcWrite {
    Begin(Txn),
    Ready(Txn),
    Decide(Txn, bool),
    PreCommit(Txn),
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
            TpcWrite::PreCommit(t) => {
                self.precommitted.insert(t);
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
    /// Participant: still in doubt about this transaction; ask again. (Three phases: the
    /// coordinator is silent; weigh the states heard and ask again. Also a restarted
    /// coordinator's question.)
    Doubt(Txn),
    /// Three phases: the acknowledgements of this pre-commit are overdue (the coordinator,
    /// or a participant that took over).
    PreAcks(Txn),
}

/// Why a coordinator decided as it did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Why {
    AllYes,
    VotedNo(NodeId),
    NoVoteFrom(NodeId),
    Restarted,
    /// Three phases: every participant acknowledged the pre-commit.
    AllPreCommitted,
    /// Three phases: no acknowledgement of the pre-commit from this participant in time (it
    /// is taken to have crashed).
    NoPreAckFrom(NodeId),
    /// Three phases, the termination protocol: a pre-committed participant among those
    /// reached, and the others pre-committed now.
    TakeOverPreCommitted,
    /// Three phases, the termination protocol: nobody reached is pre-committed.
    TakeOverNonePreCommitted,
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
    /// Three phases: the coordinator has every yes and sends pre-commit.
    PreCommits(Txn),
    /// Three phases: a participant is pre-committed, told by `from`.
    PreCommitted {
        txn: Txn,
        from: NodeId,
    },
    /// Three phases: a participant has heard nothing of `txn` from the coordinator for too
    /// long and asks the others for their state.
    CoordinatorSilent {
        txn: Txn,
        precommitted: bool,
    },
    /// Three phases: a participant takes over as coordinator of `txn` (it heard from no
    /// lower-numbered participant), having reached `reached`; `precommitted`: one of them
    /// (or itself) is pre-committed.
    TakesOver {
        txn: Txn,
        reached: Vec<NodeId>,
        precommitted: Option<NodeId>,
    },
    /// Three phases: a restarted coordinator asks the participants what became of `txn`
    /// instead of aborting it.
    AsksAfterRestart(Txn),
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
                    Why::AllPreCommitted => {
                        "every participant acknowledged the pre-commit".to_string()
                    }
                    Why::NoPreAckFrom(n) => format!(
                        "every participant voted yes; no acknowledgement of the pre-commit from {n} in time, so it is taken to have crashed"
                    ),
                    Why::TakeOverPreCommitted => {
                        "the participants it reaches are all pre-committed now (termination protocol)"
                            .to_string()
                    }
                    Why::TakeOverNonePreCommitted => {
                        "no participant it reaches is pre-committed, so nobody can have committed it (termination protocol)"
                            .to_string()
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
            TpcNote::PreCommits(t) => format!(
                "has a yes from every participant on t{t}: sends pre-commit to all and waits for their acknowledgements"
            ),
            TpcNote::PreCommitted { txn, from } => format!(
                "is pre-committed to t{txn}, as {from} told it: it knows every participant voted yes, writes that down and acknowledges"
            ),
            TpcNote::CoordinatorSilent { txn, precommitted } => format!(
                "has heard nothing from the coordinator about t{txn} for too long ({}): it asks the other participants for their state",
                if *precommitted {
                    "pre-committed"
                } else {
                    "voted yes, not pre-committed"
                }
            ),
            TpcNote::TakesOver {
                txn,
                reached,
                precommitted,
            } => {
                let reached: Vec<String> = reached.iter().map(NodeId::to_string).collect();
                let heard = if reached.is_empty() {
                    "hears from no other participant".to_string()
                } else {
                    format!(
                        "hears from no lower-numbered participant (it reaches {})",
                        reached.join(", ")
                    )
                };
                let plan = match precommitted {
                    Some(p) => format!(
                        "{p} is pre-committed, so nobody can have aborted: it sends pre-commit to the others, then commits"
                    ),
                    None => {
                        "none of them is pre-committed, so nobody can have committed: it aborts"
                            .to_string()
                    }
                };
                format!("takes over as coordinator of t{txn}: it {heard}; {plan}")
            }
            TpcNote::AsksAfterRestart(t) => format!(
                "restarted with t{t} undecided; with three phases the participants may have finished it without it, so it asks them instead of aborting"
            ),
        }
    }

    fn is_routine(&self) -> bool {
        matches!(self, TpcNote::Applies { from, .. } if from.0 == 0)
    }
}
