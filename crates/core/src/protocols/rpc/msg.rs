//! What the client and server say to each other (calls and answers), their timers, disk
//! and notes.

use super::AMOUNT;
use crate::flat::FlatMap;
use crate::ids::NodeId;
use crate::protocol::{Durable, Message, Note};
use crate::rng::SimRng;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A call's idempotency key: the client that makes it and its number there (from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CallId {
    pub client: NodeId,
    pub number: u32,
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}'s call {}", self.client, self.number)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RpcMsg {
    /// Client to server: deposit `amount`, the `attempt`-th time of asking.
    Call {
        call: CallId,
        amount: u64,
        attempt: u32,
    },
    /// Server to client: the call was applied; the account now holds `balance`.
    Reply { call: CallId, balance: u64 },
    /// A restarted server tells every client so (without keys: `reissue` is a strategy).
    Restarted,
}

impl Message for RpcMsg {
    fn kind(&self) -> &'static str {
        match self {
            RpcMsg::Call { .. } => "Call",
            RpcMsg::Reply { .. } => "Reply",
            RpcMsg::Restarted => "Restarted",
        }
    }

    fn corrupt(&self, rng: &mut SimRng) -> Self {
        match self.clone() {
            RpcMsg::Call {
                call,
                amount,
                attempt,
            } => RpcMsg::Call {
                call,
                amount: amount + rng.range(1, 9),
                attempt,
            },
            RpcMsg::Reply { call, balance } => RpcMsg::Reply {
                call,
                balance: balance + rng.range(1, 9) * AMOUNT,
            },
            RpcMsg::Restarted => RpcMsg::Restarted,
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            RpcMsg::Call {
                call,
                amount,
                attempt,
            } => vec![
                ("call", call.to_string()),
                ("deposit", amount.to_string()),
                ("attempt", attempt.to_string()),
            ],
            RpcMsg::Reply { call, balance } => vec![
                ("answers", call.to_string()),
                ("balance", balance.to_string()),
            ],
            RpcMsg::Restarted => vec![("says", "I restarted".into())],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum RpcTimer {
    /// A client has waited long enough for an answer: it retries (or gives up).
    Timeout,
    /// A client's pause between calls is over.
    Next,
    /// The server's second step for a call (see [`super::Steps`]).
    Work(CallId),
}

/// What a node writes down. A client: how many calls it started, the one it waits for and
/// how its calls ended. The server: the account, the calls applied to it in order, and its
/// table of answers by idempotency key.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RpcDisk {
    pub started: u32,
    pub waiting: Option<u32>,
    pub answered: u32,
    pub gave_up: u32,
    pub balance: u64,
    pub ledger: Vec<CallId>,
    pub answers: FlatMap<CallId, u64>,
}

#[derive(Clone, Debug, Serialize)]
pub enum RpcWrite {
    /// A client starts call `number` (before its request leaves).
    Started(u32),
    /// A client's call ended: answered, or given up.
    Ended { answered: bool },
    /// The server applied `call`; with `key`, its answer goes in the table in the same
    /// write, so the effect and the record of it survive a crash together.
    Applied {
        call: CallId,
        balance: u64,
        key: bool,
    },
}

impl Durable for RpcDisk {
    type Write = RpcWrite;

    fn apply(&mut self, write: RpcWrite) {
        match write {
            RpcWrite::Started(number) => {
                self.started = number;
                self.waiting = Some(number);
            }
            RpcWrite::Ended { answered } => {
                self.waiting = None;
                if answered {
                    self.answered += 1;
                } else {
                    self.gave_up += 1;
                }
            }
            RpcWrite::Applied { call, balance, key } => {
                self.balance = balance;
                self.ledger.push(call);
                if key {
                    self.answers.insert(call, balance);
                }
            }
        }
    }
}

/// What a node tells the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum RpcNote {
    Calls {
        number: u32,
    },
    Retries {
        number: u32,
        attempt: u32,
    },
    GivesUp {
        number: u32,
    },
    Answered {
        number: u32,
        balance: u64,
    },
    Applies {
        call: CallId,
        balance: u64,
    },
    AnswersAgain {
        call: CallId,
    },
    /// The server sends a call's completion message before applying it.
    ConfirmsFirst {
        call: CallId,
    },
    /// A restarted server tells the clients so.
    AnnouncesRestart,
    /// A client hears the server restarted and sends its last call again, or does not.
    Reissues {
        number: u32,
        acked: bool,
    },
    KeepsQuiet {
        number: u32,
        acked: bool,
    },
}

impl Note for RpcNote {
    fn text(&self) -> String {
        match self {
            RpcNote::Calls { number } => format!("makes call {number}: deposit {AMOUNT}"),
            RpcNote::Retries { number, attempt } => {
                format!("hears nothing and sends call {number} again (attempt {attempt})")
            }
            RpcNote::GivesUp { number } => {
                format!("gives up on call {number}: it cannot know whether the deposit happened")
            }
            RpcNote::Answered { number, balance } => {
                format!("gets the answer to call {number}: the balance is {balance}")
            }
            RpcNote::Applies { call, balance } => {
                format!("applies {call}: the balance is now {balance}")
            }
            RpcNote::AnswersAgain { call } => format!(
                "has already applied {call}: it answers from its table and does not deposit again"
            ),
            RpcNote::ConfirmsFirst { call } => {
                format!("confirms {call} as done before it has applied it")
            }
            RpcNote::AnnouncesRestart => "has restarted and tells every client so".into(),
            RpcNote::Reissues { number, acked } => format!(
                "hears the server restarted and sends call {number} again ({})",
                heard(*acked)
            ),
            RpcNote::KeepsQuiet { number, acked } => format!(
                "hears the server restarted and does not send call {number} again ({})",
                heard(*acked)
            ),
        }
    }

    /// Retries, giving up and answering again are the story; calls going through are not.
    fn is_routine(&self) -> bool {
        matches!(
            self,
            RpcNote::Calls { .. } | RpcNote::Answered { .. } | RpcNote::Applies { .. }
        )
    }
}

/// Whether a client had the completion message of its call, in words.
fn heard(acked: bool) -> &'static str {
    if acked {
        "its completion message came"
    } else {
        "no completion message came"
    }
}
