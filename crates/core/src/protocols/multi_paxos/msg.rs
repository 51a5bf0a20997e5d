//! What Multi-Paxos nodes say to each other, what they write to disk, and what they tell
//! the trace.

use crate::client::KvOp;
use crate::describe;
use crate::flat::FlatMap;
use crate::ids::{NodeId, RequestId};
use crate::protocol::{Durable, Message, Note};
use crate::protocols::paxos::Ballot;
use crate::protocols::raft::Command;
use crate::rng::SimRng;
use serde::{Deserialize, Serialize};

/// A command in words: `no-op`, or `put k1=5 (r12)`.
pub fn command_text(cmd: &Command) -> String {
    match cmd {
        Command::Noop => "no-op".into(),
        Command::Client { req, op, .. } => format!("{} ({req})", describe::op(op)),
    }
}

/// An acceptance a promise reports: the slot, the ballot it was accepted in, the command.
pub type Report = (u64, Ballot, Command);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MpMsg {
    /// Phase 1a for every slot from `from` on.
    Prepare { ballot: Ballot, from: u64 },
    /// Phase 1b: the promise, with every acceptance in slots from the prepare's `from` on.
    Promise {
        ballot: Ballot,
        accepted: Vec<Report>,
    },
    /// Phase 2a: accept `cmd` in `slot` in `ballot`.
    Accept {
        ballot: Ballot,
        slot: u64,
        cmd: Command,
    },
    /// Phase 2b, to the leader.
    Accepted { ballot: Ballot, slot: u64 },
    /// A refusal: the acceptor promised the higher `promised`.
    Nack { ballot: Ballot, promised: Ballot },
    /// The leader tells every node that `cmd` was chosen in `slot`.
    Chosen { slot: u64, cmd: Command },
    /// The leader is alive; every slot up to `upto` is chosen.
    Heartbeat { ballot: Ballot, upto: u64 },
    /// A follower asks for the chosen slots from `from` on.
    Fetch { from: u64 },
    /// A client request passed on to the leader.
    Forward {
        req: RequestId,
        origin: NodeId,
        op: KvOp,
        hops: u8,
    },
}

impl Message for MpMsg {
    fn kind(&self) -> &'static str {
        match self {
            MpMsg::Prepare { .. } => "Prepare",
            MpMsg::Promise { .. } => "Promise",
            MpMsg::Accept { .. } => "Accept",
            MpMsg::Accepted { .. } => "Accepted",
            MpMsg::Nack { .. } => "Nack",
            MpMsg::Chosen { .. } => "Chosen",
            MpMsg::Heartbeat { .. } => "Heartbeat",
            MpMsg::Fetch { .. } => "Fetch",
            MpMsg::Forward { .. } => "Forward",
        }
    }

    fn corrupt(&self, rng: &mut SimRng) -> Self {
        let bump = |b: Ballot, rng: &mut SimRng| Ballot {
            round: b.round + rng.range(1, 3),
            ..b
        };
        match self.clone() {
            MpMsg::Prepare { ballot, from } => MpMsg::Prepare {
                ballot: bump(ballot, rng),
                from,
            },
            MpMsg::Promise {
                ballot,
                mut accepted,
            } => {
                accepted.pop();
                MpMsg::Promise { ballot, accepted }
            }
            MpMsg::Accept { ballot, slot, .. } => MpMsg::Accept {
                ballot,
                slot,
                cmd: Command::Noop,
            },
            MpMsg::Accepted { ballot, slot } => MpMsg::Accepted {
                ballot,
                slot: slot + rng.range(1, 3),
            },
            MpMsg::Nack { ballot, promised } => MpMsg::Nack {
                ballot,
                promised: bump(promised, rng),
            },
            MpMsg::Chosen { slot, .. } => MpMsg::Chosen {
                slot,
                cmd: Command::Noop,
            },
            MpMsg::Heartbeat { ballot, upto } => MpMsg::Heartbeat {
                ballot,
                upto: upto + rng.range(1, 5),
            },
            MpMsg::Fetch { from } => MpMsg::Fetch {
                from: from + rng.range(1, 5),
            },
            MpMsg::Forward {
                req,
                origin,
                op,
                hops,
            } => MpMsg::Forward {
                req,
                origin,
                op: match op {
                    KvOp::Put { key, value } => KvOp::Put {
                        key,
                        value: value + rng.range(1, 9),
                    },
                    other => other,
                },
                hops,
            },
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            MpMsg::Prepare { ballot, from } => vec![
                ("ballot", ballot.to_string()),
                ("for slots from", from.to_string()),
            ],
            MpMsg::Promise { ballot, accepted } => {
                let shown: Vec<String> = accepted
                    .iter()
                    .take(4)
                    .map(|(slot, b, cmd)| format!("{slot}: {} in {b}", command_text(cmd)))
                    .collect();
                vec![
                    ("ballot", ballot.to_string()),
                    (
                        "accepted before",
                        if accepted.is_empty() {
                            "nothing".into()
                        } else {
                            format!("{} slots ({})", accepted.len(), shown.join(", "))
                        },
                    ),
                ]
            }
            MpMsg::Accept { ballot, slot, cmd } => vec![
                ("ballot", ballot.to_string()),
                ("slot", slot.to_string()),
                ("command", command_text(cmd)),
            ],
            MpMsg::Accepted { ballot, slot } => {
                vec![("ballot", ballot.to_string()), ("slot", slot.to_string())]
            }
            MpMsg::Nack { ballot, promised } => vec![
                ("refuses", ballot.to_string()),
                ("promised", promised.to_string()),
            ],
            MpMsg::Chosen { slot, cmd } => {
                vec![("slot", slot.to_string()), ("command", command_text(cmd))]
            }
            MpMsg::Heartbeat { ballot, upto } => vec![
                ("ballot", ballot.to_string()),
                ("chosen up to slot", upto.to_string()),
            ],
            MpMsg::Fetch { from } => vec![("missing from slot", from.to_string())],
            MpMsg::Forward {
                req,
                origin,
                op,
                hops,
            } => describe::forward_fields(*req, *origin, op, *hops),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum MpTimer {
    /// No word from a leader for a while: prepare a higher ballot.
    Election,
    /// A leader's heartbeat (and resend of accepts still open).
    Heartbeat,
}

/// What a node writes down: its promise, its acceptances, the chosen slots it knows, and
/// the highest round it used.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MpDisk {
    pub promised: Option<Ballot>,
    pub accepted: FlatMap<u64, (Ballot, Command)>,
    pub chosen: FlatMap<u64, Command>,
    pub round: u64,
}

#[derive(Clone, Debug, Serialize)]
pub enum MpWrite {
    /// A promise; with `kept` false (`forget-accepted`) the write records nothing.
    Promise {
        ballot: Ballot,
        kept: bool,
    },
    /// An acceptance; `kept` as for a promise.
    Accept {
        ballot: Ballot,
        slot: u64,
        cmd: Command,
        kept: bool,
    },
    Chosen {
        slot: u64,
        cmd: Command,
    },
    Round(u64),
}

impl Durable for MpDisk {
    type Write = MpWrite;

    fn apply(&mut self, write: MpWrite) {
        match write {
            MpWrite::Promise { ballot, kept: true } => self.promised = Some(ballot),
            MpWrite::Accept {
                ballot,
                slot,
                cmd,
                kept: true,
            } => {
                self.promised = Some(ballot);
                self.accepted.insert(slot, (ballot, cmd));
            }
            MpWrite::Promise { .. } | MpWrite::Accept { .. } => {}
            MpWrite::Chosen { slot, cmd } => {
                self.chosen.insert(slot, cmd);
            }
            MpWrite::Round(round) => self.round = round,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum MpNote {
    Stands {
        ballot: Ballot,
        from: u64,
    },
    Leads {
        ballot: Ballot,
        recovered: usize,
        gaps: usize,
        ignored: usize,
        next: u64,
    },
    StepsDown {
        ballot: Ballot,
        by: Ballot,
    },
    Proposes {
        slot: u64,
        cmd: Command,
    },
    Chooses {
        slot: u64,
        cmd: Command,
    },
    Refuses {
        ballot: Ballot,
        promised: Ballot,
    },
    /// Kept for the checkers (a record, not traced): this acceptor accepted `cmd` for
    /// `slot` in `ballot`.
    Accepted {
        slot: u64,
        ballot: Ballot,
        cmd: Command,
    },
}

impl Note for MpNote {
    fn text(&self) -> String {
        match self {
            MpNote::Stands { ballot, from } => format!(
                "hears no leader and prepares ballot {ballot} for every slot from {from} on"
            ),
            MpNote::Leads {
                ballot,
                recovered,
                gaps,
                ignored,
                next,
            } => {
                let mut text = format!(
                    "leads with ballot {ballot}: it re-proposes {recovered} value{} the promises reported and fills {gaps} gap{} with no-ops; new commands go from slot {next} on",
                    if *recovered == 1 { "" } else { "s" },
                    if *gaps == 1 { "" } else { "s" }
                );
                if *ignored > 0 {
                    text = format!(
                        "leads with ballot {ballot}, ignoring {ignored} value{} the promises reported; new commands go from slot {next} on",
                        if *ignored == 1 { "" } else { "s" }
                    );
                }
                text
            }
            MpNote::StepsDown { ballot, by } => {
                format!("gives up ballot {ballot}: ballot {by} is higher")
            }
            MpNote::Proposes { slot, cmd } => {
                format!("proposes {} for slot {slot}", command_text(cmd))
            }
            MpNote::Chooses { slot, cmd } => format!(
                "hears from a majority: {} is chosen for slot {slot}",
                command_text(cmd)
            ),
            MpNote::Refuses { ballot, promised } => {
                format!("refuses ballot {ballot}: it promised the higher ballot {promised}")
            }
            MpNote::Accepted { slot, ballot, cmd } => format!(
                "accepts {} for slot {slot} in ballot {ballot}",
                command_text(cmd)
            ),
        }
    }

    fn is_routine(&self) -> bool {
        matches!(
            self,
            MpNote::Proposes { .. } | MpNote::Chooses { .. } | MpNote::Refuses { .. }
        )
    }
}
